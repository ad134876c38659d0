"""Figures for the early-stopping page: a run stopped by update_early_stopping, and the shrinkage of
gradient descent stopped after t steps against L2 with lambda' = 1/(t eta) (Goodfellow et al. 7.8).

The run: least squares on 40 noisy examples with 25 features of which 3 matter, gradient descent from
w = 0, the validation error on 40 more examples checked after every step, patience 20.
"""

import functools

import numpy as np
from _style import subplots

from snippets.early_stopping import (
    gd_shrinkage,
    init_early_stopping,
    l2_shrinkage,
    restore_best_params,
    update_early_stopping,
)

N, N_FEATURES, N_RELEVANT, PATIENCE, LR, MAX_STEPS = 40, 25, 3, 20, 0.05, 2000


@functools.cache
def data():
    rng = np.random.default_rng(3)
    w_true = np.zeros(N_FEATURES)
    w_true[:N_RELEVANT] = [2.0, -1.5, 1.0]
    x, x_val = rng.normal(size=(N, N_FEATURES)), rng.normal(size=(N, N_FEATURES))
    y = x @ w_true + rng.normal(0.0, 1.5, N)
    y_val = x_val @ w_true + rng.normal(0.0, 1.5, N)
    return x, y, x_val, y_val


def _mse(w, x, y):
    return float(np.mean((x @ w - y) ** 2))


@functools.cache
def run():
    """Train for MAX_STEPS steps, recording the errors, and note where early stopping stops."""
    x, y, x_val, y_val = data()
    w = np.zeros(N_FEATURES)
    state, stop_step = init_early_stopping(PATIENCE), None
    train, val = [], []
    for step in range(1, MAX_STEPS + 1):
        w = w - LR * x.T @ (x @ w - y) / N  # the gradient of (1/2N) ||X w - y||^2
        train.append(_mse(w, x, y))
        val.append(_mse(w, x_val, y_val))
        if stop_step is None:
            state, stop = update_early_stopping(state, val[-1], {"w": w})
            if stop:
                stop_step, stopped_state = step, state
    best = restore_best_params(stopped_state)["w"]
    return {"train": np.array(train), "val": np.array(val), "stop_step": stop_step,
            "best_step": stopped_state["best_epoch"] + 1, "best_w": best, "final_w": w}


def figure_early_stopping_run(style):
    """Training and validation error per step; the best step, the stop, and the final over-fit."""
    r = run()
    steps = np.arange(1, MAX_STEPS + 1)
    fig, ax = subplots(width=7.0, height=3.4)
    ax.plot(steps, r["train"], color=style["palette"][0], label="training error")
    ax.plot(steps, r["val"], color=style["palette"][1], label="validation error")
    ax.axvline(r["best_step"], color=style["palette"][2], linestyle="--",
               label=f"best step {r['best_step']}: restored")
    ax.axvline(r["stop_step"], color=style["fg"], linestyle=":",
               label=f"stop at step {r['stop_step']} (patience {PATIENCE})")
    ax.set_xscale("log")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("mean squared error")
    ax.set_title("Validation error turns up: stop, and go back to the best step", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def figure_early_stopping_vs_l2(style):
    """The fraction of w* reached per eigendirection: GD stopped at t vs L2 with lambda' = 1/(t eta)."""
    lr = 1e-3
    c = np.geomspace(1e-3, 999.0, 400)
    fig, ax = subplots(width=7.0, height=3.4)
    for i, steps in enumerate((10, 100, 1000)):
        lam = 1 / (steps * lr)
        color = style["palette"][i]
        ax.plot(c, gd_shrinkage(c, lr, steps), color=color,
                label=f"early stopping, t = {steps}")
        ax.plot(c, l2_shrinkage(c, lam), "--", color=color,
                label=f"L2, λ′ = 1/(tη) = {lam:g}")
    ax.set_xscale("log")
    ax.set_xlabel("curvature $c_i$ of the direction (η = 0.001)")
    ax.set_ylabel("fraction of $w^*_i$ reached")
    ax.set_title("Stopping after t steps filters like L2 with λ′ = 1/(tη)", fontsize=10)
    ax.legend(fontsize=7.5, ncols=2)
    return fig
