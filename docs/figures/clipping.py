"""Figures for the gradient clipping page: the direction kept by norm clipping and turned by value
clipping, in two dimensions and in a thousand."""

import numpy as np
from _style import subplots

from snippets.clipping import clip_grad_norm, clip_grad_value

G = np.array([3.0, 0.5])
THRESHOLDS = tuple(np.geomspace(0.01, 10, 25))


def cosines(seed=0, size=1000):
    """Cosine between a heavy-tailed gradient (Student t, 2 degrees of freedom) and its clipped
    version, for each threshold: clipping by value at it, and by norm at it times sqrt(size)."""
    g = {"g": np.random.default_rng(seed).standard_t(2, size=size)}
    norm = np.linalg.norm(g["g"])
    out = {"value": [], "norm": []}
    for tau in THRESHOLDS:
        by_value = clip_grad_value(g, tau)["g"]
        by_norm = clip_grad_norm(g, tau * np.sqrt(size))[0]["g"]
        out["value"].append(by_value @ g["g"] / np.linalg.norm(by_value) / norm)
        out["norm"].append(by_norm @ g["g"] / np.linalg.norm(by_norm) / norm)
    return {k: np.array(v) for k, v in out.items()}


def figure_clipping_direction(style):
    c = style["palette"]
    fig, (left, right) = subplots(1, 2, width=8, height=3.6)
    by_norm = clip_grad_norm({"g": G}, 1.0)[0]["g"]
    by_value = clip_grad_value({"g": G}, 1.0)["g"]
    t = np.linspace(0, 2 * np.pi, 200)
    left.plot(np.cos(t), np.sin(t), color=style["muted"], linewidth=0.8)
    left.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color=style["muted"], linewidth=0.8,
              linestyle=":")
    for vec, color, label in [(G, c[0], "gradient $g = (3, 0.5)$"),
                              (by_norm, c[2], "clipped by norm at 1 (same direction)"),
                              (by_value, c[3], "clipped by value at 1: $(1, 0.5)$")]:
        left.annotate("", xy=vec, xytext=(0, 0),
                      arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 2})
        left.plot([], [], color=color, linewidth=2, label=label)
    left.set_xlim(-1.3, 3.3)
    left.set_ylim(-1.3, 1.6)
    left.set_aspect("equal")
    left.set_title("Norm ball (circle) and value box (dotted)", fontsize=9)
    left.legend(fontsize=7, loc="lower right")

    cos = cosines()
    right.plot(THRESHOLDS, cos["norm"], color=c[2], linewidth=2.5, label="by norm")
    right.plot(THRESHOLDS, cos["value"], "o-", markersize=3, color=c[3], label="by value")
    right.set_xscale("log")
    right.set_xlabel(r"threshold $\tau$ (by norm: $\tau\sqrt{1000}$)")
    right.set_ylabel("cosine with the unclipped gradient")
    right.set_title("1000 heavy-tailed coordinates (Student t, 2 d.o.f.)", fontsize=9)
    right.legend(fontsize=8, loc="lower right")
    return fig
