"""Figure for the pooling page: a digit max- and average-pooled, and where max pooling sends the
gradient (ties, as in the blank corners, go to the first cell of the window).

Data: scikit-learn's ``load_digits`` (8x8 images of the digits 0-9, shipped inside the package).
"""

import numpy as np
from _style import subplots
from sklearn.datasets import load_digits

from snippets.pooling import avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward


def pooled_digit(index=0):
    x = (load_digits().images[index] / 16.0)[None, None]
    max_out, cache = max_pool2d_forward(x, 2)
    avg_out, _ = avg_pool2d_forward(x, 2)
    routed = max_pool2d_backward(np.ones_like(max_out), cache)
    return x[0, 0], max_out[0, 0], avg_out[0, 0], routed[0, 0]


def figure_pooling_digit(style):
    x, max_out, avg_out, routed = pooled_digit()
    fig, axes = subplots(1, 4, width=9, height=2.8)
    panels = [(x, "input 8×8"), (max_out, "max pool 2×2 → 4×4"), (avg_out, "average pool 2×2 → 4×4"),
              (routed, "max pool's gradient:\nthe winning cell of each window")]
    for ax, (image, title) in zip(axes, panels, strict=True):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for i in range(1, 4):  # the 2x2 windows on the input and on the gradient
        for ax in (axes[0], axes[3]):
            ax.axhline(2 * i - 0.5, color=style["palette"][1], linewidth=0.8)
            ax.axvline(2 * i - 0.5, color=style["palette"][1], linewidth=0.8)
    return fig
