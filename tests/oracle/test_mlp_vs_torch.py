"""snippets/mlp.py against PyTorch autograd with torch.nn.functional, float64, to 1e-10.

Conventions: ``F.linear(a, W, b)`` computes ``a @ W.T + b`` with ``W`` of shape (n_out, n_in), as we do.
For sigmoid outputs our loss sums over the labels and averages over the examples; PyTorch's
``reduction="mean"`` averages over both, so we compare with ``reduction="sum"`` divided by N.
Both frameworks take ReLU'(0) = 0.
"""

import numpy as np
import pytest

from snippets.mlp import mlp_backward, mlp_forward, mlp_loss
from tests.helpers import make_data, make_params

TOL = {"rtol": 1e-10, "atol": 1e-12}


def torch_loss_and_grads(torch, params, X, Y, output, masks=None, keep_prob=1.0):
    """Loss and gradients by autograd; ``masks`` are our dropout masks, applied the same way."""
    F = torch.nn.functional
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    n_layers = len(params) // 2
    a = torch.tensor(X)
    for layer in range(1, n_layers + 1):
        z = F.linear(a, tensors[f"W{layer}"], tensors[f"b{layer}"])
        if layer < n_layers:
            a = F.relu(z)
            if masks is not None:
                a = a * torch.tensor(masks[layer - 1]) / keep_prob
    target = torch.tensor(Y)
    if output == "softmax":
        loss = F.cross_entropy(z, target)  # class-probability targets; mean over the batch
        probs = torch.softmax(z, dim=1)
    else:
        loss = F.binary_cross_entropy_with_logits(z, target, reduction="sum") / X.shape[0]
        probs = torch.sigmoid(z)
    loss.backward()
    return probs.detach().numpy(), loss.item(), {k: t.grad.numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.75])
def test_loss_and_gradients_match_autograd(torch, rng, output, keep_prob):
    params = make_params(rng, sizes=[5, 8, 6, 4])
    X, Y = make_data(rng, n=16, sizes=[5, 8, 6, 4], output=output)
    out, cache = mlp_forward(params, X, output=output, keep_prob=keep_prob, rng=rng)
    grads = mlp_backward(params, cache, Y, output=output)
    masks = [cache["D1"], cache["D2"]] if keep_prob < 1 else None
    probs, loss, torch_grads = torch_loss_and_grads(torch, params, X, Y, output, masks, keep_prob)
    np.testing.assert_allclose(out, probs, **TOL)
    assert mlp_loss(out, Y, output=output) == pytest.approx(loss, rel=1e-10)
    for key in params:
        np.testing.assert_allclose(grads[key], torch_grads[key], err_msg=key, **TOL)


def test_relu_gradient_at_zero_matches_torch(torch):
    """A pre-activation exactly at 0: both take ReLU'(0) = 0."""
    params = {"W1": np.array([[1.5, -2.0], [0.5, 1.0], [-0.7, 0.2]]), "b1": np.array([0.0, 0.25, -0.1]),
              "W2": np.array([[0.7, -1.1, 0.4], [-0.3, 0.9, 0.8]]), "b2": np.array([0.1, -0.2])}
    X = np.array([[0.0, 0.0], [0.3, -1.2]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    _, cache = mlp_forward(params, X)
    assert cache["Z1"][0, 0] == 0.0
    grads = mlp_backward(params, cache, Y)
    _, _, torch_grads = torch_loss_and_grads(torch, params, X, Y, "softmax")
    for key in params:
        np.testing.assert_allclose(grads[key], torch_grads[key], err_msg=key, **TOL)


def test_sigmoid_loss_is_k_times_torch_mean_reduction(torch, rng):
    """The reduction trap: with K labels, PyTorch's default mean is our loss divided by K."""
    params = make_params(rng, sizes=[4, 5, 3])
    X, Y = make_data(rng, n=10, sizes=[4, 5, 3], output="sigmoid")
    out, _ = mlp_forward(params, X, output="sigmoid")
    theirs = torch.nn.functional.binary_cross_entropy(torch.tensor(out), torch.tensor(Y)).item()
    assert mlp_loss(out, Y, output="sigmoid") == pytest.approx(3 * theirs, rel=1e-10)
