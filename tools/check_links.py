"""Check every external link of the resource catalogue, where there is network.

    python tools/check_links.py                 # check, write reports/links.json, print a summary
    python tools/check_links.py --update        # ... and record status and date in docs/resources.yml

What each HTTP outcome means (the same table is in the README):

| outcome                                   | verdict      | catalogue status after --update   |
|-------------------------------------------|--------------|-----------------------------------|
| 2xx, no redirect (or only http->https,    | ok           | ok                                |
|   a trailing slash, a host's "www.")      |              |                                   |
| 2xx after redirects to another address    | moved        | moved (final URL in the report)   |
| 404 or 410 on both passes                 | dead         | dead                              |
| 404 or 410 on one pass only               | unverified   | unchanged                         |
| 401, 403, 429, 999 (bot-hostile hosts)    | unverified   | unchanged                         |
| 5xx, timeout, dropped connection, TLS     | unverified   | unchanged (after retries)         |
|   error, too many redirects               |              |                                   |

Retries: 429 and 5xx answers, timeouts and dropped connections are retried with exponential backoff
(a 429's Retry-After is honoured, capped). A link is only called dead after a 404 or 410 seen on two passes
separated by a pause, because hosts fail transiently. Nothing but the standard library and PyYAML is used.
The exit status is 1 when a link has newly moved or died (its verdict differs from its catalogue status).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime as dt
import email.utils
import http.client
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "resources.yml"
USER_AGENT = ("DeepLearningFieldGuide-linkcheck/1.0 (checks the links of a study guide's reading list "
              "about once a week; one request per link)")
DEAD_CODES = {404, 410}
BOT_HOSTILE_CODES = {401, 403, 429, 999}
RETRY_CODES = {429, 500, 502, 503, 504}


@dataclasses.dataclass
class Config:
    timeout: float = 15.0          # seconds per request
    retries: int = 2               # extra attempts on retryable outcomes
    backoff: float = 2.0           # first pause between attempts, doubled each time
    max_retry_after: float = 60.0  # cap on a server's Retry-After
    pass_delay: float = 30.0       # pause before re-checking 404/410 answers
    concurrency: int = 8
    max_redirects: int = 10
    user_agent: str = USER_AGENT


@dataclasses.dataclass
class Attempt:
    """One request, after following redirects."""

    code: int | None          # final HTTP status, None when no answer came
    final_url: str
    redirects: list[tuple[int, str]]
    error: str | None = None
    retry_after: float | None = None


@dataclasses.dataclass
class Result:
    url: str
    verdict: str              # ok | moved | dead | unverified
    code: int | None
    final_url: str
    redirects: list
    attempts: int
    detail: str


# --- one URL ----------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # we follow redirects ourselves, to record the chain


def _parse_retry_after(value):
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - dt.datetime.now(when.tzinfo)).total_seconds()) if when else None


def fetch(url, config):
    """GET ``url`` and follow up to ``config.max_redirects`` redirects; read at most 64 KiB of the body."""
    opener = urllib.request.build_opener(_NoRedirect)
    redirects = []
    current = url
    for _ in range(config.max_redirects + 1):
        request = urllib.request.Request(current, headers={
            "User-Agent": config.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        try:
            with opener.open(request, timeout=config.timeout) as response:
                response.read(65536)
                return Attempt(response.status, current, redirects)
        except urllib.error.HTTPError as err:
            location = err.headers.get("Location") if err.headers else None
            if err.code in (301, 302, 303, 307, 308) and location:
                redirects.append((err.code, urllib.parse.urljoin(current, location)))
                current = redirects[-1][1]
                continue
            retry_after = _parse_retry_after(err.headers.get("Retry-After")) if err.headers else None
            return Attempt(err.code, current, redirects, retry_after=retry_after)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:  # timeouts included
            reason = getattr(err, "reason", err)
            return Attempt(None, current, redirects, error=f"{type(err).__name__}: {reason}")
    return Attempt(None, current, redirects, error="too many redirects")


def _retryable(attempt):
    return attempt.code is None and attempt.error != "too many redirects" or attempt.code in RETRY_CODES


def fetch_with_retries(url, config, sleep=time.sleep):
    """``fetch`` with exponential backoff on 429, 5xx and network errors; returns (attempt, count)."""
    pause = config.backoff
    attempt = fetch(url, config)
    count = 1
    while _retryable(attempt) and count <= config.retries:
        wait = pause
        if attempt.retry_after is not None:
            wait = min(attempt.retry_after, config.max_retry_after)
        sleep(wait)
        pause *= 2
        attempt = fetch(url, config)
        count += 1
    return attempt, count


def _same_address(a, b):
    """True when ``b`` is ``a`` up to http->https, a leading "www." and a trailing slash."""
    def norm(u):
        p = urllib.parse.urlsplit(u)
        host = p.netloc.lower().removeprefix("www.")
        return host, p.path.rstrip("/") or "/", p.query
    return norm(a) == norm(b)


def classify(url, attempt, count):
    """The verdict of one pass for ``url`` (``dead`` here means "404/410 seen once")."""
    code = attempt.code
    base = dict(url=url, code=code, final_url=attempt.final_url, redirects=attempt.redirects, attempts=count)
    if code is not None and 200 <= code < 300:
        if attempt.redirects and not _same_address(url, attempt.final_url):
            return Result(verdict="moved", detail=f"redirected to {attempt.final_url}", **base)
        return Result(verdict="ok", detail=f"HTTP {code}", **base)
    if code in DEAD_CODES:
        return Result(verdict="dead", detail=f"HTTP {code}", **base)
    if code in BOT_HOSTILE_CODES:
        return Result(verdict="unverified", detail=f"HTTP {code}: the host refuses automated checks", **base)
    if code is not None:
        return Result(verdict="unverified", detail=f"HTTP {code}", **base)
    return Result(verdict="unverified", detail=attempt.error or "no answer", **base)


# --- many URLs --------------------------------------------------------------------------------------

def check_urls(urls, config=None, sleep=time.sleep):
    """Check ``urls`` concurrently; 404/410 answers are re-checked once after ``config.pass_delay``.

    Returns a dict url -> Result. A link is ``dead`` only when both passes saw 404 or 410.
    """
    config = config or Config()

    def one_pass(batch):
        with concurrent.futures.ThreadPoolExecutor(max_workers=config.concurrency) as pool:
            futures = {pool.submit(fetch_with_retries, url, config, sleep): url for url in batch}
            return {futures[f]: classify(futures[f], *f.result()) for f in futures}

    results = one_pass(list(dict.fromkeys(urls)))
    suspects = [url for url, r in results.items() if r.verdict == "dead"]
    if suspects:
        sleep(config.pass_delay)
        second = one_pass(suspects)
        for url in suspects:
            again = second[url]
            if again.verdict == "dead":
                results[url].detail = f"HTTP {results[url].code}, then HTTP {again.code} on the second pass"
                results[url].attempts += again.attempts
            else:
                again.detail = f"HTTP {results[url].code} on the first pass, {again.detail} on the second"
                if again.verdict != "ok" or again.code is None:
                    again.verdict = "unverified"
                again.attempts += results[url].attempts
                results[url] = again
    return results


# --- catalogue in, report out -----------------------------------------------------------------------

def load_catalogue(path=CATALOGUE):
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["resources"]


def report(results, entries, today):
    by_url = {}
    for entry in entries:
        by_url.setdefault(entry["url"], []).append(entry["id"])
    rows = [{"ids": by_url.get(r.url, []), **dataclasses.asdict(r)} for r in results.values()]
    counts = {}
    for r in results.values():
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    return {"checked": today, "user_agent": USER_AGENT, "counts": counts, "results": rows}


def summary(rep):
    lines = [f"{sum(rep['counts'].values())} links checked on {rep['checked']}: "
             + ", ".join(f"{n} {v}" for v, n in sorted(rep["counts"].items()))]
    for row in rep["results"]:
        if row["verdict"] != "ok":
            ids = ", ".join(row["ids"]) or "-"
            lines.append(f"  {row['verdict']:<10} {ids}: {row['url']} ({row['detail']})")
    return "\n".join(lines)


def update_catalogue(path, results, entries, today):
    """Rewrite the ``status:`` and ``checked:`` lines of checked entries in place (comments kept).

    Only definite verdicts (ok, moved, dead) change an entry; "unverified" leaves it as it was, and so
    does "moved" for an entry recorded as dead (the report still lists it).
    Returns the number of entries changed.
    """
    verdict_of = {}
    for entry in entries:
        result = results.get(entry["url"])
        if result is None or result.verdict not in {"ok", "moved", "dead"}:
            continue
        if result.verdict == "moved" and entry.get("status") == "dead":
            continue  # a dead page that now redirects usually lands on a home page: a person decides
        verdict_of[str(entry["id"])] = result.verdict
    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    current, changed = None, set()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("- id:") or stripped.startswith("id:"):
            current = stripped.split(":", 1)[1].strip().strip("'\"")
            continue
        if current not in verdict_of:
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith("status:"):
            lines[i] = f"{indent}status: {verdict_of[current]}\n"
            changed.add(current)
        elif stripped.startswith("checked:"):
            lines[i] = f"{indent}checked: {today}\n"
            changed.add(current)
    Path(path).write_text("".join(lines), encoding="utf-8")
    return len(changed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "links.json")
    parser.add_argument("--update", action="store_true", help="record status and date in the catalogue")
    parser.add_argument("--only", nargs="*", metavar="ID", help="check only these entry ids")
    parser.add_argument("--timeout", type=float, default=Config.timeout)
    parser.add_argument("--retries", type=int, default=Config.retries)
    parser.add_argument("--concurrency", type=int, default=Config.concurrency)
    parser.add_argument("--pass-delay", type=float, default=Config.pass_delay)
    args = parser.parse_args(argv)

    entries = load_catalogue(args.catalogue)
    if args.only:
        entries = [e for e in entries if str(e["id"]) in set(args.only)]
    config = Config(timeout=args.timeout, retries=args.retries, concurrency=args.concurrency,
                    pass_delay=args.pass_delay)
    results = check_urls([e["url"] for e in entries], config)
    today = dt.date.today().isoformat()
    rep = report(results, entries, today)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    print(summary(rep))
    print(f"report: {args.report}")
    news = [r for r in results.values() if r.verdict in {"moved", "dead"}
            and any(e["status"] != r.verdict for e in entries if e["url"] == r.url)]
    if args.update:
        print(f"catalogue: {update_catalogue(args.catalogue, results, entries, today)} entries updated")
    # Exit 1 when a link has newly moved or died, so a scheduled job draws attention to it.
    return 1 if news else 0


if __name__ == "__main__":
    sys.exit(main())
