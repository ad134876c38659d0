"""Tests of snippets/objectives.py: closed forms, gradients by finite differences, stability, the
multi-label case, regressions and bad input."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.objectives import (
    _log_softmax,
    bce_with_logits,
    bce_with_logits_grad,
    mse,
    mse_grad,
    multilabel_predict,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
)


def _numeric_grad(loss, z, eps=1e-6):
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[idx] = eps
        numeric[idx] = (loss(z + step) - loss(z - step)) / (2 * eps)
    return numeric


def _sig(v):
    return 1 / (1 + math.exp(-v))


# ----- closed forms -------------------------------------------------------------------------------


def test_mse_matches_its_closed_form():
    y_pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    y_true = np.array([[0.0, 2.0], [3.0, 1.0]])
    assert mse(y_pred, y_true) == pytest.approx((1 + 0 + 0 + 16) / 4, rel=1e-15)
    assert mse(y_pred, y_true, reduction="sum") == pytest.approx(17.0, rel=1e-15)


def test_bce_matches_the_probability_form(rng):
    z = rng.uniform(-5, 5, size=(6, 3))
    y = rng.uniform(0, 1, size=(6, 3))
    s = np.vectorize(_sig)(z)
    by_hand = -(y * np.log(s) + (1 - y) * np.log(1 - s)).mean()
    assert bce_with_logits(z, y) == pytest.approx(by_hand, rel=1e-13)


def test_softmax_cross_entropy_matches_its_closed_form(rng):
    z = rng.normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    by_hand = np.mean([-math.log(math.exp(z[i, c]) / sum(math.exp(v) for v in z[i]))
                       for i, c in enumerate(labels)])
    assert softmax_cross_entropy(z, labels) == pytest.approx(by_hand, rel=1e-13)


def test_uniform_logits_give_log_k():
    assert softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 4, 9])) == pytest.approx(math.log(10))
    assert bce_with_logits(np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])) == pytest.approx(math.log(2))


def test_soft_targets_equal_the_weighted_hard_losses(rng):
    z = rng.normal(size=(1, 3))
    p = np.array([[0.2, 0.5, 0.3]])
    hard = [softmax_cross_entropy(z, np.array([k])) for k in range(3)]
    assert softmax_cross_entropy(z, p) == pytest.approx(float(np.dot(p[0], hard)), rel=1e-13)


def test_losses_are_zero_only_at_a_perfect_fit():
    y = np.array([[0.3, -1.2]])
    assert mse(y, y) == 0
    assert bce_with_logits(np.array([40.0, -40.0]), np.array([1.0, 0.0])) < 1e-17
    assert softmax_cross_entropy(np.array([[60.0, 0.0]]), np.array([0])) < 1e-20


# ----- gradients ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_grad_matches_finite_differences(rng, reduction):
    y_pred, y_true = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    numeric = _numeric_grad(lambda p: mse(p, y_true, reduction), y_pred)
    np.testing.assert_allclose(mse_grad(y_pred, y_true, reduction), numeric, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_grad_matches_finite_differences(rng, reduction):
    z, y = rng.normal(0, 3, size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    numeric = _numeric_grad(lambda v: bce_with_logits(v, y, reduction), z)
    np.testing.assert_allclose(bce_with_logits_grad(z, y, reduction), numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("soft", [False, True])
def test_softmax_cross_entropy_grad_matches_finite_differences(rng, reduction, soft):
    z = rng.normal(0, 2, size=(5, 4))
    labels = rng.dirichlet(np.ones(4), size=5) if soft else np.array([0, 3, 1, 2, 1])
    numeric = _numeric_grad(lambda v: softmax_cross_entropy(v, labels, reduction), z)
    np.testing.assert_allclose(softmax_cross_entropy_grad(z, labels, reduction), numeric,
                               rtol=1e-6, atol=1e-10)


def test_softmax_cross_entropy_grad_rows_sum_to_zero(rng):
    g = softmax_cross_entropy_grad(rng.normal(size=(6, 5)), rng.integers(0, 5, size=6))
    np.testing.assert_allclose(g.sum(axis=1), 0, atol=1e-16)


# ----- stability ----------------------------------------------------------------------------------


def test_bce_is_stable_for_large_logits():
    """Regression: log(sigmoid(z)) gives log(0) = -inf for z = -800; the softplus form gives 800."""
    z = np.array([-800.0, 800.0])
    assert bce_with_logits(z, np.array([1.0, 0.0]), reduction="sum") == pytest.approx(1600.0, rel=1e-15)
    np.testing.assert_allclose(bce_with_logits_grad(z, np.array([1.0, 0.0]), "sum"), [-1.0, 1.0])


def test_softmax_cross_entropy_is_stable_for_large_logits():
    z = np.array([[1000.0, 0.0, -1000.0]])
    assert softmax_cross_entropy(z, np.array([1])) == pytest.approx(1000.0, rel=1e-15)
    assert np.all(np.isfinite(softmax_cross_entropy_grad(z, np.array([2]))))


@given(
    z=st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_bce_is_finite_and_non_negative_for_all_logits(z, seed):
    z = np.array(z)
    y = np.random.default_rng(seed).integers(0, 2, size=z.shape).astype(float)
    loss = bce_with_logits(z, y)
    assert math.isfinite(loss) and loss >= 0
    g = bce_with_logits_grad(z, y)
    assert np.all(np.abs(g) <= 1 / z.size + 1e-15)


@given(
    rows=st.integers(1, 5),
    k=st.integers(2, 6),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**32 - 1),
)
def test_softmax_cross_entropy_is_non_negative_and_finite(rows, k, scale, seed):
    rng = np.random.default_rng(seed)
    z = scale * rng.normal(size=(rows, k))
    labels = rng.integers(0, k, size=rows)
    loss = softmax_cross_entropy(z, labels)
    assert math.isfinite(loss) and loss >= 0


# ----- regressions --------------------------------------------------------------------------------


def test_bce_takes_logits_not_probabilities():
    """Regression: passing sigmoid outputs to a loss that applies the sigmoid again (a "double
    sigmoid") caps the confidence: a certain, correct prediction still costs log(1 + e^-1) = 0.31."""
    z = np.array([30.0])
    assert bce_with_logits(z, np.array([1.0])) < 1e-12
    double = bce_with_logits(np.array([_sig(30.0)]), np.array([1.0]))
    assert double == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-9)


def test_bce_is_not_missing_its_minus_sign(rng):
    """Regression: CS231n's notes once wrote the loss without the minus sign: it was never positive."""
    z = rng.normal(size=20)
    y = (rng.random(20) < 0.5).astype(float)
    assert bce_with_logits(z, y) > 0
    assert bce_with_logits(z, y) > bce_with_logits(np.where(y == 1, 10.0, -10.0), y)


def test_multilabel_mean_is_over_all_elements_not_examples(rng):
    """PyTorch's BCEWithLogitsLoss averages over N*K terms; a "sum over labels, mean over examples"
    loss is K times larger, and so are its gradients (pytorch issue 9301)."""
    z = rng.normal(size=(8, 5))
    y = (rng.random((8, 5)) < 0.4).astype(float)
    per_example_mean = bce_with_logits(z, y, reduction="sum") / 8
    assert per_example_mean == pytest.approx(5 * bce_with_logits(z, y), rel=1e-13)
    np.testing.assert_allclose(bce_with_logits_grad(z, y), bce_with_logits_grad(z, y, "sum") / 40)


def test_multilabel_probabilities_are_not_forced_to_compete():
    """Regression: a softmax over the labels makes them share a total of 1, so two true labels can never
    both reach 0.5. Independent sigmoids can say yes to both."""
    logits = np.array([[4.0, 4.0, -4.0]])  # cloud: yes, road: yes, water: no
    probabilities, predicted = multilabel_predict(logits)
    np.testing.assert_array_equal(predicted, [[True, True, False]])
    assert probabilities.sum() > 1.5
    e = np.exp(logits - logits.max())
    softmax = e / e.sum()
    assert np.all(softmax[0, :2] < 0.5)  # what a softmax output would have said


def test_raising_one_label_does_not_change_the_others(rng):
    z = rng.normal(size=(1, 4))
    bumped = z.copy()
    bumped[0, 0] += 5.0
    p, _ = multilabel_predict(z)
    q, _ = multilabel_predict(bumped)
    np.testing.assert_array_equal(p[0, 1:], q[0, 1:])
    assert q[0, 0] > p[0, 0]


def test_training_on_two_true_labels_reaches_both_with_sigmoids_not_with_softmax():
    """The worked case of the page: gradient descent on the logits of one example with labels {0, 1}
    of 3. BCE drives both probabilities to 1; softmax cross-entropy against the normalized target
    (0.5, 0.5, 0) can at best give each of them 0.5, and then a threshold of 0.5 is a coin toss."""
    y = np.array([[1.0, 1.0, 0.0]])
    z_sig = np.zeros((1, 3))
    z_soft = np.zeros((1, 3))
    for _ in range(500):
        z_sig -= 1.0 * bce_with_logits_grad(z_sig, y, "sum")
        z_soft -= 1.0 * softmax_cross_entropy_grad(z_soft, y / y.sum(), "sum")
    p_sig, predicted = multilabel_predict(z_sig)
    e = np.exp(z_soft - z_soft.max())
    p_soft = e / e.sum()
    assert np.all(p_sig[0, :2] > 0.99) and p_sig[0, 2] < 0.01
    np.testing.assert_array_equal(predicted, [[True, True, False]])
    assert np.all(p_soft[0, :2] <= 0.5 + 1e-12)


# ----- dtypes and bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_dtype_is_kept(rng, dtype):
    z = rng.normal(size=(4, 3)).astype(dtype)
    y = rng.uniform(size=(4, 3))
    assert mse_grad(z, y).dtype == dtype
    assert bce_with_logits_grad(z, y).dtype == dtype
    assert softmax_cross_entropy_grad(z, np.array([0, 1, 2, 0])).dtype == dtype
    assert multilabel_predict(z)[0].dtype == dtype
    assert isinstance(mse(z, y), float) and isinstance(softmax_cross_entropy(z, np.zeros(4, int)), float)


PAIRWISE = [mse, mse_grad, bce_with_logits, bce_with_logits_grad]


@pytest.mark.parametrize("fn", PAIRWISE, ids=lambda f: f.__name__)
def test_mismatched_shapes_are_rejected(fn):
    with pytest.raises(ValueError, match="must have the shape of"):
        fn(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("fn", PAIRWISE + [softmax_cross_entropy, softmax_cross_entropy_grad],
                         ids=lambda f: f.__name__)
def test_bad_reduction_is_rejected(fn):
    labels = np.zeros(2, int) if "softmax" in fn.__name__ else np.zeros((2, 3))
    with pytest.raises(ValueError, match="reduction must be"):
        fn(np.zeros((2, 3)), labels, reduction="average")


@pytest.mark.parametrize("fn", PAIRWISE, ids=lambda f: f.__name__)
def test_integer_or_non_finite_inputs_are_rejected(fn):
    with pytest.raises(TypeError, match="must be a float array"):
        fn(np.zeros((2, 2), int), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="must be finite"):
        fn(np.array([0.0, np.nan]), np.zeros(2))
    with pytest.raises(ValueError, match="must not be empty"):
        fn(np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("fn", [bce_with_logits, bce_with_logits_grad])
def test_bce_targets_outside_zero_one_are_rejected(fn):
    with pytest.raises(ValueError, match=r"targets must be in \[0, 1\]"):
        fn(np.zeros(3), np.array([0.0, 1.0, -1.0]))


@pytest.mark.parametrize("fn", [softmax_cross_entropy, softmax_cross_entropy_grad])
def test_bad_class_labels_are_rejected(fn):
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels must be class indices in \[0, 4\)"):
        fn(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"must have shape \(3,\)"):
        fn(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="logits must be 2-D"):
        fn(np.zeros(4), np.array([0]))
    with pytest.raises(TypeError, match="labels must be int class indices"):
        fn(z, np.array(["a", "b", "c"]))


def test_multi_hot_targets_are_rejected_by_softmax_cross_entropy():
    """Several ones in a row are a multi-label target: the error points to bce_with_logits."""
    with pytest.raises(ValueError, match=r"\bprobability labels must sum to 1.*use bce_with_logits"):
        softmax_cross_entropy(np.zeros((1, 3)), np.array([[1.0, 1.0, 0.0]]))
    with pytest.raises(ValueError, match="shape of logits"):
        softmax_cross_entropy_grad(np.zeros((1, 3)), np.array([[1.0, 0.0]]))


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, float("nan")])
def test_threshold_outside_range_is_rejected(threshold):
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\)"):
        multilabel_predict(np.zeros((1, 2)), threshold)


def test_multilabel_predict_input_checks():
    with pytest.raises(ValueError, match="logits must be 2-D"):
        multilabel_predict(np.zeros(3))
    with pytest.raises(TypeError, match="threshold must be a number"):
        multilabel_predict(np.zeros((1, 3)), "0.5")
    with pytest.raises(TypeError, match="logits must be a float array"):
        multilabel_predict(np.zeros((1, 3), int))


def test_each_loss_names_the_argument_it_rejects():
    z = np.zeros(3)
    with pytest.raises(ValueError, match="y_true must have the shape of y_pred"):
        mse(z, np.zeros(4))
    with pytest.raises(TypeError, match="y_pred must be a float array"):
        mse_grad(np.zeros(3, int), z)
    with pytest.raises(ValueError, match="targets must be in"):
        bce_with_logits(z, np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="logits must be finite"):
        bce_with_logits_grad(np.array([0.0, np.inf, 1.0]), z)


NAMES = {mse: ("y_pred", "y_true"), mse_grad: ("y_pred", "y_true"), bce_with_logits: ("logits", "targets"),
         bce_with_logits_grad: ("logits", "targets")}


@pytest.mark.parametrize("fn", PAIRWISE, ids=lambda f: f.__name__)
def test_each_pairwise_loss_names_both_arguments(fn):
    first, second = NAMES[fn]
    with pytest.raises(TypeError, match=rf"\b{first} must be a float array"):
        fn(np.zeros(3, int), np.zeros(3))
    with pytest.raises(TypeError, match=rf"\b{second} must be a float array"):
        fn(np.zeros(3), np.zeros(3, int))


@pytest.mark.parametrize("fn", [softmax_cross_entropy, softmax_cross_entropy_grad])
def test_softmax_losses_name_the_argument_they_reject(fn):
    with pytest.raises(TypeError, match=r"\blogits must be a float array"):
        fn(np.zeros((2, 3), int), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\blabels must be finite"):
        fn(np.zeros((1, 2)), np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"\blabels must be in \[0, 1\]"):
        fn(np.zeros((1, 2)), np.array([[1.5, -0.5]]))


@pytest.mark.parametrize("label_dtype", [np.float32, np.float64])
def test_float32_probability_labels_are_accepted_and_do_not_upcast(label_dtype):
    z = np.array([[1.0, -1.0, 0.5]], np.float32)
    p = np.array([[0.25, 0.25, 0.5]], label_dtype)
    assert softmax_cross_entropy_grad(z, p).dtype == np.float32
    reference = softmax_cross_entropy(z.astype(np.float64), p.astype(np.float64))
    assert softmax_cross_entropy(z, p) == pytest.approx(reference, rel=1e-6)


def test_a_probability_equal_to_the_threshold_is_predicted():
    """A label is predicted when its probability is *at least* the threshold: logit 0 gives exactly 0.5."""
    _, predicted = multilabel_predict(np.array([[0.0, -1.0]]), threshold=0.5)
    np.testing.assert_array_equal(predicted, [[True, False]])


def test_threshold_type_error_names_the_type_received():
    with pytest.raises(TypeError, match="got str"):
        multilabel_predict(np.zeros((1, 3)), "0.5")


# ----- PyTorch's options: weight, pos_weight, ignore_index, label_smoothing, reduction="none" ------


CE_OPTIONS = [
    {"weight": np.array([0.5, 2.0, 1.0, 3.0])},
    {"ignore_index": 1},
    {"label_smoothing": 0.2},
    {"weight": np.array([0.5, 2.0, 1.0, 3.0]), "ignore_index": 3, "label_smoothing": 0.1},
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", CE_OPTIONS, ids=["weight", "ignore", "smoothing", "all"])
def test_cross_entropy_option_gradients_match_finite_differences(rng, reduction, options):
    z = rng.normal(0, 2, size=(6, 4))
    labels = np.array([0, 3, 1, 2, 1, 3])
    grad = softmax_cross_entropy_grad(z, labels, reduction, **options)
    numeric = _numeric_grad(
        lambda v: np.sum(softmax_cross_entropy(v, labels, reduction, **options)), z)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_weight_gradients_match_finite_differences(rng, reduction):
    z, y = rng.normal(0, 3, size=(5, 3)), rng.uniform(0, 1, size=(5, 3))
    kw = {"weight": rng.uniform(0.1, 2, size=(5, 1)), "pos_weight": np.array([0.5, 1.0, 6.0])}
    numeric = _numeric_grad(lambda v: np.sum(bce_with_logits(v, y, reduction, **kw)), z)
    np.testing.assert_allclose(bce_with_logits_grad(z, y, reduction, **kw), numeric,
                               rtol=1e-6, atol=1e-9)


def test_pos_weight_multiplies_the_positive_term_only():
    z, p = np.array([0.7, -1.3]), 4.0
    y = np.array([1.0, 0.0])
    per = bce_with_logits(z, y, "none", pos_weight=np.array(p))
    assert per[0] == pytest.approx(-p * math.log(_sig(0.7)), rel=1e-14)
    assert per[1] == pytest.approx(-math.log(1 - _sig(-1.3)), rel=1e-14)


def test_bce_mean_divides_by_the_element_count_whatever_the_weights(rng):
    z, y = rng.normal(size=(4, 3)), rng.uniform(size=(4, 3))
    w = rng.uniform(0.1, 5, size=3)
    total = bce_with_logits(z, y, "sum", weight=w)
    assert bce_with_logits(z, y, weight=w) == pytest.approx(total / 12, rel=1e-14)


def test_unit_weights_and_zero_smoothing_change_nothing(rng):
    z, labels = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    plain = softmax_cross_entropy(z, labels)
    assert softmax_cross_entropy(z, labels, weight=np.ones(3), label_smoothing=0.0) == plain
    y = rng.uniform(size=(5, 3))
    assert bce_with_logits(z, y, weight=np.ones(3), pos_weight=np.ones(3)) == \
        pytest.approx(bce_with_logits(z, y), rel=1e-15)


def test_reduction_none_returns_one_loss_per_example_that_add_up_to_the_sum(rng):
    z, labels = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    per = softmax_cross_entropy(z, labels, "none", label_smoothing=0.1)
    assert per.shape == (5,)
    assert per.sum() == pytest.approx(softmax_cross_entropy(z, labels, "sum", label_smoothing=0.1))
    assert mse(z, z + 1, "none").shape == z.shape
    assert bce_with_logits(z, np.zeros_like(z), "none").shape == z.shape


def test_an_ignored_example_is_the_same_as_a_removed_one(rng):
    z, labels = rng.normal(size=(6, 4)), np.array([0, 3, 1, 2, 1, 3])
    w = np.array([0.5, 2.0, 1.0, 3.0])
    labels_pad = labels.copy()
    labels_pad[[1, 4]] = -100
    kept = [0, 2, 3, 5]
    for smoothing in (0.0, 0.3):
        ours = softmax_cross_entropy(z, labels_pad, weight=w, ignore_index=-100,
                                     label_smoothing=smoothing)
        removed = softmax_cross_entropy(z[kept], labels[kept], weight=w, label_smoothing=smoothing)
        assert ours == pytest.approx(removed, rel=1e-14)
        g = softmax_cross_entropy_grad(z, labels_pad, weight=w, ignore_index=-100,
                                       label_smoothing=smoothing)
        assert np.all(g[[1, 4]] == 0)


def test_weighted_mean_divides_by_the_weights_of_the_labels():
    """Regression for the easy mistake: torch's weighted "mean" is not the sum over N."""
    z = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    labels, w = np.array([0, 1, 1]), np.array([1.0, 4.0])
    per = softmax_cross_entropy(z, labels, "none", weight=w)
    assert softmax_cross_entropy(z, labels, weight=w) == pytest.approx(per.sum() / 9, rel=1e-15)


def test_smoothing_weights_each_class_by_its_own_weight():
    """torch's formula: (1 - eps) w_y (-log p_y) + eps / K sum_k w_k (-log p_k)."""
    z, w, eps = np.array([[1.0, -0.5, 2.0]]), np.array([0.5, 2.0, 3.0]), 0.3
    logp = _log_softmax(z)[0]
    by_hand = (1 - eps) * w[0] * -logp[0] + eps / 3 * np.sum(w * -logp)
    assert softmax_cross_entropy(z, np.array([0]), "sum", weight=w, label_smoothing=eps) == \
        pytest.approx(by_hand, rel=1e-14)


def test_mean_over_nothing_is_refused():
    z = np.zeros((2, 3))
    for fn in (softmax_cross_entropy, softmax_cross_entropy_grad):
        with pytest.raises(ValueError, match=r"\blabels must keep at least one example.*NaN"):
            fn(z, np.array([-100, -100]), ignore_index=-100)
        with pytest.raises(ValueError, match=r"\blabels must keep at least one example"):
            fn(z, np.array([1, 1]), weight=np.array([1.0, 0.0, 1.0]))
    assert softmax_cross_entropy(z, np.array([-100, -100]), "sum", ignore_index=-100) == 0.0
    np.testing.assert_array_equal(softmax_cross_entropy(z, np.array([-1, -1]), "none",
                                                        ignore_index=-1), [0.0, 0.0])


def test_bad_option_values_are_refused_with_their_names():
    z, labels = np.zeros((2, 3)), np.array([0, 2])
    with pytest.raises(ValueError, match=r"\bweight must have shape \(3,\)"):
        softmax_cross_entropy(z, labels, weight=np.ones(2))
    with pytest.raises(ValueError, match=r"\bweight must be >= 0"):
        softmax_cross_entropy(z, labels, weight=np.array([1.0, -1.0, 1.0]))
    with pytest.raises(TypeError, match=r"\bignore_index must be None or an integer.*got float"):
        softmax_cross_entropy(z, labels, ignore_index=1.0)
    with pytest.raises(ValueError, match=r"\bignore_index must be None with probability labels"):
        softmax_cross_entropy(z, np.full((2, 3), 1 / 3), ignore_index=0)
    with pytest.raises(ValueError, match=r"\blabel_smoothing must be in \[0, 1\]"):
        softmax_cross_entropy(z, labels, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"\bpos_weight must broadcast to the logits' shape"):
        bce_with_logits(z, np.zeros((2, 3)), pos_weight=np.ones(2))
    with pytest.raises(ValueError, match=r"\bpos_weight must broadcast"):
        bce_with_logits(z, np.zeros((2, 3)), pos_weight=np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match=r"\bweight must be >= 0"):
        bce_with_logits_grad(z, np.zeros((2, 3)), weight=np.array([1.0, -1.0, 1.0]))


def test_a_label_outside_the_classes_hints_at_ignore_index():
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\) or ignore_index"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, -100]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_options_keep_the_logits_dtype(rng, dtype):
    z = rng.normal(size=(4, 3)).astype(dtype)
    labels = np.array([0, 2, -1, 1])
    kw = {"weight": np.array([1.0, 2.0, 0.5]), "ignore_index": -1, "label_smoothing": 0.1}
    assert softmax_cross_entropy(z, labels, "none", **kw).dtype == dtype
    assert softmax_cross_entropy_grad(z, labels, **kw).dtype == dtype
    y = np.zeros_like(z)
    assert bce_with_logits_grad(z, y, weight=np.ones(3), pos_weight=np.ones(3)).dtype == dtype
    assert bce_with_logits(z, y, "none", pos_weight=np.ones(3)).dtype == dtype


# ----- label smoothing: the optimum, the floor of the loss, the convention ------------------------


def _train_logits(eps, k=10, steps=3000, lr=1.0):
    """Gradient descent on one example's logits (class 0) under the smoothed cross-entropy."""
    z, labels = np.zeros((1, k)), np.array([0])
    gaps = []
    for _ in range(steps):
        z = z - lr * softmax_cross_entropy_grad(z, labels, label_smoothing=eps)
        gaps.append(z[0, 0] - z[0, 1:].max())
    return z, np.array(gaps)


def _optimal_gap(eps, k):
    return math.log((1 - eps + eps / k) / (eps / k))


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.2])
def test_smoothed_logits_stop_at_a_finite_gap(eps):
    """The optimum of -sum_k q_k log softmax(z)_k is softmax(z) = q, so the true class's logit
    exceeds the others by log((1 - eps + eps/K) / (eps/K)): about 4.51 for eps = 0.1, K = 10."""
    z, gaps = _train_logits(eps)
    assert gaps[-1] == pytest.approx(_optimal_gap(eps, 10), rel=1e-6)
    assert np.all(np.diff(gaps) > -1e-12)  # approached from below, never overshot
    np.testing.assert_allclose(np.exp(_log_softmax(z))[0, 0], 1 - eps + eps / 10, rtol=1e-6)
    assert _optimal_gap(0.1, 10) == pytest.approx(math.log(91), rel=1e-14)
    # the numbers on the page and in the figure's description
    assert [round(_optimal_gap(e, 10), 2) for e in (0.05, 0.1, 0.2)] == [5.25, 4.51, 3.71]
    assert [round(1 - e + e / 10, 3) for e in (0.05, 0.1, 0.2)] == [0.955, 0.91, 0.82]


def test_without_smoothing_the_gap_grows_without_bound():
    _, gaps = _train_logits(0.0)
    assert gaps[-1] > _optimal_gap(0.05, 10) + 1  # past every smoothed optimum of the figure
    assert gaps[-1] > 10  # "rises past 10" on the page
    assert gaps[-1] - gaps[len(gaps) // 2] > 0.5  # still growing, like log(step)


def test_smoothed_loss_floor_is_the_entropy_of_the_target():
    """Regression: the training loss with smoothing never reaches 0; its minimum is H(q)
    (about 0.50 nats for eps = 0.1, K = 10): a loss that plateaus there has converged."""
    eps, k = 0.1, 10
    z, _ = _train_logits(eps)
    q = np.full(k, eps / k)
    q[0] += 1 - eps
    entropy = -np.sum(q * np.log(q))
    assert softmax_cross_entropy(z, np.array([0]), label_smoothing=eps) == pytest.approx(entropy, rel=1e-9)
    assert round(entropy, 2) == 0.50


def test_smoothing_spreads_eps_over_all_k_classes_including_the_true_one(rng):
    """PyTorch's and the paper's convention: q = (1 - eps) onehot + eps / K, so the true class gets
    1 - eps + eps/K. The variant that gives eps / (K - 1) to the other classes only (the true class
    exactly 1 - eps) is another loss."""
    z, labels, eps, k = rng.normal(size=(4, 5)), np.array([0, 3, 1, 4]), 0.2, 5
    logp = _log_softmax(z)
    onehot = np.eye(k)[labels]
    ours = softmax_cross_entropy(z, labels, "sum", label_smoothing=eps)
    assert ours == pytest.approx(-np.sum(((1 - eps) * onehot + eps / k) * logp), rel=1e-14)
    other = -np.sum(((1 - eps) * onehot + eps / (k - 1) * (1 - onehot)) * logp)
    assert abs(ours - other) > 1e-3


def test_smoothed_loss_is_a_mix_of_the_hard_loss_and_the_uniform_one(rng):
    z, labels, eps = rng.normal(size=(6, 4)), np.array([0, 3, 1, 2, 1, 3]), 0.3
    uniform = np.full((6, 4), 0.25)
    mixed = (1 - eps) * softmax_cross_entropy(z, labels) + eps * softmax_cross_entropy(z, uniform)
    assert softmax_cross_entropy(z, labels, label_smoothing=eps) == pytest.approx(mixed, rel=1e-14)
