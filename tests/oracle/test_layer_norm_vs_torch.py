"""snippets/layer_norm.py against torch.nn.functional.layer_norm / group_norm and autograd.

Conventions: the same as PyTorch's (biased variance, eps inside the square root, layer norm's affine
of the normalized shape, group norm's per channel). Ours passes gamma=None and beta=None for
PyTorch's elementwise_affine=False / affine=False. float64 at 1e-10; float32 at 1e-5 (ours
accumulates the statistics in float64, PyTorch in float32).
"""

import numpy as np
import pytest

from snippets.layer_norm import (
    group_norm_backward,
    group_norm_forward,
    layer_norm_backward,
    layer_norm_forward,
)

TOL = 1e-10


def _torch_grads(torch, fn, x, gamma, beta, upstream, dtype):
    tx = torch.tensor(x, dtype=dtype, requires_grad=True)
    tg = None if gamma is None else torch.tensor(gamma, dtype=dtype, requires_grad=True)
    tb = None if beta is None else torch.tensor(beta, dtype=dtype, requires_grad=True)
    out = fn(tx, tg, tb)
    (out * torch.tensor(upstream, dtype=dtype)).sum().backward()
    grads = [tx.grad] + ([None, None] if tg is None else [tg.grad, tb.grad])
    return out.detach().numpy(), [g if g is None else g.numpy() for g in grads]


def _compare(ours, theirs, tol):
    out, grads = ours
    t_out, t_grads = theirs
    assert out.dtype == t_out.dtype
    np.testing.assert_allclose(out, t_out, rtol=tol, atol=tol)
    for a, e in zip(grads, t_grads, strict=True):
        if e is None:
            assert a is None
        else:
            assert a.dtype == e.dtype
            np.testing.assert_allclose(a, e, rtol=tol, atol=tol)


CASES = [((5, 7), (7,)), ((2, 3, 8), (8,)), ((2, 3, 8), (3, 8)), ((4, 2, 3, 3), (2, 3, 3))]


@pytest.mark.parametrize("shape, normalized", CASES)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype, tol", [("float64", TOL), ("float32", 1e-5)])
def test_layer_norm_values_and_gradients_match_torch(torch, rng, shape, normalized, affine, dtype,
                                                     tol):
    x = (rng.normal(size=shape) * 3 + rng.normal(size=normalized)).astype(dtype)
    gamma = rng.uniform(0.5, 2, normalized).astype(dtype) if affine else None
    beta = rng.normal(size=normalized).astype(dtype) if affine else None
    upstream = rng.normal(size=shape).astype(dtype)
    eps = 1e-3  # not the default: a wrong eps would show

    out, cache = layer_norm_forward(x, normalized, gamma, beta, eps=eps)
    ours = out, list(layer_norm_backward(upstream, cache))
    theirs = _torch_grads(torch, lambda t, g, b: torch.nn.functional.layer_norm(
        t, normalized, g, b, eps=eps), x, gamma, beta, upstream, getattr(torch, dtype))
    _compare(ours, theirs, tol)


@pytest.mark.parametrize("shape, groups", [((3, 6, 4, 5), 3), ((2, 6, 7), 2), ((2, 4, 3, 3), 1),
                                           ((2, 4, 3, 3), 4), ((5, 12), 3)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype, tol", [("float64", TOL), ("float32", 1e-5)])
def test_group_norm_values_and_gradients_match_torch(torch, rng, shape, groups, affine, dtype,
                                                     tol):
    c = shape[1]
    extra = (1,) * (len(shape) - 2)
    x = (rng.normal(size=shape) * rng.uniform(0.2, 5, (1, c) + extra)).astype(dtype)
    gamma = rng.uniform(0.5, 2, c).astype(dtype) if affine else None
    beta = rng.normal(size=c).astype(dtype) if affine else None
    upstream = rng.normal(size=shape).astype(dtype)

    out, cache = group_norm_forward(x, groups, gamma, beta, eps=1e-4)
    ours = out, list(group_norm_backward(upstream, cache))
    theirs = _torch_grads(torch, lambda t, g, b: torch.nn.functional.group_norm(
        t, groups, g, b, eps=1e-4), x, gamma, beta, upstream, getattr(torch, dtype))
    _compare(ours, theirs, tol)


def test_group_norm_with_c_groups_is_torchs_instance_norm(torch, rng):
    x = rng.normal(size=(3, 4, 5, 5)) * 2 + 1
    out, _ = group_norm_forward(x, 4, eps=1e-5)
    expected = torch.nn.functional.instance_norm(torch.tensor(x), eps=1e-5).numpy()
    np.testing.assert_allclose(out, expected, rtol=TOL, atol=TOL)
