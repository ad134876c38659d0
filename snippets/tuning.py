"""Hyperparameter search: grid, random, coarse-to-fine, and successive halving.

A search space maps each hyperparameter to how it is drawn: ``("log_uniform", low,
high)`` for scale parameters such as the learning rate (each decade as likely as the
next), ``("uniform", low, high)`` and ``("choice", options)``. Random search draws whole
configurations from a seeded ``numpy.random.Generator``; a grid takes every combination
of a few values per dimension. Coarse-to-fine narrows the space around the best
configuration and searches again. Successive halving gives many configurations a small
budget (epochs, say), keeps the best ``1/eta`` of them, multiplies the budget by
``eta``, and repeats.

The objective is ``objective(config, budget) -> float``, lower is better (a validation
loss). It must return a real number; ``math.inf`` marks a diverged run (ranked last), a
NaN or a non-number is refused with an error.

References: Bergstra and Bengio, "Random Search for Hyper-Parameter Optimization",
JMLR 2012. Jamieson and Talwalkar, "Non-stochastic Best Arm Identification and
Hyperparameter Optimization", AISTATS 2016. Li, Jamieson, DeSalvo, Rostamizadeh and
Talwalkar, "Hyperband", JMLR 2018.
"""

import itertools
import math

import numpy as np


# --8<-- [start:sample]
def sample_configs(space, n, rng):
    """Draw ``n`` configurations at random from ``space``.

    Parameters
    ----------
    space : dict of str to tuple
        ``{"lr": ("log_uniform", 1e-5, 1e-1), "dropout": ("uniform", 0.0, 0.5),
        "width": ("choice", (64, 128, 256))}``.
    n : int >= 1
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same configurations.

    Returns
    -------
    list of n dicts, one value per hyperparameter (Python floats for the continuous
    ones, the option itself for a choice).
    """
    space = _check_space(space)
    n = _check_int(n, "n", 1)
    _check_rng(rng)
    columns = {}
    for name, (kind, *args) in space.items():
        if kind == "log_uniform":  # uniform in log(value): each decade equally likely
            low, high = args
            columns[name] = np.exp(rng.uniform(np.log(low), np.log(high), n)).tolist()
        elif kind == "uniform":
            columns[name] = rng.uniform(args[0], args[1], n).tolist()
        else:
            options = args[0]
            columns[name] = [options[i] for i in rng.integers(0, len(options), n)]
    return [{name: columns[name][i] for name in space} for i in range(n)]
# --8<-- [end:sample]


# --8<-- [start:grid]
def grid_configs(space, points):
    """Every combination of ``points`` values per continuous dimension.

    Log-uniform dimensions get ``points`` values evenly spaced in log scale, uniform
    ones evenly spaced, choices all their options. The grid has
    ``points ** (number of continuous dimensions) * product of the choice sizes``
    configurations.

    Parameters
    ----------
    space : dict of str to tuple, as in :func:`sample_configs`
    points : int >= 1 (1 takes the geometric or arithmetic middle)

    Returns
    -------
    list of dicts, the last dimension varying fastest
    """
    space = _check_space(space)
    points = _check_int(points, "points", 1)
    axes = []
    for kind, *args in space.values():
        if kind == "log_uniform":
            values = np.geomspace(args[0], args[1], points + 2)[1:-1] if points == 1 \
                else np.geomspace(args[0], args[1], points)
            axes.append(values.tolist())
        elif kind == "uniform":
            values = np.linspace(args[0], args[1], points + 2)[1:-1] if points == 1 \
                else np.linspace(args[0], args[1], points)
            axes.append(values.tolist())
        else:
            axes.append(list(args[0]))
    return [dict(zip(space, combo, strict=True)) for combo in itertools.product(*axes)]
# --8<-- [end:grid]


# --8<-- [start:search]
def run_search(objective, configs, budget=1):
    """Evaluate each configuration once, at the same budget; report the best.

    Parameters
    ----------
    objective : callable (config, budget) -> float, lower is better
    configs : non-empty list of dicts (from :func:`sample_configs`,
        :func:`grid_configs` or by hand)
    budget : int >= 1, passed to every call

    Returns
    -------
    dict
        ``{"scores": list of float, "best_index": int, "best_config": dict,
        "best_score": float}``; the first of equal scores wins.
    """
    _check_callable(objective, "objective", "(config, budget) -> float")
    configs = _check_configs(configs)
    budget = _check_int(budget, "budget", 1)
    scores = [_check_score(objective(dict(c), budget)) for c in configs]
    best = int(np.argmin(scores))
    return {"scores": scores, "best_index": best, "best_config": dict(configs[best]),
            "best_score": scores[best]}
# --8<-- [end:search]


# --8<-- [start:narrow]
def narrow_space(space, center, factor):
    """Coarse to fine: a smaller space around ``center`` (the best configuration).

    A log-uniform range becomes ``[center / factor, center * factor]``, a uniform
    range keeps ``1 / factor`` of its width, centred on ``center``; both are clipped to
    the old bounds. Choices are kept as they are.

    Parameters
    ----------
    space : dict of str to tuple, as in :func:`sample_configs`
    center : dict, a configuration of ``space`` (values inside its bounds)
    factor : float > 1

    Returns
    -------
    dict, a new space of the same kinds
    """
    space = _check_space(space)
    center = _check_center(center, space)
    factor = _check_number(factor, "factor", 1, low_open=True)
    new = {}
    for name, (kind, *args) in space.items():
        if kind == "log_uniform":
            low, high = args
            c = center[name]
            new[name] = (kind, max(low, c / factor), min(high, c * factor))
        elif kind == "uniform":
            low, high = args
            half = (high - low) / factor / 2
            lo = min(max(low, center[name] - half), high - 2 * half)
            new[name] = (kind, lo, lo + 2 * half)
        else:
            new[name] = (kind, tuple(args[0]))
    return new
# --8<-- [end:narrow]


# --8<-- [start:halving]
def successive_halving(objective, configs, min_budget, eta=3):
    """Successive halving: evaluate all, keep the best ``1/eta``, give them ``eta``
    times the budget, until one configuration is left.

    Round k evaluates ``n_k`` configurations at budget ``min_budget * eta**k``, with
    ``n_0 = len(configs)`` and ``n_{k+1} = n_k // eta``; it stops after the round with
    one configuration (or when ``n_k // eta`` is 0). Each call starts from scratch, so
    the total budget is ``sum_k n_k * min_budget * eta**k``.

    Parameters
    ----------
    objective : callable (config, budget) -> float, lower is better
    configs : non-empty list of dicts
    min_budget : int >= 1, the budget of the first round
    eta : int >= 2, the factor by which configurations shrink and budgets grow

    Returns
    -------
    dict
        ``{"rounds": list of {"budget", "indices", "scores"}, "best_index",
        "best_config", "best_score", "total_budget", "n_evaluations"}``; the best is
        the best of the last round, ties broken by the lower index.
    """
    _check_callable(objective, "objective", "(config, budget) -> float")
    configs = _check_configs(configs)
    min_budget = _check_int(min_budget, "min_budget", 1)
    eta = _check_int(eta, "eta", 2)
    alive, budget, rounds = list(range(len(configs))), min_budget, []
    while True:
        scores = [_check_score(objective(dict(configs[i]), budget)) for i in alive]
        rounds.append({"budget": budget, "indices": list(alive), "scores": scores})
        keep = len(alive) // eta
        order = np.argsort(scores, kind="stable")  # ties: the lower index first
        if keep == 0 or len(alive) == 1:
            break
        alive = sorted(alive[j] for j in order[:keep])
        budget *= eta
    last = rounds[-1]
    j = int(np.argmin(last["scores"]))
    best = last["indices"][j]
    return {"rounds": rounds, "best_index": best, "best_config": dict(configs[best]),
            "best_score": last["scores"][j],
            "total_budget": sum(r["budget"] * len(r["indices"]) for r in rounds),
            "n_evaluations": sum(len(r["indices"]) for r in rounds)}
# --8<-- [end:halving]


def _check_space(space):
    if not isinstance(space, dict) or not space:
        raise TypeError("space must be a non-empty dict of name -> (kind, ...), "
                        f"got {type(space).__name__}")
    checked = {}
    for name, spec in space.items():
        where = f"space[{name!r}]"
        if not isinstance(name, str):
            raise TypeError(f"space keys must be strings, got {name!r}")
        if not isinstance(spec, tuple) or not spec or not isinstance(spec[0], str):
            raise TypeError(f"{where} must be a tuple like ('log_uniform', 1e-4, "
                            f"1e-1), got {spec!r}")
        kind = _check_choice(spec[0], f"{where}[0]",
                             ("log_uniform", "uniform", "choice"))
        if kind == "choice":
            if len(spec) != 2 or not isinstance(spec[1], (tuple, list)) or not spec[1]:
                raise ValueError(f"{where} must be ('choice', non-empty tuple of "
                                 f"options), got {spec!r}")
            checked[name] = (kind, tuple(spec[1]))
            continue
        if len(spec) != 3:
            raise ValueError(f"{where} must be ({kind!r}, low, high), got {spec!r}")
        low = _check_number(spec[1], f"{where} low",
                            0 if kind == "log_uniform" else -np.inf,
                            low_open=kind == "log_uniform")
        high = _check_number(spec[2], f"{where} high")
        if not high > low:
            raise ValueError(f"{where} must have low < high, got {low} and {high}")
        checked[name] = (kind, low, high)
    return checked


def _check_configs(configs):
    if not isinstance(configs, (list, tuple)) or not configs:
        raise TypeError("configs must be a non-empty list of dicts, "
                        f"got {type(configs).__name__}")
    for i, config in enumerate(configs):
        if not isinstance(config, dict):
            raise TypeError(f"configs[{i}] must be a dict, got {type(config).__name__}")
    return list(configs)


def _check_center(center, space):
    if not isinstance(center, dict):
        raise TypeError(f"center must be a dict (a configuration of space), "
                        f"got {type(center).__name__}")
    if set(center) != set(space):
        raise ValueError(f"center must have the keys of space {sorted(space)}, "
                         f"got {sorted(center)}")
    for name, (kind, *args) in space.items():
        if kind == "choice":
            if center[name] not in args[0]:
                raise ValueError(f"center[{name!r}] must be one of {args[0]}, "
                                 f"got {center[name]!r}")
        else:
            _check_number(center[name], f"center[{name!r}]", args[0], args[1])
    return center


def _check_score(score):
    if isinstance(score, (bool, np.bool_)) or not isinstance(
            score, (int, float, np.integer, np.floating)):
        raise TypeError("objective must return a real number (lower is better), "
                        f"got {type(score).__name__}")
    score = float(score)
    if math.isnan(score) or score == -math.inf:
        raise ValueError("objective must return a number or math.inf for a diverged "
                         f"run, got {score}")
    return score


def _check_number(value, name, low=-np.inf, high=np.inf, low_open=False,
                  high_open=False):
    left = "(" if low_open or low == -np.inf else "["
    right = ")" if high_open or high == np.inf else "]"
    interval = f"{left}{low:g}, {high:g}{right}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in {interval}, "
                        f"got {type(value).__name__}")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (np.isfinite(value) and above and below):  # NaN fails every comparison
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _check_callable(fn, name, signature):
    if not callable(fn):
        raise TypeError(f"{name} must be a callable {signature}, "
                        f"got {type(fn).__name__}")
