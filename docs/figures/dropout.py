"""Figures for the dropout page: one layer at training and test time, the expected value,
and the ensemble: weight scaling against Monte Carlo dropout, and the variance shift."""

from functools import lru_cache

import numpy as np
from _style import subplots

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.dropout import dropout_forward, mc_dropout_predict


def figure_dropout_train_test(style):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 1.0, size=(1, 24)).astype(np.float32)
    keep_prob = 0.5
    train, mask = dropout_forward(a, keep_prob, rng)
    test, _ = dropout_forward(a, keep_prob, rng, training=False)

    fig, axes = subplots(1, 2, width=8, height=3.0, sharey=True)
    units = np.arange(a.shape[1])
    c_in, c_out = style["palette"][0], style["palette"][1]
    axes[0].bar(units, a[0], color=c_in, alpha=0.35, label="input activation")
    axes[0].bar(units, train[0], color=c_out, width=0.5, label=f"after dropout (keep_prob={keep_prob})")
    axes[0].set_title(f"Training: {int((~mask).sum())} of {mask.size} units dropped, "
                      f"survivors ×{1 / keep_prob:g}")
    axes[1].bar(units, test[0], color=c_in, label="output = input")
    axes[1].set_title("Test time: the identity, no rescaling")
    for ax in axes:
        ax.set_xlabel("unit")
        ax.legend(loc="upper right", fontsize=8)
    axes[0].set_ylabel("activation")
    return fig


def figure_dropout_expected_value(style):
    """Mean activation over many masks stays at the input mean for every keep_prob."""
    rng = np.random.default_rng(1)
    a = rng.uniform(0.2, 1.0, size=(2000, 64)).astype(np.float32)
    keep_probs = np.linspace(0.1, 1.0, 10)
    inverted = [dropout_forward(a, k, rng)[0].mean() for k in keep_probs]
    plain = [(dropout_forward(a, k, rng)[1] * a).mean() for k in keep_probs]
    fig, ax = subplots(width=6, height=3.2)
    ax.axhline(a.mean(), color=style["muted"], linestyle="--", label="mean of the input")
    ax.plot(keep_probs, inverted, "o-", label="inverted dropout (÷ keep_prob)")
    ax.plot(keep_probs, plain, "s-", label="mask only (no rescaling)")
    ax.set_xlabel("keep_prob")
    ax.set_ylabel("mean activation")
    ax.legend(fontsize=8)
    return fig


ACTIVATIONS = {"linear": lambda z: z, "tanh": np.tanh, "ReLU": lambda z: np.maximum(z, 0.0)}
GAINS = {"linear": 1.0, "tanh": 5 / 3, "ReLU": np.sqrt(2)}  # keep the activations' scale
DEPTHS, WIDTH, KEEP = (1, 2, 3, 4), 16, 0.5
TILES, PASSES, NETS = 20, 25, 4  # 500 Monte Carlo samples per input, 4 networks


def _network(depth, activation, rng):
    gain = GAINS[activation] / np.sqrt(WIDTH)
    hidden = [rng.normal(size=(WIDTH, WIDTH)) * gain for _ in range(depth)]
    return hidden, rng.normal(size=(1, WIDTH)) / np.sqrt(WIDTH)


def _forward(x, net, activation, rng, training):
    """Hidden layers act(h W^T), each followed by dropout; then a linear output."""
    hidden, w_out = net
    h = x
    for W in hidden:
        h, _ = dropout_forward(ACTIVATIONS[activation](h @ W.T), KEEP, rng, training=training)
    return h @ w_out.T


@lru_cache(maxsize=1)
def _weight_scaling_gaps():
    """RMS gap between the MC ensemble mean and the test-time network, relative to the
    latter, and the Monte Carlo standard error on the same scale; mean of NETS networks."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, WIDTH))
    gaps, errors = {}, {}
    for activation in ACTIVATIONS:
        gaps[activation], errors[activation] = [], []
        for depth in DEPTHS:
            gap, error = [], []
            for seed in range(NETS):
                net = _network(depth, activation, np.random.default_rng([depth, seed]))
                test_time = _forward(x, net, activation, rng, training=False)
                mean, std = mc_dropout_predict(
                    lambda inputs, g, net=net, a=activation: _forward(inputs, net, a, g, True),
                    np.tile(x, (TILES, 1)), PASSES, rng)
                mean = mean.reshape(TILES, *test_time.shape).mean(axis=0)
                var = (std.reshape(TILES, *test_time.shape) ** 2).mean(axis=0)
                scale = np.sqrt(np.mean(test_time**2))
                gap.append(np.sqrt(np.mean((mean - test_time) ** 2)) / scale)
                error.append(np.sqrt(np.mean(var) / (TILES * PASSES)) / scale)
            gaps[activation].append(np.mean(gap))
            errors[activation].append(np.mean(error))
    return gaps, errors


@lru_cache(maxsize=1)
def _variance_shift():
    """BN's output variance at test time after training with dropout before or after it."""
    rng = np.random.default_rng(2)
    keeps = np.linspace(0.3, 1.0, 8)
    shifted = {True: [], False: []}
    for dropout_first in (True, False):
        for keep in keeps:
            gamma, beta, state = init_batchnorm(16)
            for _ in range(100):  # momentum 0.1: the running statistics settle in ~50
                x = rng.normal(size=(256, 16))
                if dropout_first:
                    x, _ = dropout_forward(x, keep, rng)
                out, _, state = batchnorm_forward(x, gamma, beta, state, training=True)
                if not dropout_first:
                    out, _ = dropout_forward(out, keep, rng)  # the next layer's input
            out, _, _ = batchnorm_forward(rng.normal(size=(5000, 16)), gamma, beta, state,
                                          training=False)
            shifted[dropout_first].append(out.var(axis=0).mean())
    return keeps, shifted


def figure_dropout_ensemble(style):
    """Left: weight scaling vs the MC ensemble mean by depth. Right: BN's variance shift."""
    gaps, errors = _weight_scaling_gaps()
    keeps, shifted = _variance_shift()
    c = style["palette"]
    fig, axes = subplots(1, 2, width=10, height=3.8)
    ax = axes[0]
    for i, activation in enumerate(ACTIVATIONS):
        ax.semilogy(DEPTHS, gaps[activation], "o-", color=c[i],
                    label=f"{activation}")
        ax.semilogy(DEPTHS, errors[activation], ":", color=c[i], linewidth=1)
    ax.set_xticks(DEPTHS)
    ax.set_xlabel("hidden layers, each followed by dropout (keep_prob 0.5)")
    ax.set_ylabel("|MC mean − test-time net|, relative")
    ax.set_title("Weight scaling vs the ensemble (dotted: MC noise)")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    ax.plot(keeps, keeps, color=c[0], linewidth=1, label="predicted: keep_prob")
    ax.plot(keeps, shifted[True], "o", color=c[0], label="dropout before BN (measured)")
    ax.plot(keeps, shifted[False], "s", color=c[1], label="dropout after BN (measured)")
    ax.set_xlabel("keep_prob")
    ax.set_ylabel("variance of BN's output at test time")
    ax.set_title("Dropout before batch norm: the variance shift")
    ax.legend(fontsize=8, loc="lower right")
    return fig
