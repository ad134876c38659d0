"""snippets/pooling.py against torch.nn.functional.max_pool2d / avg_pool2d and their autograd.

Conventions: the same as PyTorch's with ``ceil_mode=False`` and ``dilation=1`` (ours has neither option):
stride defaults to the kernel size, padding at most half the kernel, max pooling pads with -inf,
average pooling with ``count_include_pad=True`` by default. Ties in max pooling: PyTorch 2.13 on the
CPU sends the gradient to the first maximum of the window in row-major order, and so do we (checked
below on inputs full of ties). Float64 at 1e-12; float32 at 1e-6 relative.
"""

import numpy as np
import pytest

from snippets.pooling import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)

TOL64 = 1e-12
TOL32 = 1e-6

# (N, C, H, W, kernel, stride, padding)
CASES = {
    "default stride = kernel": (2, 3, 8, 6, 2, None, 0),
    "overlapping windows": (2, 2, 7, 7, 3, 1, 0),
    "stride that does not divide": (1, 3, 9, 8, 3, 2, 0),
    "non-square kernel, per-axis stride": (2, 2, 9, 10, (3, 2), (2, 3), 0),
    "padding": (2, 2, 7, 6, 3, 2, 1),
    "per-axis padding": (1, 2, 7, 9, (2, 5), (1, 2), (1, 2)),
    "batch of 1, odd sizes": (1, 1, 5, 7, 3, 3, 1),
}


def _problem(rng, case, dtype=np.float64):
    n, c, h, w, kernel, stride, padding = case
    return rng.normal(size=(n, c, h, w)).astype(dtype), {"kernel_size": kernel, "stride": stride,
                                                          "padding": padding}


def _torch_pool(torch, fn, x, dout, kw, **extra):
    tx = torch.tensor(x, requires_grad=True)
    out = fn(tx, kw["kernel_size"], kw["stride"], kw["padding"], **extra)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_max_pooling_values_and_gradient_match_torch(torch, rng, name):
    x, kw = _problem(rng, CASES[name])
    out, cache = max_pool2d_forward(x, **kw)
    dout = rng.normal(size=out.shape)
    t_out, t_dx = _torch_pool(torch, torch.nn.functional.max_pool2d, x, dout, kw)
    assert out.shape == t_out.shape
    np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL64)
    np.testing.assert_allclose(max_pool2d_backward(dout, cache), t_dx, rtol=0, atol=TOL64)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_average_pooling_values_and_gradient_match_torch(torch, rng, name, count_include_pad):
    x, kw = _problem(rng, CASES[name])
    out, cache = avg_pool2d_forward(x, **kw, count_include_pad=count_include_pad)
    dout = rng.normal(size=out.shape)
    t_out, t_dx = _torch_pool(torch, torch.nn.functional.avg_pool2d, x, dout, kw,
                              count_include_pad=count_include_pad)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL64)
    np.testing.assert_allclose(avg_pool2d_backward(dout, cache), t_dx, rtol=0, atol=TOL64)


def test_torch_default_is_count_include_pad_and_ours_too(torch, rng):
    x, kw = _problem(rng, CASES["padding"])
    t_out = torch.nn.functional.avg_pool2d(torch.tensor(x), 3, 2, 1).numpy()
    np.testing.assert_allclose(avg_pool2d_forward(x, 3, 2, 1)[0], t_out, rtol=0, atol=TOL64)


@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 1, 1), (2, 1, 0), ((3, 2), 1, (1, 0))])
def test_ties_send_the_gradient_where_torch_sends_it(torch, rng, kernel, stride, padding):
    """Regression test for the tie rule: integer inputs from {0, 1, 2} make most windows tie.

    PyTorch 2.13 (CPU) gives the whole gradient to the first maximum in row-major order; a
    last-maximum or split-the-gradient rule would fail here."""
    x = rng.integers(0, 3, size=(2, 2, 7, 6)).astype(np.float64)
    kw = {"kernel_size": kernel, "stride": stride, "padding": padding}
    out, cache = max_pool2d_forward(x, **kw)
    dout = rng.normal(size=out.shape)
    t_out, t_dx = _torch_pool(torch, torch.nn.functional.max_pool2d, x, dout, kw)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=0)
    np.testing.assert_allclose(max_pool2d_backward(dout, cache), t_dx, rtol=0, atol=TOL64)


def test_torch_indices_are_the_first_maximum(torch):
    """What the page says, on torch itself: in a constant window torch picks its top-left cell."""
    x = torch.zeros(1, 1, 4, 4)
    _, indices = torch.nn.functional.max_pool2d(x, 2, 2, return_indices=True)
    assert indices.flatten().tolist() == [0, 2, 8, 10]
    out, cache = max_pool2d_forward(np.zeros((1, 1, 4, 4)), 2)
    assert cache["winner"].flatten().tolist() == [0, 0, 0, 0]  # position 0 of each window


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_float32_matches_torch(torch, rng, pool):
    x, kw = _problem(rng, CASES["padding"], np.float32)
    forward, backward = ((max_pool2d_forward, max_pool2d_backward) if pool == "max"
                         else (avg_pool2d_forward, avg_pool2d_backward))
    out, cache = forward(x, **kw)
    dout = rng.normal(size=out.shape).astype(np.float32)
    dx = backward(dout, cache)
    assert out.dtype == dx.dtype == np.float32
    torch.set_default_dtype(torch.float32)
    try:
        fn = getattr(torch.nn.functional, f"{pool}_pool2d")
        t_out, t_dx = _torch_pool(torch, fn, x, dout, kw)
    finally:
        torch.set_default_dtype(torch.float64)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL32 * np.abs(t_out).max())
    np.testing.assert_allclose(dx, t_dx, rtol=0, atol=TOL32 * np.abs(t_dx).max())


def test_non_contiguous_input_matches_torch(torch, rng):
    x = rng.normal(size=(2, 3, 9, 8)).transpose(0, 1, 3, 2)[:, ::-1]
    assert not x.flags.c_contiguous
    kw = {"kernel_size": 3, "stride": 2, "padding": 1}
    for fn, forward, backward in ((torch.nn.functional.max_pool2d, max_pool2d_forward, max_pool2d_backward),
                                  (torch.nn.functional.avg_pool2d, avg_pool2d_forward, avg_pool2d_backward)):
        out, cache = forward(x, **kw)
        dout = rng.normal(size=out.shape)
        t_out, t_dx = _torch_pool(torch, fn, x.copy(), dout, kw)
        np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL64)
        np.testing.assert_allclose(backward(dout, cache), t_dx, rtol=0, atol=TOL64)
