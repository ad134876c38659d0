"""Figures for the AdaGrad and RMSprop page: the effective step for a constant gradient, and the
three optimizers on a problem whose gradient keeps its size far from the optimum."""

import numpy as np
from _style import subplots

from snippets.adam import adam_step, init_adam_state
from snippets.adaptive import adagrad_step, init_adagrad_state, init_rmsprop_state, rmsprop_step

LR, W0, STEPS, ALPHA = 0.1, 20.0, 3000, 0.9


def _steps():
    return {
        "AdaGrad": (init_adagrad_state, lambda p, g, s: adagrad_step(p, g, s, lr=LR)),
        f"RMSprop, alpha = {ALPHA}": (init_rmsprop_state,
                                      lambda p, g, s: rmsprop_step(p, g, s, lr=LR, alpha=ALPHA)),
        "Adam": (init_adam_state, lambda p, g, s: adam_step(p, g, s, lr=LR)),
    }


def step_sizes(steps=1000, g=1.0):
    """Each optimizer's step, divided by lr, for the same gradient g at every step."""
    out = {}
    for name, (init, step) in _steps().items():
        params = {"w": np.zeros(1)}
        state, sizes = init(params), []
        for _ in range(steps):
            new, state = step(params, {"w": np.array([g])}, state)
            sizes.append(abs(new["w"][0] - params["w"][0]) / LR)
            params = new
        out[name] = np.array(sizes)
    return out


def pseudo_huber_paths():
    """|w_t| on f(w) = sqrt(1 + w^2) - 1 from w0 = 20: the gradient w / sqrt(1 + w^2) stays near 1
    until |w| is about 1."""
    out = {}
    for name, (init, step) in _steps().items():
        params = {"w": np.array([W0])}
        state, path = init(params), [W0]
        for _ in range(STEPS):
            w = params["w"]
            params, state = step(params, {"w": w / np.sqrt(1 + w * w)}, state)
            path.append(abs(params["w"][0]))
        out[name] = np.array(path)
    return out


def figure_adaptive_lineage(style):
    c = style["palette"]
    colors = [c[3], c[0], c[2]]
    fig, (left, right) = subplots(1, 2, width=8, height=3.6)
    sizes = step_sizes()
    t = np.arange(1, len(next(iter(sizes.values()))) + 1)
    for (name, s), color in zip(sizes.items(), colors, strict=True):
        left.plot(t, s, color=color, label=name)
    left.plot(t, 1 / np.sqrt(t), color=style["muted"], linestyle=":", label=r"$1/\sqrt{t}$")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("step $t$")
    left.set_ylabel("step / lr")
    left.set_title("The same gradient at every step", fontsize=9)
    left.legend(fontsize=7, loc="lower left")
    paths = pseudo_huber_paths()
    steps = np.arange(STEPS + 1)
    for (name, path), color in zip(paths.items(), colors, strict=True):
        right.plot(steps, path, color=color, label=name)
    right.set_xlabel("step")
    right.set_ylabel("distance to the optimum $|w_t|$")
    right.set_title(r"$\sqrt{1 + w^2} - 1$ from $w_0 = 20$, lr = 0.1", fontsize=9)
    right.legend(fontsize=7, loc="upper right")
    return fig
