"""snippets/transfer.py: freezing, the new head, discriminative learning rates, and the batch-norm
statistics that fine-tuning in training mode overwrites."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.adam import adam_step, init_adam_state
from snippets.batchnorm import batchnorm_forward, init_batchnorm
from snippets.gradient_descent import gd_step
from snippets.momentum import init_momentum_state, momentum_step
from snippets.transfer import (
    discriminative_sgd_step,
    freeze,
    layer_learning_rates,
    mask_gradients,
    pretrained_share,
    replace_head,
)
from tests.helpers import make_params

BODY = ["W1", "b1", "W2", "b2"]  # make_params: three layers, W3/b3 the head


def _grads(rng, params):
    return {k: rng.normal(size=p.shape).astype(p.dtype) for k, p in params.items()}


def test_freeze_marks_the_named_parameters_frozen_and_the_others_trainable(rng):
    params = make_params(rng)
    assert freeze(params, BODY) == {"W1": False, "b1": False, "W2": False, "b2": False,
                                    "W3": True, "b3": True}
    assert all(freeze(params, []).values())


def test_freezing_every_parameter_is_refused(rng):
    params = make_params(rng)
    with pytest.raises(ValueError, match="names must leave at least one parameter trainable"):
        freeze(params, list(params))


def test_mask_gradients_drops_frozen_gradients_instead_of_zeroing_them(rng):
    params = make_params(rng)
    grads = _grads(rng, params)
    kept = mask_gradients(grads, freeze(params, BODY))
    assert list(kept) == ["W3", "b3"]
    assert all(kept[k] is grads[k] for k in kept)


@pytest.mark.parametrize("optimizer", ["adamw", "momentum"])
def test_a_zeroed_gradient_does_not_freeze_a_parameter(rng, optimizer):
    """Regression for the pitfall: zero gradients still move a parameter under weight decay (AdamW) or
    momentum carried from an earlier step; dropped gradients (mask_gradients) leave it untouched."""
    params = make_params(rng)
    first, second = _grads(rng, params), _grads(rng, params)
    trainable = freeze(params, BODY)
    zeroed = {k: g if trainable[k] else np.zeros_like(g) for k, g in second.items()}
    if optimizer == "adamw":
        def step(p, g, s):
            return adam_step(p, g, s, lr=0.01, weight_decay=0.1, decoupled=True)
        init = init_adam_state
    else:
        def step(p, g, s):
            return momentum_step(p, g, s, lr=0.01, beta=0.9)
        init = init_momentum_state
    # One step on every parameter (the body was trainable before), then the body is frozen.
    after_one, state = step(params, first, init(params))
    moved, _ = step(after_one, zeroed, state)
    assert all(not np.array_equal(moved[k], after_one[k]) for k in BODY)
    kept = mask_gradients(second, trainable)
    sub_state = init({k: after_one[k] for k in kept})
    updated, _ = step({k: after_one[k] for k in kept}, kept, sub_state)
    frozen = {**after_one, **updated}
    assert all(np.array_equal(frozen[k], after_one[k]) for k in BODY)
    assert not np.array_equal(frozen["W3"], after_one["W3"])


def test_replace_head_keeps_the_body_and_resizes_the_head(rng):
    params = make_params(rng)
    new = replace_head(params, 7, np.random.default_rng(1))
    assert new["W3"].shape == (7, 5) and new["b3"].shape == (7,)
    for key in BODY:
        assert np.array_equal(new[key], params[key]) and new[key] is not params[key]
    again = replace_head(params, 7, np.random.default_rng(1))
    assert all(np.array_equal(new[k], again[k]) for k in new)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_new_head_is_uniform_in_plus_minus_one_over_sqrt_fan_in(dtype):
    """torch.nn.Linear's init: U(-1/sqrt(n_in), 1/sqrt(n_in)) for weight and bias; variance 1/(3 n_in)."""
    n_in = 400
    params = {"W1": np.ones((n_in, 3), dtype), "b1": np.zeros(n_in, dtype),
              "W2": np.ones((2, n_in), dtype), "b2": np.zeros(2, dtype)}
    new = replace_head(params, 300, np.random.default_rng(0))
    W, b = new["W2"], new["b2"]
    assert W.dtype == b.dtype == dtype
    bound = 1 / np.sqrt(n_in)
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(W).max() > 0.999 * bound  # the whole interval is used
    n = W.size  # 120000 draws: mean and variance within 4 standard errors
    assert abs(W.mean()) < 4 * np.sqrt(bound**2 / 3 / n)
    var = bound**2 / 3
    assert abs(W.var() - var) < 4 * var * np.sqrt(0.8 / n)  # Var(x^2) = 4/5 var^2 for a uniform


def test_layer_learning_rates_divide_by_the_decay_per_layer_below_the_head(rng):
    params = make_params(rng)
    rates = layer_learning_rates(params, 0.1, decay=2.6)
    assert rates == pytest.approx({"W3": 0.1, "b3": 0.1, "W2": 0.1 / 2.6, "b2": 0.1 / 2.6,
                                   "W1": 0.1 / 2.6**2, "b1": 0.1 / 2.6**2}, rel=1e-15)
    assert set(layer_learning_rates(params, 0.1, decay=1.0).values()) == {0.1}


def test_discriminative_sgd_with_one_rate_and_every_gradient_is_plain_gradient_descent(rng):
    params = make_params(rng)
    grads = _grads(rng, params)
    ours = discriminative_sgd_step(params, grads, layer_learning_rates(params, 0.05, decay=1.0))
    plain = gd_step(params, grads, 0.05)
    assert all(np.array_equal(ours[k], plain[k]) for k in params)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_discriminative_sgd_uses_each_rate_and_leaves_frozen_parameters_untouched(rng, dtype):
    params = make_params(rng, dtype=dtype)
    grads = mask_gradients(_grads(rng, params), freeze(params, ["W1", "b1"]))
    rates = layer_learning_rates(params, 0.1, decay=3.0)
    new = discriminative_sgd_step(params, grads, rates)
    assert new["W1"] is params["W1"] and new["b1"] is params["b1"]
    for key in ("W2", "b2", "W3", "b3"):
        assert new[key].dtype == dtype
        np.testing.assert_allclose(new[key], params[key] - rates[key] * grads[key], rtol=1e-6)
    np.testing.assert_allclose((params["W2"] - new["W2"]) / grads["W2"], 0.1 / 3, rtol=1e-4)


def test_scaling_gradients_is_not_a_per_layer_learning_rate_with_adam(rng):
    """Why the rate is per parameter: Adam divides by the gradient's own scale, so a gradient scaled
    by 1/10 takes the same step (to eps), while SGD's step shrinks tenfold."""
    params = make_params(rng)
    grads = _grads(rng, params)
    small = {k: g / 10 for k, g in grads.items()}
    full, _ = adam_step(params, grads, init_adam_state(params), lr=0.01)
    scaled, _ = adam_step(params, small, init_adam_state(params), lr=0.01)
    for key in params:
        np.testing.assert_allclose(scaled[key] - params[key], full[key] - params[key], rtol=1e-4)
    sgd_full, sgd_scaled = gd_step(params, grads, 0.01), gd_step(params, small, 0.01)
    np.testing.assert_allclose(sgd_scaled["W1"] - params["W1"], (sgd_full["W1"] - params["W1"]) / 10,
                               rtol=1e-9)


def _fine_tune_bn(training, steps=50, momentum=0.1, seed=0):
    rng = np.random.default_rng(seed)
    small = rng.normal([2.0, -1.0, 0.5], [0.5, 2.0, 1.0], size=(20, 3))  # the new, small data set
    gamma, beta, state = init_batchnorm(3)
    pretrained = {"running_mean": np.array([0.1, 0.2, -0.3]), "running_var": np.array([1.0, 1.5, 0.8])}
    state = dict(pretrained)
    batches = [small[rng.choice(20, 8, replace=False)] for _ in range(steps)]
    for batch in batches:
        _, _, state = batchnorm_forward(batch, gamma, beta, state, training=training,
                                        momentum=momentum)
    return pretrained, state, batches, small


def test_training_mode_overwrites_the_pretrained_running_statistics():
    """Regression for the batch-norm pitfall: 50 training-mode steps leave the pre-trained mean
    (1 - 0.1)^50 = 0.5% of its weight; the running mean is then that of the 20 new examples."""
    pretrained, state, batches, small = _fine_tune_bn(training=True)
    share = pretrained_share(50, 0.1)
    assert share == pytest.approx(0.9**50) and 0.005 < share < 0.0055
    expected = share * pretrained["running_mean"]
    for k, batch in enumerate(batches):
        expected = expected + 0.1 * 0.9 ** (len(batches) - 1 - k) * batch.mean(axis=0)
    np.testing.assert_allclose(state["running_mean"], expected, rtol=1e-12)
    # within a fifth of each feature's spread of the new set's own mean
    assert np.all(np.abs(state["running_mean"] - small.mean(axis=0)) < 0.2 * small.std(axis=0))
    assert np.all(np.abs(state["running_mean"] - pretrained["running_mean"]) > 0.5)


def test_evaluation_mode_keeps_the_pretrained_running_statistics():
    pretrained, state, _, _ = _fine_tune_bn(training=False)
    for key in pretrained:
        assert np.array_equal(state[key], pretrained[key])


@given(steps=st.integers(0, 500), momentum=st.floats(0, 1))
def test_pretrained_share_is_the_product_of_the_decays(steps, momentum):
    share = pretrained_share(steps, momentum)
    assert 0 <= share <= 1
    np.testing.assert_allclose(share, np.prod(np.full(steps, 1 - momentum)), rtol=1e-9, atol=1e-300)


def test_pretrained_share_limiting_cases():
    assert pretrained_share(0, 0.1) == 1.0  # no step, nothing lost
    assert pretrained_share(100, 0.0) == 1.0  # momentum 0: the running statistics never move
    assert pretrained_share(1, 1.0) == 0.0  # momentum 1: one batch replaces them
    assert pretrained_share(50, 0.01) == pytest.approx(0.605, abs=5e-4)
    assert pretrained_share(100, 0.01) == pytest.approx(0.366, abs=5e-4)
    assert pretrained_share(100, 0.1) == pytest.approx(2.656e-5, rel=1e-3)


def test_the_figure_numbers(monkeypatch):
    """The page's figure: one feature pre-trained at running mean 0, 20 new examples around 2."""
    from tests.helpers import ROOT, load_module

    monkeypatch.syspath_prepend(str(ROOT / "docs" / "figures"))
    run = load_module("docs/figures/transfer.py", "transfer_figures").drift()
    assert run["small_mean"] == pytest.approx(1.91, abs=0.005)
    assert run["training"][10] == pytest.approx(1.24, abs=0.005)
    assert abs(run["training"][50] - run["small_mean"]) < 0.05  # the new set's mean after 50 steps
    assert np.all(run["eval"] == 0.0)


def test_bad_arguments_are_refused_with_their_name(rng):
    params = make_params(rng)
    grads = _grads(rng, params)
    with pytest.raises(ValueError, match=r"names must be keys of params .*got \['W9'\]"):
        freeze(params, ["W9"])
    with pytest.raises(ValueError, match="trainable must have the keys of the gradients"):
        mask_gradients(grads, {"W1": True})
    with pytest.raises(TypeError, match="trainable values must be True or False"):
        mask_gradients(grads, {k: 1 for k in grads})
    with pytest.raises(ValueError, match=r"n_classes must be an integer >= 1, got 0"):
        replace_head(params, 0, rng)
    with pytest.raises(ValueError, match=r"params keys must be W1, b1, \.\.\., WL, bL"):
        replace_head({"W1": params["W1"]}, 3, rng)
    with pytest.raises(ValueError, match=r"decay must be in \[1, inf\), got 0.5"):
        layer_learning_rates(params, 0.1, decay=0.5)
    with pytest.raises(ValueError, match=r"lrs must have a rate for every key of grads, got none for"):
        discriminative_sgd_step(params, grads, {"W1": 0.1})
    with pytest.raises(ValueError, match=r"grads\['W9'\] must match a parameter"):
        discriminative_sgd_step(params, {"W9": grads["W1"]}, {"W9": 0.1})
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 1.5"):
        pretrained_share(3, 1.5)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 0, got -1"):
        pretrained_share(-1)
