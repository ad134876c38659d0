"""Figures for the tuning page: grid search against random search of the same budget when one of two
hyperparameters matters (Bergstra and Bengio 2012, their figure 1), drawn with the snippet's own
grid_configs, sample_configs and run_search.

f(x, y) = g(x) + 0.05 h(y): g has a narrow valley at x = 0.42, h barely matters. Seeded; a fraction
of a second.
"""

import functools

import numpy as np
from _style import subplots

from snippets.tuning import grid_configs, run_search, sample_configs

SPACE = {"x": ("uniform", 0.0, 1.0), "y": ("uniform", 0.0, 1.0)}
BUDGETS = (4, 9, 16, 25, 36, 49, 64)
SEEDS = 100


def g(x):
    return 1.0 - np.exp(-(((x - 0.42) / 0.07) ** 2))


def h(y):
    return np.sin(3 * np.pi * y) ** 2


def objective(config, budget):
    return float(g(config["x"]) + 0.05 * h(config["y"]))


@functools.cache
def budget_study():
    """Best f found by a k x k grid and (median over SEEDS seeds) by k^2 random points."""
    grid, rand = [], []
    for budget in BUDGETS:
        k = int(round(budget**0.5))
        grid.append(run_search(objective, grid_configs(SPACE, k))["best_score"])
        rand.append(float(np.median([
            run_search(objective, sample_configs(SPACE, budget, np.random.default_rng(s)))["best_score"]
            for s in range(SEEDS)])))
    points = {"grid": grid_configs(SPACE, 3), "random": sample_configs(SPACE, 9, np.random.default_rng(0))}
    distinct = {name: (len({c["x"] for c in cs}), len({c["y"] for c in cs})) for name, cs in points.items()}
    return {"budgets": BUDGETS, "grid": grid, "random_median": rand, "points": points,
            "distinct": distinct}


def figure_tuning_grid_vs_random(style):
    """Left and middle: 9 points of a grid and of random search over f; right: best f against budget."""
    study = budget_study()
    fig, axes = subplots(1, 3, width=10.5, height=3.5)
    xs = np.linspace(0, 1, 200)
    X, Y = np.meshgrid(xs, xs)
    for ax, name in zip(axes[:2], ("grid", "random"), strict=True):
        ax.contourf(X, Y, g(X) + 0.05 * h(Y), levels=12, cmap=style["cmap"], alpha=0.55)
        pts = study["points"][name]
        px, py = [c["x"] for c in pts], [c["y"] for c in pts]
        ax.plot(px, py, "o", color=style["fg"], markersize=5)
        ax.plot(px, [-0.04] * len(px), "|", color=style["palette"][3], markersize=10, clip_on=False)
        ax.plot(xs, 1.02 + 0.25 * (1 - g(xs)), color=style["palette"][3], clip_on=False, linewidth=1)
        nx, ny = study["distinct"][name]
        ax.set_title(f"{name}: 9 points, {nx} distinct x", fontsize=10)
        ax.set_xlabel("x (important)")
        ax.set_ylim(-0.06, 1.3)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xlim(0, 1)
    axes[0].set_ylabel("y (unimportant)")
    right = axes[2]
    right.plot(study["budgets"], study["grid"], "s-", color=style["palette"][0], label="grid (k × k)")
    right.plot(study["budgets"], study["random_median"], "o-", color=style["palette"][1],
               label=f"random (median of {SEEDS} seeds)")
    right.set_yscale("log")
    right.set_xlabel("budget (configurations tried)")
    right.set_ylabel("best f found")
    right.set_title("Same budget, better best", fontsize=10)
    right.legend(fontsize=8)
    return fig
