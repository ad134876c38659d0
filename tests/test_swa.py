"""Tests of snippets/swa.py: the running average, the EMA, the schedule, batch-norm statistics, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.swa import ema_update, init_swa_state, swa_should_update, swa_update


def _snapshots(rng, k, dtype=np.float64):
    return [{"W1": rng.normal(size=(3, 4)).astype(dtype), "b1": rng.normal(size=3).astype(dtype)}
            for _ in range(k)]


def test_average_equals_the_mean_of_all_snapshots(rng):
    snaps = _snapshots(rng, 7)
    state = init_swa_state(snaps[0])
    for p in snaps:
        state = swa_update(state, p)
    assert state["n_averaged"] == 7
    for key in ("W1", "b1"):
        np.testing.assert_allclose(state["averaged"][key], np.mean([p[key] for p in snaps], axis=0),
                                   rtol=1e-13, atol=1e-15)


def test_first_update_replaces_the_initial_copy(rng):
    """As AveragedModel: the weights given to init_swa_state are not counted as a snapshot."""
    start, first = _snapshots(rng, 2)
    state = swa_update(init_swa_state(start), first)
    assert state["n_averaged"] == 1
    np.testing.assert_array_equal(state["averaged"]["W1"], first["W1"])


def test_every_snapshot_has_equal_weight_not_exponential(rng):
    """Regression: an EMA (avg = 0.9 avg + 0.1 p) would weight late snapshots more."""
    zeros = {"w": np.zeros(2)}
    state = init_swa_state(zeros)
    for value in (1.0, 0.0, 0.0, 0.0):
        state = swa_update(state, {"w": np.full(2, value)})
    np.testing.assert_allclose(state["averaged"]["w"], 0.25)


def test_inputs_are_not_mutated(rng):
    snaps = _snapshots(rng, 3)
    state = swa_update(init_swa_state(snaps[0]), snaps[0])
    before = {k: v.copy() for k, v in state["averaged"].items()}
    snap_copy = {k: v.copy() for k, v in snaps[1].items()}
    new = swa_update(state, snaps[1])
    for key in before:
        np.testing.assert_array_equal(state["averaged"][key], before[key])
        np.testing.assert_array_equal(snaps[1][key], snap_copy[key])
        assert new["averaged"][key] is not snaps[1][key]
    assert state["n_averaged"] == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    snaps = _snapshots(rng, 3, dtype)
    state = init_swa_state(snaps[0])
    for p in snaps:
        state = swa_update(state, p)
    assert all(v.dtype == dtype for v in state["averaged"].values())


def test_schedule_starts_at_start_and_repeats_every_period():
    chosen = [s for s in range(20) if swa_should_update(s, start=5, every=3)]
    assert chosen == list(range(5, 20, 3))


def test_every_one_averages_every_step_from_start():
    assert [swa_should_update(s, 2, 1) for s in range(5)] == [False, False, True, True, True]


@given(k=st.integers(1, 15), seed=st.integers(0, 2**32 - 1))
def test_average_lies_within_the_range_of_the_snapshots(k, seed):
    rng = np.random.default_rng(seed)
    snaps = [{"w": rng.normal(size=5)} for _ in range(k)]
    state = init_swa_state(snaps[0])
    for p in snaps:
        state = swa_update(state, p)
    stacked = np.stack([p["w"] for p in snaps])
    assert np.all(state["averaged"]["w"] >= stacked.min(axis=0) - 1e-12)
    assert np.all(state["averaged"]["w"] <= stacked.max(axis=0) + 1e-12)
    np.testing.assert_allclose(state["averaged"]["w"], stacked.mean(axis=0), rtol=1e-12, atol=1e-12)


def test_batchnorm_recomputation_with_momentum_one_over_k_gives_plain_averages(rng):
    """How the page recomputes BN statistics after SWA: reset, then momentum 1/k for the k-th batch.

    This is PyTorch's update_bn (momentum=None: a cumulative average). The running mean becomes the
    plain mean of the batch means, and the running variance the mean of the unbiased batch variances.
    """
    batches = [rng.normal(2.0, 3.0, size=(10, 4)) for _ in range(6)]
    gamma, beta, state = init_batchnorm(4)
    state["running_mean"] = np.full(4, 99.0)  # stale statistics from before averaging: must not survive
    for k, x in enumerate(batches, start=1):
        _, _, state = batchnorm_forward(x, gamma, beta, state, momentum=1.0 / k)
    mean_of_means = np.mean([x.mean(axis=0) for x in batches], axis=0)
    mean_of_unbiased_vars = np.mean([x.var(axis=0, ddof=1) for x in batches], axis=0)
    np.testing.assert_allclose(state["running_mean"], mean_of_means)
    np.testing.assert_allclose(state["running_var"], mean_of_unbiased_vars)


def test_bn_recomputation_is_not_done_with_momentum_zero(rng):
    """Regression (Lightning#14866): momentum 0 is not PyTorch's momentum=None; it never updates the stats.

    After the reset (mean 0, variance 1), momentum 0 leaves the reset values in place and evaluation
    normalizes with the wrong statistics; momentum 1/k recovers the data's.
    """
    batches = [rng.normal(2.0, 3.0, size=(10, 4)) for _ in range(3)]
    gamma, beta, reset = init_batchnorm(4)
    zero, one_over_k = reset, reset
    for k, x in enumerate(batches, start=1):
        _, _, zero = batchnorm_forward(x, gamma, beta, zero, momentum=0.0)
        _, _, one_over_k = batchnorm_forward(x, gamma, beta, one_over_k, momentum=1.0 / k)
    np.testing.assert_array_equal(zero["running_mean"], reset["running_mean"])
    assert np.all(np.abs(one_over_k["running_mean"] - 2.0) < 2.0)
    assert np.all(np.abs(one_over_k["running_var"] - 9.0) < 6.0)


# The exponential moving average ----------------------------------------------------------------------


def _ema_of(snaps, decay):
    state = init_swa_state(snaps[0])
    for p in snaps:
        state = ema_update(state, p, decay)
    return state


def test_ema_after_k_updates_is_the_geometric_weighting_of_the_snapshots(rng):
    """Closed form: after snapshots p_1..p_k, ema = decay**(k-1) p_1 + sum_j (1-decay) decay**(k-j) p_j."""
    decay, snaps = 0.7, _snapshots(rng, 6)
    k = len(snaps)
    weights = np.array([decay ** (k - 1)] + [(1 - decay) * decay ** (k - j) for j in range(2, k + 1)])
    assert weights.sum() == pytest.approx(1.0, abs=1e-15)
    state = _ema_of(snaps, decay)
    assert state["n_averaged"] == k
    for key in ("W1", "b1"):
        expected = np.tensordot(weights, np.stack([p[key] for p in snaps]), axes=1)
        np.testing.assert_allclose(state["averaged"][key], expected, rtol=1e-13, atol=1e-14)


def test_ema_with_decay_zero_is_the_last_snapshot(rng):
    snaps = _snapshots(rng, 4)
    state = _ema_of(snaps, 0.0)
    for key in ("W1", "b1"):
        np.testing.assert_array_equal(state["averaged"][key], snaps[-1][key])


def test_ema_with_decay_one_keeps_the_first_snapshot(rng):
    """decay = 1 never moves after the first update, which copies (the weights at init are not used)."""
    start, *snaps = _snapshots(rng, 5)
    state = init_swa_state(start)
    for p in snaps:
        state = ema_update(state, p, 1.0)
    for key in ("W1", "b1"):
        np.testing.assert_array_equal(state["averaged"][key], snaps[0][key])


def test_ema_first_update_copies_whatever_the_decay(rng):
    start, first = _snapshots(rng, 2)
    state = ema_update(init_swa_state(start), first, 0.9)
    np.testing.assert_array_equal(state["averaged"]["W1"], first["W1"])
    assert state["averaged"]["W1"] is not first["W1"]


def test_ema_weights_recent_snapshots_more_than_swa(rng):
    """The page's contrast: one early 1 among zeros keeps weight 1/4 in SWA but decay**3 in the EMA."""
    snaps = [{"w": np.full(2, value)} for value in (1.0, 0.0, 0.0, 0.0)]
    np.testing.assert_allclose(_ema_of(snaps, 0.5)["averaged"]["w"], 0.5 ** 3, rtol=1e-15)
    swa = init_swa_state(snaps[0])
    for p in snaps:
        swa = swa_update(swa, p)
    np.testing.assert_allclose(swa["averaged"]["w"], 0.25)


def test_ema_inputs_are_not_mutated(rng):
    snaps = _snapshots(rng, 3)
    state = ema_update(init_swa_state(snaps[0]), snaps[0], 0.9)
    before = {k: v.copy() for k, v in state["averaged"].items()}
    snap_copy = {k: v.copy() for k, v in snaps[1].items()}
    new = ema_update(state, snaps[1], 0.9)
    for key in before:
        np.testing.assert_array_equal(state["averaged"][key], before[key])
        np.testing.assert_array_equal(snaps[1][key], snap_copy[key])
        assert new["averaged"][key] is not state["averaged"][key]
    assert state["n_averaged"] == 1 and new["n_averaged"] == 2


def test_ema_last_m_snapshots_carry_weight_one_minus_decay_to_the_m():
    """The page: with decay 0.9 the last 22 snapshots carry about 90% of the weight (1 - 0.9**22)."""
    for decay, m, k in ((0.9, 22, 40), (0.5, 3, 10), (0.99, 10, 30)):
        snaps = [{"w": np.array([0.0 if i < k - m else 1.0])} for i in range(k)]
        got = _ema_of(snaps, decay)["averaged"]["w"][0]
        assert got == pytest.approx(1 - decay ** m, rel=1e-12)
    assert 0.90 < 1 - 0.9 ** 22 < 0.91 and 1 - 0.9 ** 21 < 0.90


def test_ema_with_decay_0999_still_holds_the_first_snapshot_after_100_updates():
    """Pitfall: the first update copies, and with decay 0.999 that first snapshot keeps weight
    0.999**99 (about 0.906) after 100 updates: the EMA still sits near the early weights."""
    snaps = [{"w": np.array([1.0])}] + [{"w": np.array([0.0])} for _ in range(99)]
    got = _ema_of(snaps, 0.999)["averaged"]["w"][0]
    assert got == pytest.approx(0.999 ** 99, rel=1e-12)
    assert round(got, 3) == 0.906  # the page's 'about 0.906'
    snaps += [{"w": np.array([0.0])} for _ in range(900)]
    assert 0.367 < _ema_of(snaps, 0.999)["averaged"]["w"][0] < 0.369  # after 1000 updates


def test_ema_of_a_steady_drift_lags_by_decay_over_one_minus_decay():
    """The page's lag: for snapshots w_k = k, the EMA settles at k - decay / (1 - decay)."""
    for decay in (0.5, 0.9, 0.99):
        snaps = [{"w": np.array([float(k)])} for k in range(1, 3001)]
        got = _ema_of(snaps, decay)["averaged"]["w"][0]
        assert got == pytest.approx(3000 - decay / (1 - decay), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ema_dtype_is_kept(rng, dtype):
    state = _ema_of(_snapshots(rng, 3, dtype), 0.9)
    assert all(v.dtype == dtype for v in state["averaged"].values())


@given(k=st.integers(1, 15), decay=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_ema_is_a_convex_combination_of_the_snapshots(k, decay, seed):
    """Weights (1-decay) decay**j and decay**(k-1) are >= 0 and sum to 1: the EMA stays in the range."""
    rng = np.random.default_rng(seed)
    snaps = [{"w": rng.normal(size=5)} for _ in range(k)]
    stacked = np.stack([p["w"] for p in snaps])
    ema = _ema_of(snaps, decay)["averaged"]["w"]
    assert np.all(ema >= stacked.min(axis=0) - 1e-12)
    assert np.all(ema <= stacked.max(axis=0) + 1e-12)


# Bad input --------------------------------------------------------------------------------------------


def test_empty_params_are_rejected():
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        init_swa_state({})


def test_integer_params_are_rejected():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a float array"):
        init_swa_state({"w": np.ones(3, dtype=np.int64)})


def test_non_finite_snapshot_is_rejected():
    state = init_swa_state({"w": np.ones(2)})
    with pytest.raises(ValueError, match="must be finite"):
        swa_update(state, {"w": np.array([1.0, np.nan])})


def test_snapshot_with_other_keys_is_rejected():
    state = init_swa_state({"w": np.ones(2)})
    with pytest.raises(ValueError, match="keys"):
        swa_update(state, {"v": np.ones(2)})


def test_snapshot_with_other_shape_is_rejected():
    state = init_swa_state({"w": np.ones(2)})
    with pytest.raises(ValueError, match="shape"):
        swa_update(state, {"w": np.ones(3)})


def test_snapshot_with_other_dtype_is_rejected():
    """No silent upcast of a float32 average by a float64 snapshot (or the reverse)."""
    state = init_swa_state({"w": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match="dtype"):
        swa_update(state, {"w": np.ones(2)})


def test_foreign_state_is_rejected():
    with pytest.raises(TypeError, match=r"\bstate must be the dict returned by init_swa_state"):
        swa_update({"w": np.ones(2)}, {"w": np.ones(2)})


def test_negative_count_is_rejected():
    with pytest.raises(ValueError, match="n_averaged"):
        swa_update({"averaged": {"w": np.ones(2)}, "n_averaged": -1}, {"w": np.ones(2)})


@pytest.mark.parametrize(("step", "start", "every", "error", "name"), [
    (-1, 0, 1, ValueError, "step"), (0, -2, 1, ValueError, "start"), (0, 0, 0, ValueError, "every"),
    (1.5, 0, 1, TypeError, "step"), (0, 0, True, TypeError, "every"),
])
def test_bad_schedule_arguments_are_rejected(step, start, every, error, name):
    with pytest.raises(error, match=rf"\b{name} must be"):
        swa_should_update(step, start, every)


@pytest.mark.parametrize(("decay", "error"), [
    (-0.1, ValueError), (1.5, ValueError), (np.nan, ValueError), (True, TypeError), ("0.9", TypeError),
])
def test_bad_ema_decay_is_rejected(decay, error):
    state = init_swa_state({"w": np.ones(2)})
    with pytest.raises(error, match=r"\bdecay must be"):
        ema_update(state, {"w": np.ones(2)}, decay)


def test_ema_refuses_nan_in_the_state_or_the_snapshot():
    good = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"state\['averaged'\]\['w'\] must be finite"):
        ema_update({"averaged": {"w": np.array([1.0, np.nan])}, "n_averaged": 2}, good, 0.9)
    with pytest.raises(ValueError, match=r"\bparams\['w'\] must be finite"):
        ema_update(init_swa_state(good), {"w": np.array([np.nan, 1.0])}, 0.9)


def test_non_integer_count_is_rejected():
    with pytest.raises(TypeError, match="n_averaged"):
        swa_update({"averaged": {"w": np.ones(2)}, "n_averaged": 1.5}, {"w": np.ones(2)})


def test_bad_arrays_are_named_by_where_they_are():
    state = init_swa_state({"w": np.ones(2)})
    with pytest.raises(TypeError, match=r"\bparams\['w'\] must be a float array"):
        swa_update(state, {"w": np.ones(2, dtype=np.int64)})
    with pytest.raises(TypeError, match=r"\bstate\['averaged'\]\['w'\] must be a float array"):
        swa_update({"averaged": {"w": np.ones(2, dtype=np.int64)}, "n_averaged": 1}, {"w": np.ones(2)})


def test_type_errors_name_the_type_received():
    with pytest.raises(TypeError, match="got list"):
        init_swa_state([np.ones(2)])
    with pytest.raises(TypeError, match="got float"):
        swa_should_update(1.5, 0, 1)


def test_on_a_convex_loss_the_average_beats_the_mean_snapshot_but_not_always_the_best(rng):
    """Jensen's inequality, the page's "In short": on a convex loss, loss(average) <= the mean of
    the snapshots' losses. It is not a guarantee against every snapshot: snapshots at the minimum
    and at distance 2 average to a point whose loss (0.5) is worse than the best snapshot's (0)."""
    curvatures = np.array([1.0, 10.0, 0.3])

    def loss(p):
        return 0.5 * float(np.sum(curvatures * p["w"] ** 2))

    for _ in range(20):
        snaps = [{"w": rng.normal(size=3) * 2 + 0.5} for _ in range(6)]
        state = init_swa_state(snaps[0])
        for p in snaps:
            state = swa_update(state, p)
        assert loss(state["averaged"]) <= np.mean([loss(p) for p in snaps])
    at_minimum, away = {"w": np.zeros(3)}, {"w": np.array([2.0, 0.0, 0.0])}
    state = swa_update(swa_update(init_swa_state(at_minimum), at_minimum), away)
    assert loss(state["averaged"]) == pytest.approx(0.5, rel=1e-15)
    assert loss(state["averaged"]) > loss(at_minimum)


def test_the_figures_ema_loss_lies_between_the_iterates_and_the_swa_average():
    """The figure's run (seed 1): over the last 40 snapshots the mean loss of the current weights is
    above that of the EMA (decay 0.9, about the last 20 snapshots), which is above that of SWA (all ~80)."""
    from tests.helpers import load_figure_module

    figure = load_figure_module("swa")
    path, averages, emas, avg_steps = figure._run()
    assert len(avg_steps) == 80 and avg_steps[0] == 200
    iterates = figure._loss(path[avg_steps[-40:] + 1]).mean()
    ema, swa = figure._loss(emas[-40:]).mean(), figure._loss(averages[-40:]).mean()
    assert iterates > 3 * ema and ema > 2 * swa


def test_ema_names_the_mismatched_argument_and_its_reference(rng):
    state = init_swa_state({"w": np.zeros(3)})
    keys = r"^params must have the same keys as state\['averaged'\]:.* got \['v'\]$"
    with pytest.raises(ValueError, match=keys):
        ema_update(state, {"v": np.zeros(3)}, 0.9)
    shape = r"^params\['w'\] must have shape .* like state\['averaged'\], got \(4,\)"
    with pytest.raises(ValueError, match=shape):
        ema_update(state, {"w": np.zeros(4)}, 0.9)
