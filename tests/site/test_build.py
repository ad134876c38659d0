"""The site builds with --strict, and its internal links and anchors all resolve.

The negative tests build a temporary copy with a deliberately broken link or anchor, to show that
the checks can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site.linkcheck import check_site

ROOT = Path(__file__).resolve().parents[2]
SITE_ENGINE = os.environ.get("SITE_ENGINE", "mkdocs")  # or properdocs (tests/conftest.py)


def _copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("docs", "overrides", "pipeline", "snippets", "tests"):  # pages embed snippets and tests
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    # Share the figure and notebook caches: the copy differs only by the broken page under test.
    (ROOT / ".cache").mkdir(exist_ok=True)
    (dest / ".cache").symlink_to(ROOT / ".cache")
    return dest


def _build(project: Path, site_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", SITE_ENGINE, "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def test_strict_build_produces_every_page(built_site):
    assert (built_site / "index.html").is_file()
    assert (built_site / "regularization" / "dropout" / "index.html").is_file()
    assert (built_site / "assets" / "mathjax" / "woff-v2" / "MathJax_Main-Regular.woff").is_file()


def test_no_internal_link_or_anchor_is_broken(built_site):
    assert check_site(built_site) == []


def test_embedded_snippet_is_the_module_code(built_site):
    html = (built_site / "regularization" / "dropout" / "index.html").read_text(encoding="utf-8")
    assert "dropout_forward" in html and "--8&lt;--" not in html


def test_figures_have_light_and_dark_variants(built_site):
    light = sorted(p.name.removesuffix("-light.svg") for p in (built_site / "figures").glob("*-light.svg"))
    dark = sorted(p.name.removesuffix("-dark.svg") for p in (built_site / "figures").glob("*-dark.svg"))
    assert light and light == dark


@pytest.fixture
def project_copy(tmp_path, built_site):
    """A copy of the project, once the shared build has filled the figure and notebook caches the
    copy shares (otherwise both would draw and execute everything, at the same time)."""
    return _copy_project(tmp_path / "project")


def _page(project: Path, text: str) -> None:
    (project / "docs" / "broken.md").write_text(f"# Broken\n\n{text}\n", encoding="utf-8")


def test_strict_build_fails_on_a_broken_link_and_a_broken_anchor(project_copy, tmp_path):
    _page(project_copy, "[missing](no-such-page.md) [missing](regularization/dropout.md#no-such-anchor)")
    result = _build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr + result.stdout
    assert "no-such-anchor" in result.stderr + result.stdout


def test_strict_build_fails_on_a_missing_snippet_section(project_copy, tmp_path):
    _page(project_copy, '```python\n--8<-- "snippets/dropout.py:no_such_section"\n```')
    result = _build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "no_such_section" in result.stderr + result.stdout


def test_linkchecker_reports_a_broken_link_and_a_missing_anchor(built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    index = site / "index.html"
    html = index.read_text(encoding="utf-8")
    html = html.replace(
        "</article>",
        '<a href="no-such-page/">gone</a> '
        '<a href="regularization/dropout/#no-such-anchor">gone</a></article>',
        1,
    )
    index.write_text(html, encoding="utf-8")
    problems = check_site(site)
    assert any("no-such-page" in p for p in problems), problems
    assert any("no-such-anchor" in p for p in problems), problems
