"""Tests of snippets/l2.py: the cost, its derivative, biases left alone, regressions, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.l2 import l2_cost, l2_grads
from snippets.momentum import init_momentum_state, momentum_step


def _params(rng, sizes=(4, 3, 2), dtype=np.float64):
    """Asymmetric, non-zero weights and biases (zeros could hide a wrong factor)."""
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{layer}"] = rng.normal(0.5, 1.0, size=(n_out, n_in)).astype(dtype)
        params[f"b{layer}"] = rng.normal(-0.3, 1.0, size=n_out).astype(dtype)
    return params


def test_cost_is_lambda_over_2m_times_the_sum_of_squared_weights():
    params = {"W1": np.array([[1.0, 2.0], [3.0, 4.0]]), "b1": np.array([5.0, 6.0]),
              "W2": np.array([[1.0, -1.0]]), "b2": np.array([7.0])}
    squares = 1 + 4 + 9 + 16 + 1 + 1  # the weights only
    assert l2_cost(params, lambd=0.5, m=4) == pytest.approx(0.5 / (2 * 4) * squares, rel=1e-15)


def test_l2_gradient_is_the_derivative_of_the_l2_cost(rng):
    """Centred differences of l2_cost, float64, against the gradient term of l2_grads."""
    params = _params(rng)
    lambd, m, eps = 0.7, 13, 1e-6
    zero = {key: np.zeros_like(value) for key, value in params.items()}
    analytic = l2_grads(params, zero, lambd, m)
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            numeric[idx] = (l2_cost(plus, lambd, m) - l2_cost(minus, lambd, m)) / (2 * eps)
        np.testing.assert_allclose(analytic[key], numeric, rtol=1e-7, atol=1e-10)


def test_gradient_factor_is_lambda_over_m_not_lambda_over_2m(rng):
    """Regression: copying lambda/(2m) from the cost into the gradient halves the decay."""
    params = _params(rng)
    zero = {key: np.zeros_like(value) for key, value in params.items()}
    out = l2_grads(params, zero, lambd=0.6, m=3)
    np.testing.assert_allclose(out["W1"], 0.6 / 3 * params["W1"], rtol=1e-15)
    assert not np.allclose(out["W1"], 0.6 / (2 * 3) * params["W1"])


def test_cost_factor_is_lambda_over_2m_not_lambda_over_m(rng):
    """Regression: lambda/m in the cost doubles it and no longer has lambda/m * W as its derivative."""
    params = _params(rng)
    total = sum(np.sum(params[k] ** 2) for k in params if k.startswith("W"))
    cost = l2_cost(params, lambd=0.6, m=3)
    assert cost == pytest.approx(0.6 / (2 * 3) * total, rel=1e-14)
    assert cost != pytest.approx(0.6 / 3 * total, rel=1e-3)


def test_biases_are_not_decayed(rng):
    """Regression: the penalty and its gradient touch the weights only, never the biases."""
    params = _params(rng)
    grads = _params(rng)
    shifted = {k: (v + 10.0 if k.startswith("b") else v) for k, v in params.items()}
    assert l2_cost(shifted, 0.9, 5) == pytest.approx(l2_cost(params, 0.9, 5), rel=1e-15)
    out = l2_grads(params, grads, 0.9, 5)
    for key in ("b1", "b2"):
        np.testing.assert_array_equal(out[key], grads[key])
    for key in ("W1", "W2"):
        np.testing.assert_allclose(out[key], grads[key] + 0.9 / 5 * params[key], rtol=1e-15)


def test_lambda_zero_switches_regularization_off(rng):
    params = _params(rng)
    grads = _params(rng)
    assert l2_cost(params, 0.0, 7) == 0.0
    out = l2_grads(params, grads, 0.0, 7)
    for key in params:
        np.testing.assert_array_equal(out[key], grads[key])


def test_a_gradient_step_decays_the_weights_by_a_constant_factor(rng):
    """With a zero data gradient, one step of size lr multiplies every weight by (1 - lr * lambd / m)."""
    params = _params(rng)
    zero = {key: np.zeros_like(value) for key, value in params.items()}
    lr, lambd, m = 0.1, 2.0, 4
    step = l2_grads(params, zero, lambd, m)
    new_w = params["W2"] - lr * step["W2"]
    np.testing.assert_allclose(new_w, (1 - lr * lambd / m) * params["W2"], rtol=1e-14)
    np.testing.assert_array_equal(params["b2"] - lr * step["b2"], params["b2"])


def _decay_alone_with_momentum(w0, lr, weight_decay, beta, steps, decoupled):
    """Weights under decay alone (zero data gradient), PyTorch-form momentum, lambd/m = weight_decay.

    L2: the decay term joins the gradient and goes through the momentum buffer (torch's
    SGD(weight_decay=...)). Decoupled (SGDW): the weights shrink by (1 - lr * weight_decay) and
    the momentum step sees the data gradient only."""
    params = {"W": np.array([w0])}
    state = init_momentum_state(params)
    path = []
    for _ in range(steps):
        zero = {"W": np.zeros_like(params["W"])}
        if decoupled:
            params = {"W": (1 - lr * weight_decay) * params["W"]}
            grads = zero
        else:
            grads = l2_grads(params, zero, lambd=weight_decay, m=1)
        params, state = momentum_step(params, grads, state, lr=lr, beta=beta)
        path.append(float(params["W"][0]))
    return np.array(path)


def test_l2_with_momentum_is_not_weight_decay_the_reviews_numbers():
    """The outside review's example: lr 0.1, lambda' 0.1, beta 0.9, w0 = 1, zero data gradient.
    L2 through the momentum buffer: 0.99, 0.9711, 0.9444, 0.9109, 0.8716. Decoupled decay (SGDW):
    (1 - 0.01)^t = 0.99, 0.9801, 0.9703, 0.9606, 0.9510."""
    l2 = _decay_alone_with_momentum(1.0, 0.1, 0.1, 0.9, 5, decoupled=False)
    sgdw = _decay_alone_with_momentum(1.0, 0.1, 0.1, 0.9, 5, decoupled=True)
    np.testing.assert_allclose(l2, [0.99, 0.9711, 0.94439, 0.910891, 0.8716], atol=5e-5)
    np.testing.assert_allclose(sgdw, 0.99 ** np.arange(1, 6), rtol=1e-14)
    assert round(l2[-1], 4) == 0.8716 and round(sgdw[-1], 4) == 0.9510


def test_l2_and_weight_decay_coincide_for_plain_sgd_only():
    """beta = 0: the L2 step and the decoupled step are the same map, w -> (1 - lr lambda') w."""
    l2 = _decay_alone_with_momentum(1.0, 0.1, 0.1, 0.0, 20, decoupled=False)
    sgdw = _decay_alone_with_momentum(1.0, 0.1, 0.1, 0.0, 20, decoupled=True)
    np.testing.assert_allclose(l2, sgdw, rtol=1e-14)
    with_momentum = _decay_alone_with_momentum(1.0, 0.1, 0.1, 0.5, 20, decoupled=False)
    assert np.max(np.abs(with_momentum - sgdw)) > 1e-2


def test_l2_through_momentum_decays_about_one_over_one_minus_beta_times_faster():
    """For a small lr * lambda', the L2 run settles to a per-step shrinkage close to
    lr * lambda' / (1 - beta): ten times the decoupled lr * lambda' at beta 0.9 (within 2%)."""
    lr, wd, beta = 0.1, 1e-3, 0.9
    l2 = _decay_alone_with_momentum(1.0, lr, wd, beta, 400, decoupled=False)
    sgdw = _decay_alone_with_momentum(1.0, lr, wd, beta, 400, decoupled=True)
    shrink_l2 = 1 - l2[-1] / l2[-2]
    shrink_sgdw = 1 - sgdw[-1] / sgdw[-2]
    np.testing.assert_allclose(shrink_sgdw, lr * wd, rtol=1e-9)
    np.testing.assert_allclose(shrink_l2 / shrink_sgdw, 1 / (1 - beta), rtol=0.02)


def test_l2_term_does_not_depend_on_the_batch_size(rng):
    """With m = N, an epoch's mini-batch gradients average to the full-batch gradient.

    A linear model, squared error averaged over the rows it sees; N = 12 examples in
    batches of B = 4. Passing the batch size as m instead inflates the decay by N / B.
    """
    N, B, lambd = 12, 4, 0.7
    X, y = rng.normal(size=(N, 3)), rng.normal(size=N)
    params = {"W1": rng.normal(0.5, 1.0, size=(1, 3)), "b1": np.array([0.2])}

    def data_grads(rows):
        residual = X[rows] @ params["W1"][0] + params["b1"][0] - y[rows]
        return {"W1": (residual @ X[rows])[None, :] / len(rows),
                "b1": np.array([residual.mean()])}

    full = l2_grads(params, data_grads(np.arange(N)), lambd, N)
    batches = np.array_split(rng.permutation(N), N // B)
    for m, matches in ((N, True), (B, False)):
        mean = {key: np.mean([l2_grads(params, data_grads(rows), lambd, m)[key]
                              for rows in batches], axis=0) for key in params}
        assert np.allclose(mean["W1"], full["W1"], rtol=1e-12, atol=0) is matches
        np.testing.assert_allclose(mean["b1"], full["b1"], rtol=1e-12)
    inflated = lambd * (1 / B - 1 / N) * params["W1"]
    np.testing.assert_allclose(mean["W1"] - full["W1"], inflated, rtol=1e-12)


def test_inputs_are_not_modified(rng):
    params = _params(rng)
    grads = _params(rng)
    before_p = {k: v.copy() for k, v in params.items()}
    before_g = {k: v.copy() for k, v in grads.items()}
    out = l2_grads(params, grads, 1.0, 2)
    for key in params:
        np.testing.assert_array_equal(params[key], before_p[key])
        np.testing.assert_array_equal(grads[key], before_g[key])
        assert out[key] is not grads[key]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    params = _params(rng, dtype=dtype)
    grads = _params(rng, dtype=dtype)
    assert l2_cost(params, 0.1, 10).dtype == dtype
    assert all(value.dtype == dtype for value in l2_grads(params, grads, 0.1, 10).values())


@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    lambd=st.floats(0.0, 10.0),
    m=st.integers(1, 1000),
    seed=st.integers(0, 2**32 - 1),
)
def test_cost_is_nonnegative_and_linear_in_lambda(sizes, lambd, m, seed):
    params = _params(np.random.default_rng(seed), tuple(sizes))
    cost = l2_cost(params, lambd, m)
    assert cost >= 0
    assert cost == pytest.approx(lambd * l2_cost(params, 1.0, m), rel=1e-12, abs=1e-300)
    grads = l2_grads(params, params, lambd, m)
    assert set(grads) == set(params)
    assert all(grads[k].shape == params[k].shape for k in params)


@pytest.mark.parametrize("lambd", [-0.1, float("nan"), float("inf")])
def test_negative_or_non_finite_lambda_is_rejected(rng, lambd):
    params = _params(rng)
    with pytest.raises(ValueError, match=r"lambd must be in \[0, inf\)"):
        l2_cost(params, lambd, 10)
    with pytest.raises(ValueError, match=r"lambd must be in \[0, inf\)"):
        l2_grads(params, params, lambd, 10)


def test_lambda_of_wrong_type_is_rejected(rng):
    with pytest.raises(TypeError, match="lambd must be a number"):
        l2_cost(_params(rng), "0.1", 10)


@pytest.mark.parametrize("m", [0, -3])
def test_m_that_is_not_positive_is_rejected(rng, m):
    with pytest.raises(ValueError, match="m must be an integer >= 1"):
        l2_cost(_params(rng), 0.1, m)
    with pytest.raises(ValueError, match="m must be an integer >= 1"):
        l2_grads(_params(rng), _params(rng), 0.1, m)


@pytest.mark.parametrize("m", [2.5, 10.0, True, "10"])
def test_m_that_is_not_an_int_is_rejected(rng, m):
    with pytest.raises(TypeError, match="m must be an integer >= 1"):
        l2_cost(_params(rng), 0.1, m)


def test_mismatched_keys_are_rejected(rng):
    params = _params(rng)
    grads = {("d" + k): v for k, v in params.items()}  # the course's dW1 naming
    with pytest.raises(ValueError, match="same keys as params"):
        l2_grads(params, grads, 0.1, 10)


def test_mismatched_shapes_are_rejected(rng):
    params = _params(rng)
    grads = {k: v.T.copy() for k, v in params.items()}
    with pytest.raises(ValueError, match="shape"):
        l2_grads(params, grads, 0.1, 10)


def test_integer_arrays_are_rejected(rng):
    params = _params(rng)
    params["W1"] = np.ones((3, 4), dtype=np.int64)
    with pytest.raises(TypeError, match=r"params\['W1'\] must be a float array"):
        l2_cost(params, 0.1, 10)
    with pytest.raises(TypeError, match=r"grads\['W1'\] must be a float array"):
        l2_grads(_params(rng), params, 0.1, 10)


def test_non_finite_weights_are_rejected(rng):
    params = _params(rng)
    params["W2"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"params\['W2'\] must be finite"):
        l2_cost(params, 0.1, 10)


def test_params_without_weights_or_not_a_dict_are_rejected():
    with pytest.raises(ValueError, match="no weight matrices"):
        l2_cost({"b1": np.zeros(3)}, 0.1, 10)
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        l2_cost([np.ones((2, 2))], 0.1, 10)


def test_mixed_precision_weights_are_summed_in_the_wider_dtype():
    """float32 and float64 weights together give a float64 cost: float32 squares summing past float32's
    maximum (3.4e38) must not overflow."""
    params = {"W1": np.full((10, 10), 2e18, np.float32), "W2": np.ones((1, 10))}
    cost = l2_cost(params, lambd=1.0, m=1)
    assert cost.dtype == np.float64
    assert cost == pytest.approx((100 * 4e36 + 10) / 2, rel=1e-6)


def test_type_errors_name_the_type_received(rng):
    with pytest.raises(TypeError, match="got str"):
        l2_cost(_params(rng), "0.1", 10)
    with pytest.raises(TypeError, match="got float"):
        l2_cost(_params(rng), 0.1, 10.0)
    with pytest.raises(TypeError, match="got list"):
        l2_grads([np.ones((2, 2))], _params(rng), 0.1, 10)


def test_non_string_keys_are_rejected(rng):
    with pytest.raises(TypeError, match="keys must be strings"):
        l2_cost({1: np.ones((2, 2))}, 0.1, 10)


def test_bad_params_of_l2_grads_are_named_params(rng):
    params = _params(rng)
    params["W1"] = np.ones((3, 4), dtype=np.int64)
    with pytest.raises(TypeError, match=r"params\['W1'\] must be a float array"):
        l2_grads(params, _params(rng), 0.1, 10)


def test_the_momentum_figure_l2_is_about_ten_times_the_decay_and_overshoots_when_strong():
    """The L2 page's second figure (lr 0.1, beta 0.9, 100 steps, zero data gradient).
    lambda' = 0.01: plain-SGD L2 equals SGDW, (1 - 0.001)^100 = 0.905; L2 through momentum ends at
    0.369, within 1% of (1 - lr lambda' / (1 - beta))^100 = 0.366, a decay ten times stronger.
    lambda' = 0.1: L2 through momentum overshoots zero (minimum about -0.15 near step 35) and
    oscillates, which no rescaled decay does; SGDW stays positive."""
    lr, beta = 0.1, 0.9
    sgdw = _decay_alone_with_momentum(1.0, lr, 0.01, beta, 100, decoupled=True)
    plain = _decay_alone_with_momentum(1.0, lr, 0.01, 0.0, 100, decoupled=False)
    l2 = _decay_alone_with_momentum(1.0, lr, 0.01, beta, 100, decoupled=False)
    np.testing.assert_allclose(plain, sgdw, rtol=1e-13)
    np.testing.assert_allclose(sgdw[-1], 0.999**100, rtol=1e-12)
    np.testing.assert_allclose(l2[-1], (1 - lr * 0.01 / (1 - beta)) ** 100, rtol=0.01)
    strong = _decay_alone_with_momentum(1.0, lr, 0.1, beta, 100, decoupled=False)
    assert -0.16 < strong.min() < -0.14 and 30 <= np.argmin(strong) + 1 <= 40
    strong_sgdw = _decay_alone_with_momentum(1.0, lr, 0.1, beta, 100, decoupled=True)
    assert np.all(strong_sgdw > 0)
    np.testing.assert_allclose(strong_sgdw[-1], 0.99**100, rtol=1e-12)  # 0.366
