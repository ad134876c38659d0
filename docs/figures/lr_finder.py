"""Figure for the LR range test page: loss against learning rate for an MLP on handwritten digits.

Data: scikit-learn's ``load_digits`` (1,797 8x8 images of the digits 0-9, shipped inside the package).
Model: 64-64-10 MLP, ReLU hidden layer, softmax output, He initialization, standardized pixels.
"""

import numpy as np
from _style import subplots
from sklearn.datasets import load_digits

from snippets.initialization import init_params
from snippets.lr_finder import lr_range_test, suggest_lr
from snippets.mlp import mlp_backward, mlp_forward, mlp_loss

BATCH_SIZE = 64


def _digits_problem(seed):
    """Standardized digits, one-hot labels, shuffled mini-batches, fresh He-initialized parameters."""
    rng = np.random.default_rng(seed)
    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)  # constant border pixels have std 0
    Y = np.eye(10)[y]
    order = rng.permutation(len(X))
    batches = [(X[order[i:i + BATCH_SIZE]], Y[order[i:i + BATCH_SIZE]])
               for i in range(0, len(X) - BATCH_SIZE + 1, BATCH_SIZE)]
    params = init_params([64, 64, 10], "he_normal", rng)
    return params, batches


def _loss_and_grads(params, batch):
    X, Y = batch
    if not all(np.all(np.isfinite(v)) for v in params.values()):
        return float("nan"), params  # the weights overflowed: the range test stops on a non-finite loss
    out, cache = mlp_forward(params, X)
    return mlp_loss(out, Y), mlp_backward(params, cache, Y)


def _range_test(seed):
    params, batches = _digits_problem(seed)
    return lr_range_test(params, _loss_and_grads, batches, lr_min=1e-4, lr_max=100.0, num_steps=100)


def figure_lr_finder_digits(style):
    result = _range_test(seed=0)
    lr_min_rule = suggest_lr(result)
    lr_steep = suggest_lr(result, method="steepest")
    best = result["lrs"][np.argmin(result["losses"])]

    fig, ax = subplots(width=7, height=3.8)
    ax.plot(result["lrs"], result["raw_losses"], color=style["muted"], lw=0.8, alpha=0.7,
            label="loss of each mini-batch")
    ax.plot(result["lrs"], result["losses"], lw=2, label="smoothed loss (bias-corrected EMA, 0.98)")
    ax.axvline(best, color=style["palette"][3], ls=":", label=f"lowest smoothed loss: lr = {best:.2g}")
    ax.axvline(lr_min_rule, color=style["palette"][2], lw=2,
               label=f"suggestion, minimum / 10: lr = {lr_min_rule:.2g}")
    ax.axvline(lr_steep, color=style["palette"][1], ls="--", label=f"steepest slope: lr = {lr_steep:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss (cross-entropy)")
    top = float(np.nanmax(result["losses"][: max(1, len(result["losses"]) // 2)]))
    ax.set_ylim(0, 1.9 * top)
    stop = "stopped at divergence" if result["stopped_early"] else "ran to lr_max"
    ax.set_title(f"LR range test, MLP on scikit-learn digits: {len(result['lrs'])} steps, {stop}")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def figure_lr_finder_seeds(style):
    """Five runs with different initial weights and batch orders: how much each rule moves."""
    fig, ax = subplots(width=7, height=3.2)
    for seed in range(5):
        result = _range_test(seed)
        color = style["palette"][seed % len(style["palette"])]
        ax.plot(result["lrs"], result["losses"], color=color, lw=1.2)
        # Markers staggered by seed, so that equal suggestions of two runs stay visible.
        ax.plot(suggest_lr(result), 0.15 + 0.12 * seed, "o", color=color, ms=7)
        ax.plot(suggest_lr(result, method="steepest"), 0.15 + 0.12 * seed, "^", color=color, ms=7)
    ax.plot([], [], "o", color=style["fg"], label="minimum / 10 (one dot per run)")
    ax.plot([], [], "^", color=style["fg"], label="steepest slope (one triangle per run)")
    ax.set_xscale("log")
    ax.set_ylim(0, 4.4)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("smoothed training loss")
    ax.set_title("Five seeds: the suggestions of each rule")
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    return fig
