"""Figures for the residual page: per-block gradient norms in a deep plain network, a residual network
and a residual network with layer norm, all built from residual_forward/residual_backward.

20 blocks of two dense layers (40 layers), width 64, 256 Gaussian inputs, every weight drawn with
std 1/sqrt(fan_in) (LeCun's normal initialization), zero biases; the loss is 1/2 the mean over the
batch of ||y||^2 at the last block's output, so the gradient there is y / N. Seeded, about 0.3 s.
"""

import functools

import numpy as np
from _style import subplots

from snippets.residual import residual_backward, residual_forward

BLOCKS, WIDTH, BATCH = 20, 64, 256
KINDS = {"plain": (False, False), "residual": (True, False), "residual + layer norm": (True, True)}


def _weights(seed):
    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(BLOCKS):
        blocks.append({"W1": rng.normal(0.0, 1 / np.sqrt(WIDTH), (WIDTH, WIDTH)),
                       "b1": np.zeros(WIDTH),
                       "W2": rng.normal(0.0, 1 / np.sqrt(WIDTH), (WIDTH, WIDTH)),
                       "b2": np.zeros(WIDTH)})
    return blocks, rng.normal(size=(BATCH, WIDTH))


@functools.cache
def gradient_norms(kind, seed=0):
    """Per block l = 1..BLOCKS: ||dL/dx_l|| (the gradient at the block's input, over the batch) and
    ||dL/dW1_l||, and the activation norms ||x_l|| (root mean square over the batch)."""
    skip, normalize = KINDS[kind]
    blocks, x = _weights(seed)
    caches, acts = [], []
    for params in blocks:
        acts.append(float(np.sqrt(np.mean(np.sum(x**2, axis=1)))))
        x, cache = residual_forward(x, params, skip=skip, normalize=normalize)
        caches.append(cache)
    dy = x / BATCH
    dx_norms, dw_norms = [], []
    for cache in reversed(caches):
        dy, grads = residual_backward(dy, cache)
        dx_norms.append(float(np.linalg.norm(dy)))
        dw_norms.append(float(np.linalg.norm(grads["W1"])))
    return np.array(dx_norms[::-1]), np.array(dw_norms[::-1]), np.array(acts)


def figure_residual_gradient_norms(style):
    """Left: ||dL/dx_l|| per block, relative to the last block, log scale. Right: ||x_l||."""
    fig, (left, right) = subplots(1, 2, width=9.5, height=3.6, sharex=True)
    blocks = np.arange(1, BLOCKS + 1)
    for i, kind in enumerate(KINDS):
        dx, _, acts = gradient_norms(kind)
        left.plot(blocks, dx / dx[-1], "o-", markersize=3, color=style["palette"][i], label=kind)
        right.plot(blocks, acts / acts[0], "o-", markersize=3, color=style["palette"][i],
                   label=kind)
    for ax in (left, right):
        ax.set_yscale("log")
        ax.set_xlabel("block l (1 = next to the input)")
        ax.set_xticks([1, 5, 10, 15, 20])
    left.set_ylabel("relative to the last block")
    right.set_ylabel("relative to the first block")
    left.set_title("Backward: the gradient at each block's input", fontsize=10)
    right.set_title("Forward: the activations entering each block", fontsize=10)
    left.legend(fontsize=8)
    return fig
