"""Figure for the dropout page: one layer's activations at training and at test time."""

import numpy as np
from _style import subplots

from snippets.dropout import dropout_forward


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
