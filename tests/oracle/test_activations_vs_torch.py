"""snippets/activations.py against torch.sigmoid, torch.tanh, relu, leaky_relu and softmax.

Values and gradients (through autograd) in float64, to 1e-12 relative (derivatives: or 1e-15
absolute, see the tanh note below). Conventions: at the kink
z = 0, PyTorch's ReLU gradient is 0 and leaky ReLU's is ``negative_slope``; ours are the same and the
inputs include exact zeros to check it. ``softmax_grad`` is compared with autograd's vector-Jacobian
product for a random upstream gradient.
"""

import numpy as np
import pytest

from snippets.activations import (
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    tanh,
    tanh_grad,
)

RTOL = 1e-12
ATOL_GRAD = 1e-15


def _inputs(rng):
    z = rng.normal(0, 4, size=(16, 9))
    z[0, :3] = 0.0  # the kink of ReLU and leaky ReLU
    z[1, :2] = [-800.0, 800.0]  # far tails: the stable sigmoid must agree there too
    return z


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_values_and_derivatives_match_torch(torch, rng, name):
    ours = {
        "sigmoid": (sigmoid, sigmoid_grad),
        "tanh": (tanh, tanh_grad),
        "relu": (relu, relu_grad),
        "leaky_relu": (lambda z: leaky_relu(z, 0.07), lambda z: leaky_relu_grad(z, 0.07)),
    }[name]
    theirs = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, negative_slope=0.07),
    }[name]
    z = _inputs(rng)
    zt = torch.tensor(z, requires_grad=True)
    out = theirs(zt)
    out.sum().backward()  # elementwise function: the gradient of the sum is the derivative
    np.testing.assert_allclose(ours[0](z), out.detach().numpy(), rtol=RTOL, atol=1e-300)
    # PyTorch's tanh backward computes (1 - y)(1 + y) from the rounded output y: where the derivative is
    # tiny (|z| > 5) that carries an absolute error near 1e-16. Ours is the exact sech^2 form.
    np.testing.assert_allclose(ours[1](z), zt.grad.numpy(), rtol=RTOL, atol=ATOL_GRAD)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_its_backward_match_torch(torch, rng, axis):
    z = rng.normal(0, 5, size=(7, 5))
    z[2, 0] = 700.0  # would overflow exp() without the shift
    upstream = rng.normal(size=z.shape)
    zt = torch.tensor(z, requires_grad=True)
    out = torch.softmax(zt, dim=axis)
    (out * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(softmax(z, axis), out.detach().numpy(), rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(softmax_grad(z, upstream, axis), zt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_float32_values_match_torch_float32(torch, rng):
    """float32 in, float32 out on both sides; agreement to float32 rounding."""
    z = rng.normal(0, 4, size=(8, 8)).astype(np.float32)
    zt = torch.tensor(z)
    np.testing.assert_allclose(sigmoid(z), torch.sigmoid(zt).numpy(), rtol=1e-6)
    np.testing.assert_allclose(softmax(z), torch.softmax(zt, dim=-1).numpy(), rtol=1e-6)
    assert sigmoid(z).dtype == torch.sigmoid(zt).numpy().dtype == np.float32
