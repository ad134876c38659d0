"""snippets/dropout.py against torch.nn.functional.dropout.

Convention that differs: PyTorch's ``p`` is the drop probability; ours is keep_prob = 1 - p.
The random streams differ, so the comparison is on the mask PyTorch drew: given the same mask,
both must produce the same values (survivors scaled by 1/(1-p)), and the same gradient.
"""

import numpy as np

from snippets.dropout import dropout_backward


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
