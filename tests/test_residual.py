"""Tests of snippets/residual.py: forward values, the backward pass by finite differences, the
identity path dL/dx = dL/dy (I + dF/dx), layer norm, dtypes, bad input, and the page's experiment."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.gradient_check import numerical_gradient, relative_error
from snippets.residual import residual_backward, residual_forward


def _block(rng, n=5, h=7, dtype=np.float64):
    """Asymmetric, non-zero weights and biases (zeros could hide a missing term)."""
    return {"W1": rng.normal(0.2, 0.6, (h, n)).astype(dtype), "b1": rng.normal(0.1, 0.5, h).astype(dtype),
            "W2": rng.normal(-0.1, 0.6, (n, h)).astype(dtype), "b2": rng.normal(0.3, 0.5, n).astype(dtype)}


def test_forward_is_x_plus_the_two_layer_branch(rng):
    p, x = _block(rng), rng.normal(size=(4, 5))
    y, _ = residual_forward(x, p)
    branch = np.maximum(x @ p["W1"].T + p["b1"], 0) @ p["W2"].T + p["b2"]
    np.testing.assert_allclose(y, x + branch, rtol=1e-15)
    np.testing.assert_allclose(residual_forward(x, p, skip=False)[0], branch, rtol=1e-15)


def test_zero_branch_makes_the_block_the_identity(rng):
    """W2 = 0, b2 = 0: F = 0, so y = x and dL/dx = dL/dy exactly (the identity mapping)."""
    p, x = _block(rng), rng.normal(size=(4, 5))
    p["W2"][:] = 0
    p["b2"][:] = 0
    y, cache = residual_forward(x, p, normalize=True)
    np.testing.assert_array_equal(y, x)
    dy = rng.normal(size=x.shape)
    np.testing.assert_array_equal(residual_backward(dy, cache)[0], dy)


def test_normalized_branch_sees_zero_mean_unit_variance_rows(rng):
    p, x = _block(rng), rng.normal(3.0, 4.0, size=(6, 5))
    _, cache = residual_forward(x, p, normalize=True, eps=1e-12)
    np.testing.assert_allclose(cache["u"].mean(axis=1), 0, atol=1e-14)
    np.testing.assert_allclose(cache["u"].var(axis=1), 1, rtol=1e-10)


@pytest.mark.parametrize("skip", [True, False])
@pytest.mark.parametrize("normalize", [False, True])
def test_backward_matches_centred_differences(rng, skip, normalize):
    """Loss = sum(y * R) with a fixed random R, so dL/dy = R; every gradient against finite
    differences of the forward pass, float64. ReLU kinks are avoided: no |z1| < 1e-3."""
    p, x = _block(rng), rng.normal(size=(4, 5))
    R = rng.normal(size=(4, 5))
    y, cache = residual_forward(x, p, skip=skip, normalize=normalize)
    assert np.min(np.abs(cache["z1"])) > 1e-3
    dx, grads = residual_backward(R, cache)

    def loss(params):
        return float(np.sum(residual_forward(params["x"], {k: params[k] for k in p}, skip=skip,
                                             normalize=normalize)[0] * R))

    numeric = numerical_gradient(loss, {"x": x, **p}, eps=1e-6)
    assert relative_error(dx, numeric["x"]) < 1e-8
    for key in p:
        assert relative_error(grads[key], numeric[key]) < 1e-8, key


def test_the_gradient_is_dy_plus_dy_through_the_branch(rng):
    """dL/dx = dL/dy (I + dF/dx): the residual block's input gradient is the plain block's plus dy."""
    p, x, dy = _block(rng), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    for normalize in (False, True):
        dx_res, g_res = residual_backward(dy, residual_forward(x, p, normalize=normalize)[1])
        dx_plain, g_plain = residual_backward(dy, residual_forward(x, p, skip=False,
                                                                   normalize=normalize)[1])
        np.testing.assert_allclose(dx_res, dy + dx_plain, rtol=1e-14, atol=1e-15)
        for key in p:
            np.testing.assert_array_equal(g_res[key], g_plain[key])


def test_the_input_jacobian_is_identity_plus_the_branch_jacobian(rng):
    """Build dy/dx row by row from residual_backward (unit dy) and compare with I + W2 D W1."""
    p, x = _block(rng), rng.normal(size=(1, 5))
    _, cache = residual_forward(x, p)
    jac = np.stack([residual_backward(np.eye(5)[[i]], cache)[0][0] for i in range(5)])
    D = np.diag((cache["z1"][0] > 0).astype(float))
    np.testing.assert_allclose(jac, np.eye(5) + p["W2"] @ D @ p["W1"], rtol=1e-13, atol=1e-15)


def test_relu_gradient_at_exactly_zero_is_zero_as_in_pytorch(rng):
    p = _block(rng, n=2, h=2)
    p["W1"] = np.array([[1.0, 0.0], [0.0, 1.0]])
    p["b1"] = np.array([0.0, 0.0])
    x = np.array([[0.0, 2.0]])  # z1 = (0, 2): the first unit sits on the kink
    _, cache = residual_forward(x, p)
    _, grads = residual_backward(np.ones((1, 2)), cache)
    assert np.all(grads["W1"][0] == 0) and grads["b1"][0] == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_in_forward_and_backward(rng, dtype):
    p, x = _block(rng, dtype=dtype), rng.normal(size=(3, 5)).astype(dtype)
    y, cache = residual_forward(x, p, normalize=True)
    dx, grads = residual_backward(np.ones_like(y), cache)
    assert y.dtype == dx.dtype == dtype and all(g.dtype == dtype for g in grads.values())


def test_inputs_are_not_modified(rng):
    p, x = _block(rng), rng.normal(size=(3, 5))
    before = {k: v.copy() for k, v in p.items()}, x.copy()
    y, cache = residual_forward(x, p, normalize=True)
    dy = np.ones_like(y)
    residual_backward(dy, cache)
    np.testing.assert_array_equal(x, before[1])
    assert all(np.array_equal(p[k], before[0][k]) for k in p) and np.all(dy == 1)


@given(n=st.integers(1, 6), h=st.integers(1, 6), batch=st.integers(1, 5), skip=st.booleans(),
       normalize=st.booleans(), dtype=st.sampled_from([np.float32, np.float64]))
def test_shapes_follow_the_input(n, h, batch, skip, normalize, dtype):
    rng = np.random.default_rng(n * 100 + h * 10 + batch)
    p, x = _block(rng, n, h, dtype), rng.normal(size=(batch, n)).astype(dtype)
    y, cache = residual_forward(x, p, skip=skip, normalize=normalize)
    dx, grads = residual_backward(np.ones_like(y), cache)
    assert y.shape == dx.shape == x.shape
    assert {k: g.shape for k, g in grads.items()} == {k: v.shape for k, v in p.items()}


def test_bad_arguments_are_refused_with_their_name(rng):
    p, x = _block(rng), rng.normal(size=(3, 5))
    with pytest.raises(ValueError, match=r"params\['W1'\] must have shape"):
        residual_forward(x[:, :4], p)
    with pytest.raises(ValueError, match=r"params\['b2'\] must have the dtype of x"):
        residual_forward(x, {**p, "b2": p["b2"].astype(np.float32)})
    with pytest.raises(ValueError, match="eps must be in"):
        residual_forward(x, p, eps=0.0)
    _, cache = residual_forward(x, p)
    with pytest.raises(ValueError, match="dy must have shape"):
        residual_backward(np.ones((3, 4)), cache)


# ---------------------------------------------------------------- the page's experiment

def _experiment(monkeypatch):
    from tests.helpers import ROOT, load_module

    monkeypatch.syspath_prepend(str(ROOT / "docs" / "figures"))
    return load_module("docs/figures/residual.py", "residual_figures")


def test_the_figure_plain_vanishes_residual_grows_and_layer_norm_stays_flat(monkeypatch):
    """The page's numbers for seed 0 (20 blocks, width 64): the gradient at block 1 relative to
    block 20, and the activation norm at block 20 relative to block 1."""
    fig = _experiment(monkeypatch)
    ratios = {}
    for kind in fig.KINDS:
        dx, _, acts = fig.gradient_norms(kind)
        ratios[kind] = (dx[0] / dx[-1], acts[-1] / acts[0])
    assert ratios["plain"][0] == pytest.approx(1.7e-3, rel=0.05)
    assert ratios["plain"][1] == pytest.approx(5.0e-4, rel=0.05)
    assert ratios["residual"][0] == pytest.approx(142, rel=0.01)
    assert ratios["residual"][1] == pytest.approx(43, rel=0.01)
    assert ratios["residual + layer norm"][0] == pytest.approx(3.4, rel=0.01)
    assert ratios["residual + layer norm"][1] == pytest.approx(3.05, rel=0.01)


def test_the_ordering_holds_for_ten_seeds(monkeypatch):
    """Not one lucky seed: over seeds 0-9, plain 1.5e-3 to 6.3e-3, residual 101 to 189, residual
    with layer norm 3.0 to 3.9."""
    fig = _experiment(monkeypatch)
    ranges = {"plain": (1.4e-3, 6.4e-3), "residual": (100, 190), "residual + layer norm": (3.0, 4.0)}
    for kind, (low, high) in ranges.items():
        for seed in range(10):
            dx, _, _ = fig.gradient_norms(kind, seed)
            assert low < dx[0] / dx[-1] < high, (kind, seed)


def test_a_plain_block_halves_the_squared_gradient_in_expectation(rng):
    """The backward analysis for the plain net: with weights of variance 1/n, the ReLU mask keeps
    half of the units, so E||dL/dx||^2 = ||dL/dy||^2 / 2 per block (mean over 200 draws, 3%)."""
    n, ratios = 64, []
    for _ in range(200):
        p = {"W1": rng.normal(0, n**-0.5, (n, n)), "b1": np.zeros(n),
             "W2": rng.normal(0, n**-0.5, (n, n)), "b2": np.zeros(n)}
        x, dy = rng.normal(size=(8, n)), rng.normal(size=(8, n))
        dx, _ = residual_backward(dy, residual_forward(x, p, skip=False)[1])
        ratios.append(np.sum(dx**2) / np.sum(dy**2))
    assert np.mean(ratios) == pytest.approx(0.5, rel=0.03)


def test_a_branch_that_changes_the_width_is_refused(rng):
    """x + F(x) needs F(x) of x's shape: a branch ending in 4 features on a 5-feature x is refused
    (it would need a projection shortcut W_s x), instead of broadcasting or failing inside NumPy."""
    p, x = _block(rng), rng.normal(size=(3, 5))
    p["W2"], p["b2"] = p["W2"][:4], p["b2"][:4]
    with pytest.raises(ValueError, match=r"params\['W2'\] must have shape \(5, 7\)"):
        residual_forward(x, p)


def test_forward_growth_of_the_plain_residual_net_is_about_1_5_per_block(monkeypatch):
    """Without normalization, E||x + F(x)||^2 = 1.5 ||x||^2 at this initialization (F keeps half the
    second moment, uncorrelated with x): over 19 blocks the norm grows about 1.5^9.5 = 47; the
    geometric mean over seeds 0-9 is within 10% of it."""
    fig = _experiment(monkeypatch)
    growth = [fig.gradient_norms("residual", seed)[2] for seed in range(10)]
    geo = np.exp(np.mean([np.log(a[-1] / a[0]) for a in growth]))
    assert geo == pytest.approx(1.5**9.5, rel=0.1)
