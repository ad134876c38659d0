"""Figures for the learning-rate schedules page, drawn from snippets/schedules.py."""

from functools import cache

import numpy as np
from _style import subplots

from snippets.schedules import (
    one_cycle,
    sgd_expected_loss,
    sgd_noise_floor,
    sgd_on_noisy_quadratic,
    sgdr,
    step_decay,
    triangular_clr,
)

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


NQM_CURVATURES = np.geomspace(0.1, 1.0, 20)  # a noisy quadratic in 20 dimensions
NQM_STEPS, NQM_RUNS = 2000, 100


@cache
def _mean_loss(lrs, batch_size, seed):
    """Mean loss over NQM_RUNS runs of SGD (cached: the light and dark figures share it)."""
    rng = np.random.default_rng(seed)
    w0 = np.full((NQM_RUNS, len(NQM_CURVATURES)), 2.0)
    runs = sgd_on_noisy_quadratic(w0, NQM_CURVATURES, lrs, batch_size=batch_size,
                                  noise_std=1.0, rng=rng)
    return runs.mean(axis=1)


def figure_noise_floor(style):
    """SGD's loss at constant rates settles at floors ~ lr / B; decaying rates go below."""
    c = style["palette"]
    steps = np.arange(NQM_STEPS + 1)
    fig, axes = subplots(1, 2, width=10, height=3.8, sharey=True)
    pairs = [(0.1, 4), (0.05, 2), (0.05, 4), (0.1, 16)]
    for i, (lr, batch_size) in enumerate(pairs):
        floor = sgd_noise_floor(lr, NQM_CURVATURES, batch_size=batch_size, noise_std=1.0)
        mean = _mean_loss((lr,) * NQM_STEPS, batch_size, seed=i)
        axes[0].semilogy(steps, mean, color=c[i], linewidth=1,
                         label=f"lr = {lr}, B = {batch_size}: floor {floor:.3f}")
        axes[0].axhline(floor, color=c[i], linestyle="--", linewidth=1)
    axes[0].set_title("Constant rates: plateaus at the predicted floors")
    decays = [
        ("constant lr = 0.1", (0.1,) * NQM_STEPS, c[0]),
        ("step decay: ÷10 at step 1000",
         tuple(step_decay(k, lr0=0.1, drop=0.1, every=1000) for k in range(NQM_STEPS)), c[1]),
        ("cosine from 0.1 to 0",
         tuple(sgdr(k, lr_max=0.1, T_0=NQM_STEPS) for k in range(NQM_STEPS)), c[2]),
    ]
    for i, (label, lrs, colour) in enumerate(decays):
        axes[1].semilogy(steps, _mean_loss(lrs, 4, seed=10 + i), color=colour, linewidth=1,
                         label=f"{label} (measured)")
        expected = sgd_expected_loss(np.full(len(NQM_CURVATURES), 2.0), NQM_CURVATURES, lrs,
                                     batch_size=4, noise_std=1.0)
        axes[1].semilogy(steps, expected, color=style["fg"], linewidth=0.6, linestyle=":")
    for lr, dash in ((0.1, "--"), (0.01, "-.")):
        floor = sgd_noise_floor(lr, NQM_CURVATURES, batch_size=4, noise_std=1.0)
        axes[1].axhline(floor, color=style["muted"], linestyle=dash, linewidth=1,
                        label=f"floor of a constant lr = {lr}: {floor:.4f}")
    axes[1].set_title("B = 4: decaying rates go below the floor")
    axes[0].legend(fontsize=8, loc="upper right")
    axes[1].legend(fontsize=8, loc="upper right")
    for ax in axes:
        ax.set_xlabel("step")
    axes[0].set_ylabel("mean loss over 100 runs")
    return fig
