"""Figures for the label-smoothing page, drawn from snippets/objectives.py."""

import math
from functools import cache

import numpy as np
from _style import subplots

from snippets.objectives import softmax_cross_entropy_grad

K, STEPS = 10, 3000
EPSILONS = (0.0, 0.05, 0.1, 0.2)


@cache
def _train(eps):
    """Gradient descent (rate 1) on one example's K logits, true class 0: the logit gap and the
    probability of the true class after every step."""
    z, labels = np.zeros((1, K)), np.array([0])
    gaps, probs = [], []
    for _ in range(STEPS):
        z = z - softmax_cross_entropy_grad(z, labels, label_smoothing=eps)
        gaps.append(z[0, 0] - z[0, 1:].max())
        e = np.exp(z[0] - z[0].max())
        probs.append(e[0] / e.sum())
    return np.array(gaps), np.array(probs)


def figure_label_smoothing_logits(style):
    """Left: the gap between the true logit and the others, with the finite optimum of each eps.
    Right: the model's confidence in the true class, capped at 1 - eps + eps/K."""
    c = style["palette"]
    steps = np.arange(1, STEPS + 1)
    fig, axes = subplots(1, 2, width=8, height=3.5, sharex=True)
    for i, eps in enumerate(EPSILONS):
        gaps, probs = _train(eps)
        label = "no smoothing" if eps == 0 else f"ε = {eps}"
        axes[0].plot(steps, gaps, color=c[i], label=label)
        axes[1].plot(steps, probs, color=c[i], label=label)
        if eps > 0:
            axes[0].axhline(math.log((1 - eps + eps / K) / (eps / K)), color=c[i], linewidth=0.8,
                            linestyle=":")
            axes[1].axhline(1 - eps + eps / K, color=c[i], linewidth=0.8, linestyle=":")
    axes[0].set_ylabel("logit gap: true class minus the others")
    axes[0].set_title("Dotted: log((1 − ε + ε/K) / (ε/K)), K = 10", fontsize=9)
    axes[1].set_ylabel("softmax probability of the true class")
    axes[1].set_title("Dotted: 1 − ε + ε/K", fontsize=9)
    axes[1].set_ylim(0.6, 1.01)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("gradient-descent step")
    axes[0].legend(fontsize=8, loc="upper left")
    return fig
