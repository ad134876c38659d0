"""Figure for the standardization page: a least-squares loss surface before and after standardizing."""

import numpy as np
from _style import subplots

from snippets.standardization import fit_transform


def _problem():
    rng = np.random.default_rng(3)
    n = 500
    # Two informative features on very different scales (think: rooms, and floor area in square feet).
    X = np.column_stack([rng.normal(0.0, 1.0, n), rng.normal(0.0, 8.0, n)])
    y = X @ np.array([1.5, 0.25]) + rng.normal(0.0, 0.3, n)
    return X, y


def _descend(X, y, steps):
    """Gradient descent on mean squared error from w = 0 with the largest safe learning rate, 1/L."""
    hessian = 2 * X.T @ X / len(y)
    lr = 1.0 / np.linalg.eigvalsh(hessian).max()
    w = np.zeros(2)
    path = [w.copy()]
    for _ in range(steps):
        w = w - lr * 2 * X.T @ (X @ w - y) / len(y)
        path.append(w.copy())
    return np.array(path), hessian


def _panel(ax, style, X, y, title):
    path, hessian = _descend(X, y, 25)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    # Same scale on both axes, so a round bowl looks round and an elongated one elongated.
    half = 1.15 * np.abs(path - w_star).max()
    g0 = np.linspace(w_star[0] - half, w_star[0] + half, 120)
    g1 = np.linspace(w_star[1] - half, w_star[1] + half, 120)
    W0, W1 = np.meshgrid(g0, g1)
    W = np.stack([W0.ravel(), W1.ravel()], axis=1)
    loss = np.mean((W @ X.T - y) ** 2, axis=1).reshape(W0.shape)
    levels = np.mean((X @ w_star - y) ** 2) + np.linspace(0.05, 1.0, 10) ** 2 * (loss.max() - loss.min())
    ax.contour(W0, W1, loss, levels=np.sort(levels), colors=style["palette"][0], linewidths=0.8)
    ax.set_aspect("equal")
    ax.set_xlim(g0[0], g0[-1])
    ax.set_ylim(g1[0], g1[-1])
    ax.plot(path[:, 0], path[:, 1], "o-", color=style["palette"][1], markersize=3, linewidth=1.2,
            label=r"25 steps of gradient descent from 0, learning rate $1/c_{\max}$")
    ax.plot(*w_star, "*", color=style["palette"][3], markersize=12, label="minimum")
    condition = np.linalg.cond(hessian)
    ax.set_title(f"{title}\ncondition number {condition:.2g}", fontsize=10)
    ax.set_xlabel("weight of feature 1")
    ax.set_ylabel("weight of feature 2")


def figure_standardization_loss_surface(style):
    X, y = _problem()
    Z, _, _ = fit_transform(X)
    fig, axes = subplots(1, 2, width=9, height=4.4)
    _panel(axes[0], style, X, y - y.mean(), "raw features (std 1 and 8)")
    _panel(axes[1], style, Z, y - y.mean(), "standardized features")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    return fig
