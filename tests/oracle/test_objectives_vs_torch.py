"""snippets/objectives.py against torch.nn.MSELoss, BCEWithLogitsLoss and CrossEntropyLoss.

Values and gradients with respect to the prediction / logits (autograd), float64, to 1e-10 relative.
Conventions: PyTorch's default ``reduction="mean"`` averages over every element for MSELoss and
BCEWithLogitsLoss (N*K terms for multi-label targets) and over the N examples for CrossEntropyLoss;
ours does the same, and ``"sum"`` is checked too. CrossEntropyLoss takes logits and class indices (or
class probabilities), as ours does.
"""

import numpy as np
import pytest

from snippets.objectives import (
    bce_with_logits,
    bce_with_logits_grad,
    mse,
    mse_grad,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
)

RTOL = 1e-10


def _torch_loss_and_grad(torch, loss_fn, pred, target):
    pt = torch.tensor(pred, requires_grad=True)
    loss = loss_fn(pt, torch.tensor(target))
    loss.backward()
    return loss.item(), pt.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_matches_torch(torch, rng, reduction):
    y_pred, y_true = rng.normal(size=(12, 3)), rng.normal(size=(12, 3))
    loss, grad = _torch_loss_and_grad(torch, torch.nn.MSELoss(reduction=reduction), y_pred, y_true)
    assert mse(y_pred, y_true, reduction) == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(mse_grad(y_pred, y_true, reduction), grad, rtol=RTOL)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("soft", [False, True], ids=["0/1 targets", "soft targets"])
def test_bce_with_logits_matches_torch(torch, rng, reduction, soft):
    """Multi-label shape (N, K), logits up to +-60 so that the naive formula would lose precision."""
    z = rng.normal(0, 15, size=(10, 4))
    z[0, :2] = [-60.0, 60.0]
    y = rng.uniform(size=z.shape) if soft else (rng.random(z.shape) < 0.5).astype(float)
    loss, grad = _torch_loss_and_grad(torch, torch.nn.BCEWithLogitsLoss(reduction=reduction), z, y)
    assert bce_with_logits(z, y, reduction) == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(bce_with_logits_grad(z, y, reduction), grad, rtol=RTOL, atol=1e-300)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_cross_entropy_matches_torch(torch, rng, reduction):
    z = rng.normal(0, 5, size=(9, 6))
    z[3, 2] = 900.0  # overflow without the log-sum-exp shift
    labels = rng.integers(0, 6, size=9)
    pt = torch.tensor(z, requires_grad=True)
    loss = torch.nn.CrossEntropyLoss(reduction=reduction)(pt, torch.tensor(labels))
    loss.backward()
    assert softmax_cross_entropy(z, labels, reduction) == pytest.approx(loss.item(), rel=RTOL)
    np.testing.assert_allclose(softmax_cross_entropy_grad(z, labels, reduction), pt.grad.numpy(),
                               rtol=RTOL, atol=1e-300)


def test_softmax_cross_entropy_with_probability_targets_matches_torch(torch, rng):
    z = rng.normal(0, 2, size=(5, 4))
    p = rng.dirichlet(np.ones(4), size=5)
    loss, grad = _torch_loss_and_grad(torch, torch.nn.CrossEntropyLoss(), z, p)
    assert softmax_cross_entropy(z, p) == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(softmax_cross_entropy_grad(z, p), grad, rtol=RTOL, atol=1e-300)
