"""Tests of snippets/tuning.py: reproducibility, the log-uniform distribution, grids, coarse-to-fine,
successive halving's budget accounting, refused objectives, and Bergstra and Bengio's argument."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.tuning import (
    grid_configs,
    narrow_space,
    run_search,
    sample_configs,
    successive_halving,
)

SPACE = {"lr": ("log_uniform", 1e-5, 1e-1), "dropout": ("uniform", 0.0, 0.5),
         "width": ("choice", (64, 128, 256))}


def _quadratic(config, budget):
    """A validation loss whose minimum is at lr = 1e-3, dropout 0.2, width 128; it falls with budget."""
    return ((math.log10(config["lr"]) + 3) ** 2 + (config["dropout"] - 0.2) ** 2
            + (config["width"] != 128) * 0.1 + 1.0 / budget)


def test_the_same_seed_gives_the_same_configs_and_the_same_search():
    a = sample_configs(SPACE, 50, np.random.default_rng(42))
    b = sample_configs(SPACE, 50, np.random.default_rng(42))
    c = sample_configs(SPACE, 50, np.random.default_rng(43))
    assert a == b and a != c
    assert run_search(_quadratic, a) == run_search(_quadratic, b)
    assert successive_halving(_quadratic, a, 1) == successive_halving(_quadratic, b, 1)


def test_log_uniform_samples_stay_in_bounds_and_fill_every_decade_equally():
    """20000 draws in [1e-5, 1e-1]: each of the 4 decades holds 1/4 of them (within 4 standard errors,
    0.012), and log10 of the values has mean -3 and variance 16/12 (uniform over a width of 4)."""
    values = np.array([c["lr"] for c in sample_configs(SPACE, 20000, np.random.default_rng(0))])
    assert values.min() >= 1e-5 and values.max() <= 1e-1
    logs = np.log10(values)
    fractions = np.histogram(logs, bins=[-5, -4, -3, -2, -1])[0] / len(values)
    assert np.all(np.abs(fractions - 0.25) < 4 * np.sqrt(0.25 * 0.75 / len(values)))
    assert logs.mean() == pytest.approx(-3, abs=4 * np.sqrt(16 / 12 / len(values)))
    assert logs.var() == pytest.approx(16 / 12, rel=0.03)


def test_uniform_is_not_log_uniform():
    """Regression: drawing the learning rate uniformly in [1e-5, 1e-1] puts 90% of the draws in the
    top decade, which is why scale parameters are drawn log-uniformly."""
    space = {"lr": ("uniform", 1e-5, 1e-1)}
    values = np.array([c["lr"] for c in sample_configs(space, 20000, np.random.default_rng(1))])
    assert np.mean(values > 1e-2) == pytest.approx(0.9, abs=0.01)
    assert np.mean(values < 1e-3) == pytest.approx((1e-3 - 1e-5) / (1e-1 - 1e-5), abs=0.003)  # 1%


def test_random_search_hits_a_fraction_q_of_a_dimension_with_probability_1_minus_1_minus_q_to_the_n():
    """n = 20 random points, a target interval of width q = 0.05 in x, two unimportant dimensions:
    over 2000 seeds the hit rate is 1 - 0.95^20 = 0.642 (within 4 standard errors, 0.043)."""
    space = {"x": ("uniform", 0.0, 1.0), "y": ("uniform", 0.0, 1.0), "z": ("log_uniform", 1e-3, 1.0)}
    hits = [any(0.40 <= c["x"] < 0.45 for c in sample_configs(space, 20, np.random.default_rng(s)))
            for s in range(2000)]
    expected = 1 - 0.95**20
    assert np.mean(hits) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / 2000))


def test_choices_are_drawn_equally_often():
    widths = [c["width"] for c in sample_configs(SPACE, 30000, np.random.default_rng(2))]
    for w in (64, 128, 256):
        assert widths.count(w) / 30000 == pytest.approx(1 / 3, abs=4 * np.sqrt(2 / 9 / 30000))


def test_grid_takes_log_spaced_values_and_every_combination():
    grid = grid_configs(SPACE, 5)
    assert len(grid) == 5 * 5 * 3
    assert sorted({c["lr"] for c in grid}) == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 1e-1], rel=1e-12)
    assert sorted({c["dropout"] for c in grid}) == pytest.approx([0.0, 0.125, 0.25, 0.375, 0.5])
    assert len({tuple(c.values()) for c in grid}) == len(grid)


def test_run_search_finds_the_lowest_score_and_breaks_ties_by_order():
    configs = [{"x": 3.0}, {"x": 1.0}, {"x": 1.0}, {"x": 2.0}]
    result = run_search(lambda c, b: c["x"] * b, configs, budget=2)
    assert result["scores"] == [6.0, 2.0, 2.0, 4.0]
    assert result["best_index"] == 1 and result["best_score"] == 2.0


def test_a_diverged_run_may_return_inf_and_ranks_last():
    configs = [{"x": 1.0}, {"x": 2.0}]
    result = run_search(lambda c, b: math.inf if c["x"] == 1.0 else 0.5, configs)
    assert result["best_index"] == 1


@pytest.mark.parametrize("bad, error", [(lambda c, b: float("nan"), ValueError),
                                        (lambda c, b: -math.inf, ValueError),
                                        (lambda c, b: "0.5", TypeError),
                                        (lambda c, b: None, TypeError),
                                        (lambda c, b: np.array([0.5]), TypeError),
                                        (lambda c, b: True, TypeError)])
def test_an_objective_that_returns_nan_or_a_non_number_is_refused(bad, error):
    for search in (lambda: run_search(bad, [{"x": 1.0}]),
                   lambda: successive_halving(bad, [{"x": 1.0}, {"x": 2.0}], 1, 2)):
        with pytest.raises(error, match="objective must return"):
            search()


def test_the_objective_cannot_change_the_configs():
    configs = [{"x": 1.0}]

    def greedy(config, budget):
        config["x"] = 99.0
        return 0.0

    run_search(greedy, configs)
    successive_halving(greedy, configs * 3, 1, 2)
    assert configs == [{"x": 1.0}]


# ---------------------------------------------------------------- coarse to fine

def test_narrow_space_centres_the_ranges_on_the_best_and_clips_them():
    new = narrow_space(SPACE, {"lr": 1e-3, "dropout": 0.3, "width": 128}, 10.0)
    assert new["lr"] == ("log_uniform", pytest.approx(1e-4), pytest.approx(1e-2))
    assert new["dropout"] == ("uniform", pytest.approx(0.275), pytest.approx(0.325))
    new = narrow_space(SPACE, {"lr": 1e-3, "dropout": 0.49, "width": 128}, 10.0)
    assert new["dropout"] == ("uniform", pytest.approx(0.45), pytest.approx(0.5))  # shifted inside
    assert new["width"] == SPACE["width"]
    edge = narrow_space(SPACE, {"lr": 1e-5, "dropout": 0.0, "width": 64}, 10.0)
    assert edge["lr"] == ("log_uniform", 1e-5, pytest.approx(1e-4))
    assert edge["dropout"] == ("uniform", 0.0, pytest.approx(0.05))


def test_coarse_to_fine_gets_closer_than_one_random_search_of_the_same_budget():
    """Two rounds of 30 (the second in the space narrowed by 10 around the first's best) against one
    round of 60, over 50 seeds: the two-round search ends closer to lr = 1e-3 in the median (0.052
    decades away against 0.081)."""
    gaps_ctf, gaps_one = [], []
    for seed in range(50):
        rng = np.random.default_rng(seed)
        first = run_search(_quadratic, sample_configs(SPACE, 30, rng))
        second = run_search(_quadratic, sample_configs(narrow_space(SPACE, first["best_config"], 10.0),
                                                       30, rng))
        best = min((first, second), key=lambda r: r["best_score"])
        gaps_ctf.append(abs(math.log10(best["best_config"]["lr"]) + 3))
        one = run_search(_quadratic, sample_configs(SPACE, 60, np.random.default_rng(1000 + seed)))
        gaps_one.append(abs(math.log10(one["best_config"]["lr"]) + 3))
    assert np.median(gaps_ctf) < 0.7 * np.median(gaps_one)


@given(factor=st.floats(1.01, 100), lr=st.floats(1e-5, 1e-1), dropout=st.floats(0.0, 0.5))
def test_the_narrowed_space_is_inside_the_old_one_and_holds_the_center(factor, lr, dropout):
    center = {"lr": lr, "dropout": dropout, "width": 256}
    new = narrow_space(SPACE, center, factor)
    for name in ("lr", "dropout"):
        _, low, high = new[name]
        assert SPACE[name][1] <= low <= center[name] * (1 + 1e-12) and \
            center[name] * (1 - 1e-12) <= high <= SPACE[name][2]
    assert new["dropout"][2] - new["dropout"][1] == pytest.approx(0.5 / factor)


# ---------------------------------------------------------------- successive halving

def _counting(objective):
    calls = []

    def wrapped(config, budget):
        calls.append(budget)
        return objective(config, budget)
    return wrapped, calls


@pytest.mark.parametrize("n, min_budget, eta, rounds, total, evaluations", [
    (27, 1, 3, [(27, 1), (9, 3), (3, 9), (1, 27)], 108, 40),   # Hyperband's bracket s = 3
    (10, 1, 3, [(10, 1), (3, 3), (1, 9)], 28, 14),
    (16, 2, 2, [(16, 2), (8, 4), (4, 8), (2, 16), (1, 32)], 160, 31),
    (5, 4, 3, [(5, 4), (1, 12)], 32, 6),
    (2, 1, 3, [(2, 1)], 2, 2),                                  # 2 // 3 = 0: one round only
])
def test_successive_halving_spends_exactly_the_budget_it_reports(n, min_budget, eta, rounds, total,
                                                                   evaluations):
    objective, calls = _counting(_quadratic)
    configs = sample_configs(SPACE, n, np.random.default_rng(n))
    result = successive_halving(objective, configs, min_budget, eta)
    assert [(len(r["indices"]), r["budget"]) for r in result["rounds"]] == rounds
    assert result["total_budget"] == sum(calls) == total
    assert result["n_evaluations"] == len(calls) == evaluations


@given(n=st.integers(1, 200), min_budget=st.integers(1, 5), eta=st.integers(2, 5))
def test_budget_accounting_matches_the_formula(n, min_budget, eta):
    """n_{k+1} = n_k // eta, budget_k = min_budget eta^k; total = sum n_k budget_k, counted call by call."""
    objective, calls = _counting(lambda c, b: c["i"] * 1.0)
    result = successive_halving(objective, [{"i": i} for i in range(n)], min_budget, eta)
    sizes = [n]
    while sizes[-1] > 1 and sizes[-1] // eta > 0:
        sizes.append(sizes[-1] // eta)
    expected = sum(s * min_budget * eta**k for k, s in enumerate(sizes))
    assert sum(calls) == result["total_budget"] == expected
    assert len(calls) == result["n_evaluations"] == sum(sizes)
    assert result["best_index"] == 0  # scores are the indices: the lowest always survives


def test_successive_halving_keeps_the_best_of_each_round():
    """Each round's survivors are exactly the top n // eta of that round's scores."""
    configs = sample_configs(SPACE, 27, np.random.default_rng(5))
    result = successive_halving(_quadratic, configs, 1, 3)
    for this, nxt in zip(result["rounds"], result["rounds"][1:], strict=False):
        order = np.argsort(this["scores"], kind="stable")[:len(nxt["indices"])]
        assert sorted(this["indices"][j] for j in order) == nxt["indices"]
    exhaustive = run_search(_quadratic, configs, budget=27)
    assert result["best_index"] == exhaustive["best_index"]  # the ranking does not change with budget


def test_successive_halving_with_one_config_evaluates_it_once():
    objective, calls = _counting(_quadratic)
    result = successive_halving(objective, [{"lr": 1e-3, "dropout": 0.2, "width": 128}], 3, 2)
    assert calls == [3] and result["best_index"] == 0


# ---------------------------------------------------------------- Bergstra and Bengio (2012)

def test_random_search_tries_more_distinct_values_per_dimension_than_a_grid():
    """Budget 16 in 2 dimensions: a 4 x 4 grid tries 4 values of each, random search 16 of each."""
    space = {"a": ("uniform", 0.0, 1.0), "b": ("log_uniform", 1e-4, 1.0)}
    grid = grid_configs(space, 4)
    rand = sample_configs(space, 16, np.random.default_rng(0))
    assert len(grid) == len(rand) == 16
    for name in space:
        assert len({c[name] for c in grid}) == 4
        assert len({c[name] for c in rand}) == 16


def test_when_one_dimension_matters_random_search_beats_the_grid_of_the_same_budget():
    """f depends on x only (y is unimportant): over 200 seeds, 9 random points get closer to the
    best x than a 3 x 3 grid in 93.5% of the seeds; the best f is 3.6 times lower on average and
    10 times lower in the median."""
    space = {"x": ("uniform", 0.0, 1.0), "y": ("uniform", 0.0, 1.0)}

    def f(config, budget):
        return (config["x"] - 0.37) ** 2

    grid_best = run_search(f, grid_configs(space, 3))["best_score"]
    random_best = np.array([run_search(f, sample_configs(space, 9, np.random.default_rng(s)))
                            ["best_score"] for s in range(200)])
    assert np.mean(random_best < grid_best) == pytest.approx(0.935)
    assert random_best.mean() < grid_best / 3.5 and np.median(random_best) < grid_best / 10


def test_the_figure_numbers(monkeypatch):
    """The tuning page's figure, f(x, y) = g(x) + 0.05 h(y) with a narrow valley at x = 0.42: the best
    f of a k x k grid and the median best of k^2 random points (100 seeds), budgets 4 to 64."""
    from tests.helpers import ROOT, load_module

    monkeypatch.syspath_prepend(str(ROOT / "docs" / "figures"))
    study = load_module("docs/figures/tuning.py", "tuning_figures").budget_study()
    assert study["budgets"] == (4, 9, 16, 25, 36, 49, 64)
    np.testing.assert_allclose(study["grid"], [1.0, 0.73, 0.78, 0.73, 0.078, 0.73, 0.015], rtol=0.02)
    np.testing.assert_allclose(study["random_median"], [0.82, 0.28, 0.088, 0.051, 0.044, 0.038, 0.032],
                               rtol=0.02)
    # random is better at every budget from 9 to 49; the 8 x 8 grid lands a point (3/7 = 0.4286) in the valley
    assert all(r < g for r, g in zip(study["random_median"][1:6], study["grid"][1:6], strict=True))
    assert study["grid"][6] < study["random_median"][6]
    assert study["grid"][2] > study["grid"][1]  # more grid points, a worse best: 16 after 9
    assert study["distinct"] == {"grid": (3, 3), "random": (9, 9)}


def test_bad_arguments_are_refused_with_their_name():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"space\['lr'\] low must be in \(0, inf\)"):
        sample_configs({"lr": ("log_uniform", 0.0, 1.0)}, 3, rng)  # log(0) is -inf
    with pytest.raises(ValueError, match=r"space\['lr'\] must have low < high"):
        grid_configs({"lr": ("uniform", 1.0, 1.0)}, 3)
    with pytest.raises(TypeError, match="configs must be a non-empty list of dicts"):
        run_search(_quadratic, {"lr": 1e-3})
    with pytest.raises(ValueError, match=r"center\['lr'\] must be in \[1e-05, 0.1\]"):
        narrow_space(SPACE, {"lr": 1.0, "dropout": 0.1, "width": 64}, 10.0)
    with pytest.raises(ValueError, match="eta must be an integer >= 2"):
        successive_halving(_quadratic, sample_configs(SPACE, 3, rng), 1, eta=1)


def test_successive_halving_drops_a_slow_starter_when_rankings_cross():
    """Regression for the pitfall: a configuration that is worst at budget 1 but best at budget 27
    (a small learning rate, say) is cut in the first round; its loss at the full budget, 0.037,
    would have beaten the winner's 0.5. Successive halving assumes early rankings predict late ones."""
    curves = [lambda b: 1.0 / b, lambda b: 0.5, lambda b: 0.6]
    configs = [{"i": 0}, {"i": 1}, {"i": 2}]
    result = successive_halving(lambda c, b: curves[c["i"]](b), configs, 1, 3)
    assert result["best_index"] == 1 and result["best_score"] == 0.5
    assert run_search(lambda c, b: curves[c["i"]](b), configs, budget=27)["best_index"] == 0
