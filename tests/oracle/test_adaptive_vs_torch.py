"""snippets/adaptive.py against torch.optim.Adagrad and torch.optim.RMSprop.

Conventions, the same on both sides: eps outside the square root; weight_decay added to the gradient
(L2); AdaGrad's rate lr / (1 + (t - 1) lr_decay) and its accumulator starting at
initial_accumulator_value; RMSprop without bias correction, centered with the running mean of g
(PyTorch updates it with lerp, ours with m + (1 - alpha)(g - m), the same formula), momentum on the
normalized gradient. PyTorch keeps grad_avg and momentum_buffer only when used; ours keeps m and v
always (zeros when unused).

Closed loop, float64: a 2-8-1 tanh network on 64 points, full batch, 150 steps, each side's gradient at
its own parameters, compared at every step at rtol 1e-10, atol 1e-12. (At lr = 0.01, plain RMSprop on this
problem amplifies rounding to about 5e-12 by step 150: its nearly sign-like steps make the path sensitive,
so the RMSprop cases use lr <= 0.003, where it stays near 1e-15.) Open loop, float32: the same
random gradients fed to both for 50 steps, rtol 1e-5.
"""

import numpy as np
import pytest

from snippets.adaptive import adagrad_step, init_adagrad_state, init_rmsprop_state, rmsprop_step

STEPS = 150
RTOL, ATOL = 1e-10, 1e-12


def _problem(torch, rng):
    X = torch.tensor(rng.uniform(-2, 2, size=(64, 2)))
    y = torch.sin(X[:, :1] * 1.5) + 0.5 * X[:, 1:] ** 2
    params = {"W1": rng.normal(0, 0.7, size=(8, 2)), "b1": rng.normal(0, 0.1, size=(8,)),
              "W2": rng.normal(0, 0.4, size=(1, 8)), "b2": np.zeros(1)}

    def loss(p):
        hidden = torch.tanh(X @ p["W1"].T + p["b1"])
        return ((hidden @ p["W2"].T + p["b2"] - y) ** 2).mean()

    return params, loss


def _grads(torch, loss, params):
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    loss(leaves).backward()
    return {k: t.grad.numpy() for k, t in leaves.items()}


def _run(torch, rng, optimizer_class, torch_hyper, init, step, hyper):
    params, loss = _problem(torch, rng)
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    optimizer = optimizer_class(list(theirs.values()), **torch_hyper)
    ours, state = params, init(params)
    for _ in range(STEPS):
        ours, state = step(ours, _grads(torch, loss, ours), state, **hyper)
        optimizer.zero_grad()
        loss(theirs).backward()
        optimizer.step()
        for k in ours:
            np.testing.assert_allclose(ours[k], theirs[k].detach().numpy(), rtol=RTOL, atol=ATOL)
    start = float(loss({k: torch.tensor(v) for k, v in params.items()}))
    assert float(loss({k: torch.tensor(v) for k, v in ours.items()})) < 0.7 * start  # real progress
    return ours, state, optimizer, theirs


ADAGRAD_CASES = [dict(lr=0.05), dict(lr=0.1, lr_decay=0.01), dict(lr=0.05, weight_decay=0.02),
                 dict(lr=0.1, eps=1e-4, initial_accumulator_value=0.3, lr_decay=0.001,
                      weight_decay=0.01)]


@pytest.mark.parametrize("hyper", ADAGRAD_CASES, ids=["plain", "lr-decay", "l2", "all"])
def test_adagrad_matches_torch_at_every_step(torch, rng, hyper):
    init_value = hyper.get("initial_accumulator_value", 0.0)
    step_hyper = {k: v for k, v in hyper.items() if k != "initial_accumulator_value"}
    ours, state, optimizer, theirs = _run(
        torch, rng, torch.optim.Adagrad, hyper,
        lambda p: init_adagrad_state(p, initial_accumulator_value=init_value), adagrad_step,
        step_hyper)
    for k in ours:
        np.testing.assert_allclose(state["s"][k], optimizer.state[theirs[k]]["sum"].numpy(),
                                   rtol=RTOL, atol=ATOL)
    assert state["t"] == int(optimizer.state[theirs["W1"]]["step"]) == STEPS


RMSPROP_CASES = [dict(lr=0.003), dict(lr=0.003, alpha=0.9), dict(lr=0.003, centered=True),
                 dict(lr=0.003, momentum=0.9), dict(lr=0.002, momentum=0.5, centered=True),
                 dict(lr=0.003, alpha=0.95, eps=1e-5, weight_decay=0.03)]


@pytest.mark.parametrize("hyper", RMSPROP_CASES,
                         ids=["plain", "alpha", "centered", "momentum", "centered-momentum", "l2"])
def test_rmsprop_matches_torch_at_every_step(torch, rng, hyper):
    ours, state, optimizer, theirs = _run(torch, rng, torch.optim.RMSprop, hyper,
                                          init_rmsprop_state, rmsprop_step, hyper)
    for k in ours:
        t_state = optimizer.state[theirs[k]]
        np.testing.assert_allclose(state["s"][k], t_state["square_avg"].numpy(), rtol=RTOL,
                                   atol=ATOL)
        if hyper.get("centered"):
            np.testing.assert_allclose(state["m"][k], t_state["grad_avg"].numpy(), rtol=RTOL,
                                       atol=ATOL)
        if hyper.get("momentum"):
            np.testing.assert_allclose(state["v"][k], t_state["momentum_buffer"].numpy(),
                                       rtol=RTOL, atol=ATOL)
    assert state["t"] == int(optimizer.state[theirs["W1"]]["step"]) == STEPS


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "rmsprop-centered-momentum"])
def test_float32_matches_torch_on_the_same_gradients(torch, rng, name):
    params = {"W": rng.normal(size=(4, 3)).astype(np.float32),
              "b": rng.normal(size=3).astype(np.float32)}
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in params.values()]
    if name == "adagrad":
        hyper = dict(lr=0.05, lr_decay=0.01, weight_decay=0.01)
        optimizer = torch.optim.Adagrad(theirs, **hyper)
        ours, state, step = params, init_adagrad_state(params), adagrad_step
    else:
        hyper = dict(lr=0.01, weight_decay=0.01)
        if name != "rmsprop":
            hyper.update(momentum=0.9, centered=True)
        optimizer = torch.optim.RMSprop(theirs, **hyper)
        ours, state, step = params, init_rmsprop_state(params), rmsprop_step
    for _ in range(50):
        grads = {k: rng.normal(size=v.shape).astype(np.float32) for k, v in params.items()}
        for t, g in zip(theirs, grads.values(), strict=True):
            t.grad = torch.tensor(g)
        optimizer.step()
        ours, state = step(ours, grads, state, **hyper)
        for t, k in zip(theirs, ours, strict=True):
            assert ours[k].dtype == np.float32
            np.testing.assert_allclose(ours[k], t.detach().numpy(), rtol=1e-5, atol=1e-6)
