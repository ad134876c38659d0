"""Tests of snippets/activations.py: closed forms, derivatives by finite differences, stability, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.activations import (
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    tanh,
    tanh_grad,
)

ELEMENTWISE = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (lambda z: leaky_relu(z, 0.1), lambda z: leaky_relu_grad(z, 0.1)),
}


def _away_from_zero(rng, size):
    """Inputs with |z| >= 0.1: centred differences are exact there for the piecewise-linear functions."""
    z = rng.uniform(0.1, 4.0, size=size)
    return z * rng.choice([-1.0, 1.0], size=size)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_derivative_matches_finite_differences(rng, name):
    fn, grad = ELEMENTWISE[name]
    z = _away_from_zero(rng, (6, 7))
    eps = 1e-6
    numeric = (fn(z + eps) - fn(z - eps)) / (2 * eps)
    np.testing.assert_allclose(grad(z), numeric, rtol=1e-7, atol=1e-9)


def test_sigmoid_matches_its_closed_form(rng):
    z = rng.uniform(-20, 20, size=200)
    np.testing.assert_allclose(sigmoid(z), [1 / (1 + math.exp(-v)) for v in z], rtol=1e-14)


def test_sigmoid_is_stable_for_large_inputs():
    """Regression: 1/(1+exp(-z)) overflows in exp for z = -1000 (a RuntimeWarning, an error here)."""
    z = np.array([-1000.0, -745.0, -50.0, 50.0, 745.0, 1000.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[[0, -1]], [0.0, 1.0])
    # Tiny but representable values keep their relative precision: sigmoid(-50) = e^-50 / (1 + e^-50).
    np.testing.assert_allclose(s[2], math.exp(-50) / (1 + math.exp(-50)), rtol=1e-14)
    assert np.all(np.isfinite(sigmoid_grad(z)))


def test_sigmoid_is_symmetric(rng):
    z = rng.normal(0, 10, size=100)
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), atol=1e-15)


def test_tanh_is_a_rescaled_sigmoid(rng):
    z = rng.normal(0, 3, size=100)
    np.testing.assert_allclose(tanh(z), 2 * sigmoid(2 * z) - 1, atol=1e-14)


def test_tanh_grad_is_accurate_where_tanh_rounds_to_one():
    """1 - tanh(z)**2 loses digits for large |z| (tanh(10) = 1 - 4e-9); sech(z)**2 does not."""
    z = np.array([-30.0, -10.0, -0.5, 0.0, 2.0, 10.0, 30.0])
    np.testing.assert_allclose(tanh_grad(z), [1 / math.cosh(v) ** 2 for v in z], rtol=1e-13)


def test_relu_and_its_derivative_at_the_kink_follow_pytorch():
    z = np.array([-2.0, -0.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu(z), [0.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu_grad(z), [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(leaky_relu_grad(z, 0.2), [0.2, 0.2, 0.2, 1.0])


def test_leaky_relu_with_alpha_zero_is_relu(rng):
    z = rng.normal(size=50)
    np.testing.assert_array_equal(leaky_relu(z, 0.0), relu(z))
    np.testing.assert_array_equal(leaky_relu_grad(z, 0.0), relu_grad(z))


def test_leaky_relu_scales_negative_inputs_by_alpha():
    np.testing.assert_allclose(leaky_relu(np.array([-10.0, 4.0]), 0.3), [-3.0, 4.0])


def test_softmax_matches_its_closed_form(rng):
    z = rng.normal(size=(4, 5))
    e = np.exp(z)
    np.testing.assert_allclose(softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-14)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_softmax_sums_to_one_along_any_axis(rng, axis):
    z = rng.normal(0, 5, size=(3, 4, 5))
    s = softmax(z, axis=axis)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-14)
    e = np.exp(z)
    np.testing.assert_allclose(s, e / e.sum(axis=axis, keepdims=True), rtol=1e-13)


def test_softmax_is_stable_for_large_logits():
    """Regression: exp(1000) overflows unless the maximum is subtracted first."""
    s = softmax(np.array([[1000.0, 999.0, -1000.0]]))
    e = math.exp(-1)
    np.testing.assert_allclose(s, [[1 / (1 + e), e / (1 + e), 0.0]], rtol=1e-14)


def test_softmax_is_invariant_to_shifts(rng):
    z = rng.normal(size=(5, 3))
    np.testing.assert_allclose(softmax(z + 123.4), softmax(z), rtol=1e-12)


def test_two_class_softmax_is_the_sigmoid_of_the_difference(rng):
    z = rng.normal(0, 3, size=(50, 2))
    np.testing.assert_allclose(softmax(z)[:, 0], sigmoid(z[:, 0] - z[:, 1]), rtol=1e-13)


@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_grad_matches_finite_differences(rng, axis):
    z = rng.normal(size=(3, 4))
    upstream = rng.normal(size=z.shape)
    eps = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[idx] = eps
        plus = np.sum(upstream * softmax(z + step, axis))
        minus = np.sum(upstream * softmax(z - step, axis))
        numeric[idx] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(softmax_grad(z, upstream, axis), numeric, rtol=1e-7, atol=1e-9)


def test_softmax_grad_equals_the_jacobian_product(rng):
    """J = diag(s) - s s^T for one example; the snippet never builds it but must agree with it."""
    z = rng.normal(size=6)
    upstream = rng.normal(size=6)
    s = softmax(z)
    jacobian = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(softmax_grad(z, upstream), jacobian.T @ upstream, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    z = rng.normal(0, 50, size=(8, 3)).astype(dtype)
    for fn, grad in ELEMENTWISE.values():
        assert fn(z).dtype == dtype and grad(z).dtype == dtype
    assert softmax(z).dtype == dtype
    assert softmax_grad(z, np.ones_like(z)).dtype == dtype


def test_float32_sigmoid_is_stable_where_float32_exp_overflows():
    z = np.array([-100.0, 100.0], dtype=np.float32)  # exp(100) overflows float32
    s = sigmoid(z)
    assert s.dtype == np.float32 and np.all(np.isfinite(s))
    np.testing.assert_allclose(s, [0.0, 1.0], atol=1e-30)


def test_sigmoid_layer_bound_is_a_quarter_of_the_weight_norm_not_a_quarter(rng):
    """Backward through a sigmoid layer multiplies the gradient by W^T diag(sigma'(z)).
    Its norm is at most ||W||_2 / 4 (Pascanu et al. 2013): below 1 when ||W||_2 < 4, but weights
    of norm above 4 can make the gradient grow, so "at most a quarter" is the sigmoid's factor only."""
    for scale in (0.5, 1.0, 3.0, 10.0):
        W = rng.normal(size=(6, 6)) * scale
        for _ in range(20):
            z, g = rng.normal(size=6), rng.normal(size=6)
            back = W.T @ (sigmoid_grad(z) * g)
            assert np.linalg.norm(back) <= np.linalg.norm(W, 2) / 4 * np.linalg.norm(g) * (1 + 1e-12)
    W = 12.0 * np.eye(3)  # norm 12 > 4; at z = 0 the factor is exactly 1/4: the gradient triples
    g = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(W.T @ (sigmoid_grad(np.zeros(3)) * g), 3.0 * g, rtol=1e-15)


def _naive_sigmoid(z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def test_stable_sigmoid_gains_only_the_band_where_exp_overflows_but_the_result_is_subnormal():
    """What the two-branch form buys, and what it does not (the page's pitfall).

    float64: exp(-z) overflows for z < -709.78, sigmoid(z) = e^z underflows to 0 below -745.1.
    Only in between does the stable form give a non-zero value where the textbook form gives 0.
    float32: the same band is [-103.3, -88.7]. At z = -1000 both give 0, the correctly rounded
    value, and log(sigmoid(z)) is -inf for both: the remedy for a log is to start from the logit.
    """
    from snippets.objectives import bce_with_logits

    with np.errstate(divide="ignore"):
        z = np.array([-1000.0])
        assert _naive_sigmoid(z)[0] == sigmoid(z)[0] == 0.0
        assert np.log(sigmoid(z))[0] == np.log(_naive_sigmoid(z))[0] == -np.inf
        band = np.array([-744.0, -720.0, -710.0])
        assert np.all(_naive_sigmoid(band) == 0.0)
        np.testing.assert_allclose(np.log(sigmoid(band)), band, rtol=1e-2)  # subnormal: ~3 digits
        outside = np.array([-709.0, -700.0, -50.0])
        np.testing.assert_allclose(_naive_sigmoid(outside), sigmoid(outside), rtol=1e-12)
        z32 = np.array([-89.0, -100.0], dtype=np.float32)
        assert np.all(_naive_sigmoid(z32) == 0.0)
        s32 = sigmoid(z32)
        np.testing.assert_allclose(s32[0], 2.2e-39, rtol=0.05)
        np.testing.assert_allclose(np.log(s32.astype(np.float64)), [-89.0, -100.0], rtol=1e-2)
        assert sigmoid(np.array([-104.0], dtype=np.float32))[0] == 0.0
    # log(sigmoid(z)) = -softplus(-z), computed from the logit, is exact: -1000 at z = -1000.
    loss = bce_with_logits(np.array([[-1000.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(loss, 1000.0, rtol=1e-15)


@given(st.lists(st.floats(-700, 700), min_size=1, max_size=20))
def test_ranges_hold_for_all_finite_inputs(values):
    z = np.array(values)
    assert np.all((sigmoid(z) >= 0) & (sigmoid(z) <= 1))
    assert np.all((sigmoid_grad(z) >= 0) & (sigmoid_grad(z) <= 0.25))
    assert np.all((tanh(z) >= -1) & (tanh(z) <= 1))
    assert np.all((tanh_grad(z) >= 0) & (tanh_grad(z) <= 1))
    assert np.all(relu(z) >= 0)
    s = softmax(z)
    assert np.all(s >= 0) and abs(s.sum() - 1) < 1e-12


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20))
def test_softmax_never_overflows(values):
    s = softmax(np.array(values))
    assert np.all(np.isfinite(s))
    assert s[int(np.argmax(values))] == s.max()


ALL = [sigmoid, sigmoid_grad, tanh, tanh_grad, relu, relu_grad, leaky_relu, leaky_relu_grad, softmax]


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_integer_input_is_rejected(fn):
    with pytest.raises(TypeError, match="z must be a float array"):
        fn(np.array([1, 2, 3]))


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_rejected(fn, bad):
    with pytest.raises(ValueError, match="z must be finite"):
        fn(np.array([0.0, bad]))


@pytest.mark.parametrize("fn", [leaky_relu, leaky_relu_grad])
@pytest.mark.parametrize("alpha", [-0.1, 1.0, 2.0, float("nan")])
def test_alpha_outside_range_is_rejected(fn, alpha):
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\)"):
        fn(np.ones(3), alpha)


def test_alpha_of_wrong_type_is_rejected():
    with pytest.raises(TypeError, match="alpha must be a number"):
        leaky_relu(np.ones(3), "0.1")


@pytest.mark.parametrize("fn", [softmax, lambda z, axis: softmax_grad(z, np.ones_like(z), axis)])
def test_softmax_axis_out_of_range_is_rejected(fn):
    with pytest.raises(ValueError, match=r"axis must be in \[-2, 1\]"):
        fn(np.ones((2, 3)), axis=2)


def test_softmax_axis_of_wrong_type_is_rejected():
    with pytest.raises(TypeError, match="axis must be an int"):
        softmax(np.ones((2, 3)), axis=1.0)


def test_softmax_of_a_scalar_is_rejected():
    with pytest.raises(ValueError, match=r"\bz must be at least 1-D"):
        softmax(np.float64(1.0))


def test_softmax_grad_upstream_of_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match="upstream must have the shape of z"):
        softmax_grad(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(TypeError, match="upstream must be a float array"):
        softmax_grad(np.ones((2, 3)), np.ones((2, 3), dtype=int))


def test_each_elementwise_function_names_the_argument_it_rejects():
    bad = np.array([1, 2], dtype=np.int32)
    with pytest.raises(TypeError, match="z must be a float array"):
        sigmoid(bad)
    with pytest.raises(TypeError, match="z must be a float array"):
        sigmoid_grad(bad)
    with pytest.raises(TypeError, match="z must be a float array"):
        tanh(bad)
    with pytest.raises(TypeError, match="z must be a float array"):
        tanh_grad(bad)
    with pytest.raises(TypeError, match="z must be a float array"):
        relu(bad)
    with pytest.raises(TypeError, match="z must be a float array"):
        relu_grad(bad)
    with pytest.raises(ValueError, match="alpha must be in"):
        leaky_relu_grad(np.ones(2), alpha=-1.0)


def test_default_leaky_slope_is_one_hundredth():
    """The usual default (PyTorch's negative_slope=0.01): leaky_relu(-1) = -0.01, its slope there 0.01."""
    np.testing.assert_allclose(leaky_relu(np.array([-1.0, 2.0])), [-0.01, 2.0], rtol=1e-15)
    np.testing.assert_allclose(leaky_relu_grad(np.array([-1.0, 2.0])), [0.01, 1.0], rtol=1e-15)


def test_type_errors_name_the_type_received():
    with pytest.raises(TypeError, match="got str"):
        leaky_relu(np.ones(3), "0.1")
    with pytest.raises(TypeError, match="got float"):
        softmax(np.ones((2, 3)), axis=1.0)
