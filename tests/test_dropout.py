"""Tests of snippets/dropout.py: statistics, the backward pass, regressions, bad input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.dropout import (
    dropout2d_backward,
    dropout2d_forward,
    dropout_backward,
    dropout_forward,
    mc_dropout_predict,
)


def test_expected_value_is_preserved(rng):
    a = rng.normal(1.0, 0.5, size=(400, 500))
    out, _ = dropout_forward(a, keep_prob=0.7, rng=rng)
    # Each entry of out - a has variance a^2 (1-p)/p; the mean of 2e5 of them has std below 0.004.
    assert abs(out.mean() - a.mean()) < 0.02


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.9])
def test_fraction_zeroed_is_one_minus_keep_prob(rng, keep_prob):
    a = rng.uniform(0.5, 1.5, size=(500, 400))
    out, mask = dropout_forward(a, keep_prob, rng)
    n = a.size
    bound = 5 * np.sqrt(keep_prob * (1 - keep_prob) / n)  # five binomial standard errors
    assert abs((out == 0).mean() - (1 - keep_prob)) < bound
    assert abs(mask.mean() - keep_prob) < bound


def test_survivors_are_scaled_by_one_over_keep_prob(rng):
    a = rng.uniform(0.5, 1.5, size=(30, 40))
    out, mask = dropout_forward(a, 0.6, rng)
    np.testing.assert_allclose(out[mask], a[mask] / 0.6)
    assert np.all(out[~mask] == 0)


def test_keep_prob_one_is_the_identity(rng):
    a = rng.normal(size=(20, 30))
    out, mask = dropout_forward(a, 1.0, rng)
    np.testing.assert_array_equal(out, a)
    assert mask.all()


def test_test_time_is_the_identity(rng):
    a = rng.normal(size=(20, 30))
    out, mask = dropout_forward(a, 0.5, rng, training=False)
    np.testing.assert_array_equal(out, a)
    assert mask is None


def test_backward_uses_the_forward_mask(rng):
    """Regression: a backward pass that forgets the mask lets gradient flow to dropped units."""
    a = rng.normal(size=(8, 10))
    out, mask = dropout_forward(a, 0.5, rng)
    upstream = rng.normal(size=a.shape)
    da = dropout_backward(upstream, mask, 0.5)
    assert np.all(da[~mask] == 0)
    np.testing.assert_allclose(da[mask], upstream[mask] / 0.5)


def test_backward_matches_finite_differences(rng):
    """With the mask fixed, dropout is linear: d(sum(w * out))/da equals the backward pass."""
    a = rng.normal(size=(5, 7))
    weights = rng.normal(size=a.shape)
    out, mask = dropout_forward(a, 0.7, rng)
    eps = 1e-6
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = eps
        plus = np.sum(weights * (a + step) * mask / 0.7)
        minus = np.sum(weights * (a - step) * mask / 0.7)
        numeric[idx] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(dropout_backward(weights, mask, 0.7), numeric, rtol=1e-7, atol=1e-9)


def test_keep_prob_is_not_the_drop_probability(rng):
    """Regression: PyTorch's p drops units. keep_prob=0.9 must keep about 90%, not 10%."""
    a = np.ones((200, 500))
    out, _ = dropout_forward(a, keep_prob=0.9, rng=rng)
    assert (out != 0).mean() > 0.85
    np.testing.assert_allclose(out[out != 0], 1 / 0.9)


def test_mask_comes_from_uniform_numbers(rng):
    """Regression: a mask from rng.normal(...) < keep_prob keeps ~Phi(keep_prob) of units, not keep_prob."""
    a = np.ones((300, 300))
    _, mask = dropout_forward(a, 0.5, rng)
    assert abs(mask.mean() - 0.5) < 0.01  # Phi(0.5) = 0.69 would fail this


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    a = rng.normal(size=(10, 10)).astype(dtype)
    out, _ = dropout_forward(a, 0.5, rng)
    assert out.dtype == dtype
    assert dropout_backward(a, np.ones(a.shape, bool), 0.5).dtype == dtype


def test_same_seed_gives_the_same_mask():
    a = np.ones((50, 50), np.float32)
    out1, _ = dropout_forward(a, 0.5, np.random.default_rng(7))
    out2, _ = dropout_forward(a, 0.5, np.random.default_rng(7))
    np.testing.assert_array_equal(out1, out2)


@settings(max_examples=50, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    keep_prob=st.floats(0.01, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_output_is_zero_or_scaled_input(shape, keep_prob, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    out, mask = dropout_forward(a, keep_prob, rng)
    assert out.shape == a.shape and mask.shape == a.shape
    np.testing.assert_allclose(out, np.where(mask, a / keep_prob, 0.0))


@pytest.mark.parametrize("keep_prob", [0.0, -0.1, 1.5, float("nan")])
def test_keep_prob_outside_range_is_rejected(rng, keep_prob):
    with pytest.raises(ValueError, match="keep_prob must be in"):
        dropout_forward(np.ones((2, 2)), keep_prob, rng)
    with pytest.raises(ValueError, match="keep_prob must be in"):
        dropout_backward(np.ones((2, 2)), np.ones((2, 2), bool), keep_prob)


def test_keep_prob_of_wrong_type_is_rejected(rng):
    with pytest.raises(TypeError, match="keep_prob"):
        dropout_forward(np.ones((2, 2)), "0.5", rng)


def test_integer_activations_are_rejected(rng):
    with pytest.raises(TypeError, match="a must be a float array"):
        dropout_forward(np.ones((2, 2), dtype=np.int64), 0.5, rng)


def test_non_finite_activations_are_rejected(rng):
    with pytest.raises(ValueError, match="a must be finite"):
        dropout_forward(np.array([[1.0, np.nan]]), 0.5, rng)


def test_legacy_global_rng_is_rejected():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        dropout_forward(np.ones((2, 2)), 0.5, np.random)


def test_mask_of_other_shape_is_rejected():
    with pytest.raises(ValueError, match="mask must have the shape of da"):
        dropout_backward(np.ones((2, 3)), np.ones((3, 2), bool), 0.5)


def test_non_boolean_mask_is_rejected():
    with pytest.raises(TypeError, match="mask must be a boolean"):
        dropout_backward(np.ones((2, 2)), np.ones((2, 2)), 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mask_is_drawn_in_the_precision_of_the_input(dtype):
    """float32 activations draw float32 uniforms (half the bytes, no cast: see the performance page),
    so the mask is reproducible from the seed as ``rng.random(shape, dtype) < keep_prob``."""
    a = np.ones((40, 50), dtype)
    _, mask = dropout_forward(a, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(mask, np.random.default_rng(3).random(a.shape, dtype=dtype) < 0.5)


def test_integer_upstream_gradient_is_rejected():
    with pytest.raises(TypeError, match="da must be a float array"):
        dropout_backward(np.ones((2, 2), dtype=np.int64), np.ones((2, 2), bool), 0.5)


def test_type_errors_name_the_type_received(rng):
    with pytest.raises(TypeError, match="got str"):
        dropout_forward(np.ones((2, 2)), "0.5", rng)
    with pytest.raises(TypeError, match="got module"):
        dropout_forward(np.ones((2, 2)), 0.5, np.random)


# --- the implicit ensemble and the weight-scaling rule (Srivastava et al. 2014, section 7) -------

ACTIVATIONS = {"identity": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


def _ensemble(f, n, keep_prob):
    """Every mask of n units with its probability: sum over all 2^n thinned networks."""
    masks = np.array(list(itertools.product([False, True], repeat=n)))
    kept = masks.sum(axis=1)
    probs = keep_prob**kept * (1 - keep_prob) ** (n - kept)
    assert len(masks) == 2**n and np.isclose(probs.sum(), 1.0)
    return sum(p * f(m) for p, m in zip(probs, masks, strict=True))


def _net(rng, n_in=8, n_hidden=6):
    return {"W1": rng.normal(size=(n_hidden, n_in)), "b1": rng.normal(size=n_hidden),
            "W2": rng.normal(size=(2, n_hidden)), "b2": rng.normal(size=2)}


def test_weight_scaling_is_exact_for_a_linear_layer(rng):
    """Averaged over all 2^10 masks, the dropped-out layer is the plain layer (inverted scaling)."""
    x, W, b, keep = rng.normal(size=(5, 10)), rng.normal(size=(3, 10)), rng.normal(size=3), 0.6
    ensemble = _ensemble(lambda m: (x * m / keep) @ W.T + b, 10, keep)
    np.testing.assert_allclose(ensemble, x @ W.T + b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["identity", "tanh", "relu"])
def test_weight_scaling_is_only_approximate_after_a_nonlinearity(rng, activation):
    """Dropout on the inputs of W2 act(W1 x + b1) + b2: exact only when act is linear."""
    net, x, keep, act = _net(rng), rng.normal(size=(5, 8)), 0.5, ACTIVATIONS[activation]

    def forward(inputs):
        return act(inputs @ net["W1"].T + net["b1"]) @ net["W2"].T + net["b2"]

    ensemble = _ensemble(lambda m: forward(x * m / keep), 8, keep)
    scaled = forward(x)  # test time: every unit, no rescaling (inverted dropout)
    gap = np.abs(ensemble - scaled).max() / np.abs(scaled).max()
    if activation == "identity":
        assert gap < 1e-12
    else:
        assert gap > 0.05


def test_weight_scaling_is_exact_when_only_linear_maps_follow_the_dropout(rng):
    """Dropout on tanh outputs, then the linear output layer: exact whatever the activation."""
    net, x, keep = _net(rng), rng.normal(size=(5, 8)), 0.5
    hidden = np.tanh(x @ net["W1"].T + net["b1"])
    ensemble = _ensemble(lambda m: (hidden * m / keep) @ net["W2"].T + net["b2"], 6, keep)
    np.testing.assert_allclose(ensemble, hidden @ net["W2"].T + net["b2"], rtol=1e-12)


def test_weight_scaling_is_exact_for_softmax_as_a_geometric_mean(rng):
    """Goodfellow et al. 7.12: the renormalized geometric mean of the thinned softmax models."""
    x, W, b, keep = rng.normal(size=(4, 9)), rng.normal(size=(5, 9)), rng.normal(size=5), 0.7

    def log_softmax(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    log_mean = _ensemble(lambda m: log_softmax((x * m / keep) @ W.T + b), 9, keep)
    geometric = np.exp(log_softmax(log_mean))  # renormalized
    np.testing.assert_allclose(geometric, np.exp(log_softmax(x @ W.T + b)), rtol=1e-12)
    arithmetic = _ensemble(lambda m: np.exp(log_softmax((x * m / keep) @ W.T + b)), 9, keep)
    assert np.abs(arithmetic - geometric).max() > 1e-3  # the plain average differs


def test_mc_dropout_mean_estimates_the_exact_ensemble(rng):
    net, x, keep = _net(rng), rng.normal(size=(5, 8)), 0.5

    def exact(m):
        return np.tanh((x * m / keep) @ net["W1"].T + net["b1"]) @ net["W2"].T + net["b2"]

    def forward(inputs, generator):
        dropped, _ = dropout_forward(inputs, keep, generator)
        return np.tanh(dropped @ net["W1"].T + net["b1"]) @ net["W2"].T + net["b2"]

    mean, std = mc_dropout_predict(forward, x, 4000, rng)
    error = std / np.sqrt(4000)
    assert np.all(np.abs(mean - _ensemble(exact, 8, keep)) < 5 * error)
    assert np.all(std > 0)


def test_mc_dropout_with_keep_prob_one_has_no_spread(rng):
    net, x = _net(rng), rng.normal(size=(5, 8))

    def forward(inputs, generator):
        dropped, _ = dropout_forward(inputs, 1.0, generator)
        return np.tanh(dropped @ net["W1"].T + net["b1"]) @ net["W2"].T + net["b2"]

    mean, std = mc_dropout_predict(forward, x, 3, rng)
    np.testing.assert_allclose(mean, forward(x, rng), rtol=1e-12)
    np.testing.assert_allclose(std, 0.0, atol=1e-12)


# --- dropout before batch norm: the variance shift (Li et al. 2019) ------------------------------

def _bn_output_variance_at_test_time(rng, keep, dropout_first, mean=0.0):
    """Train BN's running statistics for 300 batches, then measure its test-time output."""
    gamma, beta, state = init_batchnorm(16)
    for _ in range(300):
        x = mean + rng.normal(size=(256, 16))
        if dropout_first:
            x, _ = dropout_forward(x, keep, rng)
        out, _, state = batchnorm_forward(x, gamma, beta, state, training=True)
        if not dropout_first:
            out, _ = dropout_forward(out, keep, rng)
    x = mean + rng.normal(size=(20000, 16))  # test time: dropout off
    out, _, _ = batchnorm_forward(x, gamma, beta, state, training=False)
    return out.var(axis=0).mean()


@pytest.mark.parametrize("keep", [0.5, 0.8])
def test_dropout_before_batch_norm_shifts_the_test_time_variance_to_keep_prob(rng, keep):
    """Training variance E[x^2] / p (zero mean), test variance E[x^2]: BN's output var is p."""
    np.testing.assert_allclose(_bn_output_variance_at_test_time(rng, keep, True), keep,
                               rtol=0.05)


def test_dropout_before_batch_norm_with_a_mean_shifts_by_the_predicted_ratio(rng):
    keep, mean = 0.5, 1.0
    predicted = 1.0 / ((1.0 + mean**2) / keep - mean**2)  # Var(x) / Var(dropout(x)) = 1/3
    np.testing.assert_allclose(_bn_output_variance_at_test_time(rng, keep, True, mean),
                               predicted, rtol=0.05)


def test_dropout_after_batch_norm_leaves_its_statistics_alone(rng):
    np.testing.assert_allclose(_bn_output_variance_at_test_time(rng, 0.5, False), 1.0,
                               rtol=0.05)


def test_mc_dropout_rejects_bad_input(rng):
    def forward(inputs, generator):
        return inputs

    x = np.ones((2, 3))
    with pytest.raises(TypeError, match=r"\bforward must be a callable"):
        mc_dropout_predict("net", x, 10, rng)
    with pytest.raises(TypeError, match=r"\bx must be a float array"):
        mc_dropout_predict(forward, np.ones((2, 3), dtype=int), 10, rng)
    with pytest.raises(ValueError, match=r"\bn_samples must be an integer >= 2"):
        mc_dropout_predict(forward, x, 1, rng)
    with pytest.raises(TypeError, match=r"\bn_samples must be an integer"):
        mc_dropout_predict(forward, x, 10.0, rng)
    with pytest.raises(TypeError, match=r"\brng must be a numpy.random.Generator"):
        mc_dropout_predict(forward, x, 10, np.random)


# --- channel dropout for convolutions (PyTorch's Dropout2d) ---------------------------------------

def _maps(rng, n=6, channels=5, height=3, width=4):
    # H != W and no zeros, so a kept channel is never mistaken for a dropped one
    return rng.uniform(0.5, 1.5, size=(n, channels, height, width))


def test_channel_dropout_keeps_or_drops_whole_feature_maps(rng):
    a = _maps(rng)
    out, mask = dropout2d_forward(a, 0.6, rng)
    assert mask.shape == (6, 5, 1, 1) and mask.dtype == np.bool_
    np.testing.assert_array_equal(out, np.where(mask, a / 0.6, 0.0))
    # one value per (example, channel): every position of a map is dropped, or none is
    dropped = out == 0
    assert np.all(dropped == dropped[:, :, :1, :1])
    assert 0 < mask.sum() < mask.size  # both kinds occur in 30 channels (a chance of 2e-12 otherwise)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.9])
def test_channel_dropout_keeps_a_share_keep_prob_of_the_channels(rng, keep_prob):
    a = np.ones((400, 100, 2, 3))
    out, mask = dropout2d_forward(a, keep_prob, rng)
    bound = 5 * np.sqrt(keep_prob * (1 - keep_prob) / mask.size)  # five binomial standard errors
    assert abs(mask.mean() - keep_prob) < bound
    assert abs((out[:, :, 0, 0] != 0).mean() - keep_prob) < bound
    assert abs(out.mean() - 1.0) < bound / keep_prob  # the expected value is kept


def test_channel_dropout_with_keep_prob_one_or_at_test_time_is_the_identity(rng):
    a = _maps(rng)
    out, mask = dropout2d_forward(a, 1.0, rng)
    np.testing.assert_array_equal(out, a)
    assert mask.all()
    out, mask = dropout2d_forward(a, 0.5, rng, training=False)
    assert out is a and mask is None


def test_channel_dropout_backward_uses_the_channel_mask(rng):
    a = _maps(rng)
    _, mask = dropout2d_forward(a, 0.5, rng)
    upstream = rng.normal(size=a.shape)
    da = dropout2d_backward(upstream, mask, 0.5)
    np.testing.assert_allclose(da, upstream * mask / 0.5, rtol=1e-12, atol=0)
    assert np.all(da[~np.broadcast_to(mask, a.shape)] == 0)


def test_channel_dropout_backward_matches_finite_differences(rng):
    a = _maps(rng, n=2, channels=3, height=2, width=3)
    weights = rng.normal(size=a.shape)

    def loss(x):  # the same mask: a fresh Generator with the same seed draws it again
        return np.sum(weights * dropout2d_forward(x, 0.7, np.random.default_rng(11))[0])

    _, mask = dropout2d_forward(a, 0.7, np.random.default_rng(11))
    eps, numeric = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = eps
        numeric[idx] = (loss(a + step) - loss(a - step)) / (2 * eps)
    np.testing.assert_allclose(dropout2d_backward(weights, mask, 0.7), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_mask_is_drawn_per_channel_in_the_precision_of_the_input(dtype):
    a = np.ones((4, 7, 3, 2), dtype)
    out, mask = dropout2d_forward(a, 0.5, np.random.default_rng(3))
    assert out.dtype == dtype and dropout2d_backward(a, mask, 0.5).dtype == dtype
    expected = np.random.default_rng(3).random((4, 7, 1, 1), dtype=dtype) < 0.5
    np.testing.assert_array_equal(mask, expected)


def test_channel_keep_prob_is_not_torchs_drop_probability(rng):
    """keep_prob=0.9 keeps about 90% of the channels; nn.Dropout2d(p=0.9) would drop 90%."""
    _, mask = dropout2d_forward(np.ones((100, 50, 2, 2)), 0.9, rng)
    assert mask.mean() > 0.85


@settings(max_examples=50, deadline=None)
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
       keep_prob=st.floats(0.01, 1.0), seed=st.integers(0, 2**32 - 1))
def test_channel_dropout_output_is_zero_or_the_scaled_input_per_channel(shape, keep_prob, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    out, mask = dropout2d_forward(a, keep_prob, rng)
    assert out.shape == a.shape and mask.shape == (*shape[:2], 1, 1)
    np.testing.assert_allclose(out, np.where(mask, a / keep_prob, 0.0))


def test_channel_dropout_rejects_input_that_is_not_4d(rng):
    with pytest.raises(ValueError, match=r"\ba must be 4-D, got shape \(2, 3, 4\)"):
        dropout2d_forward(np.ones((2, 3, 4)), 0.5, rng)
    with pytest.raises(ValueError, match=r"\bda must be 4-D"):
        dropout2d_backward(np.ones((2, 3)), np.ones((2, 3), bool), 0.5)


def test_channel_dropout_backward_rejects_an_elementwise_mask(rng):
    """The mask has one value per channel, shape (N, C, 1, 1); a full (N, C, H, W) one is not ours."""
    a = _maps(rng)
    with pytest.raises(ValueError, match=r"mask must have shape \(N, C, 1, 1\) = \(6, 5, 1, 1\)"):
        dropout2d_backward(a, np.ones(a.shape, bool), 0.5)
    with pytest.raises(TypeError, match="mask must be a boolean"):
        dropout2d_backward(a, np.ones((6, 5, 1, 1)), 0.5)
