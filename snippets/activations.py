"""Activation functions and their derivatives.

A non-linearity between layers is what lets a network represent more than one linear
map. Each function below comes with the derivative its backward pass needs, written in
terms that stay finite for every finite input: the sigmoid never evaluates ``exp`` of a
large positive number, and softmax subtracts the maximum before exponentiating.

Conventions: the derivatives at the kink of ReLU and leaky ReLU (``z = 0``) are the ones
PyTorch uses: 0 for ReLU and ``alpha`` for leaky ReLU. ``softmax_grad`` is the
vector-Jacobian product (what backprop needs), not the full Jacobian.

References: Glorot, Bordes and Bengio, "Deep Sparse Rectifier Neural Networks", AISTATS
2011 (ReLU); Maas, Hannun and Ng, "Rectifier Nonlinearities Improve Neural Network
Acoustic Models", ICML 2013 workshop (leaky ReLU); Goodfellow, Bengio and Courville,
"Deep Learning", MIT Press 2016, section 6.3.
"""

import numpy as np


# --8<-- [start:sigmoid]
def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, computed without overflow for any finite
    ``z``.

    Parameters
    ----------
    z : ndarray of float, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``z``, values in [0, 1]
    """
    z = _check_float_array(z, "z")
    # exp(-|z|) lies in (0, 1]: it never overflows. For z < 0 use the equal form
    # e^z / (1 + e^z).
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z):
    """Derivative of the sigmoid: ``sigmoid(z) * (1 - sigmoid(z))``.

    Parameters
    ----------
    z : ndarray of float, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``z``, values in [0, 1/4]
    """
    s = sigmoid(z)
    return s * (1 - s)
# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(z):
    """Hyperbolic tangent, ``2 * sigmoid(2z) - 1``: zero-centred, values in [-1, 1].

    Parameters
    ----------
    z : ndarray of float, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``z``
    """
    z = _check_float_array(z, "z")
    return np.tanh(z)


def tanh_grad(z):
    """Derivative of tanh: ``1 - tanh(z)**2 = 1 / cosh(z)**2``.

    Computed as ``4 e / (1 + e)**2`` with ``e = exp(-2|z|)``: the same number, but
    without the cancellation of ``1 - tanh(z)**2`` when ``tanh(z)`` rounds to nearly 1,
    and without overflow.

    Parameters
    ----------
    z : ndarray of float, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``z``, values in [0, 1]
    """
    z = _check_float_array(z, "z")
    e = np.exp(-2 * np.abs(z))
    return (4 * e / ((1 + e) * (1 + e))).astype(z.dtype, copy=False)
# --8<-- [end:tanh]


# --8<-- [start:relu]
def relu(z):
    """Rectified linear unit ``max(z, 0)``.

    Parameters
    ----------
    z : ndarray of float, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``z``
    """
    z = _check_float_array(z, "z")
    return np.maximum(z, z.dtype.type(0))


def relu_grad(z):
    """Derivative of ReLU: 1 where ``z > 0``, else 0 (0 at the kink, as in PyTorch).

    Parameters
    ----------
    z : ndarray of float, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``z``
    """
    z = _check_float_array(z, "z")
    return (z > 0).astype(z.dtype)
# --8<-- [end:relu]


# --8<-- [start:leaky_relu]
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: ``z`` where ``z > 0``, else ``alpha * z``.

    Parameters
    ----------
    z : ndarray of float, any shape
    alpha : float in [0, 1)
        Slope for negative inputs; 0.01 is PyTorch's default ``negative_slope``. 0 gives
        ReLU.

    Returns
    -------
    ndarray, same shape and dtype as ``z``
    """
    z = _check_float_array(z, "z")
    alpha = _check_number(alpha, "alpha", 0, 1, high_open=True)
    return np.where(z > 0, z, z.dtype.type(alpha) * z)


def leaky_relu_grad(z, alpha=0.01):
    """Derivative of leaky ReLU: 1 where ``z > 0``, else ``alpha`` (``alpha`` at the
    kink, as in PyTorch).

    Parameters
    ----------
    z : ndarray of float, any shape
    alpha : float in [0, 1)

    Returns
    -------
    ndarray, same shape and dtype as ``z``
    """
    z = _check_float_array(z, "z")
    alpha = _check_number(alpha, "alpha", 0, 1, high_open=True)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha))
# --8<-- [end:leaky_relu]


# --8<-- [start:softmax]
def softmax(z, axis=-1):
    """Softmax along ``axis``: ``exp(z_k) / sum_j exp(z_j)``, stable for any finite
    ``z``.

    Parameters
    ----------
    z : ndarray of float, at least 1-D, e.g. logits of shape (N, classes)
    axis : int
        The axis that holds the classes (the last one by default).

    Returns
    -------
    ndarray, same shape and dtype as ``z``; non-negative, sums to 1 along ``axis``
    """
    z = _check_float_array(z, "z")
    axis = _check_axis(axis, z)
    # Subtracting the maximum changes nothing mathematically and keeps exp() at most 1.
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_grad(z, upstream, axis=-1):
    """Backward pass of softmax: the vector-Jacobian product ``J^T upstream``.

    With ``s = softmax(z)``, the Jacobian is ``diag(s) - s s^T`` along ``axis``, so the
    gradient with respect to ``z`` is ``s * (upstream - sum(upstream * s))``, without
    building the Jacobian.

    Parameters
    ----------
    z : ndarray of float, at least 1-D
        The input of the forward pass.
    upstream : ndarray of float, same shape as ``z``
        Gradient of the loss with respect to ``softmax(z)``.
    axis : int

    Returns
    -------
    ndarray, same shape and dtype as ``z``: gradient of the loss with respect to ``z``
    """
    s = softmax(z, axis)
    upstream = _check_float_array(upstream, "upstream")
    if upstream.shape != s.shape:
        raise ValueError(f"upstream must have the shape of z, {s.shape}, "
                         f"got {upstream.shape}")
    upstream = upstream.astype(s.dtype, copy=False)
    return s * (upstream - np.sum(upstream * s, axis=axis, keepdims=True))
# --8<-- [end:softmax]


def _check_axis(axis, z):
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    if z.ndim == 0:
        raise ValueError("z must be at least 1-D for softmax, got a scalar")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must be in [{-z.ndim}, {z.ndim - 1}] "
                         f"for z of shape {z.shape}, got {axis}")
    return int(axis)


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
