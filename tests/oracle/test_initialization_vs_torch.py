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


# ---------------------------------------------------------------- gain, mode and calculate_gain

GAIN_CASES = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
              ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
              ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
              ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 3.0),
              ("tanh", 0.5)]


@pytest.mark.parametrize("nonlinearity, param", GAIN_CASES)
def test_calculate_gain_equals_torch_exactly(torch, nonlinearity, param):
    from snippets.initialization import calculate_gain

    assert calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_identity_is_refused_as_by_torch(torch):
    """torch's docstring table lists "Linear / Identity", but the function knows only "linear": both
    refuse "identity" (a ValueError)."""
    from snippets.initialization import calculate_gain

    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain("identity")
    with pytest.raises(ValueError, match="nonlinearity"):
        calculate_gain("identity")


def _torch_scale(torch, monkeypatch, fn, shape, **kwargs):
    """The std or bound that torch.nn.init passes to Tensor.normal_/uniform_, caught on the way."""
    seen = []
    for method in ("normal_", "uniform_"):
        original = getattr(torch.Tensor, method)

        def spy(self, *args, _name=method, _original=original, **kw):
            seen.append((_name, list(args) + [kw[k] for k in ("mean", "std", "a", "b") if k in kw]))
            return _original(self, *args, **kw)

        monkeypatch.setattr(torch.Tensor, method, spy)
    fn(torch.empty(shape, dtype=torch.float64), **kwargs)
    monkeypatch.undo()
    (name, values), = seen
    return name, values


def _our_scale(init, shape, dtype=np.float64, **kwargs):
    """Our std (normal) or bound (uniform), read back from the draws: the same seed gives the unit
    draws z, and w = z * std (or (2u - 1) * bound)."""
    w = init(shape, np.random.default_rng(11), dtype, **kwargs)
    unit = np.random.default_rng(11)
    if init in (he_normal, xavier_normal):
        z = unit.standard_normal(shape, dtype=dtype)
    else:
        z = unit.random(shape, dtype=dtype) * dtype(2.0) - dtype(1.0)
    return float(np.median(w / z))


# (n_out, n_in) with fan_in != fan_out, both ways round
NON_SQUARE = [(300, 700), (7, 3)]


@pytest.mark.parametrize("shape", NON_SQUARE)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, slope", [("relu", None), ("leaky_relu", 0.2),
                                                 ("leaky_relu", 0.0), ("tanh", None)])
def test_he_std_and_bound_equal_torch_for_each_mode_and_gain(torch, monkeypatch, shape, mode,
                                                             nonlinearity, slope):
    """kaiming_normal_ draws N(0, std^2) and kaiming_uniform_ U(-bound, bound) with std = gain /
    sqrt(fan) and bound = sqrt(3) * std; we pass gain = calculate_gain(nonlinearity, a) (torch takes
    the nonlinearity and a instead). float64: equal to 1e-15 (the read-back division adds one
    rounding); float32: our scale is rounded to float32 once, so to 2^-23."""
    from snippets.initialization import calculate_gain

    a = 0 if slope is None else slope
    gain = calculate_gain(nonlinearity, slope)
    name, (mean, std) = _torch_scale(torch, monkeypatch, torch.nn.init.kaiming_normal_, shape, a=a, mode=mode,
                                     nonlinearity=nonlinearity)
    assert (name, mean) == ("normal_", 0)
    assert _our_scale(he_normal, shape, gain=gain, mode=mode) == pytest.approx(std, rel=1e-15)
    assert _our_scale(he_normal, shape, np.float32, gain=gain, mode=mode) == pytest.approx(std, rel=2**-23)
    name, (low, high) = _torch_scale(torch, monkeypatch, torch.nn.init.kaiming_uniform_, shape, a=a,
                                     mode=mode, nonlinearity=nonlinearity)
    assert name == "uniform_" and low == -high
    assert _our_scale(he_uniform, shape, gain=gain, mode=mode) == pytest.approx(high, rel=1e-15)
    assert _our_scale(he_uniform, shape, np.float32, gain=gain, mode=mode) == pytest.approx(high, rel=2**-22)


@pytest.mark.parametrize("shape", NON_SQUARE)
@pytest.mark.parametrize("gain", [1.0, 5 / 3, 0.25])
def test_xavier_std_and_bound_equal_torch_for_each_gain(torch, monkeypatch, shape, gain):
    name, (mean, std) = _torch_scale(torch, monkeypatch, torch.nn.init.xavier_normal_, shape, gain=gain)
    assert (name, mean) == ("normal_", 0)
    assert _our_scale(xavier_normal, shape, gain=gain) == pytest.approx(std, rel=1e-15)
    assert _our_scale(xavier_normal, shape, np.float32, gain=gain) == pytest.approx(std, rel=2**-23)
    name, (low, high) = _torch_scale(torch, monkeypatch, torch.nn.init.xavier_uniform_, shape, gain=gain)
    assert name == "uniform_" and low == -high
    assert _our_scale(xavier_uniform, shape, gain=gain) == pytest.approx(high, rel=1e-15)
    assert _our_scale(xavier_uniform, shape, np.float32, gain=gain) == pytest.approx(high, rel=2**-22)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_he_fan_out_sample_std_matches_torch(torch, rng, mode):
    """The same statistical check as above for mode="fan_out" (fan 300 instead of 700)."""
    torch.manual_seed(0)
    theirs = torch.nn.init.kaiming_normal_(torch.empty(SHAPE), mode=mode, nonlinearity="relu").numpy()
    ours = he_normal(SHAPE, rng, mode=mode)
    assert abs(ours.std() / theirs.std() - 1) < 5 * math.sqrt(2) / math.sqrt(2 * N)
