# %% [markdown]
# # Worked example: a small CNN on the digits
#
# **Question.** Built from the guide's NumPy snippets alone (convolution, pooling, ReLU,
# softmax cross-entropy, He initialization, Adam, a warm-up + cosine schedule and early
# stopping), does a small convolutional network reach at least 98.5% test accuracy on the
# handwritten digits, and beat the [digits MLP](../digits/) on the same split?
#
# The data and the split are those of the [digits notebook](../digits/): the 1,797 8 × 8
# images that ship with scikit-learn, 20% held out as the test set, and 20% of the rest as
# the validation split. The MLP's test accuracy is not copied from that page: the cell
# below trains it again with its own recipe, on the same split, so both numbers come from
# this run. Every random choice comes from a seeded generator.

# %%
import base64
import io
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from snippets.activations import relu, relu_grad
from snippets.adam import adam_step, init_adam_state
from snippets.augmentation import random_crop
from snippets.convolution import (
    conv2d_backward,
    conv2d_forward,
    conv2d_param_count,
    receptive_field,
)
from snippets.early_stopping import (
    init_early_stopping,
    restore_best_params,
    update_early_stopping,
)
from snippets.gradient_check import gradient_check
from snippets.initialization import he_normal, init_params
from snippets.l2 import l2_grads
from snippets.lr_finder import lr_range_test, suggest_lr
from snippets.minibatches import iterations_per_epoch, shuffle_and_partition
from snippets.mlp import mlp_backward, mlp_forward, mlp_loss, mlp_predict
from snippets.momentum import init_momentum_state, momentum_step
from snippets.objectives import softmax_cross_entropy, softmax_cross_entropy_grad
from snippets.pooling import max_pool2d_backward, max_pool2d_forward
from snippets.schedules import one_cycle, warmup_cosine
from snippets.standardization import fit_standardizer, fit_transform, standardize

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

X, y = load_digits(return_X_y=True)
X = X.astype(np.float64)
# Hold out 20% as the test set, touched once at the very end; split the rest into
# train and validation.
X_dev, X_test, y_dev, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                stratify=y)
X_train, X_val, y_train, y_val = train_test_split(X_dev, y_dev, test_size=0.2,
                                                  random_state=0, stratify=y_dev)
print(f"train {len(X_train)}, validation {len(X_val)}, test {len(X_test)} images "
      f"of {X.shape[1]} pixels")

# %% [markdown]
# ## The baseline: the digits MLP, trained again on the same split
#
# The [digits notebook](../digits/)'s recipe, step for step and with its seeds: per-pixel
# standardization, a 64-256-128-10 network with He initialization, a learning-rate range
# test run with SGD with momentum to choose the peak of the 1cycle schedule, dropout
# (keep 0.7) and L2 with $\lambda$ chosen on the validation split, then a final run on
# train + validation and one measurement on the test set. That page explains each step;
# here it only yields `mlp_acc`.


# %%
def mlp_baseline_accuracy():
    """The digits notebook's MLP, from its range test to its test accuracy."""
    X_train_std, mean, std = fit_transform(X_train)
    X_val_std = standardize(X_val, mean, std)
    Y_train = np.eye(10)[y_train]
    LAYERS = [64, 256, 128, 10]
    BATCH, EPOCHS = 64, 20
    initial = init_params(LAYERS, "he_normal", np.random.default_rng(0))

    def loss_and_grads(params, batch):
        X_batch, Y_batch = batch
        out, cache = mlp_forward(params, X_batch)
        return mlp_loss(out, Y_batch), mlp_backward(params, cache, Y_batch)

    def momentum_range_test(params, batches, *, beta, **sweep):
        state = {"momentum": init_momentum_state(params)}

        def loss_and_velocity(work, batch):
            loss, grads = loss_and_grads(work, batch)
            _, state["momentum"] = momentum_step(work, grads, state["momentum"],
                                                 lr=0.0, beta=beta)
            return loss, state["momentum"]["velocity"]

        return lr_range_test(params, loss_and_velocity, batches, **sweep)

    SWEEP = {"lr_min": 1e-4, "lr_max": 10.0, "num_steps": 100}
    BETA_AT_PEAK = 0.85  # one_cycle's momentum when the learning rate is at its peak
    batches = shuffle_and_partition(X_train_std, Y_train, BATCH,
                                    np.random.default_rng(1))
    max_lr = suggest_lr(momentum_range_test(initial, batches, beta=BETA_AT_PEAK,
                                            **SWEEP))

    def train(X_std, y_true, *, keep_prob, lambd, seed):
        rng = np.random.default_rng(seed)
        params, state = initial, init_momentum_state(initial)
        Y, N = np.eye(10)[y_true], len(X_std)
        total_steps = EPOCHS * iterations_per_epoch(N, BATCH)
        step = 0
        for _ in range(EPOCHS):
            for X_batch, Y_batch in shuffle_and_partition(X_std, Y, BATCH, rng):
                lr, beta = one_cycle(step, total_steps=total_steps, max_lr=max_lr)
                out, cache = mlp_forward(params, X_batch, keep_prob=keep_prob, rng=rng)
                grads = l2_grads(params, mlp_backward(params, cache, Y_batch), lambd, N)
                params, state = momentum_step(params, grads, state, lr=lr, beta=beta)
                step += 1
        return params

    KEEP_PROB = 0.7
    val_loss = {}
    for lambd in (1.0, 3.0, 10.0, 30.0):
        params = train(X_train_std, y_train, keep_prob=KEEP_PROB, lambd=lambd, seed=2)
        out, _ = mlp_forward(params, X_val_std, training=False)
        val_loss[lambd] = mlp_loss(out, np.eye(10)[y_val])
    LAMBD = min(val_loss, key=val_loss.get)
    X_dev_std, dev_mean, dev_std = fit_transform(X_dev)
    final = train(X_dev_std, y_dev, keep_prob=KEEP_PROB, lambd=LAMBD, seed=3)
    predicted = mlp_predict(final, standardize(X_test, dev_mean, dev_std))
    n_params = sum(p.size for p in final.values())
    return float(np.mean(predicted == y_test)), n_params, max_lr, LAMBD


mlp_acc, mlp_params, mlp_max_lr, mlp_lambd = mlp_baseline_accuracy()
print(f"MLP (peak lr {mlp_max_lr:.3g}, lambda {mlp_lambd:g}): test accuracy "
      f"{mlp_acc:.4f}, {round(mlp_acc * len(y_test))} of {len(y_test)}")

# %% [markdown]
# ## Images, not vectors
#
# A convolution reads its input as an image: a batch of shape $(N, C, H, W)$ with one
# grey channel, here $(N, 1, 8, 8)$. The MLP standardized each of the 64 pixels with its
# own mean and standard deviation; a convolution applies *the same* filter at every
# position, so every pixel should be on the same scale. We standardize with one mean and
# one standard deviation over all the training pixels (`fit_standardizer` on the pixels
# as a single feature), fitted on the training split only.
#
# The network also gets more data for free: in every epoch each training image is
# shifted at random by up to one pixel in each direction (`random_crop` with padding 1,
# [Data augmentation](../../regularization/data-augmentation/)), on the raw images,
# whose background is 0, so the uncovered border is background too. A digit moved by a
# pixel is still the same digit; a convolution's filters see the same strokes, only one
# position further.

# %%
DTYPE = np.float32  # the snippets keep float32 in float32: half the memory traffic
pixel_mean, pixel_std = fit_standardizer(X_train.reshape(-1, 1))  # one "feature"


def as_images(X_flat):
    """(N, 64) raw pixels -> (N, 1, 8, 8) standardized float32 images (NCHW)."""
    X_std = standardize(X_flat.reshape(-1, 1), pixel_mean, pixel_std)
    return X_std.reshape(-1, 1, 8, 8).astype(DTYPE)


def shifted(X_flat, rng):
    """Each image moved by -1, 0 or +1 pixel along each axis (background fills in)."""
    moved, _ = random_crop(X_flat.reshape(-1, 8, 8, 1), rng, padding=1)
    return moved.reshape(len(X_flat), 64)


I_val, I_test = as_images(X_val), as_images(X_test)
print(f"one mean {pixel_mean[0]:.3f} and one standard deviation {pixel_std[0]:.3f} "
      f"for every pixel; validation images {I_val.shape}, {I_val.dtype}")

# %% [markdown]
# ## The network
#
# conv 3×3, 32 channels, padding 1 → ReLU → max pool 2 → conv 3×3, 64 channels,
# padding 1 → ReLU → max pool 2 → dense → softmax. Padding 1 keeps the 8 × 8 size
# through each convolution ([The convolutional layer](../../convnets/convolution/)); each
# pool halves it ([Pooling](../../convnets/pooling/)): 8 × 8 → 4 × 4 → 2 × 2, so the dense
# layer reads 64 · 2 · 2 = 256 features. The convolution weights get He initialization
# with the fan-in $C_\text{in} \cdot 3 \cdot 3$, the number of inputs each output sums (as
# PyTorch's `kaiming_normal_` reads it from a 4-D weight), and the output layer, with no
# ReLU after it, gain 1. Biases start at zero.
#
# `backward` is the chain rule read backwards through `forward`: the softmax
# cross-entropy gradient, the dense layer, each pool's gradient routed to its window's
# maximum, ReLU's gradient as a mask, each convolution's backward pass. Before training
# on it, `gradient_check` compares it with centred finite differences on a tiny float64
# copy of the network ([Gradient checking](../../debugging/gradient-checking/)).

# %%
CHANNELS = (32, 64)


def init_cnn(channels, rng, dtype=DTYPE):
    c1, c2 = channels
    return {"W1": he_normal((c1, 1 * 3 * 3), rng, dtype).reshape(c1, 1, 3, 3),
            "b1": np.zeros(c1, dtype),
            "W2": he_normal((c2, c1 * 3 * 3), rng, dtype).reshape(c2, c1, 3, 3),
            "b2": np.zeros(c2, dtype),
            "W3": he_normal((10, c2 * 2 * 2), rng, dtype, gain=1.0),
            "b3": np.zeros(10, dtype)}


def forward(params, images):
    """Logits (N, 10) and the cache of every layer."""
    z1, conv1 = conv2d_forward(images, params["W1"], params["b1"], padding=1)
    h1, pool1 = max_pool2d_forward(relu(z1), 2)               # (N, C1, 4, 4)
    z2, conv2 = conv2d_forward(h1, params["W2"], params["b2"], padding=1)
    h2, pool2 = max_pool2d_forward(relu(z2), 2)               # (N, C2, 2, 2)
    features = h2.reshape(len(images), -1)                    # (N, C2 * 4)
    logits = features @ params["W3"].T + params["b3"]
    return logits, (conv1, z1, pool1, conv2, z2, pool2, features)


def backward(params, logits, cache, labels):
    """Gradients of the mean softmax cross-entropy, same keys as `params`."""
    conv1, z1, pool1, conv2, z2, pool2, features = cache
    d_logits = softmax_cross_entropy_grad(logits, labels)
    grads = {"W3": d_logits.T @ features, "b3": d_logits.sum(axis=0)}
    d_h2 = (d_logits @ params["W3"]).reshape(z2.shape[0], z2.shape[1], 2, 2)
    d_z2 = max_pool2d_backward(d_h2, pool2) * relu_grad(z2)
    d_h1, grads["W2"], grads["b2"] = conv2d_backward(d_z2, conv2)
    d_z1 = max_pool2d_backward(d_h1, pool1) * relu_grad(z1)
    _, grads["W1"], grads["b1"] = conv2d_backward(d_z1, conv1)
    return {key: grads[key] for key in params}  # in the order of params


check_rng = np.random.default_rng(4)
tiny = init_cnn((2, 3), check_rng, np.float64)
tiny = {key: value + 0.1 * check_rng.standard_normal(value.shape)  # biases not 0
        for key, value in tiny.items()}
x_check = check_rng.standard_normal((3, 1, 8, 8))
labels_check = np.array([0, 4, 9])
logits, cache = forward(tiny, x_check)
error, passed = gradient_check(
    lambda p: softmax_cross_entropy(forward(p, x_check)[0], labels_check), tiny,
    backward(tiny, logits, cache, labels_check))
print(f"gradient check of backward: relative error {error:.1e}")
assert passed, error

# %% [markdown]
# ## Fewer parameters, shared weights
#
# `conv2d_param_count` counts $C_\text{out} C_\text{in} k_H k_W + C_\text{out}$ per
# convolution, whatever the image size. The dense layers of the MLP give every pixel
# of every position its own weight; the CNN's filters are 3 × 3 and shared by all 64
# positions, so the CNN has far fewer parameters although it has more units.
#
# Sharing makes the convolution *translation equivariant*: shift the image and its
# feature maps shift with it. The cell checks it on a validation image moved one pixel
# to the right: away from the borders, the first layer's output is the unshifted output
# moved one pixel to the right. A dense layer has no such property: a shifted digit
# meets entirely different weights, and the MLP must learn each position anew.

# %%
counts = {"conv 1": conv2d_param_count(1, CHANNELS[0], 3),
          "conv 2": conv2d_param_count(CHANNELS[0], CHANNELS[1], 3),
          "dense": 10 * CHANNELS[1] * 2 * 2 + 10}
cnn_params = sum(counts.values())
initial_cnn = init_cnn(CHANNELS, np.random.default_rng(5))
assert cnn_params == sum(p.size for p in initial_cnn.values())
print(", ".join(f"{name} {count}" for name, count in counts.items()))
print(f"CNN {cnn_params} parameters, MLP {mlp_params}: "
      f"{mlp_params / cnn_params:.1f} times fewer")
assert cnn_params < mlp_params
# (kernel, stride, dilation) from the input up: conv 3x3, pool 2, conv 3x3
field = receptive_field([(3, 1, 1), (2, 2, 1), (3, 1, 1)])
print(f"a unit of the second convolution sees {field} x {field} input pixels")
assert field == 8  # the whole digit

image = I_val[:1]
moved = np.full_like(image, image[0, 0, 0, 0])  # background value
moved[..., 1:] = image[..., :-1]               # one pixel to the right
out, _ = conv2d_forward(image, initial_cnn["W1"], initial_cnn["b1"], padding=1)
out_moved, _ = conv2d_forward(moved, initial_cnn["W1"], initial_cnn["b1"], padding=1)
assert np.allclose(out_moved[..., 2:7], out[..., 1:6], atol=1e-5)
print("shift the input one pixel right: columns 2-6 of the feature maps equal "
      "columns 1-5 before the shift")

# %% [markdown]
# ## Training: Adam, warm-up + cosine, early stopping
#
# Mini-batches of 64 from a fresh shuffle of freshly shifted images every epoch; Adam
# ([Adam and AdamW](../../optimization/adam/)) with the learning rate of `warmup_cosine`
# ([Learning-rate schedules](../../learning-rate/schedules/)): a linear warm-up over the
# first two epochs to the peak $5 \cdot 10^{-3}$, then half a cosine down to 0 at the end
# of the 60-epoch budget. After every epoch the validation loss goes to
# `update_early_stopping` ([Early stopping](../../regularization/early-stopping/)), which
# keeps a copy of the best epoch's weights; after 10 epochs in a row without a new best
# it stops, and `restore_best_params` returns the best weights. The MLP's final run used
# the validation images for training; the CNN keeps them aside, for early stopping, and
# learns from the 1,149 training images alone.


# %%
def evaluate(params, images, labels):
    logits, _ = forward(params, images)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
    return softmax_cross_entropy(logits, labels), accuracy


def train_cnn(params, seed, *, epochs=60, batch=64, peak_lr=5e-3, patience=10):
    rng = np.random.default_rng(seed)  # the shifts and the mini-batch order
    state, stopper = init_adam_state(params), init_early_stopping(patience)
    per_epoch = iterations_per_epoch(len(X_train), batch)
    step, history = 0, []
    for _ in range(epochs):
        losses, lrs = [], []
        images = as_images(shifted(X_train, rng))
        for x_batch, y_batch in shuffle_and_partition(images, y_train, batch, rng):
            lr = warmup_cosine(step, peak_lr=peak_lr, warmup_steps=2 * per_epoch,
                               total_steps=epochs * per_epoch)
            logits, cache = forward(params, x_batch)
            grads = backward(params, logits, cache, y_batch)
            params, state = adam_step(params, grads, state, lr=lr)
            losses.append(softmax_cross_entropy(logits, y_batch))
            lrs.append(lr)
            step += 1
        val_loss, val_acc = evaluate(params, I_val, y_val)
        history.append((np.mean(losses), val_loss, val_acc, np.mean(lrs)))
        stopper, stop = update_early_stopping(stopper, val_loss, params)
        if stop:
            break
    # columns: mean training loss (shifted images), val. loss, val. accuracy, mean lr
    return restore_best_params(stopper), np.array(history), stopper["best_epoch"]


cnn, history, best_epoch = train_cnn(initial_cnn, seed=6)
print(f"stopped after {len(history)} epochs; best validation loss "
      f"{history[best_epoch, 1]:.4f} at epoch {best_epoch + 1}, validation accuracy "
      f"{history[best_epoch, 2]:.4f}")

# %% [markdown]
# ## The learning curves
#
# The training loss is the mean over each epoch's mini-batches, on shifted images and
# with the weights still moving, so it is noisier than a loss measured after the epoch.
# The validation loss falls while the learning rate is high, keeps falling as the cosine
# brings it down, and flattens; the weights of its minimum are the ones we keep.

# %%
epochs = np.arange(1, len(history) + 1)
fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
ax_loss.semilogy(epochs, history[:, 0], "--", color="C0", label="train (shifted)")
ax_loss.semilogy(epochs, history[:, 1], color="C1", label="validation")
ax_err.plot(epochs, 100 * (1 - history[:, 2]), color="C1", label="validation error")
ax_lr = ax_err.twinx()
ax_lr.plot(epochs, history[:, 3], ":", color="C2", label="learning rate")
ax_lr.set(ylabel="learning rate (epoch mean)", ylim=(0, None))
ax_lr.grid(False)
for ax in (ax_loss, ax_err):
    ax.axvline(best_epoch + 1, color="gray", linewidth=1, label="best epoch (kept)")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy (log scale)",
            title="Loss: train (dashed) vs validation")
ax_err.set(xlabel="epoch", ylabel="validation error (%)", ylim=(0, 8),
           title="Validation error and the warm-up + cosine schedule")
ax_loss.legend(fontsize=8)
ax_err.legend(handles=ax_err.get_lines() + ax_lr.get_lines(), fontsize=8,
              loc="upper right")
fig.suptitle("The CNN's learning curves; early stopping keeps the best epoch")
show(fig, f"Learning curves of the CNN over {len(history)} epochs. Left, cross-entropy "
          "on a log scale: the training loss (dashed, on shifted images) falls from "
          f"{history[0, 0]:.2f} to {history[-1, 0]:.3f} and the validation loss from "
          f"{history[0, 1]:.2f} to its minimum {history[best_epoch, 1]:.3f} at epoch "
          f"{best_epoch + 1}, marked by a grey vertical line. Right: the validation "
          f"error falls from {100 * (1 - history[0, 2]):.1f}% (above the axis, "
          f"which stops at 8%) to "
          f"{100 * (1 - history[best_epoch, 2]):.1f}% at the best epoch, while the "
          "learning rate (dotted, right axis) rises over the first two epochs to "
          f"about {history[:, 3].max():.4f} and then falls along a cosine.")

# %% [markdown]
# ## The test set, once
#
# Both networks measured on the same 360 test images, each a single time. One image is
# 0.28 percentage points: at 98.5% the test set allows 5 mistakes.

# %%
test_loss, test_acc = evaluate(cnn, I_test, y_test)
predicted = np.argmax(forward(cnn, I_test)[0], axis=1)
print(f"CNN test accuracy: {test_acc:.4f} ({np.sum(predicted == y_test)} of "
      f"{len(y_test)}), {cnn_params} parameters")
print(f"MLP test accuracy: {mlp_acc:.4f} ({round(mlp_acc * len(y_test))} of "
      f"{len(y_test)}), {mlp_params} parameters")
wrong = np.flatnonzero(predicted != y_test)
print("the CNN's mistakes (true -> predicted): "
      + ", ".join(f"{y_test[i]} -> {predicted[i]}" for i in wrong))

# %%
assert test_acc >= 0.985 and test_acc > mlp_acc, (test_acc, mlp_acc)

# %% [markdown]
# ## Why the CNN wins here
#
# - **Weight sharing.** A 3 × 3 filter is used at all 64 positions, so each of its
#   weights learns from every position of every image: 1,149 training images give each
#   filter weight tens of thousands of examples, while an MLP weight tied to one pixel
#   learns from that pixel alone. Fewer parameters, better estimated.
# - **Translation equivariance, then pooling.** A stroke is detected wherever it is, and
#   max pooling keeps the strongest response of each 2 × 2 window, so a digit one pixel
#   off still gives nearly the same features. The MLP must see a pattern at each
#   position to recognize it there; the shifted copies the CNN trains on teach it
#   little it could not already represent.
# - **Locality.** Each unit of the first layer looks at a 3 × 3 patch, the scale of a
#   stroke; a unit of the second convolution sees 8 × 8 input pixels (its receptive
#   field, `receptive_field` above: $1 + 2 + 1 + 2 \cdot 2$), the whole digit, built
#   from strokes. The MLP's first layer must find that structure in 64 numbers whose
#   order means nothing to it.
#
# The price is compute: the CNN's convolutions do far more multiply-adds per image than
# the MLP's matrix products, for fewer parameters.

# %% [markdown]
# **Answer.** Yes. The two-convolution network (32 and 64 channels of 3 × 3 filters,
# max pooling, a dense softmax layer: 21,386 parameters, against 50,826 for the MLP),
# trained with Adam on a warm-up + cosine schedule, one-pixel random shifts and early
# stopping on the validation loss, reaches 98.9% test accuracy here (356 of 360 images)
# against the re-trained MLP's 97.8% (352), on the same split; the notebook asserts at
# least 98.5% and more than the MLP, so a regression fails the build. The margin is small
# in images: 98.5% allows 5 mistakes, and another seed moves the count by one or two.
# Weight sharing, translation equivariance and locality let the CNN learn more from
# fewer examples with fewer parameters.
