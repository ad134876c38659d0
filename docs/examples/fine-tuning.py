# %% [markdown]
# # Worked example: fine-tuning on ten examples per class
#
# **Question.** A network pre-trained on the handwritten digits 0 to 4 meets the digits 5 to 9 with
# only ten labelled images of each. Which works best on the new digits: training a new head on the
# frozen pre-trained features (feature extraction), fine-tuning every layer, or training the same
# network from scratch on the fifty images?
#
# The data set is the 1,797 handwritten digits (8 × 8 grey images) that ship inside scikit-learn, split
# as in [the digits example](../digits/): 20% held out as the test set. The *source* task is to tell
# the digits 0 to 4 apart (all 721 images of the other 80%); the *target* task is to tell 5 to 9 apart
# from ten images per class drawn from that 80%, and is scored on the 180 test images of 5 to 9. The
# three approaches of [Transfer learning](../../practice/transfer-learning/) use the functions of
# `snippets/transfer.py`. Every random choice comes from a seeded generator: the numbers on this page
# are the ones you get.

# %%
import base64
import io
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from snippets.initialization import init_params
from snippets.minibatches import shuffle_and_partition
from snippets.mlp import mlp_backward, mlp_forward, mlp_predict
from snippets.momentum import init_momentum_state, momentum_step
from snippets.standardization import fit_transform, standardize
from snippets.transfer import (
    discriminative_sgd_step,
    freeze,
    layer_learning_rates,
    mask_gradients,
    replace_head,
)

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
# Hold out 20% as the test set, as in the digits example.
X_dev, X_test, y_dev, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                stratify=y)
source, target = y_dev < 5, y_dev >= 5
X_source, y_source = X_dev[source], y_dev[source]
X_pool, y_pool = X_dev[target], y_dev[target] - 5  # the new classes, relabelled 0 to 4
print(f"source: {len(X_source)} images of 0-4; target pool: {len(X_pool)} images of "
      f"5-9, of which we may use 10 per class; test: {np.sum(y_test >= 5)} images "
      "of 5-9")

# %% [markdown]
# ## Pre-training on the digits 0 to 4
#
# A 64-128-64-5 ReLU network, He-initialized, trained for 20 epochs with SGD with momentum
# (learning rate 0.05, $\beta = 0.9$, mini-batches of 32) on the standardized source images. The
# standardization statistics are part of the pre-trained model: the target images reuse them, as a
# pre-trained image network reuses the mean and standard deviation of its training set.

# %%
LAYERS = [64, 128, 64, 5]
X_source_std, mean, std = fit_transform(X_source)
params = init_params(LAYERS, "he_normal", np.random.default_rng(0))
state = init_momentum_state(params)
rng = np.random.default_rng(1)
for _ in range(20):
    for X_batch, Y_batch in shuffle_and_partition(X_source_std, np.eye(5)[y_source], 32,
                                                  rng):
        out, cache = mlp_forward(params, X_batch)
        grads = mlp_backward(params, cache, Y_batch)
        params, state = momentum_step(params, grads, state, lr=0.05, beta=0.9)
pretrained = params
old = y_test < 5
source_accuracy = np.mean(mlp_predict(pretrained, standardize(X_test[old], mean, std))
                          == y_test[old])
print(f"pre-trained network, test accuracy on 0-4: {source_accuracy:.3f}")
assert source_accuracy > 0.95, source_accuracy

# %% [markdown]
# ## Three ways to learn the digits 5 to 9 from fifty images
#
# Each way trains for 300 full-batch steps of SGD (`discriminative_sgd_step`) on the same fifty
# images, with a learning rate of 0.1 for the head:
#
# - **feature extraction**: the pre-trained body (`W1, b1, W2, b2`) frozen, a new head
#   (`replace_head`, initialized as `torch.nn.Linear`) trained alone;
# - **fine-tuning**: the same new head, and every layer trains, with discriminative rates
#   (`layer_learning_rates`: 0.1 for the head, $0.1/2.6$ for the layer below, $0.1/2.6^2$ for the
#   first);
# - **from scratch**: the same architecture, He-initialized, every layer at 0.1.
#
# The hyperparameters are not tuned: with ten images per class there is no validation set worth the
# name, and the same settings serve all three. Five seeded draws of the ten images per class show how
# much the answer depends on which images we happen to have.

# %%
BODY = ["W1", "b1", "W2", "b2"]
STEPS, LR, DRAWS, PER_CLASS = 300, 0.1, 5, 10
X_new_test, y_new_test = standardize(X_test[~old], mean, std), y_test[~old] - 5


def draw(per_class, seed):
    rng = np.random.default_rng(seed)
    index = np.concatenate([rng.choice(np.flatnonzero(y_pool == c), per_class,
                                       replace=False) for c in range(5)])
    return standardize(X_pool[index], mean, std), y_pool[index]


def start(method, seed):
    """Initial parameters, trainable mask and learning rates of each way."""
    rng = np.random.default_rng(100 + seed)
    if method == "from scratch":
        params = init_params(LAYERS, "he_normal", rng)
        return params, freeze(params, []), layer_learning_rates(params, LR, decay=1.0)
    params = replace_head(pretrained, 5, rng)
    if method == "feature extraction":
        return params, freeze(params, BODY), layer_learning_rates(params, LR, decay=1.0)
    return params, freeze(params, []), layer_learning_rates(params, LR, decay=2.6)


def fine_tune(method, X_few, y_few, seed):
    params, trainable, lrs = start(method, seed)
    Y = np.eye(5)[y_few]
    for _ in range(STEPS):
        out, cache = mlp_forward(params, X_few)
        # the frozen parameters' gradients are dropped, not zeroed
        grads = mask_gradients(mlp_backward(params, cache, Y), trainable)
        params = discriminative_sgd_step(params, grads, lrs)
    return params


METHODS = ("feature extraction", "fine-tuning", "from scratch")
accuracy = {method: [] for method in METHODS}
for seed in range(DRAWS):
    X_few, y_few = draw(PER_CLASS, seed)
    for method in METHODS:
        params = fine_tune(method, X_few, y_few, seed)
        if method == "feature extraction":  # the frozen body did not move, bit for bit
            assert all(np.array_equal(params[k], pretrained[k]) for k in BODY)
        accuracy[method].append(np.mean(mlp_predict(params, X_new_test) == y_new_test))
mean_accuracy = {method: float(np.mean(accs)) for method, accs in accuracy.items()}
for method, accs in accuracy.items():
    print(f"{method:19s} test accuracy on 5-9: mean {mean_accuracy[method]:.3f}, "
          f"draws {', '.join(f'{a:.3f}' for a in accs)}")

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
for i, method in enumerate(METHODS):
    ax.bar(i, mean_accuracy[method], color=f"C{i}", alpha=0.6, width=0.6)
    ax.plot(np.full(DRAWS, i) + np.linspace(-0.15, 0.15, DRAWS), accuracy[method], "o",
            color=f"C{i}", markersize=5)
    ax.text(i, 0.52, f"{mean_accuracy[method]:.1%}", ha="center", fontsize=10)
ax.set(xticks=range(3), xticklabels=METHODS, ylim=(0.5, 1),
       ylabel="test accuracy on 5-9",
       title="Ten images per class of 5-9: bars the mean, dots the five draws")
show(fig, "Bar chart of the test accuracy on the digits 5 to 9, from 0.5 to 1, after "
          "training on ten images per class, for three ways: feature extraction "
          f"{mean_accuracy['feature extraction']:.1%}, fine-tuning "
          f"{mean_accuracy['fine-tuning']:.1%} and from scratch "
          f"{mean_accuracy['from scratch']:.1%} on average over five draws of the "
          "images, each draw a dot beside its bar; from scratch is highest, feature "
          "extraction lowest.")
# What the text below says, checked on the numbers above:
assert mean_accuracy["fine-tuning"] > mean_accuracy["feature extraction"] + 0.05
assert mean_accuracy["from scratch"] > mean_accuracy["fine-tuning"]
better = sum(s > f for s, f in zip(accuracy["from scratch"], accuracy["fine-tuning"],
                                   strict=True))
print(f"from scratch beats fine-tuning on {better} of {DRAWS} draws")
assert better == DRAWS
# The numbers the answer below states, in percent:
assert [round(100 * mean_accuracy[m], 1) for m in METHODS] == [75.0, 84.9, 89.6]

# %% [markdown]
# ## Reading the result
#
# Transfer did not pay here, and the reason is the one the CS231n notes give for their third case, a
# small target set that is *different* from the source: the features of the last hidden layer were
# trained to tell 0 to 4 apart and are specific to those shapes, so a linear head on them (feature
# extraction) is the worst of the three. Fine-tuning can move the body away from them and does
# clearly better. From scratch is better still, most likely because this input is small and easy: 64
# pixels, on which fifty images already train a good classifier, so the pre-trained weights bring no
# knowledge that the fifty images lack, only a starting point biased towards the old classes. This
# notebook does not isolate that cause: with untuned settings, the fine-tuned body also learns at the
# lower rates $0.1/2.6$ and $0.1/2.6^2$, where from scratch every layer learns at 0.1.
#
# Transfer pays when the pre-trained features are more general than what the small set can teach:
# pre-training on far more, and more varied, data than the new task has (an image network trained on
# ImageNet's million images, a language model), on inputs large enough that learning good features
# takes many examples. Then the order of the three is reversed; see the four cases on the
# [Transfer learning](../../practice/transfer-learning/) page. Try it: change `PER_CLASS`, or the
# split between source and target classes, and see whether the order changes.
#
# The network here has no batch normalization. If it had, fine-tuning on fifty images in training
# mode would also overwrite the running statistics learned on the 721 source images (the page's
# pitfall): feature extraction should then run the frozen body's batch-norm layers in evaluation
# mode.

# %% [markdown]
# **Answer.** On this problem, from scratch: with ten images per class of the digits 5 to 9 the
# same network trained from scratch reaches 89.6% test accuracy on average over five draws (and
# wins on each of them), full fine-tuning of the network pre-trained on 0 to 4 84.9%, and feature
# extraction (frozen body, new head) 75.0%. The pre-trained features are specific to the old
# classes and the 8 × 8 input is easy to learn from fifty images; transfer pays when the source is
# much larger and more general than the target, as ImageNet is for most image tasks. The notebook
# asserts the order (fine-tuning more than 5 points above feature extraction, from scratch above
# fine-tuning on every draw) and the three numbers, so a change that alters them fails the build.
