"""Figure for the layer and group norm page: one example's normalized output, batch after batch."""

import numpy as np
from _style import subplots

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.layer_norm import group_norm_forward, layer_norm_forward

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128)
FEATURES, GROUPS, DRAWS = 8, 4, 300


def batch_dependence(seed=0):
    """For each batch size B: the standard deviation, over DRAWS random batches that all contain
    the same example x0, of x0's first normalized feature, under batch, layer and group norm."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=FEATURES) * 2 + 1
    gamma, beta, state = init_batchnorm(FEATURES)
    spread = {"batch norm": [], "layer norm": [], "group norm": []}
    for b in BATCH_SIZES:
        outs = {name: [] for name in spread}
        for _ in range(DRAWS):
            batch = np.vstack([x0, rng.normal(size=(b - 1, FEATURES)) * 2 + 1])
            outs["batch norm"].append(batchnorm_forward(batch, gamma, beta, state)[0][0, 0])
            outs["layer norm"].append(layer_norm_forward(batch, FEATURES)[0][0, 0])
            outs["group norm"].append(group_norm_forward(batch, GROUPS)[0][0, 0])
        for name in spread:
            spread[name].append(np.std(outs[name]))
    return {name: np.array(values) for name, values in spread.items()}


def figure_layer_norm_batch_dependence(style):
    spread = batch_dependence()
    fig, ax = subplots(width=7, height=3.4)
    c = style["palette"]
    ax.plot(BATCH_SIZES, spread["batch norm"], "o-", color=c[3], label="batch norm (training mode)")
    ax.plot(BATCH_SIZES, spread["layer norm"], "s-", color=c[0], linewidth=2.5, label="layer norm")
    ax.plot(BATCH_SIZES, spread["group norm"], "^--", color=c[2],
            label=f"group norm ({GROUPS} groups)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(BATCH_SIZES, [str(b) for b in BATCH_SIZES])
    ax.set_xlabel("batch size $B$ (the same example, with $B - 1$ random companions)")
    ax.set_ylabel("std of its normalized feature")
    ax.set_title(f"One example's output over {DRAWS} random batches")
    ax.legend(fontsize=8, loc="upper right")
    return fig
