"""Tests of snippets/adaptive.py: AdaGrad and RMSprop by hand, their limiting cases, the 1/sqrt(t)
decay of AdaGrad's rate and RMSprop's fix, the eps, lr_decay and momentum conventions, dtypes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.adaptive import adagrad_step, init_adagrad_state, init_rmsprop_state, rmsprop_step


def _params(rng, dtype=np.float64):
    return {"W": rng.normal(size=(3, 2)).astype(dtype), "b": rng.normal(size=2).astype(dtype)}


def _run(step, init, params, grads_seq, **hyper):
    state = init(params)
    for grads in grads_seq:
        params, state = step(params, grads, state, **hyper)
    return params, state


def test_adagrad_two_steps_by_hand():
    w = {"w": np.array([1.0, -2.0])}
    g1, g2 = np.array([0.5, 2.0]), np.array([-1.0, 1.0])
    p, state = adagrad_step(w, {"w": g1}, init_adagrad_state(w), lr=0.1, eps=1e-10)
    np.testing.assert_allclose(p["w"], w["w"] - 0.1 * g1 / (np.abs(g1) + 1e-10), rtol=1e-14)
    p2, state = adagrad_step(p, {"w": g2}, state, lr=0.1, eps=1e-10)
    s = g1**2 + g2**2
    np.testing.assert_allclose(state["s"]["w"], s, rtol=1e-15)
    np.testing.assert_allclose(p2["w"], p["w"] - 0.1 * g2 / (np.sqrt(s) + 1e-10), rtol=1e-14)
    assert state["t"] == 2


def test_adagrads_step_decays_like_one_over_sqrt_t_for_a_constant_gradient():
    """s_t = t g^2, so step t moves lr / sqrt(t) whatever the gradient's size: the figure's left."""
    for g in (1e-3, 1.0, 1e3):
        w, state, moves = {"w": np.array([0.0])}, init_adagrad_state({"w": np.zeros(1)}), []
        for _ in range(100):
            new, state = adagrad_step(w, {"w": np.array([g])}, state, lr=0.1, eps=0.0 + 1e-300)
            moves.append(w["w"][0] - new["w"][0])
            w = new
        np.testing.assert_allclose(moves, 0.1 / np.sqrt(np.arange(1, 101)), rtol=1e-12)


def test_lr_decay_divides_the_rate_by_one_plus_t_minus_one_times_lr_decay():
    w, state = {"w": np.array([0.0])}, init_adagrad_state({"w": np.zeros(1)})
    for t in range(1, 6):
        new, state = adagrad_step(w, {"w": np.array([1.0])}, state, lr=0.1, lr_decay=0.5, eps=1e-300)
        np.testing.assert_allclose(w["w"] - new["w"], 0.1 / (1 + (t - 1) * 0.5) / np.sqrt(t),
                                   rtol=1e-12)
        w = new


def test_initial_accumulator_value_shrinks_the_first_steps():
    """Keras' default 0.1 against PyTorch's 0: with g = 0.01 the first step is about 0.03 lr, not lr."""
    w, g = {"w": np.array([0.0])}, {"w": np.array([0.01])}
    torch_like, _ = adagrad_step(w, g, init_adagrad_state(w), lr=1.0)
    keras_like, _ = adagrad_step(w, g, init_adagrad_state(w, initial_accumulator_value=0.1), lr=1.0)
    np.testing.assert_allclose(-torch_like["w"], 1.0, rtol=1e-8)
    np.testing.assert_allclose(-keras_like["w"], 0.01 / (np.sqrt(0.1 + 1e-4) + 1e-10), rtol=1e-12)
    np.testing.assert_allclose(-keras_like["w"], 0.0316, rtol=1e-3)


def test_rmsprop_plain_two_steps_by_hand():
    w = {"w": np.array([1.0, -2.0])}
    g1, g2 = np.array([0.5, 2.0]), np.array([-1.0, 1.0])
    p, state = rmsprop_step(w, {"w": g1}, init_rmsprop_state(w), lr=0.1, alpha=0.9, eps=1e-8)
    s1 = 0.1 * g1**2
    np.testing.assert_allclose(p["w"], w["w"] - 0.1 * g1 / (np.sqrt(s1) + 1e-8), rtol=1e-14)
    p2, state = rmsprop_step(p, {"w": g2}, state, lr=0.1, alpha=0.9, eps=1e-8)
    s2 = 0.9 * s1 + 0.1 * g2**2
    np.testing.assert_allclose(state["s"]["w"], s2, rtol=1e-15)
    np.testing.assert_allclose(p2["w"], p["w"] - 0.1 * g2 / (np.sqrt(s2) + 1e-8), rtol=1e-14)
    np.testing.assert_array_equal(state["m"]["w"], 0)  # unused without centered
    np.testing.assert_array_equal(state["v"]["w"], 0)  # unused without momentum


def test_rmsprops_first_step_is_lr_over_sqrt_one_minus_alpha():
    """No bias correction: s_1 = (1 - alpha) g^2, so the first step is 10 lr at alpha = 0.99 (Adam's
    correction makes it lr)."""
    w = {"w": np.array([0.0, 0.0])}
    p, _ = rmsprop_step(w, {"w": np.array([3.0, -0.02])}, init_rmsprop_state(w), lr=0.01,
                        alpha=0.99, eps=1e-12)
    np.testing.assert_allclose(np.abs(p["w"]), 0.01 / np.sqrt(0.01), rtol=1e-9)
    np.testing.assert_allclose(np.abs(p["w"]), 0.1, rtol=1e-9)


def test_rmsprops_step_settles_at_lr_for_a_constant_gradient():
    """s_t = (1 - alpha^t) g^2: the step lr / sqrt(1 - alpha^t) falls to lr, not to zero."""
    w, state, moves = {"w": np.array([0.0])}, init_rmsprop_state({"w": np.zeros(1)}), []
    for _ in range(2000):
        new, state = rmsprop_step(w, {"w": np.array([5.0])}, state, lr=0.01, alpha=0.99, eps=1e-300)
        moves.append(w["w"][0] - new["w"][0])
        w = new
    t = np.arange(1, 2001)
    np.testing.assert_allclose(moves, 0.01 / np.sqrt(1 - 0.99**t), rtol=1e-10)
    np.testing.assert_allclose(moves[-1], 0.01, rtol=1e-8)


def test_centered_rmsprop_divides_by_the_standard_deviation():
    w = {"w": np.array([0.0])}
    state = init_rmsprop_state(w)
    gs = [2.0, -1.0, 0.5]
    m = s = 0.0
    for g in gs:
        new, state = rmsprop_step(w, {"w": np.array([g])}, state, lr=0.1, alpha=0.8, eps=1e-8,
                                  centered=True)
        s, m = 0.8 * s + 0.2 * g * g, 0.8 * m + 0.2 * g
        np.testing.assert_allclose(w["w"] - new["w"], 0.1 * g / (np.sqrt(s - m * m) + 1e-8),
                                   rtol=1e-12)
        w = new
    np.testing.assert_allclose(state["m"]["w"], m, rtol=1e-14)


def test_momentum_accumulates_the_normalized_gradient():
    """PyTorch's RMSprop momentum: v = mu v + g / (sqrt(s) + eps), p -= lr v; not the other form,
    v = mu v + g with the step lr v / (sqrt(s) + eps), which divides old gradients by today's s."""
    w = {"w": np.array([0.0])}
    state = init_rmsprop_state(w)
    v = v_other = s = 0.0
    for g in (1.0, 4.0, -2.0):
        new, state = rmsprop_step(w, {"w": np.array([g])}, state, lr=0.1, alpha=0.9, eps=1e-8,
                                  momentum=0.5)
        s = 0.9 * s + 0.1 * g * g
        v = 0.5 * v + g / (np.sqrt(s) + 1e-8)
        v_other = 0.5 * v_other + g
        np.testing.assert_allclose(w["w"] - new["w"], 0.1 * v, rtol=1e-12)
        last, w = w["w"] - new["w"], new
    np.testing.assert_allclose(state["v"]["w"], v, rtol=1e-14)
    assert not np.allclose(last, 0.1 * v_other / (np.sqrt(s) + 1e-8), rtol=0.05)


@pytest.mark.parametrize("step, init", [(adagrad_step, init_adagrad_state),
                                        (rmsprop_step, init_rmsprop_state)])
def test_eps_is_outside_the_square_root(step, init):
    """With g = 1e-6 and eps = 1e-6: g / (|g| + eps) = 0.5 (first AdaGrad step), while
    sqrt(g^2 + eps) would give about 0.001."""
    w = {"w": np.array([0.0])}
    p, _ = step(w, {"w": np.array([1e-6])}, init(w), lr=1.0, eps=1e-6,
                **({"alpha": 0.0} if step is rmsprop_step else {}))
    np.testing.assert_allclose(-p["w"], 0.5, rtol=1e-9)


@pytest.mark.parametrize("step, init", [(adagrad_step, init_adagrad_state),
                                        (rmsprop_step, init_rmsprop_state)])
def test_weight_decay_is_added_to_the_gradient(rng, step, init):
    params = _params(rng)
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    decayed, _ = step(params, grads, init(params), lr=0.1, weight_decay=0.3)
    l2 = {k: grads[k] + 0.3 * params[k] for k in params}
    expected, _ = step(params, l2, init(params), lr=0.1)
    for k in params:
        np.testing.assert_allclose(decayed[k], expected[k], rtol=1e-15)


def test_rmsprop_with_alpha_zero_is_sign_descent(rng):
    params = _params(rng)
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    p, _ = rmsprop_step(params, grads, init_rmsprop_state(params), lr=0.01, alpha=0.0, eps=1e-300)
    for k in params:
        np.testing.assert_allclose(p[k], params[k] - 0.01 * np.sign(grads[k]), rtol=1e-14)


def test_adagrad_forgets_nothing_and_rmsprop_forgets(rng):
    """After 100 large gradients and 100 small ones, AdaGrad's step on the small ones is still tiny;
    RMSprop's has recovered to about lr: the lineage on the page."""
    w = {"w": np.array([0.0])}
    seq = [{"w": np.array([10.0])}] * 100 + [{"w": np.array([0.1])}] * 100
    a, a_state = _run(adagrad_step, init_adagrad_state, w, seq[:-1], lr=0.1)
    r, r_state = _run(rmsprop_step, init_rmsprop_state, w, seq[:-1], lr=0.1, alpha=0.9)
    a_last = a["w"] - adagrad_step(a, seq[-1], a_state, lr=0.1)[0]["w"]
    r_last = r["w"] - rmsprop_step(r, seq[-1], r_state, lr=0.1, alpha=0.9)[0]["w"]
    np.testing.assert_allclose(a_last, 0.1 * 0.1 / np.sqrt(100 * 100 + 100 * 0.01), rtol=1e-9)
    assert a_last[0] < 0.0011 * 0.1  # about a thousandth of lr
    s = (1 - 0.9**100) * 100 * 0.9**100 + (1 - 0.9**100) * 0.01  # 100 large, then 100 small
    np.testing.assert_allclose(r_last, 0.1 * 0.1 / (np.sqrt(s) + 1e-8), rtol=1e-10)
    assert r_last[0] > 0.85 * 0.1


def test_float32_stays_float32(rng):
    params = _params(rng, np.float32)
    grads = {k: rng.normal(size=v.shape).astype(np.float32) for k, v in params.items()}
    for step, init, extra in [(adagrad_step, init_adagrad_state, {}),
                              (rmsprop_step, init_rmsprop_state,
                               {"momentum": 0.9, "centered": True, "weight_decay": 0.1})]:
        p, state = step(params, grads, init(params), **extra)
        assert all(v.dtype == np.float32 for v in p.values())
        assert all(v.dtype == np.float32 for key in state if key != "t"
                   for v in state[key].values())


def test_inputs_are_not_modified(rng):
    params = _params(rng)
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    for step, init in [(adagrad_step, init_adagrad_state), (rmsprop_step, init_rmsprop_state)]:
        state = init(params)
        _, state = step(params, grads, state)
        copies = [{k: v.copy() for k, v in d.items()} for d in (params, grads, state["s"])]
        extra = {"momentum": 0.5, "centered": True} if step is rmsprop_step else {}
        step(params, grads, state, **extra)
        for d, copy in zip((params, grads, state["s"]), copies, strict=True):
            for k in d:
                np.testing.assert_array_equal(d[k], copy[k])


def test_a_state_of_the_other_optimizer_is_refused(rng):
    params = _params(rng)
    grads = {k: np.ones_like(v) for k, v in params.items()}
    with pytest.raises(TypeError, match=r"state must be the dict returned by init_rmsprop_state"):
        rmsprop_step(params, grads, init_adagrad_state(params))
    with pytest.raises(TypeError, match=r"state must be the dict returned by init_adagrad_state"):
        adagrad_step(params, grads, init_rmsprop_state(params))
    with pytest.raises(ValueError, match=r"initial_accumulator_value must be in \[0, inf\)"):
        init_adagrad_state(params, initial_accumulator_value=-0.1)


@given(st.floats(1e-4, 1e4), st.integers(1, 40), st.floats(0.0, 0.999))
def test_every_step_is_at_most_lr_over_sqrt_one_minus_alpha(scale, steps, alpha):
    """|g_t| / sqrt(s_t) <= 1 / sqrt(1 - alpha) for RMSprop, and <= 1 for AdaGrad, whatever the
    gradients' scale: the step is set by lr, not by the gradient."""
    rng = np.random.default_rng(steps)
    w = {"w": np.zeros(5)}
    a_state, r_state = init_adagrad_state(w), init_rmsprop_state(w)
    a, r = w, w
    for _ in range(steps):
        g = {"w": rng.normal(size=5) * scale}
        a_new, a_state = adagrad_step(a, g, a_state, lr=1.0)
        r_new, r_state = rmsprop_step(r, g, r_state, lr=1.0, alpha=alpha)
        assert np.all(np.abs(a_new["w"] - a["w"]) <= 1 + 1e-12)
        assert np.all(np.abs(r_new["w"] - r["w"]) <= 1 / np.sqrt(1 - alpha) + 1e-9)
        a, r = a_new, r_new


def test_the_figures_numbers():
    """The figure: AdaGrad's step falls as 1/sqrt(t) while RMSprop's falls from 1/sqrt(1 - alpha) to
    1 and Adam's stays 1; from w0 = 20, AdaGrad has travelled about 2 lr sqrt(T) after T = 3000
    steps, RMSprop and Adam are within 1 of the optimum in under 200 steps, and RMSprop ends on a
    cycle of amplitude lr / 2."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "figures"))
    from adaptive import ALPHA, LR, STEPS, W0, pseudo_huber_paths, step_sizes

    sizes = step_sizes()
    adagrad, rmsprop, adam = sizes.values()
    t = np.arange(1, adagrad.size + 1)
    np.testing.assert_allclose(adagrad, 1 / np.sqrt(t), rtol=1e-8)
    np.testing.assert_allclose(rmsprop, 1 / np.sqrt(1 - ALPHA**t), rtol=1e-7)
    np.testing.assert_allclose(rmsprop[0], 3.16, rtol=1e-3)
    np.testing.assert_allclose(adam, 1, rtol=1e-7)
    adagrad, rmsprop, adam = pseudo_huber_paths().values()
    np.testing.assert_allclose(W0 - adagrad[-1], 2 * LR * np.sqrt(STEPS), rtol=0.02)
    assert 9 < adagrad[-1] < 9.5
    assert np.argmax(rmsprop < 1) < 200 and np.argmax(adam < 1) < 200
    np.testing.assert_allclose(rmsprop[-10:], LR / 2, rtol=1e-4)
