"""Figure for the transfer-learning page: fine-tuning in training mode overwrites the running
statistics that batch norm learned in pre-training; evaluation mode keeps them."""

import numpy as np
from _style import subplots

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.transfer import pretrained_share

STEPS = 100
MOMENTUM = 0.1


def drift(steps=STEPS, seed=0):
    """One batch-norm feature pre-trained on a large set (running mean 0, variance 1), then run
    for ``steps`` fine-tuning steps on batches of 8 from a small new set of 20 examples (mean 2,
    standard deviation 0.5), in training mode and in evaluation mode."""
    rng = np.random.default_rng(seed)
    small = rng.normal(2.0, 0.5, size=(20, 1))
    gamma, beta, pretrained = init_batchnorm(1)
    means = {"training": [0.0], "eval": [0.0]}
    for mode in means:
        state, order = pretrained, np.random.default_rng(seed + 1)
        for _ in range(steps):
            batch = small[order.choice(20, 8, replace=False)]
            _, _, state = batchnorm_forward(batch, gamma, beta, state, training=mode == "training",
                                            momentum=MOMENTUM)
            means[mode].append(float(state["running_mean"][0]))
    return {"small_mean": float(small.mean()), **{k: np.array(v) for k, v in means.items()}}


def figure_transfer_batchnorm(style):
    c = style["palette"]
    fig, (left, right) = subplots(1, 2, width=8, height=3.4)
    run = drift()
    steps = np.arange(STEPS + 1)
    left.plot(steps, run["training"], color=c[3], linewidth=2, label="training mode")
    left.plot(steps, run["eval"], color=c[2], linewidth=2, linestyle="--",
              label="evaluation mode (frozen statistics)")
    left.axhline(run["small_mean"], color=style["muted"], linewidth=0.8, linestyle=":")
    left.text(STEPS, run["small_mean"] - 0.08, "mean of the 20 new examples", ha="right", va="top",
              fontsize=7, color=style["muted"])
    left.set_xlabel("fine-tuning step (batches of 8)")
    left.set_ylabel("running mean of one feature")
    left.set_title("Pre-trained running mean 0; new data around 2", fontsize=9)
    left.legend(fontsize=7, loc="center right")

    for momentum, color in ((0.1, c[3]), (0.01, c[0])):
        share = [pretrained_share(int(k), momentum) for k in steps]
        right.semilogy(steps, share, color=color, linewidth=2, label=f"momentum {momentum:g}")
    right.axvline(50, color=style["muted"], linewidth=0.8, linestyle=":")
    right.set_xlabel("training-mode steps")
    right.set_ylabel(r"weight of the pre-trained statistics, $(1-m)^k$")
    right.set_title("What is left of pre-training", fontsize=9)
    right.legend(fontsize=8, loc="lower left")
    return fig
