"""Figures for the batch-norm page: activation scale through a deep network, and the running statistics."""

import numpy as np
from _style import subplots

from snippets.batchnorm import batchnorm_forward, init_batchnorm

DEPTH, WIDTH, N = 12, 100, 256


def _activation_stds(weight_scale, use_batchnorm, rng):
    """Standard deviation of the ReLU activations after each of DEPTH dense layers."""
    a = rng.normal(size=(N, WIDTH))
    stds = []
    for _ in range(DEPTH):
        W = rng.normal(0.0, weight_scale / np.sqrt(WIDTH), size=(WIDTH, WIDTH))
        z = a @ W.T
        if use_batchnorm:
            gamma, beta, state = init_batchnorm(WIDTH)
            z, _, _ = batchnorm_forward(z, gamma, beta, state)
        a = np.maximum(z, 0)
        stds.append(a.std())
    return np.array(stds)


def figure_batchnorm_activation_scale(style):
    rng = np.random.default_rng(0)
    layers = np.arange(1, DEPTH + 1)
    fig, ax = subplots(width=8.5, height=3.6)
    for scale, colour in ((0.5, style["palette"][0]), (2.5, style["palette"][3])):
        ax.plot(layers, _activation_stds(scale, False, rng), "o--", color=colour,
                label=f"no batch norm,\nweight std {scale}/√n")
        ax.plot(layers, _activation_stds(scale, True, rng), "s-", color=colour,
                label=f"batch norm before ReLU,\nweight std {scale}/√n")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the layer's activations (log)")
    ax.set_title(f"{DEPTH} ReLU layers of width {WIDTH}, batch of {N}")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def figure_batchnorm_running_var(style):
    """Running variance over training steps with batches of 4 from N(0, 1): unbiased vs biased update."""
    rng = np.random.default_rng(1)
    gamma, beta, state = init_batchnorm(1)
    state["running_var"] = np.array([0.2])  # start away from the answer to see the convergence
    biased = 0.2
    steps, momentum, batch = 400, 0.05, 4
    ours, theirs = [], []
    for _ in range(steps):
        x = rng.normal(size=(batch, 1))
        _, _, state = batchnorm_forward(x, gamma, beta, state, momentum=momentum)
        biased = (1 - momentum) * biased + momentum * x.var()  # the mistake: divide by N
        ours.append(state["running_var"][0])
        theirs.append(biased)
    fig, ax = subplots(width=7, height=3.2)
    ax.axhline(1.0, color=style["muted"], ls="--", label="true variance 1")
    ax.axhline((batch - 1) / batch, color=style["muted"], ls=":", label=f"(N-1)/N = {(batch - 1) / batch}")
    ax.plot(ours, label="running_var, unbiased batch variance (ours, PyTorch)")
    ax.plot(theirs, label="running_var, biased batch variance (the mistake)")
    # Trailing means make the systematic gap readable through the noise.
    tail = slice(steps // 2, None)
    ax.set_title(f"Batches of {batch}, momentum {momentum}: mean of the last {steps // 2} steps "
                 f"{np.mean(ours[tail]):.2f} vs {np.mean(theirs[tail]):.2f}")
    ax.set_xlabel("training step")
    ax.set_ylabel("running variance")
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    return fig
