"""Figures for the L2 page: a linear model fit by gradient descent with l2_grads, for a range of
lambdas; and L2 through momentum against decoupled weight decay (SGDW).

30 training examples, 20 features of which only the first 3 matter, noise std 1.5: without
regularization the model fits the noise (low training error, high dev error).
"""

import functools

import numpy as np
from _style import subplots

from snippets.l2 import l2_cost, l2_grads
from snippets.momentum import init_momentum_state, momentum_step

M, N_FEATURES, N_RELEVANT = 30, 20, 3
LAMBDAS = np.logspace(-1, 3, 13)


@functools.cache
def _data():
    rng = np.random.default_rng(0)
    w_true = np.zeros(N_FEATURES)
    w_true[:N_RELEVANT] = [2.0, -1.5, 1.0]
    x = rng.normal(size=(M, N_FEATURES))
    y = x @ w_true + rng.normal(0.0, 1.5, M)
    x_dev = rng.normal(size=(2000, N_FEATURES))
    y_dev = x_dev @ w_true + rng.normal(0.0, 1.5, 2000)
    return x, y[:, None], x_dev, y_dev[:, None]


def _fit(lambd, tol=1e-7, max_steps=5000):
    """Gradient descent on (1/2m) ||X w + b - y||^2 + lambd/(2m) ||w||^2, to a gradient below tol."""
    x, y, _, _ = _data()
    params = {"W1": np.zeros((1, N_FEATURES)), "b1": np.zeros(1)}
    curvature = np.linalg.eigvalsh(np.c_[x, np.ones(M)].T @ np.c_[x, np.ones(M)] / M).max()
    lr = 1.0 / (curvature + lambd / M)  # a safe step for this quadratic
    for _ in range(max_steps):
        residual = x @ params["W1"].T + params["b1"] - y
        data_grads = {"W1": residual.T @ x / M, "b1": residual.sum(axis=0) / M}
        grads = l2_grads(params, data_grads, lambd, M)
        if max(np.abs(g).max() for g in grads.values()) < tol:
            break
        params = {key: params[key] - lr * grads[key] for key in params}
    return params


def _mse(params, x, y):
    return float(np.mean((x @ params["W1"].T + params["b1"] - y) ** 2))


@functools.cache
def _sweep():
    x, y, x_dev, y_dev = _data()
    rows = []
    for lambd in [0.0, *LAMBDAS]:
        params = _fit(lambd)
        rows.append((params["W1"][0], _mse(params, x, y), _mse(params, x_dev, y_dev),
                     float(l2_cost(params, lambd, M))))
    weights, train, dev, penalty = (np.array(col) for col in zip(*rows, strict=True))
    return weights, train, dev, penalty


def figure_l2_lambda_sweep(style):
    """Left: every weight against lambda (the regularization path). Right: training and dev error."""
    weights, train, dev, _ = _sweep()
    fig, (left, right) = subplots(1, 2, width=9.5, height=3.6)
    for j in range(N_FEATURES):
        relevant = j < N_RELEVANT
        left.plot(LAMBDAS, weights[1:, j], color=style["palette"][j] if relevant else style["muted"],
                  linewidth=2.0 if relevant else 0.8,
                  label=(f"$w_{j + 1}$ (true feature)" if relevant
                         else "17 noise features" if j == N_RELEVANT else None))
    left.axhline(0.0, color=style["fg"], linewidth=0.6)
    left.set_xscale("log")
    left.set_xlabel(r"$\lambda$")
    left.set_ylabel("weight after training")
    left.set_title("Weights shrink towards 0 as $\\lambda$ grows", fontsize=10)
    left.legend(fontsize=8)

    c_train, c_dev = style["palette"][0], style["palette"][1]
    right.plot(LAMBDAS, train[1:], "o-", color=c_train, markersize=3, label="training error")
    right.plot(LAMBDAS, dev[1:], "s-", color=c_dev, markersize=3, label="dev error")
    right.axhline(train[0], color=c_train, linestyle=":", label=f"$\\lambda = 0$: training {train[0]:.2f}")
    right.axhline(dev[0], color=c_dev, linestyle=":", label=f"$\\lambda = 0$: dev {dev[0]:.1f}")
    best = 1 + int(np.argmin(dev[1:]))
    right.plot([LAMBDAS[best - 1]], [dev[best]], "*", color=style["fg"], markersize=12,
               label=f"best dev error, $\\lambda \\approx {LAMBDAS[best - 1]:.0f}$")
    right.set_xscale("log")
    right.set_xlabel(r"$\lambda$")
    right.set_ylabel("mean squared error")
    right.set_title("Too little: over-fitting; too much: under-fitting", fontsize=10)
    right.legend(fontsize=7)
    return fig


def _decay_alone(lr, weight_decay, beta, steps, decoupled):
    """w from 1 under decay alone (zero data gradient), PyTorch-form momentum: L2 or SGDW."""
    params = {"W": np.array([1.0])}
    state = init_momentum_state(params)
    path = [1.0]
    for _ in range(steps):
        zero = {"W": np.zeros(1)}
        if decoupled:
            params, grads = {"W": (1 - lr * weight_decay) * params["W"]}, zero
        else:
            grads = l2_grads(params, zero, lambd=weight_decay, m=1)
        params, state = momentum_step(params, grads, state, lr=lr, beta=beta)
        path.append(float(params["W"][0]))
    return np.array(path)


def figure_l2_momentum_vs_sgdw(style):
    """Decay alone with momentum 0.9, lr 0.1: L2 through the buffer vs decoupled (SGDW)."""
    lr, beta, steps = 0.1, 0.9, 100
    fig, axes = subplots(1, 2, width=9.5, height=3.4, sharey=True)
    for ax, wd in zip(axes, (0.01, 0.1), strict=True):
        t = np.arange(steps + 1)
        ax.plot(t, _decay_alone(lr, wd, 0.0, steps, False), color=style["palette"][0], linewidth=5,
                alpha=0.3, label="plain SGD, L2 (the same curve as SGDW)")
        ax.plot(t, _decay_alone(lr, wd, beta, steps, True), color=style["palette"][0],
                label="momentum + decoupled decay (SGDW)")
        ax.plot(t, _decay_alone(lr, wd, beta, steps, False), "--", color=style["palette"][3],
                label="momentum + L2 (torch SGD weight_decay)")
        ax.plot(t, (1 - lr * wd / (1 - beta)) ** t, ":", color=style["fg"], linewidth=1,
                label="(1 − lr·λ′/(1 − β))^t")
        ax.axhline(0.0, color=style["muted"], linewidth=0.6)
        ax.set_title(f"λ′ = {wd}, lr = {lr}, β = {beta}", fontsize=9)
        ax.set_xlabel("step")
    axes[0].set_ylabel("weight (zero data gradient)")
    axes[0].legend(fontsize=7.5, loc="lower left")
    return fig
