"""snippets/pooling.py: a loop reference, finite differences, the tie rule and the padding conventions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.pooling import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def _loop_pool(x, kernel, stride, padding, reduce, fill):
    """The definition, one window at a time."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    h_out, w_out = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.empty(x.shape[:2] + (h_out, w_out))
    for n, c, i, j in np.ndindex(*out.shape):
        out[n, c, i, j] = reduce(xp[n, c, i * sh: i * sh + kh, j * sw: j * sw + kw])
    return out


SETTINGS = [(2, None, 0), (3, 1, 1), ((3, 2), (2, 1), (1, 0)), (3, 2, 1)]


@pytest.mark.parametrize("kernel, stride, padding", SETTINGS)
def test_max_pooling_equals_the_loop_definition(rng, kernel, stride, padding):
    x = rng.normal(size=(2, 3, 7, 8))
    out, _ = max_pool2d_forward(x, kernel, stride, padding)
    expected = _loop_pool(x, kernel, kernel if stride is None else stride, padding, np.max, -np.inf)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("kernel, stride, padding", SETTINGS)
def test_average_pooling_equals_the_loop_definition(rng, kernel, stride, padding):
    x = rng.normal(size=(2, 3, 7, 8))
    out, _ = avg_pool2d_forward(x, kernel, stride, padding)
    expected = _loop_pool(x, kernel, kernel if stride is None else stride, padding, np.mean, 0.0)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-14)


def _numeric_grad(f, x, dout, eps=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        grad[idx] = np.sum((f(xp) - f(xm)) * dout) / (2 * eps)
    return grad


@pytest.mark.parametrize("kernel, stride, padding", SETTINGS)
def test_gradients_match_central_differences(rng, kernel, stride, padding):
    x = rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) * 0.1  # distinct values: no ties
    for forward, backward in ((max_pool2d_forward, max_pool2d_backward),
                              (avg_pool2d_forward, avg_pool2d_backward)):
        out, cache = forward(x, kernel, stride, padding)
        dout = rng.normal(size=out.shape)
        numeric = _numeric_grad(lambda z, f=forward: f(z, kernel, stride, padding)[0], x, dout)
        np.testing.assert_allclose(backward(dout, cache), numeric, rtol=1e-6, atol=1e-8)


def test_ties_give_the_whole_gradient_to_the_first_maximum_in_row_major_order():
    """Regression test for the tie rule (PyTorch 2.13 CPU): a constant image, 2x2 windows, stride 2."""
    x = np.zeros((1, 1, 4, 4))
    out, cache = max_pool2d_forward(x, 2)
    dx = max_pool2d_backward(np.arange(1.0, 5.0).reshape(1, 1, 2, 2), cache)
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 2], expected[2, 0], expected[2, 2] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_a_tie_across_rows_goes_to_the_upper_row():
    x = np.array([[[[0.0, 1.0], [1.0, 0.0]]]])  # the maximum 1 sits at (0, 1) and (1, 0)
    dx = max_pool2d_backward(np.ones((1, 1, 1, 1)), max_pool2d_forward(x, 2)[1])
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 1.0], [0.0, 0.0]])


def test_overlapping_windows_add_their_gradients_at_a_shared_maximum():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0  # the maximum of all four 2x2 windows (stride 1)
    out, cache = max_pool2d_forward(x, 2, 1)
    dx = max_pool2d_backward(np.ones_like(out), cache)
    assert dx[0, 0, 1, 1] == 4.0 and dx.sum() == 4.0


def test_max_pooling_never_picks_a_padded_cell():
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # all negative: a zero pad would win
    out, cache = max_pool2d_forward(x, 3, 1, 1)
    assert out.max() < 0
    dx = max_pool2d_backward(np.ones_like(out), cache)
    assert dx.sum() == out.size


def test_count_include_pad_divides_a_corner_window_by_9_or_by_4():
    """3x3 windows, padding 1: the corner window holds 4 real cells and 5 padded zeros."""
    x = np.ones((1, 1, 4, 4))
    included, _ = avg_pool2d_forward(x, 3, 1, 1)
    excluded, _ = avg_pool2d_forward(x, 3, 1, 1, count_include_pad=False)
    assert included[0, 0, 0, 0] == pytest.approx(4 / 9) and included[0, 0, 1, 1] == 1.0
    assert excluded[0, 0, 0, 0] == 1.0 and excluded[0, 0, 0, 1] == 1.0
    np.testing.assert_allclose(excluded, 1.0, rtol=0, atol=1e-15)


def test_padding_above_half_the_kernel_is_refused(rng):
    with pytest.raises(ValueError, match="padding must be at most half"):
        max_pool2d_forward(rng.normal(size=(1, 1, 5, 5)), 2, padding=2)


def test_float32_in_float32_out(rng):
    x = rng.normal(size=(2, 2, 6, 6)).astype(np.float32)
    for forward, backward in ((max_pool2d_forward, max_pool2d_backward),
                              (avg_pool2d_forward, avg_pool2d_backward)):
        out, cache = forward(x, 2)
        assert out.dtype == np.float32 and backward(out, cache).dtype == np.float32


@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9),
       k=st.integers(1, 4), s=st.one_of(st.none(), st.integers(1, 3)), p=st.integers(0, 2),
       include=st.booleans())
def test_shapes_follow_the_output_size_formula(n, c, h, w, k, s, p, include):
    if p > k // 2 or k > h + 2 * p or k > w + 2 * p:
        return
    x = np.linspace(-1, 1, n * c * h * w).reshape(n, c, h, w)
    stride = k if s is None else s
    expected = (n, c, (h + 2 * p - k) // stride + 1, (w + 2 * p - k) // stride + 1)
    for out, cache, backward in ((*max_pool2d_forward(x, k, s, p), max_pool2d_backward),
                                 (*avg_pool2d_forward(x, k, s, p, include), avg_pool2d_backward)):
        assert out.shape == expected
        assert backward(np.ones(expected), cache).shape == x.shape


def test_max_gradient_is_conserved_and_average_gradient_sums_to_window_fractions(rng):
    """Every window hands its whole gradient to one cell (max) or spreads it (avg, no padding)."""
    x = rng.normal(size=(2, 3, 8, 8))
    dout = rng.normal(size=(2, 3, 3, 3))
    np.testing.assert_allclose(max_pool2d_backward(dout, max_pool2d_forward(x, 3, 2)[1]).sum(),
                               dout.sum(), rtol=1e-12)
    np.testing.assert_allclose(avg_pool2d_backward(dout, avg_pool2d_forward(x, 3, 2)[1]).sum(),
                               dout.sum(), rtol=1e-12)


def test_bad_arguments_are_refused_with_their_names(rng):
    x = rng.normal(size=(1, 2, 5, 5))
    with pytest.raises(ValueError, match="kernel_size"):
        max_pool2d_forward(x, 0)
    with pytest.raises(TypeError, match="count_include_pad"):
        avg_pool2d_forward(x, 2, count_include_pad=1)
    out, cache = max_pool2d_forward(x, 2)
    with pytest.raises(ValueError, match="dout"):
        max_pool2d_backward(out[..., :1], cache)
    out, cache = avg_pool2d_forward(x, 2)
    with pytest.raises(TypeError, match="cache"):
        avg_pool2d_backward(out, {k: v for k, v in cache.items() if k != "divisor"})
