"""Figures for the convolution page: a digit through hand-set edge kernels (and the same kernel
flipped), and the receptive field of one output unit measured by the backward pass.

Data: scikit-learn's ``load_digits`` (8x8 images of the digits 0-9, shipped inside the package).
"""

import numpy as np
from _style import subplots
from sklearn.datasets import load_digits

from snippets.convolution import conv2d_backward, conv2d_forward, receptive_field

# Sobel kernels, as the layer uses them (cross-correlation, no flip)
SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
SOBEL_Y = SOBEL_X.T.copy()


def digit(index=0, scale=4):
    """One digit, each pixel repeated scale x scale times, in [0, 1], shape (1, 1, 8s, 8s)."""
    image = load_digits().images[index] / 16.0
    return np.kron(image, np.ones((scale, scale)))[None, None]


def edge_maps(x):
    """The digit through Sobel-x, Sobel-y and the flipped Sobel-x (padding 1, one call, 3 filters)."""
    w = np.stack([SOBEL_X, SOBEL_Y, SOBEL_X[::-1, ::-1]])[:, None]  # (3, 1, 3, 3)
    out, _ = conv2d_forward(x, w, None, padding=1)
    return out[0]


def figure_conv_edges(style):
    x = digit()
    maps = edge_maps(x)
    limit = np.abs(maps).max()
    fig, axes = subplots(1, 4, width=9, height=2.9)
    axes[0].imshow(x[0, 0], cmap="gray_r")
    axes[0].set_title("input: a digit 0")
    titles = ["Sobel-x: vertical edges", "Sobel-y: horizontal edges", "Sobel-x flipped: signs reversed"]
    for ax, m, title in zip(axes[1:], maps, titles, strict=True):
        image = ax.imshow(m, cmap=style["diverging"], vmin=-limit, vmax=limit)
        ax.set_title(title, fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.colorbar(image, ax=axes[1:], shrink=0.8, label="response")
    return fig


STACKS = {
    "three 3×3, stride 1": [(3, 1, 1)] * 3,
    "3×3 stride 2, then 3×3": [(3, 2, 1), (3, 1, 1)],
    "3×3 with dilations 1, 2, 4": [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
}


def gradient_footprint(layers, size=19):
    """How much gradient each input pixel gets from the centre output unit of the stack (all-ones
    kernels, no padding): the receptive field, with the number of paths through the stack."""
    x = np.ones((1, 1, size, size))
    caches = []
    for k, s, d in layers:
        x, cache = conv2d_forward(x, np.ones((1, 1, k, k)), None, s, 0, d)
        caches.append(cache)
    grad = np.zeros(x.shape)
    grad[..., x.shape[2] // 2, x.shape[3] // 2] = 1.0
    for cache in reversed(caches):
        grad = conv2d_backward(grad, cache)[0]
    return grad[0, 0]


def figure_receptive_field(style):
    fig, axes = subplots(1, 3, width=9, height=3.2)
    for ax, (name, layers) in zip(axes, STACKS.items(), strict=True):
        footprint = gradient_footprint(layers)
        ax.imshow(np.where(footprint > 0, footprint, np.nan), cmap=style["cmap"])
        ax.set_title(f"{name}\nreceptive field {receptive_field(layers)}×{receptive_field(layers)}",
                     fontsize=9)
        ax.set_xticks(np.arange(-0.5, footprint.shape[1], 1), minor=True)
        ax.set_yticks(np.arange(-0.5, footprint.shape[0], 1), minor=True)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(which="minor", linewidth=0.3)
        ax.grid(which="major", visible=False)
    return fig
