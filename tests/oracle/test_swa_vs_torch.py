"""snippets/swa.py against torch.optim.swa_utils (AveragedModel, update_bn), in float64.

Conventions: AveragedModel copies the model at construction and replaces that copy at the first
``update_parameters`` call (n_averaged 0 -> 1); ours does the same with init_swa_state / swa_update.
PyTorch averages with a lerp by 1/(n + 1); ours adds (p - avg)/(n + 1): equal up to rounding.
For the EMA, ``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))`` copies at the first
update and then lerps by 1 - decay (``torch._foreach_lerp_``); ema_update does the same lerp in NumPy,
equal up to rounding (PyTorch's vectorized kernel may fuse the multiply-add).
"""

import numpy as np
import pytest

from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.swa import ema_update, init_swa_state, swa_update

TOL = 1e-12
EMA_TOL = {"float64": 1e-12, "float32": 1e-6}


def test_average_matches_averaged_model_over_several_updates(torch, rng):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    swa_model = torch.optim.swa_utils.AveragedModel(model)
    names = {"0.weight": "W1", "0.bias": "b1", "2.weight": "W2", "2.bias": "b2"}

    def ours_from(m):
        return {names[n]: p.detach().numpy().copy() for n, p in m.named_parameters()}

    state = init_swa_state(ours_from(model))
    for _ in range(9):
        with torch.no_grad():  # stands in for an SGD step: any new weights will do
            for p in model.parameters():
                p.copy_(torch.tensor(rng.normal(size=tuple(p.shape))))
        swa_model.update_parameters(model)
        state = swa_update(state, ours_from(model))
        theirs = {names[n.removeprefix("module.")]: p.detach().numpy()
                  for n, p in swa_model.named_parameters()}
        for key, value in state["averaged"].items():
            np.testing.assert_allclose(value, theirs[key], rtol=TOL, atol=TOL)
        assert state["n_averaged"] == int(swa_model.n_averaged)


def test_bn_recomputation_matches_update_bn(torch, rng):
    """update_bn resets the statistics and uses a cumulative average; ours uses momentum 1/k for batch k."""
    features = 3
    layer = torch.nn.BatchNorm1d(features).double()
    with torch.no_grad():  # stale statistics, as after weight averaging
        layer.running_mean.fill_(5.0)
        layer.running_var.fill_(0.1)
    batches = [rng.normal(-1.0, 2.0, size=(12, features)) for _ in range(5)]
    torch.optim.swa_utils.update_bn([torch.tensor(x) for x in batches], layer)

    gamma, beta, state = init_batchnorm(features)
    for k, x in enumerate(batches, start=1):
        _, _, state = batchnorm_forward(x, gamma, beta, state, momentum=1.0 / k)
    np.testing.assert_allclose(state["running_mean"], layer.running_mean.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(state["running_var"], layer.running_var.numpy(), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ema_matches_averaged_model_with_get_ema_multi_avg_fn(torch, rng, dtype):
    tdtype = getattr(torch, dtype)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2)).to(tdtype)
    ema_model = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.9))
    names = {"0.weight": "W1", "0.bias": "b1", "2.weight": "W2", "2.bias": "b2"}

    def ours_from(m):
        return {names[n]: p.detach().numpy().copy() for n, p in m.named_parameters()}

    state = init_swa_state(ours_from(model))
    for _ in range(9):
        with torch.no_grad():  # stands in for an SGD step: any new weights will do
            for p in model.parameters():
                p.copy_(torch.tensor(rng.normal(size=tuple(p.shape))))
        ema_model.update_parameters(model)
        state = ema_update(state, ours_from(model), 0.9)
        theirs = {names[n.removeprefix("module.")]: p.detach().numpy()
                  for n, p in ema_model.named_parameters()}
        for key, value in state["averaged"].items():
            assert value.dtype == theirs[key].dtype == np.dtype(dtype)
            np.testing.assert_allclose(value, theirs[key], rtol=EMA_TOL[dtype], atol=EMA_TOL[dtype])
        assert state["n_averaged"] == int(ema_model.n_averaged)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("decay", [0.5, 0.25])
def test_ema_with_new_weight_at_least_one_half_is_bitwise_torchs_lerp(torch, rng, dtype, decay):
    """For weight w = 1 - decay >= 0.5 torch.lerp computes p - (p - avg) * (1 - w), with no fused
    multiply-add, and so does ema_update: bit for bit. At w = 0.5 exactly the other branch,
    avg + w * (p - avg), differs in the last bit on about a third of the entries (checked below),
    so this separates ``w < 0.5`` from ``w <= 0.5`` (mutation testing found the gap)."""
    tdtype = getattr(torch, dtype)
    model = torch.nn.Linear(50, 40).to(tdtype)
    ema_model = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay))
    state = init_swa_state({"w": model.weight.detach().numpy().copy()})
    for _ in range(3):
        with torch.no_grad():
            model.weight.copy_(torch.tensor(rng.normal(size=(40, 50))))
        before = state["averaged"]["w"]
        p = model.weight.detach().numpy().copy()
        ema_model.update_parameters(model)
        state = ema_update(state, {"w": p}, decay)
        theirs = ema_model.module.weight.detach().numpy()
        assert np.array_equal(state["averaged"]["w"], theirs)
    w = before.dtype.type(1 - decay)
    assert np.count_nonzero(before + w * (p - before) != theirs) > 100, "the case does not separate"
