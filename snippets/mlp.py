"""A small multilayer perceptron, forward and backward, in NumPy.

ReLU hidden layers and a softmax (one class per example) or sigmoid (independent labels)
output, trained on the mean cross-entropy. The forward pass keeps a cache of what the
backward pass needs; the backward pass walks the layers in reverse and returns gradients
under the same keys as the params.

Convention: batch-first, as in PyTorch's ``nn.Linear``: activations ``A`` have shape (N,
features), ``W`` has shape (n_out, n_in) and ``Z = A @ W.T + b``. Andrew Ng's course
puts examples in columns instead (``Z = W A + b``, ``A`` of shape (features, N)); the
gradients are the same matrices transposed.

References: Rumelhart, Hinton and Williams, "Learning representations by
back-propagating errors", Nature 323, 1986; Andrew Ng, Deep Learning Specialization,
course 1.
"""

import numpy as np


# --8<-- [start:forward]
def mlp_forward(params, X, *, output="softmax", keep_prob=1.0, rng=None, training=True):
    """Forward pass: ReLU hidden layers, then a softmax or sigmoid output layer.

    Parameters
    ----------
    params : dict of str to ndarray
        ``{"W1", "b1", ..., "WL", "bL"}`` with ``Wl`` of shape (n_l, n_{l-1}) and ``bl``
        of shape (n_l,). All arrays and ``X`` share one float dtype (float32 or
        float64).
    X : ndarray of shape (N, n_0)
        A batch of inputs, one example per row.
    output : {"softmax", "sigmoid"}
        "softmax": probabilities over classes (rows sum to 1). "sigmoid": one
        independent probability per label (multi-label).
    keep_prob : float in (0, 1]
        Inverted dropout on the hidden activations when ``training``; 1.0 means no
        dropout.
    rng : numpy.random.Generator, required when training with ``keep_prob < 1``
    training : bool
        False switches dropout off (test time).

    Returns
    -------
    out : ndarray of shape (N, n_L), same dtype as ``X``
        Output probabilities.
    cache : dict
        What :func:`mlp_backward` needs: every layer's input ``A{l-1}``, pre-activation
        ``Z{l}``, dropout mask ``D{l}`` (or None), plus ``output`` and ``keep_prob``.

    Raises
    ------
    ValueError, TypeError
        For bad keys, shapes, dtypes, non-finite values, ``output``, ``keep_prob`` or
        ``rng``.
    """
    params, n_layers = _check_layers(params)
    X = _check_input(X, params)
    _check_output(output)
    _check_number(keep_prob, "keep_prob", 0, 1, low_open=True)
    use_dropout = _check_bool(training, "training") and keep_prob < 1.0
    if use_dropout:
        _check_rng(rng)
    dtype = X.dtype
    cache = {"output": output, "keep_prob": float(keep_prob) if use_dropout else 1.0,
             "A0": X}
    A = X
    for layer in range(1, n_layers + 1):
        Z = A @ params[f"W{layer}"].T + params[f"b{layer}"]  # (N, n_l)
        cache[f"Z{layer}"] = Z
        if layer == n_layers:
            break
        A = np.maximum(Z, 0)  # ReLU
        mask = None
        if use_dropout:  # inverted dropout, as in dropout.py
            mask = rng.random(A.shape, dtype=dtype) < keep_prob
            A = A * mask / dtype.type(keep_prob)
        cache[f"D{layer}"] = mask
        cache[f"A{layer}"] = A
    out = _softmax(Z) if output == "softmax" else _sigmoid(Z)
    cache[f"A{n_layers}"] = out
    return out, cache
# --8<-- [end:forward]


# --8<-- [start:loss]
def mlp_loss(out, Y, *, output="softmax"):
    """Mean cross-entropy over the batch.

    softmax: ``-(1/N) sum_n sum_c Y[n, c] log out[n, c]``.
    sigmoid: ``-(1/N) sum_n sum_k (Y log out + (1 - Y) log(1 - out))``: summed over the
    labels, averaged over the examples (PyTorch's ``reduction="mean"`` also averages
    over labels, i.e. divides by N*K).

    Parameters
    ----------
    out : ndarray of shape (N, C), probabilities from :func:`mlp_forward`
    Y : ndarray of float, shape (N, C)
        One-hot rows (softmax) or 0/1 labels (sigmoid); soft labels in [0, 1] are
        accepted.
    output : {"softmax", "sigmoid"}

    Returns
    -------
    float
        The loss. Probabilities are clipped away from 0 and 1 by the dtype's smallest
        normal number before the log, so a saturated output gives a large finite loss,
        not inf or NaN.

    Raises
    ------
    ValueError, TypeError
        For mismatched shapes, values outside [0, 1], softmax targets whose rows do not
        sum to 1.
    """
    _check_output(output)
    out = _check_probabilities(out, "out")
    Y = _check_targets(Y, out, output)
    tiny = np.finfo(out.dtype).tiny
    n = out.shape[0]
    if output == "softmax":
        return float(-np.sum(Y * np.log(np.maximum(out, tiny))) / n)
    log_p = np.log(np.maximum(out, tiny))
    log_not_p = np.log(np.maximum(1 - out, tiny))
    return float(-np.sum(Y * log_p + (1 - Y) * log_not_p) / n)
# --8<-- [end:loss]


# --8<-- [start:backward]
def mlp_backward(params, cache, Y, *, output="softmax"):
    """Backward pass: the gradient of :func:`mlp_loss` with respect to every parameter.

    Parameters
    ----------
    params : dict of str to ndarray, the params given to :func:`mlp_forward`
    cache : dict, the cache returned by that forward pass
    Y : ndarray of float, shape (N, n_L), the targets given to :func:`mlp_loss`
    output : {"softmax", "sigmoid"}, the same as in the forward pass

    Returns
    -------
    grads : dict of str to ndarray
        Same keys, shapes and dtype as ``params``: ``dL/dWl`` of shape (n_l, n_{l-1}),
        ``dL/dbl`` of shape (n_l,).

    Raises
    ------
    ValueError, TypeError
        For an incomplete cache, a cache from another network or output, or bad targets.
    """
    params, n_layers = _check_layers(params)
    _check_output(output)
    _check_mlp_cache(cache, params, n_layers, output)
    out = cache[f"A{n_layers}"]
    Y = _check_targets(Y, out, output)
    n = out.shape[0]
    keep_prob = cache["keep_prob"]
    grads = {}
    # Softmax + cross-entropy and sigmoid + binary cross-entropy share one simple
    # output gradient.
    dZ = (out - Y) / out.dtype.type(n)                     # (N, n_L)
    for layer in range(n_layers, 0, -1):
        A_prev = cache[f"A{layer - 1}"]                    # (N, n_{l-1})
        grads[f"W{layer}"] = dZ.T @ A_prev                 # (n_l, n_{l-1})
        grads[f"b{layer}"] = dZ.sum(axis=0)                # (n_l,)
        if layer == 1:
            break
        dA = dZ @ params[f"W{layer}"]                      # (N, n_{l-1})
        mask = cache[f"D{layer - 1}"]
        if mask is not None:                               # same mask, same scale
            dA = dA * mask / out.dtype.type(keep_prob)
        dZ = dA * (cache[f"Z{layer - 1}"] > 0)             # ReLU'(z): 1 if z > 0 else 0
    return {key: grads[key] for key in params}
# --8<-- [end:backward]


# --8<-- [start:predict]
def mlp_predict(params, X, *, output="softmax"):
    """Predictions at test time (no dropout).

    Parameters
    ----------
    params : dict of str to ndarray, as in :func:`mlp_forward`
    X : ndarray of shape (N, n_0)
    output : {"softmax", "sigmoid"}

    Returns
    -------
    ndarray of int
        softmax: shape (N,), the most probable class of each example. sigmoid: shape (N,
        K), 1 where the label's probability exceeds 0.5, else 0.

    Raises
    ------
    ValueError, TypeError
        As :func:`mlp_forward`.
    """
    out, _ = mlp_forward(params, X, output=output, training=False)
    if output == "softmax":
        return np.argmax(out, axis=1)
    return (out > 0.5).astype(np.int64)
# --8<-- [end:predict]


def _softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)  # exp never overflows; the result is unchanged
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _sigmoid(Z):
    E = np.exp(-np.abs(Z))  # in (0, 1]: no overflow for large |Z|
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))


def _check_output(output):
    _check_choice(output, "output", ("softmax", "sigmoid"))


def _check_layers(params):
    """Check keys W1, b1, ..., WL, bL, shapes that chain, one float dtype; return L."""
    params = _check_params(params, "params")
    n_layers = len(params) // 2
    expected = {f"{kind}{layer}" for layer in range(1, n_layers + 1) for kind in "Wb"}
    if len(params) % 2 or set(params) != expected:
        raise ValueError("params keys must be W1, b1, ..., WL, bL, "
                         f"got {sorted(params)}")
    dtype = params["W1"].dtype
    for layer in range(1, n_layers + 1):
        W = _check_float_array(params[f"W{layer}"], f"params['W{layer}']", ndim=2)
        b = _check_float_array(params[f"b{layer}"], f"params['b{layer}']", ndim=1)
        if b.shape != (W.shape[0],):
            raise ValueError(f"params['b{layer}'] must have shape ({W.shape[0]},) "
                             f"to match params['W{layer}'] of shape {W.shape}, "
                             f"got {b.shape}")
        if layer > 1 and W.shape[1] != params[f"W{layer - 1}"].shape[0]:
            raise ValueError(f"params['W{layer}'] has shape {W.shape}: its n_in must "
                             "equal "
                             f"the {params[f'W{layer - 1}'].shape[0]} outputs of layer "
                             f"{layer - 1}")
        for arr, name in ((W, f"W{layer}"), (b, f"b{layer}")):
            if arr.dtype != dtype:
                raise TypeError(f"all params must share one dtype, got {dtype} and "
                                f"{arr.dtype} ({name})")
    return params, n_layers


def _check_input(X, params):
    X = _check_float_array(X, "X", ndim=2)
    W1 = params["W1"]
    if X.shape[1] != W1.shape[1]:
        raise ValueError(f"X must have {W1.shape[1]} features (columns), as "
                         f"params['W1'] of shape {W1.shape} expects, got {X.shape[1]}")
    if X.dtype != W1.dtype:
        raise TypeError(f"X must have the dtype of the params, {W1.dtype}, got "
                        f"{X.dtype}: cast one of them")
    return X


def _check_probabilities(out, name):
    out = _check_float_array(out, name, ndim=2)
    if np.any(out < 0) or np.any(out > 1):
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    return out


def _check_targets(Y, out, output):
    Y = _check_float_array(Y, "Y", ndim=2)
    if Y.shape != out.shape:
        raise ValueError(f"Y must have the shape of the output, {out.shape}, got "
                         f"{Y.shape}")
    if np.any(Y < 0) or np.any(Y > 1):
        raise ValueError("Y must hold targets in [0, 1] (one-hot rows for softmax, 0/1 "
                         "labels for sigmoid)")
    if output == "softmax" and not np.allclose(Y.sum(axis=1), 1.0, atol=1e-5):
        raise ValueError('Y rows must sum to 1 for output="softmax" (one-hot); use '
                         'output="sigmoid" for multi-label targets')
    return Y.astype(out.dtype, copy=False)


def _check_mlp_cache(cache, params, n_layers, output):
    if not isinstance(cache, dict):
        raise TypeError(f"cache must be the dict returned by mlp_forward, "
                        f"got {type(cache).__name__}")
    needed = [f"A{layer}" for layer in range(n_layers + 1)]
    needed += [f"Z{layer}" for layer in range(1, n_layers + 1)]
    needed += [f"D{layer}" for layer in range(1, n_layers)] + ["output", "keep_prob"]
    missing = [key for key in needed if key not in cache]
    if missing or f"Z{n_layers + 1}" in cache:
        raise ValueError(f"cache does not come from mlp_forward with these params "
                         f"(missing {missing}): it must be the cache of that forward "
                         "pass")
    if cache["output"] != output:
        raise ValueError(f'cache was computed with output="{cache["output"]}", '
                         'backward got '
                         f'"{output}"')
    _check_number(cache["keep_prob"], "cache['keep_prob']", 0, 1, low_open=True)
    n = _check_float_array(cache["A0"], "cache['A0']", ndim=2).shape[0]
    for layer in range(n_layers + 1):
        width = params[f"W{max(layer, 1)}"].shape[0 if layer else 1]
        keys = [f"Z{layer}", f"A{layer}"] if layer else ["A0"]
        if 0 < layer < n_layers and cache[f"D{layer}"] is not None:
            keys.append(f"D{layer}")
        for key in keys:
            if key.startswith("D"):
                value = cache[key]
                if not isinstance(value, np.ndarray) or value.dtype != bool:
                    raise ValueError(f"cache[{key!r}] must be a bool dropout mask or "
                                     f"None, got {type(value).__name__}")
            else:
                value = _check_float_array(cache[key], f"cache[{key!r}]")
            if value.shape != (n, width):
                raise ValueError(f"cache[{key!r}] does not match "
                                 f"params['W{max(layer, 1)}']: "
                                 f"it must have shape {(n, width)}, got {value.shape} "
                                 "(another network?)")


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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")
