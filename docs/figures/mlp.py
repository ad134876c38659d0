"""Figure for the backpropagation page: a small MLP trained by plain gradient descent on 2-D spirals."""

from functools import cache

import numpy as np
from _style import subplots
from matplotlib.colors import ListedColormap

from snippets.mlp import mlp_backward, mlp_forward, mlp_loss, mlp_predict

SIZES = [2, 24, 24, 3]
STEPS, LEARNING_RATE = 400, 1.0


def _spirals(rng, per_class=80, classes=3):
    """Three interleaved noisy spiral arms: not separable by a straight line."""
    X, labels = [], []
    for c in range(classes):
        r = np.linspace(0.1, 1.0, per_class)
        theta = np.linspace(c * 2 * np.pi / classes, c * 2 * np.pi / classes + 3.5, per_class)
        theta = theta + rng.normal(scale=0.2, size=per_class)
        X.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        labels.append(np.full(per_class, c))
    return np.vstack(X), np.concatenate(labels)


@cache
def _train():
    """Full-batch gradient descent in float64: forward, loss, backward, update, and again."""
    rng = np.random.default_rng(0)
    X, labels = _spirals(rng)
    Y = np.eye(SIZES[-1])[labels]
    params = {}
    for layer in range(1, len(SIZES)):  # He initialization, written out (snippets do not import each other)
        fan_in = SIZES[layer - 1]
        params[f"W{layer}"] = rng.normal(size=(SIZES[layer], fan_in)) * np.sqrt(2 / fan_in)
        params[f"b{layer}"] = np.zeros(SIZES[layer])
    losses = []
    for _ in range(STEPS):
        out, cache = mlp_forward(params, X)
        losses.append(mlp_loss(out, Y))
        grads = mlp_backward(params, cache, Y)
        params = {k: params[k] - LEARNING_RATE * grads[k] for k in params}
    accuracy = float(np.mean(mlp_predict(params, X) == labels))
    return params, X, labels, np.array(losses), accuracy


def figure_mlp_training(style):
    """Training loss against step, and the learned decision regions with the training points."""
    params, X, labels, losses, accuracy = _train()
    fig, (ax_loss, ax_data) = subplots(1, 2, width=8, height=3.6)
    ax_loss.semilogy(losses, color=style["palette"][0])
    ax_loss.axhline(np.log(3), color=style["muted"], linestyle="--", linewidth=1)
    ax_loss.annotate("log 3: chance", (STEPS, np.log(3)), xytext=(-4, 4), textcoords="offset points",
                     ha="right", fontsize=8, color=style["muted"])
    ax_loss.set_xlabel("gradient-descent step")
    ax_loss.set_ylabel("mean cross-entropy")
    ax_loss.set_title(f"Loss (learning rate {LEARNING_RATE})")

    grid = np.linspace(-1.2, 1.2, 150)
    gx, gy = np.meshgrid(grid, grid)
    regions = mlp_predict(params, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    colours = style["palette"][:3]
    ax_data.imshow(regions, origin="lower", extent=(-1.2, 1.2, -1.2, 1.2), cmap=ListedColormap(colours),
                   vmin=-0.5, vmax=2.5, alpha=0.25, interpolation="nearest")
    for c, colour in enumerate(colours):
        ax_data.scatter(*X[labels == c].T, s=9, color=colour, edgecolors="none", label=f"class {c}")
    ax_data.set_aspect("equal")
    ax_data.set_xlim(-1.2, 1.2)
    ax_data.set_ylim(-1.2, 1.2)
    ax_data.grid(False)
    ax_data.set_title(f"Decision regions, training accuracy {accuracy:.0%}")
    ax_data.legend(loc="lower right", fontsize=8, markerscale=1.5)
    return fig
