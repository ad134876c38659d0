"""Figure for the momentum page: plain gradient descent and momentum on the same elongated bowl."""

import numpy as np
from _style import subplots

from snippets.gradient_descent import quadratic_bowl
from snippets.momentum import init_momentum_state, momentum_step

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
