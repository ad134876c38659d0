"""snippets/adam.py against torch.optim.Adam (L2 weight decay) and torch.optim.AdamW (decoupled).

Conventions, the same on both sides: eps is added outside sqrt(v_hat); Adam's ``weight_decay`` adds
``weight_decay * p`` to the gradient; AdamW multiplies the weights by ``1 - lr * weight_decay`` before
the Adam step (PyTorch scales the decay by lr; Loshchilov and Hutter's paper uses a separate schedule
multiplier). PyTorch orders the arithmetic differently (``lr / bc1`` times ``m / (sqrt(v) / sqrt(bc2) +
eps)``), so the trajectories agree to rounding, not bit for bit.

The problem: a 2-8-1 tanh network fitting sin(1.5 x1) + x2^2 / 2 on 64 points, full batch, 200 steps. Each
side computes its gradient at its *own* current parameters (autograd serves as the gradient calculator for
ours), so any difference in an update would feed into every later gradient. Observed differences stay
near 1e-15; the tolerance leaves room for rounding to grow. (At lr=0.03 with beta2=0.99, Adam + L2 on
this problem amplifies rounding to about 2e-9 by step 200: the trajectories are then equal only to
rounding-sized perturbations of a sensitive path, so the cases use step sizes where the path is stable.)
"""

import numpy as np
import pytest

from snippets.adam import adam_step, adam_step_inplace, init_adam_state

STEPS = 200


RTOL, ATOL = 1e-10, 1e-12  # |ours - torch| <= 1e-12 + 1e-10 |torch|, float64, at every step


def _problem(torch, rng):
    X = torch.tensor(rng.uniform(-2, 2, size=(64, 2)))
    y = torch.sin(X[:, :1] * 1.5) + 0.5 * X[:, 1:] ** 2
    params = {
        "W1": rng.normal(0, 0.7, size=(8, 2)), "b1": rng.normal(0, 0.1, size=(8,)),
        "W2": rng.normal(0, 0.4, size=(1, 8)), "b2": np.zeros(1),
    }

    def loss(p):
        hidden = torch.tanh(X @ p["W1"].T + p["b1"])
        return ((hidden @ p["W2"].T + p["b2"] - y) ** 2).mean()

    return params, loss


def _grads(torch, loss, params):
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    loss(leaves).backward()
    return {k: t.grad.numpy() for k, t in leaves.items()}


@pytest.mark.parametrize(("decoupled", "hyper"), [
    (False, dict(lr=0.01, weight_decay=0.0)),
    (False, dict(lr=0.01, weight_decay=0.05)),
    (False, dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.01)),
    (True, dict(lr=0.01, weight_decay=0.01)),
    (True, dict(lr=0.01, weight_decay=0.5)),
    (True, dict(lr=0.03, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1)),
], ids=["adam", "adam-l2", "adam-l2-betas", "adamw", "adamw-strong", "adamw-betas"])
def test_200_steps_match_torch(torch, rng, decoupled, hyper):
    params, loss = _problem(torch, rng)
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    betas = (hyper.get("beta1", 0.9), hyper.get("beta2", 0.999))
    optimizer_class = torch.optim.AdamW if decoupled else torch.optim.Adam
    optimizer = optimizer_class(list(theirs.values()), lr=hyper["lr"], betas=betas,
                                eps=hyper.get("eps", 1e-8), weight_decay=hyper["weight_decay"])
    ours, state = params, init_adam_state(params)
    for _ in range(STEPS):
        ours, state = adam_step(ours, _grads(torch, loss, ours), state, decoupled=decoupled, **hyper)
        optimizer.zero_grad()
        loss(theirs).backward()
        optimizer.step()
        for k in ours:
            np.testing.assert_allclose(ours[k], theirs[k].detach().numpy(), rtol=RTOL, atol=ATOL)
    # The optimizers' moments agree too, and the run made real progress (the comparison is not vacuous).
    for k in ours:
        torch_state = optimizer.state[theirs[k]]
        np.testing.assert_allclose(state["m"][k], torch_state["exp_avg"].numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(state["s"][k], torch_state["exp_avg_sq"].numpy(),
                                   rtol=RTOL, atol=ATOL)
    assert state["t"] == int(optimizer.state[theirs["W1"]]["step"]) == STEPS
    assert float(loss({k: torch.tensor(v) for k, v in ours.items()})) < 0.5 * float(
        loss({k: torch.tensor(v) for k, v in params.items()}))


def test_adam_with_weight_decay_differs_from_adamw_in_torch_too(torch, rng):
    """The distinction our decoupled flag draws is PyTorch's: Adam(weight_decay) != AdamW(weight_decay)."""
    params, loss = _problem(torch, rng)
    finals = []
    for optimizer_class in (torch.optim.Adam, torch.optim.AdamW):
        theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
        optimizer = optimizer_class(list(theirs.values()), lr=0.01, weight_decay=0.1)
        for _ in range(50):
            optimizer.zero_grad()
            loss(theirs).backward()
            optimizer.step()
        finals.append(theirs["W1"].detach().numpy())
    ours = {}
    for decoupled in (False, True):
        p, s = params, init_adam_state(params)
        for _ in range(50):
            p, s = adam_step(p, _grads(torch, loss, p), s, lr=0.01, weight_decay=0.1, decoupled=decoupled)
        ours[decoupled] = p["W1"]
    np.testing.assert_allclose(ours[False], finals[0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ours[True], finals[1], rtol=RTOL, atol=ATOL)
    assert np.max(np.abs(finals[0] - finals[1])) > 1e-4


@pytest.mark.parametrize("decoupled", [False, True])
def test_inplace_form_matches_torch_for_200_steps(torch, rng, decoupled):
    """The fast, in-place form follows torch.optim.Adam / AdamW as closely as the readable one."""
    params, loss = _problem(torch, rng)
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    optimizer_class = torch.optim.AdamW if decoupled else torch.optim.Adam
    optimizer = optimizer_class(list(theirs.values()), lr=0.01, weight_decay=0.05)
    ours = {k: v.copy() for k, v in params.items()}
    state = init_adam_state(ours)
    for _ in range(STEPS):
        adam_step_inplace(ours, _grads(torch, loss, ours), state, lr=0.01, weight_decay=0.05,
                          decoupled=decoupled)
        optimizer.zero_grad()
        loss(theirs).backward()
        optimizer.step()
        for k in ours:
            np.testing.assert_allclose(ours[k], theirs[k].detach().numpy(), rtol=RTOL, atol=ATOL)
