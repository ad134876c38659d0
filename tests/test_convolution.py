"""snippets/convolution.py: the loop definition, finite differences, the size arithmetic, the pitfalls."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.convolution import (
    conv2d_backward,
    conv2d_backward_loops,
    conv2d_forward,
    conv2d_forward_loops,
    conv2d_param_count,
    conv_output_size,
    receptive_field,
)
from tests.helpers import load_figure_module

# (N, C_in, C_out, H, W, (kH, kW), stride, padding, dilation, groups)
SETTINGS = [
    (2, 3, 4, 6, 7, (3, 2), 1, 0, 1, 1),
    (1, 2, 2, 7, 8, (3, 3), 2, 1, 1, 2),
    (2, 4, 4, 7, 6, (2, 3), (1, 2), (2, 0), (2, 1), 4),
    (1, 1, 3, 5, 5, (1, 1), 3, 0, 1, 1),
]


def _problem(rng, setting, dtype=np.float64):
    n, c_in, c_out, h, w, kernel, stride, padding, dilation, groups = setting
    x = rng.normal(size=(n, c_in, h, w)).astype(dtype)
    weight = rng.normal(size=(c_out, c_in // groups, *kernel)).astype(dtype)
    bias = rng.normal(size=c_out).astype(dtype)
    return x, weight, bias, {"stride": stride, "padding": padding, "dilation": dilation,
                             "groups": groups}


@pytest.mark.parametrize("setting", SETTINGS)
def test_forward_equals_the_loop_definition(rng, setting):
    x, weight, bias, kw = _problem(rng, setting)
    out, _ = conv2d_forward(x, weight, bias, **kw)
    np.testing.assert_allclose(out, conv2d_forward_loops(x, weight, bias, **kw), rtol=0, atol=1e-12)


@pytest.mark.parametrize("setting", SETTINGS)
def test_backward_equals_the_loop_chain_rule(rng, setting):
    x, weight, bias, kw = _problem(rng, setting)
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dout = rng.normal(size=out.shape)
    for ours, loops in zip(conv2d_backward(dout, cache),
                           conv2d_backward_loops(dout, x, weight, bias, **kw), strict=True):
        np.testing.assert_allclose(ours, loops, rtol=0, atol=1e-12)


def test_the_loop_version_is_itself_right_on_a_hand_computed_case():
    """2x2 kernel on a 3x3 image, no padding: four dot products worked out by hand."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = np.array([[[[0 + 2 + 9 + 16, 1 + 4 + 12 + 20], [3 + 8 + 18 + 28, 4 + 10 + 21 + 32]]]])
    np.testing.assert_array_equal(conv2d_forward_loops(x, w), expected)
    np.testing.assert_array_equal(conv2d_forward(x, w)[0], expected)


def _loss(x, weight, bias, dout, kw):
    return np.sum(conv2d_forward(x, weight, bias, **kw)[0] * dout)


@pytest.mark.parametrize("setting", SETTINGS[1:3])
def test_gradients_match_central_differences(rng, setting):
    x, weight, bias, kw = _problem(rng, setting)
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dout = rng.normal(size=out.shape)
    grads = conv2d_backward(dout, cache)
    eps = 1e-6
    for k, (array, grad) in enumerate(zip((x, weight, bias), grads, strict=True)):
        numeric = np.zeros_like(array)
        for idx in np.ndindex(*array.shape):
            args = [x.copy(), weight.copy(), bias.copy()]
            args[k][idx] += eps
            plus = _loss(*args, dout, kw)
            args[k][idx] -= 2 * eps
            numeric[idx] = (plus - _loss(*args, dout, kw)) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_float32_in_float32_out(rng):
    x, weight, bias, kw = _problem(rng, SETTINGS[1], np.float32)
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dx, dw, db = conv2d_backward(out, cache)
    assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(np.float32)}


def test_inputs_are_not_modified(rng):
    x, weight, bias, kw = _problem(rng, SETTINGS[2])
    copies = [a.copy() for a in (x, weight, bias)]
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dout = rng.normal(size=out.shape)
    dout_copy = dout.copy()
    conv2d_backward(dout, cache)
    for a, c in zip((x, weight, bias, dout), (*copies, dout_copy), strict=True):
        np.testing.assert_array_equal(a, c)


# ------------------------------------------------------------------ output size, receptive field, params

def test_output_size_known_values():
    assert conv_output_size(32, 3, 1, 1) == 32          # "same" for a 3x3
    assert conv_output_size(8, 3, 2, 0) == 3            # (8 - 3) / 2 = 2.5, rounded down, + 1
    assert conv_output_size(7, 3, 2, 0) == 3            # divides exactly
    assert conv_output_size(9, 3, 1, 0, dilation=2) == 5  # the dilated 3x3 spans 5
    assert conv_output_size(224, 7, 2, 3) == 112        # ResNet's stem


@given(size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_output_size_counts_the_window_positions(size, kernel, stride, padding, dilation):
    span = dilation * (kernel - 1) + 1
    positions = [start for start in range(0, size + 2 * padding, stride)
                 if start + span <= size + 2 * padding]
    if not positions:
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_size(size, kernel, stride, padding, dilation)
    else:
        assert conv_output_size(size, kernel, stride, padding, dilation) == len(positions)


@given(n=st.integers(1, 2), c=st.sampled_from([(2, 2, 1), (2, 4, 2), (3, 3, 3)]),
       h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 3), kw=st.integers(1, 3),
       stride=st.integers(1, 3), padding=st.integers(0, 2), dilation=st.integers(1, 2))
def test_forward_and_backward_shapes_follow_the_formula(n, c, h, w, kh, kw, stride, padding, dilation):
    c_in, c_out, groups = c
    if dilation * (kh - 1) + 1 > h + 2 * padding or dilation * (kw - 1) + 1 > w + 2 * padding:
        return
    x = np.ones((n, c_in, h, w), np.float32)
    weight = np.ones((c_out, c_in // groups, kh, kw), np.float32)
    out, cache = conv2d_forward(x, weight, None, stride, padding, dilation, groups)
    assert out.shape == (n, c_out, conv_output_size(h, kh, stride, padding, dilation),
                         conv_output_size(w, kw, stride, padding, dilation))
    dx, dw, db = conv2d_backward(out, cache)
    assert dx.shape == x.shape and dw.shape == weight.shape and db is None
    assert out.dtype == dx.dtype == dw.dtype == np.float32


def test_receptive_field_known_values():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1, 1)] * 3) == 7               # three 3x3 see what one 7x7 sees
    assert receptive_field([(3, 2, 1), (3, 1, 1)]) == 7        # a stride doubles what follows
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15  # dilations 1, 2, 4
    assert receptive_field([(7, 2, 1), (3, 2, 1)]) == 11       # ResNet's stem: conv 7/2, pool 3/2


@given(layers=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 2)),
                       min_size=1, max_size=3))
def test_receptive_field_is_the_support_of_one_outputs_gradient(layers):
    """Independent of the formula: stack the layers as convolutions with positive weights on a 1-D
    strip, send a gradient from one output unit and measure how wide a strip of the input gets it."""
    size = 80
    x = np.ones((1, 1, 1, size))
    caches, shapes = [], []
    for k, s, d in layers:
        shapes.append(x.shape)
        x, cache = conv2d_forward(x, np.ones((1, 1, 1, k)), None, (1, s), 0, (1, d))
        caches.append(cache)
    grad = np.zeros(x.shape)
    grad[..., x.shape[-1] // 2] = 1.0
    for cache in reversed(caches):
        grad = conv2d_backward(grad, cache)[0]
    touched = np.flatnonzero(grad[0, 0, 0])
    assert touched[-1] - touched[0] + 1 == receptive_field(layers)


def test_param_count_known_values():
    assert conv2d_param_count(16, 32, 3) == 32 * 16 * 9 + 32 == 4640
    assert conv2d_param_count(256, 64, 1, bias=False) == 16384
    assert conv2d_param_count(32, 32, 3, groups=32, bias=False) == 288  # depthwise: 9 per channel
    assert conv2d_param_count(12, 18, (5, 3), groups=3) == 18 * 4 * 15 + 18


@given(c_in=st.integers(1, 6), c_out=st.integers(1, 6), kh=st.integers(1, 4), kw=st.integers(1, 4))
def test_param_count_is_the_size_of_the_weight_and_bias(c_in, c_out, kh, kw):
    weight = np.zeros((c_out, c_in, kh, kw))
    assert conv2d_param_count(c_in, c_out, (kh, kw)) == weight.size + c_out


# ------------------------------------------------------------------ pitfalls (named on the page)

def test_pitfall_the_layer_is_a_cross_correlation_not_a_flipped_convolution(rng):
    """Against NumPy's 1-D definitions: conv2d equals np.correlate, and equals np.convolve only with
    the kernel flipped. Porting weights from a library that flips (scipy.signal.convolve2d) needs the
    flip."""
    x = rng.normal(size=12)
    k = np.array([1.0, -2.0, 0.5])  # not symmetric: flipping changes it
    out = conv2d_forward(x.reshape(1, 1, 1, -1), k.reshape(1, 1, 1, -1))[0].ravel()
    np.testing.assert_allclose(out, np.correlate(x, k, "valid"), rtol=0, atol=1e-12)
    assert not np.allclose(out, np.convolve(x, k, "valid"))
    np.testing.assert_allclose(out, np.convolve(x, k[::-1], "valid"), rtol=0, atol=1e-12)


@given(size=st.integers(4, 40), half=st.integers(0, 3))
def test_pitfall_same_padding_is_k_minus_1_over_2_for_odd_kernels_only(size, half):
    odd, even = 2 * half + 1, 2 * half + 2
    assert conv_output_size(size, odd, 1, (odd - 1) // 2) == size
    # an even kernel has no symmetric "same" padding: one size too small or one too large
    assert conv_output_size(size, even, 1, (even - 1) // 2) == size - 1
    assert conv_output_size(size, even, 1, even // 2) == size + 1


def test_pitfall_stride_drops_the_last_rows_when_it_does_not_divide(rng):
    """8 rows, 3x3, stride 2: windows start at rows 0, 2, 4; row 7 is never read, so its gradient is 0."""
    x = rng.normal(size=(1, 1, 8, 8))
    out, cache = conv2d_forward(x, rng.normal(size=(1, 1, 3, 3)), None, stride=2)
    assert out.shape == (1, 1, 3, 3)
    dx = conv2d_backward(np.ones_like(out), cache)[0]
    assert np.all(dx[0, 0, 7] == 0) and np.all(dx[0, 0, :, 7] == 0) and np.any(dx[0, 0, 6] != 0)


def test_pitfall_groups_want_a_weight_with_c_in_over_groups_channels(rng):
    x = rng.normal(size=(1, 4, 5, 5))
    with pytest.raises(ValueError, match=r"C_in / groups = 1"):
        conv2d_forward(x, rng.normal(size=(4, 4, 3, 3)), groups=4)  # a dense weight, depthwise call
    with pytest.raises(ValueError, match="groups must divide"):
        conv2d_forward(x, rng.normal(size=(6, 2, 3, 3)), groups=3)


def test_pitfall_depthwise_channels_do_not_mix(rng):
    """groups = C_in: output channel c depends on input channel c only."""
    x = rng.normal(size=(1, 3, 6, 6))
    weight = rng.normal(size=(3, 1, 3, 3))
    out, _ = conv2d_forward(x, weight, groups=3, padding=1)
    x2 = x.copy()
    x2[0, 1] += 5.0
    out2, _ = conv2d_forward(x2, weight, groups=3, padding=1)
    np.testing.assert_array_equal(out[0, [0, 2]], out2[0, [0, 2]])
    assert not np.allclose(out[0, 1], out2[0, 1])


def test_kernel_larger_than_the_padded_input_is_refused(rng):
    with pytest.raises(ValueError, match="must fit in the padded input"):
        conv2d_forward(rng.normal(size=(1, 1, 4, 4)), rng.normal(size=(1, 1, 3, 3)), dilation=2)


def test_backward_refuses_a_cache_whose_patches_do_not_match(rng):
    x, weight, bias, kw = _problem(rng, SETTINGS[0])
    out, cache = conv2d_forward(x, weight, bias, **kw)
    with pytest.raises(ValueError, match="cache"):
        conv2d_backward(out, {**cache, "cols": cache["cols"][:, :1]})


def test_bad_arguments_are_refused_with_their_names(rng):
    x, weight, bias, kw = _problem(rng, SETTINGS[0])
    out, cache = conv2d_forward(x, weight, bias, **kw)
    with pytest.raises(ValueError, match="stride"):
        conv2d_forward_loops(x, weight, bias, stride=0)
    with pytest.raises(ValueError, match="dout"):
        conv2d_backward_loops(out[:, :1], x, weight, bias, **kw)
    with pytest.raises(ValueError, match="dout"):
        conv2d_backward(out[..., :-1], cache)
    with pytest.raises(TypeError, match="layers"):
        receptive_field(3)
    with pytest.raises(ValueError, match="groups"):
        conv2d_param_count(6, 4, 3, groups=4)
    with pytest.raises(TypeError, match="padding"):
        conv_output_size(5, 3, padding=1.0)


def test_a_flipped_sobel_kernel_gives_the_negated_response(rng):
    """The figure's third panel: Sobel-x turned by 180 degrees is -Sobel-x, so a library that flips
    the kernel reports every edge with the opposite sign."""
    sobel_x = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    x = rng.random((1, 1, 12, 10))
    plain = conv2d_forward(x, sobel_x[None, None], padding=1)[0]
    flipped = conv2d_forward(x, sobel_x[::-1, ::-1][None, None].copy(), padding=1)[0]
    np.testing.assert_allclose(flipped, -plain, rtol=0, atol=1e-12)
    assert np.abs(plain).max() > 0.5


@pytest.mark.parametrize("channels", [16, 64, 256])
def test_three_3x3_layers_cost_27_c_squared_weights_against_49_for_one_7x7(channels):
    """The page's VGG argument: the same 7x7 receptive field for 27/49 of the weights."""
    assert receptive_field([(3, 1, 1)] * 3) == receptive_field([(7, 1, 1)]) == 7
    three = 3 * conv2d_param_count(channels, channels, 3, bias=False)
    assert three == 27 * channels**2
    assert conv2d_param_count(channels, channels, 7, bias=False) == 49 * channels**2


def test_the_architecture_page_counts():
    """docs/architectures/index.md: every count it states, from conv2d_param_count via block_weights."""
    counts = list(load_figure_module("architectures").block_weights(256).values())
    assert counts == [9 * 256 * 256, 256 * 64 + 9 * 64 * 256, 256 * 64 + 9 * 64 * 64 + 64 * 256,
                      9 * 256 + 256 * 256]
    assert counts == [589_824, 163_840, 69_632, 67_840]
    basic_block = 2 * conv2d_param_count(64, 64, 3, bias=False)
    assert basic_block == 73_728 > counts[2]
    assert round(counts[0] / counts[1], 1) == 3.6 and round(counts[0] / counts[3], 1) == 8.7
    assert counts[3] / counts[0] == pytest.approx(1 / 256 + 1 / 9, rel=1e-12)


@given(channels=st.integers(4, 1024).map(lambda c: 4 * (c // 4)))
def test_block_weights_grow_as_c_squared_and_separable_crosses_the_bottleneck_at_144(channels):
    counts = list(load_figure_module("architectures").block_weights(channels).values())
    c = channels
    assert counts[0] == 9 * c * c and counts[1] == 5 * c * c // 2
    assert counts[2] * 16 == 17 * c * c and counts[3] == 9 * c + c * c
    assert (counts[3] > counts[2]) == (c < 144)
