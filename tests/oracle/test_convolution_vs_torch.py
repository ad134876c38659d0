"""snippets/convolution.py against torch.nn.functional.conv2d and its autograd.

Conventions: the same as PyTorch's (NCHW, weight (C_out, C_in / groups, kH, kW), cross-correlation:
the kernel is not flipped, zero padding, output size rounded down). PyTorch also accepts
``padding="same"``/``"valid"`` and other padding modes (in ``nn.Conv2d``); ours takes integers, zeros only.
Float64 at 1e-10; float32 at 1e-4 relative to the output's scale (sums of up to 144 products).
"""

import numpy as np
import pytest

from snippets.convolution import conv2d_backward, conv2d_forward, conv2d_param_count
from tests.helpers import load_figure_module

TOL64 = 1e-10
TOL32 = 1e-4

# (N, C_in, C_out, H, W, (kH, kW), stride, padding, dilation, groups): each case can separate a bug
CASES = {
    "non-square kernel and input": (2, 3, 4, 7, 10, (3, 2), 1, 0, 1, 1),
    "stride that does not divide": (2, 2, 3, 8, 9, (3, 3), 2, 0, 1, 1),  # (8-3)/2, (9-3)/2
    "per-axis stride and padding": (2, 3, 2, 9, 7, (3, 3), (2, 3), (1, 2), 1, 1),
    "dilation": (2, 2, 3, 9, 11, (3, 3), 1, 2, (2, 3), 1),
    "depthwise (groups = C_in)": (2, 4, 4, 6, 6, (3, 3), 1, 1, 1, 4),
    "depthwise with multiplier 2": (2, 3, 6, 5, 6, (3, 3), 1, 1, 1, 3),
    "two groups": (2, 4, 6, 6, 5, (2, 3), 1, 1, 1, 2),
    "batch of 1, odd sizes": (1, 3, 5, 7, 5, (5, 3), 3, 2, 1, 1),
    "1x1 kernel": (3, 5, 2, 4, 3, (1, 1), 1, 0, 1, 1),
    "kernel as large as the input": (2, 2, 3, 4, 5, (4, 5), 1, 0, 1, 1),
    "everything at once": (2, 6, 4, 11, 9, (3, 2), (2, 1), (1, 0), (2, 2), 2),
}


def _problem(rng, case, dtype=np.float64):
    n, c_in, c_out, h, w, kernel, stride, padding, dilation, groups = case
    x = rng.normal(size=(n, c_in, h, w)).astype(dtype)
    weight = rng.normal(size=(c_out, c_in // groups, *kernel)).astype(dtype)
    bias = rng.normal(size=c_out).astype(dtype)
    return x, weight, bias, {"stride": stride, "padding": padding, "dilation": dilation,
                             "groups": groups}


def _torch_conv(torch, x, weight, bias, dout, kw):
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    out = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_values_and_gradients_match_torch(torch, rng, name):
    x, weight, bias, kw = _problem(rng, CASES[name])
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dout = rng.normal(size=out.shape)
    t_out, t_dx, t_dw, t_db = _torch_conv(torch, x, weight, bias, dout, kw)
    assert out.shape == t_out.shape
    np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL64)
    dx, dw, db = conv2d_backward(dout, cache)
    np.testing.assert_allclose(dx, t_dx, rtol=0, atol=TOL64)
    np.testing.assert_allclose(dw, t_dw, rtol=0, atol=TOL64)
    np.testing.assert_allclose(db, t_db, rtol=0, atol=TOL64)


@pytest.mark.parametrize("name", ["non-square kernel and input", "depthwise (groups = C_in)",
                                  "everything at once"])
def test_float32_values_and_gradients_match_torch(torch, rng, name):
    x, weight, bias, kw = _problem(rng, CASES[name], np.float32)
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dout = rng.normal(size=out.shape).astype(np.float32)
    dx, dw, db = conv2d_backward(dout, cache)
    assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(np.float32)}
    torch.set_default_dtype(torch.float32)
    try:
        expected = _torch_conv(torch, x, weight, bias, dout, kw)
    finally:
        torch.set_default_dtype(torch.float64)
    for ours, theirs in zip((out, dx, dw, db), expected, strict=True):
        assert theirs.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL32 * np.abs(theirs).max())


def test_non_contiguous_inputs_match_torch(torch, rng):
    """A transposed input and a sliced weight: views with unusual strides, not copies."""
    x_big = rng.normal(size=(2, 3, 9, 8))
    x = x_big.transpose(0, 1, 3, 2)[:, :, ::1, 1:]  # (2, 3, 8, 8), neither C- nor F-contiguous
    weight = rng.normal(size=(8, 3, 3, 5))[::2, :, :, ::2]  # (4, 3, 3, 3)
    assert not x.flags.c_contiguous and not weight.flags.c_contiguous
    bias = rng.normal(size=4)
    kw = {"stride": 2, "padding": 1, "dilation": 1, "groups": 1}
    out, cache = conv2d_forward(x, weight, bias, **kw)
    dout = rng.normal(size=out.shape)[..., ::-1]  # a negative-stride upstream gradient
    t_out, t_dx, t_dw, t_db = _torch_conv(torch, x.copy(), weight.copy(), bias, dout.copy(), kw)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL64)
    for ours, theirs in zip(conv2d_backward(dout, cache), (t_dx, t_dw, t_db), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL64)


def test_no_bias_matches_torch_without_bias(torch, rng):
    x, weight, _, kw = _problem(rng, CASES["two groups"])
    out, cache = conv2d_forward(x, weight, None, **kw)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    t_out = torch.nn.functional.conv2d(tx, tw, None, **kw)
    dout = rng.normal(size=out.shape)
    t_out.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=0, atol=TOL64)
    dx, dw, db = conv2d_backward(dout, cache)
    assert db is None
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=0, atol=TOL64)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=0, atol=TOL64)


@pytest.mark.parametrize("c_in, c_out, kernel, groups, bias",
                         [(16, 32, 3, 1, True), (64, 256, 1, 1, False), (32, 32, 3, 32, False),
                          (12, 18, (5, 3), 3, True), (3, 7, (1, 7), 1, True)])
def test_parameter_count_matches_torch_modules(torch, c_in, c_out, kernel, groups, bias):
    layer = torch.nn.Conv2d(c_in, c_out, kernel, groups=groups, bias=bias)
    expected = sum(p.numel() for p in layer.parameters())
    assert conv2d_param_count(c_in, c_out, kernel, groups=groups, bias=bias) == expected


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")  # torch's note on a copy
def test_torch_same_padding_puts_the_extra_zero_at_the_end(torch, rng):
    """padding="same" with an even kernel (not in our snippet): PyTorch pads d(k-1) zeros in all,
    floor of half before, the rest after: for k = 2 none on top and left, one at the bottom and right."""
    x = rng.normal(size=(1, 2, 7, 6))
    weight = rng.normal(size=(3, 2, 2, 4))  # kH 2: 0 before, 1 after; kW 4: 1 before, 2 after
    t_out = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(weight), padding="same").numpy()
    padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2)))
    out, _ = conv2d_forward(padded, weight)
    assert out.shape == t_out.shape == (1, 3, 7, 6)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=TOL64)


@pytest.mark.parametrize("channels", [64, 128, 256, 512])
def test_block_weights_match_torch_modules(torch, channels):
    """The architectures page's four blocks built from torch.nn.Conv2d (no biases), counted by torch."""
    c, r, nn = channels, channels // 4, torch.nn
    blocks = [nn.Conv2d(c, c, 3, bias=False),
              nn.Sequential(nn.Conv2d(c, r, 1, bias=False), nn.Conv2d(r, c, 3, bias=False)),
              nn.Sequential(nn.Conv2d(c, r, 1, bias=False), nn.Conv2d(r, r, 3, bias=False),
                            nn.Conv2d(r, c, 1, bias=False)),
              nn.Sequential(nn.Conv2d(c, c, 3, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False))]
    expected = [sum(p.numel() for p in block.parameters()) for block in blocks]
    assert list(load_figure_module("architectures").block_weights(c).values()) == expected
