"""tools/lighthouse.py's own logic, offline (Lighthouse itself needs Node.js and Chromium)."""

from __future__ import annotations

from tests.helpers import load_module

tool = load_module("tools/lighthouse.py", "lighthouse_tool")


def _result(performance):
    return {"categories": {"performance": {"score": performance}}, "id": performance}


def test_median_run_is_the_middle_performance_score_whatever_the_order():
    runs = [_result(0.9), _result(0.7), _result(0.8)]
    assert tool.median_run(runs)["id"] == 0.8
    assert tool.median_run([_result(0.9), _result(0.6), _result(0.7), _result(0.8)])["id"] == 0.7
    assert tool.median_run([_result(None), _result(0.5), _result(0.4)])["id"] == 0.4


def test_pages_measured_are_home_technique_and_first_notebook(tmp_path):
    for page in ("examples/b", "examples/a", "regularization/dropout"):
        (tmp_path / page).mkdir(parents=True)
        (tmp_path / page / "index.html").write_text("<html></html>")
    assert tool.pages_to_measure(tmp_path) == {
        "home": "", "technique": "regularization/dropout/", "notebook": "examples/a/"}


def test_bad_run_count_is_refused(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<html></html>")
    assert tool.main(["lighthouse.py", str(tmp_path), "--runs", "0"]) == 2
    assert "--runs must be at least 1" in capsys.readouterr().err
