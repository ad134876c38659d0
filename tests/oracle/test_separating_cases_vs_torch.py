"""Oracle cases chosen to separate right from almost-right, against torch==2.13.0.

The other oracle tests compare typical inputs, where several plausible bugs still agree with PyTorch.
Each case here is one that a specific almost-right implementation gets wrong:

- batch norm with batches of 2: the running variance is updated with the unbiased variance (divide by
  N - 1 = 1), twice the biased one, so a biased update is off by a factor of 2; a batch of 1 has no
  variance, and both sides refuse it in training mode;
- the in-place, blocked optimizer steps on element counts around the block size (1, BLOCK - 1,
  BLOCK + 1, 2 * BLOCK + 17): a loop that drops or double-counts the last partial block, or a scratch
  buffer sized for the first block only, fails;
- float32 as well as float64, the dtype kept on our side (no silent upcast);
- non-contiguous inputs (strided and transposed views), which a flat reshape or a raw-buffer loop
  would read in the wrong order;
- weights whose fan_in differs from fan_out, built by ``init_params``: swapped fans change the scale;
- NaN: PyTorch propagates it silently; ours refuses it with a ValueError, and the in-place steps
  refuse it before writing anything (a NaN in the last block leaves the first blocks untouched).

Tolerances: float64 1e-10 relative (1e-12 absolute); float32 2e-6 relative and 1e-6 absolute, about
eight float32 ulps at the weights' scale of 1, because PyTorch orders the arithmetic differently
(``lr / bias1`` first, for Adam), so a weight that ends near 0 keeps the rounding of its larger past.
"""

import math

import numpy as np
import pytest

from snippets import activations, adam, batchnorm, initialization, mlp, momentum, objectives

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-6, atol=1e-6)}
SIZES = [1, adam.BLOCK - 1, adam.BLOCK + 1, 2 * adam.BLOCK + 17]
assert adam.BLOCK == momentum.BLOCK


def _tdtype(torch, dtype):
    return torch.float32 if dtype == np.float32 else torch.float64


# ---------------------------------------------------------------- batch norm: batches of 1 and 2

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum_", [0.1, 0.5, 1.0])
def test_batch_of_two_updates_running_var_with_the_unbiased_variance(torch, rng, dtype, momentum_):
    x = rng.normal(2.0, 3.0, size=(2, 5)).astype(dtype)
    gamma, beta = rng.uniform(0.5, 2, 5).astype(dtype), rng.normal(size=5).astype(dtype)
    state = {"running_mean": rng.normal(size=5).astype(dtype),
             "running_var": rng.uniform(0.5, 2, 5).astype(dtype)}
    t_mean = torch.tensor(state["running_mean"])
    t_var = torch.tensor(state["running_var"])
    t_out = torch.nn.functional.batch_norm(torch.tensor(x), t_mean, t_var, torch.tensor(gamma),
                                           torch.tensor(beta), training=True, momentum=momentum_,
                                           eps=1e-5)
    out, _, new = batchnorm.batchnorm_forward(x, gamma, beta, state, momentum=momentum_)
    assert out.dtype == new["running_var"].dtype == dtype
    np.testing.assert_allclose(out, t_out.numpy(), **TOL[dtype])
    np.testing.assert_allclose(new["running_mean"], t_mean.numpy(), **TOL[dtype])
    np.testing.assert_allclose(new["running_var"], t_var.numpy(), **TOL[dtype])
    # The case has teeth: with N = 2 the biased variance is half the unbiased one.
    biased = (1 - momentum_) * state["running_var"] + momentum_ * x.var(axis=0)
    assert not np.allclose(biased, t_var.numpy(), rtol=1e-3)


def test_batch_of_one_is_refused_in_training_and_normalized_in_eval_as_in_torch(torch, rng):
    x = rng.normal(size=(1, 4))
    gamma, beta, state = batchnorm.init_batchnorm(4)
    state = {"running_mean": rng.normal(size=4), "running_var": rng.uniform(0.5, 2, 4)}
    with pytest.raises(ValueError):  # "Expected more than 1 value per channel when training"
        torch.nn.functional.batch_norm(torch.tensor(x), torch.zeros(4), torch.ones(4), training=True)
    with pytest.raises(ValueError, match="at least 2 rows in training mode"):
        batchnorm.batchnorm_forward(x, gamma, beta, state, training=True)
    out, _, _ = batchnorm.batchnorm_forward(x, gamma, beta, state, training=False)
    t_out = torch.nn.functional.batch_norm(torch.tensor(x), torch.tensor(state["running_mean"]),
                                           torch.tensor(state["running_var"]), training=False)
    np.testing.assert_allclose(out, t_out.numpy(), **TOL[np.float64])


@pytest.mark.parametrize("view", ["strided", "transposed"])
def test_batchnorm_of_a_non_contiguous_batch_matches_torch(torch, rng, view):
    base = rng.normal(1.0, 2.0, size=(6, 10))
    x = base[:, ::2] if view == "strided" else base.T[:5].T  # both (6, 5), neither C-contiguous
    assert not x.flags.c_contiguous
    gamma, beta, state = batchnorm.init_batchnorm(5)
    upstream = rng.normal(size=(6, 5))
    tx = torch.tensor(x, requires_grad=True)
    t_var = torch.ones(5)
    t_out = torch.nn.functional.batch_norm(tx, torch.zeros(5), t_var, torch.ones(5), torch.zeros(5),
                                           training=True)
    (t_out * torch.tensor(upstream)).sum().backward()
    out, cache, new = batchnorm.batchnorm_forward(x, gamma, beta, state)
    dx, _, _ = batchnorm.batchnorm_backward(upstream, cache)
    np.testing.assert_allclose(out, t_out.detach().numpy(), **TOL[np.float64])
    np.testing.assert_allclose(new["running_var"], t_var.numpy(), **TOL[np.float64])
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL[np.float64])


# ---------------------------------------------------------------- in-place steps around the block size

def _adam_torch(torch, w, grads, dtype, **hyper):
    decoupled = hyper.pop("decoupled")
    tw = torch.tensor(w, dtype=_tdtype(torch, dtype), requires_grad=True)
    optimizer = (torch.optim.AdamW if decoupled else torch.optim.Adam)([tw], **hyper)
    for g in grads:
        tw.grad = torch.tensor(g)
        optimizer.step()
    return tw.detach().numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_inplace_on_partial_blocks_matches_torch(torch, rng, size, dtype, decoupled):
    w = rng.normal(size=size).astype(dtype)
    grads = [rng.normal(size=size).astype(dtype) * 10.0**k for k in (-2, 0, 1)]
    hyper = dict(lr=0.01, weight_decay=0.1, decoupled=decoupled)
    fast = {"w": w.copy()}
    state = adam.init_adam_state(fast)
    readable, readable_state = {"w": w.copy()}, adam.init_adam_state(fast)
    for g in grads:
        adam.adam_step_inplace(fast, {"w": g}, state, **hyper)
        readable, readable_state = adam.adam_step(readable, {"w": g}, readable_state, **hyper)
    assert fast["w"].dtype == dtype
    np.testing.assert_array_equal(fast["w"], readable["w"])  # the same operations, bit for bit
    betas = {"betas": (0.9, 0.999), "eps": 1e-8}
    theirs = _adam_torch(torch, w, grads, dtype, **hyper, **betas)
    np.testing.assert_allclose(fast["w"], theirs, **TOL[dtype])
    # Every element moved, the last one (in the last, partial block) included.
    assert np.all(fast["w"] != w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kwargs", [dict(beta=0.9), dict(beta=0.9, nesterov=True),
                                    dict(beta=0.8, dampening=0.3)], ids=["plain", "nesterov", "damped"])
def test_momentum_inplace_on_partial_blocks_matches_torch(torch, rng, size, dtype, kwargs):
    w = rng.normal(size=size).astype(dtype)
    grads = [rng.normal(size=size).astype(dtype) for _ in range(3)]
    fast = {"w": w.copy()}
    state = momentum.init_momentum_state(fast)
    for g in grads:
        momentum.momentum_step_inplace(fast, {"w": g}, state, lr=0.1, **kwargs)
    tw = torch.tensor(w, dtype=_tdtype(torch, dtype), requires_grad=True)
    sgd = {"momentum" if k == "beta" else k: v for k, v in kwargs.items()}
    optimizer = torch.optim.SGD([tw], lr=0.1, **sgd)
    for g in grads:
        tw.grad = torch.tensor(g)
        optimizer.step()
    assert fast["w"].dtype == dtype
    np.testing.assert_allclose(fast["w"], tw.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(state["velocity"]["w"],
                               optimizer.state[tw]["momentum_buffer"].numpy(), **TOL[dtype])


# ---------------------------------------------------------------- non-contiguous inputs, float32

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_and_momentum_on_non_contiguous_params_match_torch(torch, rng, dtype):
    big = rng.normal(size=(6, 8)).astype(dtype)
    params = {"W": big[::2, 1::2], "b": big.T[0]}  # strided views: (3, 4) and (6,)
    grads = {"W": rng.normal(size=(4, 3)).astype(dtype).T, "b": rng.normal(size=(12,))[::2].astype(dtype)}
    assert not any(a.flags.c_contiguous for a in (params["W"], grads["W"], params["b"]))
    new, _ = adam.adam_step(params, grads, adam.init_adam_state(params), lr=0.01, weight_decay=0.1,
                            decoupled=True)
    new_m, _ = momentum.momentum_step(params, grads, momentum.init_momentum_state(params), lr=0.1,
                                      nesterov=True)
    for key in params:
        tw = torch.tensor(params[key], requires_grad=True)
        tw.grad = torch.tensor(grads[key])
        torch.optim.AdamW([tw], lr=0.01, weight_decay=0.1).step()
        np.testing.assert_allclose(new[key], tw.detach().numpy(), **TOL[dtype])
        tw = torch.tensor(params[key], requires_grad=True)
        tw.grad = torch.tensor(grads[key])
        torch.optim.SGD([tw], lr=0.1, momentum=0.9, nesterov=True).step()
        np.testing.assert_allclose(new_m[key], tw.detach().numpy(), **TOL[dtype])
        assert new[key].dtype == new_m[key].dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_and_losses_of_transposed_logits_match_torch(torch, rng, dtype):
    logits = rng.normal(0, 3, size=(5, 7)).astype(dtype).T  # (7, 5), Fortran-ordered
    labels = rng.integers(0, 5, 7)
    targets = (rng.random((5, 7)) < 0.5).astype(dtype).T
    tz = torch.tensor(np.ascontiguousarray(logits), requires_grad=True)
    np.testing.assert_allclose(activations.softmax(logits, axis=1),
                               torch.softmax(tz, dim=1).detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(activations.softmax(logits, axis=0),
                               torch.softmax(tz, dim=0).detach().numpy(), **TOL[dtype])
    t_ce = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
    t_ce.backward()
    assert objectives.softmax_cross_entropy(logits, labels) == pytest.approx(float(t_ce.detach()), rel=1e-6)
    np.testing.assert_allclose(objectives.softmax_cross_entropy_grad(logits, labels), tz.grad.numpy(),
                               **TOL[dtype])
    t_bce = torch.nn.functional.binary_cross_entropy_with_logits(tz.detach(), torch.tensor(targets))
    assert objectives.bce_with_logits(logits, targets) == pytest.approx(float(t_bce), rel=1e-6)


def test_mlp_forward_on_a_fortran_ordered_batch_matches_torch(torch, rng):
    params = initialization.init_params([6, 9, 4], "he", rng)
    params = {k: v + rng.normal(0, 0.1, v.shape) for k, v in params.items()}
    X = np.asfortranarray(rng.normal(size=(5, 6)))
    out, _ = mlp.mlp_forward(params, X)
    tX = torch.tensor(np.ascontiguousarray(X))
    hidden = torch.relu(tX @ torch.tensor(params["W1"]).T + torch.tensor(params["b1"]))
    expected = torch.softmax(hidden @ torch.tensor(params["W2"]).T + torch.tensor(params["b2"]), dim=1)
    np.testing.assert_allclose(out, expected.numpy(), **TOL[np.float64])


# ---------------------------------------------------------------- fan_in != fan_out through init_params

@pytest.mark.parametrize("method", ["he_uniform", "xavier_uniform"])
def test_init_params_of_non_square_layers_has_torchs_bounds(torch, rng, method):
    """Layers 20 -> 700 -> 3: each W is (n_out, n_in) with very unequal fans, as in nn.Linear."""
    params = initialization.init_params([20, 700, 3], method, rng)
    for key in ("W1", "W2"):
        w = torch.empty(params[key].shape, dtype=torch.float64)
        torch.manual_seed(0)
        if method == "he_uniform":
            torch.nn.init.kaiming_uniform_(w, nonlinearity="relu")
        else:
            torch.nn.init.xavier_uniform_(w)
        n = w.numel()
        bound = float(w.abs().max())
        # The largest |w| of n uniform draws lies within bound * 20 / n of the bound with probability
        # 1 - exp(-20): the two maxima agree to that, while swapped fans would change He's bound by
        # sqrt(35) or more (Xavier's depends on fan_in + fan_out only).
        assert abs(np.abs(params[key]).max() - bound) < bound * 20 / n + 1e-12
        if method == "he_uniform":
            fan_out = params[key].shape[0]
            assert abs(math.sqrt(6 / fan_out) - bound) > 0.5 * bound


# ---------------------------------------------------------------- NaN: PyTorch propagates, we refuse

def test_nan_gradients_propagate_in_torch_and_are_refused_by_every_step(torch, rng):
    w = rng.normal(size=2 * adam.BLOCK + 17)
    g = rng.normal(size=w.size)
    g[-1] = np.nan  # in the last, partial block: a check made block by block would come too late
    tw = torch.tensor(w.copy(), requires_grad=True)
    tw.grad = torch.tensor(g)
    torch.optim.AdamW([tw]).step()
    assert torch.isnan(tw).any()  # PyTorch: silently NaN
    for step in (adam.adam_step, adam.adam_step_inplace):
        params = {"w": w.copy()}
        state = adam.init_adam_state(params)
        with pytest.raises(ValueError, match=r"grads\['w'\] must be finite"):
            step(params, {"w": g}, state, decoupled=True)
        np.testing.assert_array_equal(params["w"], w)  # nothing was written
        assert not state["m"]["w"].any() and state["t"] == 0
    for step in (momentum.momentum_step, momentum.momentum_step_inplace):
        params = {"w": w.copy()}
        state = momentum.init_momentum_state(params)
        with pytest.raises(ValueError, match=r"grads\['w'\] must be finite"):
            step(params, {"w": g}, state, lr=0.1)
        np.testing.assert_array_equal(params["w"], w)
        assert state["step"] == 0


def test_nan_in_optimizer_state_is_refused_not_carried_on(torch, rng):
    params = {"w": rng.normal(size=adam.BLOCK + 1)}
    grads = {"w": rng.normal(size=params["w"].size)}
    state = adam.init_adam_state(params)
    state["s"]["w"][-1] = np.nan
    for step in (adam.adam_step, adam.adam_step_inplace):
        with pytest.raises(ValueError, match=r"state\['s'\]\['w'\] must be finite"):
            step({"w": params["w"].copy()}, grads, state)
    state = momentum.init_momentum_state(params)
    state["velocity"]["w"][0] = np.inf
    state["step"] = 1
    for step in (momentum.momentum_step, momentum.momentum_step_inplace):
        with pytest.raises(ValueError, match=r"state\['velocity'\]\['w'\] must be finite"):
            step({"w": params["w"].copy()}, grads, state, lr=0.1)


def test_nan_inputs_propagate_in_torch_and_are_refused_by_layers_and_losses(torch, rng):
    x = rng.normal(size=(4, 3))
    x[2, 1] = np.nan
    t_out = torch.nn.functional.batch_norm(torch.tensor(x), torch.zeros(3), torch.ones(3), training=True)
    assert torch.isnan(t_out).any()
    gamma, beta, state = batchnorm.init_batchnorm(3)
    with pytest.raises(ValueError, match="x must be finite"):
        batchnorm.batchnorm_forward(x, gamma, beta, state)
    labels = np.array([0, 1, 2, 0])
    assert math.isnan(float(torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(labels))))
    for loss in (objectives.softmax_cross_entropy, objectives.softmax_cross_entropy_grad):
        with pytest.raises(ValueError, match="logits must be finite"):
            loss(x, labels)
    assert torch.isnan(torch.softmax(torch.tensor(x), dim=1)).any()
    with pytest.raises(ValueError, match="z must be finite"):
        activations.softmax(x)
    with pytest.raises(ValueError, match="y_pred must be finite"):
        objectives.mse(x, np.zeros_like(x))
