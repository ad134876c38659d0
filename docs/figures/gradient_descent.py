"""Figures for the gradient-descent page: four learning rates on a quadratic, their paths in a bowl,
and a zig-zagging path beside its monotone loss."""

import numpy as np
from _style import subplots

from snippets.gradient_descent import quadratic_bowl, run_gradient_descent

# On the 1-D bowl L(w) = w**2 / 2 (curvature 1) each step multiplies w by 1 - lr.
LEARNING_RATES = [
    (0.05, "too small: lr = 0.05 (×0.95 per step)"),
    (0.7, "good: lr = 0.7 (×0.3)"),
    (1.8, "large: lr = 1.8 (×−0.8, flips sign)"),
    (2.1, "diverges: lr = 2.1 (×−1.1)"),
]


def figure_gd_learning_rates(style):
    """The iterate and the loss against steps for four learning rates on a 1-D quadratic."""
    steps = 25
    fig, axes = subplots(1, 2, width=9, height=3.6)
    for (lr, label), colour in zip(LEARNING_RATES, style["palette"], strict=False):
        path, losses = run_gradient_descent(lambda w: quadratic_bowl(w, (1.0,)), np.array([1.0]), lr, steps)
        axes[0].plot(path[:, 0], "o-", markersize=3, color=colour, label=label)
        axes[1].semilogy(losses, "o-", markersize=3, color=colour, label=label)
    axes[0].axhline(0.0, color=style["muted"], linewidth=0.8)
    axes[0].set_ylim(-3.5, 3.5)
    axes[0].set_title("The iterate $w_t$ (minimum at 0)")
    axes[1].set_title("The loss $w_t^2 / 2$ (log scale)")
    for ax in axes:
        ax.set_xlabel("step")
    axes[0].set_ylabel("$w_t$")
    axes[1].set_ylabel("loss")
    axes[0].legend(fontsize=7.5, loc="lower left")
    return fig


def figure_gd_paths(style):
    """Paths on the elongated bowl c = (1, 10): stable only for lr < 2 / 10."""
    curvatures = (1.0, 10.0)
    w0 = np.array([-9.0, 2.0])
    xs, ys = np.meshgrid(np.linspace(-10, 10, 201), np.linspace(-4, 4, 121))
    zs = 0.5 * (curvatures[0] * xs**2 + curvatures[1] * ys**2)
    runs = [(0.02, "lr = 0.02: too small"), (0.18, "lr = 0.18: zig-zags, converges"),
            (0.205, "lr = 0.205: above 2/10, diverges")]
    fig, axes = subplots(1, 3, width=10, height=3.0, sharey=True)
    for ax, (lr, title), colour in zip(axes, runs, style["palette"][:1] + style["palette"][3:5], strict=True):
        ax.contour(xs, ys, zs, levels=np.geomspace(0.5, 80, 9), colors=style["muted"], linewidths=0.6)
        path, losses = run_gradient_descent(lambda w: quadratic_bowl(w, curvatures), w0, lr, 30)
        ax.plot(path[:, 0], path[:, 1], "o-", markersize=2.5, linewidth=1, color=colour)
        ax.plot(0, 0, "*", color=style["fg"], markersize=9)
        ax.set_title(f"{title}\nloss after 30 steps: {losses[-1]:.3g}", fontsize=9)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-4, 4)
        ax.set_xlabel("$w_1$ (flat, c = 1)")
    axes[0].set_ylabel("$w_2$ (steep, c = 10)")
    return fig


def figure_gd_zigzag_loss(style):
    """c = (1, 10), lr 0.18: the path zig-zags, the loss falls at every step; noise makes it bounce."""
    curvatures, w0, lr, steps = (1.0, 10.0), np.array([-9.0, 2.0]), 0.18, 30
    path, losses = run_gradient_descent(lambda w: quadratic_bowl(w, curvatures), w0, lr, steps)
    rng = np.random.default_rng(20180702)  # the seed of the test that backs this panel

    def noisy_bowl(w):
        loss, grad = quadratic_bowl(w, curvatures)
        return loss, grad + rng.normal(0.0, 3.0, size=w.shape)

    _, noisy_losses = run_gradient_descent(noisy_bowl, w0, lr, steps)
    fig, axes = subplots(1, 3, width=10, height=3.2)
    xs, ys = np.meshgrid(np.linspace(-10, 10, 201), np.linspace(-4, 4, 121))
    zs = 0.5 * (curvatures[0] * xs**2 + curvatures[1] * ys**2)
    axes[0].contour(xs, ys, zs, levels=np.geomspace(0.5, 80, 9), colors=style["muted"], linewidths=0.6)
    axes[0].plot(path[:, 0], path[:, 1], "o-", markersize=2.5, linewidth=1, color=style["palette"][0])
    axes[0].plot(0, 0, "*", color=style["fg"], markersize=9)
    axes[0].set_title("The path zig-zags across the valley", fontsize=9)
    axes[0].set_xlabel("$w_1$ (flat, c = 1)")
    axes[0].set_ylabel("$w_2$ (steep, c = 10)")
    axes[1].plot(path[:, 1], "o-", markersize=3, color=style["palette"][0])
    axes[1].axhline(0.0, color=style["muted"], linewidth=0.8)
    axes[1].set_title("$w_2$ flips sign at every step (×−0.8)", fontsize=9)
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("$w_2$")
    axes[2].semilogy(losses, "o-", markersize=3, color=style["palette"][0], label="full gradient")
    axes[2].semilogy(noisy_losses, "s-", markersize=2.5, linewidth=0.9, color=style["palette"][1],
                     label="gradient + noise (σ = 3)")
    axes[2].set_title("Yet the full-batch loss falls at every step", fontsize=9)
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("loss (log scale)")
    axes[2].legend(fontsize=7.5, loc="lower left")
    return fig
