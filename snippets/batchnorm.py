"""Batch normalization for dense activations and for convolutional feature maps.

Normalize each feature over the mini-batch to mean 0 and variance 1, then let the
network rescale and shift it with learned ``gamma`` and ``beta``. At evaluation time the
batch statistics are replaced by running averages collected during training, so the
output of one example no longer depends on the others.

Convention (as PyTorch's ``nn.BatchNorm1d``): the batch is normalized with the *biased*
variance (divide by N) but ``running_var`` is updated with the *unbiased* one (divide by
N - 1); ``momentum`` is the weight of the *new* batch statistic,
``running = (1 - momentum) * running + momentum * batch`` (Keras' ``momentum`` is the
weight of the old value: Keras 0.99 is our 0.01).

PyTorch's options map as follows: ``momentum=None`` (a cumulative average, the k-th
batch weighted 1/k, counted in ``state["num_batches_tracked"]``); ``affine=False`` is
``gamma = beta = None`` (the backward pass then returns None for their gradients);
``track_running_stats=False`` is ``state = None`` (batch statistics in evaluation mode
too); ``nn.BatchNorm2d`` is :func:`batchnorm2d_forward`, one statistic per channel over
(N, H, W) of (N, C, H, W) feature maps.

References: Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network Training
by Reducing Internal Covariate Shift", ICML 2015 (section 3.2 for convolutions).
"""

import numpy as np


# --8<-- [start:init]
def init_batchnorm(n_features, dtype=np.float64, *, affine=True,
                   track_running_stats=True):
    """Parameters and running statistics of a fresh batch-norm layer.

    Parameters
    ----------
    n_features : int >= 1
        Number of features (columns) of the activations to normalize, or of channels
        of the feature maps.
    dtype : float32 or float64
    affine : bool
        False: no learned scale and shift, ``gamma`` and ``beta`` are None
        (PyTorch's ``affine=False``).
    track_running_stats : bool
        False: no running statistics, ``state`` is None and every call normalizes
        with the batch statistics (PyTorch's ``track_running_stats=False``).

    Returns
    -------
    gamma : ndarray, shape (n_features,), ones (the scale starts as the identity),
        or None
    beta : ndarray, shape (n_features,), zeros, or None
    state : dict with "running_mean" (zeros) and "running_var" (ones), each shape
        (n_features,), and "num_batches_tracked" (0); or None
    """
    _check_int(n_features, "n_features", 1)
    dtype = _check_dtype(dtype)
    gamma = beta = state = None
    if _check_bool(affine, "affine"):
        gamma = np.ones(n_features, dtype)
        beta = np.zeros(n_features, dtype)
    if _check_bool(track_running_stats, "track_running_stats"):
        state = {"running_mean": np.zeros(n_features, dtype),
                 "running_var": np.ones(n_features, dtype),
                 "num_batches_tracked": 0}
    return gamma, beta, state
# --8<-- [end:init]


# --8<-- [start:forward]
def batchnorm_forward(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    """Normalize ``x`` per feature, scale by ``gamma`` and shift by ``beta``.

    Parameters
    ----------
    x : ndarray of float, shape (N, features)
        N >= 2 when the batch statistics are used (a variance needs two examples).
    gamma, beta : ndarray of float, shape (features,), or both None
        None: no scale and shift (PyTorch's ``affine=False``).
    state : dict with "running_mean" and "running_var", each shape (features,), and
        optionally "num_batches_tracked" (int >= 0), or None
        Not modified: the updated statistics are returned as ``new_state``.
        None: no running statistics (``track_running_stats=False``), the batch
        statistics are used in both modes and ``new_state`` is None.
    training : bool
        True: normalize with the batch statistics and update the running ones
        (and add 1 to "num_batches_tracked", if the state has it).
        False: normalize with the running statistics; ``new_state`` equals ``state``.
    momentum : float in [0, 1], or None
        Weight of the current batch in the running averages (PyTorch's convention).
        None: a cumulative average, weight 1/k for the k-th batch, which needs
        "num_batches_tracked" in ``state`` (PyTorch's ``momentum=None``).
    eps : float > 0
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray, shape (N, features), dtype of ``x``
    cache : dict, what :func:`batchnorm_backward` needs
    new_state : dict, the running statistics after this batch (None if ``state`` is)
    """
    x = _check_float_array(x, "x", ndim=2)
    n, features = x.shape
    gamma, beta = _check_gamma_beta(gamma, beta, features, "column")
    training = _check_bool(training, "training")
    if state is not None:
        running_mean, running_var, count = _check_running_stats(state, features)
    if momentum is not None:
        # Python floats: they never upcast float32 statistics
        momentum = _check_number(momentum, "momentum", 0, 1)
    elif training and state is not None and count is None:
        raise ValueError("state must have the batch count 'num_batches_tracked' "
                         "(see init_batchnorm) when momentum is None: the cumulative "
                         "average weights the k-th batch 1/k")
    eps = _check_number(eps, "eps", 0, low_open=True)
    dt = x.dtype.type

    batch_stats = training or state is None  # without running statistics: always
    if batch_stats:
        if n < 2:
            mode = "in training mode" if training else "without running statistics"
            raise ValueError(f"x must have at least 2 rows {mode} (a batch variance), "
                             f"got {n}")
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased: divide by N, used to normalize
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)

    new_state = None if state is None else {
        **state, "running_mean": running_mean.copy(), "running_var": running_var.copy()}
    if training and state is not None:
        # divide by N - 1, used for the running average
        unbiased_var = var * dt(n / (n - 1))
        # momentum=None: the k-th batch gets weight 1/k, the mean of all k batches
        weight = momentum if momentum is not None else 1 / (count + 1)
        new_state["running_mean"] = ((1 - weight) * running_mean +
                                     weight * mean.astype(running_mean.dtype))
        new_state["running_var"] = ((1 - weight) * running_var +
                                    weight * unbiased_var.astype(running_var.dtype))
        if count is not None:
            new_state["num_batches_tracked"] = count + 1

    inv_std = 1 / np.sqrt(var + dt(eps))
    x_hat = (x - mean) * inv_std
    if gamma is None:  # affine=False: the normalized values are the output
        out, cache_gamma = x_hat.copy(), None  # a copy: out may be changed in place
    else:
        cache_gamma = gamma.astype(x.dtype)
        out = (cache_gamma * x_hat + beta.astype(x.dtype)).astype(x.dtype, copy=False)
    cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": cache_gamma,
             "training": batch_stats}
    return out, cache, new_state
# --8<-- [end:forward]


# --8<-- [start:backward]
def batchnorm_backward(dout, cache):
    """Gradients of batch normalization with respect to its input and parameters.

    When the batch statistics were used (training mode), the mean and variance depend
    on every example, so each input's gradient gets two correction terms; with the
    running statistics the layer is a fixed affine map.

    Parameters
    ----------
    dout : ndarray of float, shape (N, features)
        Gradient of the loss with respect to the output of :func:`batchnorm_forward`.
    cache : dict returned by :func:`batchnorm_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, features)
    dgamma, dbeta : ndarray, shape (features,); both None if the forward pass had
        no ``gamma`` and ``beta`` (``affine=False``)
    """
    x_hat, inv_std, gamma = _check_batchnorm_cache(cache)
    dout = _check_float_array(dout, "dout", shape=x_hat.shape)
    dout = dout.astype(x_hat.dtype, copy=False)
    affine = gamma is not None
    if not affine:
        gamma = np.ones_like(inv_std)  # no scale: the same formulas with gamma = 1

    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if cache["training"]:
        n = x_hat.shape[0]
        dx = (gamma * inv_std / n) * (n * dout - dbeta - x_hat * dgamma)
    else:
        dx = dout * (gamma * inv_std)
    if not affine:
        return dx, None, None
    return dx, dgamma, dbeta
# --8<-- [end:backward]


# --8<-- [start:conv]
def batchnorm2d_forward(x, gamma, beta, state, *, training=True, momentum=0.1,
                        eps=1e-5):
    """Batch normalization of convolutional feature maps, one statistic per channel.

    A convolution applies the same filter at every position, so each channel is
    normalized over the batch *and* the positions: N * H * W values per channel
    (PyTorch's ``nn.BatchNorm2d``; the running variance's unbiased correction uses
    n = N * H * W). Options and results as :func:`batchnorm_forward`.

    Parameters
    ----------
    x : ndarray of float, shape (N, C, H, W), N * H * W >= 2 for batch statistics
    gamma, beta : ndarray of float, shape (C,), or both None
    state : dict of running statistics, each shape (C,), or None
    training, momentum, eps : as in :func:`batchnorm_forward`

    Returns
    -------
    out : ndarray, shape (N, C, H, W), dtype of ``x``
    cache : dict, what :func:`batchnorm2d_backward` needs
    new_state : dict or None, as in :func:`batchnorm_forward`
    """
    x = _check_float_array(x, "x", ndim=4)
    n, channels, height, width = x.shape
    _check_gamma_beta(gamma, beta, channels, "channel (axis 1)")
    if (_check_bool(training, "training") or state is None) and n * height * width < 2:
        raise ValueError("x must have at least 2 values per channel (N * H * W) for "
                         f"batch statistics, got {n * height * width}")
    # (N, C, H, W) -> (N * H * W, C): every position of every example becomes a row,
    # every channel a column, and the dense layer's batch norm does the rest
    rows = x.transpose(0, 2, 3, 1).reshape(-1, channels)
    out, cache, new_state = batchnorm_forward(rows, gamma, beta, state,
                                              training=training, momentum=momentum,
                                              eps=eps)
    out = out.reshape(n, height, width, channels).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out), {"rows": cache, "shape": x.shape}, new_state


def batchnorm2d_backward(dout, cache):
    """Gradients of :func:`batchnorm2d_forward`: the dense backward pass on the rows.

    Parameters
    ----------
    dout : ndarray of float, shape (N, C, H, W)
    cache : dict returned by :func:`batchnorm2d_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dgamma, dbeta : ndarray, shape (C,), or both None (``affine=False``)
    """
    rows_cache, shape = _check_batchnorm2d_cache(cache)
    dout = _check_float_array(dout, "dout", shape=shape)
    n, channels, height, width = shape
    drows = dout.transpose(0, 2, 3, 1).reshape(-1, channels)
    dx, dgamma, dbeta = batchnorm_backward(drows, rows_cache)
    dx = dx.reshape(n, height, width, channels).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(dx), dgamma, dbeta
# --8<-- [end:conv]


def _check_gamma_beta(gamma, beta, features, axis_name):
    if (gamma is None) != (beta is None):
        raise TypeError("gamma and beta must both be arrays, or both None "
                        f"(affine=False), got gamma {type(gamma).__name__} and "
                        f"beta {type(beta).__name__}")
    if gamma is None:
        return None, None
    gamma = _check_float_array(gamma, "gamma", ndim=1)
    beta = _check_float_array(beta, "beta", ndim=1)
    if gamma.shape != (features,) or beta.shape != (features,):
        raise ValueError(f"gamma and beta must have shape ({features},), one entry per "
                         f"{axis_name} of x, got {gamma.shape} and {beta.shape}")
    return gamma, beta


def _check_running_stats(state, features):
    needed = {"running_mean", "running_var"}
    if not isinstance(state, dict) or not needed <= state.keys():
        raise TypeError("state must be a dict with 'running_mean' and 'running_var' "
                        "(see init_batchnorm), or None")
    running_mean = _check_float_array(state["running_mean"], "state['running_mean']",
                                      shape=(features,))
    running_var = _check_float_array(state["running_var"], "state['running_var']",
                                     shape=(features,))
    if np.any(running_var < 0):
        raise ValueError("state['running_var'] must be >= 0")
    count = None
    if "num_batches_tracked" in state:
        count = _check_int(state["num_batches_tracked"],
                           "state['num_batches_tracked']", 0)
    return running_mean, running_var, count


def _check_batchnorm_cache(cache):
    needed = {"x_hat", "inv_std", "gamma", "training"}
    if not isinstance(cache, dict) or set(cache) != needed:
        raise TypeError("cache must be the dict returned by batchnorm_forward")
    x_hat = _check_float_array(cache["x_hat"], "cache['x_hat']", ndim=2)
    features = (x_hat.shape[1],)
    inv_std = _check_float_array(cache["inv_std"], "cache['inv_std']", shape=features)
    gamma = cache["gamma"]
    if gamma is not None:
        gamma = _check_float_array(gamma, "cache['gamma']", shape=features)
    _check_bool(cache["training"], "cache['training']")
    return x_hat, inv_std, gamma


def _check_batchnorm2d_cache(cache):
    if not isinstance(cache, dict) or set(cache) != {"rows", "shape"}:
        raise TypeError("cache must be the dict returned by batchnorm2d_forward")
    x_hat, _, _ = _check_batchnorm_cache(cache["rows"])
    shape = cache["shape"]
    valid = isinstance(shape, tuple) and len(shape) == 4 and all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape)
    if not valid or x_hat.shape != (shape[0] * shape[2] * shape[3], shape[1]):
        raise ValueError("cache['shape'] must be the shape (N, C, H, W) of the input "
                         f"of batchnorm2d_forward, got {shape!r}")
    return cache["rows"], shape


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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_dtype(dtype):
    try:
        checked = None if dtype is None else np.dtype(dtype)
    except TypeError:
        checked = None
    # (not "checked in (...)": np.dtype(None) is float64, so None == float64 is True)
    if checked is None or checked.name not in ("float32", "float64"):
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return checked
