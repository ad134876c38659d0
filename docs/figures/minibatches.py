"""Figures for the mini-batch page: training curves for three batch sizes, and gradient noise."""

import numpy as np
from _style import subplots

from snippets.minibatches import iterations_per_epoch, shuffle_and_partition
from snippets.objectives import bce_with_logits, bce_with_logits_grad


def _data(n=512, seed=0):
    """A two-feature logistic-regression problem with overlapping classes (plus a constant feature)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    logits = X @ np.array([2.0, -1.0]) + 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(float)
    return np.column_stack([X, np.ones(n)]), y


def _train(X, y, batch_size, epochs, lr, seed):
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    updates, losses = [0], [bce_with_logits(X @ w, y)]
    step = 0
    for _ in range(epochs):
        for Xb, yb in shuffle_and_partition(X, y, batch_size, rng):
            w -= lr * Xb.T @ bce_with_logits_grad(Xb @ w, yb)
            step += 1
            updates.append(step)
            losses.append(bce_with_logits(X @ w, y))
    return np.array(updates), np.array(losses)


def figure_minibatch_loss_curves(style):
    X, y = _data()
    n, epochs, lr = len(y), 10, 0.2
    fig, axes = subplots(1, 2, width=9, height=3.6, sharey=True)
    for batch_size, color in zip([1, 32, n], style["palette"], strict=False):
        updates, losses = _train(X, y, batch_size, epochs, lr, seed=1)
        per_epoch = iterations_per_epoch(n, batch_size)
        label = {1: "batch size 1 (SGD)", n: f"full batch ({n})"}.get(batch_size, f"batch size {batch_size}")
        axes[0].plot(updates / per_epoch, losses, color=color, label=label, linewidth=0.9)
        axes[1].plot(updates + 1, losses, color=color, label=label, linewidth=0.9)
    axes[0].set_xlabel("epochs (passes over the 512 examples)")
    axes[0].set_ylabel("training loss (whole set)")
    axes[1].set_xlabel("iterations (parameter updates + 1), log scale")
    axes[1].set_xscale("log")
    axes[0].set_title("Per epoch: small batches progress faster", fontsize=10)
    axes[1].set_title("Per update: batch size 1 stalls in its noise", fontsize=10)
    axes[0].legend(fontsize=8)
    return fig


def figure_minibatch_gradient_noise(style):
    X, y = _data(n=8192, seed=2)
    w = np.array([0.5, 0.5, 0.0])
    full = X.T @ bce_with_logits_grad(X @ w, y)
    rng = np.random.default_rng(3)
    sizes = 2 ** np.arange(0, 12)
    noise = []
    for b in sizes:
        errors = []
        while len(errors) < 64:  # several epochs for the large batches, part of one for the small
            errors += [np.linalg.norm(Xb.T @ bce_with_logits_grad(Xb @ w, yb) - full)
                       for Xb, yb in shuffle_and_partition(X, y, int(b), rng, drop_last=True)[:256]]
        noise.append(np.sqrt(np.mean(np.square(errors))))
    noise = np.array(noise)
    fig, ax = subplots(width=6.5, height=3.4)
    ax.loglog(sizes, noise, "o", color=style["palette"][0],
              label="measured: RMS distance to the full gradient")
    ax.loglog(sizes, noise[0] / np.sqrt(sizes), "--", color=style["palette"][1],
              label=r"$\propto 1/\sqrt{\mathrm{batch\ size}}$")
    ax.set_xticks(sizes, [str(s) for s in sizes], fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel("batch size (powers of two)")
    ax.set_ylabel("gradient noise")
    ax.set_title("Four times the batch, half the noise", fontsize=10)
    ax.legend(fontsize=8)
    return fig
