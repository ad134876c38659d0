"""Objective (loss) functions and their gradients.

Regression uses the mean squared error. Classification losses take *logits* (scores
before any sigmoid or softmax) and fold the activation into the loss, which is both
simpler to differentiate and stable for large scores. One label per example: softmax
cross-entropy. Any number of labels per example (multi-label): one independent sigmoid
per label with binary cross-entropy, never a softmax, which forces the labels to compete
for a total probability of 1.

Conventions: ``reduction="mean"`` averages over every element, as PyTorch's ``MSELoss``
and ``BCEWithLogitsLoss`` do by default (for multi-label targets of shape (N, K) that is
a mean over N*K terms, not over N); ``CrossEntropyLoss`` averages over the N examples.
``reduction="sum"`` adds instead. The MSE has no factor 1/2 (Andrew Ng's course uses
one; it only rescales the gradient by 2).

References: Goodfellow, Bengio and Courville, "Deep Learning", MIT Press 2016, sections
6.2.2 (sigmoid and softmax output units) and 3.13 (the softplus form of the
log-sigmoid).
"""

import numpy as np


# --8<-- [start:mse]
def mse(y_pred, y_true, reduction="mean"):
    """Mean squared error ``mean((y_pred - y_true)**2)`` over all elements.

    Parameters
    ----------
    y_pred, y_true : ndarray of float, same shape, e.g. (N, outputs)
    reduction : {"mean", "sum"}

    Returns
    -------
    float : the loss, a Python float (no factor 1/2)
    """
    y_pred, y_true = _check_pair(y_pred, y_true, "y_pred", "y_true")
    return _reduce((y_pred - y_true) ** 2, reduction)


def mse_grad(y_pred, y_true, reduction="mean"):
    """Gradient of :func:`mse` with respect to ``y_pred``:
    ``2 (y_pred - y_true) / n_elements``.

    Parameters
    ----------
    y_pred, y_true : ndarray of float, same shape
    reduction : {"mean", "sum"}

    Returns
    -------
    ndarray, shape and dtype of ``y_pred``
    """
    y_pred, y_true = _check_pair(y_pred, y_true, "y_pred", "y_true")
    return 2 * (y_pred - y_true) / _count(y_pred.size, reduction, y_pred.dtype)
# --8<-- [end:mse]


# --8<-- [start:bce]
def bce_with_logits(logits, targets, reduction="mean"):
    """Binary cross-entropy of ``sigmoid(logits)`` against ``targets``, from the logits.

    Per element, ``-[y log s + (1 - y) log(1 - s)]`` with ``s = sigmoid(z)`` equals
    ``max(z, 0) - z y + log(1 + exp(-|z|))``, which never overflows and never takes
    ``log(0)``. With targets of shape (N, K) this is the multi-label loss: K independent
    binary problems.

    Parameters
    ----------
    logits : ndarray of float, any shape, e.g. (N,) or (N, K)
        Scores *before* the sigmoid. Passing probabilities applies the sigmoid twice.
    targets : ndarray of float, same shape, values in [0, 1]
    reduction : {"mean", "sum"}
        "mean" averages over all elements (PyTorch's ``BCEWithLogitsLoss`` default).

    Returns
    -------
    float : the loss, non-negative for 0/1 targets
    """
    z, y = _check_pair(logits, targets, "logits", "targets")
    _check_unit_interval(y, "targets")
    per_element = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _reduce(per_element, reduction)


def bce_with_logits_grad(logits, targets, reduction="mean"):
    """Gradient of :func:`bce_with_logits` with respect to the logits:
    ``(sigmoid(z) - y) / n``.

    Parameters
    ----------
    logits : ndarray of float, any shape
    targets : ndarray of float, same shape, values in [0, 1]
    reduction : {"mean", "sum"}

    Returns
    -------
    ndarray, shape and dtype of ``logits``
    """
    z, y = _check_pair(logits, targets, "logits", "targets")
    _check_unit_interval(y, "targets")
    return (_sigmoid(z) - y) / _count(z.size, reduction, z.dtype)
# --8<-- [end:bce]


# --8<-- [start:softmax_ce]
def softmax_cross_entropy(logits, labels, reduction="mean"):
    """Cross-entropy of ``softmax(logits)`` against one class per example, from the
    logits.

    Per example, ``-log softmax(z)[label] = logsumexp(z) - z[label]``, computed with the
    maximum subtracted so that it never overflows.

    Parameters
    ----------
    logits : ndarray of float, shape (N, K)
    labels : ndarray of int, shape (N,), values in [0, K)
        Class indices, as PyTorch's ``CrossEntropyLoss`` takes them; or float class
        probabilities of shape (N, K) whose rows sum to 1 (soft targets).
    reduction : {"mean", "sum"}
        "mean" averages over the N examples (PyTorch's default).

    Returns
    -------
    float : the loss, non-negative
    """
    z, p = _check_logits_and_labels(logits, labels)
    log_probs = _log_softmax(z)
    return _reduce(-np.sum(p * log_probs, axis=1), reduction)


def softmax_cross_entropy_grad(logits, labels, reduction="mean"):
    """Gradient of :func:`softmax_cross_entropy` with respect to the logits:
    ``(softmax(z) - p) / N``.

    Parameters
    ----------
    logits : ndarray of float, shape (N, K)
    labels : ndarray of int, shape (N,), or float class probabilities of shape (N, K)
    reduction : {"mean", "sum"}

    Returns
    -------
    ndarray, shape (N, K), dtype of ``logits``
    """
    z, p = _check_logits_and_labels(logits, labels)
    return (np.exp(_log_softmax(z)) - p) / _count(z.shape[0], reduction, z.dtype)
# --8<-- [end:softmax_ce]


# --8<-- [start:multilabel]
def multilabel_predict(logits, threshold=0.5):
    """Multi-label output: one independent sigmoid per label, then a threshold per
    label.

    Each label's probability depends on its own logit only, so several labels can be
    near 1 at once (a photo with both a cloud and a road). Train with
    :func:`bce_with_logits` on 0/1 targets of shape (N, K).

    Parameters
    ----------
    logits : ndarray of float, shape (N, K)
    threshold : float in (0, 1)
        A label is predicted when its probability is at least this.

    Returns
    -------
    probabilities : ndarray, shape (N, K), dtype of ``logits``; rows need not sum to 1
    predicted : ndarray of bool, shape (N, K)
    """
    z = _check_float_array(logits, "logits", ndim=2)
    _check_number(threshold, "threshold", 0, 1, low_open=True, high_open=True)
    probabilities = _sigmoid(z)
    return probabilities, probabilities >= threshold
# --8<-- [end:multilabel]


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _reduce(values, reduction):
    _check_reduction(reduction)
    return float(np.mean(values) if reduction == "mean" else np.sum(values))


def _count(n, reduction, dtype):
    _check_reduction(reduction)
    return dtype.type(n if reduction == "mean" else 1)


def _check_reduction(reduction):
    _check_choice(reduction, "reduction", ("mean", "sum"))


def _check_pair(a, b, name_a, name_b):
    a = _check_float_array(a, name_a)
    b = _check_float_array(b, name_b)
    if a.shape != b.shape:
        raise ValueError(f"{name_b} must have the shape of {name_a}, {a.shape}, "
                         f"got {b.shape}")
    return a, b.astype(a.dtype, copy=False)


def _check_unit_interval(y, name):
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{name} must be in [0, 1], got values from {y.min()} "
                         f"to {y.max()}")


def _check_logits_and_labels(logits, labels):
    z = _check_float_array(logits, "logits", ndim=2)
    n, k = z.shape
    labels = np.asarray(labels)
    if np.issubdtype(labels.dtype, np.integer):
        if labels.shape != (n,):
            raise ValueError(f"integer labels must have shape ({n},) to match logits, "
                             f"got {labels.shape}")
        if np.any((labels < 0) | (labels >= k)):
            raise ValueError(f"labels must be class indices in [0, {k}), "
                             f"got values from {labels.min()} to {labels.max()}")
        p = np.zeros_like(z)
        p[np.arange(n), labels] = 1
        return z, p
    if np.issubdtype(labels.dtype, np.floating):
        p = _check_float_array(labels, "labels")
        if p.shape != z.shape:
            raise ValueError("probability labels must have the shape of logits "
                             f"{z.shape}, got {p.shape}")
        _check_unit_interval(p, "labels")
        if not np.allclose(p.sum(axis=1), 1, atol=1e-5):
            raise ValueError("probability labels must sum to 1 in every row (for "
                             "several labels per example, use bce_with_logits, "
                             "not a softmax)")
        return z, p.astype(z.dtype, copy=False)
    raise TypeError("labels must be int class indices or float probabilities, "
                    f"got dtype {labels.dtype}")


def _check_float_array(x, name, ndim=None, shape=None):
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a float array (float32 or float64), "
                        f"got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    if shape is not None and x.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return x


def _check_number(value, name, low=-np.inf, high=np.inf, low_open=False,
                  high_open=False):
    left = "(" if low_open or low == -np.inf else "["
    right = ")" if high_open or high == np.inf else "]"
    interval = f"{left}{low:g}, {high:g}{right}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in {interval}, "
                        f"got {type(value).__name__}")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (np.isfinite(value) and above and below):  # NaN fails every comparison
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
