"""Tests of snippets/early_stopping.py: patience, min_delta, modes, restore-best, bad input, and
the equivalence of early stopping and L2 on a quadratic (Goodfellow et al. section 7.8)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.early_stopping import (
    gd_shrinkage,
    init_early_stopping,
    l2_shrinkage,
    restore_best_params,
    update_early_stopping,
)


def _run(values, patience, min_delta=0.0, mode="min"):
    """Feed ``values`` until a stop; return the final state and the 1-based epoch of the stop."""
    state = init_early_stopping(patience, min_delta, mode)
    for epoch, value in enumerate(values, start=1):
        state, stop = update_early_stopping(state, value, {"w": np.array([float(epoch)])})
        if stop:
            return state, epoch
    return state, None


def test_stops_after_patience_epochs_without_improvement():
    # best at epoch 3, then 3 epochs without improvement: patience 3 stops at epoch 6
    state, stopped = _run([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 0.1], patience=3)
    assert stopped == 6 and state["best"] == 3.0 and state["best_epoch"] == 2 and state["wait"] == 3


def test_a_constant_metric_runs_patience_plus_one_epochs_as_in_keras_docs():
    """Keras' docstring example: patience=3 on a loss that never improves runs 4 epochs."""
    assert _run([1.0] * 10, patience=3)[1] == 4


def test_an_improvement_resets_the_wait():
    state, stopped = _run([5.0, 6.0, 6.0, 4.0, 6.0, 6.0, 6.0], patience=3)
    assert stopped == 7 and state["best_epoch"] == 3


def test_min_delta_improvement_must_be_strictly_larger_in_mode_min():
    """value < best - min_delta, strictly: a drop of exactly min_delta does not count."""
    state, _ = _run([1.0, 0.75], patience=5, min_delta=0.25)
    assert state["best"] == 1.0 and state["wait"] == 1
    state, _ = _run([1.0, 0.7], patience=5, min_delta=0.25)
    assert state["best"] == 0.7 and state["wait"] == 0


def test_small_improvements_do_not_move_the_best_value():
    """Regression: a running 'best = min(best, value)' would let a slow creep (0.01 per epoch, under
    min_delta 0.05) reset the reference every epoch; Keras keeps the old best, so the run stops."""
    values = [1.0 - 0.01 * k for k in range(10)]
    state, stopped = _run(values, patience=3, min_delta=0.05)
    assert stopped == 4 and state["best"] == 1.0


def test_mode_max_mirrors_mode_min():
    accuracies = [0.5, 0.6, 0.65, 0.64, 0.66, 0.659, 0.6]
    state_max, stop_max = _run(accuracies, patience=2, min_delta=0.005, mode="max")
    state_min, stop_min = _run([-a for a in accuracies], patience=2, min_delta=0.005, mode="min")
    assert stop_max == stop_min == 7
    assert state_max["best"] == -state_min["best"] == 0.66
    assert state_max["best_epoch"] == state_min["best_epoch"] == 4


def test_restore_best_gives_the_parameters_of_the_best_epoch():
    state, _ = _run([3.0, 1.0, 2.0, 2.5, 4.0], patience=3)
    np.testing.assert_array_equal(restore_best_params(state)["w"], [2.0])  # epoch 2 stored w = 2


def test_best_params_are_copies_not_references():
    """Regression: storing the dict given (not copies) would follow in-place updates of the weights."""
    params = {"w": np.array([1.0, 2.0])}
    state, _ = update_early_stopping(init_early_stopping(2), 1.0, params)
    params["w"] += 10.0  # an in-place optimizer step after the best epoch
    np.testing.assert_array_equal(state["best_params"]["w"], [1.0, 2.0])
    restored = restore_best_params(state)
    restored["w"][0] = -5.0
    np.testing.assert_array_equal(state["best_params"]["w"], [1.0, 2.0])


def test_a_nan_metric_stops_at_once_and_is_never_the_best():
    state, stopped = _run([2.0, 1.0, np.nan, 0.5], patience=5)
    assert stopped == 3 and state["best"] == 1.0 and state["stopped"]
    np.testing.assert_array_equal(restore_best_params(state)["w"], [2.0])
    state, stopped = _run([np.inf], patience=5, mode="max")
    assert stopped == 1 and state["best"] is None


def test_restore_before_any_finite_value_is_refused():
    with pytest.raises(ValueError, match="state has no best parameters yet"):
        restore_best_params(init_early_stopping(2))


def test_the_state_given_is_not_modified():
    state = init_early_stopping(2)
    before = dict(state)
    new, _ = update_early_stopping(state, 1.0, {"w": np.ones(2)})
    assert state == before and new is not state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_best_params_keep_their_dtype(dtype):
    state, _ = update_early_stopping(init_early_stopping(1), 1.0, {"w": np.ones(3, dtype)})
    assert restore_best_params(state)["w"].dtype == dtype


@given(values=st.lists(st.floats(-10, 10), min_size=1, max_size=40), patience=st.integers(1, 5),
       min_delta=st.sampled_from([0.0, 0.1, 1.0]))
def test_the_stop_matches_a_plain_transcription_of_keras(values, patience, min_delta):
    """Keras' on_epoch_end, transcribed: wait += 1; an improvement sets best and wait = 0;
    otherwise stop at wait >= patience."""
    best, wait, expected = np.inf, 0, None
    for epoch, value in enumerate(values, start=1):
        wait += 1
        if value - (-min_delta) < best:  # Keras negates min_delta in mode "min"
            best, wait = value, 0
        elif wait >= patience:
            expected = epoch
            break
    state, stopped = _run(values, patience, min_delta)
    assert stopped == expected
    assert state["best"] == best
    assert state["wait"] == state["epoch"] - 1 - state["best_epoch"]


# ---------------------------------------------------------------- early stopping ~ L2 (section 7.8)

def test_gd_shrinkage_is_what_gradient_descent_on_the_quadratic_reaches(rng):
    """Run gradient descent from 0 on 1/2 (w - w*)^T H (w - w*) with a rotated H; its iterate, in H's
    eigenbasis, is gd_shrinkage times w*."""
    c = np.array([0.05, 0.4, 3.0])
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    H, w_star = Q @ np.diag(c) @ Q.T, rng.normal(size=3)
    lr, steps, w = 0.3, 25, np.zeros(3)
    for _ in range(steps):
        w = w - lr * H @ (w - w_star)
    np.testing.assert_allclose(Q.T @ w, gd_shrinkage(c, lr, steps) * (Q.T @ w_star), rtol=1e-12)


def test_l2_shrinkage_is_the_regularized_minimum(rng):
    c, alpha = np.array([0.05, 0.4, 3.0]), 0.7
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    H, w_star = Q @ np.diag(c) @ Q.T, rng.normal(size=3)
    w_l2 = np.linalg.solve(H + alpha * np.eye(3), H @ w_star)
    np.testing.assert_allclose(Q.T @ w_l2, l2_shrinkage(c, alpha) * (Q.T @ w_star), rtol=1e-12)


def test_early_stopping_matches_l2_with_alpha_one_over_t_eps():
    """Goodfellow et al. eq. 7.43: (1 - eps c)^t ~ alpha / (c + alpha) with alpha = 1/(t eps).
    In flat directions (c < alpha / 100, barely fitted) the two fractions agree to 1e-4, in steep
    ones (c > 100 alpha, fitted) to 0.01; they differ most just above c = alpha, by 0.20 at
    c = 2.5 alpha; at c = alpha early stopping has moved 1 - 1/e = 0.632 of the way, L2 1/2."""
    lr, steps = 1e-3, 1000
    alpha = 1 / (steps * lr)
    c = np.geomspace(1e-4, 999.0, 2000)
    gap = np.abs(gd_shrinkage(c, lr, steps) - l2_shrinkage(c, alpha))
    assert gap[c < alpha / 100].max() < 1e-4
    assert gap[c > 100 * alpha].max() < 0.01
    assert 0.20 < gap.max() < 0.21 and 2.3 < c[gap.argmax()] / alpha < 2.7
    assert gd_shrinkage([alpha], lr, steps)[0] == pytest.approx(1 - np.exp(-1), abs=1e-3)
    assert l2_shrinkage([alpha], alpha)[0] == 0.5


@given(lr=st.floats(1e-4, 1e-2), steps=st.integers(100, 5000), c=st.floats(1e-6, 1e-3))
def test_in_flat_directions_the_match_holds_for_any_small_step(lr, steps, c):
    """Both fractions are ~ c t eps when c t eps << 1: their ratio is 1 within a few c t eps."""
    alpha = 1 / (steps * lr)
    x = c / alpha
    if x > 0.05:
        return
    ratio = gd_shrinkage([c], lr, steps)[0] / l2_shrinkage([c], alpha)[0]
    assert abs(ratio - 1) < x  # to first order ratio = 1 + x / 2


def test_a_longer_run_is_a_weaker_penalty():
    """More steps, smaller alpha: every direction has moved further towards w*."""
    c = np.geomspace(1e-3, 1.0, 20)
    assert np.all(gd_shrinkage(c, 0.1, 200) > gd_shrinkage(c, 0.1, 50))
    assert np.all(gd_shrinkage(c, 0.1, 0) == 0) and np.all(l2_shrinkage(c, 0.0) == 1)


def test_an_unstable_learning_rate_is_refused():
    with pytest.raises(ValueError, match="lr must be below 1 / max"):
        gd_shrinkage([1.0, 10.0], 0.1, 5)


def test_bad_arguments_are_refused_with_their_name():
    with pytest.raises(ValueError, match="patience must be an integer >= 1, got 0"):
        init_early_stopping(0)  # Keras accepts 0 and treats it as 1
    with pytest.raises(ValueError, match=r"mode must be one of \('min', 'max'\), got 'auto'"):
        init_early_stopping(3, mode="auto")
    with pytest.raises(TypeError, match="value must be a real number"):
        update_early_stopping(init_early_stopping(3), np.array([0.5]), {"w": np.ones(2)})
    with pytest.raises(ValueError, match="alpha must be in"):
        l2_shrinkage([1.0], -1.0)


def test_the_figure_run_stops_at_102_and_restores_82(monkeypatch):
    """The early-stopping page's first figure: the numbers of its caption, from the figure's own run."""
    from tests.helpers import ROOT, load_module

    monkeypatch.syspath_prepend(str(ROOT / "docs" / "figures"))  # for its `from _style import ...`
    run = load_module("docs/figures/early_stopping.py", "early_stopping_figures").run()
    assert (run["best_step"], run["stop_step"]) == (82, 102)
    assert run["val"].min() == run["val"][81] == pytest.approx(2.54, abs=0.005)
    assert run["train"][81] == pytest.approx(0.74, abs=0.005)
    assert run["train"][-1] == pytest.approx(0.57, abs=0.005)
    assert run["val"][-1] == pytest.approx(3.77, abs=0.005)
    assert not np.allclose(run["best_w"], run["final_w"])
