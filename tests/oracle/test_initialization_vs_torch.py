"""snippets/initialization.py against torch.nn.init (torch==2.13.0).

The random streams differ, so the comparison is statistical: for the same non-square (n_out, n_in) shape,
our draws and PyTorch's must have the same bounds and the same distribution, within stated bounds.
Convention shared with PyTorch: W is stored as (out, in), fan_in = W.shape[1], and kaiming_* defaults to
mode="fan_in"; we pass nonlinearity="relu" (PyTorch's default is "leaky_relu" with a=0, the same gain).
"""

import math

import numpy as np
import pytest

from snippets.initialization import fan_in_and_fan_out, he_normal, he_uniform, xavier_normal, xavier_uniform

SHAPE = (300, 700)  # (n_out, n_in), non-square so that a swapped fan would show
N = SHAPE[0] * SHAPE[1]


def _torch_init(torch, name):
    w = torch.empty(SHAPE, dtype=torch.float64)
    torch.manual_seed(0)
    if name == "xavier_uniform":
        torch.nn.init.xavier_uniform_(w)
    elif name == "xavier_normal":
        torch.nn.init.xavier_normal_(w)
    elif name == "he_uniform":
        torch.nn.init.kaiming_uniform_(w, nonlinearity="relu")
    else:
        torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
    return w.numpy()


OURS = {"xavier_uniform": xavier_uniform, "xavier_normal": xavier_normal,
        "he_uniform": he_uniform, "he_normal": he_normal}


def test_fans_match_torch(torch):
    w = torch.empty(SHAPE)
    assert fan_in_and_fan_out(SHAPE) == torch.nn.init._calculate_fan_in_and_fan_out(w)
    assert math.isclose(torch.nn.init.calculate_gain("relu"), math.sqrt(2), rel_tol=1e-15)


@pytest.mark.parametrize("name", sorted(OURS))
def test_standard_deviation_matches_torch(torch, rng, name):
    ours = OURS[name](SHAPE, rng)
    theirs = _torch_init(torch, name)
    # Each sample std has a relative standard error below 1/sqrt(2N) = 0.17% (normal) and 0.13%
    # (uniform); five combined standard errors: 1.3%.
    assert abs(ours.std() / theirs.std() - 1) < 5 * math.sqrt(2) / math.sqrt(2 * N)


@pytest.mark.parametrize("name", ["xavier_uniform", "he_uniform"])
def test_uniform_bounds_match_torch(torch, rng, name):
    ours = OURS[name](SHAPE, rng)
    theirs = _torch_init(torch, name)
    # The largest |w| of N uniform draws lies within bound * 20/N of the bound with probability
    # 1 - exp(-20); so the two maxima agree to bound * 20/N, about 1e-4 of the bound here.
    bound = np.abs(theirs).max()
    assert abs(np.abs(ours).max() - bound) < bound * 20 / N
    assert ours.min() >= -bound * (1 + 20 / N) and ours.max() <= bound * (1 + 20 / N)


@pytest.mark.parametrize("name", sorted(OURS))
def test_distribution_matches_torch_at_its_quantiles(torch, rng, name):
    """Empirical CDFs agree at torch's 5%, 25%, 50%, 75% and 95% quantiles (a check of the shape, not
    only of the scale: a uniform of the right variance would fail against a normal here)."""
    ours = OURS[name](SHAPE, rng)
    theirs = _torch_init(torch, name)
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        x = np.quantile(theirs, q)
        # Five binomial standard errors of each empirical CDF, combined.
        assert abs((ours <= x).mean() - q) < 5 * math.sqrt(2 * q * (1 - q) / N)


def test_torch_linear_default_init_is_not_he(torch, rng):
    """Regression (pitfalls.md, pytorch#57109): nn.Linear's default is U(+-1/sqrt(fan_in)), whose std
    1/sqrt(3 fan_in) is sqrt(6) = 2.45 times smaller than He's sqrt(2/fan_in). To get He in PyTorch,
    call kaiming_uniform_/kaiming_normal_ with nonlinearity="relu" yourself."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(SHAPE[1], SHAPE[0], dtype=torch.float64)
    w = linear.weight.detach().numpy()
    assert w.shape == SHAPE  # PyTorch stores (out, in), as we do
    bound = 1 / math.sqrt(SHAPE[1])
    assert np.abs(w).max() <= bound
    assert abs(np.abs(w).max() - bound) < bound * 20 / N
    ratio = he_uniform(SHAPE, rng).std() / w.std()
    assert abs(ratio - math.sqrt(6)) < 0.02 * math.sqrt(6)


def test_torch_gains_for_tanh_and_sigmoid_are_five_thirds_and_one(torch):
    """Xavier's variance argument assumes an activation with f(0) = 0 and f'(0) = 1. tanh meets it
    (PyTorch still recommends a gain of 5/3 for it); the logistic sigmoid does not (f(0) = 1/2,
    f'(0) = 1/4), and PyTorch's gain for it is 1: no correction at all (weight-init page, M7)."""
    from snippets.activations import sigmoid, sigmoid_grad, tanh, tanh_grad

    assert torch.nn.init.calculate_gain("tanh") == pytest.approx(5 / 3, rel=1e-15)
    assert torch.nn.init.calculate_gain("sigmoid") == 1
    zero = np.zeros(1)
    assert (tanh(zero)[0], tanh_grad(zero)[0]) == (0.0, 1.0)
    assert (sigmoid(zero)[0], sigmoid_grad(zero)[0]) == (0.5, 0.25)
