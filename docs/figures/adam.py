"""Figures for the Adam page: L2 vs decoupled weight decay, and Adam's path on an elongated bowl."""

import numpy as np
from _style import subplots

from snippets.adam import adam_step, init_adam_state


def figure_adam_weight_decay(style):
    """Weights w0 = 1 and w0 = 10 under weight decay alone (zero data gradient): Adam + L2 vs AdamW."""
    lr, wd, steps = 0.01, 0.1, 1200
    w0 = np.array([1.0, 10.0])
    runs = {}
    for decoupled in (False, True):
        params, state = {"w": w0.copy()}, init_adam_state({"w": w0})
        path = [w0.copy()]
        for _ in range(steps):
            params, state = adam_step(params, {"w": np.zeros(2)}, state, lr=lr, weight_decay=wd,
                                      decoupled=decoupled)
            path.append(params["w"])
        runs[decoupled] = np.array(path) / w0
    fig, ax = subplots(width=7, height=3.4)
    t = np.arange(steps + 1)
    c = style["palette"]
    ax.plot(t, runs[False][:, 0], color=c[3], label="Adam + L2, $w_0 = 1$")
    ax.plot(t, runs[False][:, 1], color=c[1], label="Adam + L2, $w_0 = 10$")
    ax.plot(t, runs[True][:, 0], color=c[0], linewidth=2.5, label="AdamW, $w_0 = 1$")
    ax.plot(t, runs[True][:, 1], color=c[2], linestyle="--", label="AdamW, $w_0 = 10$ (same curve)")
    ax.set_xlabel("step")
    ax.set_ylabel("$w_t / w_0$")
    ax.set_title(f"Weight decay alone (zero data gradient), lr = {lr}, weight_decay = {wd}")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def figure_adam_paths(style):
    """Gradient descent and Adam from the same start on f(x, y) = (x^2 + 25 y^2) / 2."""
    h = np.array([1.0, 25.0])
    start = np.array([-4.0, 1.5])

    def grad(w):
        return h * w

    gd, w = [start], start.copy()
    for _ in range(60):
        w = w - 0.075 * grad(w)  # close to the stable limit 2 / 25 for the steep direction
        gd.append(w)
    adam, params, state = [start], {"w": start.copy()}, init_adam_state({"w": start})
    for _ in range(60):
        params, state = adam_step(params, {"w": grad(params["w"])}, state, lr=0.3)
        adam.append(params["w"])
    gd, adam = np.array(gd), np.array(adam)

    fig, ax = subplots(width=7, height=3.4)
    x, y = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-2.0, 2.0, 200))
    ax.contour(x, y, 0.5 * (h[0] * x**2 + h[1] * y**2), levels=np.geomspace(0.05, 60, 12),
               colors=style["muted"], linewidths=0.6)
    ax.plot(gd[:, 0], gd[:, 1], "o-", markersize=3, label="gradient descent, lr = 0.075")
    ax.plot(adam[:, 0], adam[:, 1], "s-", markersize=3, label="Adam, lr = 0.3")
    ax.plot(0, 0, "*", color=style["fg"], markersize=10, label="minimum")
    ax.set_xlabel("$x$ (curvature 1)")
    ax.set_ylabel("$y$ (curvature 25)")
    ax.set_title("60 steps from (-4, 1.5): Adam's first steps move about lr along both axes")
    ax.set_aspect("equal")
    ax.grid(False)
    ax.legend(fontsize=8, loc="lower right")
    return fig
