"""The built site in a real browser: Playwright for Python driving Debian's Chromium.

One Chromium per session, the built site served by a threaded ``http.server`` on 127.0.0.1, and one
crawl of every page (found by walking the built site, not from a fixed list) that records what each
page did: console errors, requests, figures, math and axe-core's violations. The tests in this folder
assert on that record, so each page is loaded once, whatever the number of checks.

Without Chromium or Playwright the tests skip with how to install them; under CI (CI=true) that is a
failure instead, like the ``torch`` fixture of tests/conftest.py.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI, PUBLISHED

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
INSTALL_HINT = (
    "run `make test` as root (it installs Chromium), or `apt-get install chromium` "
    "and `pip install -e '.[test]'`; set CHROMIUM_PATH for a Chromium elsewhere"
)
# As root Chromium needs --no-sandbox; the other flags stop its background calls to Google's hosts,
# which this machine's closed network refuses (and which would not be the site's requests anyway).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = {"data", "blob", "about"}


def _require(what: str, ok: bool) -> None:
    if ok:
        return
    message = f"{what} is missing: {INSTALL_HINT}"
    if IN_CI:
        pytest.fail(f"{message}. CI must run the browser tests.")
    # Justified skip: Chromium is a system package that `make test` can install only as root; a
    # contributor without it still runs every other check, and sees this message. Never in CI (above).
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    _require("Playwright for Python", importlib.util.find_spec("playwright") is not None)
    _require(f"Chromium ({CHROMIUM})", os.access(CHROMIUM, os.X_OK))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Serves like GitHub Pages: a missing address gets the site's own 404.html, with status 404."""

    not_found_page: Path | None = None

    def send_error(self, code, message=None, explain=None):
        if code != 404 or self.not_found_page is None or not self.not_found_page.is_file():
            super().send_error(code, message, explain)
            return
        body = self.not_found_page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="session")
def site_url(built_site, tmp_path_factory):
    """The built site served on 127.0.0.1 (a free port) at the sub-path it is published at
    (tests/conftest.py PUBLISHED), from a background thread. Nothing is served at the root."""
    sub_path = urlsplit(PUBLISHED["SITE_URL"]).path.strip("/")
    root = tmp_path_factory.mktemp("server-root")
    (root / sub_path).symlink_to(built_site, target_is_directory=True)
    handler = functools.partial(
        type("Handler", (_PagesHandler,), {"not_found_page": built_site / "404.html"}),
        directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{sub_path}/"
    server.shutdown()
    server.server_close()


REDIRECT_PAGE = '<meta http-equiv="refresh"'


def site_pages(site_dir: Path) -> list[str]:
    """Every page of the built site as a path relative to its root ('' for the home page)."""
    pages = []
    for index in sorted(site_dir.rglob("index.html")):
        rel = index.parent.relative_to(site_dir).as_posix()
        if rel.split("/")[0] in {"assets", "search"}:
            continue
        if REDIRECT_PAGE in index.read_text(encoding="utf-8")[:2000]:
            continue  # mkdocs-redirects' forwarding page at a moved page's old address
        pages.append("" if rel == "." else rel + "/")
    return pages


@pytest.fixture(scope="session")
def pages(built_site):
    found = site_pages(built_site)
    assert "regularization/dropout/" in found, f"the dropout page is missing from the built site: {found}"
    return found


@pytest.fixture(scope="session")
def example_pages(pages):
    """Notebook pages (docs/examples/*.py rendered by mkdocs-jupyter)."""
    return [page for page in pages if page.startswith("examples/")]


@dataclass
class PageRecord:
    """What one page did when loaded in one colour scheme."""

    page: str
    scheme: str
    errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    wide_code: list[dict] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    violations: list[dict] = field(default_factory=list)


def _axe_script() -> str:
    spec = importlib.util.find_spec("axe_playwright_python")
    _require("axe-playwright-python (it ships axe-core's axe.min.js)", spec is not None)
    return (Path(next(iter(spec.submodule_search_locations))) / "axe.min.js").read_text(encoding="utf-8")


# Runs in the page once it has loaded: waits for fonts, then reports figures and math (typeset at build
# time: no page loads MathJax). Raw TeX is looked for in the text a reader sees, outside code and math.
_INSPECT = """async () => {
  const article = document.querySelector("article") || document.body;
  await document.fonts.ready;
  // Figures load lazily (docs/hooks/page_fixes.py): load every one now, the hidden one of each pair too.
  const imgs = [...article.querySelectorAll("img")];
  await Promise.all(imgs.map((img) => { img.loading = "eager"; return img.decode().catch(() => null); }));
  const images = imgs.map((img) => ({
    src: img.getAttribute("src"), alt: (img.getAttribute("alt") || "").trim(),
    complete: img.complete, naturalWidth: img.naturalWidth,
    visible: img.getClientRects().length > 0,
  }));
  const prose = article.cloneNode(true);
  const hidden = "pre, code, mjx-container, script, style, .jp-OutputArea, .clipboard-copy-txt";
  prose.querySelectorAll(hidden).forEach((el) => el.remove());
  // Code boxes that scroll sideways at this viewport (1280 px): in Material's blocks the <code>
  // inside the <pre> is what scrolls, in notebook cells the <pre> itself.
  const wideCode = [...article.querySelectorAll("pre")]
    .filter((pre) => pre.getClientRects().length > 0)
    .map((pre) => [pre, pre.querySelector(":scope > code") || pre])
    .filter(([pre, box]) => box.scrollWidth > box.clientWidth + 1 || pre.scrollWidth > pre.clientWidth + 1)
    .map(([pre, box]) => {
      const lines = pre.textContent.split("\\n");
      const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
      const hidden = Math.max(box.scrollWidth - box.clientWidth, pre.scrollWidth - pre.clientWidth);
      return {overflow: hidden, width: box.clientWidth, chars: longest.length,
              line: longest.trim().slice(0, 70)};
    });
  const containers = [...article.querySelectorAll("mjx-container")];
  const glyphs = [...article.querySelectorAll("mjx-container mjx-c")];
  const blankGlyphs = glyphs.filter((c) => getComputedStyle(c, "::before").content === "none").length;
  return {
    images,
    wideCode,
    math: {
      mathjaxScripts: [...document.scripts].filter((s) => /mathjax/i.test(s.src + s.textContent)).length,
      sources: article.querySelectorAll(".arithmatex").length,
      containers: containers.length,
      glyphs: glyphs.length,
      blankGlyphs,
      zeroWidth: containers.filter((c) => c.getBoundingClientRect().width === 0).length,
      text: prose.textContent,
    },
  };
}"""

# Raw TeX a reader would see if MathJax did not typeset the page: display math, TeX commands, and
# inline $...$ holding a command, a subscript or a superscript (a price like "$5" is not TeX).
RAW_TEX = (r"$$", r"\frac", r"\(", r"\[", r"\begin{", r"\mathbb", r"\mathrm", r"\sum", r"\partial")
RAW_INLINE_TEX = re.compile(r"\$[^$\n]*[\\^_][^$\n]*\$")


def raw_tex(text: str) -> list[str]:
    """The pieces of raw TeX in a page's visible text."""
    found = [marker for marker in RAW_TEX if marker in text]
    return found + [match.group(0)[:60] for match in RAW_INLINE_TEX.finditer(text)][:5]


# Alternative text that says nothing: nbconvert's placeholder for an output image without one.
PLACEHOLDER_ALT = {"No description has been provided for this image"}


# axe-core's default rules, violations only (a single page, as in tests/browser/test_library.py).
AXE_OPTIONS = {"resultTypes": ["violations"]}
# The rules whose result depends on the colour scheme: in the crawl they run in both schemes, and the
# other rules, which would find the same in both, are shared between the two tabs, half each, so that
# both cores work: every rule axe-core enables by default still runs once per page.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
_AXE_SHARE = """([colourRules, share]) => {
  const rules = axe._audit.rules.filter((r) => r.enabled !== false && !colourRules.includes(r.id))
    .map((r) => r.id).sort();
  const mine = rules.filter((_, i) => i % 2 === share);
  return {resultTypes: ["violations"], runOnly: {type: "rule", values: [...colourRules, ...mine]}};
}"""
# Starts axe-core without waiting for it, so that the other colour scheme's tab works meanwhile. axe.run
# does most of its work before its first await, so it is started from a timer: called directly, the
# evaluate call would return only after that work and the two tabs would take turns instead.
_AXE_START = """(options) => { window.__axeViolations = new Promise((resolve, reject) => {
  setTimeout(() => axe.run(document, options).then((result) => resolve(result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")),
  }))), reject), 0);
});
}"""
_AXE_RESULT = "() => window.__axeViolations"


class _Lane:
    """One colour scheme: its own context and tab, and the record of the page the tab is on."""

    def __init__(self, browser, scheme: str, host: str, share: int):
        self.scheme = scheme
        self.share = share  # which half of the colour-independent axe rules this tab runs
        self.record: PageRecord | None = None
        self.context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        self.context.on("request", lambda r: self._foreign(r.url, host))
        self.context.on("requestfailed", lambda r: self.record.failed_requests.append(
            f"{r.url} ({r.failure})"))
        self.context.on("response", lambda r: r.status >= 400 and self.record.failed_requests.append(
            f"{r.url} (HTTP {r.status})"))
        self.tab = self.context.new_page()
        self.tab.on("console", lambda m: m.type == "error" and self.record.errors.append(
            f"console: {m.text} ({m.location.get('url', '')})"))
        self.tab.on("pageerror", lambda e: self.record.errors.append(f"uncaught: {e}"))

    def _foreign(self, url: str, host: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in LOCAL_SCHEMES and parts.netloc != host:
            self.record.foreign_requests.append(url)

    def start(self, url: str, page: str, axe: str) -> None:
        self.record = PageRecord(page=page, scheme=self.scheme)
        self.tab.goto(url, wait_until="load")
        found = self.tab.evaluate(_INSPECT)
        self.record.images, self.record.math = found["images"], found["math"]
        self.record.wide_code = found["wideCode"]
        self.tab.evaluate(axe)
        options = self.tab.evaluate(_AXE_SHARE, [COLOUR_RULES, self.share])
        self.tab.evaluate(_AXE_START, options)

    def finish(self) -> PageRecord:
        self.record.violations = self.tab.evaluate(_AXE_RESULT)
        # Requests still in flight (the search worker's index, late fonts) are recorded for this page.
        self.tab.wait_for_load_state("networkidle")
        return self.record


@pytest.fixture(scope="session")
def crawl(browser, site_url, pages):
    """Every page loaded once per colour scheme, with axe-core run on it: {(page, scheme): PageRecord}.

    The two schemes run side by side in two tabs (axe-core in one while the other loads), which halves
    the time on two cores.
    """
    axe = _axe_script()
    host = urlsplit(site_url).netloc
    lanes = [_Lane(browser, scheme, host, share) for share, scheme in enumerate(("light", "dark"))]
    records: dict[tuple[str, str], PageRecord] = {}
    try:
        for page in pages:
            for lane in lanes:
                lane.start(site_url + page, page, axe)
            for lane in lanes:
                records[(page, lane.scheme)] = lane.finish()
    finally:
        for lane in lanes:
            lane.context.close()
    return records
