"""Figures for the gradient-checking page: a correct and a broken backward pass, and the choice of eps."""

from functools import cache

import numpy as np
from _style import subplots

from snippets.gradient_check import numerical_gradient, relative_error
from snippets.mlp import mlp_backward, mlp_forward, mlp_loss

SIZES = [3, 8, 6, 4]
THRESHOLDS = [(1e-7, "1e-7: fine"), (1e-5, "1e-5: look closer"), (1e-3, "1e-3: a bug")]


@cache
def _problem(sizes=tuple(SIZES)):
    """A small softmax MLP in float64, with random weights and data (drawn once for both styles)."""
    rng = np.random.default_rng(2)
    params = {}
    for layer in range(1, len(sizes)):
        fan_in = sizes[layer - 1]
        params[f"W{layer}"] = rng.normal(size=(sizes[layer], fan_in)) * np.sqrt(2 / fan_in)
        params[f"b{layer}"] = rng.normal(0.1, 0.2, size=sizes[layer])
    X = rng.normal(size=(16, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 16)]
    return params, X, Y


def _loss_fn(X, Y, dtype=np.float64):
    def loss_fn(params):
        cast = {k: v.astype(dtype) for k, v in params.items()}
        return mlp_loss(mlp_forward(cast, X.astype(dtype))[0], Y)
    return loss_fn


def _broken_grads(params, X, Y):
    """The correct backward pass with one mistake: the ReLU derivative of the *first* hidden layer is
    forgotten (dZ1 = dA1), a bug that leaves the layers above untouched."""
    _, cache = mlp_forward(params, X)
    grads = mlp_backward(params, cache, Y)
    n = X.shape[0]
    dZ = (cache["A3"] - Y) / n
    dZ2 = (dZ @ params["W3"]) * (cache["Z2"] > 0)
    dZ1 = dZ2 @ params["W2"]  # missing: * (cache["Z1"] > 0)
    return {**grads, "W1": dZ1.T @ X, "b1": dZ1.sum(axis=0)}


@cache
def _per_block_errors():
    params, X, Y = _problem()
    numeric = numerical_gradient(_loss_fn(X, Y), params)
    correct = mlp_backward(params, mlp_forward(params, X)[1], Y)
    broken = _broken_grads(params, X, Y)
    keys = list(params)
    return (keys, [relative_error(correct[k], numeric[k]) for k in keys],
            [relative_error(broken[k], numeric[k]) for k in keys],
            relative_error(correct, numeric), relative_error(broken, numeric))


def _threshold_lines(ax, style, axis="y"):
    colours = [style["palette"][2], style["muted"], style["palette"][3]]
    for (value, label), colour in zip(THRESHOLDS, colours, strict=True):
        line = ax.axhline if axis == "y" else ax.axvline
        line(value, color=colour, linestyle="--", linewidth=1)
        if axis == "y":
            ax.annotate(label, (1.0, value), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8, color=colour)


def figure_gradient_check_blocks(style):
    """Relative error per parameter block: a correct backward pass vs one with a forgotten ReLU'."""
    keys, correct, broken, total_correct, total_broken = _per_block_errors()
    floor = 1e-13  # an exact 0 cannot go on a log axis
    x = np.arange(len(keys))
    fig, ax = subplots(width=7, height=3.4)
    ax.bar(x - 0.2, np.maximum(correct, floor), width=0.4, color=style["palette"][0],
           label=f"correct backward (overall {total_correct:.0e})")
    ax.bar(x + 0.2, np.maximum(broken, floor), width=0.4, color=style["palette"][1],
           label=f"ReLU' of layer 1 forgotten (overall {total_broken:.0e})")
    ax.set_yscale("log")
    ax.set_ylim(1e-12, 3)
    ax.set_xticks(x, keys)
    ax.set_xlabel("parameter block")
    ax.set_ylabel("relative error vs centred differences")
    _threshold_lines(ax, style)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=2, fontsize=8)
    return fig


@cache
def _errors_against_eps():
    params, X, Y = _problem((3, 5, 4))  # one hidden layer: 24 full numerical gradients stay fast
    correct = mlp_backward(params, mlp_forward(params, X)[1], Y)
    epsilons = np.logspace(-12, -1, 12)
    curves = {}
    for dtype in (np.float64, np.float32):
        loss_fn = _loss_fn(X, Y, dtype)
        curves[np.dtype(dtype).name] = [relative_error(correct, numerical_gradient(loss_fn, params, eps))
                                        for eps in epsilons]
    return epsilons, curves


def figure_gradient_check_eps(style):
    """Relative error of a correct backward pass against eps, for a loss computed in float64 or float32."""
    epsilons, curves = _errors_against_eps()
    fig, ax = subplots(width=7, height=3.4)
    ax.loglog(epsilons, curves["float64"], "o-", ms=3, label="loss in float64")
    ax.loglog(epsilons, curves["float32"], "s-", ms=3, label="loss in float32")
    ax.axvline(1e-7, color=style["muted"], linestyle=":", linewidth=1)
    ax.annotate("eps = 1e-7", (1e-7, 1e-12), xytext=(3, 4), textcoords="offset points",
                fontsize=8, color=style["muted"])
    _threshold_lines(ax, style)
    ax.set_ylim(1e-12, 3)
    ax.set_xlabel("eps (finite-difference step)")
    ax.set_ylabel("relative error")
    ax.legend(loc="lower left", fontsize=8)
    return fig
