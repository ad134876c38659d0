"""Tests of snippets/batchnorm.py: normalization, gradients, running statistics, regressions, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.batchnorm import (
    batchnorm2d_backward,
    batchnorm2d_forward,
    batchnorm_backward,
    batchnorm_forward,
    init_batchnorm,
)


def _batch(rng, n=32, features=5):
    # Features on very different scales and offsets: a per-feature bug cannot hide.
    scales = np.array([0.1, 1.0, 3.0, 10.0, 50.0])[:features]
    return rng.normal(size=(n, features)) * scales + np.arange(features)


def test_init_gives_identity_scale_and_unit_running_stats():
    gamma, beta, state = init_batchnorm(4)
    np.testing.assert_array_equal(gamma, np.ones(4))
    np.testing.assert_array_equal(beta, np.zeros(4))
    np.testing.assert_array_equal(state["running_mean"], np.zeros(4))
    np.testing.assert_array_equal(state["running_var"], np.ones(4))


def test_training_output_has_mean_zero_and_variance_one_per_feature(rng):
    x = _batch(rng)
    gamma, beta, state = init_batchnorm(5)
    out, _, _ = batchnorm_forward(x, gamma, beta, state, eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-9)


def test_gamma_and_beta_set_the_output_scale_and_shift(rng):
    x = _batch(rng)
    _, _, state = init_batchnorm(5)
    gamma, beta = rng.uniform(0.5, 2, 5), rng.normal(size=5)
    out, _, _ = batchnorm_forward(x, gamma, beta, state, eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-9)


def _numeric_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        grad[idx] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("training", [True, False])
def test_backward_matches_finite_differences(rng, training):
    x = _batch(rng, n=6, features=4)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    state = {"running_mean": rng.normal(size=4), "running_var": rng.uniform(0.5, 2, 4)}
    upstream = rng.normal(size=x.shape)  # loss = sum(upstream * out): not symmetric, not all ones

    def loss(x_, gamma_=gamma, beta_=beta):
        return np.sum(upstream * batchnorm_forward(x_, gamma_, beta_, state, training=training)[0])

    _, cache, _ = batchnorm_forward(x, gamma, beta, state, training=training)
    dx, dgamma, dbeta = batchnorm_backward(upstream, cache)
    np.testing.assert_allclose(dx, _numeric_gradient(loss, x), rtol=1e-6, atol=1e-8)
    numeric_dgamma = _numeric_gradient(lambda g: loss(x, g), gamma)
    numeric_dbeta = _numeric_gradient(lambda b: loss(x, gamma, b), beta)
    np.testing.assert_allclose(dgamma, numeric_dgamma, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dbeta, numeric_dbeta, rtol=1e-6, atol=1e-8)


def test_training_gradient_sums_to_zero_per_feature(rng):
    """Shifting a whole feature by a constant leaves the normalized output unchanged: sum(dx) = 0."""
    x = _batch(rng)
    gamma, beta, state = init_batchnorm(5)
    _, cache, _ = batchnorm_forward(x, gamma, beta, state)
    dx, _, _ = batchnorm_backward(rng.normal(size=x.shape), cache)
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-10)


def test_a_bias_before_batch_norm_changes_nothing(rng):
    """A per-feature bias added before normalization leaves the output unchanged."""
    x = _batch(rng)
    gamma, beta, state = init_batchnorm(5)
    gamma, beta = rng.uniform(0.5, 2, 5), rng.normal(size=5)
    out, _, _ = batchnorm_forward(x, gamma, beta, state)
    shifted, _, _ = batchnorm_forward(x + rng.normal(0, 3, size=5), gamma, beta, state)
    np.testing.assert_allclose(shifted, out, rtol=0, atol=1e-12)


def test_running_statistics_follow_the_momentum_rule(rng):
    x = _batch(rng, n=10)
    gamma, beta, _ = init_batchnorm(5)
    state = {"running_mean": rng.normal(size=5), "running_var": rng.uniform(0.5, 2, 5)}
    _, _, new = batchnorm_forward(x, gamma, beta, state, momentum=0.3)
    np.testing.assert_allclose(new["running_mean"], 0.7 * state["running_mean"] + 0.3 * x.mean(axis=0))
    np.testing.assert_allclose(new["running_var"], 0.7 * state["running_var"] + 0.3 * x.var(axis=0, ddof=1))


def test_running_var_is_not_updated_with_the_biased_variance():
    """Regression (pytorch#60528): for [1, 2, 3, 4] the biased variance is 1.25, the unbiased 1.667.

    The batch is normalized with 1.25, but with momentum 1 the running variance must become 5/3.
    """
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    gamma, beta, state = init_batchnorm(1)
    out, _, new = batchnorm_forward(x, gamma, beta, state, momentum=1.0, eps=1e-12)
    np.testing.assert_allclose(new["running_var"], [5 / 3], rtol=1e-12)
    assert not np.isclose(new["running_var"][0], 1.25)
    np.testing.assert_allclose(out[:, 0], (x[:, 0] - 2.5) / np.sqrt(1.25), rtol=1e-9)


def test_running_stats_converge_to_the_population_statistics(rng):
    gamma, beta, state = init_batchnorm(3)
    mu, sigma = np.array([2.0, -1.0, 0.5]), np.array([3.0, 0.5, 1.0])
    for _ in range(400):
        x = rng.normal(mu, sigma, size=(16, 3))
        _, _, state = batchnorm_forward(x, gamma, beta, state, momentum=0.05)
    # EMA over ~40 batches of 16: standard errors about 0.12 sigma for the mean; bounds are generous.
    assert np.all(np.abs(state["running_mean"] - mu) < 0.5 * sigma)
    np.testing.assert_allclose(state["running_var"], sigma**2, rtol=0.4)


def test_eval_mode_uses_running_statistics_and_leaves_them_unchanged(rng):
    x = _batch(rng, n=7)
    gamma, beta = rng.uniform(0.5, 2, 5), rng.normal(size=5)
    state = {"running_mean": rng.normal(size=5), "running_var": rng.uniform(0.5, 2, 5)}
    out, _, new = batchnorm_forward(x, gamma, beta, state, training=False, eps=1e-5)
    expected = gamma * (x - state["running_mean"]) / np.sqrt(state["running_var"] + 1e-5) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(new["running_mean"], state["running_mean"])
    np.testing.assert_array_equal(new["running_var"], state["running_var"])


def test_eval_mode_output_of_one_example_does_not_depend_on_the_batch(rng):
    x = _batch(rng, n=8)
    gamma, beta, state = init_batchnorm(5)
    state = {"running_mean": x.mean(axis=0), "running_var": x.var(axis=0)}
    whole, _, _ = batchnorm_forward(x, gamma, beta, state, training=False)
    single, _, _ = batchnorm_forward(x[:1], gamma, beta, state, training=False)
    np.testing.assert_allclose(single, whole[:1], rtol=1e-12)


def test_inputs_are_not_mutated(rng):
    x = _batch(rng)
    gamma, beta, state = init_batchnorm(5)
    copies = [x.copy(), gamma.copy(), beta.copy(), state["running_mean"].copy(), state["running_var"].copy()]
    out, cache, new = batchnorm_forward(x, gamma, beta, state)
    upstream = rng.normal(size=x.shape)
    up_copy = upstream.copy()
    batchnorm_backward(upstream, cache)
    originals = [x, gamma, beta, state["running_mean"], state["running_var"]]
    for before, after in zip(copies, originals, strict=True):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(upstream, up_copy)
    assert new["running_mean"] is not state["running_mean"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    x = _batch(rng).astype(dtype)
    gamma, beta, state = init_batchnorm(5, dtype=dtype)
    out, cache, new = batchnorm_forward(x, gamma, beta, state, momentum=np.float64(0.1))
    dx, dgamma, dbeta = batchnorm_backward(np.ones_like(x), cache)
    assert out.dtype == dx.dtype == dgamma.dtype == dbeta.dtype == dtype
    assert new["running_mean"].dtype == new["running_var"].dtype == dtype


@given(n=st.integers(2, 12), features=st.integers(1, 5), seed=st.integers(0, 2**32 - 1),
       scale=st.floats(0.01, 100.0))
def test_normalized_output_is_standardized_for_any_batch(n, features, seed, scale):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)) * scale + rng.normal(size=features) * 10
    gamma, beta, state = init_batchnorm(features)
    out, _, new = batchnorm_forward(x, gamma, beta, state, eps=1e-12)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-7)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-6)
    assert np.all(new["running_var"] >= 0)


# Bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_features", [0, -3])
def test_non_positive_n_features_is_rejected(n_features):
    with pytest.raises(ValueError, match="n_features must be an integer >= 1"):
        init_batchnorm(n_features)


@pytest.mark.parametrize("n_features", [2.0, "3", True])
def test_non_integer_n_features_is_rejected(n_features):
    with pytest.raises(TypeError, match="n_features must be an integer"):
        init_batchnorm(n_features)


def test_integer_dtype_is_rejected():
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        init_batchnorm(3, dtype=np.int32)


def test_integer_x_is_rejected():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(TypeError, match="x must be a float array"):
        batchnorm_forward(np.ones((4, 2), dtype=np.int64), gamma, beta, state)


def test_non_finite_x_is_rejected():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match="x must be finite"):
        batchnorm_forward(np.array([[1.0, np.inf], [0.0, 1.0]]), gamma, beta, state)


def test_one_dimensional_x_is_rejected():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match="x must be 2-D"):
        batchnorm_forward(np.ones(2), gamma, beta, state)


def test_single_example_batch_is_rejected_in_training_mode():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match="at least 2 rows"):
        batchnorm_forward(np.ones((1, 2)), gamma, beta, state)


def test_any_batch_of_at_least_two_is_accepted_but_a_small_one_gives_noisy_statistics(rng):
    """Batch norm does not need equal batch sizes (mini-batches page, M10): batches of 2, 7 and 64
    are all normalized exactly. What hurts is a *small* batch: the running mean it feeds in
    scatters about sqrt(64 / 2) = 5.7 times more than with batches of 64 (within 30%)."""
    gamma, beta, state = init_batchnorm(3)
    for n in (2, 7, 64):
        out, _, _ = batchnorm_forward(rng.normal(1.0, 2.0, size=(n, 3)), gamma, beta, state)
        np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    spread = {}
    for n in (2, 64):
        means = [batchnorm_forward(rng.normal(1.0, 2.0, size=(n, 3)), gamma, beta, state,
                                   momentum=1.0)[2]["running_mean"] for _ in range(400)]
        spread[n] = np.std(means)
    np.testing.assert_allclose(spread[2] / spread[64], np.sqrt(64 / 2), rtol=0.3)


def test_gamma_of_wrong_shape_is_rejected():
    _, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match=r"gamma and beta must have shape \(2,\), one entry per column "
                                         r"of x, got \(3,\)"):
        batchnorm_forward(np.ones((4, 2)), np.ones(3), beta, state)


def test_state_without_running_var_is_rejected():
    gamma, beta, _ = init_batchnorm(2)
    with pytest.raises(TypeError, match=r"\bstate must be a dict"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, {"running_mean": np.zeros(2)})


def test_negative_running_var_is_rejected():
    gamma, beta, _ = init_batchnorm(2)
    state = {"running_mean": np.zeros(2), "running_var": np.array([1.0, -1.0])}
    with pytest.raises(ValueError, match=r"\bstate\['running_var'\] must be >= 0"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state, training=False)


@pytest.mark.parametrize("momentum", [-0.1, 1.5, float("nan")])
def test_momentum_outside_unit_interval_is_rejected(momentum):
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\]"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state, momentum=momentum)


def test_momentum_none_without_a_batch_count_is_rejected():
    """momentum=None (PyTorch's cumulative average) is allowed, but it needs the count of batches
    seen: a state without "num_batches_tracked" cannot give the k-th batch its weight 1/k."""
    gamma, beta, _ = init_batchnorm(2)
    legacy = {"running_mean": np.zeros(2), "running_var": np.ones(2)}
    with pytest.raises(ValueError, match=r"state must have the batch count 'num_batches_tracked' "
                                         r"\(see init_batchnorm\) when momentum is None"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, legacy, momentum=None)
    # evaluation mode does not update the statistics: no count needed
    batchnorm_forward(np.ones((4, 2)), gamma, beta, legacy, training=False, momentum=None)


@pytest.mark.parametrize("momentum", ["x", "0.1", True, [0.1]])
def test_momentum_of_wrong_type_is_rejected(momentum):
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(TypeError, match="momentum must be a number"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state, momentum=momentum)


@pytest.mark.parametrize("eps", [0.0, -1e-5, float("inf")])
def test_non_positive_eps_is_rejected(eps):
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match=r"eps must be in \(0, inf\)"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state, eps=eps)


def test_backward_with_a_foreign_cache_is_rejected():
    with pytest.raises(TypeError, match=r"\bcache must be the dict returned by batchnorm_forward"):
        batchnorm_backward(np.ones((4, 2)), {"x": np.ones((4, 2))})


def test_backward_with_dout_of_other_shape_is_rejected(rng):
    gamma, beta, state = init_batchnorm(2)
    _, cache, _ = batchnorm_forward(rng.normal(size=(4, 2)), gamma, beta, state)
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 2\)"):
        batchnorm_backward(np.ones((2, 4)), cache)


def test_default_eps_is_pytorchs_1e_5():
    """x = [[0], [2]] has mean 1 and biased variance 1: the output is -+1 / sqrt(1 + eps) with eps = 1e-5."""
    gamma, beta, state = init_batchnorm(1)
    out, _, _ = batchnorm_forward(np.array([[0.0], [2.0]]), gamma, beta, state)
    np.testing.assert_allclose(out[:, 0], [-1 / np.sqrt(1 + 1e-5), 1 / np.sqrt(1 + 1e-5)], rtol=1e-14)


def test_init_gives_parameters_in_the_requested_dtype():
    gamma, beta, state = init_batchnorm(3, np.float32)
    assert gamma.dtype == beta.dtype == np.float32
    assert state["running_mean"].dtype == state["running_var"].dtype == np.float32


def test_evaluation_mode_keeps_float32(rng):
    """No silent upcast in evaluation mode either: float32 in, float32 out and float32 gradients."""
    gamma, beta, state = init_batchnorm(3, np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    out, cache, _ = batchnorm_forward(x, gamma, beta, state, training=False)
    dx, dgamma, dbeta = batchnorm_backward(np.ones_like(x), cache)
    assert out.dtype == dx.dtype == dgamma.dtype == dbeta.dtype == np.float32


def test_zero_running_variance_is_allowed():
    """A feature that was constant during training has running variance 0: eps keeps the division finite."""
    gamma, beta, _ = init_batchnorm(2)
    state = {"running_mean": np.array([3.0, 0.0]), "running_var": np.array([0.0, 1.0])}
    out, _, _ = batchnorm_forward(np.full((2, 2), 3.0), gamma, beta, state, training=False)
    np.testing.assert_allclose(out[:, 0], 0.0, atol=0)


def test_wrong_shapes_and_empty_arrays_are_named():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match=r"\bbeta must have shape \(2,\)"):
        batchnorm_forward(np.ones((4, 2)), gamma, np.zeros(3), state)
    for key in ("running_mean", "running_var"):
        bad = {**state, key: np.ones(3)}
        with pytest.raises(ValueError, match=rf"\bstate\['{key}'\] must have shape \(2,\)"):
            batchnorm_forward(np.ones((4, 2)), gamma, beta, bad)
    with pytest.raises(ValueError, match=r"\bx must not be empty"):
        batchnorm_forward(np.ones((0, 2)), gamma, beta, state)


def test_type_errors_name_the_type_received():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(TypeError, match="got float"):
        init_batchnorm(2.0)
    with pytest.raises(TypeError, match="momentum must be a number in \\[0, 1\\], got str"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state, momentum="0.1")
    with pytest.raises(TypeError, match=r"eps must be a number in \(0, inf\), got str"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state, eps="1e-5")


@pytest.mark.parametrize(("scale", "factor"), [(0.5, 0.5 / np.sqrt(2)), (2.5, 2.5 / np.sqrt(2))])
def test_the_figures_weights_are_far_from_he_and_batch_norm_undoes_it(scale, factor):
    """The batch-norm page's figure (M11): weight std 0.5/sqrt(n) and 2.5/sqrt(n) are 2.8 times
    below and 1.8 times above He's sqrt(2)/sqrt(n). Without batch norm each ReLU layer multiplies
    the activation scale by that factor (within 10%); with batch norm before each ReLU the scale
    stays at sqrt((1 - 1/pi) / 2) = 0.58 (within 5%) at every layer, whatever the weights."""
    assert 2.8 < np.sqrt(2) / 0.5 < 2.9 and 1.7 < 2.5 / np.sqrt(2) < 1.8
    rng = np.random.default_rng(0)
    depth, width, n = 12, 100, 256
    plain = bn = rng.normal(size=(n, width))
    plain_stds, bn_stds = [], []
    for _ in range(depth):
        W = rng.normal(0.0, scale / np.sqrt(width), size=(width, width))
        plain = np.maximum(plain @ W.T, 0)
        gamma, beta, state = init_batchnorm(width)
        bn = np.maximum(batchnorm_forward(bn @ W.T, gamma, beta, state)[0], 0)
        plain_stds.append(plain.std())
        bn_stds.append(bn.std())
    ratios = np.array(plain_stds[1:]) / np.array(plain_stds[:-1])
    np.testing.assert_allclose(np.exp(np.log(ratios).mean()), factor, rtol=0.1)
    np.testing.assert_allclose(bn_stds, np.sqrt((1 - 1 / np.pi) / 2), rtol=0.05)


@pytest.mark.parametrize("c", [0.1, 3.0, 10.0])
def test_output_ignores_the_scale_of_the_weights_before_it_and_their_gradient_scales_as_one_over_it(
        rng, c):
    """The batch-norm and L2 pages (van Laarhoven 2017): a layer followed by batch norm gives the
    same output whatever the scale of its weights, BN(x (cW)^T) = BN(x W^T) (exactly as eps -> 0),
    so L2 cannot make that function smoother; the weights' gradient scales as 1/c, which is why
    shrinking them raises their effective learning rate."""
    x = rng.normal(0.5, 1.5, size=(16, 4))
    W = rng.normal(size=(3, 4))
    dout = rng.normal(size=(16, 3))
    gamma, beta, state = init_batchnorm(3)
    outs, grads = [], []
    for scale in (1.0, c):
        out, cache, _ = batchnorm_forward(x @ (scale * W).T, gamma, beta, state, eps=1e-12)
        dz, _, _ = batchnorm_backward(dout, cache)
        outs.append(out)
        grads.append(dz.T @ x)  # dL/dW for Z = x W^T
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(grads[1], grads[0] / c, rtol=1e-8, atol=1e-10)


# PyTorch's options: momentum=None, affine=False, track_running_stats=False, BatchNorm2d ------------


def test_init_follows_affine_and_track_running_stats():
    gamma, beta, state = init_batchnorm(3, affine=False)
    assert gamma is None and beta is None
    assert state["num_batches_tracked"] == 0
    gamma, beta, state = init_batchnorm(3, track_running_stats=False)
    np.testing.assert_array_equal(gamma, np.ones(3))
    assert state is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_momentum_none_after_k_batches_is_the_plain_mean_of_the_batch_statistics(rng, dtype):
    """PyTorch's momentum=None weights the k-th batch 1/k: after k batches the running statistics are
    the plain means of the k batch means and of the k unbiased batch variances, whatever the start.
    Batch sizes 2, 3, 9, 5, 2 differ, so an average weighted by size would not agree."""
    gamma, beta, state = init_batchnorm(5, dtype)
    state["running_mean"] += 100  # the start is forgotten at the first batch (weight 1)
    means, variances = [], []
    for n in (2, 3, 9, 5, 2):
        x = _batch(rng, n=n).astype(dtype)
        _, _, state = batchnorm_forward(x, gamma, beta, state, momentum=None)
        means.append(x.astype(np.float64).mean(axis=0))
        variances.append(x.astype(np.float64).var(axis=0, ddof=1))
    assert state["num_batches_tracked"] == 5
    assert state["running_mean"].dtype == state["running_var"].dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(state["running_mean"], np.mean(means, axis=0), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(state["running_var"], np.mean(variances, axis=0), rtol=rtol)


def test_momentum_none_gives_the_first_batch_weight_one():
    """x = [[0], [2]]: biased variance 1, unbiased 2. A fresh state then holds exactly mean 1, variance 2
    (a batch of 2 separates the two variances by a factor 2)."""
    gamma, beta, state = init_batchnorm(1)
    _, _, state = batchnorm_forward(np.array([[0.0], [2.0]]), gamma, beta, state, momentum=None)
    assert state["running_mean"][0] == 1.0 and state["running_var"][0] == 2.0


def test_num_batches_tracked_counts_the_training_batches_only(rng):
    gamma, beta, state = init_batchnorm(5)
    for _ in range(3):
        _, _, state = batchnorm_forward(_batch(rng), gamma, beta, state, momentum=0.1)
    _, _, after_eval = batchnorm_forward(_batch(rng), gamma, beta, state, training=False)
    assert state["num_batches_tracked"] == after_eval["num_batches_tracked"] == 3
    assert type(after_eval["num_batches_tracked"]) is int  # still a count the next call accepts
    _, _, state = batchnorm_forward(_batch(rng), gamma, beta, after_eval, momentum=None)
    assert state["num_batches_tracked"] == 4


def test_a_state_without_a_count_still_works_with_a_numeric_momentum(rng):
    """States written before the count existed (two keys) are accepted and stay two keys."""
    gamma, beta, _ = init_batchnorm(5)
    legacy = {"running_mean": np.zeros(5), "running_var": np.ones(5)}
    _, _, new = batchnorm_forward(_batch(rng), gamma, beta, legacy, momentum=0.1)
    assert set(new) == {"running_mean", "running_var"}


@pytest.mark.parametrize("count", [-1, 2.0, float("nan"), "3", True])
def test_bad_batch_count_is_rejected(count):
    gamma, beta, state = init_batchnorm(2)
    state["num_batches_tracked"] = count
    with pytest.raises((TypeError, ValueError), match=r"state\['num_batches_tracked'\] must be an integer"):
        batchnorm_forward(np.ones((4, 2)), gamma, beta, state)


@pytest.mark.parametrize("training", [True, False])
def test_affine_false_is_gamma_one_and_beta_zero_without_their_gradients(rng, training):
    x = _batch(rng, n=6)
    state = {"running_mean": rng.normal(size=5), "running_var": rng.uniform(0.5, 2, 5)}
    upstream = rng.normal(size=x.shape)
    out, cache, new = batchnorm_forward(x, None, None, state, training=training)
    ref_out, ref_cache, ref_new = batchnorm_forward(x, np.ones(5), np.zeros(5), state, training=training)
    np.testing.assert_allclose(out, ref_out, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(new["running_var"], ref_new["running_var"])
    out[:] = 0  # e.g. an in-place ReLU after the layer: the cache must not share the output's memory
    dx, dgamma, dbeta = batchnorm_backward(upstream, cache)
    assert dgamma is None and dbeta is None
    np.testing.assert_allclose(dx, batchnorm_backward(upstream, ref_cache)[0], rtol=1e-14, atol=1e-14)


def test_only_one_of_gamma_and_beta_is_rejected():
    with pytest.raises(TypeError, match=r"gamma and beta must both be arrays, or both None"):
        batchnorm_forward(np.ones((4, 2)), np.ones(2), None, None)


def test_without_running_statistics_evaluation_uses_the_batch_statistics(rng):
    """track_running_stats=False (state None): PyTorch normalizes with the batch in eval mode too."""
    x = _batch(rng, n=9)
    gamma, beta, state = init_batchnorm(5, track_running_stats=False)
    outs = [batchnorm_forward(x, gamma, beta, state, training=t, eps=1e-12) for t in (True, False)]
    for out, _, new in outs:
        assert new is None
        np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-9)
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    with pytest.raises(ValueError, match="at least 2 rows without running statistics"):
        batchnorm_forward(x[:1], gamma, beta, None, training=False)


def test_without_running_statistics_the_eval_backward_goes_through_the_batch(rng):
    x = _batch(rng, n=6, features=4)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    upstream = rng.normal(size=x.shape)

    def loss(x_):
        return np.sum(upstream * batchnorm_forward(x_, gamma, beta, None, training=False)[0])

    dx, _, _ = batchnorm_backward(upstream, batchnorm_forward(x, gamma, beta, None, training=False)[1])
    np.testing.assert_allclose(dx, _numeric_gradient(loss, x), rtol=1e-6, atol=1e-8)


def _maps(rng, n=3, channels=4, height=2, width=5):
    # channels on different scales and offsets; H != W so a swapped axis cannot pass
    scales = np.array([0.1, 1.0, 5.0, 30.0])[:channels].reshape(1, -1, 1, 1)
    offsets = np.arange(channels).reshape(1, -1, 1, 1)
    return rng.normal(size=(n, channels, height, width)) * scales + offsets


def test_2d_normalizes_each_channel_over_batch_height_and_width(rng):
    x = _maps(rng)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    out, _, _ = batchnorm2d_forward(x, gamma, beta, None, eps=1e-12)
    assert out.shape == x.shape and out.flags.c_contiguous
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-9)
    expected = (gamma.reshape(1, -1, 1, 1) * (x - x.mean(axis=(0, 2, 3), keepdims=True))
                / x.std(axis=(0, 2, 3), keepdims=True) + beta.reshape(1, -1, 1, 1))
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("n", "height", "width"), [(1, 2, 3), (2, 1, 1), (4, 3, 2)])
def test_2d_running_variance_is_unbiased_over_n_times_h_times_w(rng, n, height, width):
    """The correction is m / (m - 1) with m = N * H * W (PyTorch's BatchNorm2d), not N / (N - 1):
    a batch of one image (m = 6) is allowed, and for N = 2, H = W = 1 the two variances differ by 2."""
    x = _maps(rng, n=n, height=height, width=width)
    gamma, beta, state = init_batchnorm(4)
    _, _, new = batchnorm2d_forward(x, gamma, beta, state, momentum=1.0)
    np.testing.assert_allclose(new["running_mean"], x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(new["running_var"], x.var(axis=(0, 2, 3), ddof=1), rtol=1e-12)
    assert new["num_batches_tracked"] == 1


def test_2d_evaluation_uses_the_running_statistics_per_channel(rng):
    x = _maps(rng, n=1)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    state = {"running_mean": rng.normal(size=4), "running_var": rng.uniform(0.5, 2, 4),
             "num_batches_tracked": 7}
    out, _, new = batchnorm2d_forward(x, gamma, beta, state, training=False)
    c = (1, -1, 1, 1)
    expected = (gamma.reshape(c) * (x - state["running_mean"].reshape(c))
                / np.sqrt(state["running_var"].reshape(c) + 1e-5) + beta.reshape(c))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert new["num_batches_tracked"] == 7


@pytest.mark.parametrize(("training", "affine", "tracked"),
                         [(True, True, True), (False, True, True), (True, False, True), (False, True, False)])
def test_2d_backward_matches_finite_differences(rng, training, affine, tracked):
    x = _maps(rng, n=2, channels=3, height=2, width=3)
    gamma, beta = (rng.uniform(0.5, 2, 3), rng.normal(size=3)) if affine else (None, None)
    state = ({"running_mean": rng.normal(size=3), "running_var": rng.uniform(0.5, 2, 3)}
             if tracked else None)
    upstream = rng.normal(size=x.shape)

    def loss(x_, gamma_=gamma, beta_=beta):
        return np.sum(upstream * batchnorm2d_forward(x_, gamma_, beta_, state, training=training)[0])

    _, cache, _ = batchnorm2d_forward(x, gamma, beta, state, training=training)
    dx, dgamma, dbeta = batchnorm2d_backward(upstream, cache)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, _numeric_gradient(loss, x), rtol=1e-6, atol=1e-8)
    if affine:
        np.testing.assert_allclose(dgamma, _numeric_gradient(lambda g: loss(x, g), gamma),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(dbeta, _numeric_gradient(lambda b: loss(x, gamma, b), beta),
                                   rtol=1e-6, atol=1e-8)
    else:
        assert dgamma is None and dbeta is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_2d_keeps_the_dtype_and_float32_agrees_with_float64(rng, dtype):
    x = _maps(rng)
    gamma, beta, state = init_batchnorm(4, dtype)
    out, cache, new = batchnorm2d_forward(x.astype(dtype), gamma, beta, state, momentum=None)
    dx, dgamma, dbeta = batchnorm2d_backward(np.ones(x.shape, dtype), cache)
    assert out.dtype == dx.dtype == dgamma.dtype == dbeta.dtype == new["running_var"].dtype == dtype
    ref, _, ref_state = batchnorm2d_forward(x, *init_batchnorm(4), momentum=None)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new["running_var"], ref_state["running_var"], rtol=1e-5)


@given(n=st.integers(1, 4), channels=st.integers(1, 3), height=st.integers(1, 4), width=st.integers(2, 4),
       seed=st.integers(0, 2**32 - 1))
def test_2d_output_is_standardized_per_channel_for_any_shape(n, channels, height, width, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, channels, height, width)) * 3 + rng.normal(size=(1, channels, 1, 1)) * 10
    gamma, beta, state = init_batchnorm(channels)
    out, cache, new = batchnorm2d_forward(x, gamma, beta, state, eps=1e-12)
    assert out.shape == x.shape and new["running_mean"].shape == (channels,)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-7)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-6)
    assert batchnorm2d_backward(np.ones_like(x), cache)[0].shape == x.shape


def test_2d_rejects_a_three_dimensional_input():
    gamma, beta, state = init_batchnorm(3)
    with pytest.raises(ValueError, match=r"\bx must be 4-D, got shape \(2, 3, 5\)"):
        batchnorm2d_forward(np.ones((2, 3, 5)), gamma, beta, state)


def test_2d_rejects_one_value_per_channel_for_batch_statistics():
    gamma, beta, state = init_batchnorm(3)
    message = r"^x must have at least 2 values per channel \(N \* H \* W\).*, got 1$"  # the count, an int
    with pytest.raises(ValueError, match=message):
        batchnorm2d_forward(np.ones((1, 3, 1, 1)), gamma, beta, state)
    with pytest.raises(ValueError, match=message):  # no running statistics: batch statistics even in eval
        batchnorm2d_forward(np.ones((1, 3, 1, 1)), gamma, beta, None, training=False)
    batchnorm2d_forward(np.ones((1, 3, 1, 1)), gamma, beta, state, training=False)  # running stats: fine


def test_2d_gamma_must_have_one_entry_per_channel():
    gamma, beta, state = init_batchnorm(2)
    with pytest.raises(ValueError, match=r"one entry per channel \(axis 1\) of x, got \(2,\)"):
        batchnorm2d_forward(np.ones((2, 3, 2, 2)), gamma, beta, state)


def test_2d_backward_refuses_the_dense_cache(rng):
    gamma, beta, state = init_batchnorm(2)
    _, cache, _ = batchnorm_forward(rng.normal(size=(4, 2)), gamma, beta, state)
    with pytest.raises(TypeError, match="cache must be the dict returned by batchnorm2d_forward"):
        batchnorm2d_backward(np.ones((1, 2, 2, 2)), cache)
