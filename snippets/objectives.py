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
``reduction="sum"`` adds instead and ``reduction="none"`` returns one loss per element
(per example for the cross-entropy). The MSE has no factor 1/2 (Andrew Ng's course uses
one; it only rescales the gradient by 2).

The options of PyTorch's losses are here with PyTorch's meaning: ``pos_weight`` and
``weight`` of ``BCEWithLogitsLoss``; ``weight``, ``ignore_index`` and
``label_smoothing`` of ``CrossEntropyLoss``. With class weights, ``CrossEntropyLoss``'s
"mean" divides by the sum of the weights of the examples' labels, not by N.

References: Goodfellow, Bengio and Courville, "Deep Learning", MIT Press 2016, sections
6.2.2 (sigmoid and softmax output units) and 3.13 (the softplus form of the
log-sigmoid); Szegedy et al., "Rethinking the Inception Architecture for Computer
Vision", CVPR 2016, section 7 (label smoothing).
"""

import numpy as np


# --8<-- [start:mse]
def mse(y_pred, y_true, reduction="mean"):
    """Mean squared error ``mean((y_pred - y_true)**2)`` over all elements.

    Parameters
    ----------
    y_pred, y_true : ndarray of float, same shape, e.g. (N, outputs)
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    float : the loss, a Python float (no factor 1/2); for "none", an ndarray of the
        squared errors, shape and dtype of ``y_pred``
    """
    y_pred, y_true = _check_pair(y_pred, y_true, "y_pred", "y_true")
    return _reduce((y_pred - y_true) ** 2, reduction)


def mse_grad(y_pred, y_true, reduction="mean"):
    """Gradient of :func:`mse` with respect to ``y_pred``:
    ``2 (y_pred - y_true) / n_elements``.

    Parameters
    ----------
    y_pred, y_true : ndarray of float, same shape
    reduction : {"mean", "sum", "none"}
        "none": each element's derivative of its own loss (as "sum").

    Returns
    -------
    ndarray, shape and dtype of ``y_pred``
    """
    y_pred, y_true = _check_pair(y_pred, y_true, "y_pred", "y_true")
    return 2 * (y_pred - y_true) / _count(y_pred.size, reduction, y_pred.dtype)
# --8<-- [end:mse]


# --8<-- [start:bce]
def bce_with_logits(logits, targets, reduction="mean", *, weight=None,
                    pos_weight=None):
    """Binary cross-entropy of ``sigmoid(logits)`` against ``targets``, from the logits.

    Per element, ``-w [p y log s + (1 - y) log(1 - s)]`` with ``s = sigmoid(z)`` equals
    ``w [(1 - y) z + (p y + 1 - y) softplus(-z)]``, and ``softplus(-z) =
    max(-z, 0) + log(1 + exp(-|z|))`` never overflows and never takes ``log(0)``. With
    targets of shape (N, K) this is the multi-label loss: K independent binary problems.

    Parameters
    ----------
    logits : ndarray of float, any shape, e.g. (N,) or (N, K)
        Scores *before* the sigmoid. Passing probabilities applies the sigmoid twice.
    targets : ndarray of float, same shape, values in [0, 1]
    reduction : {"mean", "sum", "none"}
        "mean" averages over all elements (PyTorch's ``BCEWithLogitsLoss`` default),
        whatever the weights; "none" returns the loss of every element.
    weight : None or ndarray of float >= 0, broadcastable to ``logits``' shape
        ``w``: a factor on each element's loss (PyTorch's ``weight``).
    pos_weight : None or ndarray of float >= 0, broadcastable to ``logits``' shape
        ``p``: a factor on the positive term only, e.g. shape (K,), one per label:
        ``p = n_negative / n_positive`` balances a rare label (PyTorch's
        ``pos_weight``).

    Returns
    -------
    float : the loss, non-negative for 0/1 targets; for "none", an ndarray of the
        shape and dtype of ``logits``
    """
    z, y, w, pw = _check_bce_inputs(logits, targets, weight, pos_weight)
    softplus_neg = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))  # -log sigmoid(z)
    per_element = w * ((1 - y) * z + (pw * y + 1 - y) * softplus_neg)
    return _reduce(per_element, reduction)


def bce_with_logits_grad(logits, targets, reduction="mean", *, weight=None,
                         pos_weight=None):
    """Gradient of :func:`bce_with_logits` with respect to the logits:
    ``w [(p y + 1 - y) sigmoid(z) - p y] / n``, which is ``(sigmoid(z) - y) / n``
    without weights.

    Parameters
    ----------
    logits : ndarray of float, any shape
    targets : ndarray of float, same shape, values in [0, 1]
    reduction : {"mean", "sum", "none"}
        "none": each element's derivative of its own loss (as "sum").
    weight, pos_weight : None or ndarray of float >= 0, broadcastable to the logits
        As in :func:`bce_with_logits`.

    Returns
    -------
    ndarray, shape and dtype of ``logits``
    """
    z, y, w, pw = _check_bce_inputs(logits, targets, weight, pos_weight)
    grad = w * ((pw * y + 1 - y) * _sigmoid(z) - pw * y)
    return grad / _count(z.size, reduction, z.dtype)
# --8<-- [end:bce]


# --8<-- [start:softmax_ce]
def softmax_cross_entropy(logits, labels, reduction="mean", *, weight=None,
                          ignore_index=None, label_smoothing=0.0):
    """Cross-entropy of ``softmax(logits)`` against one class per example, from the
    logits.

    Per example, ``-sum_k w_k q_k log softmax(z)_k``, with the target distribution
    ``q = (1 - eps) onehot(label) + eps / K`` (label smoothing) and the class weights
    ``w`` (all 1 by default); without either, ``logsumexp(z) - z[label]``. The
    log-softmax is computed with the maximum subtracted so that it never overflows.
    This is PyTorch's ``CrossEntropyLoss`` with the same options.

    Parameters
    ----------
    logits : ndarray of float, shape (N, K)
    labels : ndarray of int, shape (N,), values in [0, K) or ``ignore_index``
        Class indices, as PyTorch's ``CrossEntropyLoss`` takes them; or float class
        probabilities of shape (N, K) whose rows sum to 1 (soft targets).
    reduction : {"mean", "sum", "none"}
        "mean" divides the sum by the total weight of the examples' labels,
        ``sum_i w[label_i]`` over the examples not ignored (N without weights, or for
        soft targets), as PyTorch does; "none" returns the loss of every example.
    weight : None or ndarray of float >= 0, shape (K,)
        One weight per class (PyTorch's ``weight``).
    ignore_index : None or int
        Examples with this label count for nothing, neither in the sum nor in the
        mean's divisor (padding tokens); PyTorch's default is -100, ours is None: no
        label is ignored. Class indices only.
    label_smoothing : float in [0, 1]
        ``eps``: the share of the target spread uniformly over the K classes.

    Returns
    -------
    float : the loss, non-negative; for "none", an ndarray of shape (N,), dtype of
        ``logits`` (0 for ignored examples)

    Raises
    ------
    ValueError
        Also for "mean" when every label is ignored or their weights sum to 0: the
        mean of nothing, which PyTorch returns as NaN.
    """
    z, q, w, divisor = _check_cross_entropy(logits, labels, reduction, weight,
                                            ignore_index, label_smoothing)
    per_example = -np.sum(w * q * _log_softmax(z), axis=1)
    if reduction == "none":
        return per_example
    return float(np.sum(per_example) / divisor)


def softmax_cross_entropy_grad(logits, labels, reduction="mean", *, weight=None,
                               ignore_index=None, label_smoothing=0.0):
    """Gradient of :func:`softmax_cross_entropy` with respect to the logits:
    ``(softmax(z) sum_k w_k q_k - w q) / divisor``, which is ``(softmax(z) - p) / N``
    without weights or smoothing.

    Parameters
    ----------
    logits : ndarray of float, shape (N, K)
    labels : ndarray of int, shape (N,), or float class probabilities of shape (N, K)
    reduction : {"mean", "sum", "none"}
        "none": each example's derivative of its own loss (as "sum").
    weight, ignore_index, label_smoothing
        As in :func:`softmax_cross_entropy`; ignored examples get a zero gradient.

    Returns
    -------
    ndarray, shape (N, K), dtype of ``logits``
    """
    z, q, w, divisor = _check_cross_entropy(logits, labels, reduction, weight,
                                            ignore_index, label_smoothing)
    wq = w * q
    grad = np.exp(_log_softmax(z)) * wq.sum(axis=1, keepdims=True) - wq
    return grad / divisor
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
    if reduction == "none":
        return values
    return float(np.mean(values) if reduction == "mean" else np.sum(values))


def _count(n, reduction, dtype):
    _check_reduction(reduction)
    return dtype.type(n if reduction == "mean" else 1)


def _check_reduction(reduction):
    _check_choice(reduction, "reduction", ("mean", "sum", "none"))


def _check_weights(weight, name, dtype, shape=None, broadcast_to=None):
    """None (all ones) or a finite, non-negative float array, in ``dtype``."""
    if weight is None:
        return dtype.type(1)
    w = _check_float_array(weight, name, shape=shape)
    if broadcast_to is not None:
        try:
            fits = np.broadcast_shapes(w.shape, broadcast_to) == broadcast_to
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{name} must broadcast to the logits' shape "
                             f"{broadcast_to}, got {w.shape}")
    if np.any(w < 0):
        raise ValueError(f"{name} must be >= 0, got a minimum of {w.min()}")
    return w.astype(dtype, copy=False)


def _check_bce_inputs(logits, targets, weight, pos_weight):
    z, y = _check_pair(logits, targets, "logits", "targets")
    _check_unit_interval(y, "targets")
    w = _check_weights(weight, "weight", z.dtype, broadcast_to=z.shape)
    pw = _check_weights(pos_weight, "pos_weight", z.dtype, broadcast_to=z.shape)
    return z, y, w, pw


# --8<-- [start:ce_targets]
def _check_cross_entropy(logits, labels, reduction, weight, ignore_index,
                         label_smoothing):
    """Checked logits, the smoothed targets q (zero rows for ignored examples), the
    class weights and the divisor of the mean."""
    _check_reduction(reduction)
    _check_ignore_index(ignore_index)
    eps = _check_number(label_smoothing, "label_smoothing", 0, 1)
    z = _check_float_array(logits, "logits", ndim=2)
    n, k = z.shape
    w = _check_weights(weight, "weight", z.dtype, shape=(k,))
    c = z.dtype.type
    if np.issubdtype(np.asarray(labels).dtype, np.integer):
        labels = np.asarray(labels)
        kept = np.full(labels.shape, True) if ignore_index is None else (
            labels != ignore_index)
        z, p = _check_logits_and_labels(z, np.where(kept, labels, 0))
        p[~kept] = 0
        q = c(1 - eps) * p + c(eps / k) * kept[:, None].astype(z.dtype)
        divisor = np.sum(p * w)  # the weights of the labels kept: N without weights
        if reduction == "mean" and not divisor > 0:
            raise ValueError("labels must keep at least one example of non-zero weight "
                             "for reduction='mean', got every label equal to "
                             "ignore_index or of weight 0 (PyTorch returns NaN)")
    else:
        z, p = _check_logits_and_labels(z, labels)
        if ignore_index is not None:
            raise ValueError("ignore_index must be None with probability labels, "
                             f"got {ignore_index} (PyTorch refuses it too)")
        q = c(1 - eps) * p + c(eps / k)
        divisor = n  # PyTorch divides by N for probability targets, even with weights
    return z, q, w, c(divisor if reduction == "mean" else 1)
# --8<-- [end:ce_targets]


def _check_ignore_index(ignore_index):
    if ignore_index is None:
        return
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(
            ignore_index, (int, np.integer)):
        raise TypeError("ignore_index must be None or an integer (a label value), "
                        f"got {type(ignore_index).__name__}")


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
            raise ValueError(f"labels must be class indices in [0, {k}) or "
                             f"ignore_index, got values from {labels.min()} to "
                             f"{labels.max()}")
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
