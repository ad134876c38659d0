"""Weight initialization for dense layers: zeros, small random, Xavier/Glorot and
He/Kaiming.

Random weights break the symmetry between the units of a layer; their scale decides
whether the signal keeps its size through a deep network. Xavier/Glorot keeps the
variance for tanh-like layers, He/Kaiming for ReLU layers. The fans are read from the
weight's shape ``(n_out, n_in)`` exactly as ``torch.nn.init`` does:
``fan_in = shape[1]``, ``fan_out = shape[0]``.

References: Glorot and Bengio, "Understanding the difficulty of training deep
feedforward neural networks", AISTATS 2010. He et al., "Delving Deep into Rectifiers:
Surpassing Human-Level Performance on ImageNet Classification", ICCV 2015.
"""

import math
import numbers

import numpy as np


# --8<-- [start:fans]
def fan_in_and_fan_out(shape):
    """Fan-in and fan-out of a dense weight ``W`` of shape ``(n_out, n_in)``.

    Parameters
    ----------
    shape : tuple of two positive ints, ``(n_out, n_in)``
        The layer computes ``Z = A @ W.T + b``: each output unit sums ``n_in`` inputs.

    Returns
    -------
    fan_in, fan_out : int, int
        ``shape[1]`` and ``shape[0]``, not the other way round: like PyTorch, we store
        ``W`` as (out, in).
    """
    n_out, n_in = _check_shape(shape)
    return n_in, n_out
# --8<-- [end:fans]


# --8<-- [start:simple]
def zeros(shape, rng=None, dtype=np.float64):
    """All-zero weights: every unit computes the same thing and stays so (no symmetry).

    Parameters
    ----------
    shape : tuple ``(n_out, n_in)``
    rng : numpy.random.Generator or None
        Unused; accepted so that every initializer has the same signature.
    dtype : float32 or float64

    Returns
    -------
    ndarray of shape ``(n_out, n_in)`` and the given dtype, all zeros.
    """
    shape = _check_shape(shape)
    if rng is not None:
        _check_rng(rng)
    return np.zeros(shape, dtype=_check_dtype(dtype))


def random_normal(shape, rng, scale=0.01, dtype=np.float64):
    """Gaussian weights of standard deviation ``scale``, whatever the layer's size.

    Parameters
    ----------
    shape : tuple ``(n_out, n_in)``
    rng : numpy.random.Generator
    scale : float > 0
        Standard deviation. Andrew Ng's course uses 0.01 ("small random") and 10
        ("large random").
    dtype : float32 or float64

    Returns
    -------
    ndarray of shape ``(n_out, n_in)``: ``scale * N(0, 1)`` entries.
    """
    shape = _check_shape(shape)
    _check_rng(rng)
    dtype = _check_dtype(dtype)
    _check_number(scale, "scale", 0, low_open=True)
    return rng.standard_normal(shape, dtype=dtype) * dtype.type(scale)
# --8<-- [end:simple]


# --8<-- [start:xavier]
def xavier_normal(shape, rng, dtype=np.float64, *, gain=1.0):
    """Glorot/Xavier normal: ``N(0, std^2)``, ``std = gain * sqrt(2 / (n_in + n_out))``.

    Parameters
    ----------
    shape : tuple ``(n_out, n_in)``
    rng : numpy.random.Generator
    dtype : float32 or float64
    gain : float > 0
        Multiplies the standard deviation; 1 as in Glorot and Bengio. For tanh
        PyTorch recommends ``calculate_gain("tanh")`` = 5/3.

    Returns
    -------
    ndarray of shape ``(n_out, n_in)``; as ``torch.nn.init.xavier_normal_(W, gain)``.
    """
    fan_in, fan_out = fan_in_and_fan_out(shape)
    _check_rng(rng)
    dtype = _check_dtype(dtype)
    gain = _check_number(gain, "gain", 0, low_open=True)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return rng.standard_normal((fan_out, fan_in), dtype=dtype) * dtype.type(std)


def xavier_uniform(shape, rng, dtype=np.float64, *, gain=1.0):
    """Glorot/Xavier uniform: ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    shape : tuple ``(n_out, n_in)``
    rng : numpy.random.Generator
    dtype : float32 or float64
    gain : float > 0
        Multiplies the bound (and the standard deviation); 1 by default.

    Returns
    -------
    ndarray of shape ``(n_out, n_in)``; as ``torch.nn.init.xavier_uniform_(W, gain)``.
    Its variance ``a^2 / 3 = gain^2 * 2 / (fan_in + fan_out)`` is that of
    :func:`xavier_normal`.
    """
    fan_in, fan_out = fan_in_and_fan_out(shape)
    _check_rng(rng)
    dtype = _check_dtype(dtype)
    gain = _check_number(gain, "gain", 0, low_open=True)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # the order of torch's operations, to the last bit
    return _uniform((fan_out, fan_in), bound, rng, dtype)
# --8<-- [end:xavier]


# --8<-- [start:he]
RELU_GAIN = math.sqrt(2.0)  # calculate_gain("relu")


def he_normal(shape, rng, dtype=np.float64, *, gain=RELU_GAIN, mode="fan_in"):
    """He/Kaiming normal: ``N(0, std^2)``, ``std = gain / sqrt(fan)``.

    Parameters
    ----------
    shape : tuple ``(n_out, n_in)``
    rng : numpy.random.Generator
    dtype : float32 or float64
    gain : float > 0
        ``sqrt(2)`` for ReLU (the default); ``calculate_gain("leaky_relu", a)`` for
        a leaky ReLU of slope ``a``.
    mode : ``"fan_in"`` or ``"fan_out"``
        ``fan`` is ``n_in`` (keeps the forward signal's scale, the default) or
        ``n_out`` (keeps the backward gradient's scale).

    Returns
    -------
    ndarray of shape ``(n_out, n_in)``; as
    ``torch.nn.init.kaiming_normal_(W, mode=mode, nonlinearity="relu")`` for the
    default gain. Not truncated.
    """
    fan = _he_fan(shape, mode)
    _check_rng(rng)
    dtype = _check_dtype(dtype)
    gain = _check_number(gain, "gain", 0, low_open=True)
    std = gain / math.sqrt(fan)
    return rng.standard_normal(_check_shape(shape), dtype=dtype) * dtype.type(std)


def he_uniform(shape, rng, dtype=np.float64, *, gain=RELU_GAIN, mode="fan_in"):
    """He/Kaiming uniform: ``U(-a, a)`` with ``a = gain * sqrt(3 / fan)``.

    Parameters
    ----------
    shape : tuple ``(n_out, n_in)``
    rng : numpy.random.Generator
    dtype : float32 or float64
    gain : float > 0
        ``sqrt(2)`` for ReLU (the default), so that ``a = sqrt(6 / fan)``.
    mode : ``"fan_in"`` or ``"fan_out"``
        ``fan`` is ``n_in`` (the default) or ``n_out``.

    Returns
    -------
    ndarray of shape ``(n_out, n_in)``; as
    ``torch.nn.init.kaiming_uniform_(W, mode=mode, nonlinearity="relu")`` for the
    default gain. The variance ``a^2 / 3 = gain^2 / fan`` equals that of
    :func:`he_normal`.
    """
    fan = _he_fan(shape, mode)
    _check_rng(rng)
    dtype = _check_dtype(dtype)
    gain = _check_number(gain, "gain", 0, low_open=True)
    bound = math.sqrt(3.0) * (gain / math.sqrt(fan))  # torch's order of operations
    return _uniform(_check_shape(shape), bound, rng, dtype)


def _he_fan(shape, mode):
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if _check_choice(mode, "mode", ("fan_in", "fan_out")) == "fan_in" \
        else fan_out
# --8<-- [end:he]


# --8<-- [start:gain]
def calculate_gain(nonlinearity, param=None):
    """The gain PyTorch recommends for an activation (``torch.nn.init.calculate_gain``).

    Parameters
    ----------
    nonlinearity : str
        ``"linear"``, ``"conv1d"``/``"conv2d"``/``"conv3d"``,
        ``"conv_transpose1d"``/``2d``/``3d``, ``"sigmoid"``, ``"tanh"``, ``"relu"``,
        ``"leaky_relu"`` or ``"selu"``.
    param : float or None
        The negative slope of ``"leaky_relu"`` (``None`` means PyTorch's 0.01);
        ignored by the other activations, but it must be a finite number if given.

    Returns
    -------
    float
        1 for the linear ones and sigmoid, 5/3 for tanh, ``sqrt(2)`` for relu,
        ``sqrt(2 / (1 + a^2))`` for leaky_relu of slope ``a``, 3/4 for selu.
    """
    _check_choice(nonlinearity, "nonlinearity", tuple(_GAINS) + ("leaky_relu",))
    slope = 0.01 if param is None else _check_number(param, "param")
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1 + slope**2))
    return _GAINS[nonlinearity]


_GAINS = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
          "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
          "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}
# --8<-- [end:gain]


INITIALIZERS = {
    "zeros": zeros,
    "random_normal": random_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}
# the names used in Andrew Ng's course
ALIASES = {"random": "random_normal", "he": "he_normal"}


# --8<-- [start:init_params]
def init_params(layer_sizes, method, rng, *, scale=0.01, dtype=np.float64):
    """Initialize a dense network's parameters.

    Parameters
    ----------
    layer_sizes : sequence of positive ints ``[n0, n1, ..., nL]``
        ``n0`` is the number of input features, ``nL`` the number of outputs.
    method : str
        One of ``"zeros"``, ``"random_normal"``, ``"xavier_normal"``,
        ``"xavier_uniform"``, ``"he_normal"``, ``"he_uniform"``. The course's names
        ``"random"`` and ``"he"`` stand for ``"random_normal"`` and ``"he_normal"``.
    rng : numpy.random.Generator
    scale : float > 0
        Standard deviation for ``"random_normal"``; ignored by the other methods.
    dtype : float32 or float64

    Returns
    -------
    dict
        ``{"W1": (n1, n0), "b1": (n1,), ..., "WL": (nL, n(L-1)), "bL": (nL,)}``.
        Biases are zeros: random weights alone break the symmetry.
    """
    sizes = _check_layer_sizes(layer_sizes)
    init = _check_method(method)
    _check_rng(rng)
    dtype = _check_dtype(dtype)
    _check_number(scale, "scale", 0, low_open=True)
    params = {}
    for layer in range(1, len(sizes)):
        shape = (sizes[layer], sizes[layer - 1])  # (n_out, n_in)
        if init is random_normal:
            params[f"W{layer}"] = random_normal(shape, rng, scale=scale, dtype=dtype)
        else:
            params[f"W{layer}"] = init(shape, rng, dtype=dtype)
        params[f"b{layer}"] = np.zeros(shape[0], dtype=dtype)
    return params
# --8<-- [end:init_params]


def _uniform(shape, bound, rng, dtype):
    """``U(-bound, bound)`` in ``dtype`` without passing through float64 for float32."""
    u = rng.random(shape, dtype=dtype)
    return (u * dtype.type(2.0) - dtype.type(1.0)) * dtype.type(bound)


def _check_shape(shape):
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError("shape must be a pair (n_out, n_in) of positive ints, "
                         f"got {shape!r}")
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError("shape must be a pair (n_out, n_in) of positive ints, "
                            f"got {shape!r}")
        if n < 1:
            raise ValueError("shape must be a pair (n_out, n_in) of positive ints, "
                             f"got {shape!r}")
    return int(shape[0]), int(shape[1])


def _check_layer_sizes(layer_sizes):
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError("layer_sizes must be a sequence of positive ints, "
                        f"got {layer_sizes!r}")
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError("layer_sizes needs at least 2 entries (inputs and outputs), "
                         f"got {sizes}")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"layer_sizes must contain positive ints, got {sizes}")
        if n < 1:
            raise ValueError("layer_sizes must contain positive ints (>= 1), "
                             f"got {sizes}")
    return [int(n) for n in sizes]


def _check_method(method):
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__}")
    name = ALIASES.get(method, method)
    if name not in INITIALIZERS:
        known = ", ".join(sorted([*INITIALIZERS, *ALIASES]))
        raise ValueError(f"method must be one of {known}; got {method!r}")
    return INITIALIZERS[name]


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


def _check_dtype(dtype):
    try:
        checked = None if dtype is None else np.dtype(dtype)
    except TypeError:
        checked = None
    # (not "checked in (...)": np.dtype(None) is float64, so None == float64 is True)
    if checked is None or checked.name not in ("float32", "float64"):
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return checked
