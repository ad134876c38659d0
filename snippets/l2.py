"""L2 regularization of a dense network's weight matrices.

Add ``lambd / (2 m) * sum ||W||^2`` to the cost; its derivative adds ``lambd / m * W``
to each weight gradient, which shrinks the weights a little at every gradient step
("weight decay"). Biases are not
penalized: only parameters whose key starts with ``"W"`` are.

Convention: ``lambd`` (``lambda`` is a Python keyword) as in Andrew Ng's course, ``m``
the number of training examples the cost averages over. PyTorch's ``weight_decay`` in
``torch.optim.SGD`` adds ``weight_decay * W`` to the gradient, so it plays the role of
``lambd / m`` here, and it decays the biases too unless they are put in a parameter
group without it.

Reference: Krogh and Hertz, "A Simple Weight Decay Can Improve Generalization", NIPS
1991.
"""

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
    lambd = _check_number(lambd, "lambd", 0)
    m = _check_int(m, "m", 1)
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
    _check_same_layout(params, grads, "grads")
    lambd = _check_number(lambd, "lambd", 0)
    m = _check_int(m, "m", 1)
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
        raise ValueError("params has no weight matrices (keys starting with 'W'), "
                         f"got keys {list(params)}")
    return weights


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


def _check_params(params, name):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"{name} must be a non-empty dict of float arrays, "
                        f"got {type(params).__name__}")
    for key in params:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings like 'W1', got {key!r}")
    return {key: _check_float_array(value, f"{name}[{key!r}]")
            for key, value in params.items()}


def _check_same_layout(params, other, name, reference="params"):
    if set(other) != set(params):
        raise ValueError(f"{name} must have the same keys as {reference}: "
                         f"{sorted(params)}, got {sorted(other)}")
    for key, p in params.items():
        if other[key].shape != p.shape or other[key].dtype != p.dtype:
            raise ValueError(f"{name}[{key!r}] must have shape {p.shape} and dtype "
                             f"{p.dtype} like {reference}, got {other[key].shape} "
                             f"{other[key].dtype}")


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


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)
