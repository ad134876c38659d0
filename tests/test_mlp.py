"""Tests of snippets/mlp.py: the backward pass against finite differences, shapes, dtypes, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.mlp import mlp_backward, mlp_forward, mlp_loss, mlp_predict
from tests.helpers import SIZES, make_data, make_params


def finite_differences(loss_of_params, params, eps=1e-6):
    """Centred differences written out here, independent of snippets/gradient_check.py."""
    numeric = {}
    for key, value in params.items():
        numeric[key] = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[key][idx] = value[idx] + eps
            plus = loss_of_params(shifted)
            shifted[key][idx] = value[idx] - eps
            minus = loss_of_params(shifted)
            numeric[key][idx] = (plus - minus) / (2 * eps)
    return numeric


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.7])
def test_backward_matches_finite_differences(rng, output, keep_prob):
    """float64; with dropout, every call draws the same mask from the same seed."""
    params = make_params(rng)
    X, Y = make_data(rng, output=output)

    def loss_of_params(p):
        out, _ = mlp_forward(p, X, output=output, keep_prob=keep_prob, rng=np.random.default_rng(11))
        return mlp_loss(out, Y, output=output)

    out, cache = mlp_forward(params, X, output=output, keep_prob=keep_prob, rng=np.random.default_rng(11))
    grads = mlp_backward(params, cache, Y, output=output)
    numeric = finite_differences(loss_of_params, params)
    assert list(grads) == list(params)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-6, atol=1e-8, err_msg=key)
    if keep_prob < 1:
        assert not all(cache[f"D{layer}"].all() for layer in (1, 2)), "some unit must have been dropped"


def test_dropped_units_pass_no_gradient_to_their_incoming_weights(rng):
    """Regression: a backward pass that forgets the dropout mask sends gradient through dropped units."""
    params = make_params(rng)
    X, Y = make_data(rng, n=1)
    _, cache = mlp_forward(params, X, keep_prob=0.5, rng=np.random.default_rng(5))
    grads = mlp_backward(params, cache, Y)
    dropped = ~cache["D2"][0]
    assert dropped.any()
    assert np.all(grads["W2"][dropped] == 0) and np.all(grads["b2"][dropped] == 0)


def test_gradient_is_the_mean_over_examples_not_the_sum(rng):
    """Regression: forgetting the 1/N makes the gradient grow with the batch. A doubled batch must
    give the same loss and the same gradients."""
    params = make_params(rng)
    X, Y = make_data(rng)
    out, cache = mlp_forward(params, X)
    out2, cache2 = mlp_forward(params, np.vstack([X, X]))
    Y2 = np.vstack([Y, Y])
    assert mlp_loss(out2, Y2) == pytest.approx(mlp_loss(out, Y), rel=1e-12)
    grads, grads2 = mlp_backward(params, cache, Y), mlp_backward(params, cache2, Y2)
    for key in params:
        np.testing.assert_allclose(grads2[key], grads[key], rtol=1e-12, atol=1e-15)


def test_softmax_loss_is_the_mean_negative_log_probability_of_the_true_class(rng):
    out = rng.dirichlet(np.ones(4), size=6)
    labels = rng.integers(0, 4, 6)
    expected = -np.mean(np.log(out[np.arange(6), labels]))
    assert mlp_loss(out, np.eye(4)[labels]) == pytest.approx(expected, rel=1e-12)


def test_sigmoid_loss_sums_over_labels_and_averages_over_examples(rng):
    """Documented reduction: sum over the K labels, mean over the N examples (not mean over N*K)."""
    out = rng.uniform(0.05, 0.95, size=(5, 3))
    Y = (rng.random((5, 3)) < 0.5).astype(float)
    per_example = [-sum(Y[n, k] * np.log(out[n, k]) + (1 - Y[n, k]) * np.log(1 - out[n, k])
                        for k in range(3)) for n in range(5)]
    assert mlp_loss(out, Y, output="sigmoid") == pytest.approx(np.mean(per_example), rel=1e-12)


def test_softmax_rows_sum_to_one_and_sigmoid_stays_in_the_unit_interval(rng):
    params = make_params(rng)
    X, _ = make_data(rng)
    out, _ = mlp_forward(params, X)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
    out, _ = mlp_forward(params, X, output="sigmoid")
    assert np.all((out > 0) & (out < 1))


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_large_logits_do_not_overflow(rng, output):
    params = make_params(rng, sizes=[3, 4])
    params["W1"] = params["W1"] * 1e3
    X, Y = make_data(rng, sizes=[3, 4], output=output)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is harmless
        out, cache = mlp_forward(params, X, output=output)
    assert np.all(np.isfinite(out))
    assert np.isfinite(mlp_loss(out, Y, output=output))
    assert all(np.all(np.isfinite(g)) for g in mlp_backward(params, cache, Y, output=output).values())


def test_saturated_wrong_prediction_gives_a_large_finite_loss():
    out = np.array([[1.0, 0.0]])
    assert 700 < mlp_loss(out, np.array([[0.0, 1.0]])) < np.inf
    assert 700 < mlp_loss(out, np.array([[0.0, 1.0]]), output="sigmoid") < np.inf


def test_relu_derivative_at_zero_is_zero():
    """Convention shared with PyTorch: ReLU'(0) = 0, so a unit exactly at 0 passes no gradient."""
    params = {"W1": np.array([[1.5, -2.0], [0.5, 1.0]]), "b1": np.array([0.0, 0.25]),
              "W2": np.array([[0.7, -1.1], [-0.3, 0.9]]), "b2": np.array([0.1, -0.2])}
    X = np.array([[0.0, 0.0]])
    _, cache = mlp_forward(params, X)
    assert cache["Z1"][0, 0] == 0.0
    grads = mlp_backward(params, cache, np.array([[0.0, 1.0]]))
    assert grads["b1"][0] == 0.0 and grads["b1"][1] != 0.0


def test_test_time_switches_dropout_off(rng):
    params = make_params(rng)
    X, _ = make_data(rng)
    plain, _ = mlp_forward(params, X)
    test_time, cache = mlp_forward(params, X, keep_prob=0.5, training=False)
    np.testing.assert_array_equal(test_time, plain)
    assert cache["D1"] is None and cache["keep_prob"] == 1.0


def test_same_seed_gives_the_same_forward_pass(rng):
    params = make_params(rng)
    X, _ = make_data(rng)
    out1, cache1 = mlp_forward(params, X, keep_prob=0.6, rng=np.random.default_rng(3))
    out2, cache2 = mlp_forward(params, X, keep_prob=0.6, rng=np.random.default_rng(3))
    out3, _ = mlp_forward(params, X, keep_prob=0.6, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(cache1["D1"], cache2["D1"])
    assert not np.array_equal(out1, out3)


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype, output):
    params = make_params(rng, dtype=dtype)
    X, Y = make_data(rng, output=output, dtype=dtype)
    out, cache = mlp_forward(params, X, output=output, keep_prob=0.8, rng=rng)
    assert out.dtype == dtype
    assert all(cache[f"Z{layer}"].dtype == dtype for layer in (1, 2, 3))
    grads = mlp_backward(params, cache, Y.astype(np.float64), output=output)  # float64 targets: no upcast
    assert all(g.dtype == dtype for g in grads.values())


def test_float32_gradients_agree_with_float64(rng):
    params = make_params(rng)
    X, Y = make_data(rng)
    grads64 = mlp_backward(params, mlp_forward(params, X)[1], Y)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    grads32 = mlp_backward(p32, mlp_forward(p32, X.astype(np.float32))[1], Y)
    for key in params:
        np.testing.assert_allclose(grads32[key], grads64[key], rtol=1e-4, atol=1e-6)


def test_predict_returns_the_most_probable_class_and_thresholded_labels(rng):
    params = make_params(rng)
    X, _ = make_data(rng, n=20)
    out, _ = mlp_forward(params, X)
    np.testing.assert_array_equal(mlp_predict(params, X), out.argmax(axis=1))
    probs, _ = mlp_forward(params, X, output="sigmoid")
    labels = mlp_predict(params, X, output="sigmoid")
    assert labels.shape == probs.shape
    np.testing.assert_array_equal(labels, (probs > 0.5).astype(int))


@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    n=st.integers(1, 6),
    output=st.sampled_from(["softmax", "sigmoid"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_shapes_of_outputs_and_gradients(sizes, n, output, seed):
    rng = np.random.default_rng(seed)
    params = make_params(rng, sizes=sizes)
    X, Y = make_data(rng, n=n, sizes=sizes, output=output)
    out, cache = mlp_forward(params, X, output=output, keep_prob=0.5, rng=rng)
    assert out.shape == (n, sizes[-1])
    grads = mlp_backward(params, cache, Y, output=output)
    assert list(grads) == list(params)
    assert all(grads[k].shape == params[k].shape for k in params)
    assert np.isfinite(mlp_loss(out, Y, output=output))


# Bad input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [mlp_forward, mlp_predict])
def test_missing_or_extra_keys_are_rejected(rng, fn):
    params = make_params(rng)
    X, _ = make_data(rng)
    del params["b2"]
    with pytest.raises(ValueError, match="params keys must be W1, b1"):
        fn(params, X)
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        fn({}, X)


def test_weight_stored_as_in_by_out_is_rejected(rng):
    """Regression: W of shape (n_in, n_out) (the transposed convention) must fail loudly."""
    params = make_params(rng)
    X, _ = make_data(rng)
    params["W2"] = params["W2"].T.copy()
    with pytest.raises(ValueError, match="W2"):
        mlp_forward(params, X)


def test_bias_of_wrong_shape_is_rejected(rng):
    params = make_params(rng)
    params["b1"] = params["b1"][:, None]
    with pytest.raises(ValueError, match=r"params\['b1'\] must be 1-D"):
        mlp_forward(params, make_data(rng)[0])


def test_input_with_wrong_feature_count_is_rejected(rng):
    with pytest.raises(ValueError, match=r"X must have 4 features \(columns\), as params\['W1'\] of "
                                         r"shape \(6, 4\) expects, got 3"):
        mlp_forward(make_params(rng), np.ones((2, 3)))


def test_integer_and_non_finite_inputs_are_rejected(rng):
    params = make_params(rng)
    with pytest.raises(TypeError, match=r"X must be a float array \(float32 or float64\)"):
        mlp_forward(params, np.ones((2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="X must be finite"):
        mlp_forward(params, np.full((2, 4), np.nan))
    params["W1"] = params["W1"].astype(np.int64)
    with pytest.raises(TypeError, match=r"params\['W1'\] must be a float array \(float32 or float64\)"):
        mlp_forward(params, np.ones((2, 4)))


def test_mixed_dtypes_are_rejected_not_silently_upcast(rng):
    params = make_params(rng, dtype=np.float32)
    with pytest.raises(TypeError, match="X must have the dtype of the params, float32, got float64"):
        mlp_forward(params, np.ones((2, 4)))
    params["b3"] = params["b3"].astype(np.float64)
    with pytest.raises(TypeError, match="share one dtype"):
        mlp_forward(params, np.ones((2, 4), np.float32))


def test_unknown_output_is_rejected(rng):
    params = make_params(rng)
    X, Y = make_data(rng)
    with pytest.raises(ValueError, match=r"output must be one of \('softmax', 'sigmoid'\)"):
        mlp_forward(params, X, output="relu")
    with pytest.raises(ValueError, match="output must be"):
        mlp_loss(np.full((1, 2), 0.5), np.array([[0.0, 1.0]]), output="tanh")
    with pytest.raises(ValueError, match="output must be"):
        mlp_predict(params, X, output="multilabel")


@pytest.mark.parametrize("keep_prob", [0.0, 1.5, float("nan")])
def test_keep_prob_outside_range_is_rejected(rng, keep_prob):
    with pytest.raises(ValueError, match="keep_prob must be in"):
        mlp_forward(make_params(rng), make_data(rng)[0], keep_prob=keep_prob, rng=rng)


def test_dropout_without_a_generator_is_rejected(rng):
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        mlp_forward(make_params(rng), make_data(rng)[0], keep_prob=0.5)


def test_bad_targets_are_rejected(rng):
    out = rng.dirichlet(np.ones(3), size=4)
    with pytest.raises(ValueError, match=r"Y must have the shape of the output, \(4, 3\), got \(3, 3\)"):
        mlp_loss(out, np.eye(3))
    with pytest.raises(ValueError, match="rows must sum to 1"):
        mlp_loss(out, np.ones((4, 3)))
    with pytest.raises(ValueError, match="targets in"):
        mlp_loss(out, np.full((4, 3), 2.0), output="sigmoid")
    with pytest.raises(TypeError, match=r"Y must be a float array \(float32 or float64\)"):
        mlp_loss(out, np.eye(3, dtype=np.int64)[[0, 1, 2, 0]])
    with pytest.raises(ValueError, match=r"out must hold probabilities"):
        mlp_loss(out * 3, np.eye(3)[[0, 1, 2, 0]])


def test_multi_label_targets_with_softmax_backward_are_rejected(rng):
    """Regression: multi-label targets belong with sigmoid; softmax would silently train on them."""
    params = make_params(rng)
    X, Y = make_data(rng, output="sigmoid")
    Y[0] = 1.0  # a row with every label on
    _, cache = mlp_forward(params, X)
    with pytest.raises(ValueError, match="rows must sum to 1"):
        mlp_backward(params, cache, Y)


def test_cache_from_another_output_or_network_is_rejected(rng):
    params = make_params(rng)
    X, Y = make_data(rng)
    _, cache = mlp_forward(params, X)
    with pytest.raises(ValueError, match='cache was computed with output="softmax"'):
        mlp_backward(params, cache, Y, output="sigmoid")
    small = make_params(rng, sizes=[4, 3])
    with pytest.raises(ValueError, match="cache does not come from mlp_forward"):
        mlp_backward(small, cache, Y)
    with pytest.raises(TypeError, match="cache must be the dict"):
        mlp_backward(params, [cache], Y)


# What the checks catch and what the errors name (mutation testing) ---------------------------------

@pytest.mark.parametrize("key", ["A0", "A1", "A2", "A3", "Z1", "Z2", "Z3", "D1", "D2", "output", "keep_prob"])
def test_an_incomplete_cache_is_rejected_naming_the_missing_key(rng, key):
    params = make_params(rng)
    X, Y = make_data(rng)
    _, cache = mlp_forward(params, X)
    del cache[key]
    with pytest.raises(ValueError, match=rf"\bcache does not come from mlp_forward with these params "
                                         rf"\(missing \['{key}'\]\)"):
        mlp_backward(params, cache, Y)


def test_a_cache_from_a_network_one_layer_deeper_is_rejected(rng):
    """The first two layers of a three-layer network match the cache's Z1 and Z2; its Z3 gives it away."""
    params = make_params(rng)
    X, Y = make_data(rng)
    _, cache = mlp_forward(params, X)
    first_two = {k: params[k] for k in ("W1", "b1", "W2", "b2")}
    with pytest.raises(ValueError, match=r"\bcache does not come from mlp_forward"):
        mlp_backward(first_two, cache, rng.dirichlet(np.ones(5), size=7))


@pytest.mark.parametrize("layer", [1, 2, 3])
def test_a_cache_from_a_network_of_other_widths_is_rejected(rng, layer):
    """Widths that differ at one layer only: the check names that layer."""
    sizes = list(SIZES)
    X, Y = make_data(rng)
    _, cache = mlp_forward(make_params(rng), X)
    sizes[layer] += 2
    other = make_params(rng, sizes=sizes)
    with pytest.raises(ValueError, match=rf"\bcache\['Z{layer}'\] does not match params\['W{layer}'\]"):
        mlp_backward(other, cache, Y)


def test_errors_name_what_they_received(rng):
    params = make_params(rng)
    X, Y = make_data(rng)
    with pytest.raises(TypeError, match=r"\bcache must be the dict returned by mlp_forward, got list"):
        mlp_backward(params, [mlp_forward(params, X)[1]], Y)
    with pytest.raises(TypeError, match=r"\brng must be a numpy.random.Generator .* got int"):
        mlp_forward(params, X, keep_prob=0.5, rng=42)
    with pytest.raises(TypeError, match=r"\bout must be a float array \(float32 or float64\)"):
        mlp_loss(np.ones((2, 2), dtype=np.int64), np.eye(2))


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_probabilities_outside_the_unit_interval_are_rejected(value):
    """One entry out of range, below 0 or above 1 (the other entries are valid)."""
    out = np.array([[0.5, 0.5], [value, 0.5]])
    with pytest.raises(ValueError, match=r"\bout must hold probabilities in \[0, 1\]"):
        mlp_loss(out, np.eye(2))


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_targets_outside_the_unit_interval_are_rejected(output):
    out = np.full((1, 2), 0.5)
    with pytest.raises(ValueError, match=r"\bY must hold targets in \[0, 1\]"):
        mlp_loss(out, np.array([[-0.5, 1.5]]), output=output)
    with pytest.raises(ValueError, match=r"\bY must hold targets in \[0, 1\]"):
        mlp_loss(out, np.array([[-0.5, 1.0]]), output="sigmoid")


def test_softmax_targets_with_two_labels_on_are_rejected_with_the_hint():
    """A row that sums to 2 is multi-label: softmax refuses it and points to sigmoid."""
    out = np.full((2, 3), 1 / 3)
    Y = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match=r'\bY rows must sum to 1 for output="softmax".*'
                                         r'use output="sigmoid" for multi-label targets'):
        mlp_loss(out, Y)
    assert np.isfinite(mlp_loss(out, Y, output="sigmoid"))


def test_float32_saturated_output_is_clipped_at_float32s_smallest_normal():
    """The documented clip is the output dtype's smallest normal number: -log(tiny32) = 87.3, not 708."""
    out = np.array([[1.0, 0.0]], dtype=np.float32)
    expected = -np.log(np.finfo(np.float32).tiny)
    assert mlp_loss(out, np.array([[0.0, 1.0]], dtype=np.float32)) == pytest.approx(expected, rel=1e-6)


def test_predict_returns_integers_and_a_probability_of_exactly_one_half_is_label_zero(rng):
    """Documented: 1 where the probability *exceeds* 0.5. A zero output layer gives exactly 0.5."""
    params = make_params(rng)
    params["W3"] = np.zeros_like(params["W3"])
    params["b3"] = np.zeros_like(params["b3"])
    X, _ = make_data(rng)
    probs, _ = mlp_forward(params, X, output="sigmoid")
    assert np.all(probs == 0.5)
    labels = mlp_predict(params, X, output="sigmoid")
    assert np.issubdtype(labels.dtype, np.integer)
    assert not labels.any()
    assert np.issubdtype(mlp_predict(params, X).dtype, np.integer)


def test_params_errors_name_the_layer_and_the_expected_shape(rng):
    X, _ = make_data(rng)
    params = make_params(rng)
    expected = r"\bparams must be a non-empty dict of float arrays, got list"
    with pytest.raises(TypeError, match=expected):
        mlp_forward([params["W1"]], X)
    renamed = {("c2" if k == "b2" else k): v for k, v in params.items()}  # an even number of keys
    with pytest.raises(ValueError, match=r"\bparams keys must be W1, b1, \.\.\., WL, bL"):
        mlp_forward(renamed, X)
    short_bias = {**params, "b1": params["b1"][:-1]}
    with pytest.raises(ValueError, match=r"\bparams\['b1'\] must have shape \(6,\) to match params\['W1'\] "
                                         r"of shape \(6, 4\), got \(5,\)"):
        mlp_forward(short_bias, X)
    wrong_n_in = {**params, "W2": rng.normal(size=(5, 7))}  # layer 1 has 6 outputs
    with pytest.raises(ValueError, match=r"\bparams\['W2'\] has shape \(5, 7\): its n_in must equal the 6 "
                                         r"outputs of layer 1"):
        mlp_forward(wrong_n_in, X)


def test_input_and_keep_prob_errors_name_the_argument(rng):
    params = make_params(rng)
    with pytest.raises(TypeError, match=r"\bX must be a float array \(float32 or float64\)"):
        mlp_forward(params, np.ones((2, 4), dtype=np.int64))
    with pytest.raises(TypeError, match=r"\bkeep_prob must be a number in \(0, 1\], got str"):
        mlp_forward(params, np.ones((2, 4)), keep_prob="0.5", rng=rng)


def test_float32_dropout_mask_is_drawn_in_float32(rng):
    """As dropout.py: uniforms drawn in the input's precision, so a float32 pass draws float32 numbers."""
    params = make_params(rng, dtype=np.float32)
    X, _ = make_data(rng, dtype=np.float32)
    _, cache = mlp_forward(params, X, keep_prob=0.6, rng=np.random.default_rng(3))
    expected = np.random.default_rng(3).random(cache["Z1"].shape, dtype=np.float32) < 0.6
    np.testing.assert_array_equal(cache["D1"], expected)


def test_loss_from_probabilities_matches_the_logit_loss_until_it_saturates_near_708():
    """M17: mlp_loss takes the probabilities and clips them at the smallest normal float64
    (2.2e-308), so it equals the cross-entropy computed from the logits (objectives page) to
    1e-12 for ordinary logits, but for a confident wrong prediction (a logit margin of 1000) it
    reports -log(2.2e-308) = 708.4 where the logit form gives the true 1000. The gradient,
    P - Y, does not go through the clipping and is exact in both cases."""
    from snippets.objectives import bce_with_logits, softmax_cross_entropy

    rng = np.random.default_rng(3)
    Z = rng.normal(0.0, 3.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    Y = np.eye(4)[labels]
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(mlp_loss(P, Y), softmax_cross_entropy(Z, labels), rtol=1e-12)
    S = 1 / (1 + np.exp(-Z))
    Yb = (rng.random((6, 4)) < 0.5).astype(float)
    np.testing.assert_allclose(mlp_loss(S, Yb, output="sigmoid"),
                               4 * bce_with_logits(Z, Yb), rtol=1e-12)
    wrong = np.array([[1000.0, 0.0]])  # all the mass on class 0, the label is class 1
    P_wrong = np.array([[1.0, 0.0]])  # exp(-1000) underflows to 0
    saturated = mlp_loss(P_wrong, np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(saturated, -np.log(np.finfo(np.float64).tiny), rtol=1e-15)
    assert 708 < saturated < 709
    np.testing.assert_allclose(softmax_cross_entropy(wrong, np.array([1])), 1000.0, rtol=1e-15)
