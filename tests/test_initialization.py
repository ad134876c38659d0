"""Tests of snippets/initialization.py: statistics, fans, symmetry, regressions, bad input."""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.initialization import (
    calculate_gain,
    fan_in_and_fan_out,
    he_normal,
    he_uniform,
    init_params,
    random_normal,
    xavier_normal,
    xavier_uniform,
    zeros,
)

# A non-square shape, so that reading fan_in from the wrong axis changes the scale by 4x.
SHAPE = (200, 800)  # (n_out, n_in)
FAN_IN, FAN_OUT = 800, 200

# name -> (initializer, target std, uniform bound or None)
TARGETS = {
    "xavier_normal": (xavier_normal, math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "xavier_uniform": (xavier_uniform, math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "he_normal": (he_normal, math.sqrt(2 / FAN_IN), None),
    "he_uniform": (he_uniform, math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
}


def _variance_standard_error(std, bound, n):
    """Standard error of the sample variance of n draws: Var(X^2) / n, from the fourth moment."""
    if bound is None:  # normal: E[X^4] = 3 s^4, Var(X^2) = 2 s^4
        return math.sqrt(2 * std**4 / n)
    return math.sqrt((bound**4 / 5 - bound**4 / 9) / n)  # uniform(-a, a): E[X^4] = a^4 / 5


def test_fans_are_read_from_shape_as_out_in():
    assert fan_in_and_fan_out((3, 7)) == (7, 3)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_mean_is_zero_within_five_standard_errors(rng, name):
    init, std, _ = TARGETS[name]
    w = init(SHAPE, rng)
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_variance_matches_the_formula_within_five_standard_errors(rng, name):
    init, std, bound = TARGETS[name]
    w = init(SHAPE, rng)
    # Five standard errors of the sample variance (about 1.6% of std^2 for 160 000 normal draws).
    assert abs(w.var() - std**2) < 5 * _variance_standard_error(std, bound, w.size)


@pytest.mark.parametrize("name", ["xavier_uniform", "he_uniform"])
def test_uniform_initializers_fill_their_bounds(rng, name):
    init, _, bound = TARGETS[name]
    w = init(SHAPE, rng)
    assert np.abs(w).max() <= bound
    # With 160 000 draws, P(max |w| < bound (1 - 1e-4)) = (1 - 1e-4)^160000 < 1e-6.
    assert np.abs(w).max() > bound * (1 - 1e-4)
    assert w.min() < -bound * (1 - 1e-3) and w.max() > bound * (1 - 1e-3)


def test_he_fan_in_is_not_read_from_the_output_axis(rng):
    """Regression: std = sqrt(2 / shape[0]) would be 0.1 here instead of sqrt(2 / 800) = 0.05."""
    for init in (he_normal, he_uniform):
        w = init((50, 800), rng)
        assert abs(w.std() - math.sqrt(2 / 800)) < 0.02 * math.sqrt(2 / 800)
        assert w.std() < 0.6 * math.sqrt(2 / 50)


def test_he_normal_is_not_truncated_without_compensation(rng):
    """Regression: cutting N(0, s^2) at 2s without compensation leaves std 0.88 s and no tail beyond 2s."""
    w = he_normal(SHAPE, rng)
    std = math.sqrt(2 / FAN_IN)
    assert w.std() > 0.97 * std
    beyond = (np.abs(w) > 2 * std).mean()
    # A normal puts 4.55% of its mass beyond 2 sigma; five binomial standard errors around it.
    assert abs(beyond - 0.0455) < 5 * math.sqrt(0.0455 * 0.9545 / w.size)


def test_xavier_and_he_differ_by_the_relu_gain_for_square_layers(rng):
    w_xavier = xavier_normal((600, 600), rng)
    w_he = he_normal((600, 600), rng)
    # For fan_in = fan_out, He's variance 2/n is twice Xavier's 2/(2n).
    assert abs(w_he.var() / w_xavier.var() - 2.0) < 0.05


def test_random_normal_has_the_requested_scale(rng):
    w = random_normal(SHAPE, rng, scale=0.01)
    assert abs(w.std() - 0.01) < 5 * 0.01 * math.sqrt(1 / (2 * w.size))
    big = random_normal(SHAPE, rng, scale=10.0)
    assert abs(big.std() - 10.0) < 0.1


def test_zeros_are_zeros():
    w = zeros((3, 4))
    assert w.shape == (3, 4)
    assert not w.any()


def _relu_forward(params, x):
    a = x
    layers = len(params) // 2
    for layer in range(1, layers + 1):
        a = np.maximum(a @ params[f"W{layer}"].T + params[f"b{layer}"], 0.0)
    return a


def test_zero_weights_do_not_break_symmetry(rng):
    """Every unit of a layer computes the same thing under equal weights, so each gets the same gradient."""
    x = rng.normal(size=(16, 5))
    params = init_params([5, 4], "zeros", rng)
    params["W1"] += 0.3  # equal but non-zero weights: still symmetric
    h = x @ params["W1"].T
    assert np.allclose(h, h[:, :1])
    # The gradient of sum(tanh(h) * v) with respect to W1 has identical rows when v is shared.
    grad_w1 = ((1 - np.tanh(h) ** 2) * 0.7).T @ x
    assert np.allclose(grad_w1, grad_w1[:1])
    random = init_params([5, 4], "he_normal", rng)
    h_random = x @ random["W1"].T
    assert not np.allclose(h_random, h_random[:, :1])


def test_he_keeps_the_activation_scale_through_ten_relu_layers(rng):
    """The property the page's figure shows: He keeps E[a^2] steady; 0.01 vanishes; scale 1 explodes."""
    sizes = [256] * 11
    x = rng.normal(size=(500, 256))
    he = _relu_forward(init_params(sizes, "he_normal", rng), x)
    small = _relu_forward(init_params(sizes, "random_normal", rng, scale=0.01), x)
    large = _relu_forward(init_params(sizes, "random_normal", rng, scale=1.0), x)
    # A ReLU layer with weight variance s^2 multiplies E[a^2] by n_in s^2 / 2 (He et al., eq. 10):
    # 1 for He, 256e-4 / 2 = 0.0128 for scale 0.01 (1e-19 after ten layers), 128 for scale 1 (1e21).
    assert 0.3 < np.mean(he**2) < 3.0
    assert np.mean(small**2) < 1e-15
    assert np.mean(large**2) > 1e15


def test_init_params_builds_w_out_in_and_zero_biases(rng):
    params = init_params([3, 5, 2], "xavier_uniform", rng)
    assert list(params) == ["W1", "b1", "W2", "b2"]
    assert params["W1"].shape == (5, 3) and params["W2"].shape == (2, 5)
    assert params["b1"].shape == (5,) and params["b2"].shape == (2,)
    assert not params["b1"].any() and not params["b2"].any()


def test_init_params_uses_the_per_matrix_initializer():
    ours = init_params([3, 5, 2], "he_uniform", np.random.default_rng(3))
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(ours["W1"], he_uniform((5, 3), rng))
    np.testing.assert_array_equal(ours["W2"], he_uniform((2, 5), rng))


def test_course_names_are_aliases():
    a = init_params([4, 3], "he", np.random.default_rng(1))
    b = init_params([4, 3], "he_normal", np.random.default_rng(1))
    np.testing.assert_array_equal(a["W1"], b["W1"])
    c = init_params([4, 3], "random", np.random.default_rng(1), scale=0.5)
    d = init_params([4, 3], "random_normal", np.random.default_rng(1), scale=0.5)
    np.testing.assert_array_equal(c["W1"], d["W1"])


@pytest.mark.parametrize(
    "method", ["zeros", "random_normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform"]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, method, dtype):
    params = init_params([4, 6, 3], method, rng, dtype=dtype)
    assert all(value.dtype == dtype for value in params.values())


def test_same_seed_gives_the_same_weights():
    a = init_params([8, 8, 2], "xavier_normal", np.random.default_rng(11))
    b = init_params([8, 8, 2], "xavier_normal", np.random.default_rng(11))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@given(
    sizes=st.lists(st.integers(1, 9), min_size=2, max_size=5),
    method=st.sampled_from(["zeros", "random_normal", "xavier_normal", "xavier_uniform", "he_normal",
                            "he_uniform"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_layer_gets_w_of_shape_out_in(sizes, method, seed):
    params = init_params(sizes, method, np.random.default_rng(seed))
    assert len(params) == 2 * (len(sizes) - 1)
    for layer in range(1, len(sizes)):
        assert params[f"W{layer}"].shape == (sizes[layer], sizes[layer - 1])
        assert params[f"b{layer}"].shape == (sizes[layer],)
        assert np.all(np.isfinite(params[f"W{layer}"]))


@pytest.mark.parametrize("bad_shape", [(3,), (3, 4, 5), (0, 4), (4, -1), "34"])
def test_shape_that_is_not_a_positive_pair_is_rejected(rng, bad_shape):
    with pytest.raises(ValueError, match="shape must be a pair"):
        fan_in_and_fan_out(bad_shape)
    with pytest.raises(ValueError, match="shape must be a pair"):
        zeros(bad_shape, rng)
    with pytest.raises(ValueError, match="shape must be a pair"):
        random_normal(bad_shape, rng)
    with pytest.raises(ValueError, match="shape must be a pair"):
        xavier_normal(bad_shape, rng)
    with pytest.raises(ValueError, match="shape must be a pair"):
        xavier_uniform(bad_shape, rng)
    with pytest.raises(ValueError, match="shape must be a pair"):
        he_normal(bad_shape, rng)
    with pytest.raises(ValueError, match="shape must be a pair"):
        he_uniform(bad_shape, rng)


@pytest.mark.parametrize("bad_shape", [(3.0, 4), (True, 4)])
def test_shape_of_non_ints_is_rejected(rng, bad_shape):
    with pytest.raises(TypeError, match="shape must be a pair"):
        he_normal(bad_shape, rng)


def test_legacy_global_rng_is_rejected():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        he_uniform((2, 3), np.random)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        xavier_uniform((2, 3), None)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        zeros((2, 3), 0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        init_params([2, 3], "he_normal", 42)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex128", "not a dtype"])
def test_non_float_dtype_is_rejected(rng, dtype):
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        xavier_normal((2, 3), rng, dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        init_params([2, 3], "he_normal", rng, dtype=dtype)


@pytest.mark.parametrize("scale", [0.0, -0.01, float("nan"), float("inf")])
def test_scale_that_is_not_positive_is_rejected(rng, scale):
    with pytest.raises(ValueError, match=r"scale must be in \(0, inf\)"):
        random_normal((2, 3), rng, scale=scale)
    with pytest.raises(ValueError, match=r"scale must be in \(0, inf\)"):
        init_params([2, 3], "random_normal", rng, scale=scale)


def test_unknown_method_is_rejected(rng):
    with pytest.raises(ValueError, match="method must be one of"):
        init_params([2, 3], "kaiming", rng)
    with pytest.raises(TypeError, match="method must be a string"):
        init_params([2, 3], he_normal, rng)


@pytest.mark.parametrize("sizes", [[3], [], [3, 0], [3, -2, 1]])
def test_layer_sizes_out_of_range_are_rejected(rng, sizes):
    with pytest.raises(ValueError, match="layer_sizes"):
        init_params(sizes, "he_normal", rng)


@pytest.mark.parametrize("sizes", [[3, 2.5], [3, True], "32", 5])
def test_layer_sizes_of_wrong_type_are_rejected(rng, sizes):
    with pytest.raises(TypeError, match="layer_sizes"):
        init_params(sizes, "he_normal", rng)


def test_default_scale_of_random_init_is_one_hundredth(rng):
    """Andrew Ng's course initializes with 0.01 * randn: the default of random_normal and init_params."""
    w = random_normal(SHAPE, rng)
    assert abs(w.std() - 0.01) < 5 * 0.01 * math.sqrt(1 / (2 * w.size))
    W1 = init_params([800, 200], "random", rng)["W1"]
    assert abs(W1.std() - 0.01) < 5 * 0.01 * math.sqrt(1 / (2 * W1.size))


def test_unknown_method_error_lists_every_known_name(rng):
    with pytest.raises(ValueError, match="method must be one of") as excinfo:
        init_params([2, 3], "kaiming", rng)
    for name in ("zeros", "random_normal", "random", "xavier_normal", "xavier_uniform", "he_normal",
                 "he_uniform", "he"):
        assert re.search(rf"\b{name}\b", str(excinfo.value)), name


def test_scale_of_wrong_type_is_rejected(rng):
    with pytest.raises(TypeError, match=r"scale must be a number in \(0, inf\), got str"):
        random_normal((2, 3), rng, scale="0.01")


def test_type_errors_name_the_type_received(rng):
    with pytest.raises(TypeError, match="got function"):
        init_params([2, 3], he_normal, rng)
    with pytest.raises(TypeError, match="got module"):
        he_uniform((2, 3), np.random)


# ---------------------------------------------------------------- gain, mode and calculate_gain

# (method, mode) -> the fan its standard deviation divides by, on the non-square SHAPE
HE_FANS = {"fan_in": FAN_IN, "fan_out": FAN_OUT}


@pytest.mark.parametrize("mode", sorted(HE_FANS))
@pytest.mark.parametrize("init", [he_normal, he_uniform], ids=["normal", "uniform"])
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2), 5 / 3])
def test_he_std_is_gain_over_the_root_of_the_chosen_fan(rng, init, mode, gain):
    """fan_in = 800 and fan_out = 200 differ by 4, so a mode that is ignored or swapped moves the std
    by a factor 2, far outside five standard errors of the sample variance (about 1.8%)."""
    w = init(SHAPE, rng, gain=gain, mode=mode)
    std = gain / math.sqrt(HE_FANS[mode])
    bound = None if init is he_normal else math.sqrt(3) * std
    assert w.shape == SHAPE
    assert abs(w.var() - std**2) < 5 * _variance_standard_error(std, bound, w.size)
    if bound is not None:
        assert np.abs(w).max() <= bound and np.abs(w).max() > bound * (1 - 1e-4)


@pytest.mark.parametrize("init", [xavier_normal, xavier_uniform], ids=["normal", "uniform"])
@pytest.mark.parametrize("gain", [0.5, 5 / 3])
def test_xavier_std_is_gain_times_the_glorot_std(rng, init, gain):
    w = init(SHAPE, rng, gain=gain)
    std = gain * math.sqrt(2 / (FAN_IN + FAN_OUT))
    bound = None if init is xavier_normal else math.sqrt(3) * std
    assert abs(w.var() - std**2) < 5 * _variance_standard_error(std, bound, w.size)


@pytest.mark.parametrize("init", [xavier_normal, xavier_uniform, he_normal, he_uniform])
def test_gain_scales_the_same_draws(init):
    """Same seed, another gain: the same draws multiplied by the ratio of the gains (to rounding)."""
    base = init(SHAPE, np.random.default_rng(3), gain=1.0)
    scaled = init(SHAPE, np.random.default_rng(3), gain=2.5)
    np.testing.assert_allclose(scaled, 2.5 * base, rtol=1e-14, atol=0)


def test_the_defaults_are_gain_sqrt2_fan_in_for_he_and_gain_1_for_xavier():
    for init, gain, mode in ((he_normal, math.sqrt(2), "fan_in"), (he_uniform, math.sqrt(2), "fan_in")):
        np.testing.assert_array_equal(init(SHAPE, np.random.default_rng(5)),
                                      init(SHAPE, np.random.default_rng(5), gain=gain, mode=mode))
    for init in (xavier_normal, xavier_uniform):
        np.testing.assert_array_equal(init(SHAPE, np.random.default_rng(5)),
                                      init(SHAPE, np.random.default_rng(5), gain=1.0))


def test_fan_out_mode_keeps_float32(rng):
    for init in (he_normal, he_uniform):
        assert init(SHAPE, rng, np.float32, mode="fan_out").dtype == np.float32


def test_calculate_gain_values():
    assert calculate_gain("linear") == 1.0
    assert calculate_gain("sigmoid") == 1.0
    for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d"):
        assert calculate_gain(name) == 1.0
    assert calculate_gain("tanh") == 5 / 3
    assert calculate_gain("relu") == math.sqrt(2)
    assert calculate_gain("selu") == 0.75
    assert calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))  # default slope 0.01
    assert calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert calculate_gain("leaky_relu", 0) == math.sqrt(2)  # a ReLU
    assert calculate_gain("leaky_relu", 1) == 1.0  # the identity
    assert calculate_gain("tanh", 0.3) == 5 / 3  # param only matters for leaky_relu


@given(slope=st.floats(-1, 1))
def test_leaky_relu_gain_keeps_the_second_moment(slope):
    """He's argument for a leaky ReLU of slope a: E[f(z)^2] = (1 + a^2) / 2 Var(z) for symmetric z, so
    gain^2 * (1 + a^2) / 2 must be 1 (an independent form of the formula)."""
    gain = calculate_gain("leaky_relu", slope)
    assert gain**2 * (1 + slope**2) / 2 == pytest.approx(1, rel=1e-15)


def test_leaky_relu_gain_keeps_the_activation_scale_in_a_deep_network(rng):
    """Ten leaky-ReLU layers (slope 0.2) with He and gain calculate_gain("leaky_relu", 0.2): the
    mean square activation stays within [0.7, 1.4] (with gain sqrt(2), it would grow by 1.04^10 = 1.48)."""
    a = rng.standard_normal((2000, 256))
    gain = calculate_gain("leaky_relu", 0.2)
    for _ in range(10):
        z = a @ he_normal((256, 256), rng, gain=gain).T
        a = np.where(z > 0, z, 0.2 * z)
    assert 0.7 < np.mean(a**2) < 1.4


@pytest.mark.parametrize("bad", ["Relu", "identity", "softmax", ""])
def test_unknown_nonlinearity_is_refused_naming_the_known_ones(bad):
    with pytest.raises(ValueError, match=r"^nonlinearity must be one of .*'leaky_relu'.*got"):
        calculate_gain(bad)


@pytest.mark.parametrize("bad", ["fan-in", "FAN_IN", "in", None])
def test_unknown_mode_is_refused(rng, bad):
    with pytest.raises((TypeError, ValueError), match=r"^mode must be one of \('fan_in', 'fan_out'\)"):
        he_normal(SHAPE, rng, mode=bad)
