"""The build pipeline (pipeline/): its order is the order MkDocs runs the hooks in, its commands run a
step without any engine, and its helpers agree with MkDocs'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import relative_url, steps
from tests.helpers import mkdocs_config

ROOT = Path(__file__).resolve().parents[1]


def _hook_order() -> list[str]:
    return [Path(h).stem for h in mkdocs_config()["hooks"]]


@pytest.mark.parametrize("kind, listed", [("markdown", steps.STAGE), ("page", steps.FINISH)])
def test_steps_run_in_the_order_of_the_mkdocs_hooks(kind, listed):
    """Markdown and page steps change the same text one after another, so their order matters."""
    names = [s.name for s in listed if getattr(s, kind)]
    hooks = _hook_order()
    assert set(names) <= set(hooks)
    assert names == sorted(names, key=hooks.index)


def test_every_step_has_a_mkdocs_adapter_and_every_stage_step_does_something():
    hooks = set(_hook_order())
    for step in [*steps.STAGE, *steps.FINISH]:
        assert step.name in hooks, step.name
    assert all(s.files or s.markdown for s in steps.STAGE)
    assert all(s.page for s in steps.FINISH)


@pytest.mark.parametrize("url, other, expected", [
    ("assets/mathjax/woff-v2", "regularization/dropout/", "../../assets/mathjax/woff-v2"),
    ("assets/mathjax/woff-v2", "", "assets/mathjax/woff-v2"),
    ("assets/mathjax/woff-v2", "404.html", "assets/mathjax/woff-v2"),
    ("a/b/", "a/c/d/", "../../b/"),
])
def test_relative_url_is_mkdocs_get_relative_url(url, other, expected):
    from mkdocs.utils import get_relative_url

    assert relative_url(url, other) == get_relative_url(url, other) == expected


def test_staged_tree_leaves_out_what_mkdocs_excludes(tmp_path):
    steps.copy_docs(tmp_path / "docs")
    staged = {p.relative_to(tmp_path / "docs").as_posix() for p in (tmp_path / "docs").rglob("*")}
    assert "index.md" in staged and "figures/_style.py" not in staged
    assert not {"resources.yml", "corrections.yml"} & staged
    assert not any(p.startswith("hooks") for p in staged)
    assert "regularization/dropout.md" in staged


def test_one_step_runs_from_the_command_line_without_an_engine(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Speed\n\n<!-- benchmark: machine -->\n", encoding="utf-8")
    code = ("import sys, builtins; real = builtins.__import__\n"
            "def guard(name, *a, **k):\n"
            "    if name.split('.')[0] in {'mkdocs', 'properdocs', 'zensical'}: raise ImportError(name)\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = guard\n"
            "from pipeline.__main__ import main; sys.exit(main(['benchmarks', sys.argv[1]]))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "<!-- benchmark" not in text and "Recorded on" in text


def test_a_failing_step_exits_with_its_message(tmp_path):
    (tmp_path / "performance.md").write_text("<!-- benchmark: tabel -->\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pipeline", "benchmarks", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "unknown benchmark marker 'tabel'" in result.stderr
