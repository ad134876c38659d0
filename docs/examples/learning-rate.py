# %% [markdown]
# # Worked example: the learning rate
#
# **Question.** What does gradient descent do when its learning rate is too small, about right or too
# large, and what does momentum change on a long, narrow valley?
#
# The loss is the elongated bowl $L(w) = \tfrac12 (c_1 w_1^2 + c_2 w_2^2)$ of
# [Gradient descent](../../optimization/gradient-descent/), with curvatures $c = (1, 25)$: 25 times
# steeper across the valley ($w_2$) than along it ($w_1$). A step multiplies each coordinate by
# $1 - \eta c_i$, so plain gradient descent converges exactly when $\eta < 2 / \max c = 0.08$. Every
# run starts from the same point and there is no randomness: the numbers below are the ones you get.

# %%
import base64
import io
import tempfile
from html import escape
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from matplotlib.animation import PillowWriter

from snippets.gradient_descent import quadratic_bowl, run_gradient_descent
from snippets.momentum import init_momentum_state, momentum_step

plt.rcParams.update({"figure.facecolor": "white", "savefig.facecolor": "white",
                     "figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})


def show(fig, alt):
    """Display `fig` as a PNG with a description (alt text), then close it so it is
    not shown twice."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    width = round(fig.get_figwidth() * fig.dpi)
    display(HTML(f'<img src="data:image/png;base64,{png}" '
                 f'alt="{escape(alt, quote=True)}" width="{width}">'))

CURVATURES = (1.0, 25.0)
W0 = np.array([-9.0, 2.0])
STEPS = 40


def bowl(w):
    return quadratic_bowl(w, CURVATURES)


print(f"largest stable learning rate: 2 / {max(CURVATURES):g} "
      f"= {2 / max(CURVATURES):g}")

# %% [markdown]
# ## Four learning rates, one bowl
#
# `run_gradient_descent` records every iterate. A larger step is faster only up to a
# point: just below the limit the steep coordinate flips sign at every step (it is
# multiplied by $1 - 0.079 \cdot 25 = -0.975$) and barely shrinks; just above it, the
# flips grow and the run diverges. Below the limit the loss falls at every step, zig-zag
# or not.

# %%
learning_rates = {"0.01 (too small)": 0.01, "0.05 (good)": 0.05,
                  "0.079 (zig-zags)": 0.079, "0.081 (diverges)": 0.081}
runs = {name: run_gradient_descent(bowl, W0, lr, STEPS)
        for name, lr in learning_rates.items()}
for name, (_, losses) in runs.items():
    print(f"lr = {name:20s} loss after {STEPS} steps: {losses[-1]:10.4g}")
for name, lr in learning_rates.items():  # below 2 / c_max the loss falls at every step
    assert np.all(np.diff(runs[name][1]) < 0) == (lr < 2 / max(CURVATURES)), name

# %%
w1, w2 = np.meshgrid(np.linspace(-10, 10, 201), np.linspace(-3.5, 3.5, 141))
contour_loss = 0.5 * (CURVATURES[0] * w1**2 + CURVATURES[1] * w2**2)

fig, axes = plt.subplots(2, 2, figsize=(8, 4.6), sharex=True, sharey=True,
                         layout="constrained")
for ax, (name, (path, _)) in zip(axes.flat, runs.items(), strict=True):
    ax.contour(w1, w2, contour_loss, levels=np.geomspace(0.05, 150, 12), colors="0.75",
               linewidths=0.8)
    ax.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1, color="C3")
    ax.plot(0, 0, marker="*", color="black", markersize=10)
    ax.set(xlim=(-10, 3), ylim=(-3.5, 3.5), title=f"lr = {name}")
for ax in axes[1]:
    ax.set_xlabel("$w_1$ (flat direction)")
for ax in axes[:, 0]:
    ax.set_ylabel("$w_2$ (steep)")
fig.suptitle(f"{STEPS} steps of gradient descent from the same start, "
             "four learning rates")
zig_zag_end = runs["0.079 (zig-zags)"][0][-1]
show(fig, "Four panels with the elliptical contours of the loss, w1 (the flat "
          "direction, -10 to 3) across and w2 (the steep direction, -3.5 to 3.5) up, "
          "each with the 40-step path from (-9, 2) towards the minimum at the origin "
          "(star). lr 0.01: the path drops to the valley floor and creeps only to w1 "
          "near -6. lr 0.05: it reaches the floor in one step and moves along it to w1 "
          "near -1. lr 0.079: it zig-zags across the valley with slowly shrinking "
          f"swings, and after 40 steps w1 is {zig_zag_end[0]:.1f} but w2 still swings "
          f"by {abs(zig_zag_end[1]):.1f} on either side of the floor. lr 0.081: the "
          "zig-zags grow at every step until they leave the plot.")

# %%
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for name, (_, losses) in runs.items():
    ax.semilogy(losses, label=f"lr = {name}")
ax.set(xlabel="step", ylabel="loss (log scale)",
       title="Loss against steps: the learning rate decides")
ax.legend(fontsize=8)
show(fig, "Loss on a log scale against the step, 0 to 40, for the four learning rates, "
          "all starting at 90. lr 0.05 falls fastest, to 0.67; lr 0.079 falls steadily "
          "to 6.7; lr 0.01 drops quickly at first then crawls, ending at 18; lr 0.081 "
          "dips for a few steps, then rises to 360.")

# %% [markdown]
# ## Which learning rate is fastest?
#
# Not the largest stable one. Each coordinate shrinks by $|1 - \eta c_i|$ per step, so
# the slowest one sets the pace: the factor $\max_i |1 - \eta c_i|$. Small rates are
# held back by the flat direction ($1 - \eta c_{\min}$ falls as $\eta$ grows), large
# ones by the steep direction ($|1 - \eta c_{\max}|$ grows once $\eta > 1/c_{\max}$).
# The two meet at $\eta^* = 2/(c_{\min} + c_{\max}) = 2/26 \approx 0.077$, where both
# shrink by $(\kappa - 1)/(\kappa + 1) = 24/26 \approx 0.923$ per step, with
# $\kappa = c_{\max} / c_{\min} = 25$ the condition number (Nesterov's textbook step for
# a quadratic). The sweep below measures the factor from the last step of each run and
# the loss after 40 steps, for 160 learning rates up to the limit.

# %%
sweep_lrs = np.linspace(0.0005, 0.08, 160, endpoint=False)
sweep_paths = [run_gradient_descent(bowl, W0, lr, STEPS) for lr in sweep_lrs]
final_losses = np.array([losses[-1] for _, losses in sweep_paths])
# Measured per-coordinate factor |w_t / w_(t-1)| at the last step of each run.
factors = np.array([np.abs(path[-1] / path[-2]) for path, _ in sweep_paths])
c = np.array(CURVATURES)
predicted = np.abs(1 - np.outer(sweep_lrs, c))
np.testing.assert_allclose(factors, predicted, rtol=1e-9)
lr_star = 2 / (c.min() + c.max())
kappa = c.max() / c.min()
slowest = factors.max(axis=1)
best_factor_lr = sweep_lrs[np.argmin(slowest)]
best_loss_lr = sweep_lrs[np.argmin(final_losses)]
print(f"eta* = 2 / (c_min + c_max) = {lr_star:.4f}: factor (kappa - 1) / (kappa + 1) = "
      f"{(kappa - 1) / (kappa + 1):.4f}")
print(f"smallest measured factor {slowest.min():.4f} at lr = {best_factor_lr:.4f}")
print(f"lowest loss after {STEPS} steps {final_losses.min():.3g} "
      f"at lr = {best_loss_lr:.4f}")
assert abs(best_factor_lr - lr_star) <= sweep_lrs[1] - sweep_lrs[0]
assert abs(slowest.min() - (kappa - 1) / (kappa + 1)) < 2e-3
assert 0.06 < best_loss_lr <= lr_star  # the fastest run is near eta*, not at the limit
assert 5 < runs["0.079 (zig-zags)"][1][-1] / runs["0.05 (good)"][1][-1] < 20

# %%
fig, (ax_loss, ax_rate) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
ax_loss.semilogy(sweep_lrs, final_losses, color="C0")
ax_loss.set(xlabel="learning rate", ylabel=f"loss after {STEPS} steps (log scale)",
            title="The fastest rate is below the limit")
for ax in (ax_loss, ax_rate):
    ax.axvline(lr_star, color="black", linestyle="--", linewidth=1,
               label=f"eta* = {lr_star:.3f}")
    ax.axvline(2 / c.max(), color="C3", linestyle=":", linewidth=1.2,
               label=f"limit 2 / c_max = {2 / c.max():.2f}")
ax_rate.plot(sweep_lrs, slowest, color="0.6", linewidth=6, alpha=0.5,
             label="the slowest: sets the pace")
ax_rate.plot(sweep_lrs, factors[:, 0], color="C0", label="flat w1: |1 - eta|")
ax_rate.plot(sweep_lrs, factors[:, 1], color="C1", label="steep w2: |1 - 25 eta|")
ax_rate.set(xlabel="learning rate", ylabel="factor per step", ylim=(0, 1.05),
            title="Per-step factor of each coordinate (measured)")
ax_loss.legend(fontsize=8)
ax_rate.legend(fontsize=8, loc="lower left")
show(fig, "Two panels against the learning rate, 0 to 0.08, with a dashed line at "
          f"eta* = {lr_star:.3f} and a dotted one at the limit 0.08. Left: the loss "
          f"after {STEPS} steps on a log scale falls from about {final_losses[0]:.2g} "
          f"at the smallest rate to its lowest, {final_losses.min():.2g}, at "
          f"{best_loss_lr:.3f}, then rises steeply to about {final_losses[-1]:.2g} "
          "just below the limit. Right: the measured factor by which each coordinate "
          "shrinks per step: the flat one's falls along a straight line from 1, the "
          "steep one's falls to 0 at 0.04 and rises back to 1 at the limit; their "
          "maximum is lowest, about 0.92, where they cross, at eta*.")

# %% [markdown]
# ## Plain gradient descent against momentum
#
# With a small learning rate plain gradient descent crawls along the flat direction. Momentum keeps a
# running sum of past gradients (`momentum_step`, PyTorch's form $v \leftarrow \beta v + g$,
# $w \leftarrow w - \eta v$, see [Momentum](../../optimization/momentum/)): the components across the
# valley alternate in sign and cancel, the components along it agree and add up. Same learning rate,
# same start, same number of steps:


# %%
def run_momentum(lr, beta, steps):
    params = {"w": W0.copy()}
    state = init_momentum_state(params)
    path, losses = [params["w"]], [bowl(params["w"])[0]]
    for _ in range(steps):
        _, grad = bowl(params["w"])
        params, state = momentum_step(params, {"w": grad}, state, lr=lr, beta=beta)
        path.append(params["w"])
        losses.append(bowl(params["w"])[0])
    return np.stack(path), np.array(losses)


LR = 0.03
compared = {
    "plain GD": run_gradient_descent(bowl, W0, LR, STEPS),
    "momentum, beta = 0.7": run_momentum(LR, 0.7, STEPS),
    "momentum, beta = 0.9": run_momentum(LR, 0.9, STEPS),
}
for name, (_, losses) in compared.items():
    print(f"{name:22s} lr = {LR}: loss after {STEPS} steps {losses[-1]:.3g}")

# %% [markdown]
# The animation replays the first 24 steps. Plain gradient descent zig-zags slowly along the valley
# floor; momentum with $\beta = 0.7$ heads for the minimum; with $\beta = 0.9$ it carries too much speed,
# overshoots and spirals in. It is a GIF written by matplotlib's `PillowWriter` and embedded in the page.

# %%
FRAMES = 24
fig, ax = plt.subplots(figsize=(6.4, 2.9), dpi=70, layout="constrained")
ax.contour(w1, w2, contour_loss, levels=np.geomspace(0.05, 150, 12), colors="0.75",
           linewidths=0.8)
ax.plot(0, 0, marker="*", color="black", markersize=10)
ax.set(xlim=(-10, 10), ylim=(-3.5, 3.5), xlabel="$w_1$", ylabel="$w_2$")
lines = {name: ax.plot([], [], marker="o", markersize=3, linewidth=1.2, label=name)[0]
         for name in compared}
ax.legend(loc="lower right", fontsize=8)
title = ax.set_title("")


def draw(frame):
    for name, (path, _) in compared.items():
        lines[name].set_data(path[: frame + 1, 0], path[: frame + 1, 1])
    title.set_text(f"Plain gradient descent vs momentum, lr = {LR}: step {frame}")


draw(FRAMES - 1)
# lay the figure out once, with the longest paths, then freeze that layout
fig.canvas.draw()
fig.set_layout_engine("none")
writer = PillowWriter(fps=3)
with tempfile.TemporaryDirectory() as tmp:
    gif_path = Path(tmp) / "gd-vs-momentum.gif"
    with writer.saving(fig, gif_path, dpi=70):  # one drawing per frame
        for frame in range(FRAMES):
            draw(frame)
            writer.grab_frame()
    gif = base64.b64encode(gif_path.read_bytes()).decode("ascii")
plt.close(fig)
alt = ("Animation, 24 steps: on a narrow elliptical bowl, plain gradient descent "
       "zig-zags slowly along the valley, momentum with beta 0.7 reaches the minimum, "
       "momentum with beta 0.9 overshoots and spirals in.")
HTML(f'<img src="data:image/gif;base64,{gif}" alt="{alt}" width="448">')

# %%
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for name, (_, losses) in compared.items():
    ax.semilogy(losses, label=name)
ax.set(xlabel="step", ylabel="loss (log scale)",
       title=f"Same learning rate ({LR}): loss with and without momentum")
ax.legend()
show(fig, "Loss on a log scale against the step, 0 to 40, all at learning rate 0.03 "
          "from a loss of 90. Plain gradient descent falls slowly along a straight "
          "line to 3.5; momentum with beta 0.7 falls steadily to about 0.00001; "
          "momentum with beta 0.9 oscillates up and down and ends near 1.2.")

# %%
final = {name: losses[-1] for name, (_, losses) in compared.items()}
assert final["momentum, beta = 0.7"] < 1e-4 < 1 < final["plain GD"]
assert np.any(np.diff(compared["momentum, beta = 0.9"][1]) > 0)  # up and down
assert final["momentum, beta = 0.9"] > 100 * final["momentum, beta = 0.7"]

# %% [markdown]
# **Answer.** Below $2/c_{\max}$ every learning rate converges and the loss falls at
# every step, even where the steep coordinate zig-zags. A larger rate is faster only up
# to $\eta^* = 2/(c_{\min} + c_{\max}) \approx 0.077$, where the flat and the steep
# direction shrink by the same factor, $(\kappa - 1)/(\kappa + 1) \approx 0.92$ per
# step; beyond it the steep direction sets the pace, so 0.079 ends ten times higher than
# 0.05 (6.7 against 0.67 after 40 steps). Just above $2/c_{\max}$ the loss grows at
# every step (from 90 to 360 in 40 steps here, and without bound after). On the same
# narrow valley and at the same learning rate, momentum with $\beta = 0.7$ reaches a
# loss below $10^{-4}$ where plain gradient descent is still above 1; too much momentum
# ($\beta = 0.9$) overshoots and spirals, so $\beta$, like the learning rate, has a good
# range. The notebook asserts each of these statements, so the build fails if one stops
# being true.
