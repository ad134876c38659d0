"""Figure for the SWA page: SGD iterates bouncing in a valley, their running average and their EMA."""

import numpy as np
from _style import subplots

from snippets.swa import ema_update, init_swa_state, swa_should_update, swa_update

# A tilted, elongated quadratic bowl: loss(w) = (w - c)^T H (w - c) / 2, minimum at c.
H = np.array([[3.0, 1.2], [1.2, 0.8]])
CENTRE = np.array([1.0, 0.5])


def _loss(w):
    d = w - CENTRE
    return 0.5 * np.einsum("...i,ij,...j->...", d, H, d)


def _run(steps=600, lr=0.1, noise=1.0, start=200, every=5, seed=1, decay=0.9):
    """SGD with noisy gradients at a constant learning rate, averaged from ``start``: with SWA
    (equal weights) and with an EMA of the same snapshots (weights decaying by ``decay``)."""
    rng = np.random.default_rng(seed)
    w = np.array([-1.5, 2.5])
    state = ema = init_swa_state({"w": w})
    path, averages, emas, avg_steps = [w.copy()], [], [], []
    for step in range(steps):
        grad = H @ (w - CENTRE) + noise * rng.normal(size=2)  # a mini-batch gradient: true one + noise
        w = w - lr * grad
        path.append(w.copy())
        if swa_should_update(step, start, every):
            state = swa_update(state, {"w": w})
            ema = ema_update(ema, {"w": w}, decay)
            averages.append(state["averaged"]["w"].copy())
            emas.append(ema["averaged"]["w"].copy())
            avg_steps.append(step)
    return np.array(path), np.array(averages), np.array(emas), np.array(avg_steps)


def figure_swa_average(style):
    path, averages, emas, avg_steps = _run()
    fig, (ax, ax_loss) = subplots(1, 2, width=9, height=3.8)
    g1, g2 = np.meshgrid(np.linspace(-0.4, 2.8, 200), np.linspace(-0.9, 1.9, 200))
    levels = np.quantile(_loss(np.stack([g1, g2], axis=-1)), np.linspace(0.0, 0.9, 14) ** 2)
    ax.contour(g1, g2, _loss(np.stack([g1, g2], axis=-1)), levels=levels, colors=style["muted"],
               linewidths=0.6)
    ax.plot(path[:, 0], path[:, 1], "-", color=style["palette"][0], lw=0.5, alpha=0.5, label="SGD iterates")
    ax.plot(path[-1, 0], path[-1, 1], "o", color=style["palette"][0], ms=8, mec=style["fg"],
            label="last iterate")
    ax.plot(averages[:, 0], averages[:, 1], "-", color=style["palette"][1], lw=2, label="SWA running average")
    ax.plot(averages[-1, 0], averages[-1, 1], "*", color=style["palette"][1], ms=14,
            label="final SWA weights")
    ax.plot(*CENTRE, "+", color=style["fg"], ms=12, mew=2, label="minimum")
    ax.set_xlim(-0.4, 2.8)
    ax.set_ylim(-0.9, 1.9)  # zoomed on the bouncing phase; the run starts at (-1.5, 2.5), off the plot
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title("Constant learning rate: SGD bounces, the average settles")
    ax.legend(fontsize=7, loc="upper right", framealpha=0.8)

    steps = np.arange(len(path) - 1)
    ax_loss.plot(steps, _loss(path[1:]), color=style["palette"][0], lw=0.6, alpha=0.8,
                 label="loss of the current weights")
    ax_loss.plot(avg_steps, _loss(emas), color=style["palette"][2], lw=1.2,
                 label="loss of an EMA of the snapshots (decay 0.9)")
    ax_loss.plot(avg_steps, _loss(averages), color=style["palette"][1], lw=2, label="loss of the SWA average")
    ax_loss.axvline(avg_steps[0], color=style["muted"], ls=":", label="averaging starts")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss (log)")
    ax_loss.set_title(f"Snapshots every 5 steps from step {avg_steps[0]}")
    ax_loss.legend(fontsize=7, loc="upper right")
    return fig
