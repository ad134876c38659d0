"""Tests of snippets/adam.py: closed forms, limiting cases, L2 vs decoupled decay, regressions, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import snippets.adam as adam_module
from snippets.adam import adam_step, adam_step_inplace, init_adam_state


def _params(rng, dtype=np.float64):
    return {"W1": rng.normal(size=(3, 4)).astype(dtype), "b1": rng.normal(size=(3,)).astype(dtype)}


def _grads_like(params, rng):
    return {k: rng.normal(size=p.shape).astype(p.dtype) for k, p in params.items()}


def _run(params, grads_fn, steps, **hyper):
    state = init_adam_state(params)
    for _ in range(steps):
        params, state = adam_step(params, grads_fn(params), state, **hyper)
    return params, state


# Mistaken versions of one Adam step on a single array, as found in the wild. Each regression test below
# checks that our update has a property and that the mistaken version does not, so the test has teeth.
def _mistaken_first_step(p, g, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, mistake):
    m = (1 - beta1) * g
    v = (1 - beta2) * g * g
    if mistake == "swapped betas":  # beta2 corrects m, beta1 corrects v
        return p - lr * (m / (1 - beta2)) / (np.sqrt(v / (1 - beta1)) + eps)
    if mistake == "eps inside the root":
        return p - lr * (m / (1 - beta1)) / np.sqrt(v / (1 - beta2) + eps)
    if mistake == "eps-hat":  # bias correction folded into the step size, eps added to the raw sqrt(v)
        return p - lr * np.sqrt(1 - beta2) / (1 - beta1) * m / (np.sqrt(v) + eps)
    raise AssertionError(mistake)


# ---------------------------------------------------------------- closed forms and limiting cases


def test_init_gives_zero_moments_and_step_zero(rng):
    params = _params(rng, np.float32)
    state = init_adam_state(params)
    assert state["t"] == 0
    for k, p in params.items():
        for moment in ("m", "s"):
            assert state[moment][k].shape == p.shape and state[moment][k].dtype == p.dtype
            assert not state[moment][k].any()


def test_first_step_has_the_bias_corrected_closed_form(rng):
    """After one step m_hat = g and v_hat = g^2, so each parameter moves by lr * g / (|g| + eps)."""
    params = _params(rng)
    grads = _grads_like(params, rng)
    new, state = adam_step(params, grads, init_adam_state(params), lr=0.01)
    for k in params:
        expected = params[k] - 0.01 * grads[k] / (np.abs(grads[k]) + 1e-8)
        np.testing.assert_allclose(new[k], expected, rtol=1e-12, atol=1e-15)
        # ... which is about lr * sign(g), whatever the gradient's scale.
        np.testing.assert_allclose(params[k] - new[k], 0.01 * np.sign(grads[k]), rtol=1e-6)
    assert state["t"] == 1


@given(
    g=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.9999),
    steps=st.integers(1, 30),
)
def test_constant_gradient_moves_by_lr_every_step(g, beta1, beta2, steps):
    """Bias correction is exact for a constant gradient: m_hat = g, v_hat = g^2 at every step t."""
    p0 = {"w": np.array([0.5, -2.0])}
    grad = {"w": np.array([g, g])}
    p, _ = _run(p0, lambda _: grad, steps, lr=0.1, beta1=beta1, beta2=beta2, eps=1e-8)
    expected = p0["w"] - steps * 0.1 * g / (abs(g) + 1e-8)
    np.testing.assert_allclose(p["w"], expected, rtol=1e-9, atol=1e-12)


def test_beta1_zero_and_beta2_zero_give_sign_descent(rng):
    """With no averaging at all, every step is lr * g / (|g| + eps), i.e. about lr * sign(g)."""
    params = _params(rng)
    state = init_adam_state(params)
    for _ in range(5):
        grads = _grads_like(params, rng)
        new, state = adam_step(params, grads, state, lr=0.05, beta1=0.0, beta2=0.0)
        for k in params:
            np.testing.assert_allclose(new[k], params[k] - 0.05 * grads[k] / (np.abs(grads[k]) + 1e-8),
                                       rtol=1e-12)
        params = new


@pytest.mark.parametrize("decoupled", [False, True])
def test_zero_learning_rate_leaves_params_unchanged(rng, decoupled):
    params = _params(rng)
    new, state = adam_step(params, _grads_like(params, rng), init_adam_state(params), lr=0.0,
                           weight_decay=0.1, decoupled=decoupled)
    for k in params:
        np.testing.assert_array_equal(new[k], params[k])
    assert state["t"] == 1  # the moments still advance


def test_decoupled_flag_is_irrelevant_without_weight_decay(rng):
    params = _params(rng)

    def grads_fn(p):
        return {k: 2 * v + 0.3 for k, v in p.items()}

    a, _ = _run(params, grads_fn, 20, lr=0.01, decoupled=False)
    b, _ = _run(params, grads_fn, 20, lr=0.01, decoupled=True)
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])


def test_second_step_matches_a_hand_computation():
    """Two different gradients, worked by hand from the paper's Algorithm 1."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = {"w": np.array([1.0])}
    g1, g2 = 2.0, -1.0
    p1, s1 = adam_step(p, {"w": np.array([g1])}, init_adam_state(p), lr=lr)
    p2, s2 = adam_step(p1, {"w": np.array([g2])}, s1, lr=lr)
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2  # 0.18 - 0.1 = 0.08
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    expected = 1.0 - lr * g1 / (abs(g1) + eps) - lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(p2["w"], [expected], rtol=1e-12)
    np.testing.assert_allclose(s2["m"]["w"], [m], rtol=1e-12)
    np.testing.assert_allclose(s2["s"]["w"], [v], rtol=1e-12)


def test_minimizes_an_ill_conditioned_quadratic():
    """f(w) = 0.5 * sum(h * (w - w_star)^2) with curvatures 1e-2 .. 1e2: Adam reaches w_star anyway."""
    h = np.array([1e-2, 1.0, 1e2])
    w_star = np.array([1.0, -2.0, 0.5])
    params, _ = _run({"w": np.zeros(3)}, lambda p: {"w": h * (p["w"] - w_star)}, 3000, lr=0.01)
    np.testing.assert_allclose(params["w"], w_star, atol=0.02)


# ---------------------------------------------------------------- L2 vs decoupled weight decay


def test_adam_with_l2_is_not_adamw():
    """Regression (pitfalls.md): with a zero data gradient and w = [1, 10], Adam + L2 normalizes the decay
    gradient, so both weights shrink by lr; AdamW shrinks each in proportion to it: lr * wd * w."""
    params = {"w": np.array([1.0, 10.0])}
    zero = {"w": np.zeros(2)}
    l2, _ = adam_step(params, zero, init_adam_state(params), lr=1e-3, weight_decay=0.01, decoupled=False)
    adamw, _ = adam_step(params, zero, init_adam_state(params), lr=1e-3, weight_decay=0.01, decoupled=True)
    np.testing.assert_allclose(params["w"] - l2["w"], [1e-3, 1e-3], rtol=1e-5)
    default, _ = adam_step(params, zero, init_adam_state(params), lr=1e-3, weight_decay=0.01)
    np.testing.assert_array_equal(default["w"], l2["w"])  # the default is L2, as torch.optim.Adam
    np.testing.assert_allclose(params["w"] - adamw["w"], [1e-5, 1e-4], rtol=1e-10)  # rounding of w - dw


def test_adamw_decay_alone_is_geometric():
    """With a zero data gradient AdamW's moments stay zero and w_t = w_0 * (1 - lr * wd)^t exactly."""
    params = {"w": np.array([1.0, 10.0])}
    out, state = _run(params, lambda p: {"w": np.zeros(2)}, 100, lr=1e-3, weight_decay=0.01, decoupled=True)
    np.testing.assert_allclose(out["w"], params["w"] * (1 - 1e-5) ** 100, rtol=1e-12)
    assert not state["m"]["w"].any() and not state["s"]["w"].any()


def test_l2_in_adam_decays_large_weights_relatively_less():
    """Adam + L2 takes steps of about lr whatever the weight: over 100 steps w = 1 loses about 10% and
    w = 10 about 1%. AdamW takes the same fraction (1 - lr * wd)^100 off both."""
    params = {"w": np.array([1.0, 10.0])}

    def zero(p):
        return {"w": np.zeros(2)}

    l2, _ = _run(params, zero, 100, lr=1e-3, weight_decay=0.01, decoupled=False)
    adamw, _ = _run(params, zero, 100, lr=1e-3, weight_decay=0.01, decoupled=True)
    l2_fraction = 1 - l2["w"] / params["w"]
    np.testing.assert_allclose(l2_fraction, [0.1, 0.01], rtol=0.05)
    adamw_fraction = 1 - adamw["w"] / params["w"]
    np.testing.assert_allclose(adamw_fraction[0], adamw_fraction[1], rtol=1e-9)


def test_decoupled_decay_uses_the_weights_before_the_step():
    """Regression (cs336 #54): decay applied after the Adam step would use the updated weights."""
    params = {"w": np.array([2.0, -3.0])}
    grads = {"w": np.array([0.5, 0.25])}
    lr, wd = 0.1, 0.5
    new, _ = adam_step(params, grads, init_adam_state(params), lr=lr, weight_decay=wd, decoupled=True)
    adam_part = lr * grads["w"] / (np.abs(grads["w"]) + 1e-8)
    before = params["w"] * (1 - lr * wd) - adam_part
    after = (params["w"] - adam_part) * (1 - lr * wd)
    np.testing.assert_allclose(new["w"], before, rtol=1e-12)
    assert not np.allclose(new["w"], after, rtol=1e-6)


# ---------------------------------------------------------------- named regressions


def test_bias_correction_is_not_swapped_between_betas(rng):
    """Regression: correcting m with beta2 and v with beta1 makes the first step 1000 x lr, not lr."""
    p, g = rng.normal(size=5), rng.normal(size=5)
    ours, _ = adam_step({"w": p}, {"w": g}, init_adam_state({"w": p}))
    swapped = _mistaken_first_step(p, g, mistake="swapped betas")
    np.testing.assert_allclose(np.abs(p - ours["w"]), 1e-3, rtol=1e-6)
    assert np.all(np.abs(p - swapped) > 100 * 1e-3)  # the mistaken step is about 1000 times too big


def test_eps_is_not_inside_the_square_root():
    """Regression: sqrt(v_hat + eps) swamps a small gradient. With g = 1e-6 and eps = 1e-8 the correct
    first step is lr / 1.01; with eps inside the root it is about lr / 100."""
    p, g = np.array([1.0]), np.array([1e-6])
    ours, _ = adam_step({"w": p}, {"w": g}, init_adam_state({"w": p}), lr=1e-3, eps=1e-8)
    np.testing.assert_allclose(p - ours["w"], 1e-3 / 1.01, rtol=1e-9)
    inside = _mistaken_first_step(p, g, eps=1e-8, mistake="eps inside the root")
    assert p - inside < 0.02 * 1e-3


def test_eps_is_not_scaled_by_the_bias_correction():
    """Regression (pitfalls.md, "eps-hat"): folding the bias correction into the step size makes the
    effective eps 1 / sqrt(1 - beta2) = 31.6 times larger at t = 1."""
    p, g = np.array([1.0]), np.array([1e-7])
    ours, _ = adam_step({"w": p}, {"w": g}, init_adam_state({"w": p}), lr=1e-3, eps=1e-8)
    np.testing.assert_allclose(p - ours["w"], 1e-3 * 1e-7 / (1e-7 + 1e-8), rtol=1e-9)
    eps_hat = _mistaken_first_step(p, g, eps=1e-8, mistake="eps-hat")
    np.testing.assert_allclose(p - eps_hat, 1e-3 * 1e-7 / (1e-7 + 1e-8 / np.sqrt(1e-3)), rtol=1e-9)
    assert p - eps_hat < 0.3 * (p - ours["w"])


# ---------------------------------------------------------------- dtypes, purity, properties


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("decoupled", [False, True])
def test_dtype_is_kept(rng, dtype, decoupled):
    params = _params(rng, dtype)
    new, state = _run(params, lambda p: _grads_like(p, rng), 10, weight_decay=0.1, decoupled=decoupled)
    for k in params:
        assert new[k].dtype == dtype
        assert state["m"][k].dtype == dtype and state["s"][k].dtype == dtype


def test_inputs_are_not_mutated(rng):
    params = _params(rng)
    grads = _grads_like(params, rng)
    state = init_adam_state(params)
    state["m"] = {k: rng.normal(size=p.shape) for k, p in params.items()}
    state["s"] = {k: rng.uniform(0.1, 1.0, size=p.shape) for k, p in params.items()}
    state["t"] = 3
    arrays = (params, grads, state["m"], state["s"])
    copies = [{k: v.copy() for k, v in d.items()} for d in arrays]
    adam_step(params, grads, state, lr=0.1, weight_decay=0.1, decoupled=True)
    adam_step(params, grads, state, lr=0.1, weight_decay=0.1, decoupled=False)
    for before, after in zip(copies, arrays, strict=True):
        for k in before:
            np.testing.assert_array_equal(before[k], after[k])
    assert state["t"] == 3


@given(seed=st.integers(0, 2**32 - 1), lr=st.floats(1e-4, 1.0), beta1=st.floats(0.0, 0.99),
       beta2=st.floats(0.5, 0.9999), steps=st.integers(1, 10))
def test_step_size_is_bounded_by_lr_whatever_the_gradient_scale(seed, lr, beta1, beta2, steps):
    """m_hat = sum a_i g_i and v_hat = sum c_i g_i^2 with the bias-corrected EMA weights a_i, c_i, so by
    Cauchy-Schwarz |m_hat| / sqrt(v_hat) <= sqrt(sum a_i^2 / c_i): at t = 1 the bound is exactly 1, and
    no gradient, however large, moves a coordinate by more than lr times it."""
    rng = np.random.default_rng(seed)
    params = {"w": rng.normal(size=6)}
    state = init_adam_state(params)
    for t in range(1, steps + 1):
        grad = {"w": rng.normal(size=6) * 10.0 ** rng.integers(-3, 4, size=6)}
        new, state = adam_step(params, grad, state, lr=lr, beta1=beta1, beta2=beta2)
        i = np.arange(1, t + 1)
        a = (1 - beta1) * beta1 ** (t - i) / (1 - beta1**t)
        c = (1 - beta2) * beta2 ** (t - i) / (1 - beta2**t)
        bound = np.sqrt(np.sum(a**2 / c))
        assert np.all(np.abs(new["w"] - params["w"]) <= lr * bound * (1 + 1e-9))
        params = new


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", [[1.0, 2.0], {}, None])
def test_params_that_are_not_a_dict_of_arrays_are_rejected(bad):
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        init_adam_state(bad)


def test_integer_params_are_rejected():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a float array"):
        init_adam_state({"w": np.arange(3)})


def test_non_finite_params_are_rejected():
    with pytest.raises(ValueError, match=r"params\['w'\] must be finite"):
        init_adam_state({"w": np.array([1.0, np.inf])})


def test_non_finite_gradients_are_rejected():
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"grads\['w'\] must be finite"):
        adam_step(p, {"w": np.array([np.nan, 1.0])}, init_adam_state(p))


def test_gradients_with_other_keys_are_rejected():
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match="grads must have the same keys as params"):
        adam_step(p, {"W": np.ones(2)}, init_adam_state(p))


@pytest.mark.parametrize("grad", [np.ones(3), np.ones(2, np.float32)])
def test_gradients_of_other_shape_or_dtype_are_rejected(grad):
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"grads\['w'\] must have shape \(2,\) and dtype float64"):
        adam_step(p, {"w": grad}, init_adam_state(p))


def test_state_of_another_model_is_rejected():
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"state\['m'\] must have the same keys"):
        adam_step(p, {"w": np.ones(2)}, init_adam_state({"v": np.ones(2)}))
    with pytest.raises(ValueError, match=r"state\['s'\]\['w'\] must have shape"):
        state = init_adam_state(p)
        state["s"] = {"w": np.ones(3)}
        adam_step(p, {"w": np.ones(2)}, state)


@pytest.mark.parametrize("state", [{}, {"m": {}, "s": {}}, "state"])
def test_malformed_state_is_rejected(state):
    with pytest.raises(TypeError, match="state must be the dict returned by init_adam_state"):
        adam_step({"w": np.ones(2)}, {"w": np.ones(2)}, state)


@pytest.mark.parametrize(("t", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_step_count_is_rejected(t, error):
    p = {"w": np.ones(2)}
    state = init_adam_state(p)
    state["t"] = t
    with pytest.raises(error, match=r"state\['t'\] must be an integer >= 0"):
        adam_step(p, {"w": np.ones(2)}, state)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("lr", -1e-3, r"lr must be in \[0, inf\)"),
    ("lr", float("nan"), r"lr must be in \[0, inf\)"),
    ("beta1", 1.0, r"beta1 must be in \[0, 1\)"),
    ("beta1", -0.1, r"beta1 must be in \[0, 1\)"),
    ("beta2", 1.0, r"beta2 must be in \[0, 1\)"),
    ("beta2", float("nan"), r"beta2 must be in \[0, 1\)"),
    ("eps", 0.0, r"eps must be in \(0, inf\)"),
    ("eps", float("inf"), r"eps must be in \(0, inf\)"),
    ("weight_decay", -0.01, r"weight_decay must be in \[0, inf\)"),
])
def test_hyperparameters_out_of_range_are_rejected(name, value, message):
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=message):
        adam_step(p, {"w": np.ones(2)}, init_adam_state(p), **{name: value})


@pytest.mark.parametrize(("name", "value"), [("lr", "0.001"), ("beta1", None), ("eps", True),
                                             ("decoupled", "yes"), ("decoupled", 1)])
def test_hyperparameters_of_wrong_type_are_rejected(name, value):
    p = {"w": np.ones(2)}
    with pytest.raises(TypeError, match=name):
        adam_step(p, {"w": np.ones(2)}, init_adam_state(p), **{name: value})


# --- the fast, in-place form ---------------------------------------------------------------------

@pytest.mark.parametrize(("decoupled", "weight_decay"), [(False, 0.0), (False, 0.1), (True, 0.1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [5, 3 * 2**15 + 17])  # one partial block; several blocks and a remainder
def test_inplace_form_equals_the_readable_form(rng, decoupled, weight_decay, dtype, size):
    params = {"w": rng.normal(size=size).astype(dtype), "b": rng.normal(size=(3, 2)).astype(dtype)}
    fast = {k: p.copy() for k, p in params.items()}
    state, fast_state = init_adam_state(params), init_adam_state(fast)
    for lr in (0.1, 0.01, 0.05):
        grads = {k: rng.normal(size=p.shape).astype(dtype) for k, p in params.items()}
        params, state = adam_step(params, grads, state, lr=lr, weight_decay=weight_decay, decoupled=decoupled)
        adam_step_inplace(fast, grads, fast_state, lr=lr, weight_decay=weight_decay, decoupled=decoupled)
    # the same operations in the same order: equal to the last bit
    for k in params:
        np.testing.assert_array_equal(fast[k], params[k])
        np.testing.assert_array_equal(fast_state["m"][k], state["m"][k])
        np.testing.assert_array_equal(fast_state["s"][k], state["s"][k])
        assert fast[k].dtype == dtype
    assert fast_state["t"] == state["t"] == 3


def test_inplace_form_updates_the_given_arrays(rng):
    params = {"w": rng.normal(size=(4, 3))}
    array = params["w"]
    state = init_adam_state(params)
    out, out_state = adam_step_inplace(params, {"w": rng.normal(size=(4, 3))}, state, lr=0.1)
    assert out is params and out_state is state and params["w"] is array
    assert state["t"] == 1


def test_inplace_block_size_is_a_power_of_two_that_fits_in_cache():
    assert adam_module.BLOCK & (adam_module.BLOCK - 1) == 0
    assert 4 * adam_module.BLOCK <= 2**20


def test_inplace_form_rejects_bad_input(rng):
    params = {"w": rng.normal(size=(4, 3))}
    state = init_adam_state(params)
    with pytest.raises(TypeError, match="state"):
        adam_step_inplace(params, params, {"t": 0}, lr=0.1)
    with pytest.raises(TypeError, match=r"grads\['w'\] must be a float ndarray"):
        adam_step_inplace(params, {"w": params["w"].tolist()}, state, lr=0.1)
    with pytest.raises(ValueError, match="C-contiguous"):
        adam_step_inplace({"w": np.asfortranarray(params["w"])}, params, state, lr=0.1)
    with pytest.raises(ValueError, match="same keys"):
        adam_step_inplace(params, {"x": params["w"]}, state, lr=0.1)
    with pytest.raises(ValueError, match="beta1"):
        adam_step_inplace(params, params, state, lr=0.1, beta1=1.0)


# --- what the errors name, the in-place form's defaults and checks (mutation testing) --------------

def test_errors_name_the_argument_and_the_type_received(rng):
    p = {"w": np.ones(2)}
    with pytest.raises(TypeError, match=r"\blr must be a number in \[0, inf\), got str"):
        adam_step(p, {"w": np.ones(2)}, init_adam_state(p), lr="0.001")
    with pytest.raises(TypeError, match=r"\beps must be a number in \(0, inf\), got bool"):
        adam_step(p, {"w": np.ones(2)}, init_adam_state(p), eps=True)
    with pytest.raises(TypeError, match=r"\bdecoupled must be True or False, got str"):
        adam_step(p, {"w": np.ones(2)}, init_adam_state(p), decoupled="yes")
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got list"):
        init_adam_state([1.0, 2.0])
    with pytest.raises(TypeError, match=r"\bparams\['w'\] must be a float array"):
        adam_step({"w": np.arange(2)}, {"w": np.ones(2)}, init_adam_state(p))


@pytest.mark.parametrize("step", [adam_step, adam_step_inplace])
def test_a_malformed_state_error_names_the_keys_it_needs(rng, step):
    params = {"w": rng.normal(size=(4, 3))}
    with pytest.raises(TypeError, match=r"\bstate must be the dict returned by init_adam_state or adam_step"):
        step(params, {"w": params["w"].copy()}, {"t": 0}, lr=0.1)
    with pytest.raises(TypeError, match=r"\(keys 't', 'm', 's', and 's_max' for amsgrad\)"):
        step(params, {"w": params["w"].copy()}, {"t": 0}, lr=0.1)


def test_inplace_form_has_the_documented_defaults_of_adam_step(rng):
    """lr=1e-3, weight_decay=0 and decoupled=False (L2) by default, as adam_step and torch.optim.Adam."""
    params = {"w": rng.normal(size=(4, 3))}
    grads = {"w": rng.normal(size=(4, 3))}
    expected, _ = adam_step(params, grads, init_adam_state(params))
    fast = {"w": params["w"].copy()}
    adam_step_inplace(fast, grads, init_adam_state(fast))
    np.testing.assert_array_equal(fast["w"], expected["w"])
    expected, _ = adam_step(params, grads, init_adam_state(params), lr=0.1, weight_decay=0.5, decoupled=False)
    fast = {"w": params["w"].copy()}
    adam_step_inplace(fast, grads, init_adam_state(fast), lr=0.1, weight_decay=0.5)
    np.testing.assert_array_equal(fast["w"], expected["w"])


def test_inplace_form_names_what_it_rejects(rng):
    params = {"w": rng.normal(size=(4, 3))}
    state = init_adam_state(params)
    grads = {"w": rng.normal(size=(4, 3))}
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got list"):
        adam_step_inplace([params["w"]], grads, state)
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got dict"):
        adam_step_inplace({}, {}, {"t": 0, "m": {}, "s": {}})
    with pytest.raises(TypeError, match=r"\bgrads\['w'\] must be a float ndarray, got ndarray"):
        adam_step_inplace(params, {"w": np.ones((4, 3), dtype=np.int64)}, state)
    with pytest.raises(TypeError, match=r"\bgrads\['w'\] must be a float ndarray, got list"):
        adam_step_inplace(params, {"w": grads["w"].tolist()}, state)
    for moment in ("m", "s"):
        name = rf"\bstate\['{moment}'\]\['w'\]"
        bad = {**state, moment: {"w": [0.0]}}
        with pytest.raises(TypeError, match=name + " must be a float ndarray, got list"):
            adam_step_inplace(params, grads, bad)
        bad = {**state, moment: {"w": np.zeros((3, 4))}}
        with pytest.raises(ValueError, match=name + r" must have shape \(4, 3\)"):
            adam_step_inplace(params, grads, bad)
    with pytest.raises(ValueError, match=r"\bgrads\['w'\] must have shape \(4, 3\) and dtype float64"):
        adam_step_inplace(params, {"w": np.ones(6)}, state)
    with pytest.raises(ValueError, match=r"\bgrads\['w'\] must have shape \(4, 3\) and dtype float64"):
        adam_step_inplace(params, {"w": grads["w"].astype(np.float32)}, state)


@pytest.mark.parametrize(("t", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_inplace_form_rejects_a_bad_step_count(rng, t, error):
    params = {"w": rng.normal(size=(4, 3))}
    state = {**init_adam_state(params), "t": t}
    with pytest.raises(error, match=r"\bstate\['t'\] must be an integer >= 0"):
        adam_step_inplace(params, {"w": np.ones((4, 3))}, state)


@pytest.mark.parametrize(("mean", "std"), [(1.0, 0.0), (0.5, 1.0), (0.1, 1.0), (0.02, 1.0)])
def test_mean_step_is_lr_times_the_gradients_signal_to_noise_ratio(mean, std):
    """Kingma and Ba, section 2.1: with gradients g = mean + std * noise, Adam's net progress per
    step is lr * E[g] / sqrt(E[g^2]) (the page's "In short"): lr when the gradients agree, much
    less near an optimum where they are mostly noise. Single steps still jitter, by about
    lr * sqrt((1 - beta1) / (1 + beta1)) = 0.23 lr (standard deviation) at beta1 = 0.9."""
    rng = np.random.default_rng(7)
    n, lr, burn_in, steps = 2000, 1e-3, 500, 1500
    params = {"w": np.zeros(n)}
    state = init_adam_state(params)
    taken = []
    for t in range(steps):
        g = mean + std * rng.normal(size=n)
        new, state = adam_step(params, {"w": g}, state, lr=lr)
        if t >= burn_in:
            taken.append((params["w"] - new["w"]) / lr)
        params = new
    taken = np.array(taken)
    snr = mean / np.sqrt(mean**2 + std**2)
    np.testing.assert_allclose(taken.mean(), snr, rtol=0.03)
    if std:
        jitter = std / np.sqrt(mean**2 + std**2) * np.sqrt(0.1 / 1.9)
        np.testing.assert_allclose(taken.std(axis=0).mean(), jitter, rtol=0.1)


def test_papers_adamw_is_ours_with_weight_decay_divided_by_the_base_rate(rng):
    """Loshchilov and Hutter, Algorithm 2, line 12: w <- w - eta_t * (alpha * m_hat / (sqrt(v_hat)
    + eps) + lambda * w). The schedule multiplier eta_t scales the decay too; the difference from
    PyTorch's AdamW (lr * weight_decay * w) is only that lambda is not multiplied by alpha, so
    the paper's lambda is PyTorch's weight_decay times alpha."""
    alpha, lam_paper, b1, b2, eps = 1e-2, 1e-3, 0.9, 0.999, 1e-8
    multipliers = np.linspace(1.0, 0.2, 12)  # a decaying schedule eta_t
    w0 = rng.normal(size=5)
    params, state = {"w": w0.copy()}, init_adam_state({"w": w0})
    w, m, v = w0.copy(), np.zeros(5), np.zeros(5)
    for t, eta_t in enumerate(multipliers, start=1):
        g = rng.normal(size=5) + 0.3 * w
        params, state = adam_step(params, {"w": g}, state, lr=eta_t * alpha,
                                  weight_decay=lam_paper / alpha, decoupled=True)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - eta_t * (alpha * m_hat / (np.sqrt(v_hat) + eps) + lam_paper * w)
        np.testing.assert_allclose(params["w"], w, rtol=1e-12, atol=1e-15)


# --- the step as a signal-to-noise ratio (Kingma and Ba, section 2.1) ----------------------------

def _steps_over_lr(rng, gradient_fn, w0, steps, lr=1.0):
    """Run adam_step; return the steps (w_{t-1} - w_t) / lr, shape (steps, len(w0))."""
    params = {"w": np.array(w0, dtype=float)}
    state, taken = init_adam_state(params), []
    for _ in range(steps):
        new, state = adam_step(params, {"w": gradient_fn(params["w"])}, state, lr=lr)
        taken.append((params["w"] - new["w"]) / lr)
        params = new
    return np.array(taken), params["w"]


def _predicted_mean_and_rms(snr, beta1=0.9):
    """With g ~ N(mu, sigma^2) and s = mu / sigma: E[step] and RMS step, in units of lr.

    v_hat -> E[g^2] = mu^2 + sigma^2; m_hat has mean mu and, late in a run, variance
    sigma^2 (1 - beta1) / (1 + beta1), the stationary variance of an EMA of white noise.
    """
    mean = snr / np.sqrt(1 + snr**2)
    rms = np.sqrt((snr**2 + (1 - beta1) / (1 + beta1)) / (1 + snr**2))
    return mean, rms


@pytest.mark.parametrize("snr", [0.0, 0.1, 1.0, 3.0])
def test_step_over_lr_follows_the_gradients_signal_to_noise_ratio(rng, snr):
    """2000 coordinates, each with gradient mean snr and noise 1; steps 1500 to 2000."""
    def noisy(w):
        return snr + rng.standard_normal(w.shape)

    taken, _ = _steps_over_lr(rng, noisy, np.zeros(2000), 2000)
    late = taken[1500:]
    mean, rms = _predicted_mean_and_rms(snr)
    # The mean of 1e6 correlated steps (correlation time ~ 1/(1 - beta1)) has std < 0.002.
    assert abs(late.mean() - mean) < 0.01
    np.testing.assert_allclose(np.sqrt((late**2).mean()), rms, rtol=0.02)


def test_predicted_step_is_the_signal_to_noise_ratio_when_noise_dominates():
    mean, rms = _predicted_mean_and_rms(np.array([0.0, 0.1, 1.0, 3.0]))
    np.testing.assert_allclose(mean, [0.0, 0.0995, 0.7071, 0.9487], atol=1e-4)
    np.testing.assert_allclose(rms[0], np.sqrt(0.1 / 1.9), rtol=1e-12)  # 0.229 at beta1 = 0.9
    np.testing.assert_allclose(rms[0], 0.229, atol=1e-3)


def test_adam_step_shrinks_near_the_optimum_of_a_noisy_quadratic(rng):
    """f(w) = w^2 / 2, gradient w + noise of std 1, from w = 3 with lr = 0.01 (2000 runs)."""
    lr = 0.01

    def noisy(w):
        return w + rng.standard_normal(w.shape)

    taken, w = _steps_over_lr(rng, noisy, np.full(2000, 3.0), 3000, lr=lr)
    assert taken[:10].mean() > 0.9  # far away, SNR about 3: steps of about lr
    late = taken[2000:]
    assert abs(late.mean()) < 0.01  # near the optimum the drift vanishes...
    np.testing.assert_allclose(np.sqrt((late**2).mean()), 0.229, rtol=0.1)  # ...jitter stays
    # Adam's own floor: near w = 0 it is SGD with lr / sigma, so E[w^2] ~ lr sigma / (2 c).
    np.testing.assert_allclose(np.sqrt((w**2).mean()), np.sqrt(lr / 2), rtol=0.1)


# ----- amsgrad and maximize -----------------------------------------------------------------------


def _falling_gradients(rng, size, dtype=np.float64):
    return [{"w": (scale * rng.normal(size=size)).astype(dtype)}
            for scale in (3.0, 1.0, 0.02, 0.02, 0.02, 2.0, 0.01)]


def test_amsgrad_takes_the_maximum_of_the_raw_second_moment_before_bias_correction(rng):
    """Separating case: the maximum of the bias-corrected s_hat (a plausible reading of the paper,
    whose Algorithm has no bias correction) gives other weights, as does plain Adam."""
    w0, grads = rng.normal(size=20), _falling_gradients(rng, 20)
    hyper = dict(lr=0.1, beta1=0.8, beta2=0.9, eps=1e-8)
    p, state = {"w": w0.copy()}, init_adam_state({"w": w0}, amsgrad=True)
    m = s = s_max = s_hat_max = np.zeros(20)
    w_hat = w0.copy()
    for t, g in enumerate(grads, start=1):
        p, state = adam_step(p, g, state, amsgrad=True, **hyper)
        m = 0.8 * m + 0.2 * g["w"]
        s = 0.9 * s + 0.1 * g["w"] ** 2
        s_max = np.maximum(s_max, s)
        np.testing.assert_allclose(state["s_max"]["w"], s_max, rtol=1e-14)
        s_hat_max = np.maximum(s_hat_max, s / (1 - 0.9**t))  # the mistaken order
        w_hat = w_hat - 0.1 * (m / (1 - 0.8**t)) / (np.sqrt(s_hat_max) + 1e-8)
    w_expected = p["w"]
    adam = {"w": w0.copy()}, init_adam_state({"w": w0})
    for g in grads:
        adam = adam_step(adam[0], g, adam[1], **hyper)
    assert np.max(np.abs(w_expected - w_hat)) > 1e-3
    assert np.max(np.abs(w_expected - adam[0]["w"])) > 1e-3


def test_amsgrad_is_adam_while_the_second_moment_never_falls(rng):
    w0 = rng.normal(size=10)
    grads = [{"w": scale * np.sign(rng.normal(size=10))} for scale in (1.0, 2.0, 4.0, 8.0)]
    ams = {"w": w0.copy()}, init_adam_state({"w": w0}, amsgrad=True)
    plain = {"w": w0.copy()}, init_adam_state({"w": w0})
    for g in grads:
        ams, plain = adam_step(ams[0], g, ams[1], amsgrad=True), adam_step(plain[0], g, plain[1])
    np.testing.assert_array_equal(ams[0]["w"], plain[0]["w"])
    np.testing.assert_array_equal(ams[1]["s_max"]["w"], plain[1]["s"]["w"])


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("step", [adam_step, adam_step_inplace])
def test_maximize_is_minimizing_with_the_negated_gradient_decay_included(rng, decoupled, step):
    """torch negates the gradient first, then adds L2 decay: maximize(g) is exactly minimize(-g)."""
    w0, grads = rng.normal(size=30), _falling_gradients(rng, 30)
    up = {"w": w0.copy()}, init_adam_state({"w": w0})
    down = {"w": w0.copy()}, init_adam_state({"w": w0})
    for g in grads:
        up = step(up[0], g, up[1], maximize=True, weight_decay=0.1, decoupled=decoupled, lr=0.01)
        down = step(down[0], {"w": -g["w"]}, down[1], weight_decay=0.1, decoupled=decoupled, lr=0.01)
    np.testing.assert_array_equal(up[0]["w"], down[0]["w"])


def test_maximize_climbs_a_concave_function():
    p, state = {"w": np.array([3.0, -2.0])}, init_adam_state({"w": np.zeros(2)})
    for _ in range(2000):  # maximize -|w|^2 / 2: gradient -w
        p, state = adam_step(p, {"w": -p["w"]}, state, lr=0.01, maximize=True)
    assert np.all(np.abs(p["w"]) < 0.05)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("flags", [dict(amsgrad=True), dict(maximize=True),
                                   dict(amsgrad=True, maximize=True, decoupled=True),
                                   dict(amsgrad=True, maximize=True, decoupled=False)])
def test_inplace_form_equals_the_readable_form_with_amsgrad_and_maximize(rng, dtype, flags):
    size = adam_module.BLOCK + 5  # a full block and a partial one
    w0 = rng.normal(size=size).astype(dtype)
    amsgrad = flags.get("amsgrad", False)
    readable = {"w": w0.copy()}, init_adam_state({"w": w0}, amsgrad=amsgrad)
    fast = {"w": w0.copy()}, init_adam_state({"w": w0}, amsgrad=amsgrad)
    for g in _falling_gradients(rng, size, dtype):
        readable = adam_step(readable[0], g, readable[1], lr=0.01, weight_decay=0.05, **flags)
        adam_step_inplace(fast[0], g, fast[1], lr=0.01, weight_decay=0.05, **flags)
    np.testing.assert_array_equal(fast[0]["w"], readable[0]["w"])
    for key in ("m", "s", "s_max") if amsgrad else ("m", "s"):
        np.testing.assert_array_equal(fast[1][key]["w"], readable[1][key]["w"])
    assert fast[1]["t"] == readable[1]["t"] == 7


@pytest.mark.parametrize("step", [adam_step, adam_step_inplace])
def test_amsgrad_needs_its_state_and_says_how_to_make_it(step):
    params, grads = {"w": np.ones(3)}, {"w": np.ones(3)}
    with pytest.raises(ValueError, match=r"\bstate must have the key 's_max' for amsgrad=True.*"
                                         r"init_adam_state\(params, amsgrad=True\)"):
        step(params, grads, init_adam_state(params), amsgrad=True)
    with pytest.raises(ValueError, match=r"\bstate must not have the key 's_max' without amsgrad=True"):
        step(params, grads, init_adam_state(params, amsgrad=True))
    state = init_adam_state(params, amsgrad=True)
    state["s_max"]["w"][1] = -1.0
    with pytest.raises(ValueError, match=r"^state\['s_max'\] must be >= 0 \(a mean of squared "
                                         r"gradients\)$"):
        step(params, grads, state, amsgrad=True)
    state["s_max"]["w"][1] = np.nan
    with pytest.raises(ValueError, match=r"state\['s_max'\]\['w'\] must be finite"):
        step(params, grads, state, amsgrad=True)
    for name in ("amsgrad", "maximize"):
        with pytest.raises(TypeError, match=rf"^{name} must be True or False, got str$"):
            step(params, grads, init_adam_state(params), **{name: "yes"})
    with pytest.raises(TypeError, match=r"^amsgrad must be True or False, got int$"):
        init_adam_state(params, amsgrad=1)


def test_init_with_amsgrad_adds_zero_maxima_like_the_params():
    params = {"w": np.ones((2, 3), np.float32), "b": np.ones(2)}
    state = init_adam_state(params, amsgrad=True)
    assert set(state) == {"t", "m", "s", "s_max"}
    for k, p in params.items():
        assert state["s_max"][k].dtype == p.dtype and not state["s_max"][k].any()
        assert state["s_max"][k].shape == p.shape
    assert "s_max" not in init_adam_state(params)
