"""Lighthouse scores and page weights of the built site, served locally: `make lighthouse`.

Serves the built site on 127.0.0.1 (a free port) with gzip, as any static host serves it, runs
Lighthouse 12.2.3 (through npx) with Debian's Chromium headless on the home page, one technique page
and the first notebook page (if there is one), writes the JSON reports under reports/ and prints the
performance, accessibility, best-practices and SEO scores and the bytes transferred per page.

Each page is measured RUNS times (default 3) and the run with the median performance score is kept:
Lighthouse's simulated mobile throttling multiplies the main-thread time it observes by four, so one run
on a shared machine can differ from the next by 15 points (Lighthouse's own advice is a median of
several runs). Every run's performance score is printed.

Exits 1 when a target is missed: every score at least 95, a technique page under 500 KB transferred.

    python tools/lighthouse.py [SITE_DIR] [--runs N]      (default: site/, 3 runs)
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = "lighthouse@12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MIN_SCORE = 95
TECHNIQUE_PAGE = "regularization/dropout/"
MAX_TECHNIQUE_BYTES = 500 * 1024
CHROMIUM = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# As for the browser tests: root needs --no-sandbox; the rest stop Chromium's own background calls.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".py", ".map"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it (as GitHub Pages or any CDN does)."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the redirect to the trailing slash
            path = path / "index.html"
        if (path.suffix not in COMPRESSIBLE or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        return io.BytesIO(body)


def pages_to_measure(site: Path) -> dict[str, str]:
    pages = {"home": "", "technique": TECHNIQUE_PAGE}
    notebooks = sorted(
        p.parent.relative_to(site).as_posix() + "/" for p in (site / "examples").glob("*/index.html"))
    if notebooks:
        pages["notebook"] = notebooks[0]
    else:
        print("no notebook page under examples/: measuring the home and technique pages only")
    return pages


def run_lighthouse(url: str, report: Path) -> dict:
    command = [
        "npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
    ]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=600)
    return json.loads(report.read_text(encoding="utf-8"))


def median_run(results: list[dict]) -> dict:
    """The run whose performance score is the median (the lower middle one for an even count)."""
    ordered = sorted(results, key=lambda result: result["categories"]["performance"]["score"] or 0)
    return ordered[(len(ordered) - 1) // 2]


def main(argv: list[str]) -> int:
    args = list(argv[1:])
    runs = 3
    if "--runs" in args:
        at = args.index("--runs")
        runs = int(args[at + 1])
        del args[at:at + 2]
        if runs < 1:
            print("--runs must be at least 1", file=sys.stderr)
            return 2
    site = Path(args[0]) if args else ROOT / "site"
    if not (site / "index.html").is_file():
        print(f"{site} has no built site: run `mkdocs build` first (make lighthouse does)", file=sys.stderr)
        return 2
    if not os.access(CHROMIUM, os.X_OK):
        print(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROME_PATH)",
              file=sys.stderr)
        return 2
    if shutil.which("npx") is None:
        print("npx not found: Lighthouse runs through npx (apt-get install nodejs npm)", file=sys.stderr)
        return 2
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    handler = functools.partial(GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    misses = []
    rows = []
    try:
        for name, page in pages_to_measure(site).items():
            report = reports / f"lighthouse-{name}.json"
            results = []
            for run in range(runs):
                results.append(run_lighthouse(base + page, report.with_suffix(f".run{run + 1}.json")))
            result = median_run(results)
            report.write_text(json.dumps(result, indent=1), encoding="utf-8")
            for run in range(runs):
                report.with_suffix(f".run{run + 1}.json").unlink()
            every_run = [round(100 * (r["categories"]["performance"]["score"] or 0)) for r in results]
            scores = {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}
            weight = int(result["audits"]["total-byte-weight"]["numericValue"])
            rows.append((name, "/" + page, scores, weight, every_run))
            misses += [f"{name}: {c} {s} < {MIN_SCORE}" for c, s in scores.items() if s < MIN_SCORE]
            if name == "technique" and weight >= MAX_TECHNIQUE_BYTES:
                misses.append(
                    f"technique: {weight / 1024:.0f} KB transferred >= {MAX_TECHNIQUE_BYTES // 1024} KB")
    finally:
        server.shutdown()
    print(f"\n{'page':<10} {'path':<28} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'transferred':>12}"
          "   performance of each run")
    for name, path, scores, weight, every_run in rows:
        print(f"{name:<10} {path:<28} " + " ".join(f"{scores[c]:>5}" for c in CATEGORIES)
              + f" {weight / 1024:>9.0f} KB   " + " ".join(map(str, every_run)))
    print(f"\nreports: {reports}/lighthouse-*.json")
    if misses:
        print("targets missed:\n  " + "\n  ".join(misses))
        return 1
    print(f"targets met: every score >= {MIN_SCORE}, technique page < {MAX_TECHNIQUE_BYTES // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
