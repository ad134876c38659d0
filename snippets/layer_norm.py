"""Layer normalization and group normalization.

Normalize each *example* on its own, over its features (layer norm) or over groups of
channels (group norm), to mean 0 and variance 1, then rescale and shift with learned
``gamma`` and ``beta``. Unlike batch norm no statistic crosses the batch, so the output
of one example never depends on the others and training and evaluation do the same.

Conventions, as ``torch.nn.functional.layer_norm`` / ``group_norm``: the *biased*
variance (divide by the number of normalized elements), ``eps`` added *inside* the
square root, ``1 / sqrt(var + eps)``; layer norm's ``gamma`` and ``beta`` have the
normalized shape (one per element), group norm's one per channel; ``gamma=None`` and
``beta=None`` mean no affine (PyTorch's ``elementwise_affine=False``,
``affine=False``). Statistics are accumulated in float64 and the results returned in
the input's dtype.

References: Ba, Kiros and Hinton, "Layer Normalization", arXiv:1607.06450, 2016;
Wu and He, "Group Normalization", ECCV 2018.
"""

import numpy as np


# --8<-- [start:normalize]
def _normalize_rows(x2, eps):
    """x2 (rows, M) in float64: each row to mean 0, variance 1 (biased, eps inside)."""
    mean = x2.mean(axis=1, keepdims=True)
    var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True)  # biased: divide by M
    inv_std = 1.0 / np.sqrt(var + eps)                     # eps inside the root
    return (x2 - mean) * inv_std, inv_std


def _normalize_rows_backward(dx_hat2, x_hat2, inv_std):
    """Gradient through the normalization of each row: the mean and the variance
    depend on every element of the row, so each gets two correction terms."""
    mean_d = dx_hat2.mean(axis=1, keepdims=True)
    mean_dx = (dx_hat2 * x_hat2).mean(axis=1, keepdims=True)
    return inv_std * (dx_hat2 - mean_d - x_hat2 * mean_dx)
# --8<-- [end:normalize]


# --8<-- [start:layer_norm]
def layer_norm_forward(x, normalized_shape, gamma=None, beta=None, *, eps=1e-5):
    """Normalize ``x`` over its trailing ``normalized_shape`` dimensions.

    Parameters
    ----------
    x : ndarray of float, shape (*, *normalized_shape)
        E.g. (N, features) for a dense layer, (N, T, d) for a sequence.
    normalized_shape : int or tuple of int
        The trailing shape to normalize over; must equal ``x.shape[-k:]``.
    gamma, beta : ndarray of float, shape normalized_shape, or None
        The elementwise scale and shift; both or neither (None: no affine).
    eps : float > 0
        Added to the variance inside the square root.

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : dict, what :func:`layer_norm_backward` needs
    """
    x = _check_float_array(x, "x")
    shape = _check_normalized_shape(normalized_shape, x.shape)
    gamma, beta = _check_affine(gamma, beta, shape)
    _check_number(eps, "eps", 0, low_open=True)
    rows = x.reshape(-1, int(np.prod(shape)))
    x_hat, inv_std = _normalize_rows(rows.astype(np.float64), eps)
    x_hat = x_hat.reshape(x.shape)
    out = x_hat if gamma is None else x_hat * gamma + beta  # broadcast over the lead
    cache = {"x_hat": x_hat.astype(x.dtype), "inv_std": inv_std.astype(x.dtype),
             "gamma": gamma, "ndim": len(shape)}
    return out.astype(x.dtype), cache


def layer_norm_backward(dout, cache):
    """Gradients of :func:`layer_norm_forward` with respect to x, gamma and beta.

    Parameters
    ----------
    dout : ndarray of float, shape of ``x``
        Gradient of the loss with respect to the output.
    cache : dict returned by :func:`layer_norm_forward`

    Returns
    -------
    dx : ndarray, shape and dtype of ``x``
    dgamma, dbeta : ndarray, shape normalized_shape (None without affine)
    """
    x_hat, inv_std, gamma, k = _check_norm_cache(cache, "layer_norm_forward", "ndim")
    dout = _check_float_array(dout, "dout", shape=x_hat.shape).astype(np.float64)
    lead = tuple(range(x_hat.ndim - k))  # the axes that are not normalized
    dx_hat = dout if gamma is None else dout * gamma
    m = int(np.prod(x_hat.shape[x_hat.ndim - k:]))
    dx = _normalize_rows_backward(dx_hat.reshape(-1, m), x_hat.reshape(-1, m), inv_std)
    dt = cache["x_hat"].dtype
    if gamma is None:
        return dx.reshape(x_hat.shape).astype(dt), None, None
    dgamma = (dout * x_hat).sum(axis=lead)
    dbeta = dout.sum(axis=lead)
    return dx.reshape(x_hat.shape).astype(dt), dgamma.astype(dt), dbeta.astype(dt)
# --8<-- [end:layer_norm]


# --8<-- [start:group_norm]
def group_norm_forward(x, num_groups, gamma=None, beta=None, *, eps=1e-5):
    """Normalize each example's channels in ``num_groups`` groups.

    The channels of ``x`` are split into ``num_groups`` consecutive groups of
    ``C // num_groups``; each (example, group) is normalized over its channels and
    spatial positions. ``num_groups = 1`` is layer norm over (C, H, W);
    ``num_groups = C`` is instance norm.

    Parameters
    ----------
    x : ndarray of float, shape (N, C, *)
        E.g. (N, C, H, W) images.
    num_groups : int >= 1, dividing C
    gamma, beta : ndarray of float, shape (C,), or None
        A scale and a shift per channel; both or neither (None: no affine).
    eps : float > 0
        Added to the variance inside the square root.

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : dict, what :func:`group_norm_backward` needs
    """
    x = _check_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, C, *), got shape {x.shape}")
    n, c = x.shape[:2]
    _check_int(num_groups, "num_groups", 1)
    if c % num_groups:
        raise ValueError(f"num_groups must divide the {c} channels of x, "
                         f"got {num_groups}")
    gamma, beta = _check_affine(gamma, beta, (c,))
    _check_number(eps, "eps", 0, low_open=True)
    rows = x.reshape(n * num_groups, -1)  # channels of a group are consecutive
    x_hat, inv_std = _normalize_rows(rows.astype(np.float64), eps)
    x_hat = x_hat.reshape(x.shape)
    per_channel = (1, c) + (1,) * (x.ndim - 2)  # gamma (C,) -> (1, C, 1, 1)
    out = x_hat
    if gamma is not None:
        out = x_hat * gamma.reshape(per_channel) + beta.reshape(per_channel)
    cache = {"x_hat": x_hat.astype(x.dtype), "inv_std": inv_std.astype(x.dtype),
             "gamma": gamma, "num_groups": num_groups}
    return out.astype(x.dtype), cache


def group_norm_backward(dout, cache):
    """Gradients of :func:`group_norm_forward` with respect to x, gamma and beta.

    Parameters
    ----------
    dout : ndarray of float, shape of ``x``
    cache : dict returned by :func:`group_norm_forward`

    Returns
    -------
    dx : ndarray, shape and dtype of ``x``
    dgamma, dbeta : ndarray, shape (C,) (None without affine)
    """
    x_hat, inv_std, gamma, groups = _check_norm_cache(cache, "group_norm_forward",
                                                      "num_groups")
    dout = _check_float_array(dout, "dout", shape=x_hat.shape).astype(np.float64)
    c = x_hat.shape[1]
    per_channel = (1, c) + (1,) * (x_hat.ndim - 2)
    dx_hat = dout if gamma is None else dout * gamma.reshape(per_channel)
    rows = x_hat.shape[0] * groups
    dx = _normalize_rows_backward(dx_hat.reshape(rows, -1), x_hat.reshape(rows, -1),
                                  inv_std)
    dt = cache["x_hat"].dtype
    if gamma is None:
        return dx.reshape(x_hat.shape).astype(dt), None, None
    others = (0,) + tuple(range(2, x_hat.ndim))  # every axis but the channels
    dgamma = (dout * x_hat).sum(axis=others)
    dbeta = dout.sum(axis=others)
    return dx.reshape(x_hat.shape).astype(dt), dgamma.astype(dt), dbeta.astype(dt)
# --8<-- [end:group_norm]


def _check_normalized_shape(normalized_shape, x_shape):
    shape = normalized_shape
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not shape or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_))
            for d in shape):
        raise TypeError("normalized_shape must be an int or a non-empty tuple of ints, "
                        f"got {normalized_shape!r}")
    shape = tuple(int(d) for d in shape)
    if len(shape) > len(x_shape) or x_shape[len(x_shape) - len(shape):] != shape:
        raise ValueError(f"normalized_shape must be the trailing shape of x {x_shape}, "
                         f"got {shape}")
    return shape


def _check_affine(gamma, beta, shape):
    if (gamma is None) != (beta is None):
        name = "beta" if beta is None else "gamma"
        raise TypeError("gamma and beta must be given both or neither, "
                        f"got {name}=None")
    if gamma is None:
        return None, None
    gamma = _check_float_array(gamma, "gamma", shape=shape).astype(np.float64)
    beta = _check_float_array(beta, "beta", shape=shape).astype(np.float64)
    return gamma, beta


def _check_norm_cache(cache, forward, count):
    needed = {"x_hat", "inv_std", "gamma", count}
    if not isinstance(cache, dict) or set(cache) != needed:
        raise TypeError(f"cache must be the dict returned by {forward}")
    x_hat = _check_float_array(cache["x_hat"], "cache['x_hat']").astype(np.float64)
    k = _check_int(cache[count], f"cache[{count!r}]", 1)
    if count == "ndim":
        if k > x_hat.ndim:
            raise ValueError(f"cache['ndim'] must be at most {x_hat.ndim}, got {k}")
        rows, shape = x_hat.shape[: x_hat.ndim - k], x_hat.shape[x_hat.ndim - k:]
    else:
        if x_hat.ndim < 2 or x_hat.shape[1] % k:
            raise ValueError(f"cache['num_groups'] must divide the channels of "
                             f"cache['x_hat'] {x_hat.shape}, got {k}")
        rows, shape = (x_hat.shape[0] * k,), (x_hat.shape[1],)
    inv_std = _check_float_array(cache["inv_std"], "cache['inv_std']",
                                 shape=(int(np.prod(rows)), 1)).astype(np.float64)
    gamma = cache["gamma"]
    if gamma is not None:
        gamma = _check_float_array(gamma, "cache['gamma']", shape=shape)
    return x_hat, inv_std, gamma, k


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


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)
