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


# Budgets for the search, from a measured baseline: Material's worker loads and indexes
# search_index.json in 0.4-0.7 s after the page's load event, and answers a query in under 1 s,
# quiet or with both cores busy with two other CPU-bound processes (2 cores, Chromium 156).
# 30 s is some 40 times that: long enough for a machine much busier than ours, short enough to
# fail clearly when the worker never answers. The waits return as soon as the page signals.
SEARCH_READY_MS = 30_000
SEARCH_RESULT_MS = 30_000
_SEARCH_READY = """() => {
  const meta = document.querySelector(".md-search-result__meta");
  return meta !== null && meta.textContent.trim() !== "Initializing search";
}"""


def test_search_finds_the_dropout_page_from_the_query_dropout(context, site_url):
    """Regression: typing with ``fill`` after the worker was ready sent no query (Material reads the
    input on keyup, focus and the worker's ready message, and ``fill`` makes none of them), so on a
    busy machine the results never came. Wait for the worker's signal, then type key by key."""
    tab = context.new_page()
    tab.goto(site_url)
    # Material's own sign that the worker has indexed the site: the result list's meta line
    # changes from "Initializing search" to "Type to start searching".
    tab.wait_for_function(_SEARCH_READY, timeout=SEARCH_READY_MS)
    query = tab.locator(".md-search__input")
    query.click()
    query.press_sequentially("dropout")
    result = tab.locator(f'.md-search-result__item a[href*="{TECHNIQUE_PAGE}"]').first
    result.wait_for(state="visible", timeout=SEARCH_RESULT_MS)
    result.click()
    tab.wait_for_url(f"**/{TECHNIQUE_PAGE}**")
    assert tab.locator("article h1").inner_text().startswith("Dropout")


def test_search_typed_before_the_index_is_ready_still_answers(context, site_url):
    """A reader may type while the index is still being built: the query is sent once it is ready.
    The search index is held back until the query is typed, so the order is certain."""
    release = []

    def hold_index(route):
        release.append(route)

    tab = context.new_page()
    tab.route("**/search/search_index.json", hold_index)
    with tab.expect_request("**/search/search_index.json", timeout=SEARCH_READY_MS):
        tab.goto(site_url)
    query = tab.locator(".md-search__input")
    query.click()
    query.press_sequentially("dropout")
    assert len(release) == 1, "the search index request did not reach the route that holds it"
    assert not tab.evaluate(_SEARCH_READY), "the search was ready before its index was served"
    release[0].continue_()
    result = tab.locator(f'.md-search-result__item a[href*="{TECHNIQUE_PAGE}"]').first
    result.wait_for(state="visible", timeout=SEARCH_READY_MS + SEARCH_RESULT_MS)


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


def test_a_missing_address_gets_the_sites_404_page_with_its_styles(context, site_url):
    """Served as on GitHub Pages, at the published sub-path: the 404 page's assets use absolute
    addresses built from site_url, so they must resolve under the sub-path, not the server's root."""
    tab = context.new_page()
    failed = []
    tab.on("response", lambda r: r.status >= 400 and "no-such-page" not in r.url and failed.append(
        f"{r.url} (HTTP {r.status})"))
    response = tab.goto(site_url + "no-such-page/")
    assert response.status == 404
    tab.wait_for_load_state("networkidle")
    assert "404" in tab.locator("article h1").inner_text()
    assert not failed, f"the 404 page's assets failed to load: {failed}"
    header = tab.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor")
    assert header not in ("rgba(0, 0, 0, 0)", "transparent"), "the 404 page has no stylesheet"


def test_the_old_address_of_a_moved_page_forwards_to_its_new_one(context, site_url):
    """Batch norm moved from Regularization to Normalization (mkdocs-redirects, mkdocs.yml)."""
    tab = context.new_page()
    tab.goto(site_url + "regularization/batch-norm/#pitfalls")
    tab.wait_for_url("**/normalization/batch-norm/#pitfalls")
    assert tab.locator("article h1").inner_text().startswith("Batch normalization")
