"""Render every page's further reading, and the Library, from the resource catalogue.

``docs/resources.yml`` is the single source of truth for external resources. At build time this hook
loads and validates it (a bad entry fails the build, naming the entry and the field), then replaces
three kinds of marker in any page:

- ``<!-- further-reading: <topic-id> -->``: the list of resources whose ``topics`` include the topic
  (a topic id is a page path without ``.md``, e.g. ``regularization/dropout``); an id that is not a
  page of the navigation fails the build. Resources already shown on the same page by a
  ``resources:`` marker are not repeated.
- ``<!-- resources: id-one, id-two -->``: the named resources, in that order (for pages that present
  resources in prose order, such as the newcomer's path); an unknown id fails the build.
- ``<!-- library -->``: every resource by topic, in navigation order, with its kind, language and link
  status, preceded by counts per status (with the date of the newest evidence) and by a filter form
  (topic, kind, status, text) that docs/javascripts/library.js brings to life.

Every list shows each entry's link status the same way (``status_mark``): the status, the date it was
established and the kind of evidence behind it. For a moved link the archived copy of the notes'
address is offered beside it; for a dead link the title leads to the archived copy. A Wayback address
with a full timestamp is a specific capture; a year-only one is labelled "nearest capture" (the
Wayback Machine redirects it to the capture nearest that year). Pages never write external URLs by
hand (tests/test_catalogue.py).
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import yaml

from pipeline import ROOT, BuildError

CATALOGUE = ROOT / "docs" / "resources.yml"

# Field order of an entry; the optional ones may be left out.
FIELDS = ("id", "title", "author", "year", "kind", "language", "topics", "url", "original_url",
          "copy_url", "archive_url", "status", "checked", "evidence", "confidence", "bot_hostile", "note",
          "reason", "source")
# evidence and confidence are optional here only so that an entry never checked (checked: null) still
# builds and is shown as such; tests/test_catalogue.py requires both of every entry of the catalogue.
OPTIONAL = {"original_url", "copy_url", "evidence", "confidence", "bot_hostile", "reason", "source"}
KINDS = ("course", "book", "video", "post", "article", "paper", "repository", "tool", "image")
STATUSES = {
    "ok": "ok",
    "moved": "moved",
    "dead": "dead",
    "unverified": "unverified",
}
NEVER_CHECKED = "never checked"
# What each kind of evidence means; an ``evidence`` line starts with one of these, then ": ".
EVIDENCE_KINDS = {
    "live check": "the weekly link check (LinkChecker, tools/check_links.py) fetched the address that day",
    "repository": "the site is built from a public repository whose newest commit (dated) still has "
                  "the page, or no longer has it",
    "issue thread": "dated public issue or pull-request threads report what happened to the address",
    "stored copy": "a stored copy of the page at this address exists; it carries no date, so it proves "
                   "the page existed at some point, not that it is there today",
    "citations": "recent, dated works cite and embed the address",
    "stable host": "a stable identifier or publisher host (arXiv, DOI, PMLR, JMLR, vendor documentation), "
                   "not looked up one by one",
    "no evidence": "nothing usable was found either way",
}
CONFIDENCES = ("high", "medium", "low")
# Hosts that answer 403 or a login wall to scripts (Medium and its custom domains, X, Udemy): a machine
# can never verify them, so their entries carry ``bot_hostile: true`` and the weekly check leaves their
# researched status alone.
BOT_HOSTILE_HOSTS = ("medium.com", "codeburst.io", "becominghuman.ai", "techburst.io", "x.com",
                     "twitter.com", "udemy.com")
LANGUAGES = {"en": "English", "zh": "Chinese", "fr": "French", "de": "German", "es": "Spanish",
             "ja": "Japanese", "ru": "Russian", "pt": "Portuguese", "ko": "Korean"}
TRACKING_PARAMETERS = {"mkt_tok", "siteid", "lsnpubid", "ref_src", "fbclid", "gclid"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARCHIVE_PATTERN = re.compile(r"^https://web\.archive\.org/web/(?P<stamp>\d{4,14})/https?://\S+$")
EVIDENCE_PATTERN = re.compile(rf"^(?P<kind>{'|'.join(EVIDENCE_KINDS)}): \S")

FURTHER_READING = re.compile(r"<!--\s*further-reading:\s*(?P<topic>[^\s>]*)\s*-->")
RESOURCES = re.compile(r"<!--\s*resources:\s*(?P<ids>[^>]*?)\s*-->")
LIBRARY = re.compile(r"<!--\s*library\s*-->")


class CatalogueError(BuildError):
    """The catalogue or a marker is invalid; the message names the entry, field or marker."""


# ---------------------------------------------------------------------------------------------------
# Loading and validation


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter only tracks the reader (``utm_*``, ``mkt_tok``, affiliate ids)."""
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def tracking_parameters(url: str) -> list[str]:
    """The tracking parameters present in ``url``'s query string."""
    return [k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if is_tracking_parameter(k)]


def load(path: Path | str = CATALOGUE, topics=None) -> list[dict]:
    """Read the catalogue at ``path`` and validate it; return its entries as dicts.

    ``topics``, when given, is the collection of valid topic ids (the navigation's pages).
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CatalogueError(f"{path.name} is not valid YAML: {err}") from err
    if not isinstance(data, dict) or set(data) != {"resources"} or not isinstance(data["resources"], list):
        raise CatalogueError(f"{path.name} must hold one key, 'resources:', with a list of entries")
    entries = data["resources"]
    validate(entries, topics)
    return entries


def validate(entries: list, topics=None) -> None:
    """Raise CatalogueError naming the first entry and field that break the schema."""
    seen_ids: set[str] = set()
    seen_urls: dict[str, str] = {}
    for index, entry in enumerate(entries):
        name = entry.get("id") if isinstance(entry, dict) else None
        where = f"resource {name!r}" if isinstance(name, str) else f"resource #{index + 1}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: an entry must be a mapping, got {type(entry).__name__}")
        problem = _entry_problem(entry, topics)
        if problem:
            raise CatalogueError(f"{where}: {problem}")
        if name in seen_ids:
            raise CatalogueError(f"{where}: the id is used twice")
        seen_ids.add(name)
        for field in ("url", "original_url", "copy_url"):
            url = entry.get(field)
            if url is None:
                continue
            if url in seen_urls and seen_urls[url] != name:
                raise CatalogueError(f"{where}: {field} {url} is also an address of {seen_urls[url]!r}")
            seen_urls[url] = name


def _entry_problem(entry: dict, topics) -> str | None:
    keys = list(entry)
    unknown = [k for k in keys if k not in FIELDS]
    if unknown:
        return f"unknown field(s) {unknown}; allowed: {list(FIELDS)}"
    missing = [f for f in FIELDS if f not in OPTIONAL and f not in entry]
    if missing:
        return f"missing field(s) {missing}"
    if keys != [f for f in FIELDS if f in entry]:
        return f"fields out of order: {keys}; expected the order {list(FIELDS)}"
    if not isinstance(entry["id"], str) or not ID_PATTERN.match(entry["id"]):
        return f"id must be lower-case words joined by '-', got {entry['id']!r}"
    for field in ("title", "note"):
        value = entry[field]
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            return f"{field} must be a non-empty single line of text, got {value!r}"
    for field in ("author", "reason", "source"):
        value = entry.get(field)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            return f"{field} must be text or null, got {value!r}"
    year = entry["year"]
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100):
        return f"year must be an integer in [1900, 2100] or null, got {year!r}"
    if entry["kind"] not in KINDS:
        return f"kind must be one of {list(KINDS)}, got {entry['kind']!r}"
    if entry["language"] not in LANGUAGES:
        return f"language must be one of {sorted(LANGUAGES)}, got {entry['language']!r}"
    if entry["status"] not in STATUSES:
        return f"status must be one of {list(STATUSES)}, got {entry['status']!r}"
    checked = entry["checked"]
    if checked is not None and not isinstance(checked, dt.date):
        return f"checked must be an ISO date (YYYY-MM-DD) or null, got {checked!r}"
    problem = _evidence_problem(entry)
    if problem:
        return problem
    entry_topics = entry["topics"]
    if (not isinstance(entry_topics, list) or not entry_topics
            or not all(isinstance(t, str) for t in entry_topics)):
        return f"topics must be a non-empty list of page ids, got {entry_topics!r}"
    if len(set(entry_topics)) != len(entry_topics):
        return f"topics lists a page twice: {entry_topics}"
    if topics is not None:
        bad = [t for t in entry_topics if t not in topics]
        if bad:
            return f"topics {bad} name no page of the navigation"
    for field in ("url", "original_url", "copy_url", "archive_url"):
        url = entry.get(field)
        if field in ("original_url", "copy_url") and url is None:
            continue
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+\S*$", url):
            return f"{field} must be an absolute http(s) address, got {url!r}"
        if tracking_parameters(url):
            return f"{field} carries tracking parameters {tracking_parameters(url)}"
    if entry["url"].startswith("http://") and not entry.get("reason"):
        return "url is not https: give the reason in a 'reason' field"
    if entry.get("original_url") == entry["url"]:
        return "original_url repeats url: leave it out when the address did not change"
    if not ARCHIVE_PATTERN.match(entry["archive_url"]):
        return f"archive_url must be a Wayback Machine address, got {entry['archive_url']!r}"
    if is_bot_hostile_url(entry["url"]) and entry.get("bot_hostile") is not True:
        return (f"url {entry['url']} is on a host that refuses scripts ({', '.join(BOT_HOSTILE_HOSTS)}): "
                "mark the entry 'bot_hostile: true'")
    return None


def _evidence_problem(entry: dict) -> str | None:
    """What is wrong with an entry's checked / evidence / confidence / bot_hostile fields, if anything."""
    evidence, confidence = entry.get("evidence"), entry.get("confidence")
    if entry["checked"] is None:
        if evidence is not None or confidence is not None:
            return "evidence and confidence need the date they were established: set checked"
    else:
        if not isinstance(evidence, str) or "\n" in evidence or not EVIDENCE_PATTERN.match(evidence):
            return (f"evidence must be one line starting with its kind ({', '.join(EVIDENCE_KINDS)}) "
                    f"and ': ', got {evidence!r}")
        if confidence not in CONFIDENCES:
            return f"confidence must be one of {list(CONFIDENCES)}, got {confidence!r}"
    if "bot_hostile" in entry and entry["bot_hostile"] is not True:
        return f"bot_hostile must be true or left out, got {entry['bot_hostile']!r}"
    return None


def is_bot_hostile_url(url: str) -> bool:
    """Whether ``url`` is on a host that refuses automated checks (a subdomain counts too)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in BOT_HOSTILE_HOSTS)


def evidence_kind(entry: dict) -> str | None:
    """The kind of evidence behind an entry's status (a key of EVIDENCE_KINDS), None if never checked."""
    match = EVIDENCE_PATTERN.match(entry.get("evidence") or "")
    return match.group("kind") if match and entry["checked"] is not None else None


# ---------------------------------------------------------------------------------------------------
# Rendering


def _escape(text: str) -> str:
    """Escape text so Markdown shows it literally (link text, table cells)."""
    text = text.replace("\\", "\\\\")
    for char in "`*_[]|":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;")


def _byline(entry: dict) -> str:
    parts = [p for p in (entry["author"], str(entry["year"]) if entry["year"] else None) if p]
    return ", ".join(_escape(p) for p in parts)


def _language(entry: dict) -> str:
    return LANGUAGES[entry["language"]]


def archive_label(archive_url: str, of: str = "") -> str:
    """Link text for a Wayback address: the date of a specific capture, or "nearest capture" to a year.

    A year-only address (``web/2018/...``) is not one capture: the Wayback Machine redirects it to the
    capture nearest that year, so the label says so.
    """
    stamp = ARCHIVE_PATTERN.match(archive_url).group("stamp")
    what = f"archived copy{' of ' + of if of else ''}"
    if len(stamp) == 14:
        return f"{what}, captured {stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
    return f"{what}, nearest capture to {stamp[:4]}"


def status_label(entry: dict) -> str:
    """The status as a reader sees it; "never checked" when no evidence backs it at all."""
    return STATUSES[entry["status"]] if entry["checked"] is not None else NEVER_CHECKED


def status_mark(entry: dict) -> str:
    """The link-status mark every list shows: the status, the date it was established, the evidence kind.

    Inline HTML, which Markdown keeps inside a list item or a table cell. The words say everything; the
    class only adds a coloured border.
    """
    label = status_label(entry)
    css = entry["status"] if entry["checked"] is not None else "never"
    mark = f'<span class="link-status link-status--{css}">{html.escape(label)}</span>'
    if entry["checked"] is not None:
        mark += f" {entry['checked']}, {evidence_kind(entry)}"
    if entry.get("bot_hostile"):
        mark += ", the site refuses link checkers"
    return mark


def render_entry(entry: dict) -> str:
    """One Markdown list item: linked title, author and year, kind, language, note, link status."""
    title = _escape(entry["title"])
    if entry["status"] == "dead":
        label = archive_label(entry["archive_url"])
        link = f"[{title}]({entry['archive_url']}) ({label}: the original address is dead)"
    else:
        link = f"[{title}]({entry['url']})"
    details = [d for d in (_byline(entry), entry["kind"]) if d]
    if entry["language"] != "en":
        details.append(f"in {_language(entry)}")
    item = f"- {link}: {' · '.join(details)}. {_escape(entry['note'])}"
    extras = []
    if entry.get("copy_url"):
        extras.append(f"[another copy]({entry['copy_url']})")
    if entry["status"] == "moved":
        extras.append(f"[{archive_label(entry['archive_url'], 'the old address')}]({entry['archive_url']})")
    if extras:
        item += f" ({'; '.join(extras)})"
    return f"{item} Link status: {status_mark(entry)}."


def render_list(entries: list[dict]) -> str:
    return "\n".join(render_entry(e) for e in entries)


def render_further_reading(topic: str, entries: list[dict], topics, exclude=()) -> str:
    """The further-reading list of ``topic``; raises CatalogueError for an unknown topic."""
    if topic not in topics:
        raise CatalogueError(f"further-reading marker names {topic!r}, which is not a page of the navigation")
    chosen = [e for e in entries if topic in e["topics"]]
    rest = [e for e in chosen if e["id"] not in exclude]
    if not chosen:
        return "*No resource in the catalogue for this page yet.*"
    if not rest:
        return "*Every resource of the catalogue for this page is shown above.*"
    return render_list(rest)


def _link_cell(entry: dict) -> str:
    """The link-status cell of the Library: the mark, the archive copy, the evidence line."""
    cell = status_mark(entry)
    if entry["status"] in ("moved", "dead"):
        of = "the old address" if entry["status"] == "moved" else ""
        cell += f" · [{archive_label(entry['archive_url'], of)}]({entry['archive_url']})"
    if entry.get("copy_url"):
        cell += f" · [another copy]({entry['copy_url']})"
    if entry.get("evidence"):
        cell += (f' <details class="link-evidence"><summary>evidence, confidence {entry["confidence"]}'
                 f"</summary>{_escape(entry['evidence'])}</details>")
    return cell


def _counts(entries: list[dict], field: str, labels=None) -> str:
    counts = Counter(e[field] for e in entries)
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{(labels or {}).get(k, k)} {n}" for k, n in ordered)


def _evidence_counts(entries: list[dict]) -> str:
    counts = Counter(evidence_kind(e) or NEVER_CHECKED for e in entries)
    return ", ".join(f"{kind} {n}" for kind, n in counts.most_common())


def _status_table(entries: list[dict]) -> list[str]:
    """Resources per link status, with the date of the newest evidence for each; never checked last."""
    rows = ["| link status | resources | newest evidence |", "|---|---:|---|"]
    for status, label in STATUSES.items():
        chosen = [e for e in entries if e["status"] == status and e["checked"] is not None]
        newest = max((e["checked"] for e in chosen), default=None)
        rows.append(f"| {label} | {len(chosen)} | {newest or '-'} |")
    never = sum(1 for e in entries if e["checked"] is None)
    rows.append(f"| {NEVER_CHECKED} | {never} | - |")
    return rows


def _option(value: str, label: str) -> str:
    return f'<option value="{html.escape(value)}">{html.escape(label)}</option>'


def _filter_form(entries: list[dict], topics, titles: dict) -> str:
    """The Library's filter: labelled native controls, hidden until docs/javascripts/library.js runs."""
    shown_topics = [t for t in topics if any(t in e["topics"] for e in entries)]
    kinds = [k for k in KINDS if any(e["kind"] == k for e in entries)]
    statuses = [s for s in STATUSES if any(e["status"] == s and e["checked"] for e in entries)]
    if any(e["checked"] is None for e in entries):
        statuses.append("never")
    status_names = {**STATUSES, "never": NEVER_CHECKED}
    controls = [
        '<div class="library-filter__field"><label for="library-text">Title or author</label>'
        '<input type="search" id="library-text" name="text" autocomplete="off"></div>',
        '<div class="library-filter__field"><label for="library-topic">Topic</label>'
        '<select id="library-topic" name="topic">' + _option("", "every topic")
        + "".join(_option(t, titles.get(t, t)) for t in shown_topics) + "</select></div>",
        '<div class="library-filter__field"><label for="library-kind">Kind</label>'
        '<select id="library-kind" name="kind">' + _option("", "every kind")
        + "".join(_option(k, k) for k in kinds) + "</select></div>",
        '<div class="library-filter__field"><label for="library-status">Link status</label>'
        '<select id="library-status" name="status">' + _option("", "every status")
        + "".join(_option(s, status_names[s]) for s in statuses) + "</select></div>",
        '<button type="reset" class="library-filter__reset">Show all</button>',
    ]
    return "\n".join([
        '<form class="library-filter" id="library-filter" role="search" aria-label="Filter the Library"'
        f' data-total="{len(entries)}" hidden>', *controls, "</form>",
        f'<p class="library-count" id="library-count" role="status">{len(entries)} resources.</p>',
    ])


def render_library(entries: list[dict], topics, titles: dict, page_src: str) -> str:
    """Counts, the filter, then every resource by topic (navigation order) with its link status."""
    here = posixpath.dirname(page_src)
    bot_hostile = sum(1 for e in entries if e.get("bot_hostile"))
    lines = [
        f"The catalogue holds **{len(entries)} resources**.",
        "",
        f"- By kind: {_counts(entries, 'kind')}.",
        f"- By language: {_counts(entries, 'language', LANGUAGES)}.",
        f"- By kind of evidence: {_evidence_counts(entries)}.",
        f"- On hosts that refuse link checkers (status from research only): {bot_hostile}.",
        "",
        *_status_table(entries),
        "",
        "What each kind of evidence means:",
        "",
        *[f"- **{kind}**: {meaning}." for kind, meaning in EVIDENCE_KINDS.items()],
        "",
        _filter_form(entries, topics, titles),
        "",
    ]
    for topic in topics:
        chosen = [e for e in entries if topic in e["topics"]]
        if not chosen:
            continue
        link = posixpath.relpath(f"{topic}.md", here or ".")
        title = titles.get(topic, topic)
        lines += [f'<div class="library-topic" data-topic="{html.escape(topic)}" markdown="block">', "",
                  f"### {_escape(title)} {{ #{topic.replace('/', '-')} }}", "",
                  f"On the site: [{_escape(title)}]({link}).", "",
                  "| resource | author, year | kind | language | link status |", "|---|---|---|---|---|"]
        for e in chosen:
            target = e["archive_url"] if e["status"] == "dead" else e["url"]
            status = e["status"] if e["checked"] is not None else "never"
            data = (f'<span class="library-entry" data-id="{e["id"]}" data-kind="{e["kind"]}" '
                    f'data-status="{status}"></span>')
            lines.append(f"| {data}[{_escape(e['title'])}]({target}) | {_byline(e) or '-'} | {e['kind']} | "
                         f"{_language(e)} | {_link_cell(e)} |")
        lines += ["", "</div>", ""]
    return "\n".join(lines)


def replace_markers(markdown: str, page_src: str, entries: list[dict], topics, titles=None) -> str:
    """Replace every catalogue marker of one page; raise CatalogueError naming a bad marker."""
    by_id = {e["id"]: e for e in entries}
    shown: set[str] = set()

    def resources(match):
        ids = [i.strip() for i in match.group("ids").split(",") if i.strip()]
        unknown = [i for i in ids if i not in by_id]
        if not ids or unknown:
            raise CatalogueError(f"{page_src}: resources marker names unknown id(s) {unknown or ids}")
        shown.update(ids)
        return render_list([by_id[i] for i in ids])

    markdown = RESOURCES.sub(resources, markdown)
    markdown = FURTHER_READING.sub(
        lambda m: render_further_reading(m.group("topic"), entries, topics, exclude=shown), markdown)
    return LIBRARY.sub(lambda m: render_library(entries, topics, titles or {}, page_src), markdown)


# ---------------------------------------------------------------------------------------------------
# The step


def nav_topics(nav) -> list[str]:
    """The topic ids (page paths without ``.md``) of a navigation, in order."""
    found: list[str] = []

    def walk(item):
        if isinstance(item, str):
            if item.endswith(".md") and "://" not in item:
                found.append(item[:-3])
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(nav or [])
    return [t for t in found if t != "index"]


def page_title(path: Path) -> str:
    """A page's title: its front-matter ``title:`` or else its first H1."""
    text = path.read_text(encoding="utf-8")
    front = re.match(r"^---\n(.*?)\n---\n", text, flags=re.DOTALL)
    if front:
        meta = yaml.safe_load(front.group(1)) or {}
        if isinstance(meta, dict) and meta.get("title"):
            return str(meta["title"])
    heading = re.search(r"^# (.+?)\s*$", text, flags=re.MULTILINE)
    return heading.group(1) if heading else path.stem


def prepare(nav, docs_dir: Path | str = ROOT / "docs") -> dict:
    """Load and validate the catalogue once per build, against the topics of the navigation ``nav``."""
    topics = nav_topics(nav)
    entries = load(CATALOGUE, topics)
    docs = Path(docs_dir)
    titles = {t: page_title(docs / f"{t}.md") for t in topics if (docs / f"{t}.md").is_file()}
    return {"entries": entries, "topics": topics, "titles": titles}


def page_markdown(markdown: str, page_src: str, state: dict) -> str:
    """One page's Markdown with its catalogue markers replaced."""
    return replace_markers(markdown, page_src, state["entries"], state["topics"], state["titles"])
