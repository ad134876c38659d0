"""Tests of snippets/clipping.py: the global norm, clipping by norm and by value, the 1e-6 in the
factor, direction kept or changed, NaN and inf, dtypes, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from snippets.clipping import clip_grad_norm, clip_grad_value, global_grad_norm


def _grads(rng, dtype=np.float64):
    # arrays on different scales, so that per-array and global clipping differ
    return {"W1": (rng.normal(size=(4, 3)) * 5).astype(dtype),
            "b1": (rng.normal(size=4) * 0.1).astype(dtype),
            "W2": (rng.normal(size=(2, 4)) * 2).astype(dtype)}


def _flat(grads):
    return np.concatenate([g.reshape(-1) for g in grads.values()])


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, 0.5, np.inf])
def test_global_norm_is_the_norm_of_the_concatenated_gradients(rng, norm_type):
    grads = _grads(rng)
    flat = _flat(grads)
    expected = np.abs(flat).max() if norm_type == np.inf else np.sum(np.abs(flat) ** norm_type) ** (
        1 / norm_type)
    np.testing.assert_allclose(global_grad_norm(grads, norm_type=norm_type), expected, rtol=1e-12)


def test_global_norm_of_a_hand_example():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0, -4.0]])}
    assert global_grad_norm(grads) == 5.0
    assert global_grad_norm(grads, norm_type=np.inf) == 4.0
    assert global_grad_norm(grads, norm_type=1) == 7.0


def test_large_gradients_are_scaled_to_max_norm_times_total_over_total_plus_1e6(rng):
    grads = _grads(rng)
    total = np.linalg.norm(_flat(grads))
    clipped, returned = clip_grad_norm(grads, 1.0)
    np.testing.assert_allclose(returned, total, rtol=1e-13)
    factor = 1.0 / (total + 1e-6)
    for k in grads:
        np.testing.assert_allclose(clipped[k], grads[k] * factor, rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(_flat(clipped)), total / (total + 1e-6), rtol=1e-13)


def test_gradients_below_max_norm_are_unchanged(rng):
    grads = _grads(rng)
    total = global_grad_norm(grads)
    clipped, returned = clip_grad_norm(grads, total * 2)
    assert returned == total
    for k in grads:
        np.testing.assert_array_equal(clipped[k], grads[k])


def test_a_norm_exactly_at_max_norm_is_scaled_by_slightly_less_than_one():
    """The 1e-6 is added whatever the norm: the factor at total = max_norm is 1 / (1 + 1e-6)."""
    grads = {"g": np.array([3.0, 4.0])}
    clipped, _ = clip_grad_norm(grads, 5.0)
    np.testing.assert_allclose(clipped["g"], grads["g"] * 5 / (5 + 1e-6), rtol=1e-15)
    assert np.linalg.norm(clipped["g"]) < 5.0


def test_norm_clipping_keeps_the_direction_and_value_clipping_does_not(rng):
    grads = _grads(rng)
    by_norm, _ = clip_grad_norm(grads, 1.0)
    by_value = clip_grad_value(grads, 1.0)
    g, n, v = _flat(grads), _flat(by_norm), _flat(by_value)
    cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    np.testing.assert_allclose(cos(g, n), 1.0, rtol=1e-14)
    assert cos(g, v) < 0.95


def test_value_clipping_of_a_hand_example_turns_the_step():
    # g = (3, 0.5): clipped at 1 it becomes (1, 0.5), from 9.5 degrees to 26.6 degrees
    clipped = clip_grad_value({"g": np.array([3.0, 0.5])}, 1.0)
    np.testing.assert_array_equal(clipped["g"], [1.0, 0.5])
    np.testing.assert_allclose(np.degrees(np.arctan2(0.5, 3.0)), 9.46, atol=0.01)
    np.testing.assert_allclose(np.degrees(np.arctan2(0.5, 1.0)), 26.57, atol=0.01)


def test_clipping_is_by_the_global_norm_not_per_array(rng):
    """Regression: clipping each array to max_norm separately changes the balance between layers."""
    grads = _grads(rng)
    clipped, _ = clip_grad_norm(grads, 1.0)
    factors = [np.linalg.norm(clipped[k]) / np.linalg.norm(grads[k]) for k in grads]
    np.testing.assert_allclose(factors, factors[0], rtol=1e-13)  # one factor for all
    per_array = {k: g * min(1.0, 1.0 / np.linalg.norm(g)) for k, g in grads.items()}
    assert not np.allclose(_flat(per_array), _flat(clipped))
    assert np.linalg.norm(_flat(per_array)) > 1.0  # and the total still exceeds max_norm


def test_infinity_norm_clips_by_the_largest_entry(rng):
    grads = _grads(rng)
    clipped, total = clip_grad_norm(grads, 0.5, norm_type=np.inf)
    assert total == np.abs(_flat(grads)).max()
    np.testing.assert_allclose(np.abs(_flat(clipped)).max(), 0.5 * total / (total + 1e-6),
                               rtol=1e-14)


def test_a_nan_or_inf_total_norm_is_refused_by_default_naming_the_arrays(rng):
    grads = _grads(rng)
    grads["b1"][2] = np.nan
    with pytest.raises(ValueError, match=r"non-finite total norm \(nan\): \['b1'\]"):
        clip_grad_norm(grads, 1.0)
    grads["b1"][2] = np.inf
    with pytest.raises(ValueError, match=r"non-finite total norm \(inf\): \['b1'\]"):
        clip_grad_norm(grads, 1.0)


def test_without_the_error_a_nan_norm_makes_every_gradient_nan_and_inf_zeroes_them(rng):
    """What PyTorch does by default: NaN * everything, or 0 * finite and 0 * inf = NaN."""
    grads = _grads(rng)
    grads["b1"][0] = np.nan
    clipped, total = clip_grad_norm(grads, 1.0, error_if_nonfinite=False)
    assert np.isnan(total) and all(np.all(np.isnan(g)) for g in clipped.values())
    grads["b1"][0] = np.inf
    clipped, total = clip_grad_norm(grads, 1.0, error_if_nonfinite=False)
    assert total == np.inf
    assert np.all(clipped["W1"] == 0) and np.isnan(clipped["b1"][0])


def test_value_clipping_clamps_inf_and_refuses_nan():
    clipped = clip_grad_value({"g": np.array([np.inf, -np.inf, 0.25])}, 2.0)
    np.testing.assert_array_equal(clipped["g"], [2.0, -2.0, 0.25])
    with pytest.raises(ValueError, match=r"grads must not hold NaN, got NaN in \['g'\]"):
        clip_grad_value({"g": np.array([np.nan, 1.0])}, 2.0)


def test_a_negative_max_norm_is_refused():
    """Regression: PyTorch accepts max_norm < 0, and its factor -|max_norm| / total then reverses
    every gradient: gradient ascent (tests/oracle shows it)."""
    with pytest.raises(ValueError, match=r"max_norm must be in \(0, inf\), got -1.0"):
        clip_grad_norm({"g": np.ones(3)}, -1.0)
    with pytest.raises(ValueError, match=r"clip_value must be in \(0, inf\), got -1.0"):
        clip_grad_value({"g": np.ones(3)}, -1.0)


def test_float32_stays_float32(rng):
    grads = _grads(rng, np.float32)
    clipped, total = clip_grad_norm(grads, 1.0)
    assert total.dtype == np.float32 and all(g.dtype == np.float32 for g in clipped.values())
    assert all(g.dtype == np.float32 for g in clip_grad_value(grads, 0.1).values())
    assert global_grad_norm(grads, norm_type=3.0).dtype == np.float32
    np.testing.assert_allclose(total, global_grad_norm(_grads(np.random.default_rng(20180702))),
                               rtol=1e-6)


def test_inputs_are_not_modified(rng):
    grads = _grads(rng)
    copies = {k: g.copy() for k, g in grads.items()}
    clip_grad_norm(grads, 0.1)
    clip_grad_value(grads, 0.1)
    for k in grads:
        np.testing.assert_array_equal(grads[k], copies[k])


def test_mixed_dtypes_are_refused():
    with pytest.raises(ValueError, match=r"grads must all have one dtype"):
        global_grad_norm({"a": np.ones(2), "b": np.ones(2, np.float32)})


def test_norm_type_zero_or_negative_is_refused():
    for bad in (0.0, -2.0, -np.inf):
        with pytest.raises(ValueError, match=r"norm_type must be > 0 or np.inf"):
            global_grad_norm({"g": np.ones(2)}, norm_type=bad)


GRADS = hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3))


@given(GRADS, GRADS, st.floats(1e-3, 1e3), st.sampled_from([1.0, 2.0, 3.5, np.inf]))
def test_clipped_norm_never_exceeds_max_norm_and_direction_is_kept(a, b, max_norm, norm_type):
    grads = {"a": a, "b": b}
    clipped, total = clip_grad_norm(grads, max_norm, norm_type=norm_type)
    after = global_grad_norm(clipped, norm_type=norm_type)
    assert after <= max_norm * (1 + 1e-12) or after <= total * (1 + 1e-12)
    np.testing.assert_allclose(after, min(total, max_norm * total / (total + 1e-6)), rtol=1e-9,
                               atol=1e-300)
    factor = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(_flat(clipped), _flat(grads) * factor, rtol=1e-14)


@given(GRADS, st.floats(1e-3, 1e3))
def test_value_clipping_bounds_every_entry_and_keeps_the_small_ones(g, clip_value):
    clipped = clip_grad_value({"g": g}, clip_value)["g"]
    assert np.all(np.abs(clipped) <= clip_value)
    small = np.abs(g) <= clip_value
    np.testing.assert_array_equal(clipped[small], g[small])
    np.testing.assert_array_equal(np.sign(clipped), np.sign(g))


def test_the_figures_value_clipping_turns_the_gradient_more_the_lower_the_threshold():
    """The figure: by norm the cosine stays 1; by value it falls as the threshold falls, to about
    0.5 at the lowest threshold, and is still below 0.9 at the highest (heavy tails)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "figures"))
    from clipping import cosines

    cos = cosines()
    np.testing.assert_allclose(cos["norm"], 1.0, rtol=1e-12)
    assert np.all(np.diff(cos["value"]) >= -1e-12)  # thresholds increase along the axis
    assert 0.45 < cos["value"][0] < 0.55 and 0.85 < cos["value"][-1] < 0.9
    # at a tiny threshold every entry is clipped: the sign of g, whose cosine with g is
    # ||g||_1 / (sqrt(n) ||g||_2)
    g = np.random.default_rng(0).standard_t(2, size=1000)
    sign_cos = np.abs(g).sum() / np.sqrt(g.size) / np.linalg.norm(g)
    np.testing.assert_allclose(cos["value"][0], sign_cos, rtol=0.01)
