"""A dense residual block: y = x + F(x), forward and backward.

The block adds its input to the output of a small two-layer branch,
``F(x) = relu(x W1^T + b1) W2^T + b2``. Its backward pass is
``dL/dx = dL/dy (I + dF/dx)``: the identity carries the gradient from the output to the
input unchanged, whatever the branch does, which is why networks of residual blocks can
be trained at depths where a plain stack of layers cannot.

Options: ``skip=False`` drops the identity (the same two layers as a plain network), and
``normalize=True`` applies layer normalization (over the features of each example,
without a learned scale and shift) to the branch's input, the "pre-activation" order of
He et al.'s second paper: ``F(x) = relu(LN(x) W1^T + b1) W2^T + b2``.

Convention: batch-first, ``W`` of shape ``(n_out, n_in)`` and ``x @ W.T + b`` as in
``torch.nn.Linear``; ``LN`` is ``torch.nn.functional.layer_norm(x, (n,), eps=eps)``
(biased variance, ``eps`` inside the square root).

References: He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition",
CVPR 2016; "Identity Mappings in Deep Residual Networks", ECCV 2016. Ba, Kiros and
Hinton, "Layer Normalization", 2016.
"""

import numpy as np


# --8<-- [start:forward]
def residual_forward(x, params, skip=True, normalize=False, eps=1e-5):
    """One residual block: ``y = x + F(x)``, with ``F`` two dense layers and a ReLU.

    Parameters
    ----------
    x : ndarray of float, shape (N, n)
    params : dict of ndarray, the same float dtype as ``x``
        ``{"W1": (h, n), "b1": (h,), "W2": (n, h), "b2": (n,)}``; the branch maps n
        features to h hidden units and back, so ``y`` has the shape of ``x``.
    skip : bool
        Add the identity ``x`` (True, a residual block) or not (False: ``y = F(x)``,
        two layers of a plain network).
    normalize : bool
        Layer-normalize the branch's input (the pre-activation residual unit).
    eps : float > 0
        Added to the variance inside the square root of the layer norm.

    Returns
    -------
    y : ndarray, shape (N, n), the dtype of ``x``
    cache : dict
        What :func:`residual_backward` needs.
    """
    x = _check_float_array(x, "x", ndim=2)
    params = _check_block_params(params, x)
    skip = _check_bool(skip, "skip")
    normalize = _check_bool(normalize, "normalize")
    eps = _check_number(eps, "eps", 0, low_open=True)
    u, x_hat, inv_std = x, None, None
    if normalize:
        mean = x.mean(axis=1, keepdims=True)
        inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + x.dtype.type(eps))
        u = x_hat = (x - mean) * inv_std
    z1 = u @ params["W1"].T + params["b1"]
    a1 = np.maximum(z1, 0)
    f = a1 @ params["W2"].T + params["b2"]
    y = x + f if skip else f
    cache = {"u": u, "z1": z1, "a1": a1, "params": params, "skip": skip,
             "x_hat": x_hat, "inv_std": inv_std}
    return y, cache
# --8<-- [end:forward]


# --8<-- [start:backward]
def residual_backward(dy, cache):
    """Gradients of the block: ``dL/dx = dL/dy + (dL/dy through F)``.

    Parameters
    ----------
    dy : ndarray of float, shape (N, n)
        Gradient of the loss with respect to the block's output ``y``.
    cache : dict from :func:`residual_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, n)
    grads : dict with the keys and shapes of the parameters
    """
    c = _check_residual_cache(cache)
    p = c["params"]
    dy = _check_float_array(dy, "dy", shape=c["u"].shape)
    dy = dy.astype(c["u"].dtype, copy=False)
    # the branch, backwards: f = a1 W2^T + b2, a1 = relu(z1), z1 = u W1^T + b1
    grads = {"W2": dy.T @ c["a1"], "b2": dy.sum(axis=0)}
    dz1 = (dy @ p["W2"]) * (c["z1"] > 0)  # ReLU'(0) = 0, as in PyTorch
    grads["W1"], grads["b1"] = dz1.T @ c["u"], dz1.sum(axis=0)
    du = dz1 @ p["W1"]
    if c["x_hat"] is not None:  # through the layer norm, per example over features
        x_hat = c["x_hat"]
        du = c["inv_std"] * (du - du.mean(axis=1, keepdims=True)
                             - x_hat * (du * x_hat).mean(axis=1, keepdims=True))
    dx = dy + du if c["skip"] else du  # the identity passes dy through unchanged
    return dx, {k: grads[k] for k in ("W1", "b1", "W2", "b2")}
# --8<-- [end:backward]


def _check_block_params(params, x, name="params", x_name="x"):
    params = _check_params(params, name)
    keys = ["W1", "W2", "b1", "b2"]
    if sorted(params) != keys:
        raise ValueError(f"{name} must have exactly the keys {keys}, "
                         f"got {sorted(params)}")
    n = x.shape[1]
    h = params["W1"].shape[0] if params["W1"].ndim == 2 else -1
    shapes = {"W1": (h, n), "b1": (h,), "W2": (n, h), "b2": (n,)}
    for key, shape in shapes.items():
        if params[key].shape != shape or h < 1:
            raise ValueError(f"{name}[{key!r}] must have shape {shape} for "
                             f"{x_name} with {n} features (W1 of shape (h, {n})), "
                             f"got {params[key].shape}")
        if params[key].dtype != x.dtype:
            raise ValueError(f"{name}[{key!r}] must have the dtype of {x_name}, "
                             f"{x.dtype}, got {params[key].dtype}")
    return params


def _check_residual_cache(cache):
    keys = ("u", "z1", "a1", "params", "skip", "x_hat", "inv_std")
    if not isinstance(cache, dict) or any(k not in cache for k in keys):
        raise TypeError(f"cache must be the dict returned by residual_forward, with "
                        f"keys {list(keys)}, got {type(cache).__name__}")
    u = _check_float_array(cache["u"], "cache['u']", ndim=2)
    _check_block_params(cache["params"], u, "cache['params']", "cache['u']")
    h = cache["params"]["W1"].shape[0]
    for key in ("z1", "a1"):
        arr = _check_float_array(cache[key], f"cache[{key!r}]")
        if arr.shape != (u.shape[0], h) or arr.dtype != u.dtype:
            raise ValueError(f"cache[{key!r}] must have shape {(u.shape[0], h)} and "
                             f"dtype {u.dtype}, got {arr.shape} {arr.dtype}")
    _check_bool(cache["skip"], "cache['skip']")
    if (cache["x_hat"] is None) != (cache["inv_std"] is None):
        raise ValueError("cache['x_hat'] and cache['inv_std'] must both be None or "
                         "both arrays, got one of each")
    if cache["x_hat"] is not None:
        _check_float_array(cache["x_hat"], "cache['x_hat']", shape=u.shape)
        _check_float_array(cache["inv_std"], "cache['inv_std']",
                           shape=(u.shape[0], 1))
    return cache


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
