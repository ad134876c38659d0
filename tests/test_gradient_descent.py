"""Tests of snippets/gradient_descent.py: the step, the bowl, the learning-rate regimes, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.gradient_descent import gd_step, quadratic_bowl, run_gradient_descent


def _params(rng, dtype=np.float64):
    return {"W1": rng.normal(size=(3, 4)).astype(dtype), "b1": rng.normal(size=(3,)).astype(dtype)}


# --- the step ------------------------------------------------------------------------------------

def test_step_moves_each_parameter_by_minus_lr_times_its_gradient(rng):
    params, grads = _params(rng), _params(rng)
    new = gd_step(params, grads, lr=0.3)
    assert set(new) == set(params)
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.3 * grads[k], rtol=1e-15)


def test_zero_learning_rate_leaves_parameters_unchanged(rng):
    params = _params(rng)
    new = gd_step(params, _params(rng), lr=0.0)
    for k in params:
        np.testing.assert_array_equal(new[k], params[k])


def test_inputs_are_not_modified(rng):
    params, grads = _params(rng), _params(rng)
    copies = [{k: v.copy() for k, v in d.items()} for d in (params, grads)]
    gd_step(params, grads, lr=0.5)
    for original, copy in zip((params, grads), copies, strict=True):
        for k in original:
            np.testing.assert_array_equal(original[k], copy[k])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    new = gd_step(_params(rng, dtype), _params(rng, dtype), lr=np.float64(0.1))
    assert all(v.dtype == dtype for v in new.values())
    _, grad = quadratic_bowl(np.array([1.0, 2.0], dtype=dtype))
    assert grad.dtype == dtype
    path, _ = run_gradient_descent(quadratic_bowl, np.array([1.0, 2.0], dtype=dtype), 0.05, 3)
    assert path.dtype == dtype


# --- the bowl ------------------------------------------------------------------------------------

def test_bowl_gradient_matches_finite_differences(rng):
    w = rng.normal(size=3)
    c = (0.5, 2.0, 7.0)
    _, grad = quadratic_bowl(w, c)
    eps = 1e-6
    numeric = [(quadratic_bowl(w + eps * e, c)[0] - quadratic_bowl(w - eps * e, c)[0]) / (2 * eps)
               for e in np.eye(3)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-7)


def test_bowl_minimum_is_zero_at_the_origin():
    loss, grad = quadratic_bowl(np.zeros(2))
    assert loss == 0.0 and not grad.any()


# --- the learning-rate regimes on the bowl (closed form: w_t = (1 - lr c)^t w_0) -------------------

@given(lr=st.floats(0.0, 0.25), c=st.floats(0.1, 8.0), steps=st.integers(1, 30))
def test_path_follows_the_closed_form(lr, c, steps):
    w0 = np.array([1.5, -0.7])
    curv = (c, 2 * c)
    path, losses = run_gradient_descent(lambda w: quadratic_bowl(w, curv), w0, lr, steps)
    t = np.arange(steps + 1)[:, None]
    expected = (1 - lr * np.array(curv)) ** t * w0
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(losses, [quadratic_bowl(w, curv)[0] for w in path], rtol=1e-12)


def test_small_learning_rate_decreases_the_loss_monotonically():
    """lr < 1/c: every coordinate shrinks without changing sign, so the loss falls at every step."""
    _, losses = run_gradient_descent(quadratic_bowl, np.array([2.0, 1.0]), lr=0.05, steps=40)
    assert np.all(np.diff(losses) < 0)


def test_learning_rate_between_one_and_two_over_c_flips_the_iterate_but_converges():
    """1/c < lr < 2/c on the steep axis (c = 10): the iterate flips sign every step, still shrinks."""
    path, losses = run_gradient_descent(quadratic_bowl, np.array([0.0, 1.0]), lr=0.18, steps=40)
    signs = np.sign(path[:, 1])
    assert np.all(signs[1:] == -signs[:-1])
    assert losses[-1] < 1e-3 * losses[0]


def test_loss_is_monotone_while_the_iterate_zig_zags():
    """The review's check: c = (1, 10), lr 0.18 from (-9, 2). The steep coordinate flips sign at
    every step, yet the loss, a sum of c_i (1 - lr c_i)^(2t) w_i^2 / 2, falls at every step."""
    path, losses = run_gradient_descent(quadratic_bowl, np.array([-9.0, 2.0]), lr=0.18, steps=30)
    assert np.all(np.sign(path[1:, 1]) == -np.sign(path[:-1, 1]))
    assert np.all(np.diff(losses) < 0)
    np.testing.assert_allclose(losses[:3], [60.5, 40.0322, 26.50293128], rtol=1e-9)


def test_loss_on_the_one_dimensional_bowl_is_monotone_at_lr_1_8():
    """L = w^2 / 2, lr 1.8 (the figure's "too large" curve): w is multiplied by -0.8, the loss by
    0.64 at every step: 0.5, 0.32, 0.2048, ..."""
    path, losses = run_gradient_descent(lambda w: quadratic_bowl(w, (1.0,)), np.array([1.0]),
                                        lr=1.8, steps=25)
    assert np.all(np.sign(path[1:, 0]) == -np.sign(path[:-1, 0]))
    np.testing.assert_allclose(losses, 0.5 * 0.64 ** np.arange(26), rtol=1e-12)


@given(fraction=st.floats(0.01, 0.99), c=st.lists(st.floats(0.1, 20.0), min_size=1, max_size=4),
       steps=st.integers(1, 40))
def test_full_batch_loss_is_monotone_for_every_stable_learning_rate(fraction, c, steps):
    """For every 0 < lr < 2 / c_max each term of the loss shrinks by (1 - lr c_i)^2 < 1 per step."""
    lr = fraction * 2 / max(c)
    w0 = np.linspace(-1.5, 2.0, len(c)) + 0.25
    _, losses = run_gradient_descent(lambda w: quadratic_bowl(w, c), w0, lr, steps)
    assert np.all(np.diff(losses) <= 0)
    assert losses[-1] < losses[0]


def test_above_two_over_c_the_loss_eventually_grows_at_every_step():
    """lr 0.205 > 2/10 from (-9, 2): the flat term still falls for a few steps, so the loss first
    falls; from step 4 on the steep term dominates and the loss grows at every step."""
    _, losses = run_gradient_descent(quadratic_bowl, np.array([-9.0, 2.0]), lr=0.205, steps=30)
    rising = np.diff(losses) > 0
    assert not rising[:4].any() and rising[4:].all()


def test_noisy_gradients_make_the_loss_non_monotone(rng):
    """What makes a loss curve go up and down is noise (or changing curvature), not the zig-zag:
    the same run as the figure's with a noisy gradient has steps where the loss rises."""
    def noisy_bowl(w):
        loss, grad = quadratic_bowl(w)
        return loss, grad + rng.normal(0.0, 3.0, size=w.shape)

    _, losses = run_gradient_descent(noisy_bowl, np.array([-9.0, 2.0]), lr=0.18, steps=30)
    assert np.sum(np.diff(losses) > 0) >= 5
    assert losses[-1] < 0.2 * losses[0]


def test_learning_rate_above_two_over_c_diverges():
    """lr > 2/c_max = 0.2: the steep coordinate grows by |1 - lr c| > 1 per step."""
    _, losses = run_gradient_descent(quadratic_bowl, np.array([1.0, 1.0]), lr=0.21, steps=40)
    assert np.all(np.diff(losses) > 0)
    assert losses[-1] > 10 * losses[0]


def test_a_diverged_run_stops_with_a_clear_error():
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="finite.*diverge"):
        run_gradient_descent(quadratic_bowl, np.array([1.0, 1.0]), lr=5.0, steps=2000)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lr", "error", "message"),
    [(-0.1, ValueError, r"lr must be in \[0, inf\), got -0.1"), (float("inf"), ValueError, "got inf"),
     ("0.1", TypeError, "lr must be a number"), (True, TypeError, "lr must be a number")],
)
def test_bad_learning_rate_is_rejected(rng, lr, error, message):
    with pytest.raises(error, match=message):
        gd_step(_params(rng), _params(rng), lr)
    with pytest.raises(error, match=message):
        run_gradient_descent(quadratic_bowl, np.ones(2), lr, 3)


def test_grads_that_do_not_match_params_are_rejected(rng):
    params = _params(rng)
    with pytest.raises(TypeError, match="grads must be a non-empty dict"):
        gd_step(params, [params["W1"]], 0.1)
    with pytest.raises(ValueError, match="grads must have the same keys"):
        gd_step(params, {"W1": params["W1"]}, 0.1)
    with pytest.raises(ValueError, match=r"grads\['b1'\] must have shape \(3,\)"):
        gd_step(params, {**params, "b1": np.ones(4)}, 0.1)
    with pytest.raises(ValueError, match=r"grads\['b1'\] must have shape \(3,\) and dtype float64"):
        gd_step(params, {**params, "b1": params["b1"].astype(np.float32)}, 0.1)


def test_integer_or_non_finite_params_are_rejected(rng):
    with pytest.raises(TypeError, match=r"params\['W1'\] must be a float array"):
        gd_step({"W1": np.ones(3, dtype=np.int64)}, {"W1": np.ones(3)}, 0.1)
    with pytest.raises(ValueError, match=r"params\['W1'\] must be finite"):
        gd_step({"W1": np.array([1.0, np.nan])}, {"W1": np.ones(2)}, 0.1)


def test_bad_bowl_arguments_are_rejected():
    with pytest.raises(ValueError, match=r"w must be 1-D"):
        quadratic_bowl(np.ones((2, 2)))
    with pytest.raises(TypeError, match="w must be a float array"):
        quadratic_bowl(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"curvatures must have one entry per entry of w, "
                                         r"shape \(2,\), got 3"):
        quadratic_bowl(np.ones(2), (1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="curvatures must be finite and > 0"):
        quadratic_bowl(np.ones(2), (1.0, -2.0))
    with pytest.raises(TypeError, match="curvatures must be a sequence"):
        quadratic_bowl(np.ones(2), "steep")


def test_bad_run_arguments_are_rejected():
    with pytest.raises(TypeError, match=r"\bloss_and_grad must be a callable"):
        run_gradient_descent("bowl", np.ones(2), 0.1, 3)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        run_gradient_descent(quadratic_bowl, np.ones(2), 0.1, 0)
    with pytest.raises(ValueError, match=r"w0 must be 1-D"):
        run_gradient_descent(quadratic_bowl, np.ones((1, 2)), 0.1, 3)


def test_a_one_dimensional_bowl_is_supported():
    loss, grad = quadratic_bowl(np.array([2.0]), (3.0,))
    assert loss == pytest.approx(0.5 * 3.0 * 2.0**2, rel=1e-15)
    np.testing.assert_array_equal(grad, [6.0])


def test_empty_w_is_rejected():
    with pytest.raises(ValueError, match=r"w must not be empty"):
        quadratic_bowl(np.ones(0), ())


def test_flat_or_unconvertible_curvatures_are_rejected():
    """A zero curvature is a flat direction, not a bowl: gradient descent never moves along it."""
    with pytest.raises(ValueError, match="curvatures must be finite and > 0"):
        quadratic_bowl(np.ones(2), (1.0, 0.0))
    with pytest.raises(TypeError, match="curvatures must be a sequence"):
        quadratic_bowl(np.ones(2), (1.0, "steep"))


def test_non_integer_steps_are_rejected():
    with pytest.raises(TypeError, match="steps must be an integer >= 1"):
        run_gradient_descent(quadratic_bowl, np.ones(2), 0.1, 2.5)


def test_bad_arrays_are_named(rng):
    params = _params(rng)
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict"):
        gd_step([params["W1"]], params, 0.1)
    with pytest.raises(TypeError, match=r"grads\['W1'\] must be a float array"):
        gd_step(params, {**params, "W1": np.ones((3, 4), dtype=np.int64)}, 0.1)


def test_type_errors_name_the_type_received(rng):
    with pytest.raises(TypeError, match="got str"):
        gd_step(_params(rng), _params(rng), "0.1")
    with pytest.raises(TypeError, match="got list"):
        gd_step(_params(rng), [np.ones(2)], 0.1)
    with pytest.raises(TypeError, match="got str"):
        run_gradient_descent("bowl", np.ones(2), 0.1, 3)


def test_early_stopping_on_a_quadratic_acts_like_l2_with_lambda_one_over_lr_steps():
    """Goodfellow et al. section 7.8: tau steps of gradient descent from w = 0 on a quadratic with
    minimum w* reach w_i = (1 - (1 - lr c_i)^tau) w*_i; L2 with coefficient a reaches
    c_i / (c_i + a) w*_i. With a = 1 / (lr tau) the two agree where it matters: directions of low
    curvature (c << a) stay near the start in both, within 2%; those of high curvature (c >> a) are
    fitted in both, to 99%; in between they differ by at most 0.21 (overfitting page, M9)."""
    lr, tau = 0.005, 200
    a = 1 / (lr * tau)  # 1.0
    c = np.geomspace(1e-3, 100.0, 41)
    w_star = np.linspace(1.0, 2.0, c.size)

    def shifted_bowl(w):
        loss, grad = quadratic_bowl(w - w_star, c)
        return loss, grad

    path, _ = run_gradient_descent(shifted_bowl, np.zeros(c.size), lr, tau)
    stopped = path[-1] / w_star
    ridge = c / (c + a)
    low, high = c <= a / 100, c >= 100 * a
    np.testing.assert_allclose(stopped[low], ridge[low], rtol=0.02)
    assert np.all(stopped[high] > 0.99) and np.all(ridge[high] > 0.99)
    assert np.max(np.abs(stopped - ridge)) < 0.21
    np.testing.assert_allclose(stopped, 1 - (1 - lr * c) ** tau, rtol=1e-9)
