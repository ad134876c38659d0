"""snippets/standardization.py against torch.std_mean and training-mode batch normalization.

PyTorch has no input standardizer, but two of its functions compute the same quantities:
``torch.std_mean(X, dim=0, correction=0)`` (the population statistics; PyTorch's default
``correction=1`` is the sample std, which is not what we use), and
``torch.nn.functional.batch_norm`` in training mode with a negligible ``eps`` (1e-300: PyTorch
requires eps > 0) and no affine parameters, which standardizes a batch with its own statistics.
Float64, to 1e-12 relative.
"""

import numpy as np

from snippets.standardization import fit_standardizer, fit_transform


def test_statistics_match_torch_std_mean(torch, rng):
    X = rng.normal([2.0, -40.0, 0.3], [0.5, 10.0, 3.0], size=(200, 3))
    mean, std = fit_standardizer(X)
    t_std, t_mean = torch.std_mean(torch.tensor(X), dim=0, correction=0)
    np.testing.assert_allclose(mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(std, t_std.numpy(), rtol=1e-12)


def test_standardizing_the_training_batch_equals_batch_norm_with_negligible_eps(torch, rng):
    X = rng.normal(5.0, 3.0, size=(64, 4))
    Z, _, _ = fit_transform(X)
    theirs = torch.nn.functional.batch_norm(torch.tensor(X), None, None, training=True, eps=1e-300)
    np.testing.assert_allclose(Z, theirs.numpy(), rtol=1e-12, atol=1e-13)
