"""What a learner takes away, in Chromium: the downloads of a notebook page and of a technique page
resolve and serve what they say (docs/hooks/notebook_downloads.py, pipeline/exercises.py), and every
technique page with an exercise shows "Try it yourself". axe-core checks the new pages (Exercises, the
blocks) in the crawl of every page (tests/browser/test_pages.py), which finds them in the built site."""

from __future__ import annotations

import importlib
import json

import nbformat
import pytest

EXERCISES = importlib.import_module("pipeline.exercises").specs()
PYTHON_TYPES = {"text/x-python", "text/plain", "application/x-python-code"}
NOTEBOOK_TYPES = {"application/x-ipynb+json", "application/json", "application/octet-stream"}


@pytest.fixture
def tab(browser):
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _fetch(tab, url):
    response = tab.request.get(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    return response.headers.get("content-type", "").split(";")[0].strip(), response.body()


def _links(tab, selector):
    return tab.eval_on_selector_all(f"{selector} a[href]", "links => links.map(a => a.href)")


def test_notebook_page_downloads_serve_the_notebook_its_source_and_its_snippets(tab, site_url):
    tab.goto(site_url + "examples/digits/", wait_until="load")
    assert tab.locator(".notebook-downloads").is_visible()
    links = _links(tab, ".notebook-downloads")
    notebook = next(link for link in links if link.endswith("/digits.ipynb"))
    kind, body = _fetch(tab, notebook)
    assert kind in NOTEBOOK_TYPES
    executed = nbformat.reads(body.decode("utf-8"), as_version=4)
    nbformat.validate(executed)
    assert any(cell.get("outputs") for cell in executed.cells)
    sources = [link for link in links if link.startswith(site_url) and link.endswith(".py")]
    assert any(link.endswith("/examples/digits/digits.py") for link in sources)
    assert any("/snippets/" in link for link in sources)
    for link in sources:
        kind, body = _fetch(tab, link)
        assert kind in PYTHON_TYPES, f"{link}: {kind}"
        compile(body, link, "exec")
    assert any(link.startswith("https://mybinder.org/v2/gh/") for link in links)
    json.dumps(executed)  # plain JSON through and through


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.module for e in EXERCISES])
def test_technique_page_shows_try_it_yourself_with_working_downloads(tab, site_url, exercise):
    tab.goto(site_url + exercise.page.removesuffix(".md") + "/", wait_until="load")
    heading = tab.locator("h2#try-it-yourself")
    assert heading.is_visible()
    command = tab.locator("article pre", has_text=f"pytest check_{exercise.module}.py")
    assert command.count() == 1 and command.is_visible()
    links = [link for link in tab.eval_on_selector_all(
        "h2#try-it-yourself ~ p a[href]", "links => links.map(a => a.href)")
        if link.startswith(site_url) and link.endswith(".py")]
    wanted = (f"/exercises/exercise_{exercise.module}.py", f"/exercises/check_{exercise.module}.py",
              f"/snippets/{exercise.module}.py")
    assert all(any(link.endswith(end) for link in links) for end in wanted), links
    for link in links:
        kind, body = _fetch(tab, link)
        assert kind in PYTHON_TYPES, f"{link}: {kind}"
        compile(body, link, "exec")
