"""Figures for the initialization page: activations through a deep ReLU network under several inits."""

import functools

import numpy as np
from _style import subplots

from snippets.initialization import init_params

DEPTH, WIDTH, BATCH = 10, 256, 1000
SHOWN_LAYERS = (1, 2, 4, 7, 10)
# The same colour for the same initialization in both figures (indices into the style's palette).
COLOR = {("zeros", 0.01): 0, ("random_normal", 0.01): 3, ("random_normal", 1.0): 1, ("he_normal", 0.01): 2,
         ("xavier_normal", 0.01): 4}


@functools.cache
def _activations(method, scale=0.01):
    """Activations of each hidden layer of a 10 x 256 ReLU net on one standardized batch."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, WIDTH))
    params = init_params([WIDTH] * (DEPTH + 1), method, rng, scale=scale)
    acts, a = [], x
    for layer in range(1, DEPTH + 1):
        a = np.maximum(a @ params[f"W{layer}"].T + params[f"b{layer}"], 0.0)
        acts.append(a)
    return acts


def figure_init_activations(style):
    """Histograms of the non-zero activations of layers 1 to 10 under zeros, small, large and He init."""
    rows = [("zeros", "zeros", 0.01), ("random, std 0.01", "random_normal", 0.01),
            ("random, std 1", "random_normal", 1.0), ("He", "he_normal", 0.01)]
    fig, axes = subplots(len(rows), len(SHOWN_LAYERS), width=9.5, height=7.0, sharex="row")
    for r, (label, method, scale) in enumerate(rows):
        acts = [_activations(method, scale)[layer - 1] for layer in SHOWN_LAYERS]
        # One set of bins per row: a layer whose activations grow or shrink shows as a wider or
        # narrower histogram than its neighbours.
        bins = np.linspace(0.0, max(float(a.max()) for a in acts) or 1.0, 60)
        color = style["palette"][COLOR[method, scale]]
        for c, (layer, a) in enumerate(zip(SHOWN_LAYERS, acts, strict=True)):
            ax = axes[r, c]
            positive = a[a > 0]
            if positive.size == 0:
                ax.axvline(0.0, color=color, linewidth=3)
                ax.set_xlim(-1, 1)
                ax.text(0.5, 0.6, "all exactly 0", transform=ax.transAxes, ha="center", fontsize=8)
            else:
                counts, edges = np.histogram(positive, bins=bins)
                ax.stairs(counts, edges, fill=True, color=color)
                ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
                ax.text(0.97, 0.85, f"std {a.std():.2g}", transform=ax.transAxes, ha="right", fontsize=8)
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"layer {layer}", fontsize=10)
            if c == 0:
                ax.set_ylabel(label)
    fig.supxlabel("activation value (non-zero ReLU outputs; one x-axis per row)", fontsize=9)
    return fig


def figure_init_activation_scale(style):
    """Standard deviation of the activations layer by layer, on a log scale, for five initializations."""
    cases = [("random, std 1", "random_normal", 1.0), (r"He, std $\sqrt{2/256}$", "he_normal", 0.01),
             (r"Xavier, std $\sqrt{2/512}$", "xavier_normal", 0.01),
             ("random, std 0.01", "random_normal", 0.01)]
    fig, ax = subplots(width=8, height=3.6)
    layers = np.arange(1, DEPTH + 1)
    for label, method, scale in cases:
        stds = [a.std() for a in _activations(method, scale)]
        ax.plot(layers, stds, "o-", color=style["palette"][COLOR[method, scale]], label=label)
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("layer (256 ReLU units each)")
    ax.set_ylabel("std of activations")
    ax.set_title("Zeros give exactly 0 at every layer (not drawable on a log scale)", fontsize=9)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
