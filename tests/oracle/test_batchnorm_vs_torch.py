"""snippets/batchnorm.py against torch.nn.functional.batch_norm and autograd, in float64.

Conventions: the same as PyTorch's (biased variance to normalize, unbiased variance in running_var,
``momentum`` weighting the new batch). PyTorch updates running_mean/running_var in place; ours returns
them as a new state.
"""

import numpy as np
import pytest

from snippets.batchnorm import batchnorm_backward, batchnorm_forward

TOL = 1e-10


def _inputs(rng, n=16, features=6):
    x = rng.normal(size=(n, features)) * rng.uniform(0.1, 20, features) + rng.normal(size=features) * 5
    gamma, beta = rng.uniform(0.5, 2.0, features), rng.normal(size=features)
    state = {"running_mean": rng.normal(size=features), "running_var": rng.uniform(0.5, 2.0, features)}
    return x, gamma, beta, state


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.35])
def test_values_gradients_and_running_stats_match_torch(torch, rng, training, momentum):
    x, gamma, beta, state = _inputs(rng)
    upstream = rng.normal(size=x.shape)

    tx = torch.tensor(x, requires_grad=True)
    tgamma = torch.tensor(gamma, requires_grad=True)
    tbeta = torch.tensor(beta, requires_grad=True)
    t_mean = torch.tensor(state["running_mean"])  # updated in place by PyTorch
    t_var = torch.tensor(state["running_var"])
    tout = torch.nn.functional.batch_norm(tx, t_mean, t_var, tgamma, tbeta, training=training,
                                          momentum=momentum, eps=1e-5)
    (tout * torch.tensor(upstream)).sum().backward()

    out, cache, new_state = batchnorm_forward(x, gamma, beta, state, training=training,
                                              momentum=momentum, eps=1e-5)
    dx, dgamma, dbeta = batchnorm_backward(upstream, cache)

    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(new_state["running_mean"], t_mean.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(new_state["running_var"], t_var.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(dgamma, tgamma.grad.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(dbeta, tbeta.grad.numpy(), rtol=TOL, atol=TOL)


def test_running_stats_match_batchnorm1d_over_many_batches(torch, rng):
    """Twenty training batches through nn.BatchNorm1d, then eval: the running stats and eval outputs agree."""
    features = 4
    layer = torch.nn.BatchNorm1d(features, momentum=0.2, eps=1e-5).double()
    layer.train()
    gamma, beta = np.ones(features), np.zeros(features)
    state = {"running_mean": np.zeros(features), "running_var": np.ones(features)}
    for _ in range(20):
        x = rng.normal(3.0, 2.0, size=(8, features))
        layer(torch.tensor(x))
        _, _, state = batchnorm_forward(x, gamma, beta, state, momentum=0.2, eps=1e-5)
    np.testing.assert_allclose(state["running_mean"], layer.running_mean.numpy(), rtol=TOL, atol=TOL)
    # PyTorch's running_var uses the unbiased estimate: a biased update would differ by about 1/8 here.
    np.testing.assert_allclose(state["running_var"], layer.running_var.numpy(), rtol=TOL, atol=TOL)

    layer.eval()
    x = rng.normal(3.0, 2.0, size=(5, features))
    out, _, _ = batchnorm_forward(x, gamma, beta, state, training=False, eps=1e-5)
    with torch.no_grad():
        np.testing.assert_allclose(out, layer(torch.tensor(x)).numpy(), rtol=TOL, atol=TOL)
