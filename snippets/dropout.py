"""Inverted dropout.

Randomly zero units during training and scale the survivors by ``1 / keep_prob``, so the expected
activation is unchanged and nothing needs rescaling at test time.

Convention: ``keep_prob`` is the probability of *keeping* a unit (Andrew Ng's course, CS231n, TF1).
PyTorch's ``nn.Dropout(p)`` and Keras' ``Dropout(rate)`` take the probability of *dropping* one:
``keep_prob = 1 - p``.

Reference: Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
JMLR 15, 2014; Gal and Ghahramani, ICML 2016, for Monte Carlo dropout.
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
    _check_keep_prob(keep_prob)
    _check_rng(rng)
    if not training:
        return a, None
    # Uniform numbers, not normal ones: P(u < keep_prob) must equal keep_prob.
    mask = rng.random(a.shape, dtype=np.float64 if a.dtype == np.float64 else np.float32) < keep_prob
    return a * mask / a.dtype.type(keep_prob), mask
# --8<-- [end:forward]


# --8<-- [start:backward]
def dropout_backward(da, mask, keep_prob):
    """Gradient of inverted dropout: the upstream gradient through the *same* mask and scale.

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
    _check_keep_prob(keep_prob)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array from dropout_forward, got dtype {mask.dtype}")
    if mask.shape != da.shape:
        raise ValueError(f"mask shape {mask.shape} does not match da shape {da.shape}")
    return da * mask / da.dtype.type(keep_prob)
# --8<-- [end:backward]


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
    if not callable(forward):
        raise TypeError(f"forward must be a function forward(x, rng), got "
                        f"{type(forward).__name__}")
    x = _check_float_array(x, "x")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        name = type(n_samples).__name__
        raise TypeError(f"n_samples must be an integer >= 2, got {name}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples}")
    _check_rng(rng)
    outputs = np.stack([np.asarray(forward(x, rng)) for _ in range(n_samples)])
    return outputs.mean(axis=0), outputs.std(axis=0, ddof=1)
# --8<-- [end:mc]


def _check_keep_prob(keep_prob):
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float, np.floating, np.integer)):
        raise TypeError(f"keep_prob must be a number in (0, 1], got {type(keep_prob).__name__}")
    if not 0.0 < float(keep_prob) <= 1.0:  # also rejects NaN
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")


def _check_float_array(x, name):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be a float array (float32 or float64), got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return x


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
