"""Figures for the momentum page: two paths on one bowl; steps needed against kappa."""

from functools import lru_cache

import numpy as np
from _style import subplots

from snippets.gradient_descent import quadratic_bowl
from snippets.momentum import (
    init_momentum_state,
    momentum_step,
    tuned_gradient_descent,
    tuned_momentum,
)

CURVATURES = (0.1, 10.0)  # a bowl 100 times steeper across than along
STEPS, BETA = 60, 0.9
LR_GD = 0.19  # just under plain gradient descent's limit 2 / 10
LR_MOMENTUM = 0.03  # PyTorch form: an effective step of 0.03 / (1 - 0.9) = 0.3 along the flat axis


def _path(lr, beta):
    params = {"w": np.array([-9.0, 1.5])}
    state = init_momentum_state(params)
    path, losses = [params["w"]], [quadratic_bowl(params["w"], CURVATURES)[0]]
    for _ in range(STEPS):
        _, grad = quadratic_bowl(params["w"], CURVATURES)
        params, state = momentum_step(params, {"w": grad}, state, lr=lr, beta=beta)
        path.append(params["w"])
        losses.append(quadratic_bowl(params["w"], CURVATURES)[0])
    return np.array(path), np.array(losses)


def figure_momentum_paths(style):
    """Contours of the bowl with both paths, and the loss against steps."""
    xs, ys = np.meshgrid(np.linspace(-10, 2, 241), np.linspace(-2, 2, 121))
    zs = 0.5 * (CURVATURES[0] * xs**2 + CURVATURES[1] * ys**2)
    fig, axes = subplots(1, 2, width=10, height=3.6, gridspec_kw={"width_ratios": [1.7, 1]})
    runs = [(LR_GD, 0.0, f"plain gradient descent, lr = {LR_GD}", style["palette"][0]),
            (LR_MOMENTUM, BETA, f"momentum, lr = {LR_MOMENTUM}, β = {BETA} (PyTorch form)",
             style["palette"][1])]
    axes[0].contour(xs, ys, zs, levels=np.geomspace(0.05, 20, 10), colors=style["muted"], linewidths=0.6)
    for lr, beta, label, colour in runs:
        path, losses = _path(lr, beta)
        axes[0].plot(path[:, 0], path[:, 1], "o-", markersize=2.5, linewidth=1, color=colour, label=label)
        axes[1].semilogy(losses, color=colour, label=label)
    axes[0].plot(0, 0, "*", color=style["fg"], markersize=10)
    axes[0].set_xlabel("$w_1$ (flat, c = 0.1)")
    axes[0].set_ylabel("$w_2$ (steep, c = 10)")
    axes[0].set_title(f"{STEPS} steps from (−9, 1.5) on a bowl 100× steeper across than along")
    axes[0].legend(fontsize=8, loc="lower right")
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("loss (log scale)")
    axes[1].set_title("Loss")
    return fig


KAPPAS = tuple(10.0 ** np.arange(1.0, 3.75, 0.25))  # condition numbers 10 to about 3000
TOL = 1e-4  # stop when |w_t| <= TOL |w_0|


def _steps_to_tolerance(curvatures, lr, beta):
    c = np.asarray(curvatures)
    params = {"w": np.ones(len(c))}
    state, start = init_momentum_state(params), np.linalg.norm(params["w"])
    t = 0
    while np.linalg.norm(params["w"]) > TOL * start:
        params, state = momentum_step(params, {"w": c * params["w"]}, state,
                                      lr=lr, beta=beta)
        t += 1
    return t


@lru_cache(maxsize=1)
def _measured_steps():
    """Steps of the snippet's momentum_step (beta = 0: gradient descent), both tuned."""
    gd, heavy_ball = [], []
    for kappa in KAPPAS:
        lr, _ = tuned_gradient_descent(1.0, kappa)
        gd.append(_steps_to_tolerance((1.0, kappa), lr, 0.0))
        lr, beta, _ = tuned_momentum(1.0, kappa)
        heavy_ball.append(_steps_to_tolerance((1.0, kappa), lr, beta))
    return np.array(gd), np.array(heavy_ball)


def _double_root_steps(r):
    """First t at which the closed form (1 + (1 -+ z) t) z^t, z = +-r, is below TOL."""
    t = np.arange(1, 5000)  # enough for kappa up to 10^4
    norm = np.hypot((1 + (1 - r) * t) * r**t, (1 + (1 + r) * t) * r**t) / np.sqrt(2)
    return t[np.argmax(norm <= TOL)]


def figure_momentum_condition_number(style):
    """Steps to shrink the error 10^4-fold against kappa: measured and predicted."""
    kappas = np.array(KAPPAS)
    fine = np.geomspace(kappas[0], kappas[-1], 60)
    gd, heavy_ball = _measured_steps()
    rate_gd = np.array([tuned_gradient_descent(1.0, k)[1] for k in fine])
    rate_hb = np.array([tuned_momentum(1.0, k)[2] for k in fine])
    c = style["palette"]
    fig, ax = subplots(width=7, height=3.8)
    ax.loglog(fine, np.log(TOL) / np.log(rate_gd), color=c[0], linewidth=1,
              label="predicted: ln(10⁴) / ln((κ+1)/(κ−1)) ≈ 4.6 κ")
    ax.loglog(kappas, gd, "o", color=c[0],
              label="measured: gradient descent, lr = 2/(c_max + c_min)")
    ax.loglog(fine, np.log(TOL) / np.log(rate_hb), color=c[1], linewidth=1,
              linestyle=":", label="predicted from the rate alone: ≈ 4.6 √κ")
    ax.loglog(fine, [_double_root_steps(r) for r in rate_hb], color=c[1], linewidth=1,
              label="predicted with the double root's factor 1 + (1 + r) t")
    ax.loglog(kappas, heavy_ball, "s", color=c[1],
              label="measured: tuned momentum (lr, β from Polyak)")
    ax.set_xlabel("condition number κ = c_max / c_min")
    ax.set_ylabel("steps until |w| ≤ 10⁻⁴ |w₀|")
    ax.set_title("On a bowl with curvatures 1 and κ: κ steps against √κ")
    ax.legend(fontsize=8, loc="upper left")
    return fig
