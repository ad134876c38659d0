"""snippets/dropout.py against torch.nn.functional.dropout.

Convention that differs: PyTorch's ``p`` is the drop probability; ours is keep_prob = 1 - p.
The random streams differ, so the comparison is on the mask PyTorch drew: given the same mask,
both must produce the same values (survivors scaled by 1/(1-p)), and the same gradient. The same for
channel dropout (``nn.Dropout2d``), whose mask has one value per (example, channel).
"""

import numpy as np
import pytest

from snippets.dropout import dropout2d_backward, dropout_backward


def test_scaling_and_gradient_match_torch(torch, rng):
    p = 0.3
    x = torch.tensor(rng.uniform(0.5, 1.5, size=(64, 128)), requires_grad=True)
    torch.manual_seed(0)
    y = torch.nn.functional.dropout(x, p=p, training=True)
    upstream = torch.tensor(rng.normal(size=(64, 128)))
    (y * upstream).sum().backward()

    mask = (y != 0).numpy()
    ours = x.detach().numpy() * mask / (1 - p)
    np.testing.assert_allclose(ours, y.detach().numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(
        dropout_backward(upstream.numpy(), mask, keep_prob=1 - p), x.grad.numpy(), rtol=1e-12, atol=0
    )
    # PyTorch keeps about 1 - p of the units: our keep_prob is its 1 - p.
    assert abs(mask.mean() - (1 - p)) < 0.02


def test_eval_mode_is_the_identity_in_both(torch, rng):
    from snippets.dropout import dropout_forward

    a = rng.normal(size=(4, 5))
    ours, _ = dropout_forward(a, 0.5, rng, training=False)
    theirs = torch.nn.functional.dropout(torch.tensor(a), p=0.5, training=False).numpy()
    np.testing.assert_array_equal(ours, theirs)


# Channel dropout: nn.Dropout2d(p) against dropout2d_forward(keep_prob = 1 - p). The random streams
# differ, so the comparison is on structure and statistics, and exactly on the values given PyTorch's mask.

def _torch_dropout2d(torch, x, p, upstream, dtype):
    tx = torch.tensor(x, dtype=dtype, requires_grad=True)
    y = torch.nn.Dropout2d(p)(tx)  # a fresh module is in training mode
    (y * torch.tensor(upstream, dtype=dtype)).sum().backward()
    return y.detach().numpy(), tx.grad.numpy()


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-12), ("float32", 1e-6)])
def test_channel_dropout_matches_torch_given_its_channel_mask(torch, rng, dtype, tol):
    p = 0.3
    x = rng.uniform(0.5, 1.5, size=(16, 12, 3, 5)).astype(dtype)  # no zeros; H != W
    upstream = rng.normal(size=x.shape).astype(dtype)
    torch.manual_seed(0)
    y, grad = _torch_dropout2d(torch, x, p, upstream, getattr(torch, dtype))

    # PyTorch's output is constant per channel: each (n, c) map is all zero or all scaled
    dropped = y == 0
    assert np.all(dropped == dropped[:, :, :1, :1])
    mask = ~dropped[:, :, :1, :1]  # PyTorch's channel mask, in our (N, C, 1, 1) form
    assert 0 < mask.sum() < mask.size

    from snippets.dropout import dropout2d_forward

    # With the mask fixed the layer is linear, so our backward applied to x is our forward given that
    # mask: checked first on our own mask, then used with PyTorch's.
    out, own_mask = dropout2d_forward(x, 1 - p, np.random.default_rng(1))
    assert out.dtype == x.dtype and own_mask.shape == mask.shape
    np.testing.assert_array_equal(out, dropout2d_backward(x, own_mask, keep_prob=1 - p))
    np.testing.assert_allclose(dropout2d_backward(x, mask, keep_prob=1 - p), y, rtol=tol, atol=0)
    np.testing.assert_allclose(dropout2d_backward(upstream, mask, keep_prob=1 - p), grad, rtol=tol, atol=0)


def test_channel_dropout_keeps_the_same_share_of_channels_as_torch(torch, rng):
    """keep_prob = 1 - p: both keep about 1 - p of the 64 x 64 channels, within five standard errors."""
    from snippets.dropout import dropout2d_forward

    p, shape = 0.25, (64, 64, 2, 3)
    x = rng.uniform(0.5, 1.5, size=shape)
    torch.manual_seed(1)
    y, _ = _torch_dropout2d(torch, x, p, np.ones(shape), torch.float64)
    _, mask = dropout2d_forward(x, 1 - p, rng)
    bound = 5 * np.sqrt(p * (1 - p) / (64 * 64))
    assert abs((y[:, :, 0, 0] != 0).mean() - (1 - p)) < bound
    assert abs(mask.mean() - (1 - p)) < bound


def test_channel_dropout_is_the_identity_in_eval_mode_in_both(torch, rng):
    from snippets.dropout import dropout2d_forward

    a = rng.normal(size=(2, 3, 4, 5))
    ours, mask = dropout2d_forward(a, 0.5, rng, training=False)
    layer = torch.nn.Dropout2d(0.5).eval()
    np.testing.assert_array_equal(ours, layer(torch.tensor(a)).numpy())
    assert mask is None
