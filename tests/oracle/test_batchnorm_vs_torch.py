"""snippets/batchnorm.py against torch.nn.functional.batch_norm and autograd, in float64.

Conventions: the same as PyTorch's (biased variance to normalize, unbiased variance in running_var,
``momentum`` weighting the new batch). PyTorch updates running_mean/running_var in place; ours returns
them as a new state.
"""

import numpy as np
import pytest

from snippets.batchnorm import (
    batchnorm2d_backward,
    batchnorm2d_forward,
    batchnorm_backward,
    batchnorm_forward,
)

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


# PyTorch's options: momentum=None, affine=False, track_running_stats=False, BatchNorm2d ------------
# Conventions that differ in form only: PyTorch's affine=False is our gamma = beta = None (and our
# backward returns None for their gradients); track_running_stats=False is our state = None;
# num_batches_tracked is a tensor buffer in PyTorch, a Python int in our state.

TOL32 = 1e-5  # float32: a few ulps of accumulated rounding over sums of ~100 values


def _layer(torch, cls, channels, dtype, **options):
    layer = cls(channels, eps=1e-5, **options).to(dtype)
    if layer.affine:  # not the initial ones and zeros: a swapped gamma/beta would show
        with torch.no_grad():
            layer.weight.copy_(torch.linspace(0.5, 2.0, channels))
            layer.bias.copy_(torch.linspace(-1.0, 1.0, channels))
    return layer


def _ours(layer):
    gamma = beta = state = None
    if layer.affine:
        gamma, beta = layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()
    if layer.track_running_stats:
        state = {"running_mean": layer.running_mean.numpy().copy(),
                 "running_var": layer.running_var.numpy().copy(),
                 "num_batches_tracked": int(layer.num_batches_tracked)}
    return gamma, beta, state


def _compare(torch, layer, forward, backward, x, gamma, beta, state, training, momentum, tol):
    """One step through ``layer`` and through ours: output, the three gradients, the new state."""
    layer.train(training)
    tx = torch.tensor(x, requires_grad=True)
    upstream = np.random.default_rng(x.size).normal(size=x.shape).astype(x.dtype)
    tout = layer(tx)
    (tout * torch.tensor(upstream)).sum().backward()
    out, cache, new_state = forward(x, gamma, beta, state, training=training, momentum=momentum)
    dx, dgamma, dbeta = backward(upstream, cache)
    assert out.dtype == dx.dtype == x.dtype
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=tol, atol=tol)
    if layer.affine:
        np.testing.assert_allclose(dgamma, layer.weight.grad.numpy(), rtol=tol, atol=tol * 10)
        np.testing.assert_allclose(dbeta, layer.bias.grad.numpy(), rtol=tol, atol=tol * 10)
        layer.weight.grad = layer.bias.grad = None
    else:
        assert dgamma is None and dbeta is None
    if layer.track_running_stats:
        np.testing.assert_allclose(new_state["running_mean"], layer.running_mean.numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(new_state["running_var"], layer.running_var.numpy(), rtol=tol, atol=tol)
        assert new_state["num_batches_tracked"] == int(layer.num_batches_tracked)
    else:
        assert new_state is None
    return new_state


@pytest.mark.parametrize("momentum", [None, 0.3])
def test_momentum_none_is_torchs_cumulative_average_over_batches_of_2_to_9(torch, rng, momentum):
    """Batches of 2, 9, 3, 2, 5, 4 through nn.BatchNorm1d(momentum=None): the k-th gets weight 1/k.
    The sizes differ, so a size-weighted average or a fixed momentum would drift from PyTorch's."""
    layer = _layer(torch, torch.nn.BatchNorm1d, 4, torch.float64, momentum=momentum)
    gamma, beta, state = _ours(layer)
    for n in (2, 9, 3, 2, 5, 4):
        x = rng.normal(size=(n, 4)) * [0.1, 1.0, 5.0, 30.0] + [3.0, -1.0, 0.0, 7.0]
        state = _compare(torch, layer, batchnorm_forward, batchnorm_backward, x, gamma, beta, state,
                         True, momentum, TOL)
    assert state["num_batches_tracked"] == 6
    x = rng.normal(size=(1, 4))  # eval mode: a batch of one is fine
    _compare(torch, layer, batchnorm_forward, batchnorm_backward, x, gamma, beta, state, False,
             momentum, TOL)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("tracked", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_affine_and_track_running_stats_match_batchnorm1d(torch, rng, affine, tracked, training):
    """track_running_stats=False normalizes with the batch even in eval mode, in both libraries."""
    layer = _layer(torch, torch.nn.BatchNorm1d, 5, torch.float64, affine=affine,
                   track_running_stats=tracked)
    gamma, beta, state = _ours(layer)
    x = rng.normal(size=(6, 5)) * rng.uniform(0.1, 20, 5) + rng.normal(size=5) * 5
    _compare(torch, layer, batchnorm_forward, batchnorm_backward, x, gamma, beta, state, training,
             0.1, TOL)


@pytest.mark.parametrize(("n", "height", "width"), [(4, 3, 5), (1, 2, 3), (2, 1, 1), (3, 7, 2)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm2d_matches_torch_over_several_steps_then_eval(torch, rng, n, height, width, momentum):
    """Five training steps of nn.BatchNorm2d, then eval: outputs, gradients and running statistics,
    each channel over N * H * W values. (1, 2, 3) is a batch of one image; (2, 1, 1) has two values per
    channel, where the unbiased running variance is twice the biased one."""
    layer = _layer(torch, torch.nn.BatchNorm2d, 3, torch.float64, momentum=momentum)
    gamma, beta, state = _ours(layer)
    for _ in range(5):
        scale, shift = np.array([0.5, 2.0, 9.0])[:, None, None], np.array([1.0, -4.0, 0.0])[:, None, None]
        x = rng.normal(size=(n, 3, height, width)) * scale + shift
        state = _compare(torch, layer, batchnorm2d_forward, batchnorm2d_backward, x, gamma, beta, state,
                         True, momentum, TOL)
    x = rng.normal(size=(2, 3, height, width))
    _compare(torch, layer, batchnorm2d_forward, batchnorm2d_backward, x, gamma, beta, state, False,
             momentum, TOL)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("tracked", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm2d_options_match_torch(torch, rng, affine, tracked, training):
    layer = _layer(torch, torch.nn.BatchNorm2d, 4, torch.float64, affine=affine, track_running_stats=tracked)
    gamma, beta, state = _ours(layer)
    x = rng.normal(size=(3, 4, 2, 5)) * 4 + 2
    _compare(torch, layer, batchnorm2d_forward, batchnorm2d_backward, x, gamma, beta, state, training,
             0.1, TOL)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm2d_matches_torch_in_float32(torch, rng, momentum):
    """float32 in both: agreement to TOL32, and our results stay float32."""
    layer = _layer(torch, torch.nn.BatchNorm2d, 3, torch.float32, momentum=momentum)
    gamma, beta, state = _ours(layer)
    assert gamma.dtype == np.float32 and state["running_var"].dtype == np.float32
    for _ in range(4):
        x = (rng.normal(size=(4, 3, 5, 3)) * 3 + 1).astype(np.float32)
        state = _compare(torch, layer, batchnorm2d_forward, batchnorm2d_backward, x, gamma, beta, state,
                         True, momentum, TOL32)
    assert state["running_var"].dtype == np.float32
    x = rng.normal(size=(2, 3, 5, 3)).astype(np.float32)
    _compare(torch, layer, batchnorm2d_forward, batchnorm2d_backward, x, gamma, beta, state, False,
             momentum, TOL32)
