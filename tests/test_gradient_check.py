"""Tests of snippets/gradient_check.py: it passes a correct backward pass, flags broken ones, and the two
known traps (float32, ReLU kinks) behave as the page says."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.gradient_check import (
    gradient_check,
    numerical_gradient,
    params_to_vector,
    relative_error,
    vector_to_params,
)
from snippets.mlp import mlp_backward, mlp_forward, mlp_loss
from tests.helpers import make_data, make_params


def mlp_loss_fn(X, Y, output="softmax", keep_prob=1.0, seed=0):
    """The loss as a function of the params only; dropout draws the same mask on every call."""
    def loss_fn(params):
        out, _ = mlp_forward(params, X, output=output, keep_prob=keep_prob, rng=np.random.default_rng(seed))
        return mlp_loss(out, Y, output=output)
    return loss_fn


def broken_backward(params, X, Y, bug):
    """A one-hidden-layer softmax network's backward pass with one classic mistake."""
    out, cache = mlp_forward(params, X)
    n = X.shape[0]
    dZ2 = (out - Y) if bug == "forgets 1/N" else (Y - out) / n if bug == "sign flipped" else (out - Y) / n
    dA1 = dZ2 @ params["W2"]
    dZ1 = dA1 if bug == "forgets ReLU derivative" else dA1 * (cache["Z1"] > 0)
    db = (lambda dZ: dZ.mean(axis=0)) if bug == "averages the bias twice" else (lambda dZ: dZ.sum(axis=0))
    grads = {"W1": dZ1.T @ X, "b1": db(dZ1), "W2": dZ2.T @ cache["A1"], "b2": db(dZ2)}
    if bug == "uses Z instead of A":
        grads["W2"] = dZ2.T @ cache["Z1"]  # the pre-activation instead of the ReLU output
    return grads


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
def test_a_correct_backward_pass_passes(rng, output, keep_prob):
    params = make_params(rng)
    X, Y = make_data(rng, output=output)
    _, cache = mlp_forward(params, X, output=output, keep_prob=keep_prob, rng=np.random.default_rng(9))
    grads = mlp_backward(params, cache, Y, output=output)
    error, passed = gradient_check(mlp_loss_fn(X, Y, output, keep_prob, seed=9), params, grads)
    assert passed and error < 1e-7


@pytest.mark.parametrize("bug", ["forgets 1/N", "sign flipped", "forgets ReLU derivative",
                                 "averages the bias twice", "uses Z instead of A"])
def test_a_broken_backward_pass_is_flagged(rng, bug):
    params = make_params(rng, sizes=[4, 6, 5])
    X, Y = make_data(rng, sizes=[4, 6, 5])
    error, passed = gradient_check(mlp_loss_fn(X, Y), params, broken_backward(params, X, Y, bug))
    assert not passed and error > 1e-3
    # The helper itself is right when no bug is asked for: the failure comes from the bug.
    assert gradient_check(mlp_loss_fn(X, Y), params, broken_backward(params, X, Y, None))[1]


def test_numerical_gradient_of_a_known_function(rng):
    """J = sum(a * w**3) + c . v has gradient 3 a w**2 and c."""
    a, c = rng.uniform(0.5, 2.0, size=(3, 2)), rng.normal(size=4)
    params = {"w": rng.normal(size=(3, 2)), "v": rng.normal(size=4)}
    numeric = numerical_gradient(lambda p: np.sum(a * p["w"] ** 3) + c @ p["v"], params, eps=1e-6)
    np.testing.assert_allclose(numeric["w"], 3 * a * params["w"] ** 2, rtol=1e-7)
    np.testing.assert_allclose(numeric["v"], c, rtol=1e-7)


def test_numerical_gradient_leaves_params_unchanged(rng):
    params = make_params(rng)
    before = {k: v.copy() for k, v in params.items()}
    X, Y = make_data(rng)
    numerical_gradient(mlp_loss_fn(X, Y), params)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_error_against_eps_has_a_sweet_spot(rng):
    """Too large an eps: truncation error (eps**2); too small: rounding error (1e-16 / eps)."""
    params = make_params(rng)
    X, Y = make_data(rng)
    grads = mlp_backward(params, mlp_forward(params, X)[1], Y)
    errors = {eps: relative_error(grads, numerical_gradient(mlp_loss_fn(X, Y), params, eps))
              for eps in (1e-2, 1e-6, 1e-11)}
    assert errors[1e-6] < 1e-8
    assert errors[1e-2] > 100 * errors[1e-6] and errors[1e-11] > 100 * errors[1e-6]


def test_usage_example_from_the_page():
    """The example embedded on the gradient-checking page: it must run as shown."""
    # --8<-- [start:usage]
    import numpy as np

    from snippets.gradient_check import gradient_check
    from snippets.mlp import mlp_backward, mlp_forward, mlp_loss

    rng = np.random.default_rng(0)
    sizes = [4, 6, 3]  # a small network and a small batch, in float64
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = (rng.normal(size=(sizes[l], sizes[l - 1])) *
                           np.sqrt(2 / sizes[l - 1]))
        # not zeros: a zero start can hide bugs
        params[f"b{l}"] = rng.normal(scale=0.1, size=sizes[l])
    X = rng.normal(size=(8, 4))
    Y = np.eye(3)[rng.integers(0, 3, size=8)]

    def loss_fn(p):  # the full loss; dropout draws the same mask on every call (seed 1)
        out, _ = mlp_forward(p, X, keep_prob=0.8, rng=np.random.default_rng(1))
        return mlp_loss(out, Y)

    _, cache = mlp_forward(params, X, keep_prob=0.8, rng=np.random.default_rng(1))
    grads = mlp_backward(params, cache, Y)
    error, passed = gradient_check(loss_fn, params, grads)
    print(f"relative error {error:.1e}, passed: {passed}")
    # relative error ~1e-9, passed: True
    # --8<-- [end:usage]
    assert passed and error < 1e-7


def test_a_loss_without_the_regularization_term_is_flagged(rng):
    """Regression: the grads include the L2 term lambda/N * W, but a loss_fn without lambda/(2N) ||W||^2
    makes a correct backward pass look broken. The loss given to the check must be the full cost."""
    params = make_params(rng)
    X, Y = make_data(rng)
    lam, n = 0.7, X.shape[0]
    grads = mlp_backward(params, mlp_forward(params, X)[1], Y)
    grads = {k: g + lam / n * params[k] if k.startswith("W") else g for k, g in grads.items()}

    def full_cost(p):
        return mlp_loss_fn(X, Y)(p) + lam / (2 * n) * sum(np.sum(p[k] ** 2) for k in p if k.startswith("W"))

    assert gradient_check(full_cost, params, grads)[1]
    error, passed = gradient_check(mlp_loss_fn(X, Y), params, grads)
    assert not passed and error > 1e-3


# The two traps -----------------------------------------------------------------------------------

def test_gradient_check_in_float32_is_refused(rng):
    """Regression: a float32 check reports errors of 1e-2 and more on a correct backward pass."""
    params = make_params(rng, dtype=np.float32)
    X, Y = make_data(rng, dtype=np.float32)
    grads = mlp_backward(params, mlp_forward(params, X)[1], Y)
    with pytest.raises(TypeError, match="gradient checking needs float64 params.*rounding"):
        gradient_check(mlp_loss_fn(X, Y), params, grads)
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(mlp_loss_fn(X, Y), params)


def test_float32_rounding_is_what_fails_the_check(rng):
    """Why float32 is refused: the same correct gradients, checked against a loss computed in float32,
    fail badly at eps=1e-7, while the float64 loss passes."""
    params = make_params(rng)
    X, Y = make_data(rng)
    grads = mlp_backward(params, mlp_forward(params, X)[1], Y)

    def loss_in_float32(p):
        p32 = {k: v.astype(np.float32) for k, v in p.items()}
        return mlp_loss(mlp_forward(p32, X.astype(np.float32))[0], Y)

    error32, passed32 = gradient_check(loss_in_float32, params, grads)
    error64, passed64 = gradient_check(mlp_loss_fn(X, Y), params, grads)
    assert not passed32 and error32 > 1e-2
    assert passed64 and error64 < 1e-7


def test_central_difference_at_a_relu_kink_gives_one_half():
    """Regression: at z = 0 the centred difference of ReLU is (eps - 0) / (2 eps) = 0.5, neither
    subgradient (0, as PyTorch and our MLP use, nor 1)."""
    numeric = numerical_gradient(lambda p: float(np.maximum(p["z"], 0.0).sum()), {"z": np.array([0.0])})
    assert numeric["z"][0] == pytest.approx(0.5, rel=1e-9)
    assert relative_error(np.array([0.0]), numeric["z"]) == 1.0
    assert relative_error(np.array([1.0]), numeric["z"]) == pytest.approx(1 / 3)


def test_a_correct_mlp_fails_the_check_at_a_kink_and_passes_away_from_it(rng):
    """Put one hidden pre-activation on the kink: the numerical gradient averages the two one-sided
    slopes (weight 0.5 each) and a correct backward pass 'fails'. Moving 1e-3 away (far more than
    eps) restores the check: the page's advice, to check away from kinks, holds."""
    params = make_params(rng)
    X, Y = make_data(rng)
    z = X[0] @ params["W1"].T + params["b1"]
    unit = int(np.argmax(z > 0))
    params["b1"][unit] -= z[unit]          # example 0 now sits on unit's kink (|z| << eps)
    loss_fn = mlp_loss_fn(X, Y)
    assert abs((X @ params["W1"].T + params["b1"])[0, unit]) < 1e-9

    def grads_at(shift):
        shifted = {k: v.copy() for k, v in params.items()}
        shifted["b1"][unit] += shift
        return shifted, mlp_backward(shifted, mlp_forward(shifted, X)[1], Y)

    grads = grads_at(0.0)[1]
    error, passed = gradient_check(loss_fn, params, grads)
    assert not passed and error > 1e-3
    numeric = numerical_gradient(loss_fn, params)
    left, right = grads_at(-1e-9)[1]["b1"][unit], grads_at(1e-9)[1]["b1"][unit]
    assert left != pytest.approx(right)
    assert numeric["b1"][unit] == pytest.approx(0.5 * left + 0.5 * right, rel=1e-5)

    away, grads_away = grads_at(1e-3)
    assert gradient_check(loss_fn, away, grads_away)[1]


# The vector round trip and the relative error ----------------------------------------------------

@given(
    shapes=st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), min_size=1, max_size=5),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_dict_to_vector_to_dict_round_trip(shapes, seed, dtype):
    rng = np.random.default_rng(seed)
    params = {f"p{i}": rng.normal(size=shape).astype(dtype) for i, shape in enumerate(shapes)}
    vector, layout = params_to_vector(params)
    assert vector.shape == (sum(v.size for v in params.values()),) and vector.dtype == dtype
    back = vector_to_params(vector, layout)
    assert list(back) == list(params)
    for key in params:
        assert back[key].dtype == dtype
        np.testing.assert_array_equal(back[key], params[key])


def test_vector_follows_the_dict_order_and_copies(rng):
    params = make_params(rng, sizes=[2, 3, 2])
    vector, layout = params_to_vector(params)
    assert [key for key, _ in layout] == ["W1", "b1", "W2", "b2"]
    np.testing.assert_array_equal(vector[:6], params["W1"].ravel())
    np.testing.assert_array_equal(vector[6:9], params["b1"])
    back = vector_to_params(vector, layout)
    vector[0] += 1.0
    assert back["W1"][0, 0] == params["W1"][0, 0]


def test_relative_error_properties(rng):
    g = rng.normal(size=(3, 4))
    h = g + rng.normal(scale=1e-3, size=g.shape)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(g, np.zeros_like(g)) == 1.0
    assert relative_error(g, h) == pytest.approx(relative_error(h, g))
    assert relative_error(1e6 * g, 1e6 * h) == pytest.approx(relative_error(g, h), rel=1e-9)  # scale-free
    expected = np.linalg.norm(g - h) / (np.linalg.norm(g) + np.linalg.norm(h))
    assert relative_error(g, h) == pytest.approx(expected, rel=1e-12)
    assert relative_error({"a": g, "b": g[0]}, {"a": h, "b": h[0]}) > 0


# Bad input ---------------------------------------------------------------------------------------

def test_bad_params_are_rejected():
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        params_to_vector({})
    with pytest.raises(TypeError, match=r"must be a float array \(float32 or float64\)"):
        params_to_vector({"w": np.arange(3)})
    with pytest.raises(ValueError, match="must be finite"):
        params_to_vector({"w": np.array([1.0, np.inf])})
    with pytest.raises(TypeError, match="share one dtype"):
        params_to_vector({"w": np.ones(2), "v": np.ones(2, np.float32)})


def test_vector_that_does_not_fit_the_layout_is_rejected(rng):
    vector, layout = params_to_vector(make_params(rng, sizes=[2, 3]))
    with pytest.raises(ValueError, match="vector must have the 9 entries the layout needs, got 8"):
        vector_to_params(vector[:-1], layout)
    with pytest.raises(ValueError, match="vector must be 1-D"):
        vector_to_params(vector[None, :], layout)
    with pytest.raises(TypeError, match="vector must be a float"):
        vector_to_params(np.arange(9), layout)


@pytest.mark.parametrize(("eps", "error"), [(0.0, ValueError), (-1e-7, ValueError), (2.0, ValueError),
                                            (float("nan"), ValueError), ("1e-7", TypeError)])
def test_bad_eps_is_rejected(eps, error):
    with pytest.raises(error, match=r"eps must be (a number )?in \(0, 1\)"):
        numerical_gradient(lambda p: float(p["w"].sum()), {"w": np.ones(2)}, eps=eps)


def test_loss_that_is_not_a_finite_scalar_is_rejected():
    with pytest.raises(ValueError, match="loss_fn must return a finite scalar"):
        numerical_gradient(lambda p: float("nan"), {"w": np.ones(2)})
    with pytest.raises(ValueError, match="loss_fn must return a finite scalar"):
        numerical_gradient(lambda p: p["w"], {"w": np.ones(2)})


def test_grads_that_do_not_match_params_are_rejected(rng):
    params = {"w": np.ones(3), "v": np.ones(2)}
    loss_fn = lambda p: float(np.sum(p["w"] ** 2) + np.sum(p["v"]))  # noqa: E731
    with pytest.raises(ValueError, match="same keys"):
        gradient_check(loss_fn, params, {"w": np.ones(3)})
    with pytest.raises(ValueError, match="same keys"):
        gradient_check(loss_fn, params, {"w": np.ones(2), "v": np.ones(2)})
    with pytest.raises(TypeError, match="float64 grads"):
        gradient_check(loss_fn, params, {"w": np.ones(3, np.float32), "v": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match="threshold must be"):
        gradient_check(loss_fn, params, {"w": np.ones(3), "v": np.ones(2)}, threshold=0)


def test_relative_error_of_mismatched_inputs_is_rejected():
    with pytest.raises(ValueError, match="grad and grad_num must have one shape"):
        relative_error(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="same keys"):
        relative_error({"w": np.ones(3)}, np.ones(3))
    with pytest.raises(TypeError, match="grad_num must be a float"):
        relative_error(np.ones(3), np.arange(3))


# Boundaries and what the errors name (mutation testing) ------------------------------------------

def _cubic(p):
    return float(np.sum(p["w"] ** 3))


@pytest.mark.parametrize("eps", [1.0, 1.5])
def test_eps_of_one_or_more_is_rejected(eps):
    """The documented range is (0, 1), open at 1."""
    with pytest.raises(ValueError, match=r"\beps must be in \(0, 1\), got 1"):
        numerical_gradient(_cubic, {"w": np.ones(2)}, eps=eps)


@pytest.mark.parametrize(("threshold", "error"), [(1.0, ValueError), (1.5, ValueError), ("1e-7", TypeError),
                                                  (None, TypeError)])
def test_threshold_outside_the_open_unit_interval_is_rejected(threshold, error):
    params = {"w": np.ones(2)}
    with pytest.raises(error, match=r"\bthreshold must be (a number )?in \(0, 1\)"):
        gradient_check(_cubic, params, {"w": 3 * params["w"] ** 2}, threshold=threshold)


def test_an_error_equal_to_the_threshold_passes(rng):
    """passed is error <= threshold, as documented: the boundary itself passes."""
    params = {"w": rng.normal(size=3)}
    grads = {"w": 3 * params["w"] ** 2 + 1e-3}  # off by a little: 0 < error < 1
    error, _ = gradient_check(_cubic, params, grads)
    assert 0 < error < 1
    assert gradient_check(_cubic, params, grads, threshold=error) == (error, True)
    assert gradient_check(_cubic, params, grads, threshold=error / 2) == (error, False)


def test_gradient_check_uses_the_eps_it_is_given(rng):
    """The centred difference of w**3 is 3 w**2 + eps**2: at eps = 0.01 the error is that of eps = 0.01."""
    params = {"w": rng.normal(size=3)}
    grads = {"w": 3 * params["w"] ** 2}
    error, passed = gradient_check(_cubic, params, grads, eps=1e-2)
    assert error == relative_error(grads, numerical_gradient(_cubic, params, eps=1e-2))
    assert error > 1e-6 and not passed
    assert gradient_check(_cubic, params, grads)[1]  # the default eps = 1e-7 passes


def test_errors_name_the_argument_and_what_it_received():
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got list"):
        params_to_vector([np.ones(2)])
    with pytest.raises(TypeError, match=r"\bparams\['w'\] must be a float array "
                                        r"\(float32 or float64\), got dtype int"):
        numerical_gradient(_cubic, {"w": np.arange(3)})
    with pytest.raises(TypeError, match=r"\bneeds float64 params, got float32.*\.astype\(np\.float64\)"):
        numerical_gradient(_cubic, {"w": np.ones(3, np.float32)})
    with pytest.raises(TypeError, match=r"\bgrad must be a float array \(float32 or float64\), "
                                        r"got dtype int64"):
        relative_error(np.arange(3), np.ones(3))
    params = {"w": np.ones(3), "v": np.ones(2)}
    received = r"got \[\('w', \(2,\)\), \('v', \(2,\)\)\]"
    with pytest.raises(ValueError, match=r"\bgrads must have the same keys .* " + received):
        gradient_check(_cubic, params, {"w": np.ones(2), "v": np.ones(2)})


def test_relative_error_names_the_keys_that_differ(rng):
    g = rng.normal(size=3)
    with pytest.raises(ValueError, match=r"\bgrad and grad_num must be dicts with the same keys,"
                       r" got \['a'\] and \['b'\]"):
        relative_error({"a": g}, {"b": g})
    with pytest.raises(ValueError, match=r"\bsame keys, got \['a'\] and ndarray"):
        relative_error({"a": g}, g)
    with pytest.raises(ValueError, match=r"\bsame keys, got ndarray and \['a'\]"):
        relative_error(g, {"a": g})
    with pytest.raises(ValueError, match=r"\bsame keys, got \['a'\] and float"):  # a scalar is a 0-d array
        relative_error({"a": g}, 1.0)


def test_global_error_and_per_element_error_are_different_metrics():
    """The page's thresholds (M12): Ng's 1e-7 / 1e-5 / 1e-3 are for the global error
    ||g - g_num|| / (||g|| + ||g_num||), CS231n's 1e-7 / 1e-4 / 1e-2 for the per-element error
    |g_i - n_i| / max(|g_i|, |n_i|). The global error is dominated by the large entries: a tiny
    entry that is wrong by a factor of 2 leaves it at 5e-7, under Ng's "look closer" level,
    while its per-element error is 0.5, far above CS231n's "probably wrong" 1e-2."""
    grad = np.array([1000.0, -3.0, 1e-3])
    numeric = np.array([1000.0, -3.0, 2e-3])
    global_error = relative_error(grad, numeric)
    per_element = np.abs(grad - numeric) / np.maximum(np.abs(grad), np.abs(numeric))
    np.testing.assert_allclose(global_error, 1e-3 / (np.linalg.norm(grad) + np.linalg.norm(numeric)),
                               rtol=1e-12)
    assert 4e-7 < global_error < 6e-7 < 1e-5
    np.testing.assert_allclose(per_element.max(), 0.5, rtol=1e-12)
    assert per_element.max() > 1e-2
