"""The benchmark (tools/bench.py) measures what it claims: its textbook forms compute the same thing as
the snippets, and a quick run produces a complete report. Fast, tiny sizes: it cannot rot unnoticed."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from snippets import adam, batchnorm, dropout, mlp, momentum
from tests.helpers import load_module

ROOT = Path(__file__).resolve().parents[1]
bench = load_module("tools/bench.py", "bench")


def test_textbook_momentum_is_the_snippets_pytorch_form(rng):
    w, g, v = rng.standard_normal((3, 50))
    params, state = {"w": w}, {"step": 1, "velocity": {"w": v}}
    new_params, new_state = momentum.momentum_step(params, {"w": g}, state, lr=0.1, beta=0.9)
    tw, tv = bench.textbook_momentum(w, g, v, 0.1, 0.9)
    np.testing.assert_allclose(tw, new_params["w"], rtol=1e-12)
    np.testing.assert_allclose(tv, new_state["velocity"]["w"], rtol=1e-12)


def test_textbook_adamw_is_the_snippets_adamw(rng):
    w, g = rng.standard_normal((2, 50))
    params = {"w": w}
    state = adam.init_adam_state(params)
    new_params, new_state = adam.adam_step(params, {"w": g}, state, lr=0.01, weight_decay=bench.WD,
                                           decoupled=True)
    tw, tm, tv = bench.textbook_adamw(w, g, np.zeros(50), np.zeros(50), 1, 0.01)
    np.testing.assert_allclose(tw, new_params["w"], rtol=1e-12)
    np.testing.assert_allclose(tm, new_state["m"]["w"], rtol=1e-12)
    np.testing.assert_allclose(tv, new_state["s"]["w"], rtol=1e-12)


def test_textbook_batchnorm_is_the_snippets_batchnorm(rng):
    x, dout = rng.standard_normal((2, 16, 5))
    gamma, beta = rng.uniform(0.5, 2.0, 5), rng.standard_normal(5)
    state = {"running_mean": np.zeros(5), "running_var": np.ones(5)}
    out, cache, _ = batchnorm.batchnorm_forward(x, gamma, beta, state)
    dx, dgamma, dbeta = batchnorm.batchnorm_backward(dout, cache)
    expected = bench.textbook_batchnorm(x, gamma, beta, dout)
    for ours, theirs in zip((out, dx, dgamma, dbeta), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_textbook_mlp_step_is_the_snippets_mlp_with_sgd():
    _, X, _, Y, params = bench._mlp_problem(32, (6, 5, 4, 3))
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    params = {k: p.astype(np.float64) for k, p in params.items()}
    probs, cache = mlp.mlp_forward(params, X)
    grads = mlp.mlp_backward(params, cache, Y)
    expected = {k: p - 0.1 * grads[k] for k, p in params.items()}
    got = bench.textbook_mlp_step(dict(params), X, Y, 0.1)
    for k in params:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-10, err_msg=k)


def test_textbook_dropout_keeps_and_scales_like_the_snippet(rng):
    a, da = rng.uniform(1.0, 2.0, (2, 4000))
    out, dx = bench.textbook_dropout(a, da, 0.8, rng)
    kept = out != 0
    np.testing.assert_allclose(out[kept], a[kept] / 0.8)
    np.testing.assert_allclose(dx[kept], da[kept] / 0.8)
    assert np.all(dx[~kept] == 0)
    assert abs(kept.mean() - 0.8) < 5 * np.sqrt(0.8 * 0.2 / a.size)
    snippet_out, _ = dropout.dropout_forward(a, 0.8, rng)
    assert abs(snippet_out.mean() - out.mean()) < 0.05


def test_analyse_computes_ratios_and_the_bandwidth_floor():
    rows = [{"case": "bandwidth", "size": 10, "results": {"copy": {"median_s": 1.0, "GB_per_s": 10.0},
                                                           "triad": {"median_s": 1.0, "GB_per_s": 8.0}}},
            {"case": "momentum", "size": 10**6, "results": {"snippet": {"median_s": 0.004},
                                                             "snippet_inplace": {"median_s": 0.002},
                                                             "textbook": {"median_s": 0.006},
                                                             "torch": {"median_s": 0.001}}}]
    assert bench.analyse(rows) == 10.0
    row = rows[1]
    assert row["ratios"] == pytest.approx({"textbook_over_snippet": 3.0, "snippet_over_torch": 2.0})
    floor = 20 * 10**6 / 10e9  # 5 float32 passes per element at 10 GB/s
    assert row["bandwidth"]["floor_s"] == pytest.approx(floor)
    assert row["bandwidth"]["fraction"]["snippet_inplace"] == pytest.approx(floor / 0.002)


def test_a_quick_run_writes_a_complete_report(tmp_path, capsys, torch):
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--cases", "momentum", "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [row["case"] for row in report["rows"]] == ["bandwidth", "momentum"]
    assert report["bandwidth_GB_per_s"] > 0
    momentum_row = report["rows"][1]
    assert {"snippet", "textbook", "torch"} <= momentum_row["results"].keys()
    assert all(t["median_s"] > 0 for t in momentum_row["results"].values())
    assert "floor_s" in momentum_row["bandwidth"]
    assert "textbook/snippet" in capsys.readouterr().out


def _load_hook():
    return importlib.import_module("pipeline.benchmarks")


REPORT = {
    "date": "2026-11-25", "warmup": 2, "repeats": 7, "bandwidth_GB_per_s": 10.0,
    "machine": {"cpu": "Test CPU", "machine": "x86_64", "cpus": 2, "memory_GiB": 24, "python": "3.11",
                "numpy": "2.4", "torch": "2.13.0", "torch_threads": 2},
    "rows": [
        {"case": "bandwidth", "size": 10**7, "results": {"copy": {"median_s": 0.008, "GB_per_s": 10.0}}},
        {"case": "momentum", "size": 10**6,
         "results": {"snippet": {"median_s": 0.004}, "textbook": {"median_s": 0.006},
                     "torch": {"median_s": 0.001}},
         "ratios": {"textbook_over_snippet": 1.5, "snippet_over_torch": 4.0},
         "bandwidth": {"min_bytes": 2e7, "floor_s": 0.002, "fraction": {}}},
        {"case": "mlp_epoch", "size": 60000,
         "results": {"snippet": {"median_s": 3.0}, "textbook": {"median_s": 3.1}, "torch": {"median_s": 2.5}},
         "ratios": {"textbook_over_snippet": 1.03, "snippet_over_torch": 1.2}},
    ],
}


def test_the_performance_page_tables_come_from_the_recorded_run():
    hook = _load_hook()
    page = hook.render("<!-- benchmark: machine -->\n<!-- benchmark: elementwise -->\n"
                       "<!-- benchmark: layers -->\n<!-- benchmark: targets -->", REPORT)
    assert "Test CPU" in page and "**10.0 GB/s**" in page
    assert "| momentum | 1e6 | 4 ms | 6 ms | 1 ms | 1.50× | 4.00× | 2 ms | 50% |" in page
    assert "| mlp_epoch | 60,000 | 3.00 s | 3.10 s | 2.50 s | 1.03× | 1.20× |" in page
    # 1.5x < 1.7x and 4.0x > 2.5x miss their targets; the epoch's 1.2x <= 1.5x meets it
    assert page.count("**no**") == 2 and page.count("| yes |") == 1


def test_an_unknown_benchmark_marker_fails_the_build():
    hook = _load_hook()
    with pytest.raises(hook.BuildError, match="unknown benchmark marker 'tabel'"):
        hook.render("<!-- benchmark: tabel -->", REPORT)


def test_the_recorded_run_on_the_page_is_a_full_run():
    """docs/data/bench.json must be a real `make bench` run, not a quick smoke run."""
    report = json.loads((ROOT / "docs" / "data" / "bench.json").read_text(encoding="utf-8"))
    sizes = {(row["case"], json.dumps(row["size"])) for row in report["rows"]}
    expected = {(case, json.dumps(size)) for case, size in bench.FULL_PLAN}
    assert sizes == expected
    assert report["repeats"] >= 5


def test_the_conv2d_case_scales_the_loop_version_from_a_small_batch(torch):
    size = (4, 2, 3, 5, 6)
    results = bench.case_conv2d(size, 0, 1)
    assert {"snippet", "textbook", "torch"} <= results.keys()
    loops = results["textbook"]
    assert loops["scaled_from_batch"] == max(bench.CONV_LOOP_BATCHES)
    per_image = loops["per_image_s"][str(loops["scaled_from_batch"])]
    assert loops["median_s"] == pytest.approx(per_image * size[0])
    assert set(loops["per_image_s"]) == {str(b) for b in bench.CONV_LOOP_BATCHES}


def test_merge_replaces_only_the_rows_of_the_cases_run():
    recorded = {"date": "2026-11-25", "bandwidth_GB_per_s": 10.0, "rows": [
        {"case": "bandwidth", "size": 10, "results": {}}, {"case": "dropout", "size": 10, "results": {}},
        {"case": "conv2d", "size": [1, 1, 1, 3, 3], "results": {"old": {}}},
        {"case": "mlp_epoch", "size": 5, "results": {}}]}
    new = {"date": "2026-12-02", "bandwidth_GB_per_s": 8.0, "rows": [
        {"case": "bandwidth", "size": 10, "results": {"new": {}}},
        {"case": "conv2d", "size": [1, 1, 1, 3, 3], "results": {"new": {}}}]}
    merged = bench.merge(recorded, new)
    assert [row["case"] for row in merged["rows"]] == ["bandwidth", "dropout", "mlp_epoch", "conv2d"]
    assert merged["rows"][0]["results"] == {} and merged["bandwidth_GB_per_s"] == 10.0
    conv = merged["rows"][-1]
    assert conv["results"] == {"new": {}} and conv["date"] == "2026-12-02"
    assert conv["run_bandwidth_GB_per_s"] == 8.0 and merged["date"] == "2026-11-25"


def test_the_conv2d_targets_and_its_later_run_are_rendered():
    hook = _load_hook()
    conv = {"case": "conv2d", "size": [64, 16, 32, 32, 32], "date": "2026-12-02",
            "run_bandwidth_GB_per_s": 9.5,
            "results": {"snippet": {"median_s": 0.09}, "textbook": {"median_s": 90.0},
                        "torch": {"median_s": 0.03}},
            "ratios": {"textbook_over_snippet": 1000.0, "snippet_over_torch": 3.0}}
    report = {**REPORT, "rows": [*REPORT["rows"], conv]}
    page = hook.render("<!-- benchmark: layers -->\n<!-- benchmark: targets -->\n"
                       "<!-- benchmark: separate-runs -->", report)
    assert "| conv2d | 64 × 16 × 32 × 32 × 32 | 90 ms | 90.00 s | 30 ms | 1000.00× | 3.00× |" in page
    assert "| conv2d: forward+backward within 3x of PyTorch | 64 × 16 × 32 × 32 × 32 | " \
           "snippet / PyTorch = 3.00× | yes |" in page
    assert "conv2d (64 × 16 × 32 × 32 × 32) on 2026-12-02, memory bandwidth in that run 9.5 GB/s" in page
