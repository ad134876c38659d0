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


# ----- amsgrad and maximize
#
# torch's AMSGrad (torch/optim/adam.py, _single_tensor_adam): max_exp_avg_sq = max(max_exp_avg_sq,
# exp_avg_sq), the maximum of the *raw* second moment, then divided by sqrt(1 - beta2^t) of the
# current step: the maximum is taken before the bias correction. maximize negates the gradient first,
# before L2 weight decay joins it. Ours: state["s_max"], the same order.
#
# The gradients are fed, not computed: a sequence whose scale falls by 100x after step 3 and rises
# again, so the raw s falls below its maximum (AMSGrad then differs from Adam) and the maximum of the
# bias-corrected s_hat would be a different, plausible bug (tests/test_adam.py shows it differs).
# Sizes 2 * BLOCK + 123 and 7: several blocks, a last partial block, and one block smaller than BLOCK.

from snippets.adam import BLOCK  # noqa: E402

AMS_STEPS = 12


def _fed_gradients(rng, shapes, dtype):
    scales = [3.0, 1.0, 2.0] + [0.02] * 5 + [1.5, 0.01, 0.01, 4.0]
    return [{k: (scale * rng.normal(size=shape)).astype(dtype) for k, shape in shapes.items()}
            for scale in scales[:AMS_STEPS]]


AMS_CASES = {
    "adam amsgrad": dict(decoupled=False, amsgrad=True, maximize=False, weight_decay=0.0),
    "adam amsgrad l2": dict(decoupled=False, amsgrad=True, maximize=False, weight_decay=0.1),
    "adam maximize l2": dict(decoupled=False, amsgrad=False, maximize=True, weight_decay=0.1),
    "adam both l2": dict(decoupled=False, amsgrad=True, maximize=True, weight_decay=0.05),
    "adamw amsgrad": dict(decoupled=True, amsgrad=True, maximize=False, weight_decay=0.1),
    "adamw maximize": dict(decoupled=True, amsgrad=False, maximize=True, weight_decay=0.1),
    "adamw both": dict(decoupled=True, amsgrad=True, maximize=True, weight_decay=0.3),
}


@pytest.mark.parametrize("form", ["readable", "in place"])
@pytest.mark.parametrize("options", AMS_CASES.values(), ids=AMS_CASES.keys())
@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-12, 1e-14), (np.float32, 2e-6, 2e-7)],
                         ids=["float64", "float32"])
def test_amsgrad_and_maximize_match_torch_step_by_step(torch, rng, form, options, dtype, rtol, atol):
    shapes = {"big": (2 * BLOCK + 123,), "small": (7,)}
    params = {k: rng.normal(size=shape).astype(dtype) for k, shape in shapes.items()}
    grads = _fed_gradients(rng, shapes, dtype)
    hyper = dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-8, weight_decay=options["weight_decay"])
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    optimizer_class = torch.optim.AdamW if options["decoupled"] else torch.optim.Adam
    optimizer = optimizer_class(list(theirs.values()), lr=hyper["lr"],
                                betas=(hyper["beta1"], hyper["beta2"]), eps=hyper["eps"],
                                weight_decay=hyper["weight_decay"], amsgrad=options["amsgrad"],
                                maximize=options["maximize"])
    ours = {k: v.copy() for k, v in params.items()}
    state = init_adam_state(ours, amsgrad=options["amsgrad"])
    flags = {k: options[k] for k in ("decoupled", "amsgrad", "maximize")}
    for g in grads:
        if form == "readable":
            ours, state = adam_step(ours, g, state, **hyper, **flags)
        else:
            adam_step_inplace(ours, g, state, **hyper, **flags)
        for k, t in theirs.items():
            t.grad = torch.tensor(g[k].copy())
        optimizer.step()
        for k in ours:
            assert ours[k].dtype == dtype
            np.testing.assert_allclose(ours[k], theirs[k].detach().numpy(), rtol=rtol, atol=atol)
    for k in ours:
        torch_state = optimizer.state[theirs[k]]
        np.testing.assert_allclose(state["s"][k], torch_state["exp_avg_sq"].numpy(), rtol=rtol,
                                   atol=atol)
        if options["amsgrad"]:
            s_max = torch_state["max_exp_avg_sq"].numpy()
            np.testing.assert_allclose(state["s_max"][k], s_max, rtol=rtol, atol=atol)
            # the max is active: after the last, large gradient about a third of the entries still
            # hold an older, larger s
            assert np.mean(s_max > torch_state["exp_avg_sq"].numpy()) > 0.25
        else:
            assert "s_max" not in state


def test_amsgrad_changes_the_trajectory_in_torch_and_here(torch, rng):
    """Not vacuous: with these gradients AMSGrad and Adam end apart, on both sides."""
    shapes = {"w": (50,)}
    grads = _fed_gradients(rng, shapes, np.float64)
    w0 = rng.normal(size=50)
    finals = {}
    for amsgrad in (False, True):
        p, s = {"w": w0.copy()}, init_adam_state({"w": w0}, amsgrad=amsgrad)
        t = torch.tensor(w0.copy(), requires_grad=True)
        optimizer = torch.optim.Adam([t], lr=0.05, betas=(0.8, 0.95), amsgrad=amsgrad)
        for g in grads:
            p, s = adam_step(p, g, s, lr=0.05, beta1=0.8, beta2=0.95, amsgrad=amsgrad)
            t.grad = torch.tensor(g["w"].copy())
            optimizer.step()
        np.testing.assert_allclose(p["w"], t.detach().numpy(), rtol=1e-12, atol=1e-14)
        finals[amsgrad] = p["w"]
    assert np.max(np.abs(finals[True] - finals[False])) > 1e-2
