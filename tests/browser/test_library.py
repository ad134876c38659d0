"""The Library's filter in a real browser: type, select, see the count change; by keyboard; axe-clean.

The expected counts come from docs/resources.yml itself, not from the page: the filter must agree with
the catalogue. The form and the rows are rendered by docs/hooks/catalogue.py; docs/javascripts/library.js
brings the form to life.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.browser.conftest import AXE_OPTIONS, _axe_script

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = yaml.safe_load((ROOT / "docs" / "resources.yml").read_text(encoding="utf-8"))["resources"]
TOTAL = len(ENTRIES)
LIBRARY = "library/"


def _count(**match) -> int:
    return sum(1 for e in ENTRIES if all(test(e) for test in match.values()))


def _text_matches(entry: dict, text: str) -> bool:
    byline = ", ".join(str(p) for p in (entry["author"], entry["year"]) if p) or "-"
    return text in f"{entry['title']} {byline}".lower()


def _said(tab) -> str:
    return tab.locator("#library-count").inner_text()


def _visible_ids(tab) -> set[str]:
    return set(tab.evaluate("""() => [...document.querySelectorAll('.library-entry')]
        .filter((el) => el.closest('tr').checkVisibility())
        .map((el) => el.dataset.id)"""))


@pytest.fixture
def tab(browser, site_url):
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(site_url + LIBRARY)
    yield page
    context.close()
    assert errors == [], "the Library page logged errors"


def test_the_filter_starts_with_every_resource_shown(tab):
    assert tab.locator("#library-filter").is_visible()
    assert _said(tab) == f"{TOTAL} resources."
    assert len(_visible_ids(tab)) == TOTAL


def test_typing_narrows_the_list_and_the_count_follows(tab):
    tab.get_by_label("Title or author").fill("smith")
    expected = {e["id"] for e in ENTRIES if _text_matches(e, "smith")}
    assert expected, "the catalogue has resources by Smith"
    assert _said(tab) == f"{len(expected)} of {TOTAL} resources match."
    assert _visible_ids(tab) == expected
    tab.get_by_label("Title or author").fill("no resource is called this")
    assert _said(tab) == f"No resource matches: {TOTAL} in all."
    assert _visible_ids(tab) == set()


def test_selecting_a_topic_shows_only_that_topics_section(tab):
    tab.get_by_label("Topic").select_option("learning-rate/swa")
    expected = {e["id"] for e in ENTRIES if "learning-rate/swa" in e["topics"]}
    assert _said(tab) == f"{len(expected)} of {TOTAL} resources match."
    assert _visible_ids(tab) == expected
    visible_sections = tab.evaluate("""() => [...document.querySelectorAll('.library-topic')]
        .filter((el) => el.checkVisibility()).map((el) => el.dataset.topic)""")
    assert visible_sections == ["learning-rate/swa"]


def test_kind_and_status_combine_and_agree_with_the_catalogue(tab):
    tab.get_by_label("Link status").select_option("moved")
    moved = _count(status=lambda e: e["status"] == "moved")
    assert _said(tab) == f"{moved} of {TOTAL} resources match."
    tab.get_by_label("Kind").select_option("post")
    both = {e["id"] for e in ENTRIES if e["status"] == "moved" and e["kind"] == "post"}
    assert 0 < len(both) < moved
    assert _said(tab) == f"{len(both)} of {TOTAL} resources match."
    assert _visible_ids(tab) == both


def test_show_all_resets_every_control(tab):
    tab.get_by_label("Link status").select_option("dead")
    tab.get_by_label("Title or author").fill("a")
    tab.get_by_role("button", name="Show all").click()
    tab.wait_for_function(f"document.getElementById('library-count').textContent === '{TOTAL} resources.'")
    assert tab.get_by_label("Link status").input_value() == ""
    assert len(_visible_ids(tab)) == TOTAL


def test_the_filter_works_from_the_keyboard_alone(tab):
    tab.get_by_label("Title or author").focus()
    tab.keyboard.type("hinton")
    expected = {e["id"] for e in ENTRIES if _text_matches(e, "hinton")}
    assert _said(tab) == f"{len(expected)} of {TOTAL} resources match."
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "library-topic"
    tab.keyboard.press("Tab")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "library-status"
    tab.keyboard.press("ArrowDown")  # the first status after "every status"
    first = tab.get_by_label("Link status").input_value()
    assert first, "the arrow key chose a status"
    narrowed = {i for i in expected if next(e for e in ENTRIES if e["id"] == i)["status"] == first}
    assert _visible_ids(tab) == narrowed
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Show all"
    tab.keyboard.press("Enter")
    tab.wait_for_function(f"document.getElementById('library-count').textContent === '{TOTAL} resources.'")


def test_the_count_is_announced_politely(tab):
    assert tab.locator("#library-count").get_attribute("role") == "status"


def test_without_javascript_the_form_stays_hidden_and_everything_shows(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + LIBRARY)
        assert not page.locator("#library-filter").is_visible()
        assert page.locator(".library-entry").count() >= TOTAL
    finally:
        context.close()


def test_the_library_shows_no_never_checked_entry_and_counts_per_status(tab):
    text = tab.locator("article").inner_text()
    assert re.search(r"never checked\s+0\s", text), "every entry has dated evidence"
    for status in ("ok", "moved", "dead", "unverified"):
        n = sum(1 for e in ENTRIES if e["status"] == status)
        row = rf"\n{status}\s+{n}\s+\d{{4}}-\d\d-\d\d"
        assert re.search(row, text), f"the count of {status} links and its newest evidence date"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_the_filtered_library(browser, site_url, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    foreign = []
    host = urlsplit(site_url).netloc
    context.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https")
               and urlsplit(r.url).netloc != host and foreign.append(r.url))
    try:
        page = context.new_page()
        page.goto(site_url + LIBRARY)
        page.get_by_label("Link status").select_option("moved")
        # An evidence line opened from the keyboard (a click would leave the row hovered, a state that
        # Material's tables share on every page and that this test is not about).
        summary = page.locator("details.link-evidence summary:visible").first
        summary.focus()
        page.keyboard.press("Enter")
        assert summary.evaluate("(el) => el.parentElement.open")
        page.evaluate(_axe_script())
        violations = page.evaluate("""(options) => axe.run(document, options).then((r) => r.violations
            .map((v) => ({id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' '))})))""",
                                   AXE_OPTIONS)
    finally:
        context.close()
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert foreign == [], "the Library loads nothing from another host"
