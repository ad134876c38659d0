"""snippets/momentum.py and snippets/gradient_descent.py against torch.optim.SGD, 100 steps in float64.

The problem is a small least-squares regression, loss = 1/2 * mean over rows of ||X W^T + b - Y||^2.
Each side computes its own gradients (NumPy by hand, PyTorch by autograd) and follows its own path,
so an error anywhere in the update compounds over the 100 steps.

Conventions that differ: none for form="pytorch", which is torch.optim.SGD's update (the first
momentum buffer is the raw gradient, dampening is applied from the second step on, Nesterov steps along
g + beta * v). The course's form="ema" matches PyTorch only with lr_ema = lr / (1 - beta).
"""

import numpy as np
import pytest

from snippets.gradient_descent import gd_step
from snippets.momentum import init_momentum_state, momentum_step, momentum_step_inplace

STEPS = 100
TOL = 1e-10  # float64; the brief asks for 1e-6 or tighter


def _problem(rng):
    X = rng.normal(size=(32, 5))
    Y = X @ rng.normal(size=(3, 5)).T + 0.3 * rng.normal(size=(32, 3))
    params = {"W": rng.normal(size=(3, 5)), "b": rng.normal(size=(3,))}
    return X, Y, params


def _numpy_grads(params, X, Y):
    residual = X @ params["W"].T + params["b"] - Y  # (N, 3)
    n = X.shape[0]
    return {"W": residual.T @ X / n, "b": residual.sum(axis=0) / n}


def _torch_run(torch, X, Y, params, steps, lr, lr_after=None, **sgd_kwargs):
    """Follow torch.optim.SGD for ``steps`` steps; the lr drops to ``lr_after`` halfway if given."""
    W = torch.tensor(params["W"], requires_grad=True)
    b = torch.tensor(params["b"], requires_grad=True)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    opt = torch.optim.SGD([W, b], lr=lr, **sgd_kwargs)
    path = []
    for t in range(steps):
        if lr_after is not None and t == steps // 2:
            opt.param_groups[0]["lr"] = lr_after
        opt.zero_grad()
        loss = 0.5 * ((Xt @ W.T + b - Yt) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()
        path.append({"W": W.detach().numpy().copy(), "b": b.detach().numpy().copy()})
    return path


def _assert_paths_match(ours, theirs):
    for t, (mine, ref) in enumerate(zip(ours, theirs, strict=True)):
        for key in ("W", "b"):
            np.testing.assert_allclose(mine[key], ref[key], rtol=TOL, atol=TOL,
                                       err_msg=f"step {t + 1}, {key}")


@pytest.mark.parametrize(
    ("beta", "dampening", "nesterov"),
    [(0.9, 0.0, False), (0.9, 0.5, False), (0.5, 0.1, False), (0.9, 0.0, True), (0.99, 0.0, True)],
)
def test_pytorch_form_matches_torch_sgd_for_100_steps(torch, rng, beta, dampening, nesterov):
    X, Y, params = _problem(rng)
    lr = 0.02
    theirs = _torch_run(torch, X, Y, params, STEPS, lr, momentum=beta, dampening=dampening, nesterov=nesterov)
    state, ours = init_momentum_state(params), []
    for _ in range(STEPS):
        params, state = momentum_step(params, _numpy_grads(params, X, Y), state, lr=lr, beta=beta,
                                      dampening=dampening, nesterov=nesterov)
        ours.append(params)
    _assert_paths_match(ours, theirs)


def test_learning_rate_drop_acts_like_torch(torch, rng):
    """torch.optim.SGD keeps the lr outside the buffer: a drop acts on the very next step, as ours does."""
    X, Y, params = _problem(rng)
    theirs = _torch_run(torch, X, Y, params, STEPS, lr=0.05, lr_after=0.005, momentum=0.9)
    state, ours = init_momentum_state(params), []
    for t in range(STEPS):
        lr = 0.05 if t < STEPS // 2 else 0.005
        params, state = momentum_step(params, _numpy_grads(params, X, Y), state, lr=lr, beta=0.9)
        ours.append(params)
    _assert_paths_match(ours, theirs)


def test_ema_form_matches_torch_with_rescaled_learning_rate(torch, rng):
    beta, lr_torch = 0.9, 0.02
    X, Y, params = _problem(rng)
    theirs = _torch_run(torch, X, Y, params, STEPS, lr_torch, momentum=beta)
    state, ours = init_momentum_state(params), []
    for _ in range(STEPS):
        params, state = momentum_step(params, _numpy_grads(params, X, Y), state,
                                      lr=lr_torch / (1 - beta), beta=beta, form="ema")
        ours.append(params)
    _assert_paths_match(ours, theirs)


def test_gd_step_matches_torch_sgd_without_momentum(torch, rng):
    X, Y, params = _problem(rng)
    theirs = _torch_run(torch, X, Y, params, STEPS, lr=0.05)
    ours = []
    for _ in range(STEPS):
        params = gd_step(params, _numpy_grads(params, X, Y), lr=0.05)
        ours.append(params)
    _assert_paths_match(ours, theirs)


def test_numpy_gradients_match_autograd(torch, rng):
    """The hand-written gradient used above is the one autograd computes (so the paths test the update)."""
    X, Y, params = _problem(rng)
    W = torch.tensor(params["W"], requires_grad=True)
    b = torch.tensor(params["b"], requires_grad=True)
    (0.5 * ((torch.tensor(X) @ W.T + b - torch.tensor(Y)) ** 2).sum(dim=1).mean()).backward()
    grads = _numpy_grads(params, X, Y)
    np.testing.assert_allclose(grads["W"], W.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["b"], b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("beta", "dampening", "nesterov"), [(0.9, 0.0, False), (0.9, 0.5, False),
                                                              (0.9, 0.0, True)])
def test_inplace_form_matches_torch_sgd_for_100_steps(torch, rng, beta, dampening, nesterov):
    """The fast, in-place form follows torch.optim.SGD as closely as the readable one."""
    X, Y, params = _problem(rng)
    lr = 0.02
    theirs = _torch_run(torch, X, Y, params, STEPS, lr, momentum=beta, dampening=dampening, nesterov=nesterov)
    params = {k: p.copy() for k, p in params.items()}
    state, ours = init_momentum_state(params), []
    for _ in range(STEPS):
        momentum_step_inplace(params, _numpy_grads(params, X, Y), state, lr=lr, beta=beta,
                              dampening=dampening, nesterov=nesterov)
        ours.append({k: p.copy() for k, p in params.items()})
    _assert_paths_match(ours, theirs)
