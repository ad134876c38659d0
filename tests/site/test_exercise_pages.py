"""Exercises on the built site (pipeline/exercises.py): every technique page with an exercise ends with
"Try it yourself", the files it links are published, and the Exercises page lists them all in order."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
hook = importlib.import_module("pipeline.exercises")
EXERCISES = hook.specs()
# Technique pages (they embed a snippet) whose exercise is still to be written (issue 17: "then the rest").
WITHOUT_EXERCISE_YET = {
    "foundations/activations.md", "foundations/mlp.md",
    "foundations/standardization.md", "learning-rate/lr-finder.md", "learning-rate/swa.md",
    "optimization/gradient-descent.md", "optimization/mini-batches.md",
    "regularization/data-augmentation.md",
    # warm-up and label smoothing share a module with an exercise (schedules, objectives)
    "learning-rate/warm-up.md", "regularization/label-smoothing.md",
    # transfer learning (issue 16)
    "practice/transfer-learning.md",
}


def technique_pages() -> set[str]:
    return {path.relative_to(ROOT / "docs").as_posix() for path in (ROOT / "docs").rglob("*.md")
            if '--8<-- "snippets/' in path.read_text(encoding="utf-8")}


def test_every_technique_page_has_an_exercise_or_is_listed_as_still_without_one():
    with_exercise = {exercise.page for exercise in EXERCISES}
    assert with_exercise <= technique_pages()
    assert technique_pages() - with_exercise == WITHOUT_EXERCISE_YET


def _html(built_site, page):
    return (built_site / page.removesuffix(".md") / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.module for e in EXERCISES])
def test_technique_page_ends_with_try_it_yourself(built_site, exercise):
    html = _html(built_site, exercise.page)
    article = re.search(r"<article[^>]*>(.*)</article>", html, re.S).group(1)
    headings = re.findall(r'<h2 id="([\w-]+)"', article)
    assert headings[-1] == "try-it-yourself", headings
    block = article[article.index('<h2 id="try-it-yourself"'):]
    mod = exercise.module
    assert f"pytest check_{mod}.py" in re.sub(r"<[^>]+>", "", block)
    for link in (f"exercises/exercise_{mod}.py", f"exercises/check_{mod}.py", f"snippets/{mod}.py"):
        assert re.search(rf'href="(\.\./)+{re.escape(link)}"', block), link
        assert (built_site / link).is_file(), link
    published = (built_site / "snippets" / f"{mod}.py").read_bytes()
    assert published == (ROOT / "snippets" / f"{mod}.py").read_bytes()


def test_exercises_page_lists_every_exercise_in_the_suggested_order(built_site):
    html = (built_site / "exercises" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'href="(?:\.\./exercises/)?exercise_(\w+)\.py"', html)
    assert listed == [e.module for e in sorted(EXERCISES, key=lambda e: e.order)]
    assert "exercises-list" not in html
