"""Tests of snippets/lr_finder.py: the sweep, smoothing, divergence stop, the suggestion rule, bad input."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.lr_finder import lr_range_test, suggest_lr


def _regression_problem(rng, n=256, d=5, batch_size=32):
    """Least squares y = X w_true + noise, as (params, loss_and_grads, batches)."""
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    batches = [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, n, batch_size)]

    def loss_and_grads(params, batch):
        Xb, yb = batch
        r = Xb @ params["w"] + params["b"] - yb
        return 0.5 * np.mean(r**2), {"w": Xb.T @ r / len(yb), "b": np.array(np.mean(r))}

    return {"w": rng.normal(size=d), "b": np.array(0.3)}, loss_and_grads, batches


def test_params_are_not_left_changed_after_the_run(rng):
    """Regression (Lightning#6675, fastai#2892): the test must leave the model as it found it."""
    params, loss_and_grads, batches = _regression_problem(rng)
    before = {k: v.copy() for k, v in params.items()}
    ids = {k: id(v) for k, v in params.items()}
    result = lr_range_test(params, loss_and_grads, batches, num_steps=60)
    assert len(result["lrs"]) > 10  # the sweep really trained (its loss moved), on a copy
    assert result["raw_losses"].min() < 0.5 * result["raw_losses"][0]
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
        assert id(params[key]) == ids[key]
    assert set(params) == set(before)


def test_optimizer_state_is_not_carried_between_runs(rng):
    """Regression: no hidden state (a velocity, a step count) survives a run: two runs are identical."""
    params, loss_and_grads, batches = _regression_problem(rng)
    first = lr_range_test(params, loss_and_grads, batches, num_steps=40)
    second = lr_range_test(params, loss_and_grads, batches, num_steps=40)
    for key in ("lrs", "losses", "raw_losses"):
        np.testing.assert_array_equal(first[key], second[key])
    assert set(first) == {"lrs", "losses", "raw_losses", "stopped_early"}  # no weights or optimizer returned


def test_learning_rates_are_exponentially_spaced_between_the_bounds():
    result = lr_range_test({"w": np.zeros(1)}, lambda p, b: (1.0, {"w": np.zeros(1)}), [None],
                           lr_min=1e-5, lr_max=1.0, num_steps=11)
    lrs = result["lrs"]
    assert not result["stopped_early"] and len(lrs) == 11
    np.testing.assert_allclose(lrs[[0, -1]], [1e-5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], 10**0.5, rtol=1e-12)  # constant ratio
    np.testing.assert_allclose(np.diff(np.log10(lrs)), 0.5, rtol=1e-12)


def test_run_stops_when_the_loss_diverges():
    """On f(w) = a w^2 / 2, SGD diverges once lr > 2 / a: the sweep must stop not long after."""
    a = 4.0

    def loss_and_grads(params, batch):
        return 0.5 * a * float(params["w"][0] ** 2), {"w": a * params["w"]}

    result = lr_range_test({"w": np.array([1.0])}, loss_and_grads, [None], lr_min=1e-3, lr_max=100.0,
                           num_steps=200)
    assert result["stopped_early"]
    assert len(result["lrs"]) < 200
    assert result["lrs"][-1] > 2 / a
    assert result["losses"][-1] > 4.0 * result["losses"][:-1].min()


def test_run_stops_on_a_non_finite_loss():
    calls = []

    def loss_and_grads(params, batch):
        calls.append(1)
        return (np.nan if len(calls) == 5 else 1.0), {"w": np.zeros(1)}

    result = lr_range_test({"w": np.zeros(1)}, loss_and_grads, [None], num_steps=20)
    assert result["stopped_early"] and len(result["losses"]) == 4
    assert np.all(np.isfinite(result["losses"]))


def test_smoothed_loss_is_bias_corrected():
    """A constant loss must stay constant after smoothing; without the correction it starts at 2% of it."""
    result = lr_range_test({"w": np.zeros(1)}, lambda p, b: (3.0, {"w": np.zeros(1)}), [None], num_steps=20)
    np.testing.assert_allclose(result["losses"], 3.0, rtol=1e-12)


def test_smoothed_loss_is_the_corrected_exponential_average(rng):
    params, loss_and_grads, batches = _regression_problem(rng)
    result = lr_range_test(params, loss_and_grads, batches, num_steps=30, smoothing=0.9)
    avg, expected = 0.0, []
    for i, loss in enumerate(result["raw_losses"], start=1):
        avg = 0.9 * avg + 0.1 * loss
        expected.append(avg / (1 - 0.9**i))
    np.testing.assert_allclose(result["losses"], expected, rtol=1e-12)


def test_zero_smoothing_gives_the_raw_losses(rng):
    params, loss_and_grads, batches = _regression_problem(rng)
    result = lr_range_test(params, loss_and_grads, batches, num_steps=30, smoothing=0.0)
    np.testing.assert_array_equal(result["losses"], result["raw_losses"])


def test_short_batch_list_and_generators_are_cycled():
    seen = []

    def loss_and_grads(params, batch):
        seen.append(batch)
        return 1.0, {"w": np.zeros(1)}

    lr_range_test({"w": np.zeros(1)}, loss_and_grads, (i for i in range(3)), num_steps=8)
    assert seen == [0, 1, 2, 0, 1, 2, 0, 1]


def test_each_step_is_plain_sgd_with_that_steps_learning_rate():
    seen = []

    def loss_and_grads(params, batch):
        seen.append(params["w"].copy())
        return 1.0, {"w": np.array([1.0, -2.0])}

    result = lr_range_test({"w": np.zeros(2)}, loss_and_grads, [None], lr_min=0.01, lr_max=1.0, num_steps=5)
    expected = -np.cumsum(result["lrs"][:-1])[:, None] * np.array([1.0, -2.0])
    np.testing.assert_allclose(np.array(seen[1:]), expected, rtol=1e-12)


def test_float32_params_stay_float32():
    dtypes = []

    def loss_and_grads(params, batch):
        dtypes.append(params["w"].dtype)
        return 1.0, {"w": np.ones(2)}  # float64 gradient: must not upcast the copy

    lr_range_test({"w": np.zeros(2, np.float32)}, loss_and_grads, [None], num_steps=5)
    assert set(dtypes) == {np.dtype(np.float32)}


def test_minimum_rule_is_the_lr_at_the_lowest_smoothed_loss_over_ten():
    lrs = np.logspace(-5, 0, 6)
    result = {"lrs": lrs, "losses": np.array([2.0, 1.9, 1.2, 0.7, 0.9, 5.0])}
    assert suggest_lr(result) == pytest.approx(1e-2 / 10)
    assert suggest_lr(result, divisor=3.0) == pytest.approx(1e-2 / 3)


def test_steepest_rule_is_the_lr_of_the_fastest_fall():
    lrs = np.logspace(-5, 0, 6)
    result = {"lrs": lrs, "losses": np.array([2.0, 1.9, 1.2, 0.7, 0.6, 5.0])}
    assert suggest_lr(result, method="steepest") == pytest.approx(1e-3)


def test_steepest_rule_is_less_stable_than_the_minimum_rule(rng):
    """Why the page uses minimum / 10: on noisy copies of one curve, the steepest slope jumps around more.

    A slope is a difference of two noisy losses divided by a small step in log(lr), so its noise is
    amplified; the minimum is a level, not a difference. (With little noise both rules are stable.)
    """
    lrs = np.logspace(-6, 1, 100)
    x = np.log10(lrs)
    curve = 2.0 - 1.5 / (1 + np.exp(-3 * (x + 3))) + np.exp(2 * (x - 0.5))  # flat, falling, exploding
    picks = {"minimum": [], "steepest": []}
    for _ in range(50):
        noisy = {"lrs": lrs, "losses": curve + rng.normal(0, 0.1, lrs.size)}
        for method, values in picks.items():
            values.append(np.log10(suggest_lr(noisy, method=method)))
    decades = {method: np.ptp(values) for method, values in picks.items()}  # range of the suggestions
    assert decades["steepest"] > 2 * decades["minimum"]
    assert np.std(picks["steepest"]) > 2 * np.std(picks["minimum"])


@given(seed=st.integers(0, 2**32 - 1), num_steps=st.integers(2, 40))
def test_suggestion_lies_within_the_swept_range_over_ten(seed, num_steps):
    rng = np.random.default_rng(seed)
    lrs = np.logspace(-6, 0, max(num_steps, 3))
    result = {"lrs": lrs, "losses": rng.uniform(0, 3, lrs.size)}
    assert lrs[0] / 10 <= suggest_lr(result) <= lrs[-1] / 10
    assert lrs[0] <= suggest_lr(result, method="steepest") <= lrs[-1]


# Bad input --------------------------------------------------------------------------------------------


def _trivial(params, batch):
    return 1.0, {"w": np.zeros(1)}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr_min": 0.0}, r"lr_min must be in \(0, inf\), got 0.0"),
    ({"lr_min": 1.0, "lr_max": 0.1}, "0 < lr_min < lr_max"),
    ({"lr_min": 0.1, "lr_max": 0.1}, "0 < lr_min < lr_max"),
    ({"lr_max": float("inf")}, r"lr_max must be in \(0, inf\), got inf"),
    ({"num_steps": 1}, "num_steps must be an integer >= 2"),
    ({"smoothing": 1.0}, r"smoothing must be in \[0, 1\)"),
    ({"smoothing": -0.5}, r"smoothing must be in \[0, 1\)"),
    ({"diverge_factor": 1.0}, r"diverge_factor must be in \(1, inf\)"),
    ({"diverge_factor": float("inf")}, r"diverge_factor must be in \(1, inf\)"),
])
def test_bad_sweep_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_range_test({"w": np.zeros(1)}, _trivial, [None], **kwargs)


@pytest.mark.parametrize("kwargs", [{"num_steps": 10.0}, {"lr_min": "1e-7"}, {"lr_max": "10"},
                                    {"smoothing": None}, {"diverge_factor": "4"}])
def test_sweep_arguments_of_wrong_type_are_rejected(kwargs):
    (name,) = kwargs
    with pytest.raises(TypeError, match=rf"\b{name} must be .*, got {type(kwargs[name]).__name__}"):
        lr_range_test({"w": np.zeros(1)}, _trivial, [None], **kwargs)


def test_integer_params_are_rejected():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a float array"):
        lr_range_test({"w": np.zeros(1, dtype=int)}, _trivial, [None])


def test_non_finite_params_are_rejected():
    with pytest.raises(ValueError, match=r"params\['w'\] must be finite"):
        lr_range_test({"w": np.array([np.inf])}, _trivial, [None])


def test_non_callable_loss_is_rejected():
    with pytest.raises(TypeError, match=r"\bloss_and_grads must be a callable"):
        lr_range_test({"w": np.zeros(1)}, 3.0, [None])


def test_empty_batches_are_rejected():
    with pytest.raises(ValueError, match=r"\bbatches must yield at least one batch"):
        lr_range_test({"w": np.zeros(1)}, _trivial, [])


def test_grads_with_other_keys_are_rejected():
    with pytest.raises(ValueError, match="loss_and_grads must return grads with the same keys"):
        lr_range_test({"w": np.zeros(1)}, lambda p, b: (1.0, {"v": np.zeros(1)}), [None])


def test_grads_of_other_shape_are_rejected():
    with pytest.raises(ValueError, match=r"grads\['w'\] as a float array of shape \(1,\), "
                                         r"got float64 \(2,\)"):
        lr_range_test({"w": np.zeros(1)}, lambda p, b: (1.0, {"w": np.zeros(2)}), [None])


def test_non_scalar_loss_is_rejected():
    with pytest.raises(ValueError, match="real scalar loss"):
        lr_range_test({"w": np.zeros(1)}, lambda p, b: (np.ones(3), {"w": np.zeros(1)}), [None])


def test_suggest_rejects_a_foreign_result():
    with pytest.raises(TypeError, match=r"\bresult must be the dict returned by lr_range_test"):
        suggest_lr([1e-3, 1e-2])


def test_suggest_rejects_a_too_short_result():
    with pytest.raises(ValueError, match="at least 3"):
        suggest_lr({"lrs": np.array([1e-3, 1e-2]), "losses": np.array([1.0, 0.5])})


def test_suggest_rejects_an_unknown_method():
    result = {"lrs": np.logspace(-3, 0, 5), "losses": np.ones(5)}
    with pytest.raises(ValueError, match=r"method must be one of \('minimum', 'steepest'\)"):
        suggest_lr(result, method="valley")


@pytest.mark.parametrize(("divisor", "error"),
                         [(0.5, ValueError), (float("inf"), ValueError), ("10", TypeError)])
def test_suggest_rejects_a_bad_divisor(divisor, error):
    result = {"lrs": np.logspace(-3, 0, 5), "losses": np.ones(5)}
    with pytest.raises(error, match="divisor"):
        suggest_lr(result, divisor=divisor)


def test_defaults_sweep_1e7_to_10_in_100_steps_and_stop_above_4_times_the_best():
    """The documented defaults (fastai's): lr_min=1e-7, lr_max=10, num_steps=100, diverge_factor=4."""
    result = lr_range_test({"w": np.zeros(1)}, _trivial, [None])
    assert len(result["lrs"]) == 100
    np.testing.assert_allclose(result["lrs"][[0, -1]], [1e-7, 10.0], rtol=1e-12)
    # Without smoothing the smoothed loss is the batch loss: 4.0 is not above 4 x 1.0, 4.1 is.
    losses = [1.0, 4.0, 4.1, 1.0]
    result = lr_range_test({"w": np.zeros(1)}, lambda p, b: (b, {"w": np.zeros(1)}), losses, smoothing=0.0)
    assert result["stopped_early"]
    np.testing.assert_array_equal(result["raw_losses"], losses[:3])


def test_two_steps_sweep_exactly_the_two_bounds():
    result = lr_range_test({"w": np.zeros(1)}, _trivial, [None], lr_min=0.01, lr_max=1.0, num_steps=2)
    np.testing.assert_allclose(result["lrs"], [0.01, 1.0], rtol=1e-12)


def test_a_diverge_factor_below_two_is_allowed():
    result = lr_range_test({"w": np.zeros(1)}, _trivial, [None], num_steps=5, diverge_factor=1.5)
    assert len(result["lrs"]) == 5 and not result["stopped_early"]


def test_a_one_element_loss_array_is_a_scalar_loss():
    """A loss of shape (1,) or (1, 1) (e.g. from a matrix product) is read without NumPy's deprecated
    array-to-scalar conversion."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = lr_range_test({"w": np.zeros(1)}, lambda p, b: (np.full((1, 1), 2.0), {"w": np.zeros(1)}),
                               [None], num_steps=3)
    np.testing.assert_array_equal(result["raw_losses"], [2.0, 2.0, 2.0])


def test_params_that_are_not_a_dict_are_rejected():
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got list"):
        lr_range_test([np.zeros(1)], _trivial, [None])


def test_suggest_rejects_lrs_and_losses_of_different_lengths():
    with pytest.raises(ValueError, match=r"result\['losses'\] must have shape"):
        suggest_lr({"lrs": np.logspace(-3, 0, 5), "losses": np.ones(4)})


def test_divisor_one_suggests_the_minimum_itself():
    result = {"lrs": np.logspace(-3, 0, 4), "losses": np.array([1.0, 0.5, 0.2, 3.0])}
    assert suggest_lr(result, divisor=1.0) == pytest.approx(0.1, rel=1e-12)
    with pytest.raises(TypeError, match=r"divisor must be a number in \[1, inf\), got str"):
        suggest_lr(result, divisor="10")


def test_steepest_is_the_steepest_fall_against_log_lr_not_against_the_step_index():
    """On unevenly spaced learning rates the fall from 1e-2 to 1.1e-2 is the steepest per decade."""
    result = {"lrs": np.array([1e-4, 1e-3, 1e-2, 1.1e-2, 1e-1]),
              "losses": np.array([1.0, 0.9, 0.5, 0.45, 0.44])}
    assert suggest_lr(result, method="steepest") == pytest.approx(1e-2, rel=1e-12)
