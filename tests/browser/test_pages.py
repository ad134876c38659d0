"""Every page of the built site, loaded in Chromium in light and dark: clean, offline, accessible.

Each test reads the ``crawl`` record (tests/browser/conftest.py) and fails listing every offending page,
so one run shows all the problems, not the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import PLACEHOLDER_ALT, raw_tex

ROOT = Path(__file__).resolve().parents[2]
TECHNIQUE_PAGE = "regularization/dropout/"


def _report(offences: list[str]) -> str:
    return "\n".join(offences)


def test_every_page_loads_without_console_errors_or_failed_requests(crawl):
    offences = [
        f"{record.page or '/'} [{record.scheme}]: {problem}"
        for record in crawl.values()
        for problem in record.errors + record.failed_requests
    ]
    assert not offences, "pages with console errors or failed requests:\n" + _report(offences)


def test_no_page_requests_a_host_other_than_the_local_server(crawl):
    offences = [
        f"{record.page or '/'} [{record.scheme}]: {url}"
        for record in crawl.values()
        for url in record.foreign_requests
    ]
    assert not offences, (
        "requests to other hosts (fonts, math, scripts must be served by the site):\n" + _report(offences))


def test_every_figure_loads_with_a_size_and_has_alt_text(crawl):
    offences = []
    for record in crawl.values():
        for image in record.images:
            if not (image["complete"] and image["naturalWidth"] > 0):
                offences.append(f"{record.page or '/'} [{record.scheme}]: {image['src']} did not load")
            if not image["alt"] or image["alt"] in PLACEHOLDER_ALT:
                where = f"{record.page or '/'} [{record.scheme}]"
                offences.append(f"{where}: {image['src'][:80]} has no alt text ({image['alt']!r})")
    assert not offences, "\n" + _report(offences)


def test_exactly_one_figure_of_each_light_dark_pair_is_visible(crawl):
    """Regression: a site-wide `display: block` on figures once showed both figures of every pair."""
    offences = []
    for record in crawl.values():
        wanted, unwanted = ("#only-light", "#only-dark") if record.scheme == "light" else (
            "#only-dark", "#only-light")
        for image in record.images:
            src = image["src"] or ""
            if src.endswith(unwanted) and image["visible"]:
                offences.append(f"{record.page or '/'} [{record.scheme}]: {src} is shown")
            if src.endswith(wanted) and not image["visible"]:
                offences.append(f"{record.page or '/'} [{record.scheme}]: {src} is hidden")
    assert not offences, "figures shown in the wrong colour scheme:\n" + _report(offences)


def test_no_raw_tex_is_visible_on_any_page(crawl):
    offences = [
        f"{record.page or '/'} [{record.scheme}]: {piece!r}"
        for record in crawl.values()
        for piece in raw_tex(record.math["text"])
    ]
    assert not offences, (
        "raw TeX in the text a reader sees (MathJax did not typeset it):\n" + _report(offences))


def _assert_math_typeset(record) -> None:
    math = record.math
    where = f"{record.page} [{record.scheme}]"
    assert math["containers"] > 0, f"{where}: no MathJax container: the math was not typeset"
    assert math["containers"] >= math["sources"], (
        f"{where}: {math['sources']} math expressions but {math['containers']} MathJax containers")
    assert math["zeroWidth"] == 0, f"{where}: {math['zeroWidth']} typeset expressions have no width"
    assert math["glyphs"] > 0 and math["blankGlyphs"] == 0, (
        f"{where}: {math['blankGlyphs']} of {math['glyphs']} MathJax glyphs have no CSS glyph (blank math)")
    assert not raw_tex(math["text"]), f"{where}: raw TeX visible: {raw_tex(math['text'])}"
    # Typeset at build time (docs/hooks/mathjax.py): the page must not need MathJax's 1.1 MB script.
    assert math["mathjaxScripts"] == 0, f"{where}: loads MathJax's script although its math is typeset"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_math_is_typeset_with_visible_glyphs_on_the_technique_page(crawl, scheme):
    """Regression: clearing MathJax's cache after its first typeset once left every glyph blank."""
    _assert_math_typeset(crawl[(TECHNIQUE_PAGE, scheme)])


def test_math_is_typeset_on_every_notebook_page(crawl, example_pages):
    sources = sorted((ROOT / "docs" / "examples").glob("*.py"))
    assert sources, "no worked example in docs/examples/*.py: the notebook pages cannot be checked"
    assert example_pages, (
        f"docs/examples has {len(sources)} notebooks but the built site has no examples/ page")
    # Every worked example explains its numbers with some math in its Markdown cells.
    for page in example_pages:
        _assert_math_typeset(crawl[(page, "light")])


def test_axe_finds_no_serious_or_critical_violation_on_any_page(crawl):
    offences = [
        f"{record.page or '/'} [{record.scheme}]: {violation['impact']} {violation['id']} "
        f"({violation['help']}) at {', '.join(violation['targets'][:3])}"
        for record in crawl.values()
        for violation in record.violations
        if violation["impact"] in {"serious", "critical"}
    ]
    assert not offences, "axe-core violations:\n" + _report(offences)


def test_every_code_box_fits_its_lines_without_scrolling_sideways(crawl):
    """At 1280 px, the width the browser tests use: a line wider than its box hides its end behind a
    scroll bar. Snippets and notebooks keep lines to 88 characters (pyproject.toml, ruff), and the
    page's layout gives a code box room for them (docs/stylesheets/extra.css)."""
    offences = [
        f"{record.page or '/'}: {code['chars']} characters in a box of {code['width']} px "
        f"({code['overflow']} px hidden): {code['line']!r}"
        for (page, scheme), record in crawl.items() if scheme == "light"
        for code in record.wide_code
    ]
    assert not offences, "code boxes that scroll sideways:\n" + _report(offences)
