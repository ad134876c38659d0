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


# ----- PyTorch's options: weight, ignore_index, label_smoothing, reduction="none", pos_weight
#
# Conventions (all as CrossEntropyLoss / BCEWithLogitsLoss, none differs):
# - CrossEntropyLoss's "mean" with class weights divides by sum_i weight[label_i] over the examples
#   not ignored, not by N; with probability targets it divides by N, even with weights.
# - label_smoothing weights the uniform part by each class's own weight: the loss is
#   -sum_k w_k q_k log softmax(z)_k with q = (1 - eps) onehot + eps / K (torch's
#   cross_entropy_loss_label_smoothing: (1 - eps) nll + eps / K * sum_k w_k (-log p_k)).
# - Ignored examples count for nothing; all ignored with "mean": torch returns NaN and a zero
#   gradient; ours refuses with ValueError (tested in tests/test_objectives.py).
# - BCEWithLogitsLoss's "mean" divides by the number of elements, whatever weight and pos_weight.
# - reduction="none" gradients: each example's derivative of its own loss, which is the gradient
#   of the sum (torch: backward of loss.sum()).

K_CLASSES = 5


def _ce_case(rng, n=9, dtype=np.float64):
    z = rng.normal(0, 3, size=(n, K_CLASSES)).astype(dtype)
    labels = rng.integers(0, K_CLASSES, size=n)
    weight = rng.uniform(0.2, 3.0, size=K_CLASSES).astype(dtype)
    return z, labels, weight


def _torch_ce(torch, z, labels, reduction, weight=None, ignore_index=None, label_smoothing=0.0):
    zt = torch.tensor(z, requires_grad=True)
    kwargs = {"reduction": reduction, "label_smoothing": label_smoothing}
    if weight is not None:
        kwargs["weight"] = torch.tensor(weight)
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    loss = torch.nn.functional.cross_entropy(zt, torch.tensor(labels), **kwargs)
    loss.sum().backward()
    return loss.detach().numpy(), zt.grad.numpy()


def _ours_ce(z, labels, reduction, **kwargs):
    return (np.asarray(softmax_cross_entropy(z, labels, reduction, **kwargs)),
            softmax_cross_entropy_grad(z, labels, reduction, **kwargs))


CE_OPTIONS = {
    "weight": {"weight": True},
    "ignore": {"ignore_index": 2},
    "ignore -100": {"ignore_index": -100},
    "smoothing": {"label_smoothing": 0.2},
    "weight+ignore": {"weight": True, "ignore_index": 2},
    "weight+smoothing": {"weight": True, "label_smoothing": 0.3},
    "all three": {"weight": True, "ignore_index": 1, "label_smoothing": 0.15},
    "smoothing 1": {"label_smoothing": 1.0},
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", CE_OPTIONS.values(), ids=CE_OPTIONS.keys())
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)],
                         ids=["float64", "float32"])
def test_cross_entropy_options_match_torch(torch, rng, reduction, options, dtype, rtol):
    z, labels, weight = _ce_case(rng, dtype=dtype)
    kwargs = dict(options)
    if kwargs.pop("weight", False):
        kwargs["weight"] = weight
    if kwargs.get("ignore_index") == -100:
        labels[[0, 4]] = -100
    loss, grad = _torch_ce(torch, z, labels, reduction, **kwargs)
    ours, our_grad = _ours_ce(z, labels, reduction, **kwargs)
    np.testing.assert_allclose(ours, loss, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(our_grad, grad, rtol=rtol, atol=rtol * 1e-3)
    assert our_grad.dtype == dtype


def test_weighted_mean_divides_by_the_weights_of_the_labels_like_torch(torch, rng):
    """Separating case: dividing by N instead would be off by sum(w[labels]) / N (here about 3)."""
    z, labels, weight = _ce_case(rng)
    weight = weight * 3
    loss, grad = _torch_ce(torch, z, labels, "mean", weight=weight)
    assert softmax_cross_entropy(z, labels, weight=weight) == pytest.approx(float(loss), rel=1e-12)
    wrong = softmax_cross_entropy(z, labels, "sum", weight=weight) / len(labels)
    assert abs(wrong - loss) > 0.1 * abs(loss)
    np.testing.assert_allclose(softmax_cross_entropy_grad(z, labels, weight=weight), grad, rtol=1e-12)


def test_weights_with_ignored_labels_leave_their_weights_out_of_the_mean_like_torch(torch, rng):
    z, labels, weight = _ce_case(rng)
    labels[:3] = 0
    weight[0] = 50.0  # the ignored class is the heaviest: counting its weight would show
    for smoothing in (0.0, 0.25):
        loss, grad = _torch_ce(torch, z, labels, "mean", weight, 0, smoothing)
        ours, our_grad = _ours_ce(z, labels, "mean", weight=weight, ignore_index=0,
                                  label_smoothing=smoothing)
        np.testing.assert_allclose(ours, loss, rtol=1e-12)
        np.testing.assert_allclose(our_grad, grad, rtol=1e-12, atol=1e-15)
        assert np.all(our_grad[:3] == 0)


def test_all_but_one_ignored_is_that_example_alone_like_torch(torch, rng):
    z, labels, weight = _ce_case(rng)
    labels[:] = -100
    labels[5] = 3
    loss, grad = _torch_ce(torch, z, labels, "mean", weight, -100, 0.1)
    ours, our_grad = _ours_ce(z, labels, "mean", weight=weight, ignore_index=-100,
                              label_smoothing=0.1)
    np.testing.assert_allclose(ours, loss, rtol=1e-12)
    np.testing.assert_allclose(our_grad, grad, rtol=1e-12, atol=1e-15)
    alone = softmax_cross_entropy(z[5:6], labels[5:6], weight=weight, label_smoothing=0.1)
    assert float(loss) == pytest.approx(alone, rel=1e-12)


def test_all_ignored_gives_nan_in_torch_and_an_error_here(torch, rng):
    z, labels, weight = _ce_case(rng)
    labels[:] = -100
    loss, grad = _torch_ce(torch, z, labels, "mean", ignore_index=-100)
    assert np.isnan(loss) and np.all(grad == 0)  # torch's answer, which ours refuses to give
    with pytest.raises(ValueError, match="ignore_index"):
        softmax_cross_entropy(z, labels, ignore_index=-100)
    total, total_grad = _torch_ce(torch, z, labels, "sum", ignore_index=-100)
    assert softmax_cross_entropy(z, labels, "sum", ignore_index=-100) == float(total) == 0.0
    np.testing.assert_array_equal(softmax_cross_entropy_grad(z, labels, "sum", ignore_index=-100),
                                  total_grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_probability_targets_with_weight_and_smoothing_match_torch(torch, rng, reduction):
    """Soft targets: torch's "mean" divides by N here, even with class weights."""
    z, _, weight = _ce_case(rng)
    p = rng.dirichlet(np.ones(K_CLASSES), size=len(z))
    zt = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(zt, torch.tensor(p), weight=torch.tensor(weight),
                                             reduction=reduction, label_smoothing=0.2)
    loss.sum().backward()
    ours, our_grad = _ours_ce(z, p, reduction, weight=weight, label_smoothing=0.2)
    np.testing.assert_allclose(ours, loss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(our_grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


BCE_OPTIONS = {
    "weight (K,)": ("weight", (4,)),
    "weight (N, K)": ("weight", (6, 4)),
    "weight (N, 1)": ("weight", (6, 1)),
    "pos_weight (K,)": ("pos_weight", (4,)),
    "both": ("both", (4,)),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("option, shape", BCE_OPTIONS.values(), ids=BCE_OPTIONS.keys())
@pytest.mark.parametrize("soft", [False, True], ids=["0/1 targets", "soft targets"])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)],
                         ids=["float64", "float32"])
def test_bce_weight_and_pos_weight_match_torch(torch, rng, reduction, option, shape, soft, dtype,
                                               rtol):
    z = rng.normal(0, 4, size=(6, 4)).astype(dtype)
    z[0, :2] = [-40.0, 40.0]
    y = (rng.uniform(size=z.shape) if soft else (rng.random(z.shape) < 0.4)).astype(dtype)
    kwargs = {}
    if option in ("weight", "both"):
        kwargs["weight"] = rng.uniform(0.1, 3, size=shape).astype(dtype)
    if option in ("pos_weight", "both"):
        kwargs["pos_weight"] = rng.uniform(0.5, 8, size=shape).astype(dtype)
    zt = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(y), reduction=reduction, **{k: torch.tensor(v) for k, v in kwargs.items()})
    loss.sum().backward()
    ours = np.asarray(bce_with_logits(z, y, reduction, **kwargs))
    np.testing.assert_allclose(ours, loss.detach().numpy(), rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(bce_with_logits_grad(z, y, reduction, **kwargs), zt.grad.numpy(),
                               rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("eps", [0.01, 0.1, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("k", [2, 10, 1000])
# float32: gradient entries where softmax * sum(q) and q nearly cancel are exact only to a few ulps of
# the terms (about 1/16 here): atol 3e-8
@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-12, 1e-16), (np.float32, 2e-5, 3e-8)],
                         ids=["float64", "float32"])
def test_label_smoothing_matches_torch_for_any_eps_and_class_count(torch, rng, eps, k, dtype, rtol,
                                                                   atol):
    """The label-smoothing page: CrossEntropyLoss(label_smoothing=eps), value and gradient, logits
    large enough (scale 8) that an unshifted softmax would lose the small classes' probabilities."""
    z = rng.normal(0, 8, size=(16, k)).astype(dtype)
    labels = rng.integers(0, k, size=16)
    loss, grad = _torch_ce(torch, z, labels, "mean", label_smoothing=eps)
    ours, our_grad = _ours_ce(z, labels, "mean", label_smoothing=eps)
    np.testing.assert_allclose(ours, loss, rtol=rtol)
    np.testing.assert_allclose(our_grad, grad, rtol=rtol, atol=atol)
