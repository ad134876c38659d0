"""snippets/clipping.py against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (torch 2.13).

Conventions: the same factor, min(max_norm / (total + 1e-6), 1), and the same returned total norm.
PyTorch clips the .grad of parameters in place; ours takes a dict of gradients and returns new ones.
Differences on purpose: ours raises on a non-finite norm unless error_if_nonfinite=False (PyTorch's
default is False), and refuses a max_norm or clip_value <= 0 and NaN in clip_grad_value.
float64 at 1e-12, float32 at 1e-6.
"""

import numpy as np
import pytest

from snippets.clipping import clip_grad_norm, clip_grad_value


def _grads(rng, dtype):
    return {"W1": (rng.normal(size=(5, 3)) * 4).astype(dtype),
            "b1": (rng.normal(size=5) * 0.2).astype(dtype),
            "W2": (rng.standard_t(2, size=(2, 5))).astype(dtype)}


def _torch_params(torch, grads):
    params = []
    for g in grads.values():
        p = torch.zeros(g.shape, dtype=getattr(torch, g.dtype.name), requires_grad=True)
        p.grad = torch.tensor(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, np.inf, 1.0, 3.0, 0.5])
@pytest.mark.parametrize("max_norm", [0.3, 2.0, 1e4])  # clipped, clipped, not clipped
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-6)])
def test_clip_by_norm_matches_torch(torch, rng, norm_type, max_norm, dtype, tol):
    grads = _grads(rng, dtype)
    params = _torch_params(torch, grads)
    t_total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    clipped, total = clip_grad_norm(grads, max_norm, norm_type=norm_type)
    assert total.dtype == np.dtype(dtype) and t_total.numpy().dtype == np.dtype(dtype)
    np.testing.assert_allclose(total, t_total.numpy(), rtol=tol)
    for p, k in zip(params, grads, strict=True):
        assert clipped[k].dtype == np.dtype(dtype)
        np.testing.assert_allclose(clipped[k], p.grad.numpy(), rtol=tol, atol=tol * 1e-3)


@pytest.mark.parametrize("clip_value", [0.05, 1.0, 100.0])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_clip_by_value_matches_torch_exactly(torch, rng, clip_value, dtype):
    grads = _grads(rng, dtype)
    grads["b1"][0] = np.inf  # clamped by both
    params = _torch_params(torch, grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    clipped = clip_grad_value(grads, clip_value)
    for p, k in zip(params, grads, strict=True):
        np.testing.assert_array_equal(clipped[k], p.grad.numpy())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_norms_match_torch_without_the_error_and_raise_with_it(torch, rng, bad):
    grads = _grads(rng, "float64")
    grads["W2"][1, 2] = bad
    params = _torch_params(torch, grads)
    t_total = torch.nn.utils.clip_grad_norm_(params, 1.0)  # torch's default: no error
    clipped, total = clip_grad_norm(grads, 1.0, error_if_nonfinite=False)
    np.testing.assert_array_equal(total, t_total.numpy())  # NaN or inf on both sides
    for p, k in zip(params, grads, strict=True):
        np.testing.assert_array_equal(clipped[k], p.grad.numpy())  # NaN everywhere, or 0 and NaN
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(_torch_params(torch, grads), 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="non-finite total norm"):
        clip_grad_norm(grads, 1.0)  # ours raises by default


def test_torch_reverses_the_gradient_for_a_negative_max_norm(torch, rng):
    """Why ours refuses max_norm < 0: PyTorch's clamped factor is then negative."""
    grads = _grads(rng, "float64")
    params = _torch_params(torch, grads)
    t_total = torch.nn.utils.clip_grad_norm_(params, -1.0)
    factor = -1.0 / (t_total.item() + 1e-6)
    for p, k in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), grads[k] * factor, rtol=1e-12)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(grads, -1.0)
