"""The external link check (tools/check_links.py, LinkChecker underneath), tested offline.

A local HTTP server on 127.0.0.1 answers like the hosts of the catalogue do: 200, 301/302/308 chains, a
redirect that only adds a slash, 404 twice, 404 once, 410, 429 with Retry-After (for good, and once),
403, a 503 that recovers, an answer slower than the timeout, a dropped connection, a redirect loop and a
robots.txt that shuts a path; a second server on 127.0.0.1 presents a self-signed TLS certificate made
here with openssl; the first server also plays the Wayback Machine's availability API. Every check runs
the real LinkChecker (``python -m linkcheck``) against them; only the pauses between passes are faked.
"""

from __future__ import annotations

import datetime as dt
import http.server
import importlib
import json
import re
import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.helpers import load_module

ROOT = Path(__file__).resolve().parents[1]
check_links = load_module("tools/check_links.py", "check_links")
hook = importlib.import_module("pipeline.catalogue")
CAPTURE = "20180304050607"


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: dict = {}
    user_agents: dict = {}
    wayback_queries: list = []
    inflight = 0
    max_inflight = 0
    lock = threading.Lock()

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, code, headers=(), body=b"hello", content_type="text/html"):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _wayback(self, query):
        self.wayback_queries.append(query)
        url = query["url"][0]
        if url.endswith("/api-error"):
            return self._send(500)
        closest = {}
        if url.endswith("/gone"):
            closest = {"available": True, "status": "200", "timestamp": CAPTURE,
                       "url": f"http://web.archive.org/web/{CAPTURE}/{url}"}
        elif url.endswith("/removed"):  # a capture of the 404 page itself: no use
            closest = {"available": True, "status": "404", "timestamp": CAPTURE,
                       "url": f"http://web.archive.org/web/{CAPTURE}/{url}"}
        body = json.dumps({"url": url, "archived_snapshots": {"closest": closest} if closest else {}})
        self._send(200, body=body.encode(), content_type="application/json")

    def do_GET(self):  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        path = parts.path
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            n = self.hits[path]
        self.user_agents.setdefault(path, set()).add(self.headers.get("User-Agent"))
        try:
            self._route(path, n, parts)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (the slow answer)
            pass

    def _route(self, path, n, parts):
        if path == "/robots.txt":
            self._send(200, body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain")
        elif path in ("/ok", "/dir/", "/private"):
            self._send(200)
        elif path == "/dir":
            self._send(301, [("Location", "/dir/")])
        elif path == "/chain/1":
            self._send(301, [("Location", "/chain/2")])
        elif path == "/chain/2":
            self._send(302, [("Location", "/chain/3")])
        elif path == "/chain/3":
            self._send(308, [("Location", "/ok")])
        elif path in ("/gone", "/gone-walled"):
            self._send(404)
        elif path == "/removed":
            self._send(410)
        elif path == "/flaky-404":
            self._send(404 if n == 1 else 200)
        elif path == "/rate-limited":
            self._send(429, [("Retry-After", "7")])
        elif path == "/rate-then-ok":
            self._send(429 if n == 1 else 200, [("Retry-After", "3")] if n == 1 else [])
        elif path == "/forbidden":
            self._send(403)
        elif path == "/unavailable-then-ok":
            self._send(503 if n == 1 else 200)
        elif path == "/slow":
            time.sleep(2.5)
            self._send(200)
        elif path == "/drop":
            self.close_connection = True
            self.connection.shutdown(2)  # close without an answer
        elif path == "/loop":
            self._send(302, [("Location", "/loop")])
        elif path == "/wayback/available":
            self._wayback(parse_qs(parts.query))
        elif path.startswith("/concurrent/"):
            with self.lock:
                type(self).inflight += 1
                type(self).max_inflight = max(type(self).max_inflight, type(self).inflight)
            time.sleep(0.8)
            with self.lock:
                type(self).inflight -= 1
            self._send(200)
        else:
            self._send(500)


def _serve(httpd):
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _reset():
    _Handler.hits = {}
    _Handler.user_agents = {}
    _Handler.wayback_queries = []
    _Handler.inflight = _Handler.max_inflight = 0


@pytest.fixture(scope="module")
def server():
    _reset()
    httpd = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler))
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """An HTTPS server whose certificate is self-signed: no client may trust it."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the self-signed certificate of the bad-TLS case")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    _serve(httpd)
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _Sleeps(list):
    """A fake ``sleep`` that records the pauses instead of waiting."""

    def sleep(self, seconds):
        self.append(seconds)


CONFIG = check_links.Config(timeout=1, retries=2, backoff=1.0, pass_delay=5.0, threads=4)
PATHS = ["/ok", "/dir", "/chain/1", "/gone", "/removed", "/flaky-404", "/rate-limited", "/rate-then-ok",
         "/forbidden", "/unavailable-then-ok", "/slow", "/drop", "/loop", "/private"]


@pytest.fixture(scope="module")
def checked(server, tls_server):
    """One check of every case (as the weekly run checks the whole catalogue at once)."""
    sleeps = _Sleeps()
    urls = [server + p for p in PATHS] + [tls_server + "/ok"]
    results = check_links.check_urls(urls, CONFIG, sleep=sleeps.sleep)
    hits = dict(_Handler.hits)
    agents = {path: set(found) for path, found in _Handler.user_agents.items()}
    return {"results": results, "server": server, "tls": results[tls_server + "/ok"], "hits": hits,
            "sleeps": list(sleeps), "agents": agents}


def _result(checked, path):
    return checked["results"][checked["server"] + path]


def test_the_check_runs_linkchecker_on_exactly_the_addresses_with_csv_output():
    command = check_links.linkchecker_command(["https://example.org/a"], CONFIG)
    assert command[:3] == list(check_links.Config.linkchecker)[:3]
    for flag in ("--check-extern", "--recursion-level=0", "--output=csv", "--verbose", "--timeout=1",
                 "--threads=4", f"--user-agent={check_links.USER_AGENT}"):
        assert flag in command
    assert command[-1] == "https://example.org/a"


def test_a_200_is_ok(checked):
    result = _result(checked, "/ok")
    assert (result.verdict, result.code, result.attempts) == ("ok", 200, 1)


def test_a_301_302_308_chain_is_followed_and_reported_as_moved_with_the_final_address(checked, server):
    result = _result(checked, "/chain/1")
    assert result.verdict == "moved"
    assert result.final_url == server + "/ok"
    assert [code for code, _ in result.redirects] == [301, 302, 308]


def test_a_redirect_that_only_adds_a_slash_is_still_ok(checked, server):
    result = _result(checked, "/dir")
    assert (result.verdict, result.final_url) == ("ok", server + "/dir/")


@pytest.mark.parametrize("path,code", [("/gone", 404), ("/removed", 410)])
def test_dead_only_after_404_or_410_on_two_passes(checked, path, code):
    result = _result(checked, path)
    assert (result.verdict, result.code) == ("dead", code)
    assert checked["hits"][path] == 2, "a 404/410 must be seen on two passes"
    assert CONFIG.pass_delay in checked["sleeps"], "the second pass waits first"
    assert "second pass" in result.detail


def test_a_404_that_recovers_on_the_second_pass_is_not_dead(checked):
    result = _result(checked, "/flaky-404")
    assert result.verdict == "ok"
    assert "first pass" in result.detail


def test_429_honours_retry_after_and_stays_unverified_not_dead(checked):
    result = _result(checked, "/rate-limited")
    assert (result.verdict, result.code) == ("unverified", 429)
    assert result.attempts == CONFIG.retries + 1
    # One pause per round: Retry-After (7 s, the largest asked) replaces the 1 s and 2 s of backoff.
    assert checked["sleeps"][:2] == [7.0, 7.0]


def test_a_429_that_clears_after_retry_after_is_ok(checked):
    result = _result(checked, "/rate-then-ok")
    assert (result.verdict, result.attempts) == ("ok", 2)


def test_403_from_a_bot_hostile_host_is_unverified_and_not_retried(checked):
    result = _result(checked, "/forbidden")
    assert result.verdict == "unverified"
    assert "refuses automated checks" in result.detail
    assert checked["hits"]["/forbidden"] == 1


def test_a_503_that_recovers_on_a_retry_is_ok(checked):
    result = _result(checked, "/unavailable-then-ok")
    assert (result.verdict, result.attempts) == ("ok", 2)


def test_a_slow_answer_times_out_and_is_unverified_after_retries(checked):
    result = _result(checked, "/slow")
    assert result.verdict == "unverified" and result.code is None
    assert "timeout" in result.detail.lower() or "timed out" in result.detail.lower()
    assert result.attempts == CONFIG.retries + 1


def test_a_dropped_connection_is_retried_then_unverified(checked):
    result = _result(checked, "/drop")
    assert result.verdict == "unverified" and result.code is None
    assert "ConnectionError" in result.detail
    assert checked["hits"]["/drop"] == CONFIG.retries + 1


def test_a_redirect_loop_stops_and_is_not_retried(checked):
    result = _result(checked, "/loop")
    assert result.verdict == "unverified" and result.detail.startswith("TooManyRedirects")
    assert result.attempts == 1


def test_a_path_that_robots_txt_shuts_is_never_fetched_and_unverified(checked):
    result = _result(checked, "/private")
    assert result.verdict == "unverified" and "robots.txt" in result.detail
    assert "/private" not in checked["hits"]


def test_a_self_signed_tls_certificate_is_unverified_and_not_retried(checked):
    result = checked["tls"]
    assert result.verdict == "unverified" and result.code is None
    assert "SSLError" in result.detail and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert result.attempts == 1


def test_every_request_for_a_page_carries_the_honest_user_agent(checked):
    # LinkChecker fetches robots.txt under its own name; every page request carries ours.
    pages = {path: agents for path, agents in checked["agents"].items() if path != "/robots.txt"}
    assert pages and set().union(*pages.values()) == {check_links.USER_AGENT}


def test_the_backoff_doubles_between_rounds(server):
    sleeps = _Sleeps()
    config = check_links.Config(timeout=1, retries=3, backoff=1.0)
    result = check_links.check_urls([server + "/no-such-route"], config, sleep=sleeps.sleep)
    assert (result[server + "/no-such-route"].code, result[server + "/no-such-route"].attempts) == (500, 4)
    assert sleeps == [1.0, 2.0, 4.0]


def test_retry_after_is_capped(server):
    sleeps = _Sleeps()
    config = check_links.Config(timeout=1, retries=1, backoff=1.0, max_retry_after=2.0)
    check_links.check_urls([server + "/rate-limited"], config, sleep=sleeps.sleep)
    assert sleeps == [2.0]


def test_urls_are_checked_concurrently(server):
    _Handler.max_inflight = 0
    config = check_links.Config(timeout=5, retries=0, threads=4)
    check_links.check_urls([f"{server}/concurrent/{i}" for i in range(4)], config, sleep=_Sleeps().sleep)
    assert _Handler.max_inflight >= 2


def test_a_linkchecker_that_cannot_run_is_an_error_not_a_verdict():
    config = check_links.Config(linkchecker=("/nonexistent/linkchecker",))
    with pytest.raises(check_links.LinkCheckerFailed, match="cannot run LinkChecker"):
        check_links.run_linkchecker(["https://example.org/"], config)


@pytest.mark.parametrize("a,b,same", [
    ("http://example.org/a", "https://www.example.org/a/", True),
    ("https://example.org/a", "https://example.org/b", False),
    ("https://example.org/a?x=1", "https://example.org/a?x=2", False),
])
def test_same_address_ignores_only_scheme_www_and_trailing_slash(a, b, same):
    assert check_links._same_address(a, b) is same


def test_retry_after_accepts_seconds_and_http_dates():
    assert check_links._parse_retry_after("12") == 12.0
    assert check_links._parse_retry_after(None) is None
    assert check_links._parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


# --- the Wayback Machine's availability API ---------------------------------------------------------

def test_the_availability_api_gives_the_capture_nearest_the_archive_year(server):
    config = check_links.Config(timeout=2, wayback_api=server + "/wayback/available")
    capture, _ = check_links.wayback_capture(f"https://web.archive.org/web/2018/{server}/gone", config)
    assert capture == f"https://web.archive.org/web/{CAPTURE}/{server}/gone"
    assert _Handler.wayback_queries[-1] == {"url": [f"{server}/gone"], "timestamp": ["2018"]}


@pytest.mark.parametrize("path,why", [("/removed", "no capture that answered 200"),
                                      ("/nothing", "no capture that answered 200"),
                                      ("/api-error", "availability API failed")])
def test_no_usable_capture_leaves_the_archive_address_alone(server, path, why):
    config = check_links.Config(timeout=2, wayback_api=server + "/wayback/available")
    capture, what = check_links.wayback_capture(f"https://web.archive.org/web/2018/{server}{path}", config)
    assert capture is None and what.startswith(why)


def test_a_specific_capture_is_not_looked_up_again():
    config = check_links.Config(wayback_api="http://127.0.0.1:9/never-asked")
    archive = f"https://web.archive.org/web/{CAPTURE}/https://example.org/a"
    assert check_links.wayback_capture(archive, config) == (None, "already a specific capture")


# --- the catalogue write-back -----------------------------------------------------------------------

ENTRY = """\
  - id: {id}
    title: "Page {id}"
    author: null
    year: 2018
    kind: post
    language: en
    topics:
      - optimization/adam
    url: "{url}"
{original}    archive_url: "https://web.archive.org/web/2018/{archive}"
    status: {status}
    checked: 2026-12-02
    evidence: "stored copy: a stored copy of {id}"
    confidence: low
{extra}    note: "Why read {id}."
    reason: "a local test server"
"""


def _entry(server, id, path, status, original=None, bot_hostile=False):
    url = server + path
    return ENTRY.format(id=id, url=url, status=status, archive=original or url,
                        original=f'    original_url: "{original}"\n' if original else "",
                        extra="    bot_hostile: true\n" if bot_hostile else "")


def _catalogue(server, path):
    path.write_text("# a comment that must survive the update\nresources:\n" + "".join([
        _entry(server, "good", "/dir", "unverified"),
        _entry(server, "redirected", "/chain/1", "unverified"),
        _entry(server, "gone", "/gone", "ok"),
        _entry(server, "removed", "/removed", "moved", original=server + "/old-removed"),
        _entry(server, "shy", "/forbidden", "ok"),
        _entry(server, "walled", "/gone-walled", "ok", bot_hostile=True),
        _entry(server, "walled-moved", "/forbidden?walled", "moved", original=server + "/old-walled/gone",
               bot_hostile=True),
        _entry(server, "resurrected", "/dir/", "dead"),
    ]).replace('    archive_url: "https://web.archive.org/web/2018/' + server + '/forbidden"',
               f'    copy_url: "{server}/chain/3"\n'
               f'    archive_url: "https://web.archive.org/web/2018/{server}/forbidden"'), encoding="utf-8")
    return path


def _run(catalogue, server, folder, *extra):
    return check_links.main(["--catalogue", str(catalogue), "--report", str(folder / "links.json"),
                             "--timeout", "1", "--retries", "0", "--pass-delay", "0",
                             "--wayback-api", server + "/wayback/available", *extra])


@pytest.fixture(scope="module")
def updated(server, tmp_path_factory):
    """One ``--update`` run over a small catalogue with one entry per rule, as the weekly job runs it."""
    folder = tmp_path_factory.mktemp("update")
    catalogue = _catalogue(server, folder / "resources.yml")
    before = catalogue.read_text(encoding="utf-8")
    status = _run(catalogue, server, folder, "--update")
    text = catalogue.read_text(encoding="utf-8")
    return {"status": status, "before": before, "text": text, "folder": folder,
            "entries": {e["id"]: e for e in yaml.safe_load(text)["resources"]},
            "old": {e["id"]: e for e in yaml.safe_load(before)["resources"]},
            "report": json.loads((folder / "links.json").read_text(encoding="utf-8"))}


def test_update_keeps_comments_and_a_valid_catalogue_and_flags_news(updated):
    assert updated["status"] == 1, "a link that newly died must make the run say so"
    assert updated["text"].startswith("# a comment that must survive the update\n")
    hook.validate(list(updated["entries"].values()))


def test_update_records_an_ok_link_with_the_date_and_live_check_evidence(updated):
    good = updated["entries"]["good"]
    assert (good["status"], good["checked"], good["confidence"]) == ("ok", dt.date.today(), "high")
    assert good["evidence"] == "live check: HTTP 200"


def test_update_records_a_redirect_as_moved_with_the_final_address(updated, server):
    moved = updated["entries"]["redirected"]
    assert (moved["status"], moved["url"], moved["original_url"]) == (
        "moved", server + "/ok", server + "/chain/1")
    assert moved["evidence"].startswith("live check: the address redirects (301, 302, 308) to ")


def test_update_records_a_dead_link_with_the_wayback_capture_nearest_its_year(updated, server):
    gone = updated["entries"]["gone"]
    assert (gone["status"], gone["checked"]) == ("dead", dt.date.today())
    assert gone["evidence"].startswith("live check: HTTP 404, then HTTP 404 on the second pass")
    assert gone["archive_url"] == f"https://web.archive.org/web/{CAPTURE}/{server}/gone"


def test_update_keeps_a_year_only_archive_when_no_capture_answered_200(updated, server):
    removed = updated["entries"]["removed"]
    assert (removed["status"], removed["original_url"]) == ("dead", server + "/old-removed")
    assert removed["archive_url"] == f"https://web.archive.org/web/2018/{server}/old-removed"


@pytest.mark.parametrize("entry_id,why", [
    ("shy", "unverified"), ("walled", "bot-hostile"), ("resurrected", "recorded dead")])
def test_update_leaves_unverified_bot_hostile_and_dead_entries_alone(updated, entry_id, why):
    assert updated["entries"][entry_id] == updated["old"][entry_id]
    assert updated["report"]["decisions"][entry_id].startswith(why)


def test_a_bot_hostile_entry_keeps_its_status_but_gets_a_missing_archive_capture(updated, server):
    old, new = updated["old"]["walled-moved"], updated["entries"]["walled-moved"]
    assert new["archive_url"] == f"https://web.archive.org/web/{CAPTURE}/{server}/old-walled/gone"
    assert {k: v for k, v in new.items() if k != "archive_url"} == {
        k: v for k, v in old.items() if k != "archive_url"}


def test_the_report_and_its_summary_for_the_pull_request(updated):
    report = updated["report"]
    assert report["checker"] == "LinkChecker"
    # ok: good, resurrected; moved: redirected and shy's copy; dead: gone, removed, walled;
    # unverified: shy and walled-moved (403).
    assert report["counts"] == {"ok": 2, "moved": 2, "dead": 3, "unverified": 2}
    copy = next(row for row in report["results"] if row["ids"] == ["shy (copy_url)"])
    assert copy["verdict"] == "moved"
    summary = (updated["folder"] / "links.md").read_text(encoding="utf-8")
    assert "9 links checked" in summary and "left alone walled" in summary
    assert f"web/{CAPTURE}/" in summary


def test_without_update_the_catalogue_is_untouched_and_unchanged_links_exit_zero(server, tmp_path):
    catalogue = _catalogue(server, tmp_path / "resources.yml")
    before = catalogue.read_text(encoding="utf-8")
    assert _run(catalogue, server, tmp_path, "--only", "good", "resurrected", "walled") == 0
    assert catalogue.read_text(encoding="utf-8") == before


def test_update_inserts_original_url_right_after_url(tmp_path):
    path = tmp_path / "resources.yml"
    path.write_text('resources:\n  - id: a\n    url: "https://a.example/"\n    archive_url: "x"\n'
                    "    status: ok\n  - id: b\n    url: \"https://b.example/\"\n", encoding="utf-8")
    changes = {"a": {"url": "https://new.example/", "original_url": "https://a.example/", "status": "moved"}}
    assert check_links.update_catalogue(path, changes) == 1
    assert path.read_text(encoding="utf-8") == (
        'resources:\n  - id: a\n    url: "https://new.example/"\n    original_url: "https://a.example/"\n'
        '    archive_url: "x"\n    status: moved\n  - id: b\n    url: "https://b.example/"\n')


# --- the weekly workflow that proposes the findings -------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "links.yml"


def _workflow():
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data, data.get("on", data.get(True))  # PyYAML reads the key `on` as True


def test_the_weekly_workflow_runs_on_a_schedule_and_by_hand():
    _, triggers = _workflow()
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert len(triggers["schedule"][0]["cron"].split()) == 5


def test_the_weekly_workflow_has_least_permissions():
    data, _ = _workflow()
    assert data["permissions"] == {"contents": "read"}
    jobs = data["jobs"]
    assert len(jobs) == 1, "one job, the only one allowed to write"
    (job,) = jobs.values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}


def test_every_action_of_the_weekly_workflow_is_pinned_to_a_commit():
    data, _ = _workflow()
    uses = [step["uses"] for job in data["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    text = WORKFLOW.read_text(encoding="utf-8")
    assert all(f"{u}  # v" in text for u in uses), "each pin names its version in a comment"


def test_the_weekly_workflow_updates_the_catalogue_and_proposes_it_as_a_pull_request():
    data, _ = _workflow()
    (job,) = data["jobs"].values()
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python tools/check_links.py --update" in runs
    assert '".[links]"' in runs
    pr = [s for s in job["steps"] if s.get("uses", "").startswith("peter-evans/create-pull-request@")]
    assert len(pr) == 1
    assert pr[0]["with"]["add-paths"] == "docs/resources.yml"
    assert pr[0]["with"]["body-path"] == "reports/links.md", "the PR says what the check found"
    # The findings step must not stop the job when a link newly died (exit 1): that is the news.
    check = next(s for s in job["steps"] if "check_links.py" in s.get("run", ""))
    assert "|| status=$?" in check["run"] and '-ge 2' in check["run"]


def test_the_links_extra_installs_the_linkchecker_the_script_is_tested_with():
    import tomllib

    from linkcheck.configuration import Version

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    assert [d for d in extras["links"] if d.startswith("linkchecker")] == [f"linkchecker=={Version}"]
