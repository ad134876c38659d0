"""Tests of snippets/minibatches.py: pairing, coverage, the last batch, seeds, regressions, bad input."""

import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.minibatches import iterate_minibatches, iterations_per_epoch, shuffle_and_partition


def _indexed(n):
    """X rows and labels that both carry the example's index, so a broken pairing shows."""
    X = np.column_stack([np.arange(n), 10 * np.arange(n)]).astype(float)
    return X, np.arange(n)


def test_each_example_keeps_its_label(rng):
    X, y = _indexed(103)
    for X_batch, y_batch in shuffle_and_partition(X, y, 16, rng):
        np.testing.assert_array_equal(X_batch[:, 0], y_batch)


def test_x_and_y_are_not_shuffled_with_different_permutations(rng):
    """Regression: X[rng.permutation(n)], y[rng.permutation(n)] draws two permutations and pairs each
    image with a random label. That version fails this test; ours uses one permutation."""
    X, y = _indexed(50)
    wrong = list(zip(X[rng.permutation(50)], y[rng.permutation(50)], strict=True))
    assert any(x[0] != label for x, label in wrong)
    (X_batch, y_batch), = shuffle_and_partition(X, y, 50, rng)
    np.testing.assert_array_equal(X_batch[:, 0], y_batch)


def test_every_example_appears_exactly_once_per_epoch(rng):
    X, y = _indexed(97)
    batches = shuffle_and_partition(X, y, 10, rng)
    seen = np.concatenate([y_batch for _, y_batch in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(97))
    rows = np.concatenate([X_batch for X_batch, _ in batches])
    np.testing.assert_array_equal(rows[np.argsort(rows[:, 0])], X)


def test_python_random_shuffle_duplicates_rows_and_ours_does_not(rng):
    """Regression (Nielsen's book, issue 50): random.shuffle swaps rows of a 2-D array through views,
    so rows are duplicated and others lost. Our batches are a true permutation of the rows."""
    X = np.arange(8).reshape(4, 2)
    broken = X.copy()
    random.Random(3).shuffle(broken)
    assert len({tuple(row) for row in broken}) < 4  # the Python-shuffle bug, reproduced
    batches = shuffle_and_partition(X, np.arange(4), 3, rng)
    rows = np.concatenate([X_batch for X_batch, _ in batches])
    assert len({tuple(row) for row in rows}) == 4


def test_inputs_are_not_shuffled_in_place(rng):
    X, y = _indexed(20)
    X_copy, y_copy = X.copy(), y.copy()
    shuffle_and_partition(X, y, 4, rng)
    list(iterate_minibatches(X, y, 4, rng))
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_the_order_is_actually_shuffled(rng):
    X, y = _indexed(100)
    seen = np.concatenate([b for _, b in shuffle_and_partition(X, y, 100, rng)])
    assert not np.array_equal(seen, np.arange(100))


def test_last_partial_batch_is_kept_by_default(rng):
    X, y = _indexed(10)
    sizes = [len(b) for _, b in shuffle_and_partition(X, y, 4, rng)]
    assert sizes == [4, 4, 2]


def test_last_partial_batch_can_be_dropped(rng):
    X, y = _indexed(10)
    sizes = [len(b) for _, b in shuffle_and_partition(X, y, 4, rng, drop_last=True)]
    assert sizes == [4, 4]


def test_exact_multiple_has_no_partial_batch(rng):
    X, y = _indexed(12)
    assert [len(b) for _, b in shuffle_and_partition(X, y, 4, rng)] == [4, 4, 4]
    assert [len(b) for _, b in shuffle_and_partition(X, y, 4, rng, drop_last=True)] == [4, 4, 4]


def test_batch_size_one_is_sgd_and_batch_size_n_is_full_batch(rng):
    X, y = _indexed(7)
    assert [len(b) for _, b in shuffle_and_partition(X, y, 1, rng)] == [1] * 7
    assert [len(b) for _, b in shuffle_and_partition(X, y, 7, rng)] == [7]
    assert [len(b) for _, b in shuffle_and_partition(X, y, 1000, rng)] == [7]


def test_generator_and_list_give_the_same_batches():
    X, y = _indexed(23)
    listed = shuffle_and_partition(X, y, 5, np.random.default_rng(4))
    generated = list(iterate_minibatches(X, y, 5, np.random.default_rng(4)))
    assert len(listed) == len(generated)
    for (a, b), (c, d) in zip(listed, generated, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_generator_is_lazy_but_checks_arguments_at_once(rng):
    X, y = _indexed(6)
    gen = iterate_minibatches(X, y, 4, rng)
    assert len(next(gen)[0]) == 4
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        iterate_minibatches(X, y, 0, rng)  # raised at the call, not at the first next()


def test_same_seed_gives_the_same_batches_and_a_new_epoch_a_new_order():
    X, y = _indexed(30)
    a = [b for _, b in shuffle_and_partition(X, y, 8, np.random.default_rng(11))]
    b = [b for _, b in shuffle_and_partition(X, y, 8, np.random.default_rng(11))]
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    rng = np.random.default_rng(11)
    epoch1 = np.concatenate([b for _, b in shuffle_and_partition(X, y, 8, rng)])
    epoch2 = np.concatenate([b for _, b in shuffle_and_partition(X, y, 8, rng)])
    assert not np.array_equal(epoch1, epoch2)


def test_images_and_one_hot_labels_are_supported(rng):
    X = rng.random((9, 4, 4, 3)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(9) % 3]
    batches = shuffle_and_partition(X, y, 4, rng)
    assert [b[0].shape for b in batches] == [(4, 4, 4, 3), (4, 4, 4, 3), (1, 4, 4, 3)]
    assert all(xb.dtype == np.float32 and yb.dtype == np.float32 for xb, yb in batches)


def test_mean_of_batch_gradients_is_the_full_gradient(rng):
    """With equal batch sizes, averaging the mini-batch gradients of a least-squares loss over one epoch
    gives the full-batch gradient: a mini-batch gradient is an unbiased estimate of it."""
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.1, size=64)
    w = rng.normal(size=3)

    def grad(Xb, yb):
        return 2 * Xb.T @ (Xb @ w - yb) / len(yb)

    batch_grads = [grad(Xb, yb) for Xb, yb in shuffle_and_partition(X, y, 16, rng)]
    np.testing.assert_allclose(np.mean(batch_grads, axis=0), grad(X, y), rtol=1e-12)


def test_smaller_batches_give_noisier_gradients(rng):
    """The spread of a batch gradient around the full gradient shrinks like 1/sqrt(batch_size)."""
    X = rng.normal(size=(4096, 2))
    y = X @ np.array([1.0, -1.0]) + rng.normal(0, 1.0, size=4096)
    w = np.zeros(2)
    full = 2 * X.T @ (X @ w - y) / len(y)

    def spread(batch_size):
        errs = [np.linalg.norm(2 * Xb.T @ (Xb @ w - yb) / len(yb) - full)
                for Xb, yb in shuffle_and_partition(X, y, batch_size, rng, drop_last=True)]
        return np.sqrt(np.mean(np.square(errs)))

    ratio = spread(16) / spread(256)
    assert 2.5 < ratio < 6.0  # sqrt(256 / 16) = 4, up to sampling error and finite-population correction


@given(n=st.integers(1, 200), batch_size=st.integers(1, 64), drop_last=st.booleans())
def test_batch_count_and_sizes_hold_for_all_sizes(n, batch_size, drop_last):
    X, y = _indexed(n)
    batches = shuffle_and_partition(X, y, batch_size, np.random.default_rng(n), drop_last=drop_last)
    expected = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(batches) == expected == iterations_per_epoch(n, batch_size, drop_last)
    assert all(len(b) == batch_size for _, b in batches[:-1])
    if batches:
        last = len(batches[-1][1])
        assert last == batch_size if drop_last else 1 <= last <= batch_size
    for X_batch, y_batch in batches:
        np.testing.assert_array_equal(X_batch[:, 0], y_batch)


def test_iterations_per_epoch_counts_updates():
    assert iterations_per_epoch(50_000, 128) == 391
    assert iterations_per_epoch(50_000, 128, drop_last=True) == 390
    assert iterations_per_epoch(64, 64) == 1


@pytest.mark.parametrize("fn", [shuffle_and_partition, iterate_minibatches])
def test_mismatched_lengths_are_rejected(fn, rng):
    with pytest.raises(ValueError, match="same number of examples, got 5 and 4"):
        fn(np.zeros((5, 2)), np.zeros(4), 2, rng)


@pytest.mark.parametrize("fn", [shuffle_and_partition, iterate_minibatches])
@pytest.mark.parametrize("batch_size, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError),
                                               (True, TypeError)])
def test_bad_batch_size_is_rejected(fn, rng, batch_size, error):
    with pytest.raises(error, match="batch_size must be"):
        fn(np.zeros((5, 2)), np.zeros(5), batch_size, rng)


@pytest.mark.parametrize("fn", [shuffle_and_partition, iterate_minibatches])
def test_legacy_global_rng_is_rejected(fn):
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        fn(np.zeros((5, 2)), np.zeros(5), 2, np.random)


def test_empty_or_scalar_data_is_rejected(rng):
    with pytest.raises(ValueError, match=r"\bX must hold at least one example"):
        shuffle_and_partition(np.zeros((0, 2)), np.zeros(0), 2, rng)
    with pytest.raises(ValueError, match="at least 1-D"):
        shuffle_and_partition(np.float64(1.0), np.zeros(1), 2, rng)


def test_iterations_per_epoch_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="n_examples must be an integer >= 1"):
        iterations_per_epoch(0, 4)
    with pytest.raises(TypeError, match="n_examples must be an int"):
        iterations_per_epoch(10.0, 4)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        iterations_per_epoch(10, 0)
    with pytest.raises(TypeError, match="drop_last must be True or False"):
        iterations_per_epoch(10, 4, drop_last="yes")


def test_one_feature_per_example_as_a_vector_is_supported(rng):
    """X of shape (N,) is N examples of one feature, like y of shape (N,)."""
    X = np.arange(7.0)
    batches = shuffle_and_partition(X, X.copy(), 3, rng)
    assert [len(xb) for xb, _ in batches] == [3, 3, 1]
    assert all(np.array_equal(xb, yb) for xb, yb in batches)


def test_type_errors_name_the_type_received(rng):
    with pytest.raises(TypeError, match="got float"):
        shuffle_and_partition(np.zeros((5, 2)), np.zeros(5), 2.0, rng)
    with pytest.raises(TypeError, match="got module"):
        shuffle_and_partition(np.zeros((5, 2)), np.zeros(5), 2, np.random)
    with pytest.raises(TypeError, match="got float"):
        iterations_per_epoch(10.0, 4)
    with pytest.raises(TypeError, match="got str"):
        iterations_per_epoch(10, 4, drop_last="yes")
