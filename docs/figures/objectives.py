"""Figure for the objectives page: softmax vs independent sigmoids on a multi-label example."""

import numpy as np
from _style import subplots

from snippets.activations import softmax
from snippets.objectives import bce_with_logits_grad, multilabel_predict, softmax_cross_entropy_grad

LABELS = ["cloud", "road", "water", "tree"]


def _fit(target, steps=300, lr=1.0):
    """Gradient descent on the four logits of one photo, with each output layer and its loss."""
    z_sigmoid = np.zeros((1, len(LABELS)))
    z_softmax = np.zeros((1, len(LABELS)))
    for _ in range(steps):
        z_sigmoid -= lr * bce_with_logits_grad(z_sigmoid, target, reduction="sum")
        # Softmax cross-entropy needs a distribution: the usual patch divides the multi-hot row by its sum.
        z_softmax -= lr * softmax_cross_entropy_grad(z_softmax, target / target.sum(), reduction="sum")
    return multilabel_predict(z_sigmoid)[0][0], softmax(z_softmax)[0]


def figure_objectives_multilabel(style):
    target = np.array([[1.0, 1.0, 0.0, 1.0]])  # a photo with a cloud, a road and a tree, no water
    p_sigmoid, p_softmax = _fit(target)
    x = np.arange(len(LABELS))
    width = 0.27
    fig, ax = subplots(width=7.5, height=3.6)
    ax.bar(x - width, target[0], width, color=style["muted"], alpha=0.6, label="true labels (multi-hot)")
    ax.bar(x, p_softmax, width, color=style["palette"][3], label="softmax output (sums to 1)")
    ax.bar(x + width, p_sigmoid, width, color=style["palette"][0], label="independent sigmoids")
    ax.axhline(0.5, color=style["fg"], linestyle="--", linewidth=1, label="threshold 0.5")
    for xi, p in zip(x, p_softmax, strict=True):
        ax.text(xi, p + 0.02, f"{p:.2f}", ha="center", fontsize=8)
    ax.set_xticks(x, LABELS)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("probability after training")
    ax.set_title("Three true labels: the best softmax can do is 1/3 each", fontsize=10)
    ax.legend(fontsize=8, loc="upper right", ncols=2)
    return fig
