"""The same site from two engines: MkDocs (the shared build) and Zensical through the pipeline
(pipeline/zensical.py: stage steps, ``zensical build``, finish steps).

Each test compares one thing; a difference that remains is named, with its cause, in KNOWN (a difference
not listed there fails, and so does a listed one that has gone: the list must stay true).
Skipped when Zensical is not installed (``make build ENGINE=zensical`` installs it in .venv-zensical;
ZENSICAL=<path to zensical> points the test at it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.site.linkcheck import check_site

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_PAGES = {f"examples/{p.stem}/" for p in (ROOT / "docs" / "examples").glob("*.py")}
# Not compared: the search index (each engine has its own: MkDocs' search_index.json with the marks of
# docs/hooks/search_index.py, Zensical's search.json) and the theme's own assets (Zensical bundles
# another build of Material's JavaScript).
KNOWN: dict[str, set[str]] = {}


@pytest.fixture(scope="session")
def zensical_site(built_site, tmp_path_factory):
    """Built after the MkDocs build, so that both share the figure cache instead of racing for it."""
    from pipeline import BuildError, zensical

    try:
        zensical.zensical_command()
    except BuildError as error:  # collected only with ZENSICAL set: asked for, so missing is a failure
        pytest.fail(str(error))
    site = tmp_path_factory.mktemp("zensical") / "site"
    zensical.build(site, work=tmp_path_factory.mktemp("zensical-work"))
    return site


def _pages(site: Path) -> set[str]:
    pages = set()
    for index in site.rglob("index.html"):
        html = index.read_text(encoding="utf-8")
        if "<title>Redirecting...</title>" in html:
            continue  # the forwarding page at a moved page's old address (both engines make it)
        rel = index.parent.relative_to(site).as_posix()
        pages.add("" if rel == "." else f"{rel}/")
    return pages


def _files(site: Path, folder: str) -> set[str]:
    return {p.relative_to(site).as_posix() for p in (site / folder).rglob("*") if p.is_file()}


def test_same_pages(built_site, zensical_site):
    mkdocs, zensical = _pages(built_site), _pages(zensical_site)
    assert NOTEBOOK_PAGES <= mkdocs
    assert zensical - mkdocs == set()
    assert mkdocs - zensical == set().union(*KNOWN.values())


def test_notebook_pages_have_their_outputs_and_downloads(built_site, zensical_site):
    for page in sorted(NOTEBOOK_PAGES):
        stem = page.split("/")[1]
        outputs = [len(re.findall(r"jp-OutputArea-output", (site / page / "index.html").read_text("utf-8")))
                   for site in (built_site, zensical_site)]
        assert outputs[0] > 0 and outputs[1] == outputs[0], (page, outputs)
        for name in (f"{stem}.ipynb", f"{stem}.py"):
            assert (zensical_site / page / name).is_file(), page + name
        assert {p.name for p in (zensical_site / page).glob("output-*")} == \
            {p.name for p in (built_site / page).glob("output-*")}, page


def test_math_is_typeset_on_every_page_with_math(built_site, zensical_site):
    def typeset(site):
        found = set()
        for page in _pages(site):
            html = (site / page / "index.html").read_text(encoding="utf-8")
            assert not re.search(r'class="arithmatex">\\[(\[]', html), f"{page}: raw TeX left"
            if "<mjx-container" in html:
                assert '<style id="mathjax-chtml">' in html, f"{page}: no glyph CSS"
                found.add(page)
        return found

    mkdocs, zensical = typeset(built_site), typeset(zensical_site)
    assert NOTEBOOK_PAGES & zensical
    assert zensical == mkdocs


@pytest.mark.parametrize("folder", ["figures", "snippets", "exercises", "assets/mathjax/woff-v2"])
def test_every_generated_file_is_published(built_site, zensical_site, folder):
    mkdocs = _files(built_site, folder)
    assert mkdocs and _files(zensical_site, folder) == mkdocs


def test_library_and_corrections_are_rendered_alike(built_site, zensical_site):
    for page, pattern in [("library/index.html", r"data-status="), ("corrections/index.html", r"<tr>")]:
        mkdocs = len(re.findall(pattern, (built_site / page).read_text(encoding="utf-8")))
        zensical = len(re.findall(pattern, (zensical_site / page).read_text(encoding="utf-8")))
        assert mkdocs > 10 and zensical == mkdocs, (page, mkdocs, zensical)
    assert "<!-- library -->" not in (zensical_site / "library" / "index.html").read_text(encoding="utf-8")


def test_no_internal_link_or_anchor_is_broken_in_the_zensical_build(zensical_site):
    assert check_site(zensical_site) == []
