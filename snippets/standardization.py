"""Standardizing input features.

Shift and scale every input feature to mean 0 and standard deviation 1, using statistics
computed on the *training* split only, then apply those same statistics to every split
(validation, test, and new data in production). Features on comparable scales give a
rounder loss surface, so one learning rate suits every weight.

Conventions: the standard deviation is the population one (divide by N, ``ddof=0``), as
in scikit-learn's ``StandardScaler`` and in batch normalization's normalizing step. A
feature that is constant on the training data (zero variance) gets ``std = 1``: it is
only centred (to 0), never divided by zero.

Reference: LeCun, Bottou, Orr and Müller, "Efficient BackProp", in Neural Networks:
Tricks of the Trade, 1998 (section 4.3, "Normalizing the inputs").
"""

import numpy as np


# --8<-- [start:fit]
def fit_standardizer(X):
    """Per-feature mean and standard deviation of the training data ``X``.

    Parameters
    ----------
    X : ndarray of float, shape (N, features), N >= 1
        Training examples only. Fitting on validation or test data leaks their
        statistics.

    Returns
    -------
    mean : ndarray, shape (features,), dtype of ``X``
    std : ndarray, shape (features,), dtype of ``X``
        Population standard deviation (divide by N). Where a feature is constant on
        ``X`` (its standard deviation is zero up to rounding), ``std`` is 1, so
        standardizing that feature only centres it.

    Raises
    ------
    TypeError
        If ``X`` is not a float array.
    ValueError
        If ``X`` is not 2-D, has no rows, or holds NaN or inf.
    """
    X = _check_matrix(X, "X")
    # Accumulate in float64 for accuracy, hand back the input's dtype.
    mean64 = X.mean(axis=0, dtype=np.float64)
    std64 = np.sqrt(np.mean((X - mean64) ** 2, axis=0))
    # Zero variance up to rounding: a constant column's computed std is a few ulps of
    # its mean.
    constant = std64 <= 16 * np.finfo(X.dtype).eps * np.abs(mean64)
    std64 = np.where(constant, 1.0, std64)
    return mean64.astype(X.dtype), std64.astype(X.dtype)
# --8<-- [end:fit]


# --8<-- [start:apply]
def standardize(X, mean, std):
    """Apply training-set statistics to any split: ``(X - mean) / std`` per feature.

    Parameters
    ----------
    X : ndarray of float, shape (N, features)
        Any split: training, validation, test or new data.
    mean, std : ndarray, shape (features,)
        The statistics returned by :func:`fit_standardizer` on the training split.
        ``std`` must be positive.

    Returns
    -------
    ndarray, shape (N, features), dtype of ``X``
    """
    X = _check_matrix(X, "X")
    mean = _check_stat(mean, "mean", X.shape[1])
    std = _check_stat(std, "std", X.shape[1])
    if np.any(std <= 0):
        raise ValueError("std must be positive for every feature (fit_standardizer "
                         f"replaces 0 by 1), got {std}")
    return (X - mean.astype(X.dtype)) / std.astype(X.dtype)
# --8<-- [end:apply]


# --8<-- [start:fit_transform]
def fit_transform(X_train):
    """Fit on the training split and standardize it in one call.

    Parameters
    ----------
    X_train : ndarray of float, shape (N, features)

    Returns
    -------
    X_std : ndarray, shape (N, features), dtype of ``X_train``
    mean, std : ndarray, shape (features,)
        Keep them: every other split is standardized with ``standardize(X, mean, std)``.
    """
    X_train = _check_matrix(X_train, "X_train")
    mean, std = fit_standardizer(X_train)
    return standardize(X_train, mean, std), mean, std
# --8<-- [end:fit_transform]


def _check_matrix(x, name):
    return _check_float_array(x, name, ndim=2)


def _check_stat(s, name, n_features):
    return _check_float_array(s, name, shape=(n_features,))


def _check_float_array(x, name, ndim=None, shape=None):
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a float array (float32 or float64), "
                        f"got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    if shape is not None and x.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return x
