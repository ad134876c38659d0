"""Figures for the Adam page: L2 vs decoupled weight decay, Adam's path on an elongated bowl,
and the step as a signal-to-noise ratio."""

from functools import lru_cache

import numpy as np
from _style import subplots

from snippets.adam import adam_step, init_adam_state


def figure_adam_weight_decay(style):
    """Weights w0 = 1 and w0 = 10 under weight decay alone (zero data gradient): Adam + L2 vs AdamW."""
    lr, wd, steps = 0.01, 0.1, 1200
    w0 = np.array([1.0, 10.0])
    runs = {}
    for decoupled in (False, True):
        params, state = {"w": w0.copy()}, init_adam_state({"w": w0})
        path = [w0.copy()]
        for _ in range(steps):
            params, state = adam_step(params, {"w": np.zeros(2)}, state, lr=lr, weight_decay=wd,
                                      decoupled=decoupled)
            path.append(params["w"])
        runs[decoupled] = np.array(path) / w0
    fig, ax = subplots(width=7, height=3.4)
    t = np.arange(steps + 1)
    c = style["palette"]
    ax.plot(t, runs[False][:, 0], color=c[3], label="Adam + L2, $w_0 = 1$")
    ax.plot(t, runs[False][:, 1], color=c[1], label="Adam + L2, $w_0 = 10$")
    ax.plot(t, runs[True][:, 0], color=c[0], linewidth=2.5, label="AdamW, $w_0 = 1$")
    ax.plot(t, runs[True][:, 1], color=c[2], linestyle="--", label="AdamW, $w_0 = 10$ (same curve)")
    ax.set_xlabel("step")
    ax.set_ylabel("$w_t / w_0$")
    ax.set_title(f"Weight decay alone (zero data gradient), lr = {lr}, weight_decay = {wd}")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def figure_adam_paths(style):
    """Gradient descent and Adam from the same start on f(x, y) = (x^2 + 25 y^2) / 2."""
    h = np.array([1.0, 25.0])
    start = np.array([-4.0, 1.5])

    def grad(w):
        return h * w

    gd, w = [start], start.copy()
    for _ in range(60):
        w = w - 0.075 * grad(w)  # close to the stable limit 2 / 25 for the steep direction
        gd.append(w)
    adam, params, state = [start], {"w": start.copy()}, init_adam_state({"w": start})
    for _ in range(60):
        params, state = adam_step(params, {"w": grad(params["w"])}, state, lr=0.3)
        adam.append(params["w"])
    gd, adam = np.array(gd), np.array(adam)

    fig, ax = subplots(width=7, height=3.4)
    x, y = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-2.0, 2.0, 200))
    ax.contour(x, y, 0.5 * (h[0] * x**2 + h[1] * y**2), levels=np.geomspace(0.05, 60, 12),
               colors=style["muted"], linewidths=0.6)
    ax.plot(gd[:, 0], gd[:, 1], "o-", markersize=3, label="gradient descent, lr = 0.075")
    ax.plot(adam[:, 0], adam[:, 1], "s-", markersize=3, label="Adam, lr = 0.3")
    ax.plot(0, 0, "*", color=style["fg"], markersize=10, label="minimum")
    ax.set_xlabel("$x$ (curvature 1)")
    ax.set_ylabel("$y$ (curvature 25)")
    ax.set_title("60 steps from (-4, 1.5): Adam's first steps move about lr along both axes")
    ax.set_aspect("equal")
    ax.grid(False)
    ax.legend(fontsize=8, loc="lower right")
    return fig


BETA1 = 0.9
SNRS = tuple(np.geomspace(0.01, 100, 13))


def _steps_over_lr(rng, gradient_fn, w0, steps, lr):
    params = {"w": np.array(w0, dtype=float)}
    state, taken, distance = init_adam_state(params), [], []
    for _ in range(steps):
        new, state = adam_step(params, {"w": gradient_fn(params["w"])}, state, lr=lr)
        taken.append((params["w"] - new["w"]) * np.sign(params["w"]) / lr)
        params = new
        distance.append(np.sqrt(np.mean(params["w"] ** 2)))
    return np.array(taken), np.array(distance)


@lru_cache(maxsize=1)
def _ratio_against_snr():
    """Mean and RMS of (step / lr) over steps 1000-1500, gradients mu + N(0, 1) per coordinate."""
    rng = np.random.default_rng(0)
    means, rmss = [], []
    for snr in SNRS:
        params = {"w": np.zeros(1000)}
        state, late = init_adam_state(params), []
        for t in range(1500):
            g = snr + rng.standard_normal(1000)
            new, state = adam_step(params, {"w": g}, state, lr=1.0)
            if t >= 1000:
                late.append(params["w"] - new["w"])
            params = new
        late = np.array(late)
        means.append(late.mean())
        rmss.append(np.sqrt(np.mean(late**2)))
    return np.array(means), np.array(rmss)


@lru_cache(maxsize=1)
def _noisy_quadratic_run():
    """Adam on f(w) = w^2 / 2 with gradient noise of std 1, 1000 runs from w = 3, lr 0.01."""
    rng = np.random.default_rng(1)

    def noisy(w):
        return w + rng.standard_normal(w.shape)

    return _steps_over_lr(rng, noisy, np.full(1000, 3.0), 2500, lr=0.01)


def figure_adam_signal_to_noise(style):
    """Left: step / lr against the gradient's SNR. Right: a run into a noisy optimum."""
    means, rmss = _ratio_against_snr()
    taken, distance = _noisy_quadratic_run()
    fine = np.geomspace(SNRS[0], SNRS[-1], 200)
    c = style["palette"]
    fig, axes = subplots(1, 2, width=10, height=3.8)
    ax = axes[0]
    ax.semilogx(fine, fine / np.sqrt(1 + fine**2), color=c[0], linewidth=1,
                label="mean, predicted: s / √(1 + s²)")
    ax.semilogx(SNRS, means, "o", color=c[0], label="mean, measured")
    floor = (1 - BETA1) / (1 + BETA1)
    ax.semilogx(fine, np.sqrt((fine**2 + floor) / (1 + fine**2)), color=c[1], linewidth=1,
                label="RMS, predicted: √((s² + 0.053) / (1 + s²))")
    ax.semilogx(SNRS, rmss, "s", color=c[1], label="RMS, measured")
    ax.set_xlabel("signal-to-noise ratio s = |E g| / std g")
    ax.set_ylabel("Adam's step / lr")
    ax.set_title("Gradients mean s, noise 1 (β₁ = 0.9, β₂ = 0.999)")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    steps = np.arange(1, len(distance) + 1)
    ax.plot(steps, taken.mean(axis=1), color=c[0], label="mean step towards 0, / lr")
    ax.plot(steps, np.sqrt(np.mean(taken**2, axis=1)), color=c[1], label="RMS step / lr")
    ax.plot(steps, distance / 3.0, color=c[2], linestyle="--", label="RMS |w| / 3")
    ax.set_xlabel("step")
    ax.set_ylabel("fraction")
    ax.set_title("f(w) = w²/2, gradient noise 1, from w = 3, lr = 0.01")
    ax.legend(fontsize=8, loc="upper right")
    return fig
