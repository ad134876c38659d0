"""snippets/transfer.py against PyTorch's own ways to freeze and fine-tune (torch 2.13).

Conventions: a frozen parameter has requires_grad=False, so backward leaves its .grad None and
torch.optim.SGD / Adam / AdamW skip it (no weight decay, no momentum): it stays bitwise unchanged. Ours
drops its gradient (mask_gradients) and steps the trainable subset. The trainable parameters, with our
gradients (snippets.mlp) and our update (snippets.momentum / snippets.adam on the subset,
discriminative_sgd_step for SGD with one parameter group per rate), follow autograd and torch.optim over
5 steps to float64 rounding, 1e-12. A zeroed gradient is not the same as a frozen
parameter in PyTorch either: AdamW moves it. The new head has torch.nn.Linear's init distribution
(same bound; two-sample Kolmogorov-Smirnov test). Batch norm with frozen affine parameters still
updates its running statistics in train() mode, by (1 - momentum)^k, and not in eval() mode.
"""

import numpy as np
import pytest

from snippets.adam import adam_step, init_adam_state
from snippets.batchnorm import batchnorm_forward
from snippets.mlp import mlp_backward, mlp_forward
from snippets.momentum import init_momentum_state, momentum_step
from snippets.transfer import (
    discriminative_sgd_step,
    freeze,
    layer_learning_rates,
    mask_gradients,
    pretrained_share,
    replace_head,
)
from tests.helpers import make_data, make_params

STEPS = 5
BODY = ["W1", "b1", "W2", "b2"]


def _torch_params(torch, params, trainable):
    return {k: torch.tensor(v.copy(), requires_grad=trainable[k]) for k, v in params.items()}


def _torch_backward(torch, tparams, X, Y):
    """The mean softmax cross-entropy of the MLP, by autograd: frozen parameters keep .grad None."""
    F = torch.nn.functional
    for p in tparams.values():
        p.grad = None
    n_layers = len(tparams) // 2
    a = torch.tensor(X)
    for layer in range(1, n_layers + 1):
        a = F.linear(a, tparams[f"W{layer}"], tparams[f"b{layer}"])
        if layer < n_layers:
            a = F.relu(a)
    F.cross_entropy(a, torch.tensor(Y)).backward()


def _our_grads(params, X, Y, trainable):
    _, cache = mlp_forward(params, X)
    return mask_gradients(mlp_backward(params, cache, Y), trainable)


OPTIMIZERS = {
    "sgd momentum": (lambda torch, ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9),
                     init_momentum_state, lambda p, g, s: momentum_step(p, g, s, lr=0.05, beta=0.9)),
    "adam l2": (lambda torch, ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
                init_adam_state, lambda p, g, s: adam_step(p, g, s, lr=0.01, weight_decay=0.1)),
    "adamw": (lambda torch, ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
              init_adam_state,
              lambda p, g, s: adam_step(p, g, s, lr=0.01, weight_decay=0.1, decoupled=True)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_frozen_parameters_stay_bitwise_unchanged_and_the_others_follow_our_update(torch, rng, name):
    make_optimizer, init, step = OPTIMIZERS[name]
    params = make_params(rng)
    X, Y = make_data(rng, n=9)
    trainable = freeze(params, BODY)
    tparams = _torch_params(torch, params, trainable)
    # All the parameters go to the optimizer, as model.parameters() would: it must skip the frozen ones.
    optimizer = make_optimizer(torch, list(tparams.values()))
    ours, state = dict(params), None
    for _ in range(STEPS):
        grads = _our_grads(ours, X, Y, trainable)
        sub = {k: ours[k] for k in grads}
        state = init(sub) if state is None else state
        updated, state = step(sub, grads, state)
        ours = {**ours, **updated}
        _torch_backward(torch, tparams, X, Y)
        assert all((p.grad is None) == (k in BODY) for k, p in tparams.items())
        optimizer.step()
    for key in BODY:
        assert np.array_equal(tparams[key].detach().numpy(), params[key])
        assert np.array_equal(ours[key], params[key])
    for key in ("W3", "b3"):
        np.testing.assert_allclose(ours[key], tparams[key].detach().numpy(), rtol=1e-12, atol=1e-12)
        assert not np.allclose(ours[key], params[key])


def test_a_zeroed_gradient_is_not_a_frozen_parameter_in_torch_either(torch, rng):
    params = make_params(rng)
    w = torch.tensor(params["W1"].copy(), requires_grad=True)
    optimizer = torch.optim.AdamW([w], lr=0.01, weight_decay=0.1)
    w.grad = torch.zeros_like(w)
    optimizer.step()
    np.testing.assert_allclose(w.detach().numpy(), params["W1"] * (1 - 0.01 * 0.1), rtol=1e-15)


def test_discriminative_sgd_matches_sgd_with_one_parameter_group_per_rate(torch, rng):
    params = make_params(rng)
    X, Y = make_data(rng, n=9)
    trainable = freeze(params, ["W1", "b1"])
    rates = layer_learning_rates(params, 0.1, decay=2.6)
    tparams = _torch_params(torch, params, trainable)
    groups = [{"params": [tparams[f"W{layer}"], tparams[f"b{layer}"]], "lr": rates[f"W{layer}"]}
              for layer in (1, 2, 3)]
    optimizer = torch.optim.SGD(groups, lr=1.0)
    ours = dict(params)
    for _ in range(STEPS):
        ours = discriminative_sgd_step(ours, _our_grads(ours, X, Y, trainable), rates)
        _torch_backward(torch, tparams, X, Y)
        optimizer.step()
    for key, value in ours.items():
        np.testing.assert_allclose(value, tparams[key].detach().numpy(), rtol=1e-12, atol=1e-12)
    assert np.array_equal(ours["W1"], params["W1"]) and np.array_equal(tparams["W1"].detach().numpy(),
                                                                      params["W1"])


def test_the_new_head_has_the_init_distribution_of_torch_nn_linear(torch):
    from scipy.stats import ks_2samp

    torch.manual_seed(0)
    n_in, n_out = 300, 200
    linear = torch.nn.Linear(n_in, n_out)
    params = {"W1": np.ones((n_in, 4)), "b1": np.zeros(n_in), "W2": np.ones((3, n_in)), "b2": np.zeros(3)}
    head = replace_head(params, n_out, np.random.default_rng(0))
    theirs_w, theirs_b = linear.weight.detach().numpy().ravel(), linear.bias.detach().numpy()
    bound = 1 / np.sqrt(n_in)
    for ours, theirs in ((head["W2"].ravel(), theirs_w), (head["b2"], theirs_b)):
        assert np.abs(ours).max() <= bound and np.abs(theirs).max() <= bound
        # Same distribution: the KS test does not reject at the 1% level (seeded, both sides).
        assert ks_2samp(ours, theirs).pvalue > 0.01
    assert np.abs(theirs_w).max() > 0.999 * bound  # torch's bound is 1/sqrt(n_in), not a smaller one
    # And a different distribution is told apart: He-normal weights of the same fan-in.
    he = np.random.default_rng(1).normal(0, np.sqrt(2 / n_in), theirs_w.size)
    assert ks_2samp(he, theirs_w).pvalue < 1e-6


@pytest.mark.parametrize("momentum", [0.1, 0.01])
def test_frozen_affine_parameters_do_not_freeze_the_running_statistics(torch, rng, momentum):
    steps = 20
    bn = torch.nn.BatchNorm1d(3, momentum=momentum)
    mean0, var0 = np.array([0.1, 0.2, -0.3]), np.array([1.0, 1.5, 0.8])
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor(mean0))
        bn.running_var.copy_(torch.tensor(var0))
    for p in bn.parameters():
        p.requires_grad_(False)  # "frozen", yet still in train() mode
    batches = [rng.normal([2.0, -1.0, 0.5], [0.5, 2.0, 1.0], size=(8, 3)) for _ in range(steps)]
    state = {"running_mean": mean0, "running_var": var0}
    gamma, beta = np.ones(3), np.zeros(3)
    bn.train()
    for batch in batches:
        bn(torch.tensor(batch))
        _, _, state = batchnorm_forward(batch, gamma, beta, state, training=True, momentum=momentum)
    np.testing.assert_allclose(bn.running_mean.numpy(), state["running_mean"], rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), state["running_var"], rtol=1e-12)
    # The pre-trained mean keeps (1 - momentum)^steps of its weight: the rest is the batches'.
    rest = sum(momentum * (1 - momentum) ** (steps - 1 - k) * b.mean(axis=0) for k, b in enumerate(batches))
    np.testing.assert_allclose(bn.running_mean.numpy(), pretrained_share(steps, momentum) * mean0 + rest,
                               rtol=1e-12)
    frozen = bn.running_mean.numpy().copy()
    bn.eval()
    for batch in batches:
        bn(torch.tensor(batch))
    assert np.array_equal(bn.running_mean.numpy(), frozen)
