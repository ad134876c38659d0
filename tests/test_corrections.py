"""The public corrections log (docs/corrections.yml) and the hook that renders it (docs/hooks/corrections.py).

The log must stay true: every row has all its fields, names a page that exists (and an anchor that
exists on it), a test function that exists in the named file (a parametrized id in brackets is allowed)
and a source that is a catalogue id or a short citation. The hook must render every row and refuse a
bad one, naming it. The pages must keep the one rule the log's S3 row promises.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import mkdocs_config

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LOG = DOCS / "corrections.yml"
FIELDS = ["date", "id", "page", "said", "says", "source", "test"]

hook = importlib.import_module("pipeline.corrections")
ROWS = yaml.safe_load(LOG.read_text(encoding="utf-8"))["corrections"]
CATALOGUE_IDS = {e["id"] for e in yaml.safe_load((DOCS / "resources.yml").read_text(encoding="utf-8"))
                 ["resources"]}


def _row_id(row):
    return str(row.get("id", "?"))


def _anchors(page: Path) -> set[str]:
    """Ids a link may target on a page: explicit ``{ #id }`` attributes and the toc slugs of headings."""
    text = page.read_text(encoding="utf-8")
    anchors = set(re.findall(r"\{[^}\n]*#([\w-]+)[^}\n]*\}", text))
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", text, flags=re.MULTILINE):
        if "{" not in heading:  # python-markdown's default slugify
            slug = re.sub(r"[^\w\s-]", "", heading).strip().lower()
            anchors.add(re.sub(r"[-\s]+", "-", slug))
    return anchors


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


# ---------------------------------------------------------------------------------------------------
# The rows


def test_log_passes_the_hooks_validation():
    rows = hook.load(LOG, DOCS)
    assert len(rows) == len(ROWS) > 0
    dates = [hook._date(r["date"]) for r in rows]
    assert dates == sorted(dates, reverse=True), "rendered newest first"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_row_has_every_field_in_order(row):
    assert list(row) == FIELDS, f"{_row_id(row)}: fields must be {FIELDS}, got {list(row)}"
    for field in FIELDS:
        assert row[field] not in (None, ""), f"{_row_id(row)}: {field} is empty"
    assert isinstance(row["date"], dt.date), f"{_row_id(row)}: date must be an unquoted YYYY-MM-DD"


def test_ids_are_unique():
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_row_names_a_page_and_anchor_that_exist(row):
    path, _, anchor = row["page"].partition("#")
    page = DOCS / path
    assert page.is_file(), f"{_row_id(row)}: no page docs/{path}"
    if anchor:
        assert anchor in _anchors(page), f"{_row_id(row)}: docs/{path} has no anchor #{anchor}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_row_names_a_test_that_exists(row):
    match = re.fullmatch(r"(tests/[\w/]+\.py)::(test_\w+)(\[[^\]]+\])?", row["test"])
    assert match, f"{_row_id(row)}: test must look like tests/test_x.py::test_name, got {row['test']!r}"
    path = ROOT / match.group(1)
    assert path.is_file(), f"{_row_id(row)}: no file {match.group(1)}"
    assert match.group(2) in _test_functions(path), f"{_row_id(row)}: no {match.group(2)} in {path.name}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_source_is_a_catalogue_id_or_a_citation(row):
    source = row["source"].strip()
    if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", source):
        assert source in CATALOGUE_IDS, f"{_row_id(row)}: {source!r} is not a catalogue id"
    else:
        assert " " in source and "://" not in source, f"{_row_id(row)}: cite by name, not by address"


# ---------------------------------------------------------------------------------------------------
# The hook


def _write(tmp_path, rows, pages=("a.md",)):
    docs = tmp_path / "docs"
    docs.mkdir()
    for page in pages:
        (docs / page).write_text("---\ntitle: Page A\n---\n\n# A\n\n## Math { #math }\n", encoding="utf-8")
    log = docs / "corrections.yml"
    log.write_text(yaml.safe_dump({"corrections": rows}, sort_keys=False), encoding="utf-8")
    return log, docs


def _good_row(**changes):
    row = {"date": dt.date(2026, 12, 2), "id": "M1", "page": "a.md#math", "said": "x | y",
           "says": "z", "source": "lit-id", "test": "tests/test_a.py::test_b[case]"}
    row.update(changes)
    return row


def test_hook_renders_a_linked_table_newest_first(tmp_path):
    rows = [_good_row(), _good_row(id="S1", date=dt.date(2026, 12, 3), source="A Book, 2016")]
    log, docs = _write(tmp_path, rows)
    catalogue = {"lit-id": {"title": "A paper", "url": "https://example.org/p", "status": "ok"}}
    table = hook.render(hook.load(log, docs), "corrections.md", docs, catalogue)
    lines = table.splitlines()
    assert lines[0].startswith("| date |") and len(lines) == 4
    assert lines[2].startswith("| 2026-12-03 | S1 | [Page A](a.md#math)")
    assert "x \\| y" in lines[3] and "[A paper](https://example.org/p)" in lines[3]
    assert "`tests/test_a.py::test_b[case]`" in lines[3]
    linked = hook.render(hook.load(log, docs), "sub/corrections.md", docs, catalogue,
                         repo_url="https://example.org/repo")
    assert "(../a.md#math)" in linked
    assert "(https://example.org/repo/blob/HEAD/tests/test_a.py)" in linked


@pytest.mark.parametrize(("change", "message"), [
    ({"said": None}, "missing field.*said"),
    ({"page": "missing.md"}, "page 'missing.md' does not exist"),
    ({"page": "https://example.org/a.md"}, "page must be a docs-relative"),
    ({"test": "test_b"}, "test must look like"),
    ({"id": "fix 1"}, "id must look like"),
    ({"date": "2 December"}, "date must be YYYY-MM-DD"),
    ({"extra": "x"}, "unknown field"),
])
def test_hook_refuses_a_bad_row_naming_it(tmp_path, change, message):
    row = {**_good_row(id="M2"), **change}
    log, docs = _write(tmp_path, [_good_row(), row])
    with pytest.raises(hook.CorrectionsError, match=rf"row 2 \({re.escape(row['id'])}\): {message}"):
        hook.load(log, docs)


def test_hook_refuses_a_repeated_id(tmp_path):
    log, docs = _write(tmp_path, [_good_row(), _good_row()])
    with pytest.raises(hook.CorrectionsError, match="id 'M1' appears twice"):
        hook.load(log, docs)


def test_the_corrections_page_is_in_the_navigation_and_has_the_marker():
    nav = mkdocs_config()["nav"]
    assert {"Corrections": "corrections.md"} in nav
    assert hook.MARKER.search((DOCS / "corrections.md").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------
# What the S3 row promises: one rule for choosing the learning rate on every page and notebook

CONTRADICTIONS = [
    r"choose the learning rate[^.]{0,60}\bby how (?:fast|well|low)[^.]{0,60}training cost",
    r"training\*? cost, and it\s+is chosen first",
]


def test_every_page_gives_one_rule_for_choosing_the_learning_rate():
    sources = sorted(DOCS.rglob("*.md")) + sorted((DOCS / "examples").glob("*.py"))
    found = []
    for path in sources:
        text = " ".join(path.read_text(encoding="utf-8").split())
        found += [f"{path.relative_to(ROOT)}: {m.group(0)!r}"
                  for pattern in CONTRADICTIONS for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
    assert not found, "pages choose the learning rate by the training cost alone:\n" + "\n".join(found)
    for page in ("optimization/gradient-descent.md", "start-here/training-recipe.md",
                 "regularization/overfitting.md", "learning-rate/lr-finder.md"):
        text = " ".join((DOCS / page).read_text(encoding="utf-8").split()).lower()
        assert "working range" in text and ("validation" in text or "dev " in text), page


# ---------------------------------------------------------------------------------------------------
# Rows whose guard is a property of the pages themselves


def _nav_pages():
    nav = mkdocs_config()["nav"]
    found = []

    def walk(item):
        if isinstance(item, str) and item.endswith(".md"):
            found.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(nav)
    return found


def test_home_page_describes_where_how_this_is_verified_is():
    """M19: the home page said every page *ends* with "How this is verified". It is the sixth of
    eight sections of a technique page, and the pages without it are named on the home page."""
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "ends with \"How this is verified\"" not in home
    bullet = re.search(r"- \*\*Checking a claim\*\*:(.*?)\n- \*\*", home, flags=re.DOTALL).group(1)
    assert '"From the notes" and "Further reading" follow it' in " ".join(bullet.split())
    linked = set(re.findall(r"\]\(([\w/.-]+\.md)\)", bullet))
    without = {page for page in _nav_pages() if page != "index.md"
               and "{ #verified }" not in (DOCS / page).read_text(encoding="utf-8")}
    assert without == linked, f"pages without the section: {sorted(without)}; named: {sorted(linked)}"


def test_newcomers_path_recommends_d2l_and_goodfellow_and_not_the_contested_video():
    """M21: the newcomer's path names the two anchor books and no longer starts with the video whose
    author admitted plagiarism in 2019 (it stays in the further reading and the Library)."""
    page = (DOCS / "library" / "deep-learning-in-general.md").read_text(encoding="utf-8")
    markers = {m.start(): [i.strip() for i in m.group(1).split(",")]
               for m in re.finditer(r"<!--\s*resources:\s*([^>]*?)\s*-->", page)}
    books = page.index("{ #books }")
    book_ids = next(ids for start, ids in sorted(markers.items()) if start > books)
    assert {"zhang-d2l-book", "goodfellow-bengio-courville-dlbook"} <= set(book_ids)
    assert {"zhang-d2l-book", "goodfellow-bengio-courville-dlbook"} <= CATALOGUE_IDS
    assert all("raval-intro-to-dl-1" not in ids for ids in markers.values())
