"""Figures for the learning-rate schedules page, drawn from snippets/schedules.py."""

import numpy as np
from _style import subplots

from snippets.schedules import one_cycle, sgdr, step_decay, triangular_clr

STEPS = 1000


def figure_schedules_four(style):
    """The four schedules over the same 1000 steps, peak rate 0.1."""
    steps = np.arange(STEPS)
    curves = [
        ("Step decay: lr0 = 0.1, drop = 0.5, every = 250",
         [step_decay(k, lr0=0.1, drop=0.5, every=250) for k in steps]),
        ("Triangular CLR: 0.01 to 0.1, step_size = 125",
         [triangular_clr(k, base_lr=0.01, max_lr=0.1, step_size=125) for k in steps]),
        ("SGDR: T_0 = 100, T_mult = 2 (restarts at 100, 300, 700)",
         [sgdr(k, lr_max=0.1, T_0=100, T_mult=2, eta_min=0.001) for k in steps]),
        ("1cycle (two phases, cosine): max_lr = 0.1",
         [one_cycle(k, total_steps=STEPS, max_lr=0.1)[0] for k in steps]),
    ]
    fig, axes = subplots(2, 2, width=8, height=4.8, sharex=True, sharey=True)
    for i, (ax, (title, lr)) in enumerate(zip(axes.flat, curves, strict=True)):
        ax.plot(steps, lr, color=style["palette"][i])
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 0.11)
    for ax in axes[1]:
        ax.set_xlabel("step")
    for ax in axes[:, 0]:
        ax.set_ylabel("learning rate")
    return fig


def figure_one_cycle_phases(style):
    """1cycle's learning rate and momentum: PyTorch's default two phases vs the paper's three."""
    total = 1000
    steps = np.arange(total)
    kwargs = dict(total_steps=total, max_lr=0.1, pct_start=0.3, anneal="linear")
    two = np.array([one_cycle(k, **kwargs) for k in steps])
    three = np.array([one_cycle(k, three_phase=True, **kwargs) for k in steps])
    fig, axes = subplots(1, 2, width=8, height=3.5, sharex=True)
    c = style["palette"]
    for col, ylabel in enumerate(["learning rate", "momentum"]):
        ax = axes[col]
        ax.plot(steps, two[:, col], color=c[0], linewidth=2, label="two phases (default)")
        ax.plot(steps, three[:, col], color=c[1], linestyle="--", label="three phases (three_phase=True)")
        for boundary in (299, 598):
            ax.axvline(boundary, color=style["muted"], linewidth=0.8, linestyle=":")
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
    axes[0].set_title("Learning rate (linear annealing)", fontsize=9)
    axes[1].set_title("Momentum, cycled against the rate", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    return fig
