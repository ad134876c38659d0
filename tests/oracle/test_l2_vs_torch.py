"""snippets/l2.py against PyTorch autograd and torch.optim.SGD(weight_decay=...), float64.

Conventions that differ: PyTorch has no cost term; ``SGD(weight_decay=wd)`` adds ``wd * p`` to the gradient
of every parameter it is given, biases included, so ``wd`` corresponds to our ``lambd / m`` and the biases
must be put in a parameter group with ``weight_decay=0`` to match "biases not decayed".
"""

import numpy as np

from snippets.l2 import l2_cost, l2_grads

LAMBD, M = 0.8, 16


def _setup(torch, rng):
    """A two-layer tanh network's parameters, a batch of M examples and its data loss (MSE)."""
    sizes = [(5, 3), (2, 5)]
    params = {}
    for layer, (n_out, n_in) in enumerate(sizes, start=1):
        params[f"W{layer}"] = rng.normal(0.2, 0.7, size=(n_out, n_in))
        params[f"b{layer}"] = rng.normal(-0.1, 0.5, size=n_out)
    x = torch.tensor(rng.normal(size=(M, 3)))
    y = torch.tensor(rng.normal(size=(M, 2)))
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}

    def data_loss():
        h = torch.tanh(x @ tensors["W1"].T + tensors["b1"])
        return ((h @ tensors["W2"].T + tensors["b2"] - y) ** 2).sum() / (2 * M)

    return params, tensors, data_loss


def test_l2_cost_and_gradient_match_autograd(torch, rng):
    params, tensors, data_loss = _setup(torch, rng)
    # Data gradient alone, from autograd.
    data_loss().backward()
    data_grads = {k: t.grad.numpy().copy() for k, t in tensors.items()}
    for t in tensors.values():
        t.grad = None
    # Total cost: data loss + lambd/(2m) * sum of squared weights (biases excluded), through autograd.
    penalty = LAMBD / (2 * M) * sum((t**2).sum() for k, t in tensors.items() if k.startswith("W"))
    (data_loss() + penalty).backward()
    np.testing.assert_allclose(l2_cost(params, LAMBD, M), penalty.item(), rtol=1e-12, atol=0)
    ours = l2_grads(params, data_grads, LAMBD, M)
    for key, t in tensors.items():
        np.testing.assert_allclose(ours[key], t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_sgd_weight_decay_is_lambd_over_m_and_decays_biases_too(torch, rng):
    params, tensors, data_loss = _setup(torch, rng)
    lr = 0.05
    data_loss().backward()
    data_grads = {k: t.grad.numpy().copy() for k, t in tensors.items()}
    ours = l2_grads(params, data_grads, LAMBD, M)

    # One SGD step with weight_decay = lambd/m on every parameter (PyTorch's usual default).
    before = {k: t.detach().clone() for k, t in tensors.items()}
    torch.optim.SGD(tensors.values(), lr=lr, weight_decay=LAMBD / M).step()
    for key in ("W1", "W2"):
        np.testing.assert_allclose(tensors[key].detach().numpy(), params[key] - lr * ours[key],
                                   rtol=1e-12, atol=1e-15)
    # ...but the biases were decayed too, which our l2_grads does not do.
    for key in ("b1", "b2"):
        ours_b = params[key] - lr * ours[key]
        assert not np.allclose(tensors[key].detach().numpy(), ours_b, rtol=0, atol=1e-12)

    # With the biases in a group with weight_decay=0, PyTorch matches us on every parameter.
    with torch.no_grad():
        for key, t in tensors.items():
            t.copy_(before[key])
    groups = [{"params": [tensors["W1"], tensors["W2"]], "weight_decay": LAMBD / M},
              {"params": [tensors["b1"], tensors["b2"]], "weight_decay": 0.0}]
    torch.optim.SGD(groups, lr=lr).step()
    for key in tensors:
        np.testing.assert_allclose(tensors[key].detach().numpy(), params[key] - lr * ours[key],
                                   rtol=1e-12, atol=1e-15)


def test_adam_weight_decay_is_l2_but_adamw_is_not(torch):
    """PyTorch's Adam(weight_decay=wd) adds wd * w to the gradient (our l2_grads with lambd/m = wd), and the
    step then divides it by sqrt(v): with a zero data gradient, w = [1, 10] both move by lr at step 1.
    AdamW decays w directly, by lr * wd * w: 1e-5 and 1e-4 here (pitfalls.md, L2 vs decoupled decay)."""
    lr, wd = 1e-3, 1e-2
    w0 = np.array([[1.0, 10.0]])
    ours = l2_grads({"W1": w0}, {"W1": np.zeros_like(w0)}, lambd=wd * M, m=M)  # lambd/m = wd

    w_l2 = torch.tensor(w0, requires_grad=True)
    w_l2.grad = torch.tensor(ours["W1"])  # the L2 gradient, given to Adam without weight_decay
    torch.optim.Adam([w_l2], lr=lr).step()
    w_adam = torch.tensor(w0, requires_grad=True)
    w_adam.grad = torch.zeros_like(w_adam)
    torch.optim.Adam([w_adam], lr=lr, weight_decay=wd).step()
    np.testing.assert_allclose(w_adam.detach().numpy(), w_l2.detach().numpy(), rtol=1e-12, atol=0)
    # The step is lr * g / (|g| + eps) with eps = 1e-8 and |g| >= 0.01: lr to a relative 1e-6.
    np.testing.assert_allclose(w0 - w_adam.detach().numpy(), [[lr, lr]], rtol=1e-5)

    w_adamw = torch.tensor(w0, requires_grad=True)
    w_adamw.grad = torch.zeros_like(w_adamw)
    torch.optim.AdamW([w_adamw], lr=lr, weight_decay=wd).step()
    np.testing.assert_allclose(w0 - w_adamw.detach().numpy(), lr * wd * w0, rtol=1e-9)


def test_torch_sgd_weight_decay_with_momentum_is_the_l2_form(torch):
    """torch.optim.SGD(momentum=0.9, weight_decay=wd) adds wd * p to the gradient *before* the
    momentum buffer: it matches our l2_grads followed by momentum_step (PyTorch form), and not
    the decoupled SGDW, whose weights shrink by (1 - lr * wd) per step. Review's numbers:
    lr 0.1, wd 0.1, beta 0.9, zero data gradient: 0.8716 after 5 steps, SGDW 0.9510."""
    from snippets.momentum import init_momentum_state, momentum_step

    lr, wd, beta, steps = 0.1, 0.1, 0.9, 5
    w0 = np.array([[1.0, -2.5, 0.4]])
    w = torch.tensor(w0, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=beta, weight_decay=wd)
    params, state = {"W1": w0.copy()}, init_momentum_state({"W1": w0})
    for _ in range(steps):
        w.grad = torch.zeros_like(w)
        optimizer.step()
        zero = {"W1": np.zeros_like(w0)}
        params, state = momentum_step(params, l2_grads(params, zero, lambd=wd * M, m=M), state,
                                      lr=lr, beta=beta)
        np.testing.assert_allclose(w.detach().numpy(), params["W1"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(w.detach().numpy()[0, 0], 0.8716, atol=5e-5)
    sgdw = (1 - lr * wd) ** steps * w0
    assert np.all(np.abs(w.detach().numpy() - sgdw) > 0.07 * np.abs(w0))
