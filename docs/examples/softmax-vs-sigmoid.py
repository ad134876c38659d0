# %% [markdown]
# # Worked example: softmax or sigmoid for multi-label data
#
# **Question.** Each point below can carry several labels at once. Does it matter whether the network's
# output layer is a softmax (probabilities that sum to 1) or one independent sigmoid per label?
#
# A point $x = (x_1, x_2)$ drawn uniformly from the square $[-2, 2]^2$ gets label A if $x_1 > 0$, label B
# if $x_2 > 0$ and label C if $x_1 + x_2 < 1.5$: every point has one, two or three labels. Same network
# (one hidden layer of 32 ReLUs), same data, same seed, same training (Adam, 600 full-batch steps); only
# the output layer and its loss differ. The softmax model is trained, as is usual when one misuses it for
# multi-label data, on the label set normalized to sum to 1 (a point with labels A and B has target
# $(0.5, 0.5, 0)$). See [Objective functions](../../foundations/objectives/#math) for the two losses.

# %%
import base64
import io
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from snippets.adam import adam_step, init_adam_state
from snippets.initialization import init_params
from snippets.mlp import mlp_backward, mlp_forward, mlp_loss

plt.rcParams.update({"figure.facecolor": "white", "savefig.facecolor": "white",
                     "figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})
LABELS = ["A: x1 > 0", "B: x2 > 0", "C: x1 + x2 < 1.5"]


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


def make_data(n, rng):
    X = rng.uniform(-2, 2, (n, 2))
    labels = [X[:, 0] > 0, X[:, 1] > 0, X.sum(axis=1) < 1.5]
    Y = np.column_stack(labels).astype(np.float64)
    return X, Y


rng = np.random.default_rng(0)
X_train, Y_train = make_data(400, rng)
X_test, Y_test = make_data(2000, rng)
counts = Y_train.sum(axis=1).astype(int)
print("training points with 1, 2, 3 labels:", np.bincount(counts, minlength=4)[1:])
initial = init_params([2, 32, 3], "he_normal", rng)


def train(output, targets, steps=600, lr=0.01):
    params, state = initial, init_adam_state(initial)
    for _ in range(steps):
        out, cache = mlp_forward(params, X_train, output=output)
        grads = mlp_backward(params, cache, targets, output=output)
        params, state = adam_step(params, grads, state, lr=lr)
    return params, mlp_loss(out, targets, output=output)


sigmoid_params, sigmoid_loss = train("sigmoid", Y_train)
softmax_targets = Y_train / Y_train.sum(axis=1, keepdims=True)
softmax_params, softmax_loss = train("softmax", softmax_targets)
print(f"final training loss: sigmoid {sigmoid_loss:.3f}, softmax {softmax_loss:.3f}")

# %% [markdown]
# ## Predictions
#
# Both models predict a label when its probability is at least 0.5. With a softmax the probabilities
# share a total of 1, so at most one label can pass 0.5; and a point with three labels can at best get
# $(1/3, 1/3, 1/3)$.

# %%
p_sigmoid = mlp_forward(sigmoid_params, X_test, output="sigmoid", training=False)[0]
p_softmax = mlp_forward(softmax_params, X_test, output="softmax", training=False)[0]
test_counts = Y_test.sum(axis=1).astype(int)
print(f"{'':8s} {'per-label acc':>13s} {'exact match':>11s}   "
      "exact match for points with 1 / 2 / 3 labels")
for name, p in {"sigmoid": p_sigmoid, "softmax": p_softmax}.items():
    predicted = p >= 0.5
    exact = np.all(predicted == (Y_test == 1), axis=1)
    by_count = " / ".join(f"{exact[test_counts == k].mean():.2f}" for k in (1, 2, 3))
    per_label = np.mean(predicted == (Y_test == 1))
    print(f"{name:8s} {per_label:13.3f} {exact.mean():11.3f}   {by_count}")

point = np.array([[1.0, 1.0]])  # carries A and B, not C
print("\nat x = (1, 1), true labels A and B:")
for name, params, output in (("sigmoid", sigmoid_params, "sigmoid"),
                             ("softmax", softmax_params, "softmax")):
    probabilities = mlp_forward(params, point, output=output, training=False)[0][0]
    shown = (f"{label[0]} {p:.2f}"
             for label, p in zip(LABELS, probabilities, strict=True))
    print(f"  {name:8s}", "  ".join(shown))

# %%
g1, g2 = np.meshgrid(np.linspace(-2, 2, 121), np.linspace(-2, 2, 121))
grid = np.column_stack([g1.ravel(), g2.ravel()])
fig, axes = plt.subplots(2, 3, figsize=(10, 6.4), sharex=True, sharey=True,
                         layout="constrained")
models = (("sigmoid", sigmoid_params), ("softmax", softmax_params))
for row, (name, params) in enumerate(models):
    probabilities = mlp_forward(params, grid, output=name, training=False)[0]
    for k, label in enumerate(LABELS):
        ax = axes[row, k]
        prob_map = probabilities[:, k].reshape(g1.shape)
        image = ax.contourf(g1, g2, prob_map, levels=np.linspace(0, 1, 11),
                            cmap="viridis")
        ax.contour(g1, g2, prob_map, levels=[0.5], colors="white", linewidths=1.5)
        ax.set(aspect="equal", title=f"{name}: P({label})")
fig.colorbar(image, ax=axes, shrink=0.8, label="predicted probability")
fig.suptitle("Predicted probability of each label (white line: 0.5); "
             "true regions are half-planes")
show(fig, "Six maps of the predicted probability (colour bar 0 to 1) over the square "
          "-2 to 2 in x1 (across) and x2 (up), one column per label (A: x1 > 0, "
          "B: x2 > 0, C: x1 + x2 < 1.5), with the 0.5 contour in white. Top row, "
          "sigmoid: each map is close to 1 on its label's half-plane and close to 0 "
          "elsewhere, and the white line lies on the true boundary. Bottom row, "
          "softmax: wherever two or three labels are true the probabilities are "
          "shared, mostly between 0.3 and 0.6, so the white lines wander and miss the "
          "true boundaries; a probability reaches 1 only where a single label is true, "
          "such as C alone in the bottom-left quadrant.")

# %% [markdown]
# **Answer.** It matters. One sigmoid per label learns each half-plane independently and gets almost
# every label right; the softmax forces the labels to compete for a total probability of 1, so on points
# with two or three labels it can never predict them all (exact match 0 for those points here). Use
# sigmoid outputs with binary cross-entropy for multi-label data, softmax only when exactly one class is
# true.
