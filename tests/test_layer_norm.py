"""Tests of snippets/layer_norm.py: layer and group normalization, their gradients, the limiting
cases (group norm with one group is layer norm, with C groups instance norm), batch independence,
the eps and variance conventions, dtypes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.layer_norm import (
    group_norm_backward,
    group_norm_forward,
    layer_norm_backward,
    layer_norm_forward,
)


def _images(rng, n=3, c=6, h=4, w=5):
    # channels on different scales and offsets, so that a per-channel or per-group bug shows
    scale = rng.uniform(0.1, 10, size=(1, c, 1, 1))
    return rng.normal(size=(n, c, h, w)) * scale + rng.normal(size=(1, c, 1, 1)) * 3


def _numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def test_layer_norm_gives_each_example_mean_zero_and_variance_one(rng):
    x = rng.normal(size=(4, 3, 5)) * 7 + 2
    out, _ = layer_norm_forward(x, (3, 5), eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(1, 2)), 1, rtol=1e-9)


def test_layer_norm_over_the_last_axis_only(rng):
    x = rng.normal(size=(2, 3, 5)) * 4 - 1
    out, _ = layer_norm_forward(x, 5, eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=-1), 1, rtol=1e-9)


def test_gamma_and_beta_are_elementwise(rng):
    x = rng.normal(size=(200, 4)) * 3
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    plain, _ = layer_norm_forward(x, 4)
    out, _ = layer_norm_forward(x, 4, gamma, beta)
    np.testing.assert_allclose(out, plain * gamma + beta, rtol=1e-12, atol=1e-12)


def test_variance_is_the_biased_one():
    # x = (1, 2, 3, 4): biased variance 1.25, unbiased 5/3
    out, _ = layer_norm_forward(np.array([[1.0, 2.0, 3.0, 4.0]]), 4, eps=1e-5)
    expected = (np.array([1.0, 2.0, 3.0, 4.0]) - 2.5) / np.sqrt(1.25 + 1e-5)
    np.testing.assert_allclose(out[0], expected, rtol=1e-12)


def test_eps_is_inside_the_square_root():
    # a row with a tiny variance, 2.5e-7, next to eps = 1e-5: where eps goes matters
    x = np.array([[0.0, 1e-3]])
    out, _ = layer_norm_forward(x, 2, eps=1e-5)
    inside = np.array([-5e-4, 5e-4]) / np.sqrt(2.5e-7 + 1e-5)
    outside = np.array([-5e-4, 5e-4]) / (np.sqrt(2.5e-7) + 1e-5)
    np.testing.assert_allclose(out[0], inside, rtol=1e-12)
    assert not np.allclose(out[0], outside, rtol=1e-3)
    np.testing.assert_allclose(outside / out[0], 6.28, rtol=0.01)  # the page: "about 6"


def test_a_constant_example_is_mapped_to_beta():
    out, _ = layer_norm_forward(np.full((2, 3), 4.0), 3, np.ones(3) * 2, np.arange(3.0))
    np.testing.assert_allclose(out, np.tile(np.arange(3.0), (2, 1)), atol=1e-12)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_matches_finite_differences(rng, affine):
    x = rng.normal(size=(3, 2, 4)) * 2 + 1
    gamma = rng.uniform(0.5, 2, (2, 4)) if affine else None
    beta = rng.normal(size=(2, 4)) if affine else None
    w = rng.normal(size=x.shape)  # loss = sum(w * out): a non-symmetric upstream gradient

    def loss():
        return np.sum(w * layer_norm_forward(x, (2, 4), gamma, beta)[0])

    _, cache = layer_norm_forward(x, (2, 4), gamma, beta)
    dx, dgamma, dbeta = layer_norm_backward(w, cache)
    np.testing.assert_allclose(dx, _numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
    if affine:
        np.testing.assert_allclose(dgamma, _numerical_gradient(loss, gamma), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(dbeta, _numerical_gradient(loss, beta), rtol=1e-6, atol=1e-8)
    else:
        assert dgamma is None and dbeta is None


@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_backward_matches_finite_differences(rng, affine):
    x = _images(rng, n=2, c=4, h=2, w=3)
    gamma = rng.uniform(0.5, 2, 4) if affine else None
    beta = rng.normal(size=4) if affine else None
    w = rng.normal(size=x.shape)

    def loss():
        return np.sum(w * group_norm_forward(x, 2, gamma, beta)[0])

    _, cache = group_norm_forward(x, 2, gamma, beta)
    dx, dgamma, dbeta = group_norm_backward(w, cache)
    np.testing.assert_allclose(dx, _numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
    if affine:
        np.testing.assert_allclose(dgamma, _numerical_gradient(loss, gamma), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(dbeta, _numerical_gradient(loss, beta), rtol=1e-6, atol=1e-8)


def test_group_norm_normalizes_each_example_and_group(rng):
    x = _images(rng)
    out, _ = group_norm_forward(x, 3, eps=1e-12)
    groups = out.reshape(3, 3, -1)  # (N, G, channels of the group x H x W)
    np.testing.assert_allclose(groups.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(groups.var(axis=-1), 1, rtol=1e-9)


def test_group_norm_with_one_group_is_layer_norm_over_channels_and_positions(rng):
    x = _images(rng)
    gamma, beta = rng.uniform(0.5, 2, 6), rng.normal(size=6)
    out, _ = group_norm_forward(x, 1, gamma, beta)
    # layer norm's affine is elementwise: the per-channel one, broadcast over H and W
    g_full = np.broadcast_to(gamma[:, None, None], x.shape[1:]).copy()
    b_full = np.broadcast_to(beta[:, None, None], x.shape[1:]).copy()
    expected, _ = layer_norm_forward(x, x.shape[1:], g_full, b_full)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_group_norm_with_one_group_per_channel_is_instance_norm(rng):
    x = _images(rng)
    out, _ = group_norm_forward(x, 6, eps=1e-5)
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)  # per example and channel: instance norm
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12, atol=1e-12)


def test_an_example_is_normalized_the_same_alone_or_in_any_batch(rng):
    """The property that batch norm lacks: no statistic crosses the batch."""
    x = rng.normal(size=(8, 5)) * 3 + 1
    alone, _ = layer_norm_forward(x[:1], 5)
    batched, _ = layer_norm_forward(x, 5)
    np.testing.assert_allclose(batched[:1], alone, rtol=1e-13, atol=1e-13)
    images = _images(rng)
    alone, _ = group_norm_forward(images[1:2], 2)
    batched, _ = group_norm_forward(images, 2)
    np.testing.assert_allclose(batched[1:2], alone, rtol=1e-13, atol=1e-13)
    # batch norm, by contrast, changes the first example's output with its batch
    g, b, state = init_batchnorm(5)
    bn_small, _, _ = batchnorm_forward(x[:2], g, b, state)
    bn_large, _, _ = batchnorm_forward(x, g, b, state)
    assert not np.allclose(bn_small[:1], bn_large[:1], atol=1e-3)


def test_float32_stays_float32_and_close_to_float64(rng):
    x = rng.normal(size=(4, 6, 3, 3))
    g, b = rng.uniform(0.5, 2, 6), rng.normal(size=6)
    out32, cache32 = group_norm_forward(x.astype(np.float32), 3, g.astype(np.float32),
                                        b.astype(np.float32))
    out64, cache64 = group_norm_forward(x, 3, g, b)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-5)
    dy = rng.normal(size=x.shape)
    grads32 = group_norm_backward(dy.astype(np.float32), cache32)
    grads64 = group_norm_backward(dy, cache64)
    for a, e in zip(grads32, grads64, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-4)
    out32, _ = layer_norm_forward(x.astype(np.float32), (3, 3))
    assert out32.dtype == np.float32


def test_inputs_are_not_modified(rng):
    x = rng.normal(size=(3, 4))
    g, b = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    copies = [x.copy(), g.copy(), b.copy()]
    _, cache = layer_norm_forward(x, 4, g, b)
    dy = rng.normal(size=(3, 4))
    dy_copy = dy.copy()
    layer_norm_backward(dy, cache)
    for a, e in zip([x, g, b, dy], [*copies, dy_copy], strict=True):
        np.testing.assert_array_equal(a, e)


def test_only_gamma_without_beta_is_refused(rng):
    with pytest.raises(TypeError, match=r"gamma and beta must be given both or neither"):
        layer_norm_forward(rng.normal(size=(2, 3)), 3, np.ones(3))


def test_normalized_shape_must_be_the_trailing_shape(rng):
    with pytest.raises(ValueError, match=r"normalized_shape must be the trailing shape"):
        layer_norm_forward(rng.normal(size=(2, 3, 4)), (2, 3))


def test_num_groups_must_divide_the_channels(rng):
    with pytest.raises(ValueError, match=r"num_groups must divide the 6 channels of x, got 4"):
        group_norm_forward(_images(rng), 4)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 6)),
                  elements=st.floats(-1e3, 1e3)),
       st.floats(1e-6, 1e-2))
def test_layer_norm_output_is_bounded_and_centred(x, eps):
    """For any input, each example's output has mean 0 and |x_hat| <= sqrt(M - 1)."""
    out, _ = layer_norm_forward(x, x.shape[1], eps=eps)
    m = x.shape[1]
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-9)
    assert np.all(np.abs(out) <= np.sqrt(m - 1) + 1e-9)
    assert np.all(out.var(axis=1) <= 1 + 1e-12)


@given(st.integers(1, 3), st.sampled_from([1, 2, 3, 6]), st.integers(0, 2**31))
def test_group_norm_gradient_sums_to_zero_over_each_group(n, groups, seed):
    """Shifting a whole group by a constant leaves its output unchanged, so dx sums to 0 per group."""
    rng = np.random.default_rng(seed)
    x = _images(rng, n=n, c=6, h=2, w=2)
    _, cache = group_norm_forward(x, groups, rng.uniform(0.5, 2, 6), rng.normal(size=6))
    dx, _, _ = group_norm_backward(rng.normal(size=x.shape), cache)
    np.testing.assert_allclose(dx.reshape(n, groups, -1).sum(axis=-1), 0, atol=1e-9)


def test_backward_refuses_a_cache_from_the_other_normalization(rng):
    _, layer_cache = layer_norm_forward(rng.normal(size=(2, 6, 3)), 3)
    _, group_cache = group_norm_forward(rng.normal(size=(2, 6, 3)), 2)
    with pytest.raises(TypeError, match=r"cache must be the dict returned by group_norm_forward"):
        group_norm_backward(rng.normal(size=(2, 6, 3)), layer_cache)
    with pytest.raises(TypeError, match=r"cache must be the dict returned by layer_norm_forward"):
        layer_norm_backward(rng.normal(size=(2, 6, 3)), group_cache)


def test_the_figures_batch_norm_spread_shrinks_with_the_batch_and_layer_norms_is_zero():
    """The figure: x0's batch-norm output varies from batch to batch (less for larger batches,
    about as 1/sqrt(B)); its layer- and group-norm outputs do not vary (up to rounding)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "figures"))
    from layer_norm import BATCH_SIZES, batch_dependence

    spread = batch_dependence()
    assert spread["layer norm"].max() < 1e-14 and spread["group norm"].max() < 1e-14
    bn = spread["batch norm"]
    assert np.all(np.diff(bn[1:]) < 0) and bn[0] > 0.1
    ratio = bn[-1] / bn[2]  # B = 128 against B = 8: about sqrt(8 / 128) = 0.25
    assert 0.15 < ratio < 0.4, (BATCH_SIZES, bn)
