"""Render the public corrections log from ``docs/corrections.yml``.

The page ``corrections.md`` holds the marker ``<!-- corrections -->``; this hook replaces it with one
table row per correction, newest first: the date, the page (linked, with its anchor), what the page
said, what it says now, the source (a catalogue id becomes a link to that resource; anything else is
shown as a short citation) and the test that now guards it. Tests are not published with the site: when
``repo_url`` is set in ``mkdocs.yml`` the test links to its file in the repository, otherwise its path
is shown as code.

A row with a missing or unknown field, a bad date or id, or a page that does not exist fails the build,
naming the row and the field. tests/test_corrections.py checks further that every named test function
and every anchor exists.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path

import yaml

from pipeline import ROOT, BuildError

LOG = ROOT / "docs" / "corrections.yml"
CATALOGUE = ROOT / "docs" / "resources.yml"

FIELDS = ("date", "id", "page", "said", "says", "source", "test")
MARKER = re.compile(r"<!--\s*corrections\s*-->")
ID_PATTERN = re.compile(r"^[A-Za-z]+-?\d+$")
# A Markdown page, or a worked example (a jupytext notebook under examples/, a page of its own).
PAGE_PATTERN = re.compile(r"^(?P<path>[\w./-]+\.md|examples/[\w.-]+\.py)(?:#(?P<anchor>[\w-]+))?$")
TEST_PATTERN = re.compile(r"^(?P<file>tests/[\w/]+\.py)::(?P<name>test_\w+)(?:\[[^\]]+\])?$")
CATALOGUE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CorrectionsError(BuildError):
    """The corrections log is invalid; the message names the row and the field."""


def load(path: Path | str = LOG, docs_dir: Path | str = ROOT / "docs") -> list[dict]:
    """Read and validate the log; return its rows, newest first (ties keep the file's order)."""
    path, docs_dir = Path(path), Path(docs_dir)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("corrections"), list):
        raise CorrectionsError(f"{path.name}: expected a mapping with a list under 'corrections'")
    rows = data["corrections"]
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        problem = _row_problem(row, docs_dir)
        if problem:
            name = row.get("id") if isinstance(row, dict) else None
            raise CorrectionsError(f"{path.name}: row {number} ({name or 'no id'}): {problem}")
        if row["id"] in seen:
            raise CorrectionsError(f"{path.name}: row {number}: id {row['id']!r} appears twice")
        seen.add(row["id"])
    order = sorted(range(len(rows)), key=lambda i: (-_date(rows[i]["date"]).toordinal(), i))
    return [rows[i] for i in order]


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _row_problem(row, docs_dir: Path) -> str | None:
    if not isinstance(row, dict):
        return f"expected a mapping with fields {', '.join(FIELDS)}"
    missing = [f for f in FIELDS if f not in row or row[f] in (None, "")]
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        return f"unknown field(s) {', '.join(unknown)}"
    try:
        _date(row["date"])
    except ValueError:
        return f"date must be YYYY-MM-DD, got {row['date']!r}"
    if not ID_PATTERN.match(str(row["id"])):
        return f"id must look like S1, M12 or seed-3, got {row['id']!r}"
    for field in ("page", "said", "says", "source", "test"):
        if not isinstance(row[field], str):
            return f"{field} must be a string, got {type(row[field]).__name__}"
    page = PAGE_PATTERN.match(row["page"])
    if not page:
        return (f"page must be a docs-relative .md path (or examples/*.py) with an optional #anchor, "
                f"got {row['page']!r}")
    if not (docs_dir / page.group("path")).is_file():
        return f"page {page.group('path')!r} does not exist under docs/"
    if not TEST_PATTERN.match(row["test"]):
        return f"test must look like tests/test_x.py::test_name, got {row['test']!r}"
    return None


def _cell(text: str) -> str:
    """A table cell: one line, pipes escaped; inline Markdown and math are kept."""
    return " ".join(text.split()).replace("|", "\\|")


def _page_title(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    front = re.match(r"^---\n(.*?)\n---\n", text, flags=re.DOTALL)
    if front:
        meta = yaml.safe_load(front.group(1)) or {}
        if isinstance(meta, dict) and meta.get("title"):
            return str(meta["title"])
    # A notebook's title is its first Markdown cell's heading, written "# # Title" in jupytext.
    pattern = r"^# # (.+?)\s*$" if path.suffix == ".py" else r"^# (.+?)\s*$"
    heading = re.search(pattern, text, flags=re.MULTILINE)
    return heading.group(1) if heading else path.stem


def render(rows: list[dict], page_src: str, docs_dir: Path | str, catalogue: dict[str, dict],
           repo_url: str | None = None) -> str:
    """The Markdown table of ``rows`` for the page at ``page_src`` (docs-relative)."""
    docs_dir = Path(docs_dir)
    here = posixpath.dirname(page_src) or "."
    lines = ["| date | id | page | it said | it says now | source | guarded by |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        target = PAGE_PATTERN.match(row["page"])
        link = posixpath.relpath(target.group("path"), here)
        if target.group("anchor"):
            link += f"#{target.group('anchor')}"
        title = _cell(_page_title(docs_dir / target.group("path")))
        lines.append(" | ".join([
            f"| {_date(row['date']).isoformat()}", f"{row['id']}", f"[{title}]({link})",
            _cell(row["said"]), _cell(row["says"]), _source(row["source"], catalogue),
            _test(row["test"], repo_url) + " |"]))
    return "\n".join(lines)


def _source(source: str, catalogue: dict[str, dict]) -> str:
    source = source.strip()
    if CATALOGUE_ID.match(source) and source in catalogue:
        entry = catalogue[source]
        url = entry.get("archive_url") if entry.get("status") == "dead" else entry.get("url")
        return f"[{_cell(str(entry['title']))}]({url})"
    return _cell(source)


def _test(test: str, repo_url: str | None) -> str:
    if repo_url:
        file = TEST_PATTERN.match(test).group("file")
        return f"[`{test}`]({repo_url.rstrip('/')}/blob/HEAD/{file})"
    return f"`{test}`"


def load_catalogue(path: Path | str = CATALOGUE) -> dict[str, dict]:
    """The resource catalogue by id (only ``title``, ``url``, ``archive_url`` and ``status`` are used)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {e["id"]: e for e in data["resources"]}


# ---------------------------------------------------------------------------------------------------
# The step


def prepare(docs_dir: Path | str = ROOT / "docs", repo_url: str | None = None) -> dict:
    """Read and validate the log and the catalogue once per build (a bad row fails the build now)."""
    docs_dir = Path(docs_dir)
    return {"rows": load(LOG, docs_dir), "catalogue": load_catalogue(), "docs_dir": docs_dir,
            "repo_url": repo_url}


def page_markdown(markdown: str, page_src: str, state: dict) -> str:
    """One page's Markdown with the corrections marker replaced by the table (unchanged without it)."""
    if not MARKER.search(markdown):
        return markdown
    table = render(state["rows"], page_src, state["docs_dir"], state["catalogue"], state["repo_url"])
    return MARKER.sub(lambda _: table, markdown)
