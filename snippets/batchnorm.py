"""Batch normalization for a dense layer's activations.

Normalize each feature over the mini-batch to mean 0 and variance 1, then let the
network rescale and shift it with learned ``gamma`` and ``beta``. At evaluation time the
batch statistics are replaced by running averages collected during training, so the
output of one example no longer depends on the others.

Convention (as PyTorch's ``nn.BatchNorm1d``): the batch is normalized with the *biased*
variance (divide by N) but ``running_var`` is updated with the *unbiased* one (divide by
N - 1); ``momentum`` is the weight of the *new* batch statistic,
``running = (1 - momentum) * running + momentum * batch`` (Keras' ``momentum`` is the
weight of the old value: Keras 0.99 is our 0.01).

Reference: Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network Training
by Reducing Internal Covariate Shift", ICML 2015.
"""

import numpy as np


# --8<-- [start:init]
def init_batchnorm(n_features, dtype=np.float64):
    """Parameters and running statistics of a fresh batch-norm layer.

    Parameters
    ----------
    n_features : int >= 1
        Number of features (columns) of the activations to normalize.
    dtype : float32 or float64

    Returns
    -------
    gamma : ndarray, shape (n_features,), ones (the scale starts as the identity)
    beta : ndarray, shape (n_features,), zeros
    state : dict with "running_mean" (zeros) and "running_var" (ones),
        each shape (n_features,)
    """
    _check_int(n_features, "n_features", 1)
    dtype = _check_dtype(dtype)
    gamma = np.ones(n_features, dtype)
    beta = np.zeros(n_features, dtype)
    state = {"running_mean": np.zeros(n_features, dtype),
             "running_var": np.ones(n_features, dtype)}
    return gamma, beta, state
# --8<-- [end:init]


# --8<-- [start:forward]
def batchnorm_forward(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    """Normalize ``x`` per feature, scale by ``gamma`` and shift by ``beta``.

    Parameters
    ----------
    x : ndarray of float, shape (N, features)
        N >= 2 in training mode (a variance needs two examples).
    gamma, beta : ndarray of float, shape (features,)
    state : dict with "running_mean" and "running_var", each shape (features,)
        Not modified: the updated statistics are returned as ``new_state``.
    training : bool
        True: normalize with the batch statistics and update the running ones.
        False: normalize with the running statistics; ``new_state`` equals ``state``.
    momentum : float in [0, 1]
        Weight of the current batch in the running averages (PyTorch's convention).
    eps : float > 0
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray, shape (N, features), dtype of ``x``
    cache : dict, what :func:`batchnorm_backward` needs
    new_state : dict, the running statistics after this batch
    """
    x = _check_float_array(x, "x", ndim=2)
    n, features = x.shape
    gamma = _check_float_array(gamma, "gamma", ndim=1)
    beta = _check_float_array(beta, "beta", ndim=1)
    if gamma.shape != (features,) or beta.shape != (features,):
        raise ValueError(f"gamma and beta must have shape ({features},), one entry per "
                         f"column of x, got {gamma.shape} and {beta.shape}")
    running_mean, running_var = _check_running_stats(state, features)
    # Python floats: they never upcast float32 statistics
    momentum = _check_number(momentum, "momentum", 0, 1)
    eps = _check_number(eps, "eps", 0, low_open=True)
    dt = x.dtype.type

    if _check_bool(training, "training"):
        if n < 2:
            raise ValueError("x must have at least 2 rows in training mode "
                             f"(a batch variance), got {n}")
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased: divide by N, used to normalize
        # divide by N - 1, used for the running average
        unbiased_var = var * dt(n / (n - 1))
        new_state = {
            "running_mean": (1 - momentum) * running_mean +
                            momentum * mean.astype(running_mean.dtype),
            "running_var": (1 - momentum) * running_var +
                           momentum * unbiased_var.astype(running_var.dtype),
        }
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        new_state = {"running_mean": running_mean.copy(),
                     "running_var": running_var.copy()}

    inv_std = 1 / np.sqrt(var + dt(eps))
    x_hat = (x - mean) * inv_std
    out = (gamma.astype(x.dtype) * x_hat +
           beta.astype(x.dtype)).astype(x.dtype, copy=False)
    cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma.astype(x.dtype),
             "training": bool(training)}
    return out, cache, new_state
# --8<-- [end:forward]


# --8<-- [start:backward]
def batchnorm_backward(dout, cache):
    """Gradients of batch normalization with respect to its input and parameters.

    In training mode the mean and variance depend on every example, so each input's
    gradient gets two correction terms; in evaluation mode the layer is a fixed affine
    map.

    Parameters
    ----------
    dout : ndarray of float, shape (N, features)
        Gradient of the loss with respect to the output of :func:`batchnorm_forward`.
    cache : dict returned by :func:`batchnorm_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, features)
    dgamma, dbeta : ndarray, shape (features,)
    """
    x_hat, inv_std, gamma = _check_batchnorm_cache(cache)
    dout = _check_float_array(dout, "dout", shape=x_hat.shape)
    dout = dout.astype(x_hat.dtype, copy=False)

    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if cache["training"]:
        n = x_hat.shape[0]
        dx = (gamma * inv_std / n) * (n * dout - dbeta - x_hat * dgamma)
    else:
        dx = dout * (gamma * inv_std)
    return dx, dgamma, dbeta
# --8<-- [end:backward]


def _check_running_stats(state, features):
    needed = {"running_mean", "running_var"}
    if not isinstance(state, dict) or not needed <= state.keys():
        raise TypeError("state must be a dict with 'running_mean' and 'running_var' "
                        "(see init_batchnorm)")
    running_mean = _check_float_array(state["running_mean"], "state['running_mean']",
                                      shape=(features,))
    running_var = _check_float_array(state["running_var"], "state['running_var']",
                                     shape=(features,))
    if np.any(running_var < 0):
        raise ValueError("state['running_var'] must be >= 0")
    return running_mean, running_var


def _check_batchnorm_cache(cache):
    needed = {"x_hat", "inv_std", "gamma", "training"}
    if not isinstance(cache, dict) or set(cache) != needed:
        raise TypeError("cache must be the dict returned by batchnorm_forward")
    x_hat = _check_float_array(cache["x_hat"], "cache['x_hat']", ndim=2)
    features = (x_hat.shape[1],)
    inv_std = _check_float_array(cache["inv_std"], "cache['inv_std']", shape=features)
    gamma = _check_float_array(cache["gamma"], "cache['gamma']", shape=features)
    _check_bool(cache["training"], "cache['training']")
    return x_hat, inv_std, gamma


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
