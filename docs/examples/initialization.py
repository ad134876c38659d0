# %% [markdown]
# # Worked example: initialization
#
# **Question.** Train the same deep network three times, changing only how its weights start (zeros,
# large random values, He initialization): what goes wrong with the first two, and why?
#
# The data set is two noisy concentric circles (300 training points, 300 test points, drawn from a seeded
# random generator). The network is a ReLU MLP with three hidden layers of 16 units and one sigmoid
# output, trained by full-batch gradient descent with momentum for 600 steps.
# The initializers are those of [Weight initialization](../../initialization/weight-init/).

# %%
import base64
import io
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from snippets.initialization import init_params
from snippets.mlp import mlp_backward, mlp_forward, mlp_loss, mlp_predict
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


def circles(n, rng, noise=0.15):
    """Half the points on a circle of radius 1 (label 0), half on radius 0.5 (label 1),
    plus noise."""
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, 0.5, 1.0)
    X = (np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
         + rng.normal(0, noise, (n, 2)))
    return X, y


data_rng = np.random.default_rng(1)
X_train, y_train = circles(300, data_rng)
X_test, y_test = circles(300, data_rng)
Y_train = y_train[:, None].astype(np.float64)  # one sigmoid output: shape (N, 1)
LAYERS = [2, 16, 16, 16, 1]
STEPS, LR, BETA = 600, 0.1, 0.9


def train(params, steps=STEPS):
    state = init_momentum_state(params)
    losses = []
    for _ in range(steps):
        out, cache = mlp_forward(params, X_train, output="sigmoid")
        losses.append(mlp_loss(out, Y_train, output="sigmoid"))
        grads = mlp_backward(params, cache, Y_train, output="sigmoid")
        params, state = momentum_step(params, grads, state, lr=LR, beta=BETA)
    return params, np.array(losses)


def accuracy(params, X, y):
    return float(np.mean(mlp_predict(params, X, output="sigmoid")[:, 0] == y))


# %% [markdown]
# ## Three starts, same everything else
#
# `init_params` draws the weights (biases start at zero). "Large random" is a normal distribution with
# standard deviation 10, the value Andrew Ng's course uses to show the problem; He draws with standard
# deviation $\sqrt{2 / n_\text{in}}$.

# %%
rng = np.random.default_rng(0)
starts = {
    "zeros": init_params(LAYERS, "zeros", rng),
    "large random (std 10)": init_params(LAYERS, "random_normal", rng, scale=10.0),
    "He": init_params(LAYERS, "he_normal", rng),
}
results = {}
for name, params in starts.items():
    trained, losses = train(params)
    results[name] = (trained, losses)
    train_acc = accuracy(trained, X_train, y_train)
    test_acc = accuracy(trained, X_test, y_test)
    print(f"{name:22s} first loss {losses[0]:9.3f}  last loss {losses[-1]:7.3f}  "
          f"train acc {train_acc:.3f}  test acc {test_acc:.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for name, (_, losses) in results.items():
    ax.semilogy(losses, label=name)
ax.set(xlabel="step", ylabel="training loss (log scale)",
       title="Training loss from three initializations")
ax.legend()
show(fig, "Training loss on a log scale against the step, 0 to 600, for three "
          "initializations. The zero start stays flat at 0.693 (log 2) from the first "
          "step; the large random start begins near 350, drops to the same 0.693 "
          "within a few steps and stays on top of the zeros line; the He start falls "
          "from 0.73 to about 0.15 within 50 steps and ends at 0.10.")

# %%
g1, g2 = np.meshgrid(np.linspace(-1.6, 1.6, 161), np.linspace(-1.6, 1.6, 161))
grid = np.column_stack([g1.ravel(), g2.ravel()])
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharey=True, layout="constrained")
for ax, (name, (params, _)) in zip(axes, results.items(), strict=True):
    out, _ = mlp_forward(params, grid, output="sigmoid", training=False)
    prob = out[:, 0].reshape(g1.shape)
    ax.contourf(g1, g2, prob, levels=[0, 0.5, 1], colors=["#cfe2f3", "#fde2c8"])
    ax.scatter(*X_test.T, c=np.where(y_test == 1, "#D55E00", "#0072B2"), s=8)
    ax.set(aspect="equal",
           title=f"{name}: test acc {accuracy(params, X_test, y_test):.2f}")
fig.suptitle("Decision regions after training (orange: inner circle predicted); "
             "test points: orange inner, blue outer")
show(fig, "Three square panels of the plane, -1.6 to 1.6 on both axes, with the test "
          "points of the two circles (inner circle orange, outer ring blue) over the "
          "region each network predicts as inner (orange) or outer (blue). Zeros: the "
          "whole plane is predicted outer, test accuracy 0.50. Large random: "
          "everything but a thin strip at the top right is predicted outer, test "
          "accuracy 0.50. He: a roughly round orange region covers the inner circle, "
          "test accuracy 0.92.")

# %% [markdown]
# ## The symmetry problem, made visible
#
# With zeros, every hidden ReLU outputs 0 and passes back a zero gradient: nothing but the output bias
# ever moves, and the network predicts the base rate everywhere. A *constant* non-zero start is subtler:
# all units of a layer compute the same function and receive the same gradient, so they stay identical
# for ever, and a layer of 16 units works like a single one. We start every weight at 0.1 and compare the
# rows of the first weight matrix after training (one row per hidden unit).

# %%
constant = {key: np.full_like(value, 0.1 if key.startswith("W") else 0.0)
            for key, value in starts["He"].items()}
trained_constant, constant_losses = train(constant)
W1_constant, W1_he = trained_constant["W1"], results["He"][0]["W1"]
print(f"constant start: largest difference between two units' weights after training: "
      f"{np.ptp(W1_constant, axis=0).max():.2e}")
print(f"He start:       largest difference between two units' weights after training: "
      f"{np.ptp(W1_he, axis=0).max():.2e}")
constant_acc = accuracy(trained_constant, X_train, y_train)
print(f"constant start: train accuracy {constant_acc:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
W1_by_start = {"constant 0.1 start": W1_constant, "He start": W1_he}
for ax, (name, W) in zip(axes, W1_by_start.items(), strict=True):
    limit = np.abs(W).max()
    image = ax.imshow(W.T, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set(xlabel="hidden unit", ylabel="input", yticks=[0, 1],
           title=f"W1 after training, {name}")
    ax.grid(False)
    fig.colorbar(image, ax=ax)
fig.suptitle("Symmetry: identical columns mean 16 units that all learned "
             "the same thing")
show(fig, "Two heat maps of the first weight matrix after training, input (0 and 1) "
          "against hidden unit (0 to 15), blue negative and red positive. Constant 0.1 "
          "start: two uniform horizontal bands, every column identical, so the 16 "
          "units learned exactly the same weights. He start: the colours change from "
          "column to column, every unit is different.")

# %% [markdown]
# **Answer.** Zeros never leave the starting point (the ReLUs output 0 and the gradient is zero), and any
# constant start keeps all units of a layer identical. Large random weights make huge pre-activations: the
# sigmoid output saturates, the first loss is in the hundreds, and the first huge gradient steps push the
# ReLUs into their dead zone, so here the network ends predicting the base rate like the zero start. He
# initialization, scaled to each layer's fan-in, trains the same network to a clean circular boundary.
# Random, well-scaled weights both break the symmetry and keep the signal's size stable through the
# layers.
