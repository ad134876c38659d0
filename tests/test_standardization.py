"""Tests of snippets/standardization.py: closed forms, train-only fitting, zero variance, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.standardization import fit_standardizer, fit_transform, standardize


def test_training_split_gets_mean_zero_and_std_one(rng):
    X = rng.normal([5.0, -300.0, 0.01], [2.0, 50.0, 0.001], size=(500, 3))
    Z, _, _ = fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)


def test_statistics_match_the_closed_form(rng):
    """Mean and population standard deviation (divide by N), computed by hand."""
    X = rng.uniform(-3, 7, size=(40, 5))
    mean, std = fit_standardizer(X)
    n = X.shape[0]
    by_hand_mean = X.sum(axis=0) / n
    by_hand_std = np.sqrt(((X - by_hand_mean) ** 2).sum(axis=0) / n)
    np.testing.assert_allclose(mean, by_hand_mean, rtol=1e-13)
    np.testing.assert_allclose(std, by_hand_std, rtol=1e-13)


def test_std_is_the_population_std_not_the_sample_std():
    """Regression: ddof=1 (divide by N-1) would give sqrt(5/3) for [1, 2, 3, 4], not sqrt(5/4)."""
    _, std = fit_standardizer(np.array([[1.0], [2.0], [3.0], [4.0]]))
    np.testing.assert_allclose(std, [np.sqrt(1.25)], rtol=1e-15)


def test_other_splits_use_the_training_statistics(rng):
    """Test data is shifted by the training mean, not its own: a shifted test set stays shifted."""
    X_train = rng.normal(0.0, 1.0, size=(1000, 2))
    X_test = rng.normal(3.0, 1.0, size=(1000, 2))
    _, mean, std = fit_transform(X_train)
    Z_test = standardize(X_test, mean, std)
    np.testing.assert_allclose(Z_test, (X_test - mean) / std)
    assert np.all(Z_test.mean(axis=0) > 2.5)  # refitting on the test set would hide the shift (mean 0)


def test_statistics_are_not_refit_on_the_split_they_standardize(rng):
    """Regression: standardizing one test example must not give all zeros (refitting on it would)."""
    X_train = rng.normal(size=(100, 3))
    mean, std = fit_standardizer(X_train)
    x_new = np.array([[2.0, -1.0, 0.5]])
    np.testing.assert_allclose(standardize(x_new, mean, std), (x_new - mean) / std)
    assert np.any(standardize(x_new, mean, std) != 0)


@pytest.mark.parametrize("value", [0.0, 0.1, -7.3, 1e6])
def test_constant_feature_gets_std_one_and_is_centred(rng, value):
    X = np.column_stack([rng.normal(size=50), np.full(50, value)])
    mean, std = fit_standardizer(X)
    assert std[1] == 1
    Z = standardize(X, mean, std)
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z[:, 1], 0, atol=1e-9 * max(1.0, abs(value)))


def test_constant_feature_is_not_divided_by_zero():
    """Regression: dividing by a zero std gives NaN (0/0) for the training data, inf for new data."""
    X = np.array([[1.0, 4.0], [3.0, 4.0]])
    mean, std = fit_standardizer(X)
    Z_new = standardize(np.array([[2.0, 5.0]]), mean, std)
    np.testing.assert_allclose(Z_new, [[0.0, 1.0]])


def test_single_row_gives_zeros():
    mean, std = fit_standardizer(np.array([[2.0, -1.0]]))
    np.testing.assert_array_equal(std, [1.0, 1.0])
    np.testing.assert_array_equal(standardize(np.array([[2.0, -1.0]]), mean, std), [[0.0, 0.0]])


def test_standardizing_is_invertible(rng):
    X = rng.normal(10, 3, size=(30, 4))
    Z, mean, std = fit_transform(X)
    np.testing.assert_allclose(Z * std + mean, X, rtol=1e-13)


def test_standardizing_rounds_an_elongated_quadratic(rng):
    """For least squares the Hessian is X^T X / N: after standardizing (independent features) its
    condition number is near 1, so one learning rate fits every direction."""
    X = np.column_stack([rng.normal(0, 1, 2000), rng.normal(50, 100, 2000)])
    Z, _, _ = fit_transform(X)
    before = np.linalg.cond(X.T @ X / len(X))
    after = np.linalg.cond(Z.T @ Z / len(Z))
    assert before > 1e3
    assert after < 1.2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    X = rng.normal(size=(20, 3)).astype(dtype)
    mean, std = fit_standardizer(X)
    assert mean.dtype == dtype and std.dtype == dtype
    assert standardize(X, mean, std).dtype == dtype
    assert fit_transform(X)[0].dtype == dtype


def test_float64_statistics_keep_float32_data_in_float32(rng):
    X = rng.normal(size=(20, 3)).astype(np.float32)
    mean, std = fit_standardizer(X.astype(np.float64))
    assert standardize(X, mean, std).dtype == np.float32


def test_inputs_are_not_modified(rng):
    X = rng.normal(size=(10, 3))
    copy = X.copy()
    fit_transform(X)
    np.testing.assert_array_equal(X, copy)


@given(
    n=st.integers(2, 30),
    d=st.integers(1, 5),
    loc=st.floats(-1e3, 1e3),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_non_constant_feature_ends_with_mean_zero_and_std_one(n, d, loc, scale, seed):
    rng = np.random.default_rng(seed)
    X = loc + scale * rng.normal(size=(n, d))
    Z, mean, std = fit_transform(X)
    assert Z.shape == X.shape
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-9)


@pytest.mark.parametrize("fn", [fit_standardizer, fit_transform])
def test_integer_data_is_rejected(fn):
    with pytest.raises(TypeError, match=r"\bX(_train)? must be a float array"):
        fn(np.array([[1, 2], [3, 4]]))


@pytest.mark.parametrize("fn", [fit_standardizer, fit_transform])
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4), (0, 3)])
def test_data_of_wrong_shape_is_rejected(fn, shape):
    with pytest.raises(ValueError, match=r"\bX(_train)? must"):
        fn(np.ones(shape))


def test_non_finite_data_is_rejected():
    with pytest.raises(ValueError, match=r"\bX must be finite"):
        fit_standardizer(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match=r"\bX must be finite"):
        standardize(np.array([[np.inf]]), np.zeros(1), np.ones(1))


def test_statistics_of_wrong_shape_are_rejected():
    with pytest.raises(ValueError, match=r"mean must have shape \(2,\)"):
        standardize(np.ones((3, 2)), np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match=r"std must have shape \(2,\)"):
        standardize(np.ones((3, 2)), np.zeros(2), np.ones((1, 2)))


def test_non_positive_std_is_rejected():
    with pytest.raises(ValueError, match=r"\bstd must be positive"):
        standardize(np.ones((3, 2)), np.zeros(2), np.array([1.0, 0.0]))


def test_non_float_statistics_are_rejected():
    with pytest.raises(TypeError, match="mean must be a float array"):
        standardize(np.ones((3, 2)), np.zeros(2, dtype=int), np.ones(2))


def test_fit_transform_rejects_what_fit_standardizer_rejects():
    with pytest.raises(ValueError, match=r"\bX_train must be finite"):
        fit_transform(np.array([[1.0], [np.inf]]))


def test_float32_statistics_are_accumulated_in_float64():
    """Summing 200,000 float32 values near 1000 in float32 loses about 1e-4 of the mean; the statistics
    must be those of the float64 computation, rounded once to float32."""
    X = (1000.1 + np.random.default_rng(0).normal(0.0, 1.0, size=(200_000, 2))).astype(np.float32)
    mean, std = fit_standardizer(X)
    assert mean.dtype == std.dtype == np.float32
    np.testing.assert_allclose(mean, X.mean(axis=0, dtype=np.float64), rtol=1e-7)
    np.testing.assert_allclose(std, X.astype(np.float64).std(axis=0), rtol=1e-6)


def test_float32_column_constant_up_to_float32_rounding_is_only_centred():
    """Regression: values one float32 ulp apart are a constant feature stored in float32. Dividing by
    their std (about 3e-8) would turn rounding noise into a feature of unit variance."""
    value = np.float32(0.1)
    X = np.array([[value, 1.0], [np.nextafter(value, np.float32(1)), 2.0]], dtype=np.float32)
    _, std = fit_standardizer(X)
    assert std[0] == 1
    assert std[1] == np.float32(0.5)


def test_non_finite_statistics_are_rejected():
    with pytest.raises(ValueError, match="mean must be finite"):
        standardize(np.ones((3, 2)), np.array([0.0, np.nan]), np.ones(2))
    with pytest.raises(ValueError, match="std must be finite"):
        standardize(np.ones((3, 2)), np.zeros(2), np.array([1.0, np.inf]))
