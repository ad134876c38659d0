"""Tests of snippets/momentum.py: closed forms, limiting cases, the two forms, regressions, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import snippets.momentum as momentum_module
from snippets.momentum import (
    init_momentum_state,
    momentum_step,
    momentum_step_inplace,
    tuned_gradient_descent,
    tuned_momentum,
)


def _params(rng, dtype=np.float64):
    return {"W1": rng.normal(size=(3, 4)).astype(dtype), "b1": rng.normal(size=(3,)).astype(dtype)}


def _random_quadratic(rng, n=4):
    """A random convex quadratic 1/2 w^T A w - c^T w over one parameter "w": gradient A w - c."""
    M = rng.normal(size=(n, n))
    A = M @ M.T / n + 0.1 * np.eye(n)
    c = rng.normal(size=n)
    return lambda p: {"w": A @ p["w"] - c}


def _run(grad_fn, params, lrs, **kwargs):
    state, path = init_momentum_state(params), []
    for lr in lrs:
        params, state = momentum_step(params, grad_fn(params), state, lr=lr, **kwargs)
        path.append(params["w"])
    return np.array(path)


def _run_lr_inside_velocity(grad_fn, params, lrs, beta):
    """numpy-ml's SGD: v = beta * v + lr * g; w = w - v (the learning rate lives inside the velocity)."""
    v, path = np.zeros_like(params["w"]), []
    for lr in lrs:
        v = beta * v + lr * grad_fn(params)["w"]
        params = {"w": params["w"] - v}
        path.append(params["w"])
    return np.array(path)


# --- the math, checked independently -------------------------------------------------------------

def test_init_gives_zero_velocity_of_the_same_shape_and_dtype(rng):
    params = _params(rng, np.float32)
    state = init_momentum_state(params)
    assert state["step"] == 0
    for name, p in params.items():
        v = state["velocity"][name]
        assert v.shape == p.shape and v.dtype == p.dtype and not v.any()


def test_pytorch_velocity_with_a_constant_gradient_matches_the_closed_form(rng):
    """v_1 = g, v_t = beta v_{t-1} + (1-d) g, so v_t = beta^(t-1) g + (1-d) g (1 - beta^(t-1)) / (1-beta)."""
    beta, d = 0.8, 0.3
    params = {"w": rng.normal(size=5)}
    g = {"w": rng.normal(size=5)}
    state = init_momentum_state(params)
    for t in range(1, 21):
        params, state = momentum_step(params, g, state, lr=0.01, beta=beta, dampening=d)
        expected = beta ** (t - 1) * g["w"] + (1 - d) * g["w"] * (1 - beta ** (t - 1)) / (1 - beta)
        np.testing.assert_allclose(state["velocity"]["w"], expected, rtol=1e-12)


def test_ema_velocity_with_a_constant_gradient_is_one_minus_beta_to_the_t_times_g(rng):
    """From v_0 = 0, the moving average of a constant g is (1 - beta^t) g: it starts biased towards 0."""
    beta = 0.9
    params, g = {"w": rng.normal(size=5)}, {"w": rng.normal(size=5)}
    state = init_momentum_state(params)
    for t in range(1, 31):
        params, state = momentum_step(params, g, state, lr=0.01, beta=beta, form="ema")
        np.testing.assert_allclose(state["velocity"]["w"], (1 - beta**t) * g["w"], rtol=1e-12)


def test_parameters_move_by_minus_lr_times_velocity(rng):
    params, state = _params(rng), init_momentum_state(_params(rng))
    for _ in range(3):
        grads = _params(rng)
        new, state = momentum_step(params, grads, state, lr=0.07, beta=0.9)
        for k in params:
            np.testing.assert_allclose(new[k], params[k] - 0.07 * state["velocity"][k], rtol=1e-12)
        params = new


def test_nesterov_steps_along_gradient_plus_beta_times_velocity(rng):
    params, state = _params(rng), init_momentum_state(_params(rng))
    params, state = momentum_step(params, _params(rng), state, lr=0.1, beta=0.9, nesterov=True)
    grads = _params(rng)
    new, new_state = momentum_step(params, grads, state, lr=0.1, beta=0.9, nesterov=True)
    for k in params:
        v = 0.9 * state["velocity"][k] + grads[k]
        np.testing.assert_allclose(new_state["velocity"][k], v, rtol=1e-12)
        np.testing.assert_allclose(new[k], params[k] - 0.1 * (grads[k] + 0.9 * v), rtol=1e-12)


def test_momentum_converges_on_a_random_quadratic(rng):
    grad_fn = _random_quadratic(rng)
    path = _run(grad_fn, {"w": rng.normal(size=4)}, [0.05] * 2000, beta=0.9)
    np.testing.assert_allclose(grad_fn({"w": path[-1]})["w"], 0.0, atol=1e-8)


# --- limiting cases and the relation between the two forms (property tests) ----------------------

@given(seed=st.integers(0, 2**32 - 1), lr=st.floats(0.0, 0.5), form=st.sampled_from(["pytorch", "ema"]))
def test_beta_zero_momentum_is_plain_gradient_descent(seed, lr, form):
    rng = np.random.default_rng(seed)
    grad_fn = _random_quadratic(rng)
    params = {"w": rng.normal(size=4)}
    path = _run(grad_fn, params, [lr] * 10, beta=0.0, form=form)
    w = params["w"]
    for t in range(10):
        w = w - lr * grad_fn({"w": w})["w"]
        np.testing.assert_allclose(path[t], w, rtol=1e-12, atol=1e-12)


@given(seed=st.integers(0, 2**32 - 1), beta=st.floats(0.0, 0.99), lr=st.floats(0.001, 0.1))
def test_ema_and_pytorch_forms_agree_when_lr_ema_is_lr_over_one_minus_beta(seed, beta, lr):
    rng = np.random.default_rng(seed)
    grad_fn = _random_quadratic(rng)
    params = {"w": rng.normal(size=4)}
    pytorch = _run(grad_fn, params, [lr] * 30, beta=beta)
    ema = _run(grad_fn, params, [lr / (1 - beta)] * 30, beta=beta, form="ema")
    np.testing.assert_allclose(ema, pytorch, rtol=1e-9, atol=1e-12)


def test_ema_and_pytorch_forms_differ_when_beta_changes_during_training(rng):
    """The rescaling lr / (1 - beta) is exact only for a fixed beta; cycling beta (1cycle) breaks it."""
    grad_fn = _random_quadratic(rng)
    start = {"w": rng.normal(size=4)}
    betas = [0.95] * 10 + [0.85] * 10
    paths = {}
    for form in ("pytorch", "ema"):
        params, state = start, init_momentum_state(start)
        for beta in betas:
            lr = 0.02 if form == "pytorch" else 0.02 / (1 - beta)
            params, state = momentum_step(params, grad_fn(params), state, lr=lr, beta=beta, form=form)
        paths[form] = params["w"]
    assert not np.allclose(paths["ema"], paths["pytorch"], rtol=1e-6)


@given(seed=st.integers(0, 2**32 - 1), beta=st.floats(0.5, 0.95))
def test_lr_inside_velocity_agrees_at_constant_lr_and_differs_after_a_drop(seed, beta):
    rng = np.random.default_rng(seed)
    grad_fn = _random_quadratic(rng)
    params = {"w": rng.normal(size=4)}
    constant = [0.05] * 20
    np.testing.assert_allclose(_run_lr_inside_velocity(grad_fn, params, constant, beta),
                               _run(grad_fn, params, constant, beta=beta), rtol=1e-9, atol=1e-12)
    dropped = [0.05] * 20 + [0.005] * 5
    ours = _run(grad_fn, params, dropped, beta=beta)
    inside = _run_lr_inside_velocity(grad_fn, params, dropped, beta)
    # The first step after the drop: ours is lr_new * v_new; the lr-inside form still carries beta * v_old.
    assert not np.allclose(ours[20] - ours[19], inside[20] - inside[19], rtol=1e-3)


# --- regressions: the mistakes popular implementations make --------------------------------------

def test_ema_and_pytorch_forms_are_not_mixed_up(rng):
    """Regression: at the same lr, the EMA form's steps are (1 - beta) times PyTorch's (10x smaller)."""
    params, g = {"w": rng.normal(size=5)}, {"w": rng.normal(size=5)}
    steps = {}
    for form in ("pytorch", "ema"):
        p, state = params, init_momentum_state(params)
        for _ in range(200):  # long enough for both velocities to reach their steady state
            new, state = momentum_step(p, g, state, lr=0.01, beta=0.9, form=form)
            steps[form], p = new["w"] - p["w"], new
    np.testing.assert_allclose(steps["pytorch"], -0.01 * g["w"] / (1 - 0.9), rtol=1e-6)  # v -> g / (1-beta)
    np.testing.assert_allclose(steps["ema"], -0.01 * g["w"], rtol=1e-6)  # v -> g
    np.testing.assert_allclose(steps["ema"], (1 - 0.9) * steps["pytorch"], rtol=1e-6)


def test_pytorch_first_step_takes_the_raw_gradient_even_with_dampening(rng):
    """Regression: torch.optim.SGD sets the first buffer to g, not (1 - dampening) g."""
    params, g = {"w": rng.normal(size=5)}, {"w": rng.normal(size=5)}
    new, state = momentum_step(params, g, init_momentum_state(params), lr=0.1, beta=0.9, dampening=0.5)
    np.testing.assert_allclose(state["velocity"]["w"], g["w"], rtol=0)
    np.testing.assert_allclose(new["w"], params["w"] - 0.1 * g["w"], rtol=1e-15)
    _, state = momentum_step(new, g, state, lr=0.1, beta=0.9, dampening=0.5)
    # From the second step on, the new gradient is dampened: v_2 = 0.9 g + 0.5 g.
    np.testing.assert_allclose(state["velocity"]["w"], (0.9 + 0.5) * g["w"], rtol=1e-12)


def test_lr_is_not_inside_the_velocity(rng):
    """Regression: numpy-ml's v = beta v + lr g keeps taking large steps after a learning-rate drop.

    Constant gradient, beta = 0.9, 50 steps at lr = 0.1, then lr = 0.01: our next step is
    0.01 * (0.9 v + g) (about 0.0995 |g|); the lr-inside form's is 0.9 v' + 0.01 g (about 0.905 |g|).
    """
    params, g = {"w": np.ones(3)}, {"w": np.full(3, 1.0)}
    grad_fn = lambda p: g  # noqa: E731
    lrs = [0.1] * 50 + [0.01]
    ours = _run(grad_fn, params, lrs, beta=0.9)
    inside = _run_lr_inside_velocity(grad_fn, params, lrs, beta=0.9)
    v50 = (1 - 0.9**50) / (1 - 0.9)  # PyTorch buffer after 50 steps of a unit gradient
    np.testing.assert_allclose(ours[50] - ours[49], -0.01 * (0.9 * v50 + 1.0), rtol=1e-12)
    assert np.all(np.abs(inside[50] - inside[49]) > 5 * np.abs(ours[50] - ours[49]))


def test_inputs_are_not_modified(rng):
    params, grads = _params(rng), _params(rng)
    state = momentum_step(params, grads, init_momentum_state(params), lr=0.1)[1]
    copies = [{k: v.copy() for k, v in d.items()} for d in (params, grads, state["velocity"])]
    momentum_step(params, grads, state, lr=0.1, beta=0.9)
    for original, copy in zip((params, grads, state["velocity"]), copies, strict=True):
        for k in original:
            np.testing.assert_array_equal(original[k], copy[k])
    assert state["step"] == 1


@pytest.mark.parametrize("form", ["pytorch", "ema"])
def test_float32_stays_float32(rng, form):
    params = _params(rng, np.float32)
    new, state = momentum_step(params, _params(rng, np.float32), init_momentum_state(params),
                               lr=np.float64(0.1), beta=np.float64(0.9), form=form)
    assert all(v.dtype == np.float32 for v in new.values())
    assert all(v.dtype == np.float32 for v in state["velocity"].values())


# --- bad input ------------------------------------------------------------------------------------

def test_init_rejects_non_dict_and_integer_params():
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        init_momentum_state([np.ones(3)])
    with pytest.raises(TypeError, match=r"params\['W1'\] must be a float array"):
        init_momentum_state({"W1": np.ones(3, dtype=np.int64)})


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": -0.1}, ValueError, r"lr must be in \[0, inf\), got -0.1"),
        ({"lr": float("nan")}, ValueError, r"lr must be in \[0, inf\), got nan"),
        ({"lr": "0.1"}, TypeError, "lr must be a number"),
        ({"lr": 0.1, "beta": 1.0}, ValueError, r"beta must be in \[0, 1\)"),
        ({"lr": 0.1, "beta": -0.1}, ValueError, r"beta must be in \[0, 1\)"),
        ({"lr": 0.1, "form": "adam"}, ValueError, "form must be one of"),
        ({"lr": 0.1, "dampening": 1.5}, ValueError, r"dampening must be in \[0, 1\]"),
        ({"lr": 0.1, "nesterov": 1}, TypeError, "nesterov must be True or False"),
        ({"lr": 0.1, "nesterov": True, "dampening": 0.1}, ValueError, "nesterov needs"),
        ({"lr": 0.1, "nesterov": True, "beta": 0.0}, ValueError, "nesterov needs"),
        ({"lr": 0.1, "form": "ema", "dampening": 0.1}, ValueError, "form='pytorch' only"),
    ],
)
def test_bad_hyperparameters_are_rejected(rng, kwargs, error, message):
    params = _params(rng)
    with pytest.raises(error, match=message):
        momentum_step(params, _params(rng), init_momentum_state(params), **kwargs)


def test_grads_with_other_keys_shapes_or_dtypes_are_rejected(rng):
    params = _params(rng)
    state = init_momentum_state(params)
    with pytest.raises(ValueError, match="grads must have the same keys"):
        momentum_step(params, {"W1": params["W1"]}, state, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\['b1'\] must have shape \(3,\)"):
        momentum_step(params, {"W1": params["W1"], "b1": np.ones(4)}, state, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\['b1'\] must have shape \(3,\) and dtype float64"):
        momentum_step(params, {**params, "b1": params["b1"].astype(np.float32)}, state, lr=0.1)


def test_non_finite_gradients_are_rejected(rng):
    params = _params(rng)
    grads = {**params, "b1": np.array([1.0, np.inf, 0.0])}
    with pytest.raises(ValueError, match=r"grads\['b1'\] must be finite"):
        momentum_step(params, grads, init_momentum_state(params), lr=0.1)


def test_a_state_that_does_not_belong_to_params_is_rejected(rng):
    params = _params(rng)
    with pytest.raises(TypeError, match="state must be the dict returned by init_momentum_state"):
        momentum_step(params, params, {"velocity": {}}, lr=0.1)
    with pytest.raises(ValueError, match=r"state\['velocity'\] must have the same keys"):
        momentum_step(params, params, init_momentum_state({"W1": params["W1"]}), lr=0.1)
    with pytest.raises(ValueError, match=r"state\['step'\] must be an integer >= 0"):
        momentum_step(params, params, {**init_momentum_state(params), "step": -1}, lr=0.1)


# --- the fast, in-place form ---------------------------------------------------------------------

@pytest.mark.parametrize(("form", "kwargs"), [("pytorch", {}), ("pytorch", {"dampening": 0.3}),
                                              ("pytorch", {"nesterov": True}), ("ema", {})])
@pytest.mark.parametrize("size", [5, 3 * 2**15 + 17])  # one partial block; several blocks and a remainder
def test_inplace_form_equals_the_readable_form(rng, form, kwargs, size):
    params = {"w": rng.normal(size=size), "b": rng.normal(size=(3, 2))}
    fast = {k: p.copy() for k, p in params.items()}
    state, fast_state = init_momentum_state(params), init_momentum_state(fast)
    for lr in (0.1, 0.1, 0.01, 0.05):
        grads = {k: rng.normal(size=p.shape) for k, p in params.items()}
        params, state = momentum_step(params, grads, state, lr=lr, beta=0.9, form=form, **kwargs)
        momentum_step_inplace(fast, grads, fast_state, lr=lr, beta=0.9, form=form, **kwargs)
        for k in params:
            np.testing.assert_allclose(fast[k], params[k], rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(fast_state["velocity"][k], state["velocity"][k],
                                       rtol=1e-13, atol=1e-15)
    assert fast_state["step"] == state["step"] == 4


def test_inplace_form_updates_the_given_arrays_and_keeps_float32(rng):
    params = _params(rng, np.float32)
    arrays = {k: id(p) for k, p in params.items()}
    before = {k: p.copy() for k, p in params.items()}
    state = init_momentum_state(params)
    grads = _params(rng, np.float32)
    out, out_state = momentum_step_inplace(params, grads, state, lr=0.1)
    assert out is params and out_state is state
    assert {k: id(p) for k, p in params.items()} == arrays
    for k in params:
        assert params[k].dtype == np.float32
        np.testing.assert_allclose(params[k], before[k] - np.float32(0.1) * grads[k], rtol=1e-6)


def test_inplace_block_size_is_a_power_of_two_that_fits_in_cache():
    assert momentum_module.BLOCK & (momentum_module.BLOCK - 1) == 0
    assert 4 * momentum_module.BLOCK <= 2**20  # a float32 block within 1 MiB


def test_inplace_form_rejects_bad_input(rng):
    params = _params(rng)
    state = init_momentum_state(params)
    with pytest.raises(TypeError, match=r"\bstate must be the dict returned by init_momentum_state"):
        momentum_step_inplace(params, params, {"velocity": {}}, lr=0.1)
    with pytest.raises(TypeError, match=r"grads\['W1'\] must be a float ndarray"):
        momentum_step_inplace(params, {**params, "W1": params["W1"].tolist()}, state, lr=0.1)
    with pytest.raises(ValueError, match="C-contiguous"):
        momentum_step_inplace({**params, "W1": params["W1"].T.copy().T}, params, state, lr=0.1)
    with pytest.raises(ValueError, match="same keys"):
        momentum_step_inplace(params, {"W1": params["W1"]}, state, lr=0.1)
    with pytest.raises(ValueError, match=r"lr must be in \[0, inf\)"):
        momentum_step_inplace(params, params, state, lr=-1.0)


def test_inplace_form_names_what_it_rejects(rng):
    params = _params(rng)
    state = init_momentum_state(params)
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got list"):
        momentum_step_inplace([params["W1"]], params, state, lr=0.1)
    with pytest.raises(TypeError, match=r"\bgrads\['W1'\] must be a float ndarray, got ndarray"):
        momentum_step_inplace(params, {**params, "W1": np.ones((3, 4), dtype=np.int64)}, state, lr=0.1)
    bad_velocity = {"step": 0, "velocity": {**state["velocity"], "W1": [0.0]}}
    with pytest.raises(TypeError, match=r"\bstate\['velocity'\]\['W1'\] must be a float ndarray, got list"):
        momentum_step_inplace(params, params, bad_velocity, lr=0.1)
    with pytest.raises(ValueError, match=r"\bgrads must have the same keys"):
        momentum_step_inplace(params, {"W1": params["W1"]}, state, lr=0.1)
    other_keys = {"step": 0, "velocity": {"W1": state["velocity"]["W1"]}}
    with pytest.raises(ValueError, match=r"\bstate\['velocity'\] must have the same keys"):
        momentum_step_inplace(params, params, other_keys, lr=0.1)


def test_step_names_what_it_rejects(rng):
    params = _params(rng)
    state = init_momentum_state(params)
    with pytest.raises(TypeError, match=r"\bparams\['W1'\] must be a float array"):
        momentum_step({**params, "W1": np.ones((3, 4), dtype=np.int64)}, params, state, lr=0.1)
    with pytest.raises(TypeError, match=r"\bstate must be the dict returned by init_momentum_state"):
        momentum_step(params, params, {"velocity": state["velocity"]}, lr=0.1)


# --- boundaries and what the errors name (mutation testing) ---------------------------------------

def test_init_names_what_it_rejects():
    with pytest.raises(TypeError, match=r"\bparams must be a non-empty dict of float arrays, got list"):
        init_momentum_state([np.ones(3)])
    with pytest.raises(TypeError, match=r"\bparams\['W1'\] must be a float array \(float32 or float64\), "
                                        r"got dtype int64"):
        init_momentum_state({"W1": np.ones(3, dtype=np.int64)})


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"lr": "0.1"}, TypeError, r"\blr must be a number in \[0, inf\), got str"),
    ({"lr": 0.1, "beta": "0.9"}, TypeError, r"\bbeta must be a number in \[0, 1\), got str"),
    ({"lr": 0.1, "beta": float("nan")}, ValueError, r"\bbeta must be in \[0, 1\), got nan"),
    ({"lr": 0.1, "dampening": "0"}, TypeError, r"\bdampening must be a number in \[0, 1\], got str"),
    ({"lr": 0.1, "dampening": float("inf")}, ValueError, r"\bdampening must be in \[0, 1\], got inf"),
    ({"lr": 0.1, "nesterov": 1}, TypeError, r"\bnesterov must be True or False, got int"),
    ({"lr": 0.1, "form": "ema", "nesterov": True}, ValueError,
     r"\bdampening and nesterov apply to form='pytorch' only"),
    ({"lr": 0.1, "nesterov": True, "beta": 0.0}, ValueError, r"\bnesterov needs beta > 0 and dampening = 0"),
])
def test_hyperparameter_errors_name_the_argument(rng, kwargs, error, message):
    params = _params(rng)
    with pytest.raises(error, match=message):
        momentum_step(params, _params(rng), init_momentum_state(params), **kwargs)


def test_the_edges_of_the_documented_ranges_are_accepted(rng):
    """lr = 0 (no move) and dampening = 1 (from the second step on, v = beta * v) are inside the ranges."""
    params, g = {"w": rng.normal(size=5)}, {"w": rng.normal(size=5)}
    new, state = momentum_step(params, g, init_momentum_state(params), lr=0.0)
    np.testing.assert_array_equal(new["w"], params["w"])
    _, state = momentum_step(params, g, state, lr=0.1, beta=0.9, dampening=1.0)
    np.testing.assert_allclose(state["velocity"]["w"], 0.9 * g["w"], rtol=1e-15)


@pytest.mark.parametrize("step_function", [momentum_step, momentum_step_inplace])
@pytest.mark.parametrize(("step", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_both_forms_reject_a_bad_step_count(rng, step_function, step, error):
    params = _params(rng)
    state = {**init_momentum_state(params), "step": step}
    with pytest.raises(error, match=r"\bstate\['step'\] must be an integer >= 0"):
        step_function(params, params, state, lr=0.1)


def test_step_names_the_velocity_it_rejects(rng):
    params = _params(rng)
    state = init_momentum_state(params)
    bad = {**state, "velocity": {**state["velocity"], "b1": np.array([0.0, np.nan, 0.0])}}
    with pytest.raises(ValueError, match=r"\bstate\['velocity'\]\['b1'\] must be finite"):
        momentum_step(params, params, bad, lr=0.1)
    bad = {**state, "velocity": {**state["velocity"], "b1": np.zeros(4)}}
    with pytest.raises(ValueError, match=r"\bstate\['velocity'\]\['b1'\] must have shape \(3,\) "
                                         r"and dtype float64 like params, got \(4,\)"):
        momentum_step(params, params, bad, lr=0.1)
    bad = {**state, "velocity": {**state["velocity"], "b1": np.zeros(3, np.float32)}}
    with pytest.raises(ValueError, match=r"\bstate\['velocity'\]\['b1'\] must have .* got \(3,\) float32"):
        momentum_step(params, params, bad, lr=0.1)


# --- why momentum is faster: kappa vs sqrt(kappa) steps on a quadratic bowl ----------------------

KAPPAS = (10.0, 10.0**1.5, 100.0, 10.0**2.5, 1000.0)


def _one_step_matrix(curvature, lr, beta):
    """The linear map (w, v) -> (w', v') of one momentum_step on L(w) = c w^2 / 2."""
    columns = []
    for w, v in ((1.0, 0.0), (0.0, 1.0)):
        state = {"step": 1, "velocity": {"w": np.array([v])}}  # past the special first step
        params = {"w": np.array([w])}
        params, state = momentum_step(params, {"w": curvature * params["w"]}, state,
                                      lr=lr, beta=beta)
        columns.append([params["w"][0], state["velocity"]["w"][0]])
    return np.array(columns).T


def _spectral_radius(curvature, lr, beta):
    return max(abs(np.linalg.eigvals(_one_step_matrix(curvature, lr, beta))))


def _steps_to_tolerance(curvatures, lr, beta, tol):
    """Steps of momentum_step until |w_t| <= tol |w_0| on the bowl, from w_0 = (1, ..., 1)."""
    c = np.asarray(curvatures)
    params = {"w": np.ones(len(c))}
    state, start = init_momentum_state(params), np.linalg.norm(params["w"])
    for t in range(1, 10**6):
        params, state = momentum_step(params, {"w": c * params["w"]}, state, lr=lr, beta=beta)
        if np.linalg.norm(params["w"]) <= tol * start:
            return t
    raise AssertionError("no convergence")


@pytest.mark.parametrize("kappa", KAPPAS)
def test_tuned_gradient_descent_contracts_both_ends_by_kappa_minus_one_over_kappa_plus_one(
        kappa):
    lr, rate = tuned_gradient_descent(1.0, kappa)
    np.testing.assert_allclose(rate, (kappa - 1) / (kappa + 1), rtol=1e-14)
    measured = [_spectral_radius(c, lr, 0.0) for c in np.linspace(1.0, kappa, 9)]
    np.testing.assert_allclose(measured[0], rate, rtol=1e-12)
    np.testing.assert_allclose(measured[-1], rate, rtol=1e-12)
    assert max(measured[1:-1]) < rate  # the interior contracts faster


@pytest.mark.parametrize("kappa", KAPPAS)
def test_tuned_momentum_contracts_every_curvature_by_sqrt_beta(kappa):
    """Polyak's tuning puts every curvature in [c_min, c_max] on the circle |z| = sqrt(beta)."""
    lr, beta, rate = tuned_momentum(1.0, kappa)
    np.testing.assert_allclose(lr, 4 / (np.sqrt(kappa) + 1) ** 2, rtol=1e-14)
    np.testing.assert_allclose(rate, (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), rtol=1e-14)
    np.testing.assert_allclose(beta, rate**2, rtol=1e-14)
    measured = [_spectral_radius(c, lr, beta) for c in np.linspace(1.0, kappa, 9)]
    # The ends are double roots, whose computed eigenvalues carry ~sqrt(machine eps) error.
    np.testing.assert_allclose(measured, rate, rtol=1e-6)


@pytest.mark.parametrize("kappa", (10.0, 1000.0))
@pytest.mark.parametrize("factor", (0.9, 1.1))
def test_tuned_momentum_beats_a_nearby_lr_or_beta(kappa, factor):
    lr, beta, rate = tuned_momentum(1.0, kappa)
    curvatures = np.linspace(1.0, kappa, 201)
    for other_lr, other_beta in ((lr * factor, beta), (lr, min(beta * factor, 0.999))):
        worst = max(_spectral_radius(c, other_lr, other_beta) for c in curvatures)
        assert worst > rate * (1 + 1e-4)


def test_pytorch_form_is_polyaks_heavy_ball_with_the_same_lr_and_beta(rng):
    """w_t = w_{t-1} - lr g_t + beta (w_{t-1} - w_{t-2}), with w_{-1} = w_0, written out here."""
    grad_fn = _random_quadratic(rng)
    params = {"w": rng.normal(size=4)}
    lr, beta = 0.07, 0.8
    ours = _run(grad_fn, params, [lr] * 60, beta=beta)
    previous, w, heavy_ball = params["w"], params["w"], []
    for _ in range(60):
        w, previous = w - lr * grad_fn({"w": w})["w"] + beta * (w - previous), w
        heavy_ball.append(w)
    np.testing.assert_allclose(ours, heavy_ball, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kappa", (10.0, 1000.0))
def test_tuned_momentum_error_has_the_double_root_closed_form(kappa):
    """At both ends of [c_min, c_max] the root z = +-r is double: w_t = (1 + (1 - z) t) z^t."""
    lr, beta, r = tuned_momentum(1.0, kappa)
    c = np.array([1.0, kappa])
    params = {"w": np.ones(2)}
    state, path = init_momentum_state(params), []
    for _ in range(300):
        params, state = momentum_step(params, {"w": c * params["w"]}, state, lr=lr, beta=beta)
        path.append(params["w"])
    t = np.arange(1, 301)[:, None]
    z = np.array([r, -r])
    np.testing.assert_allclose(path, (1 + (1 - z) * t) * z**t, rtol=1e-9, atol=1e-300)


def test_gradient_descent_needs_order_kappa_steps_and_momentum_order_sqrt_kappa():
    tol = 1e-4
    gd, hb = [], []
    for kappa in KAPPAS:
        lr, rate = tuned_gradient_descent(1.0, kappa)
        gd.append(_steps_to_tolerance((1.0, kappa), lr, 0.0, tol))
        # From w_0 = (1, 1) both coordinates shrink by exactly `rate` per step.
        assert gd[-1] == int(np.ceil(np.log(tol) / np.log(rate) - 1e-9))
        lr, beta, r = tuned_momentum(1.0, kappa)
        hb.append(_steps_to_tolerance((1.0, kappa), lr, beta, tol))
        t = np.arange(1, 10**5)
        norm = np.hypot((1 + (1 - r) * t) * r**t, (1 + (1 + r) * t) * r**t) / np.sqrt(2)
        assert hb[-1] == t[np.argmax(norm <= tol)]  # the closed form's first crossing
    slope_gd = np.polyfit(np.log(KAPPAS), np.log(gd), 1)[0]
    slope_hb = np.polyfit(np.log(KAPPAS), np.log(hb), 1)[0]
    assert 0.98 < slope_gd < 1.02
    assert 0.52 < slope_hb < 0.58  # 1/2, plus a slowly fading log-factor (double root)
    assert (gd[-1], hb[-1]) == (4606, 238)  # kappa = 1000, the numbers on the page


@pytest.mark.parametrize("c_min, c_max, error, message", [
    (0.0, 1.0, ValueError, r"\bc_min must be in \(0, inf\)"),
    (-1.0, 1.0, ValueError, r"\bc_min must be in \(0, inf\)"),
    (2.0, 1.0, ValueError, r"\bc_max must be >= c_min"),
    (1.0, float("inf"), ValueError, r"\bc_max must be in \(0, inf\)"),
    ("1", 2.0, TypeError, r"\bc_min must be a number"),
    (1.0, None, TypeError, r"\bc_max must be a number"),
])
def test_tuned_settings_reject_a_bad_curvature_range(c_min, c_max, error, message):
    with pytest.raises(error, match=message):
        tuned_gradient_descent(c_min, c_max)
    with pytest.raises(error, match=message):
        tuned_momentum(c_min, c_max)


def test_tuned_settings_at_kappa_1000_are_the_numbers_on_the_page():
    lr, rate = tuned_gradient_descent(1.0, 1000.0)
    np.testing.assert_allclose((lr, rate), (0.001998, 0.998), rtol=1e-3)
    lr, beta, rate = tuned_momentum(1.0, 1000.0)
    np.testing.assert_allclose((lr, beta, rate), (0.00376, 0.881, 0.9387), rtol=1e-3)
    # Steps per factor e of error: 1 / ln(1 / rate), about kappa / 2 and sqrt(kappa) / 2.
    np.testing.assert_allclose(-1 / np.log(tuned_gradient_descent(1.0, 1000.0)[1]), 500,
                               rtol=1e-3)
    np.testing.assert_allclose(-1 / np.log(rate), 15.8, rtol=1e-2)
    # 10^4-fold from the rate alone: 146 steps; the double root's factor makes it 238 (+60%).
    np.testing.assert_allclose(np.log(1e4) / -np.log(rate), 145.6, rtol=1e-3)
    np.testing.assert_allclose(238 / 145.6, 1.6, rtol=0.03)


@pytest.mark.parametrize("kappa, steps", [(10.0, (46, 19)), (10.0**3.5, (14563, 440))])
def test_step_counts_at_the_ends_of_the_figure_are_the_numbers_on_the_page(kappa, steps):
    lr, _ = tuned_gradient_descent(1.0, kappa)
    lr_hb, beta, _ = tuned_momentum(1.0, kappa)
    measured = (_steps_to_tolerance((1.0, kappa), lr, 0.0, 1e-4),
                _steps_to_tolerance((1.0, kappa), lr_hb, beta, 1e-4))
    assert measured == steps
