"""What a reader does with the site: search, switch colours, copy a snippet. One context per test."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TECHNIQUE_PAGE = "regularization/dropout/"


def snippet_section(path: Path, name: str) -> str:
    """The named section of a snippet module as pymdownx.snippets embeds it (dedented, no markers)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^# --8<-- \[start:{name}\]\n(.*?)^# --8<-- \[end:{name}\]", text, re.S | re.M)
    assert match, f"section {name!r} not found in {path}"
    return textwrap.dedent(match.group(1)).strip("\n")


@pytest.fixture
def context(browser):
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def test_search_finds_the_dropout_page_from_the_query_dropout(context, site_url):
    tab = context.new_page()
    tab.goto(site_url)
    # The search index is built in a web worker: type as a reader does, then wait for its results.
    tab.locator("label.md-search__icon, .md-search__input").first.click()
    tab.locator(".md-search__input").fill("dropout")
    result = tab.locator(f'.md-search-result__item a[href*="{TECHNIQUE_PAGE}"]').first
    # Generous: the worker indexes the whole site first, slow on a loaded machine; returns on the result.
    result.wait_for(state="visible", timeout=60_000)
    result.click()
    tab.wait_for_url(f"**/{TECHNIQUE_PAGE}**")
    assert tab.locator("article h1").inner_text().startswith("Dropout")


def _scheme(tab) -> str:
    return tab.evaluate("document.body.getAttribute('data-md-color-scheme')")


def test_colour_toggle_switches_the_scheme_and_is_remembered_after_reload(context, site_url):
    tab = context.new_page()
    tab.goto(site_url + TECHNIQUE_PAGE)
    assert _scheme(tab) == "default", "a light-preferring browser must start in the light scheme"
    tab.locator('label[title="Switch to dark mode"]').click()
    assert _scheme(tab) == "slate"
    tab.reload()
    assert _scheme(tab) == "slate", "the dark scheme chosen was forgotten after a reload"
    tab.goto(site_url)
    assert _scheme(tab) == "slate", "the dark scheme chosen was forgotten on another page"
    tab.locator('label[title="Switch to light mode"]').click()
    assert _scheme(tab) == "default"
    tab.reload()
    assert _scheme(tab) == "default"


@pytest.mark.parametrize("section", ["forward", "backward"])
def test_copy_button_puts_exactly_the_snippet_section_on_the_clipboard(context, site_url, section):
    expected = snippet_section(ROOT / "snippets" / "dropout.py", section)
    first_line = expected.splitlines()[0]
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    tab = context.new_page()
    tab.goto(site_url + TECHNIQUE_PAGE)
    blocks = tab.locator("article .highlight").filter(has_text=first_line)
    assert blocks.count() == 1, f"expected one code block starting {first_line!r} on the page"
    block = blocks.first
    block.hover()
    block.locator("button[data-clipboard-target]").click()
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied.strip("\n") == expected
    assert copied.count("\n") <= expected.count("\n") + 1, "the copy carries extra blank lines"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pruned_notebook_css_still_colours_code_and_frames_cells(browser, site_url, example_pages, scheme):
    """Regression: pruning each stylesheet alone dropped the JupyterLab variables that another sheet's
    syntax colours use, and notebook code turned plain black (docs/hooks/notebook_pages.py)."""
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(site_url + example_pages[0])
        styles = tab.evaluate("""() => {
          const colour = (selector) => { const el = document.querySelector(selector);
            return el ? getComputedStyle(el).color : null; };
          const editor = document.querySelector(".jp-InputArea-editor");
          return {keyword: colour(".highlight-ipynb .kn, .highlight-ipynb .k"),
                  name: colour(".highlight-ipynb .n"),
                  editorBackground: editor ? getComputedStyle(editor).backgroundColor : null};
        }""")
    finally:
        context.close()
    assert styles["keyword"] and styles["name"], f"no highlighted code on {example_pages[0]}: {styles}"
    assert styles["keyword"] != styles["name"], f"keywords are not coloured: {styles}"
    assert styles["editorBackground"] not in (None, "rgba(0, 0, 0, 0)"), (
        f"code cells have no background: {styles}")
