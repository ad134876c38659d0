"""The resource catalogue (docs/resources.yml) and the build hook that renders it (docs/hooks/catalogue.py).

Catalogue checks: schema (required fields in order, allowed values), unique ids and addresses, https or
a recorded reason, no tracking parameters, topics that are pages of the navigation, at least one resource
for every technique page, Wayback archive addresses, and every address of the seed notes accounted for.

How a seed address is "accounted for": the addresses of the notes (tests/data/seed-notes.md, a verbatim
copy of the seed) are every Markdown link target plus the address of each ``{% embed %}`` block (the
embedded tweet and the two animations; not the icons, thumbnails, script or short links inside the embed's
own HTML). Each is normalized the way the catalogue records it: Markdown backslash escapes undone
(``math\\_rachel`` -> ``math_rachel``) and tracking parameters removed (``mkt_tok``, ``siteID``,
``LSNPUBID``, ``utm_*``...). The result must be the ``url`` or the ``original_url`` of an entry.

Page check: no Markdown page under docs/ writes an external address by hand (further reading comes
from the catalogue), except the short allow-list below.

Hook checks: markers are replaced, an unknown topic or id fails, a dead link offers its archived copy.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import yaml

from tests.helpers import mkdocs_config

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "resources.yml"
SEED = ROOT / "tests" / "data" / "seed-notes.md"


def _load_hook():
    return importlib.import_module("pipeline.catalogue")


hook = _load_hook()
ENTRIES = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["resources"]
NAV_TOPICS = hook.nav_topics(mkdocs_config()["nav"])
# evidence and confidence are optional for the hook (an entry never checked still builds, shown as such),
# but every entry of the catalogue has them: no status without dated evidence.
REQUIRED = ["id", "title", "author", "year", "kind", "language", "topics", "url", "archive_url", "status",
            "checked", "evidence", "confidence", "note"]
ORDER = ["id", "title", "author", "year", "kind", "language", "topics", "url", "original_url", "copy_url",
         "archive_url", "status", "checked", "evidence", "confidence", "bot_hostile", "note", "reason",
         "source"]
EVIDENCE_KINDS = ("live check", "repository", "issue thread", "stored copy", "citations", "stable host",
                  "no evidence")
# Hosts that answer 403 or a login wall to scripts (link-status.md, "Notes for the live check").
BOT_HOSTILE = re.compile(r"^https://([a-z0-9-]+\.)*(medium\.com|codeburst\.io|becominghuman\.ai|techburst\.io|"
                         r"x\.com|twitter\.com|udemy\.com)/")
KINDS = {"article", "video", "course", "book", "repository", "paper", "tool", "post", "image"}
TRACKING = re.compile(r"[?&](mkt_tok|siteID|LSNPUBID|utm_[a-z]+)=", re.IGNORECASE)

# External addresses a page may write by hand, each with why. Keep it short.
ALLOWED_PAGE_URLS: dict[str, set[str]] = {}


def _ids(entries=ENTRIES):
    return [e["id"] for e in entries]


# ---------------------------------------------------------------------------------------------------
# The catalogue


def test_catalogue_passes_the_hooks_validation_with_the_navigation_topics():
    entries = hook.load(CATALOGUE, NAV_TOPICS)
    assert len(entries) == len(ENTRIES) > 0


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_entry_has_the_required_fields_in_order(entry):
    assert [f for f in REQUIRED if f not in entry] == []
    assert set(entry) <= set(ORDER), f"unknown fields {set(entry) - set(ORDER)}"
    assert list(entry) == [f for f in ORDER if f in entry], "fields out of the documented order"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_entry_values_are_allowed(entry):
    assert entry["kind"] in KINDS
    assert re.fullmatch(r"[a-z]{2}", entry["language"])
    assert entry["status"] in {"ok", "moved", "dead", "unverified"}
    assert isinstance(entry["checked"], dt.date), "every status needs the date it was established"
    assert entry["confidence"] in {"high", "medium", "low"}
    assert entry["year"] is None or 1900 <= entry["year"] <= 2100
    assert isinstance(entry["note"], str) and entry["note"].strip() and "\n" not in entry["note"]
    assert isinstance(entry["topics"], list) and entry["topics"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_evidence_is_one_line_that_starts_with_its_kind(entry):
    kind, _, text = entry["evidence"].partition(": ")
    assert kind in EVIDENCE_KINDS and text.strip() and "\n" not in text


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_bot_hostile_hosts_are_marked_so(entry):
    assert bool(BOT_HOSTILE.match(entry["url"])) == bool(entry.get("bot_hostile"))


def test_no_entry_is_left_never_checked():
    assert [e["id"] for e in ENTRIES if e["checked"] is None or not e.get("evidence")] == []


def test_status_and_evidence_fields_are_one_line_each_so_the_link_checker_can_rewrite_them():
    text = CATALOGUE.read_text(encoding="utf-8")
    statuses = re.findall(r"^    status: (?:ok|moved|dead|unverified)$", text, flags=re.MULTILINE)
    checked = re.findall(r"^    checked: (?:null|\d{4}-\d{2}-\d{2})$", text, flags=re.MULTILINE)
    evidence = re.findall(r'^    evidence: "[^"\n]+"$', text, flags=re.MULTILINE)
    confidence = re.findall(r"^    confidence: (?:high|medium|low)$", text, flags=re.MULTILINE)
    archive = re.findall(r'^    archive_url: "https://web\.archive\.org/[^"\n]+"$', text, flags=re.MULTILINE)
    assert len(statuses) == len(checked) == len(evidence) == len(confidence) == len(archive) == len(ENTRIES)
    assert re.findall(r"^ *[a-z_]+: *[\[{]", text, flags=re.MULTILINE) == [], "block style, no flow style"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["status"] in ("moved", "dead")],
                         ids=lambda e: e["id"])
def test_a_moved_or_dead_entry_archives_its_old_address(entry):
    archived = re.sub(r"^https://web\.archive\.org/web/\d+/", "", entry["archive_url"])
    assert archived == (entry.get("original_url") or entry["url"])


def test_machine_learning_yearning_no_longer_sends_readers_to_the_repurposed_domain():
    """Regression: mlyearning.org now belongs to an unrelated site (link-status.md, the critical case)."""
    entry = next(e for e in ENTRIES if e["id"] == "ng-ml-yearning")
    assert urlsplit(entry["url"]).hostname.endswith("deeplearning.ai")
    assert entry["status"] == "moved" and entry["original_url"] == "https://www.mlyearning.org/"
    year = int(re.match(r"^https://web\.archive\.org/web/(\d{4})", entry["archive_url"]).group(1))
    assert year <= 2018, "an archive capture from before the domain changed hands"


def test_ids_are_unique():
    ids = _ids()
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_addresses_are_unique_across_entries():
    owners: dict[str, str] = {}
    for entry in ENTRIES:
        for url in {entry["url"], entry.get("original_url"), entry.get("copy_url")} - {None}:
            owner = owners.setdefault(url, entry["id"])
            assert owner == entry["id"], f"{url}: {owner} and {entry['id']}"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_url_is_https_or_the_reason_is_recorded(entry):
    assert entry["url"].startswith("https://") or entry.get("reason"), "http address without a reason"


def test_no_address_carries_tracking_parameters():
    text = CATALOGUE.read_text(encoding="utf-8")
    assert TRACKING.findall(text) == []


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_archive_url_is_a_wayback_address(entry):
    assert re.fullmatch(r"https://web\.archive\.org/web/\d{4,14}/https?://\S+", entry["archive_url"])


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids())
def test_every_topic_names_a_page_of_the_navigation(entry):
    assert [t for t in entry["topics"] if t not in NAV_TOPICS] == []
    for topic in entry["topics"]:
        assert (ROOT / "docs" / f"{topic}.md").is_file()


def _technique_pages():
    pages = [p for p in (ROOT / "docs").rglob("*.md") if '--8<-- "snippets/' in p.read_text(encoding="utf-8")]
    return sorted(p.relative_to(ROOT / "docs").with_suffix("").as_posix() for p in pages)


@pytest.mark.parametrize("topic", _technique_pages() or ["regularization/dropout"])
def test_every_technique_page_has_a_resource(topic):
    assert any(topic in e["topics"] for e in ENTRIES), f"no resource for {topic}"


def test_every_further_reading_marker_has_a_resource_to_show():
    covered = {t for e in ENTRIES for t in e["topics"]}
    empty = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        topics = hook.FURTHER_READING.findall(page.read_text(encoding="utf-8"))
        empty += [f"{page.name}: {t}" for t in topics if t not in covered]
    assert empty == []


def _unescape(url: str) -> str:
    return re.sub(r"\\(.)", r"\1", url)


def _strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in pairs if not hook.is_tracking_parameter(k)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def normalize_seed_url(url: str) -> str:
    """A seed address as the catalogue records it: escapes undone, tracking parameters removed."""
    return _strip_tracking(_unescape(url))


def seed_urls(text: str) -> list[str]:
    """The resource addresses of the notes: Markdown link targets and each embed's own address."""
    links = re.findall(r"\]\((https?://[^)\s]+)\)", text)
    # An embed's data is escaped JSON; its first "url" is the embedded resource's own address.
    embeds = [re.search(r'\\"url\\":\\"(.*?)\\"', block).group(1)
              for block in re.findall(r'\{% embed data="(.*?)" %\}', text, flags=re.DOTALL)]
    return links + embeds


def test_seed_extraction_finds_links_and_embeds():
    urls = seed_urls(SEED.read_text(encoding="utf-8"))
    assert len(urls) == 73  # 70 Markdown links (4 of them repeats) and 3 embeds
    assert any("math" in u and "1013249330583498752" in u for u in urls)
    assert normalize_seed_url("https://x.org/a\\_b?utm_source=z&v=1&mkt_tok=q") == "https://x.org/a_b?v=1"


def test_every_address_of_the_notes_is_accounted_for():
    known = {e["url"] for e in ENTRIES} | {e["original_url"] for e in ENTRIES if e.get("original_url")}
    missing = sorted({normalize_seed_url(u) for u in seed_urls(SEED.read_text(encoding="utf-8"))} - known)
    assert missing == []


def test_every_entry_from_the_notes_has_its_address_in_the_notes():
    seed = {normalize_seed_url(u) for u in seed_urls(SEED.read_text(encoding="utf-8"))}
    strays = [e["id"] for e in ENTRIES if e.get("source", "").startswith("notes")
              and e["url"] not in seed and e.get("original_url") not in seed]
    assert strays == []


def test_added_resources_are_marked_as_not_from_the_notes():
    seed = {normalize_seed_url(u) for u in seed_urls(SEED.read_text(encoding="utf-8"))}
    unmarked = [e["id"] for e in ENTRIES if e["url"] not in seed and e.get("original_url") not in seed
                and not e.get("source", "").startswith(("added", "requested"))]
    assert unmarked == []


# ---------------------------------------------------------------------------------------------------
# Pages


def test_no_markdown_page_writes_an_external_address_by_hand():
    found = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        rel = page.relative_to(ROOT / "docs").as_posix()
        for url in re.findall(r"https?://[^\s)\]>\"'`]+", page.read_text(encoding="utf-8")):
            if url not in ALLOWED_PAGE_URLS.get(rel, set()):
                found.append(f"{rel}: {url}")
    assert found == [], "cite through the catalogue (docs/resources.yml) instead"


def test_every_further_reading_marker_names_a_navigation_page():
    bad = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for topic in hook.FURTHER_READING.findall(page.read_text(encoding="utf-8")):
            if topic not in NAV_TOPICS:
                bad.append(f"{page.name}: {topic}")
    assert bad == []


# ---------------------------------------------------------------------------------------------------
# The hook's rendering


def _entry(id, topics, status="unverified", **extra):
    entry = {"id": id, "title": f"Title of {id}", "author": "A. Author", "year": 2018, "kind": "post",
             "language": "en", "topics": topics, "url": f"https://example.org/{id}",
             "archive_url": f"https://web.archive.org/web/2018/https://example.org/{id}", "status": status,
             "checked": None, "note": f"Why read {id}."}
    entry.update(extra)
    return entry


TOPICS = ["start-here/recipe", "optimization/adam", "library/index"]
CHECKED = {"checked": dt.date(2026, 12, 2), "evidence": "issue thread: a thread of 2026-11-30 says so",
           "confidence": "high"}


def test_further_reading_marker_is_replaced_by_the_topics_resources():
    entries = [_entry("one", ["optimization/adam"]), _entry("two", ["start-here/recipe"])]
    text = "Text\n\n<!-- further-reading: optimization/adam -->\n"
    out = hook.replace_markers(text, "optimization/adam.md", entries, TOPICS)
    assert "further-reading" not in out
    assert "- [Title of one](https://example.org/one): A. Author, 2018 · post. Why read one." in out
    assert "two" not in out


def test_unknown_topic_in_a_marker_raises_naming_it():
    with pytest.raises(hook.CatalogueError, match="no-such/page"):
        hook.replace_markers("<!-- further-reading: no-such/page -->", "x.md", [], TOPICS)


def test_unknown_resource_id_in_a_marker_raises_naming_it():
    with pytest.raises(hook.CatalogueError, match="ghost"):
        hook.replace_markers("<!-- resources: ghost -->", "x.md", [_entry("one", ["optimization/adam"])],
                             TOPICS)


def test_dead_link_leads_to_the_archived_copy():
    entries = [_entry("gone", ["optimization/adam"], status="dead")]
    out = hook.render_further_reading("optimization/adam", entries, TOPICS)
    assert "(https://web.archive.org/web/2018/https://example.org/gone)" in out
    assert "archived copy" in out and "(https://example.org/gone)" not in out


def test_moved_link_offers_the_archived_copy_beside_the_new_address():
    entries = [_entry("moved", ["optimization/adam"], status="moved")]
    out = hook.render_further_reading("optimization/adam", entries, TOPICS)
    assert "(https://example.org/moved)" in out and "(https://web.archive.org/web/2018/" in out


def test_language_other_than_english_is_shown():
    out = hook.render_entry(_entry("zh", ["optimization/adam"], language="zh"))
    assert "in Chinese" in out


def test_markdown_in_titles_is_escaped():
    out = hook.render_entry(_entry("esc", ["optimization/adam"], title="sgd_bad.gif [draft] *x*"))
    assert r"sgd\_bad.gif \[draft\] \*x\*" in out


def test_resources_marker_keeps_its_order_and_is_not_repeated_in_further_reading():
    entries = [_entry("a", ["start-here/recipe"]), _entry("b", ["start-here/recipe"]),
               _entry("c", ["start-here/recipe"])]
    text = "<!-- resources: c, a -->\n\n<!-- further-reading: start-here/recipe -->"
    out = hook.replace_markers(text, "start-here/recipe.md", entries, TOPICS)
    assert out.index("Title of c") < out.index("Title of a") < out.index("Title of b")
    assert out.count("Title of a") == 1


def test_library_lists_every_resource_by_topic_with_kind_language_and_status():
    entries = [_entry("one", ["optimization/adam", "start-here/recipe"], status="dead", **CHECKED),
               _entry("two", ["optimization/adam"], language="zh", kind="video")]
    out = hook.replace_markers("<!-- library -->", "library/index.md", entries, TOPICS,
                               {"optimization/adam": "Adam and AdamW"})
    assert "### Adam and AdamW { #optimization-adam }" in out
    assert "[Adam and AdamW](../optimization/adam.md)" in out
    assert out.count("Title of one") == 2, "an entry appears under each of its topics"
    assert '| video | Chinese | <span class="link-status link-status--never">never checked</span> |' in out
    assert ("dead</span> 2026-12-02, issue thread · [archived copy, nearest capture to 2018]"
            "(https://web.archive.org/web/2018/https://example.org/one)") in out
    assert "<summary>evidence, confidence high</summary>issue thread: a thread of 2026-11-30" in out
    assert "**2 resources**" in out


def test_library_counts_each_status_with_its_newest_evidence_date_and_the_never_checked():
    entries = [_entry("a", ["optimization/adam"], status="ok", **CHECKED),
               _entry("b", ["optimization/adam"], status="ok",
                      **{**CHECKED, "checked": dt.date(2026, 12, 9)}),
               _entry("c", ["optimization/adam"], status="dead", **CHECKED),
               _entry("d", ["optimization/adam"])]
    out = hook.render_library(entries, TOPICS, {}, "library/index.md")
    assert "| ok | 2 | 2026-12-09 |" in out
    assert "| dead | 1 | 2026-12-02 |" in out
    assert "| moved | 0 | - |" in out and "| unverified | 0 | - |" in out
    assert "| never checked | 1 | - |" in out
    assert "- By kind of evidence: issue thread 3, never checked 1." in out


def test_library_filter_has_a_labelled_control_for_text_topic_kind_and_status():
    entries = [_entry("a", ["optimization/adam"], status="moved", kind="video", **CHECKED),
               _entry("b", ["start-here/recipe"])]
    out = hook.render_library(entries, TOPICS, {"optimization/adam": "Adam and AdamW"}, "library/index.md")
    for name in ("text", "topic", "kind", "status"):
        assert f'<label for="library-{name}">' in out and f'id="library-{name}"' in out
    assert '<option value="optimization/adam">Adam and AdamW</option>' in out
    assert '<option value="library/index">' not in out, "a topic without resources is not offered"
    assert '<option value="video">video</option>' in out and '<option value="paper">' not in out
    assert '<option value="moved">moved</option>' in out
    assert '<option value="never">never checked</option>' in out
    assert '<form class="library-filter" id="library-filter"' in out and " hidden>" in out
    assert 'data-id="a" data-kind="video" data-status="moved"' in out
    assert 'data-id="b" data-kind="post" data-status="never"' in out
    assert '<div class="library-topic" data-topic="optimization/adam" markdown="block">' in out


def test_further_reading_shows_the_same_status_mark_as_the_library():
    entry = _entry("seen", ["optimization/adam"], status="ok", **CHECKED)
    mark = hook.status_mark(entry)
    assert mark == '<span class="link-status link-status--ok">ok</span> 2026-12-02, issue thread'
    assert hook.render_entry(entry).endswith(f"Link status: {mark}.")
    assert mark in hook.render_library([entry], TOPICS, {}, "library/index.md")


def test_a_bot_hostile_entry_says_the_site_refuses_link_checkers():
    entry = _entry("shy", ["optimization/adam"], status="ok", url="https://medium.com/p/1",
                   **CHECKED, bot_hostile=True)
    assert hook.status_mark(entry).endswith(", the site refuses link checkers")


@pytest.mark.parametrize(("archive", "label"), [
    ("https://web.archive.org/web/2018/https://example.org/x", "archived copy, nearest capture to 2018"),
    ("https://web.archive.org/web/20230311220621/https://example.org/x",
     "archived copy, captured 2023-03-11"),
])
def test_year_only_archive_addresses_are_labelled_nearest_capture(archive, label):
    assert hook.archive_label(archive) == label
    entry = _entry("gone", ["optimization/adam"], status="dead", archive_url=archive, **CHECKED)
    assert f"[Title of gone]({archive}) ({label}: the original address is dead)" in hook.render_entry(entry)


def test_a_copy_url_is_offered_beside_the_link():
    entry = _entry("both", ["optimization/adam"], copy_url="https://example.org/reprint")
    assert "[another copy](https://example.org/reprint)" in hook.render_entry(entry)


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "podcast"}, "kind"),
    ({"url": "http://example.org/x"}, "https"),
    ({"url": "https://example.org/x?utm_source=feed"}, "tracking"),
    ({"archive_url": "https://example.org/copy"}, "Wayback"),
    ({"topics": ["no/such"]}, "navigation"),
    ({"status": "fine"}, "status"),
    ({"checked": "yesterday"}, "checked"),
    ({"note": ""}, "note"),
    ({"checked": dt.date(2026, 12, 2)}, "evidence"),
    ({**CHECKED, "evidence": "a hunch: it looked fine"}, "evidence"),
    ({**CHECKED, "confidence": "certain"}, "confidence"),
    ({"evidence": CHECKED["evidence"]}, "set checked"),
    ({"url": "https://medium.com/@a/post-1"}, "bot_hostile"),
    ({"bot_hostile": False}, "bot_hostile"),
    ({"copy_url": "ftp://example.org/x"}, "copy_url"),
    ({"archive_url": "https://web.archive.org/web/201/https://example.org/x"}, "Wayback"),
])
def test_validation_rejects_a_bad_entry_naming_it(change, message):
    entry = _entry("bad-one", ["optimization/adam"])
    entry.update(change)
    entry = {field: entry[field] for field in ORDER if field in entry}
    with pytest.raises(hook.CatalogueError, match=f"'bad-one'.*{message}"):
        hook.validate([entry], TOPICS)


def test_validation_rejects_duplicate_ids_and_addresses():
    with pytest.raises(hook.CatalogueError, match="twice"):
        hook.validate([_entry("a", ["optimization/adam"]), _entry("a", ["optimization/adam"])], TOPICS)
    dup = _entry("b", ["optimization/adam"], url="https://example.org/a")
    with pytest.raises(hook.CatalogueError, match="also an address"):
        hook.validate([_entry("a", ["optimization/adam"]), dup], TOPICS)


def test_validation_rejects_fields_out_of_order():
    entry = _entry("order", ["optimization/adam"])
    reordered = {"title": entry.pop("title"), **entry}
    with pytest.raises(hook.CatalogueError, match="order"):
        hook.validate([reordered], TOPICS)


def test_nav_topics_are_the_page_paths_without_md():
    nav = [{"Home": "index.md"}, {"A": ["a/b.md", {"C": "c/d.md"}]}, {"X": "https://example.org/"}]
    assert hook.nav_topics(nav) == ["a/b", "c/d"]
