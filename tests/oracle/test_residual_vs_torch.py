"""snippets/residual.py against a residual block built from torch.nn.functional and autograd.

Conventions: the same as PyTorch's ``nn.Linear`` (weight (out, in), ``x @ W.T + b``) and
``F.layer_norm(x, (n,), eps=eps)`` without weight and bias (biased variance, eps inside the root).
ReLU's derivative at 0 is 0 in both. float64 at rtol 1e-12; float32 at 1e-5 (the dtypes differ only
by rounding).
"""

import numpy as np
import pytest

from snippets.residual import residual_backward, residual_forward


def _block(rng, n=6, h=9):
    return {"W1": rng.normal(0.1, 0.5, (h, n)), "b1": rng.normal(0.0, 0.5, h),
            "W2": rng.normal(0.0, 0.5, (n, h)), "b2": rng.normal(0.2, 0.5, n)}


def _torch_block(torch, x, p, skip, normalize, eps=1e-5):
    F = torch.nn.functional
    u = F.layer_norm(x, (x.shape[1],), eps=eps) if normalize else x
    f = F.linear(F.relu(F.linear(u, p["W1"], p["b1"])), p["W2"], p["b2"])
    return x + f if skip else f


@pytest.mark.parametrize("skip", [True, False])
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_values_and_gradients_match_torch_autograd(torch, rng, skip, normalize, dtype, tol):
    p = {k: v.astype(dtype) for k, v in _block(rng).items()}
    x = (rng.normal(size=(8, 6)) * 3 + 1).astype(dtype)
    dy = rng.normal(size=(8, 6)).astype(dtype)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    tx = torch.tensor(x, dtype=tdtype, requires_grad=True)
    tp = {k: torch.tensor(v, dtype=tdtype, requires_grad=True) for k, v in p.items()}
    ty = _torch_block(torch, tx, tp, skip, normalize)
    (ty * torch.tensor(dy, dtype=tdtype)).sum().backward()

    y, cache = residual_forward(x, p, skip=skip, normalize=normalize)
    dx, grads = residual_backward(dy, cache)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=tol, atol=tol)
    for key in p:
        np.testing.assert_allclose(grads[key], tp[key].grad.numpy(), rtol=tol, atol=tol, err_msg=key)


def test_a_deep_stack_matches_torch_end_to_end(torch, rng):
    """Ten blocks with layer norm, chained forward and backward, against one autograd graph."""
    blocks = [_block(rng) for _ in range(10)]
    x0 = rng.normal(size=(5, 6))
    tx = torch.tensor(x0, requires_grad=True)
    tblocks = [{k: torch.tensor(v, requires_grad=True) for k, v in b.items()} for b in blocks]
    t = tx
    for tb in tblocks:
        t = _torch_block(torch, t, tb, True, True)
    (0.5 * (t**2).sum()).backward()

    x, caches = x0, []
    for b in blocks:
        x, cache = residual_forward(x, b, normalize=True)
        caches.append(cache)
    dy, all_grads = x, []
    for cache in reversed(caches):
        dy, grads = residual_backward(dy, cache)
        all_grads.append(grads)
    np.testing.assert_allclose(dy, tx.grad.numpy(), rtol=1e-11, atol=1e-12)
    for grads, tb in zip(reversed(all_grads), tblocks, strict=True):
        for key in grads:
            np.testing.assert_allclose(grads[key], tb[key].grad.numpy(), rtol=1e-11, atol=1e-12)
