"""Figures for the warm-up page, drawn from snippets/schedules.py (the schedule) and
snippets/adam.py (the steps it scales)."""

from functools import cache

import numpy as np
from _style import subplots

from snippets.adam import adam_step, init_adam_state
from snippets.schedules import warmup_cosine

PEAK, WARMUP, TOTAL, FLOOR, START = 1e-3, 200, 2000, 1e-5, 0.01


@cache
def _adam_steps(warm, n_steps=400, n_coords=2000, signal=0.1, seed=0):
    """RMS over coordinates of Adam's step, in units of the peak rate, for gradients with a small
    signal (0.1) in unit noise: constant rate or warm-up."""
    rng = np.random.default_rng(seed)
    params = {"w": np.zeros(n_coords)}
    state = init_adam_state(params)
    rms = []
    for k in range(n_steps):
        lr = warmup_cosine(k, peak_lr=PEAK, warmup_steps=WARMUP, total_steps=TOTAL,
                           floor_lr=FLOOR, start_factor=START) if warm else PEAK
        g = {"w": signal + rng.normal(size=n_coords)}
        new, state = adam_step(params, g, state, lr=lr)
        rms.append(np.sqrt(np.mean((new["w"] - params["w"]) ** 2)) / PEAK)
        params = new
    return np.array(rms)


def figure_warmup_adam(style):
    """Left: warm-up + cosine vs cosine alone. Right: the size of Adam's first steps under each."""
    steps = np.arange(TOTAL + 1)
    c = style["palette"]
    fig, axes = subplots(1, 2, width=8, height=3.5)
    ax = axes[0]
    for start, color, label in ((START, c[0], f"warm-up {WARMUP} steps, then cosine"),
                                (1.0, c[1], "no warm-up (start_factor = 1)")):
        lr = [warmup_cosine(k, peak_lr=PEAK, warmup_steps=WARMUP, total_steps=TOTAL,
                            floor_lr=FLOOR, start_factor=start) for k in steps]
        ax.plot(steps, np.array(lr) * 1e3, color=color, label=label,
                linestyle="-" if start < 1 else "--")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate (× 1e-3)")
    ax.set_title("The schedule: peak 1e-3, floor 1e-5", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    ax = axes[1]
    ax.plot(_adam_steps(False), color=c[1], linestyle="--", label="constant rate")
    ax.plot(_adam_steps(True), color=c[0], label="with warm-up")
    ax.set_xlabel("step")
    ax.set_ylabel("RMS step / peak rate")
    ax.set_title("Adam's step, gradient signal 0.1 in unit noise", fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper right")
    return fig
