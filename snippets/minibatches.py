"""Mini-batches: shuffle the training set once per epoch, then cut it into batches.

Mini-batch gradient descent takes one step per batch of ``batch_size`` examples:
``batch_size = N`` is (full-)batch gradient descent, ``batch_size = 1`` is stochastic
gradient descent. Building the batches takes two steps: shuffle X and y with *one*
permutation, so every example keeps its label; then partition them in order. When N is
not a multiple of the batch size, the last batch is smaller; it is kept by default (set
``drop_last=True`` to drop it, as PyTorch's ``DataLoader`` can).

Convention: examples are rows (batch-first, ``X`` of shape (N, ...)); Andrew Ng's course
stores them as columns, shape (features, N), and shuffles with ``X[:, permutation]``.

Reference: Andrew Ng, "Improving Deep Neural Networks", Coursera, week 2 (mini-batch
gradient descent); Goodfellow, Bengio and Courville, "Deep Learning", MIT Press 2016,
section 8.1.3.
"""

import math

import numpy as np


# --8<-- [start:partition]
def shuffle_and_partition(X, y, batch_size, rng, drop_last=False):
    """Shuffle ``X`` and ``y`` with one permutation and cut them into mini-batches.

    Parameters
    ----------
    X : ndarray, shape (N, ...), any dtype
    y : ndarray, shape (N, ...), any dtype (class indices, targets, one-hot rows)
    batch_size : int >= 1
        A batch size larger than N gives a single batch of N examples.
    rng : numpy.random.Generator
        Draws the permutation: a new one at every call, i.e. every epoch.
    drop_last : bool
        Drop the last batch when it has fewer than ``batch_size`` examples (default:
        keep it).

    Returns
    -------
    list of (X_batch, y_batch) tuples
        ``ceil(N / batch_size)`` batches (``floor`` with ``drop_last``); each batch
        holds copies, in shuffled order, and ``X_batch[i]`` is still the example that
        ``y_batch[i]`` labels. ``X`` and ``y`` are not modified.
    """
    return list(iterate_minibatches(X, y, batch_size, rng, drop_last=drop_last))
# --8<-- [end:partition]


# --8<-- [start:iterate]
def iterate_minibatches(X, y, batch_size, rng, drop_last=False):
    """Generator form of :func:`shuffle_and_partition`: yields one
    ``(X_batch, y_batch)`` at a time.

    The arguments are checked and the permutation is drawn when the generator is
    created, not at the first ``next()``.

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N, ...)
    batch_size : int >= 1
    rng : numpy.random.Generator
    drop_last : bool

    Returns
    -------
    generator of (X_batch, y_batch) tuples
    """
    X, y = _check_examples(X, y)
    _check_int(batch_size, "batch_size", 1)
    _check_rng(rng)
    # One permutation indexes both arrays: X[i] and y[i] stay together.
    permutation = rng.permutation(X.shape[0])
    n_batches = iterations_per_epoch(X.shape[0], batch_size, drop_last)
    return _batches(X, y, permutation, batch_size, n_batches)


def _batches(X, y, permutation, batch_size, n_batches):
    for k in range(n_batches):
        idx = permutation[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]
# --8<-- [end:iterate]


# --8<-- [start:iterations]
def iterations_per_epoch(n_examples, batch_size, drop_last=False):
    """Number of mini-batches (parameter updates) in one epoch, i.e. one pass over the
    data.

    Parameters
    ----------
    n_examples : int >= 1
    batch_size : int >= 1
    drop_last : bool

    Returns
    -------
    int : ``ceil(n_examples / batch_size)``, or ``floor`` when the last partial batch
        is dropped
    """
    _check_int(n_examples, "n_examples", 1)
    _check_int(batch_size, "batch_size", 1)
    if _check_bool(drop_last, "drop_last"):
        return int(n_examples // batch_size)
    return math.ceil(n_examples / batch_size)
# --8<-- [end:iterations]


def _check_examples(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1 or y.ndim < 1:
        raise ValueError("X and y must be at least 1-D with examples along axis 0, "
                         f"got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of examples, "
                         f"got {X.shape[0]} and {y.shape[0]}")
    if X.shape[0] < 1:
        raise ValueError("X must hold at least one example, got 0")
    return X, y


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")
