# %% [markdown]
# # Worked example: regularization
#
# **Question.** A network much larger than its data set learns the noise of its 60 training points. How
# much of the lost test accuracy do L2 regularization and dropout win back, and what do they do to the
# decision boundary?
#
# The data are two interleaving half-moons with heavy noise: 60 training points and 1000 test points from
# the same distribution, drawn from a seeded generator. The network is a ReLU MLP with two hidden layers
# of 100 units (over 10,000 weights for 60 points) and a sigmoid output, trained full-batch with Adam for
# 600 steps. The three runs share the same initial weights.

# %%
import base64
import io
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from snippets.adam import adam_step, init_adam_state
from snippets.initialization import init_params
from snippets.l2 import l2_cost, l2_grads
from snippets.mlp import mlp_backward, mlp_forward, mlp_predict

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


def moons(n, rng, noise):
    """Two half-circles, label 0 on top and label 1 shifted below it, plus Gaussian
    noise."""
    y = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    top = np.column_stack([np.cos(t), np.sin(t)])
    bottom = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, top, bottom) + rng.normal(0, noise, (n, 2))
    return X, y


rng = np.random.default_rng(0)
X_train, y_train = moons(60, rng, noise=0.3)
X_test, y_test = moons(1000, rng, noise=0.3)
Y_train = y_train[:, None].astype(np.float64)
initial = init_params([2, 100, 100, 1], "he_normal", rng)
STEPS, LR = 600, 0.005


def accuracy(params, X, y):
    return float(np.mean(mlp_predict(params, X, output="sigmoid")[:, 0] == y))


def train(lambd=0.0, keep_prob=1.0, seed=1):
    """Adam on the cross-entropy, plus the L2 term if lambd > 0, with dropout if
    keep_prob < 1."""
    dropout_rng = np.random.default_rng(seed)
    params, state = initial, init_adam_state(initial)
    curve = []
    for step in range(STEPS):
        out, cache = mlp_forward(params, X_train, output="sigmoid", keep_prob=keep_prob,
                                 rng=dropout_rng)
        grads = mlp_backward(params, cache, Y_train, output="sigmoid")
        if lambd > 0:
            grads = l2_grads(params, grads, lambd, len(X_train))
        params, state = adam_step(params, grads, state, lr=LR)
        if step % 25 == 0 or step == STEPS - 1:
            curve.append((step, accuracy(params, X_train, y_train),
                          accuracy(params, X_test, y_test)))
    return params, np.array(curve)


# %% [markdown]
# ## Three runs
#
# L2 adds $\frac{\lambda}{2N}\sum \lVert W \rVert^2$ to the cost, $N$ the number of
# training examples ([L2 regularization](../../regularization/l2/)); with Adam this is
# the coupled "Adam + L2" form, which is what the notes describe. Dropout keeps each
# hidden unit with probability `keep_prob` during training and is switched off at test
# time ([Dropout](../../regularization/dropout/)). A tiny data set and a wide network
# need strong settings: $\lambda = 1$, `keep_prob = 0.3`.

# %%
runs = {
    "no regularization": train(),
    "L2, lambda = 1": train(lambd=1.0),
    "dropout, keep_prob = 0.3": train(keep_prob=0.3),
}
print(f"{'':26s} {'train acc':>9s} {'test acc':>9s} {'gap':>6s}")
for name, (params, _) in runs.items():
    train_acc = accuracy(params, X_train, y_train)
    test_acc = accuracy(params, X_test, y_test)
    print(f"{name:26s} {train_acc:9.3f} {test_acc:9.3f} {train_acc - test_acc:6.3f}")
weights_no_reg, weights_l2 = runs["no regularization"][0], runs["L2, lambda = 1"][0]
print(f"sum of squared weights: {2 * l2_cost(weights_no_reg, 1.0, 1):.0f} without L2, "
      f"{2 * l2_cost(weights_l2, 1.0, 1):.0f} with L2")

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), sharey=True, layout="constrained")
for ax, (name, (_, curve)) in zip(axes, runs.items(), strict=True):
    ax.plot(curve[:, 0], curve[:, 1], label="train")
    ax.plot(curve[:, 0], curve[:, 2], label="test")
    ax.set(xlabel="step", title=name, ylim=(0.7, 1.01))
axes[0].set_ylabel("accuracy")
axes[0].legend()
fig.suptitle("Train and test accuracy during training: the gap is the over-fitting")
show(fig, "Three panels of accuracy (0.7 to 1) against the training step (0 to 600), "
          "train and test. No regularization: train accuracy reaches 1.0 by step 100 "
          "while test accuracy stays near 0.87, a wide gap. L2 with lambda 1: train "
          "accuracy about 0.93 to 0.95, test accuracy about 0.90, a small gap. Dropout "
          "with keep_prob 0.3: both curves wander between 0.80 and 0.90, then end near "
          "0.93 (train) and 0.90 (test).")

# %%
g1, g2 = np.meshgrid(np.linspace(-2, 3, 201), np.linspace(-1.6, 2, 145))
grid = np.column_stack([g1.ravel(), g2.ravel()])
fig, axes = plt.subplots(1, 3, figsize=(11, 3.3), sharey=True, layout="constrained")
for ax, (name, (params, _)) in zip(axes, runs.items(), strict=True):
    out, _ = mlp_forward(params, grid, output="sigmoid", training=False)
    prob = out[:, 0].reshape(g1.shape)
    ax.contourf(g1, g2, prob, levels=[0, 0.5, 1], colors=["#cfe2f3", "#fde2c8"])
    ax.contour(g1, g2, prob, levels=[0.5], colors="black", linewidths=1)
    ax.scatter(*X_train.T, c=np.where(y_train == 1, "#D55E00", "#0072B2"), s=14,
               edgecolors="black", linewidths=0.4)
    ax.set(aspect="equal",
           title=f"{name}\ntest acc {accuracy(params, X_test, y_test):.3f}")
fig.suptitle("Decision boundaries with the 60 training points "
             "(orange: label 1, blue: label 0)")
show(fig, "Three panels of the plane with the 60 training points (orange label 1, blue "
          "label 0) and the predicted regions split by a black boundary at probability "
          "0.5. No regularization: the boundary bends around single noisy points, test "
          "accuracy 0.863. L2 with lambda 1 and dropout with keep_prob 0.3: smoother "
          "boundaries that follow the two half-moons, test accuracy 0.901 and 0.902.")

# %% [markdown]
# **Answer.** Unregularized, the network classifies all 60 training points correctly and wraps its
# boundary around noisy points, at about 86% test accuracy. L2 ($\lambda = 1$) and dropout
# (`keep_prob = 0.3`) both give up a few training points, draw a smoother boundary and gain about 4 points
# of test accuracy (about 90%): the gap between train and test accuracy, the signature of over-fitting,
# shrinks. See [Diagnosing over-fitting](../../regularization/overfitting/) for what to try in which order.
