"""What the search index holds (docs/hooks/search_index.py): the pages' own text and code, not the
further-reading copies of the catalogue nor notebook prompts and outputs."""

from __future__ import annotations

import importlib
import json

search_index = importlib.import_module("pipeline.search_index")


def test_further_reading_heading_is_marked_and_other_headings_are_not():
    html = '<h2 id="math">Math</h2><h2 id="further-reading">Further reading</h2>'
    marked = search_index.exclude_from_search(html)
    assert '<h2 id="further-reading" data-search-exclude="true">' in marked
    assert '<h2 id="math">' in marked


def test_notebook_outputs_and_prompts_are_marked_but_not_their_code():
    html = ('<div class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div>'
            '<div class="jp-CodeMirrorEditor jp-Editor">code</div>'
            '<div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">x</div>')
    marked = search_index.exclude_from_search(html)
    assert marked.count("data-search-exclude") == 2
    assert '<div class="jp-CodeMirrorEditor jp-Editor">' in marked
    assert '<div class="jp-OutputArea-child">' in marked  # inside an excluded element already


def test_marking_twice_changes_nothing():
    html = '<h2 id="further-reading">F</h2><div class="jp-OutputArea">o</div>'
    once = search_index.exclude_from_search(html)
    assert search_index.exclude_from_search(once) == once


def _index(built_site) -> dict[str, str]:
    data = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return {doc["location"]: doc["title"] + " " + doc["text"] for doc in data["docs"]}


def test_built_index_has_no_further_reading_section_nor_notebook_prompt(built_site):
    docs = _index(built_site)
    further = [loc for loc in docs if loc.endswith("#further-reading")]
    assert further == [], f"further-reading sections are indexed: {further[:5]}"
    prompts = [loc for loc, text in docs.items() if "In\xa0[1]:" in text]
    assert prompts == [], f"notebook prompts are indexed on {prompts}"


def test_built_index_still_finds_pages_their_code_and_the_library(built_site):
    docs = _index(built_site)
    assert any(loc.startswith("regularization/dropout/") and "dropout_forward" in text
               for loc, text in docs.items()), "the dropout page's code is not searchable"
    assert any(loc.startswith("examples/digits/") and "lr_range_test" in text
               for loc, text in docs.items()), "a notebook's code is not searchable"
    assert any(loc.startswith("library/") and "Karpathy" in text for loc, text in docs.items()), (
        "the Library's entries are not searchable")


def test_built_pages_do_not_show_the_search_attribute(built_site):
    html = (built_site / "regularization" / "dropout" / "index.html").read_text(encoding="utf-8")
    assert 'id="further-reading"' in html and "data-search-exclude" not in html
