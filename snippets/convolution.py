"""The 2-D convolutional layer: forward and backward through im2col.

A convolution slides a small kernel over the image and takes, at every position, the
dot product of the kernel with the patch under it. Unrolling every patch into a row
("im2col") turns the whole layer into one matrix product, and its backward pass into two
more plus a scatter-add of the patch gradients back onto the image ("col2im").

Convention (as PyTorch's ``torch.nn.functional.conv2d``): inputs are NCHW, the weight
has shape (C_out, C_in / groups, kH, kW), and the layer computes a *cross-correlation*:
the kernel is not flipped (a mathematician's convolution flips it). Padding is with
zeros; ``groups`` splits the channels into independent convolutions (groups = C_in is
a depthwise convolution).

Reference: Dumoulin and Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, 2016; Chellapilla, Puri and Simard, "High Performance Convolutional
Neural Networks for Document Processing", 2006, for the unrolling.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# --8<-- [start:output_size]
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output length along one spatial axis of a convolution or pooling layer.

    ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``: the
    number of positions where the dilated kernel fits in the padded input, taking every
    ``stride``-th one. When the stride does not divide, the last rows are dropped.

    Parameters
    ----------
    size : int >= 1, input height or width
    kernel_size : int >= 1
    stride : int >= 1
    padding : int >= 0, zeros added on each side
    dilation : int >= 1, spacing between kernel taps (1: adjacent)

    Returns
    -------
    int >= 1
    """
    size = _check_int(size, "size", 1)
    kernel_size = _check_int(kernel_size, "kernel_size", 1)
    stride = _check_int(stride, "stride", 1)
    padding = _check_int(padding, "padding", 0)
    dilation = _check_int(dilation, "dilation", 1)
    span = dilation * (kernel_size - 1) + 1  # the dilated kernel's extent
    if span > size + 2 * padding:
        raise ValueError(f"kernel_size {kernel_size} with dilation {dilation} must fit "
                         f"in size + 2 * padding = {size + 2 * padding}, "
                         f"got a span of {span}")
    return (size + 2 * padding - span) // stride + 1
# --8<-- [end:output_size]


# --8<-- [start:receptive_field]
def receptive_field(layers):
    """Side of the input region that one output unit of a stack of layers sees.

    Each layer widens the field by ``dilation * (kernel_size - 1)`` steps of the
    current *jump* (the product of the strides below it, the distance in input pixels
    between neighbouring units): ``r = 1 + sum_l d_l (k_l - 1) prod_{i<l} s_i``.

    Parameters
    ----------
    layers : sequence of (kernel_size, stride, dilation) triples of int >= 1
        From the input upwards; pooling layers count as layers (dilation 1).

    Returns
    -------
    int >= 1, the receptive field in input pixels (1 for an empty stack)
    """
    field, jump = 1, 1
    for kernel_size, stride, dilation in _check_conv_layers(layers):
        field += dilation * (kernel_size - 1) * jump
        jump *= stride
    return field
# --8<-- [end:receptive_field]


# --8<-- [start:param_count]
def conv2d_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """Number of learned parameters of a conv2d layer.

    Each of the ``out_channels`` filters sees ``in_channels / groups`` input channels
    through a kH x kW window, plus one bias: ``C_out (C_in / g) kH kW + C_out``.

    Parameters
    ----------
    in_channels, out_channels : int >= 1, both divisible by ``groups``
    kernel_size : int >= 1 or (kH, kW) pair
    groups : int >= 1
    bias : bool

    Returns
    -------
    int
    """
    in_channels = _check_int(in_channels, "in_channels", 1)
    out_channels = _check_int(out_channels, "out_channels", 1)
    kh, kw = _check_int_pair(kernel_size, "kernel_size", 1)
    groups = _check_groups(groups, in_channels, out_channels,
                           ("in_channels", "out_channels"))
    _check_bool(bias, "bias")
    weights = out_channels * (in_channels // groups) * kh * kw
    return weights + (out_channels if bias else 0)
# --8<-- [end:param_count]


# --8<-- [start:forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of a batch of images with a bank of filters.

    Parameters
    ----------
    x : ndarray of float, shape (N, C_in, H, W)
    w : ndarray of float, shape (C_out, C_in / groups, kH, kW)
    b : ndarray of float, shape (C_out,), or None for no bias
    stride, padding, dilation : int or (height, width) pair
        stride >= 1, padding >= 0 (zeros on both sides), dilation >= 1.
    groups : int >= 1 dividing C_in and C_out
        Channel group g of the output sees only channel group g of the input.

    Returns
    -------
    out : ndarray, shape (N, C_out, H_out, W_out), dtype of ``x``
        H_out = conv_output_size(H, kH, stride, padding, dilation), W_out likewise.
    cache : dict, what :func:`conv2d_backward` needs
    """
    x = _check_float_array(x, "x", ndim=4)
    w = _check_float_array(w, "w", ndim=4).astype(x.dtype, copy=False)
    n, c_in, height, width = x.shape
    c_out, c_group, kh, kw = w.shape
    groups = _check_groups(groups, c_in, c_out)
    if c_group != c_in // groups:
        raise ValueError(f"w must have C_in / groups = {c_in // groups} input channels "
                         f"(axis 1), got shape {w.shape}")
    if b is not None:
        b = _check_float_array(b, "b", shape=(c_out,)).astype(x.dtype, copy=False)
    stride = _check_int_pair(stride, "stride", 1)
    padding = _check_int_pair(padding, "padding", 0)
    dilation = _check_int_pair(dilation, "dilation", 1)
    h_out = _output_size(height, kh, stride[0], padding[0], dilation[0], "H")
    w_out = _output_size(width, kw, stride[1], padding[1], dilation[1], "W")

    # im2col: per group, a column for each (image, output position) holding the
    # K = C_in/g * kH * kW inputs it sees, so that each group is ONE large matrix
    # product (a product per image is several times slower in NumPy)
    windows = _windows(x, (kh, kw), stride, padding, dilation, 0)  # (N,C,Ho,Wo,kH,kW)
    windows = windows.reshape(n, groups, c_group, h_out, w_out, kh, kw)
    cols = windows.transpose(1, 2, 5, 6, 0, 3, 4).reshape(
        groups, c_group * kh * kw, n * h_out * w_out)    # a copy, contiguous
    w_mat = w.reshape(groups, c_out // groups, c_group * kh * kw)
    out = (w_mat @ cols).reshape(c_out, n, h_out, w_out)  # (g,Co/g,K) @ (g,K,N*Ho*Wo)
    out = np.ascontiguousarray(out.transpose(1, 0, 2, 3))  # to (N, C_out, H_out, W_out)
    if b is not None:
        out += b[:, None, None]
    cache = {"cols": cols, "w": w, "x_shape": x.shape, "stride": stride,
             "padding": padding, "dilation": dilation, "has_bias": b is not None}
    return out, cache
# --8<-- [end:forward]


# --8<-- [start:backward]
def conv2d_backward(dout, cache):
    """Gradients of :func:`conv2d_forward` with respect to x, w and b.

    With the patches of all images unrolled into the columns of ``cols`` the layer is
    ``out = w @ cols`` per group, so ``dw = dout @ cols.T`` (the product sums over
    images and positions) and ``dcols = w.T @ dout``;
    each column of ``dcols`` is then added back onto the pixels its patch came from (a
    pixel in several patches collects the sum), and the padding is cut off.

    Parameters
    ----------
    dout : ndarray of float, shape (N, C_out, H_out, W_out)
        Gradient of the loss with respect to the output of :func:`conv2d_forward`.
    cache : dict returned by :func:`conv2d_forward` for the same batch

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
    dw : ndarray, shape (C_out, C_in / groups, kH, kW)
    db : ndarray, shape (C_out,), or None if the forward pass had no bias
    """
    cols, w, x_shape, stride, padding, dilation = _check_conv_cache(cache)
    n, c_in, height, width = x_shape
    c_out, c_group, kh, kw = w.shape
    groups = c_in // c_group
    h_out = _output_size(height, kh, stride[0], padding[0], dilation[0], "H")
    w_out = _output_size(width, kw, stride[1], padding[1], dilation[1], "W")
    if cols.shape != (groups, c_group * kh * kw, n * h_out * w_out):
        raise ValueError("cache['cols'] does not match cache['x_shape'] and "
                         f"cache['w'], got shape {cols.shape}")
    dout = _check_float_array(dout, "dout", shape=(n, c_out, h_out, w_out))
    dout = dout.astype(w.dtype, copy=False)

    db = dout.sum(axis=(0, 2, 3)) if cache["has_bias"] else None
    # dout in the layout of cols: (g, C_out/g, N * H_out * W_out)
    d_mat = dout.transpose(1, 0, 2, 3).reshape(groups, c_out // groups, -1)
    w_mat = w.reshape(groups, c_out // groups, c_group * kh * kw)
    dw = (d_mat @ cols.transpose(0, 2, 1)).reshape(w.shape)  # sums over images too
    dcols = (w_mat.transpose(0, 2, 1) @ d_mat).reshape(
        groups, c_group, kh, kw, n, h_out, w_out)

    # col2im: kernel tap (i, j) of every patch lands on a strided grid of pixels
    (sh, sw), (ph, pw), (dh, dw_) = stride, padding, dilation
    dx = np.zeros((groups, c_group, n, height + 2 * ph, width + 2 * pw), w.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[..., i * dh: i * dh + sh * (h_out - 1) + 1: sh,
               j * dw_: j * dw_ + sw * (w_out - 1) + 1: sw] += dcols[:, :, i, j]
    dx = dx.reshape(c_in, n, height + 2 * ph, width + 2 * pw).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(dx[:, :, ph: ph + height, pw: pw + width]), dw, db
# --8<-- [end:backward]


# --8<-- [start:loops]
def conv2d_forward_loops(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """The textbook definition, one output value at a time (slow; a test reference).

    ``out[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] *
    x_pad[n, g(o) C_in/g + c, i s_h + u d_h, j s_w + v d_w]``, where g(o) is the group
    of output channel o.

    Parameters
    ----------
    x, w, b, stride, padding, dilation, groups : as for :func:`conv2d_forward`

    Returns
    -------
    out : ndarray, shape (N, C_out, H_out, W_out), equal to conv2d_forward's
    """
    x = _check_float_array(x, "x", ndim=4)
    w = _check_float_array(w, "w", ndim=4).astype(x.dtype, copy=False)
    out, xp, taps = _loop_setup(x, w, b, stride, padding, dilation, groups)
    c_out, c_group = w.shape[:2]
    per_group = c_out // (x.shape[1] // c_group)
    for n, o, i, j in np.ndindex(*out.shape):
        c0 = (o // per_group) * c_group
        patch = np.ix_(range(c0, c0 + c_group), taps[0][i], taps[1][j])
        out[n, o, i, j] += np.sum(xp[n][patch] * w[o])
    return out


def conv2d_backward_loops(dout, x, w, b=None, stride=1, padding=0, dilation=1,
                          groups=1):
    """Gradients by the chain rule, one output value at a time (slow; a test reference).

    Output value ``out[n, o, i, j]`` adds ``dout[n, o, i, j] * w[o]`` to the gradient
    of the patch it read and ``dout[n, o, i, j] * patch`` to ``dw[o]``.

    Parameters
    ----------
    dout : ndarray of float, shape (N, C_out, H_out, W_out)
    x, w, b, stride, padding, dilation, groups : the arguments of the forward pass

    Returns
    -------
    dx, dw, db : as :func:`conv2d_backward` returns them
    """
    x = _check_float_array(x, "x", ndim=4)
    w = _check_float_array(w, "w", ndim=4).astype(x.dtype, copy=False)
    out, xp, taps = _loop_setup(x, w, b, stride, padding, dilation, groups)
    dout = _check_float_array(dout, "dout", shape=out.shape).astype(x.dtype, copy=False)
    c_out, c_group = w.shape[:2]
    per_group = c_out // (x.shape[1] // c_group)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n, o, i, j in np.ndindex(*out.shape):
        c0 = (o // per_group) * c_group
        patch = np.ix_(range(c0, c0 + c_group), taps[0][i], taps[1][j])
        dxp[n][patch] += dout[n, o, i, j] * w[o]
        dw[o] += dout[n, o, i, j] * xp[n][patch]
    (ph, pw), (h, wd) = _check_int_pair(padding, "padding", 0), x.shape[2:]
    db = dout.sum(axis=(0, 2, 3)) if b is not None else None
    return dxp[:, :, ph: ph + h, pw: pw + wd], dw, db
# --8<-- [end:loops]


def _loop_setup(x, w, b, stride, padding, dilation, groups):
    """Validate like conv2d_forward; the output filled with the bias, the padded
    input and, per output row and column, the input rows and columns it reads."""
    n, c_in, height, width = x.shape
    c_out, c_group, kh, kw = w.shape
    groups = _check_groups(groups, c_in, c_out)
    if c_group != c_in // groups:
        raise ValueError(f"w must have C_in / groups = {c_in // groups} input channels "
                         f"(axis 1), got shape {w.shape}")
    stride = _check_int_pair(stride, "stride", 1)
    padding = _check_int_pair(padding, "padding", 0)
    dilation = _check_int_pair(dilation, "dilation", 1)
    h_out = _output_size(height, kh, stride[0], padding[0], dilation[0], "H")
    w_out = _output_size(width, kw, stride[1], padding[1], dilation[1], "W")
    out = np.zeros((n, c_out, h_out, w_out), x.dtype)
    if b is not None:
        out += _check_float_array(b, "b", shape=(c_out,)).astype(x.dtype)[:, None, None]
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    taps = [[np.arange(k) * d + i * s for i in range(size)]
            for k, d, s, size in ((kh, dilation[0], stride[0], h_out),
                                  (kw, dilation[1], stride[1], w_out))]
    return out, xp, taps


def _windows(x, kernel, stride, padding, dilation, fill):
    """Read-only view (N, C, H_out, W_out, kH, kW) of the patches of padded ``x``."""
    (ph, pw), (dh, dw) = padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    span = (dh * (kernel[0] - 1) + 1, dw * (kernel[1] - 1) + 1)
    view = sliding_window_view(xp, span, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1], ::dh, ::dw]


def _output_size(size, kernel_size, stride, padding, dilation, axis):
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(f"the kernel (extent {span} with dilation) must fit in the "
                         f"padded input along {axis} ({size + 2 * padding}): make x "
                         "larger, w smaller or padding larger")
    return (size + 2 * padding - span) // stride + 1


def _check_groups(groups, c_in, c_out, names=("x axis 1", "w axis 0")):
    groups = _check_int(groups, "groups", 1)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide both channel counts, C_in = {c_in} "
                         f"({names[0]}) and C_out = {c_out} ({names[1]}), got {groups}")
    return groups


def _check_conv_layers(layers):
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError("layers must be a sequence of (kernel_size, stride, dilation) "
                        f"triples, got {type(layers).__name__}")
    checked = []
    for k, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 3:
            raise ValueError(f"layers[{k}] must be a (kernel_size, stride, dilation) "
                             f"triple, got {layer!r}")
        checked.append(tuple(_check_int(v, f"layers[{k}]", 1) for v in layer))
    return checked


def _check_conv_cache(cache):
    needed = {"cols", "w", "x_shape", "stride", "padding", "dilation", "has_bias"}
    if not isinstance(cache, dict) or set(cache) != needed:
        raise TypeError("cache must be the dict returned by conv2d_forward")
    w = _check_float_array(cache["w"], "cache['w']", ndim=4)
    x_shape = cache["x_shape"]
    if (not isinstance(x_shape, tuple) or len(x_shape) != 4
            or not all(isinstance(v, int) and v >= 1 for v in x_shape)):
        raise ValueError(f"cache['x_shape'] must be (N, C, H, W), got {x_shape!r}")
    stride = _check_int_pair(cache["stride"], "cache['stride']", 1)
    padding = _check_int_pair(cache["padding"], "cache['padding']", 0)
    dilation = _check_int_pair(cache["dilation"], "cache['dilation']", 1)
    _check_bool(cache["has_bias"], "cache['has_bias']")
    cols = cache["cols"]
    # the patches are not scanned for NaN again (x was, in the forward pass): too slow
    if not isinstance(cols, np.ndarray) or cols.dtype != w.dtype or cols.ndim != 3:
        raise ValueError("cache['cols'] must be the patch matrix of conv2d_forward, "
                         f"got {type(cols).__name__}")
    return cols, w, x_shape, stride, padding, dilation


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
