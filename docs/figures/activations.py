"""Figure for the activations page: each activation function with its derivative."""

import numpy as np
from _style import subplots

from snippets.activations import (
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    tanh,
    tanh_grad,
)


def _softmax_first(z):
    """First output of a two-class softmax with logits (z, 0), and its derivative in z."""
    logits = np.column_stack([z, np.zeros_like(z)])
    upstream = np.column_stack([np.ones_like(z), np.zeros_like(z)])
    return softmax(logits, axis=1)[:, 0], softmax_grad(logits, upstream, axis=1)[:, 0]


def figure_activations(style):
    z = np.linspace(-5, 5, 401)
    alpha = 0.1
    panels = [
        ("sigmoid", sigmoid(z), sigmoid_grad(z)),
        ("tanh", tanh(z), tanh_grad(z)),
        ("ReLU", relu(z), relu_grad(z)),
        (f"leaky ReLU (alpha={alpha})", leaky_relu(z, alpha), leaky_relu_grad(z, alpha)),
        ("softmax of (z, 0), first output", *_softmax_first(z)),
    ]
    fig, axes = subplots(2, 3, width=9, height=5.2)
    c_fn, c_grad = style["palette"][0], style["palette"][1]
    for ax, (title, value, grad) in zip(axes.flat, panels, strict=False):
        ax.axhline(0, color=style["muted"], linewidth=0.8)
        ax.axvline(0, color=style["muted"], linewidth=0.8)
        ax.plot(z, value, color=c_fn, label="function")
        ax.plot(z, grad, color=c_grad, linestyle="--", label="derivative")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("z")
    axes[0, 0].legend(loc="upper left", fontsize=8)
    ax = axes[1, 2]
    for (title, _, grad), color in zip(panels, style["palette"], strict=False):
        ax.plot(z, grad, color=color, label=title.split(" (")[0].split(" of")[0])
    ax.set_title("the derivatives together", fontsize=10)
    ax.set_xlabel("z")
    ax.legend(fontsize=7, loc="center right")
    return fig
