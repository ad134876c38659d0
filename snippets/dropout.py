"""Inverted dropout.

Randomly zero units during training and scale the survivors by ``1 / keep_prob``, so the
expected activation is unchanged and nothing needs rescaling at test time.

Convention: ``keep_prob`` is the probability of *keeping* a unit (Andrew Ng's course,
CS231n, TF1). PyTorch's ``nn.Dropout(p)`` and Keras' ``Dropout(rate)`` take the
probability of *dropping* one: ``keep_prob = 1 - p``. The same holds for channel
dropout, :func:`dropout2d_forward`, and PyTorch's ``nn.Dropout2d(p)``.

Reference: Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from
Overfitting", JMLR 15, 2014; Gal and Ghahramani, ICML 2016, for Monte Carlo dropout;
Tompson et al., "Efficient Object Localization Using Convolutional Networks", CVPR 2015,
for channel dropout.
"""

import numpy as np


# --8<-- [start:forward]
def dropout_forward(a, keep_prob, rng, training=True):
    """Apply inverted dropout to activations ``a``.

    Parameters
    ----------
    a : ndarray of float, any shape, usually (N, features)
    keep_prob : float in (0, 1]
        Probability that a unit is kept (not PyTorch's drop probability ``p``).
    rng : numpy.random.Generator
    training : bool
        At test time dropout is the identity: ``a`` is returned unchanged with no mask.

    Returns
    -------
    out : ndarray, same shape and dtype as ``a``
    mask : ndarray of bool, same shape as ``a`` (None when not training)
    """
    a = _check_float_array(a, "a")
    _check_number(keep_prob, "keep_prob", 0, 1, low_open=True)
    _check_rng(rng)
    if not _check_bool(training, "training"):
        return a, None
    # Uniform numbers, not normal ones: P(u < keep_prob) must equal keep_prob.
    mask = rng.random(a.shape, dtype=np.float64 if a.dtype == np.float64
                                     else np.float32) < keep_prob
    return a * mask / a.dtype.type(keep_prob), mask
# --8<-- [end:forward]


# --8<-- [start:backward]
def dropout_backward(da, mask, keep_prob):
    """Gradient of inverted dropout: the upstream gradient through the *same* mask and
    scale.

    Parameters
    ----------
    da : ndarray of float, shape of the forward input
        Gradient of the loss with respect to the dropout output.
    mask : ndarray of bool, same shape as ``da``
        The mask returned by :func:`dropout_forward` for this forward pass.
    keep_prob : float in (0, 1], the value used in the forward pass

    Returns
    -------
    ndarray, same shape and dtype as ``da``: gradient with respect to the dropout input.
    """
    da = _check_float_array(da, "da")
    _check_number(keep_prob, "keep_prob", 0, 1, low_open=True)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array from dropout_forward, "
                        f"got dtype {mask.dtype}")
    if mask.shape != da.shape:
        raise ValueError(f"mask must have the shape of da, {da.shape}, got "
                         f"{mask.shape}")
    return da * mask / da.dtype.type(keep_prob)
# --8<-- [end:backward]


# --8<-- [start:channel]
def dropout2d_forward(a, keep_prob, rng, training=True):
    """Channel dropout for convolutional feature maps: keep or drop whole channels.

    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels removes little; one mask value per (example, channel), broadcast over H and
    W, drops the whole map (Tompson et al. 2015; PyTorch's ``nn.Dropout2d``, whose ``p``
    is the drop probability: ``keep_prob = 1 - p``). Survivors are scaled by
    ``1 / keep_prob``, as in :func:`dropout_forward`.

    Parameters
    ----------
    a : ndarray of float, shape (N, C, H, W)
    keep_prob : float in (0, 1]
        Probability that a channel is kept.
    rng : numpy.random.Generator
    training : bool
        At test time channel dropout is the identity (no mask).

    Returns
    -------
    out : ndarray, shape (N, C, H, W), dtype of ``a``
    mask : ndarray of bool, shape (N, C, 1, 1) (None when not training)
    """
    a = _check_float_array(a, "a", ndim=4)
    _check_number(keep_prob, "keep_prob", 0, 1, low_open=True)
    _check_rng(rng)
    if not _check_bool(training, "training"):
        return a, None
    n, channels = a.shape[:2]
    uniform = np.float64 if a.dtype == np.float64 else np.float32
    mask = rng.random((n, channels, 1, 1), dtype=uniform) < keep_prob
    out = a * mask / a.dtype.type(keep_prob)  # the mask broadcasts over H and W
    return out, mask


def dropout2d_backward(da, mask, keep_prob):
    """Gradient of channel dropout: dropout's gradient, with each channel's mask value
    spread over its H x W positions.

    Parameters
    ----------
    da : ndarray of float, shape (N, C, H, W)
    mask : ndarray of bool, shape (N, C, 1, 1), from :func:`dropout2d_forward`
    keep_prob : float in (0, 1], the value used in the forward pass

    Returns
    -------
    ndarray, shape (N, C, H, W), dtype of ``da``
    """
    da = _check_float_array(da, "da", ndim=4)
    mask = np.asarray(mask)
    if mask.shape != (*da.shape[:2], 1, 1):
        raise ValueError(f"mask must have shape (N, C, 1, 1) = {(*da.shape[:2], 1, 1)} "
                         f"for da of shape {da.shape}, got {mask.shape}")
    return dropout_backward(da, np.broadcast_to(mask, da.shape), keep_prob)
# --8<-- [end:channel]


# --8<-- [start:mc]
def mc_dropout_predict(forward, x, n_samples, rng):
    """Monte Carlo dropout: keep dropout on at test time and average several passes.

    Each pass samples one of the thinned networks; the mean of ``n_samples`` passes
    estimates the prediction of the whole ensemble, and their spread is a measure
    of the model's uncertainty (Gal and Ghahramani 2016).

    Parameters
    ----------
    forward : callable
        ``forward(x, rng) -> ndarray``: the network's forward pass with dropout on,
        i.e. ``training=True`` in every :func:`dropout_forward`, masks from ``rng``.
    x : ndarray of float, shape (N, features)
    n_samples : int >= 2
        Number of stochastic passes.
    rng : numpy.random.Generator

    Returns
    -------
    mean : ndarray, the average output of the passes
    std : ndarray, their standard deviation (``ddof=1``), same shape as ``mean``

    References
    ----------
    Gal and Ghahramani, "Dropout as a Bayesian Approximation: Representing Model
    Uncertainty in Deep Learning", ICML 2016.
    """
    _check_callable(forward, "forward", "forward(x, rng) -> ndarray")
    x = _check_float_array(x, "x")
    n_samples = _check_int(n_samples, "n_samples", 2)
    _check_rng(rng)
    # A pass that returns NaN, or no array at all, is named rather than averaged.
    outputs = np.stack([_check_float_array(forward(x, rng), "forward(x, rng)'s output")
                        for _ in range(n_samples)])
    return outputs.mean(axis=0), outputs.std(axis=0, ddof=1)
# --8<-- [end:mc]


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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")


def _check_callable(fn, name, signature):
    if not callable(fn):
        raise TypeError(f"{name} must be a callable {signature}, "
                        f"got {type(fn).__name__}")


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)
