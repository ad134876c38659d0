"""L2 regularization of a dense network's weight matrices.

Add ``lambd / (2 m) * sum ||W||^2`` to the cost; its derivative adds ``lambd / m * W`` to each weight
gradient, which shrinks the weights a little at every gradient step ("weight decay"). Biases are not
penalized: only parameters whose key starts with ``"W"`` are.

Convention: ``lambd`` (``lambda`` is a Python keyword) as in Andrew Ng's course, ``m`` the number of
training examples the cost averages over. PyTorch's ``weight_decay`` in ``torch.optim.SGD`` adds
``weight_decay * W`` to the gradient, so it plays the role of ``lambd / m`` here, and it decays the
biases too unless they are put in a parameter group without it.

Reference: Krogh and Hertz, "A Simple Weight Decay Can Improve Generalization", NIPS 1991.
"""

import numbers

import numpy as np


# --8<-- [start:cost]
def l2_cost(params, lambd, m):
    """The L2 term of the cost: ``lambd / (2 m)`` times the sum of squared weights.

    Parameters
    ----------
    params : dict of str to ndarray of float
        ``{"W1": (n1, n0), "b1": (n1,), ...}``. Only the keys that start with ``"W"``
        are penalized.
    lambd : float >= 0
        Regularization strength (0 switches regularization off).
    m : int > 0
        Number of examples the data cost is averaged over: the training-set size N
        (the course's m), not the size of a mini-batch.

    Returns
    -------
    float scalar, in the weights' dtype (float32 weights give a float32 cost).
        Add it to the data cost (e.g. the cross-entropy averaged over ``m`` examples).
    """
    weights = _weights(_check_params(params, "params"))
    lambd = _check_lambd(lambd)
    m = _check_m(m)
    dtype = np.result_type(*weights.values())
    squares = sum(np.sum(np.square(W), dtype=dtype) for W in weights.values())
    return dtype.type(lambd / (2 * m)) * squares
# --8<-- [end:cost]


# --8<-- [start:grads]
def l2_grads(params, grads, lambd, m):
    """Add the L2 term's gradient ``lambd / m * W`` to each weight gradient.

    Parameters
    ----------
    params : dict of str to ndarray of float
        The parameters, ``{"W1": ..., "b1": ...}``.
    grads : dict of str to ndarray of float
        Gradients of the data cost, with the same keys and shapes as ``params``.
    lambd : float >= 0
    m : int > 0
        The training-set size N, as in :func:`l2_cost`, also when ``grads`` come from a
        mini-batch: the penalty's pull is then the same at every step.

    Returns
    -------
    dict
        New gradients (the inputs are not modified): for the weights
        ``grads[k] + lambd / m * params[k]``, for the biases a copy of ``grads[k]``
        (biases are not decayed).
    """
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    _check_same_layout(params, grads)
    lambd = _check_lambd(lambd)
    m = _check_m(m)
    out = {}
    for key, g in grads.items():
        if key.startswith("W"):
            # d/dW [lambd/(2m) sum(W**2)] = lambd/m W: the square's 2 cancels the 1/2.
            out[key] = g + g.dtype.type(lambd / m) * params[key]
        else:
            out[key] = g.copy()
    return out
# --8<-- [end:grads]


def _weights(params):
    weights = {key: value for key, value in params.items() if key.startswith("W")}
    if not weights:
        raise ValueError(f"params has no weight matrices (keys starting with 'W'), got keys {list(params)}")
    return weights


def _check_params(params, name):
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict of arrays like {{'W1': ..., 'b1': ...}}, "
                        f"got {type(params).__name__}")
    checked = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings like 'W1', got {key!r}")
        value = np.asarray(value)
        if not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"{name}[{key!r}] must be a float array (float32 or float64), "
                            f"got dtype {value.dtype}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}[{key!r}] must be finite, got NaN or inf")
        checked[key] = value
    return checked


def _check_same_layout(params, grads):
    if set(params) != set(grads):
        raise ValueError(f"grads must have the same keys as params: params has {sorted(params)}, "
                         f"grads has {sorted(grads)}")
    for key in params:
        if params[key].shape != grads[key].shape:
            raise ValueError(f"grads[{key!r}] has shape {grads[key].shape}, params[{key!r}] has "
                             f"shape {params[key].shape}: they must match")


def _check_lambd(lambd):
    if isinstance(lambd, bool) or not isinstance(lambd, numbers.Real):
        raise TypeError(f"lambd must be a number >= 0, got {type(lambd).__name__}")
    if not (np.isfinite(lambd) and lambd >= 0):
        raise ValueError(f"lambd must be a finite number >= 0, got {lambd}")
    return float(lambd)


def _check_m(m):
    if isinstance(m, bool) or not isinstance(m, numbers.Integral):
        raise TypeError(f"m must be a positive int (the number of examples), got {type(m).__name__}")
    if m < 1:
        raise ValueError(f"m must be a positive int (the number of examples), got {m}")
    return int(m)
