"""Check every external link of the resource catalogue with LinkChecker, where there is network.

    python tools/check_links.py             # check, write reports/links.json and links.md, print a summary
    python tools/check_links.py --update    # ... and write the findings back into docs/resources.yml

LinkChecker (``linkchecker --check-extern``, the link checker the design names) fetches every address;
this script runs it with machine-readable output (``--output=csv``), parses that, and adds exactly what
LinkChecker lacks for these rules:

1. Retries. LinkChecker makes one attempt per address: a 5xx answer, a timeout or a dropped connection
   is final, and a 429 is only a warning (it neither waits for ``Retry-After`` nor asks again). Here the
   retryable outcomes are checked again, with exponential backoff; a 429's ``Retry-After`` replaces the
   backoff, capped.
2. Two passes. A 404 or 410 is asked again after a pause, and only a second 404/410 makes a link dead.
3. The verdicts. LinkChecker says valid or not, with warnings; the catalogue needs ok, moved, dead or
   unverified (the table below), including "a redirect that only adds https, www. or a slash is ok".
4. The Wayback Machine's availability API (``archive.org/wayback/available``), which LinkChecker does not
   know: for a dead or moved entry whose ``archive_url`` names only a year, it finds the capture nearest
   that year and records that specific capture.
5. The catalogue write-back (``--update``): status, date, evidence, confidence, the new address of a
   moved link and the archive capture, in place, comments kept. A ``bot_hostile`` entry keeps its
   researched status, date and evidence; only a missing archive capture may be filled in.
   A ``copy_url`` is checked and reported, never written back: the entry's status is its url's.

| outcome                                          | verdict    | catalogue after --update             |
|--------------------------------------------------|------------|--------------------------------------|
| 2xx, no redirect (or only http->https, a         | ok         | ok (a moved entry stays moved)       |
|   trailing slash, a host's "www.")               |            |                                      |
| 2xx after redirects to another address           | moved      | moved, url := the final address      |
| 404 or 410 on both passes                        | dead       | dead                                 |
| 404 or 410 on one pass only                      | unverified | unchanged                            |
| 401, 403, 429, 999 (bot-hostile answers)         | unverified | unchanged                            |
| 5xx, timeout, dropped connection, TLS error,     | unverified | unchanged (after retries)            |
|   too many redirects, robots.txt says no         |            |                                      |

A dead entry is never turned into ok or moved by the check (a dead address that answers again is often a
domain that changed hands): the report lists it for a person. Entries marked ``bot_hostile`` (hosts that
refuse scripts) are checked and reported, but their status is never changed. Exit status: 0 when
nothing is new, 1 when a link has newly moved or died (its verdict differs from its catalogue status), 2
when LinkChecker itself failed.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import email.utils
import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "resources.yml"
USER_AGENT = ("DeepLearningFieldGuide-linkcheck/2.0 (LinkChecker; checks the links of a study guide's "
              "reading list about once a week; one request per link)")
WAYBACK_API = "https://archive.org/wayback/available"
DEAD_CODES = {404, 410}
BOT_HOSTILE_CODES = {401, 403, 429, 999}
RETRY_CODES = {429, 500, 502, 503, 504}
REDIRECT = re.compile(r"Redirected to `(?P<url>.+?)' status: (?P<code>\d{3})")
RATE_LIMITED = re.compile(r"Rate limited \(Retry-After: (?P<value>[^)]*)\)")
ROBOTS_DENIED = "Access denied by robots.txt"
YEAR_ONLY_ARCHIVE = re.compile(r"^https://web\.archive\.org/web/(?P<stamp>\d{4,12})/(?P<url>https?://\S+)$")
CAPTURE = re.compile(r"^https?://web\.archive\.org/web/(?P<stamp>\d{14})/(?P<url>https?://\S+)$")


class LinkCheckerFailed(RuntimeError):
    """LinkChecker could not run or ended with an error of its own (exit status 2 or more)."""


@dataclasses.dataclass
class Config:
    timeout: int = 15              # seconds per request (LinkChecker takes whole seconds)
    retries: int = 2               # extra attempts on retryable outcomes
    backoff: float = 2.0           # first pause between attempts, doubled each time
    max_retry_after: float = 60.0  # cap on a server's Retry-After
    pass_delay: float = 30.0       # pause before re-checking 404/410 answers
    threads: int = 8               # LinkChecker's --threads
    user_agent: str = USER_AGENT
    linkchecker: tuple = (sys.executable, "-m", "linkcheck")
    wayback_api: str = WAYBACK_API


@dataclasses.dataclass
class Attempt:
    """What LinkChecker reported for one address, after following redirects."""

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


# --- LinkChecker in, attempts out ---------------------------------------------------------------------

def linkchecker_command(urls, config):
    """The LinkChecker command line that checks exactly ``urls`` (no recursion) and prints CSV."""
    return [*config.linkchecker, "--check-extern", "--recursion-level=0", "--verbose", "--no-status",
            "--output=csv", f"--timeout={max(1, int(config.timeout))}", f"--threads={config.threads}",
            f"--user-agent={config.user_agent}", *urls]


def _parse_retry_after(value):
    if not value or value == "None":
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - dt.datetime.now(when.tzinfo)).total_seconds()) if when else None


def parse_csv(text):
    """LinkChecker's CSV output as {address as given: Attempt}."""
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=";")
            if row and not row[0].startswith("#")]
    if not rows:
        return {}
    header, found = rows[0], {}
    for row in rows[1:]:
        item = dict(zip(header, row, strict=False))
        result, warnings = item.get("result", ""), item.get("warningstring", "")
        info = item.get("infostring", "")
        redirects = [(int(m["code"]), m["url"]) for m in REDIRECT.finditer(warnings)]
        final = redirects[-1][1] if redirects else item.get("url") or item["urlname"]
        status = re.match(r"^(\d{3})\b", result)
        rate = RATE_LIMITED.search(warnings)
        if ROBOTS_DENIED in info:
            attempt = Attempt(None, final, redirects, error="robots.txt asks link checkers to stay away")
        elif status:
            attempt = Attempt(int(status.group(1)), final, redirects,
                              retry_after=_parse_retry_after(rate["value"]) if rate else None)
        else:
            attempt = Attempt(None, final, redirects, error=result or "no answer")
        found[item["urlname"]] = attempt
    return found


def run_linkchecker(urls, config):
    """Check ``urls`` with one LinkChecker run; returns {url: Attempt} for every url."""
    if not urls:
        return {}
    command = linkchecker_command(urls, config)
    try:
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", check=False)
    except OSError as err:
        raise LinkCheckerFailed(f"cannot run LinkChecker ({command[0]}): {err}") from err
    if done.returncode not in (0, 1):  # 1: some link was invalid; 2 and more: LinkChecker's own error
        raise LinkCheckerFailed(f"LinkChecker exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    found = parse_csv(done.stdout)
    return {url: found.get(url) or Attempt(None, url, [], error="LinkChecker reported nothing for it")
            for url in urls}


# --- the rules ----------------------------------------------------------------------------------------

def _retryable(attempt):
    if attempt.code is None:
        # A redirect loop, a bad TLS certificate or a robots.txt refusal will not change on a retry.
        final = ("TooManyRedirects", "SSLError", "robots.txt")
        return attempt.error is not None and not attempt.error.startswith(final)
    return attempt.code in RETRY_CODES


def check_with_retries(urls, config, sleep=time.sleep):
    """LinkChecker on ``urls``, then again on the retryable ones; returns {url: (attempt, count)}.

    One pause per round: the backoff (doubled each round) or, when longer, the largest Retry-After of
    the round's 429 answers, capped at ``config.max_retry_after``.
    """
    attempts = run_linkchecker(list(urls), config)
    counts = dict.fromkeys(attempts, 1)
    pause = config.backoff
    for _ in range(config.retries):
        again = [url for url, attempt in attempts.items() if _retryable(attempt)]
        if not again:
            break
        asked = [attempts[url].retry_after for url in again if attempts[url].retry_after is not None]
        sleep(min(max(asked), config.max_retry_after) if asked else pause)
        pause *= 2
        for url, attempt in run_linkchecker(again, config).items():
            attempts[url] = attempt
            counts[url] += 1
    return {url: (attempts[url], counts[url]) for url in attempts}


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


def check_urls(urls, config=None, sleep=time.sleep):
    """Check ``urls``; 404/410 answers are checked again after ``config.pass_delay``.

    Returns a dict url -> Result. A link is ``dead`` only when both passes saw 404 or 410.
    """
    config = config or Config()

    def one_pass(batch):
        return {url: classify(url, *found) for url, found in check_with_retries(batch, config, sleep).items()}

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


# --- the Wayback Machine --------------------------------------------------------------------------------

def wayback_capture(archive_url, config):
    """The specific capture nearest the year of a year-only ``archive_url``, or None.

    Asks the availability API (``config.wayback_api``) for the address inside ``archive_url`` at that
    year; only a capture that answered HTTP 200 counts. Returns (capture or None, what happened).
    """
    match = YEAR_ONLY_ARCHIVE.match(archive_url)
    if not match:
        return None, "already a specific capture"
    query = urllib.parse.urlencode({"url": match["url"], "timestamp": match["stamp"]})
    request = urllib.request.Request(f"{config.wayback_api}?{query}",
                                     headers={"User-Agent": config.user_agent})
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:
            data = json.loads(response.read(1 << 20).decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as err:
        return None, f"availability API failed: {type(err).__name__}: {getattr(err, 'reason', err)}"
    closest = ((data or {}).get("archived_snapshots") or {}).get("closest") or {}
    capture = CAPTURE.match(str(closest.get("url", "")))
    if not (closest.get("available") and str(closest.get("status")) == "200" and capture):
        return None, "no capture that answered 200"
    return f"https://web.archive.org/web/{capture['stamp']}/{capture['url']}", "capture found"


# --- catalogue in, decisions out ------------------------------------------------------------------------

def load_catalogue(path=CATALOGUE):
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["resources"]


def _evidence(result, config):
    if result.verdict == "dead":
        return (f"live check: {result.detail} ({config.pass_delay:g} s apart), LinkChecker with "
                f"{config.retries} retries")
    if result.verdict == "moved":
        chain = ", ".join(str(code) for code, _ in result.redirects)
        return (f"live check: the address redirects ({chain}) to {result.final_url}, "
                f"which answers {result.code}")
    return f"live check: HTTP {result.code}" + (f" ({result.detail})" if "pass" in result.detail else "")


def decide(entry, result, today, config):
    """The fields ``--update`` rewrites for one entry, or (None, why the entry is left alone)."""
    if result is None:
        return None, "not checked"
    if entry.get("bot_hostile"):
        return None, "bot-hostile host: its researched status is kept"
    if result.verdict == "unverified":
        return None, f"unverified ({result.detail}): left as it was"
    if entry.get("status") == "dead":
        return None, (f"recorded dead, now {result.verdict}: a person decides "
                      "(the domain may have changed hands)")
    changes = {"checked": today, "evidence": _evidence(result, config), "confidence": "high"}
    if result.verdict == "ok":
        changes["status"] = "moved" if entry.get("status") == "moved" else "ok"
    elif result.verdict == "moved":
        changes.update(status="moved", url=result.final_url,
                       original_url=entry.get("original_url") or entry["url"])
    else:
        changes["status"] = "dead"
    return changes, result.verdict


def _yaml_value(field, value):
    if field in ("status", "confidence", "checked"):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def update_catalogue(path, changes_by_id):
    """Rewrite the one-line fields of the entries in ``changes_by_id`` in place (comments kept).

    ``changes_by_id`` maps an entry id to {field: new value}, for the fields status, checked, evidence,
    confidence, url, original_url and archive_url. An ``original_url`` that the entry lacks is inserted
    after its ``url`` line. Returns the number of entries changed.
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    out, current, changed, pending = [], None, set(), None
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("- id:"):
            current = stripped.split(":", 1)[1].strip().strip("'\"")
        field = None if stripped.startswith(("- ", "#")) else stripped.split(":", 1)[0]
        if pending and field != "original_url":
            out.append(pending)  # the entry had no original_url: it goes right after url
        pending = None
        changes = changes_by_id.get(current, {})
        if field in changes:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{field}: {_yaml_value(field, changes[field])}\n")
            changed.add(current)
            if field == "url" and "original_url" in changes:
                pending = f"{indent}original_url: {_yaml_value('original_url', changes['original_url'])}\n"
            continue
        out.append(line)
    Path(path).write_text("".join(out), encoding="utf-8")
    return len(changed)


def report(results, entries, decisions, captures, today, config):
    by_url = {}
    for entry in entries:
        by_url.setdefault(entry["url"], []).append(entry["id"])
        if entry.get("copy_url"):  # checked and reported too, never written back
            by_url.setdefault(entry["copy_url"], []).append(f"{entry['id']} (copy_url)")
    rows = [{"ids": by_url.get(r.url, []), **dataclasses.asdict(r)} for r in results.values()]
    counts = {}
    for r in results.values():
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    return {"checked": today, "checker": "LinkChecker", "user_agent": config.user_agent, "counts": counts,
            "results": rows, "decisions": decisions, "archive_captures": captures}


def summary(rep):
    lines = [f"{sum(rep['counts'].values())} links checked on {rep['checked']} with LinkChecker: "
             + ", ".join(f"{n} {v}" for v, n in sorted(rep["counts"].items()))]
    for row in rep["results"]:
        if row["verdict"] != "ok":
            ids = ", ".join(row["ids"]) or "-"
            lines.append(f"  {row['verdict']:<10} {ids}: {row['url']} ({row['detail']})")
    left = {i: why for i, why in rep["decisions"].items() if why.startswith(("recorded dead", "bot-hostile"))}
    for entry_id, why in sorted(left.items()):
        lines.append(f"  left alone {entry_id}: {why}")
    for entry_id, (capture, what) in sorted(rep["archive_captures"].items()):
        lines.append(f"  archive    {entry_id}: {capture or what}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "links.json",
                        help="the JSON report; a Markdown summary is written beside it (.md)")
    parser.add_argument("--update", action="store_true", help="write the findings into the catalogue")
    parser.add_argument("--only", nargs="*", metavar="ID", help="check only these entry ids")
    parser.add_argument("--timeout", type=int, default=Config.timeout)
    parser.add_argument("--retries", type=int, default=Config.retries)
    parser.add_argument("--threads", type=int, default=Config.threads)
    parser.add_argument("--pass-delay", type=float, default=Config.pass_delay)
    parser.add_argument("--wayback-api", default=WAYBACK_API, help="base URL of the availability API")
    args = parser.parse_args(argv)

    entries = load_catalogue(args.catalogue)
    if args.only:
        entries = [e for e in entries if str(e["id"]) in set(args.only)]
    config = Config(timeout=args.timeout, retries=args.retries, threads=args.threads,
                    pass_delay=args.pass_delay, wayback_api=args.wayback_api)
    try:
        results = check_urls([e["url"] for e in entries]
                             + [e["copy_url"] for e in entries if e.get("copy_url")], config)
    except LinkCheckerFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    today = dt.date.today().isoformat()
    changes, decisions, captures = {}, {}, {}
    for entry in entries:
        change, why = decide(entry, results.get(entry["url"]), today, config)
        decisions[entry["id"]] = why
        if change:
            changes[entry["id"]] = change
        status = (change or {}).get("status", entry.get("status"))
        if status in ("moved", "dead") and YEAR_ONLY_ARCHIVE.match(entry.get("archive_url", "")):
            capture, what = wayback_capture(entry["archive_url"], config)
            captures[entry["id"]] = (capture, what)
            if capture:
                changes.setdefault(entry["id"], {})["archive_url"] = capture
    rep = report(results, entries, decisions, captures, today, config)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    text = summary(rep)
    args.report.with_suffix(".md").write_text(
        "Findings of the weekly link check (tools/check_links.py --update):\n\n```\n" + text + "\n```\n",
        encoding="utf-8")
    print(text)
    print(f"report: {args.report}")
    if args.update:
        print(f"catalogue: {update_catalogue(args.catalogue, changes)} entries updated")
    verdicts = {e["id"]: results[e["url"]].verdict for e in entries if e["url"] in results}
    news = [e["id"] for e in entries if not e.get("bot_hostile")
            and verdicts.get(e["id"]) in {"moved", "dead"} and verdicts[e["id"]] != e.get("status")]
    # Exit 1 when a link has newly moved or died, so that a scheduled run draws attention to it.
    return 1 if news else 0


if __name__ == "__main__":
    sys.exit(main())
