"""Check a built site's internal links (LinkChecker) and anchors (our own pass); return the findings.

LinkChecker checks that every internal link resolves. Its AnchorCheck plugin would check fragments too,
but on this site it takes over five minutes (it re-reads pages for every link it follows), against six
seconds without it; so fragments are checked here instead: every ``href="page#id"`` of every built page
must name an ``id`` (or ``name``) present in the target page. Data URLs are not links and are skipped.
"""

from __future__ import annotations

import csv
import html.parser
import io
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

CONFIG = """\
[checking]
threads=4
[filtering]
ignore=
  ^data:
[output]
"""


class _LinksAndIds(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def missing_anchors(site_dir: Path) -> list[str]:
    """One line per internal link whose ``#fragment`` names no element of its target page."""
    pages = {}
    for path in site_dir.rglob("*.html"):
        parser = _LinksAndIds()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        pages[path.resolve()] = parser
    problems = []
    for path, parser in sorted(pages.items()):
        for href in parser.hrefs:
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc or not parts.fragment:
                continue
            target = (path.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            fragment = urllib.parse.unquote(parts.fragment)
            if target in pages and fragment not in pages[target].ids:
                problems.append(f"{path.relative_to(site_dir.resolve())} -> {href}: missing anchor")
    return problems


def check_site(site_dir: Path) -> list[str]:
    """Return one line per broken link or missing anchor in ``site_dir`` (empty list: all good).

    LinkChecker reads the site through file URLs (over HTTP it throttles itself to a few requests a
    second). Run as root it drops its privileges to ``nobody``, so it checks a world-readable copy.
    """
    with tempfile.TemporaryDirectory(prefix="linkcheck-") as tmp:
        copy = Path(tmp) / "site"
        shutil.copytree(site_dir, copy)
        for path in [Path(tmp), *copy.rglob("*"), copy]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        cfg = Path(tmp) / "linkcheckerrc"
        cfg.write_text(CONFIG, encoding="utf-8")
        cfg.chmod(0o644)
        linkchecker = Path(sys.executable).with_name("linkchecker")
        result = subprocess.run(
            [str(linkchecker), "--no-status", "--no-robots", "-f", str(cfg), "-o", "csv", "--verbose",
             str(copy / "index.html")],
            capture_output=True, text=True, timeout=300,
        )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"linkchecker failed to run ({result.returncode}):\n{result.stderr}")
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    problems = []
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        broken = row.get("valid") == "False"
        anchor = "anchor" in (row.get("warningstring") or "").lower()
        if broken or anchor:
            problems.append(f"{row.get('parentname')} -> {row.get('urlname')}: "
                            f"{row.get('result')} {row.get('warningstring')}".strip())
    if result.returncode == 1 and not problems:
        raise RuntimeError(f"linkchecker exited 1 but no problem was parsed:\n{result.stdout[-3000:]}")
    return problems + missing_anchors(site_dir)
