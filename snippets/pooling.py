"""Max and average pooling over 2-D windows, forward and backward.

Pooling summarizes each kH x kW window of every channel by one number: its maximum
(max pooling) or its mean (average pooling). It shrinks the feature map, has no
parameters, and makes the output insensitive to small shifts of the input.

Conventions (as PyTorch's ``max_pool2d`` and ``avg_pool2d`` with ``ceil_mode=False``):
NCHW inputs; ``stride`` defaults to ``kernel_size``; ``padding`` is at most half the
kernel. Max pooling pads with -inf, so a padded cell never wins, and when several
cells of a window tie for the maximum the *first* in row-major order (top row first,
left to right) gets the whole gradient, as PyTorch 2.13 does on the CPU. Average
pooling pads with zeros and by default divides by the full kH * kW, padded cells
included (``count_include_pad=True``, PyTorch's default); with ``False`` it divides by
the number of real cells in the window.

Reference: Boureau, Ponce and LeCun, "A Theoretical Analysis of Feature Pooling in
Visual Recognition", ICML 2010; Dumoulin and Visin, arXiv:1603.07285, for the sizes.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# --8<-- [start:max_forward]
def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Maximum of each window of each channel.

    Parameters
    ----------
    x : ndarray of float, shape (N, C, H, W)
    kernel_size : int >= 1 or (kH, kW) pair
    stride : int >= 1, (height, width) pair, or None for ``kernel_size``
    padding : int >= 0 or pair, at most half the kernel; pads with -inf

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out), dtype of ``x``
        H_out = floor((H + 2 padding - kH) / stride) + 1, W_out likewise.
    cache : dict, what :func:`max_pool2d_backward` needs (where each maximum was)
    """
    x, kernel, stride, padding, out_size = _check_pool_args(x, kernel_size, stride,
                                                            padding)
    windows = _windows(x, kernel, stride, padding, -np.inf)  # (N, C, Ho, Wo, kH, kW)
    flat = windows.reshape(*windows.shape[:4], -1)
    winner = flat.argmax(axis=-1)  # the first maximum in row-major order wins ties
    out = np.take_along_axis(flat, winner[..., None], axis=-1)[..., 0]
    cache = {"winner": winner, "x_shape": x.shape, "kernel": kernel, "stride": stride,
             "padding": padding}
    return out, cache
# --8<-- [end:max_forward]


# --8<-- [start:max_backward]
def max_pool2d_backward(dout, cache):
    """Gradient of max pooling: each window's gradient goes to its maximum.

    A cell that is the maximum of several overlapping windows collects the sum of
    their gradients; every other cell gets zero.

    Parameters
    ----------
    dout : ndarray of float, shape (N, C, H_out, W_out)
    cache : dict returned by :func:`max_pool2d_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), dtype of ``dout``
    """
    winner, (n, c, height, width), kernel, stride, padding = _check_max_cache(cache)
    dout = _check_float_array(dout, "dout", shape=winner.shape)
    h_out, w_out = winner.shape[2:]
    hp, wp = height + 2 * padding[0], width + 2 * padding[1]
    # the winner's row and column in the padded image, then its index in (N C Hp Wp)
    rows = np.arange(h_out)[:, None] * stride[0] + winner // kernel[1]
    cols = np.arange(w_out)[None, :] * stride[1] + winner % kernel[1]
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (hp * wp)
    dx = np.bincount((plane + rows * wp + cols).ravel(), weights=dout.ravel(),
                     minlength=n * c * hp * wp).astype(dout.dtype)
    dx = dx.reshape(n, c, hp, wp)
    return np.ascontiguousarray(dx[:, :, padding[0]: padding[0] + height,
                                   padding[1]: padding[1] + width])
# --8<-- [end:max_backward]


# --8<-- [start:avg_forward]
def avg_pool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Mean of each window of each channel.

    Parameters
    ----------
    x : ndarray of float, shape (N, C, H, W)
    kernel_size : int >= 1 or (kH, kW) pair
    stride : int >= 1, (height, width) pair, or None for ``kernel_size``
    padding : int >= 0 or pair, at most half the kernel; pads with zeros
    count_include_pad : bool
        True (PyTorch's default): divide by kH * kW, padded zeros included.
        False: divide by the number of cells of the window inside the image.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out), dtype of ``x``
    cache : dict, what :func:`avg_pool2d_backward` needs
    """
    x, kernel, stride, padding, out_size = _check_pool_args(x, kernel_size, stride,
                                                            padding)
    if _check_bool(count_include_pad, "count_include_pad"):
        divisor = np.full(out_size, kernel[0] * kernel[1], x.dtype)
    else:  # pool an image of ones: each window counts its real cells
        ones = np.ones((1, 1) + x.shape[2:], x.dtype)
        divisor = _windows(ones, kernel, stride, padding, 0).sum(axis=(-2, -1))[0, 0]
    windows = _windows(x, kernel, stride, padding, 0)
    out = windows.sum(axis=(-2, -1)) / divisor
    cache = {"divisor": divisor, "x_shape": x.shape, "kernel": kernel,
             "stride": stride, "padding": padding}
    return out.astype(x.dtype, copy=False), cache
# --8<-- [end:avg_forward]


# --8<-- [start:avg_backward]
def avg_pool2d_backward(dout, cache):
    """Gradient of average pooling: each window's gradient, divided by its divisor,
    is spread evenly over its cells (overlapping windows add up).

    Parameters
    ----------
    dout : ndarray of float, shape (N, C, H_out, W_out)
    cache : dict returned by :func:`avg_pool2d_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), dtype of ``dout``
    """
    divisor, (n, c, height, width), kernel, stride, padding = _check_avg_cache(cache)
    h_out, w_out = divisor.shape
    dout = _check_float_array(dout, "dout", shape=(n, c, h_out, w_out))
    share = dout / divisor.astype(dout.dtype)
    (sh, sw), (ph, pw) = stride, padding
    dx = np.zeros((n, c, height + 2 * ph, width + 2 * pw), dout.dtype)
    for i in range(kernel[0]):      # cell (i, j) of every window at once
        for j in range(kernel[1]):
            dx[:, :, i: i + sh * (h_out - 1) + 1: sh,
               j: j + sw * (w_out - 1) + 1: sw] += share
    return np.ascontiguousarray(dx[:, :, ph: ph + height, pw: pw + width])
# --8<-- [end:avg_backward]


def _check_pool_args(x, kernel_size, stride, padding):
    x = _check_float_array(x, "x", ndim=4)
    kernel = _check_int_pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else _check_int_pair(stride, "stride", 1)
    padding = _check_int_pair(padding, "padding", 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"padding must be at most half of kernel_size {kernel}, "
                         f"got {padding}")
    out_size = []
    for size, k, s, p, axis in zip(x.shape[2:], kernel, stride, padding, "HW",
                                   strict=True):
        if k > size + 2 * p:
            raise ValueError(f"kernel_size {k} must fit in the padded x along {axis} "
                             f"({size + 2 * p}), got x of shape {x.shape}")
        out_size.append((size + 2 * p - k) // s + 1)
    return x, kernel, stride, padding, tuple(out_size)


def _windows(x, kernel, stride, padding, fill):
    """Read-only view (N, C, H_out, W_out, kH, kW) of the windows of padded ``x``."""
    (ph, pw) = padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    view = sliding_window_view(xp, kernel, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1]]


def _check_cache_common(cache, needed, what):
    if not isinstance(cache, dict) or set(cache) != needed:
        raise TypeError(f"cache must be the dict returned by {what}")
    x_shape = cache["x_shape"]
    if (not isinstance(x_shape, tuple) or len(x_shape) != 4
            or not all(isinstance(v, int) and v >= 1 for v in x_shape)):
        raise ValueError(f"cache['x_shape'] must be (N, C, H, W), got {x_shape!r}")
    kernel = _check_int_pair(cache["kernel"], "cache['kernel']", 1)
    stride = _check_int_pair(cache["stride"], "cache['stride']", 1)
    padding = _check_int_pair(cache["padding"], "cache['padding']", 0)
    out_size = tuple((size + 2 * p - k) // s + 1 for size, k, s, p in
                     zip(x_shape[2:], kernel, stride, padding, strict=True))
    return x_shape, kernel, stride, padding, out_size


def _check_max_cache(cache):
    x_shape, kernel, stride, padding, out_size = _check_cache_common(
        cache, {"winner", "x_shape", "kernel", "stride", "padding"},
        "max_pool2d_forward")
    winner = np.asarray(cache["winner"])
    if (winner.dtype.kind not in "iu" or winner.shape != x_shape[:2] + out_size
            or winner.min() < 0 or winner.max() >= kernel[0] * kernel[1]):
        raise ValueError("cache['winner'] must hold window positions in [0, "
                         f"{kernel[0] * kernel[1]}), shape {x_shape[:2] + out_size}")
    return winner, x_shape, kernel, stride, padding


def _check_avg_cache(cache):
    x_shape, kernel, stride, padding, out_size = _check_cache_common(
        cache, {"divisor", "x_shape", "kernel", "stride", "padding"},
        "avg_pool2d_forward")
    divisor = _check_float_array(cache["divisor"], "cache['divisor']", shape=out_size)
    if np.any(divisor <= 0):
        raise ValueError("cache['divisor'] must be > 0")
    return divisor, x_shape, kernel, stride, padding


def _check_int_pair(value, name, low):
    """An int, or a pair of ints (height, width), each >= low; returned as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a (height, width) pair, "
                             f"got {value!r}")
        return tuple(_check_int(v, name, low) for v in value)
    value = _check_int(value, name, low)
    return value, value


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
