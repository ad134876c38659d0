"""The external link checker (tools/check_links.py), tested offline against a local HTTP server.

The server on 127.0.0.1 answers like the hosts of the catalogue do: 200, redirect chains, 404, 410,
429 with Retry-After, 403, a 503 that recovers, a 404 that recovers, an answer slower than the timeout,
a dropped connection and a redirect loop.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import load_module

ROOT = Path(__file__).resolve().parents[1]
check_links = load_module("tools/check_links.py", "check_links")


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: dict = {}
    user_agents: list = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, code, headers=(), body=b"hello"):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path
        self.hits[path] = self.hits.get(path, 0) + 1
        self.user_agents.append(self.headers.get("User-Agent"))
        n = self.hits[path]
        if path == "/ok":
            self._send(200)
        elif path == "/dir/":
            self._send(200)
        elif path == "/chain/1":
            self._send(301, [("Location", "/chain/2")])
        elif path == "/chain/2":
            self._send(308, [("Location", "/ok")])
        elif path == "/dir":
            self._send(301, [("Location", "/dir/")])
        elif path == "/gone":
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
            time.sleep(1.5)
            self._send(200)
        elif path == "/drop":
            self.close_connection = True
            self.connection.shutdown(2)  # close without an answer
        elif path == "/loop":
            self._send(302, [("Location", "/loop")])
        else:
            self._send(500)


@pytest.fixture
def server():
    _Handler.hits = {}
    _Handler.user_agents = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _Sleeps(list):
    """A fake ``sleep`` that records the pauses instead of waiting."""

    def sleep(self, seconds):
        self.append(seconds)


@pytest.fixture
def fake_sleep():
    return _Sleeps()


CONFIG = check_links.Config(timeout=0.5, retries=2, backoff=1.0, pass_delay=5.0, concurrency=4)


def _check(server, fake_sleep, *paths, config=CONFIG):
    return check_links.check_urls([server + p for p in paths], config, sleep=fake_sleep.sleep)


def test_a_200_is_ok(server, fake_sleep):
    result = _check(server, fake_sleep, "/ok")[server + "/ok"]
    assert (result.verdict, result.code, result.attempts) == ("ok", 200, 1)


def test_a_redirect_chain_is_followed_and_reported_as_moved(server, fake_sleep):
    result = _check(server, fake_sleep, "/chain/1")[server + "/chain/1"]
    assert result.verdict == "moved"
    assert result.final_url == server + "/ok"
    assert [code for code, _ in result.redirects] == [301, 308]


def test_a_redirect_that_only_adds_a_slash_is_still_ok(server, fake_sleep):
    result = _check(server, fake_sleep, "/dir")[server + "/dir"]
    assert (result.verdict, result.final_url) == ("ok", server + "/dir/")


@pytest.mark.parametrize("path,code", [("/gone", 404), ("/removed", 410)])
def test_dead_only_after_two_passes(server, fake_sleep, path, code):
    result = _check(server, fake_sleep, path)[server + path]
    assert (result.verdict, result.code) == ("dead", code)
    assert _Handler.hits[path] == 2, "a 404/410 must be seen on two passes"
    assert CONFIG.pass_delay in fake_sleep, "the second pass waits first"


def test_a_404_that_recovers_on_the_second_pass_is_not_dead(server, fake_sleep):
    result = _check(server, fake_sleep, "/flaky-404")[server + "/flaky-404"]
    assert result.verdict == "ok"
    assert "first pass" in result.detail


def test_429_honours_retry_after_and_is_unverified_not_dead(server, fake_sleep):
    result = _check(server, fake_sleep, "/rate-limited")[server + "/rate-limited"]
    assert (result.verdict, result.code) == ("unverified", 429)
    assert result.attempts == CONFIG.retries + 1
    assert fake_sleep == [7.0, 7.0], "Retry-After (7 s) replaces the backoff"


def test_a_429_that_clears_after_retry_after_is_ok(server, fake_sleep):
    result = _check(server, fake_sleep, "/rate-then-ok")[server + "/rate-then-ok"]
    assert (result.verdict, result.attempts) == ("ok", 2)
    assert fake_sleep == [3.0]


def test_retry_after_is_capped(server, fake_sleep):
    config = check_links.Config(timeout=0.5, retries=1, backoff=1.0, max_retry_after=2.0)
    _check(server, fake_sleep, "/rate-limited", config=config)
    assert fake_sleep == [2.0]


def test_403_from_a_bot_hostile_host_is_could_not_verify(server, fake_sleep):
    result = _check(server, fake_sleep, "/forbidden")[server + "/forbidden"]
    assert result.verdict == "unverified"
    assert "refuses automated checks" in result.detail
    assert _Handler.hits["/forbidden"] == 1, "a 403 is not retried"


def test_a_5xx_is_retried_with_exponential_backoff(server, fake_sleep):
    result = _check(server, fake_sleep, "/unavailable-then-ok")[server + "/unavailable-then-ok"]
    assert (result.verdict, result.attempts) == ("ok", 2)
    config = check_links.Config(timeout=0.5, retries=3, backoff=1.0)
    fake_sleep.clear()
    result = _check(server, fake_sleep, "/missing-route-500", config=config)[server + "/missing-route-500"]
    assert (result.verdict, result.code, result.attempts) == ("unverified", 500, 4)
    assert fake_sleep == [1.0, 2.0, 4.0]


def test_a_slow_answer_times_out_and_is_unverified(server, fake_sleep):
    config = check_links.Config(timeout=0.3, retries=0)
    started = time.monotonic()
    result = _check(server, fake_sleep, "/slow", config=config)[server + "/slow"]
    assert time.monotonic() - started < 1.4, "the timeout must cut the request short"
    assert result.verdict == "unverified" and result.code is None
    assert "timed out" in result.detail.lower() or "timeout" in result.detail.lower()


def test_a_dropped_connection_is_retried_then_unverified(server, fake_sleep):
    result = _check(server, fake_sleep, "/drop")[server + "/drop"]
    assert result.verdict == "unverified" and result.code is None
    assert _Handler.hits["/drop"] == CONFIG.retries + 1


def test_a_redirect_loop_stops(server, fake_sleep):
    result = _check(server, fake_sleep, "/loop")[server + "/loop"]
    assert (result.verdict, result.detail) == ("unverified", "too many redirects")
    assert _Handler.hits["/loop"] == CONFIG.max_redirects + 1


def test_every_request_carries_the_honest_user_agent(server, fake_sleep):
    _check(server, fake_sleep, "/ok", "/chain/1")
    assert _Handler.user_agents and set(_Handler.user_agents) == {check_links.USER_AGENT}


def test_urls_are_checked_concurrently(server, fake_sleep):
    config = check_links.Config(timeout=3.0, retries=0, concurrency=4)
    started = time.monotonic()
    results = check_links.check_urls([f"{server}/slow?{i}" for i in range(4)], config, sleep=fake_sleep.sleep)
    assert all(r.code == 500 for r in results.values())  # unknown query route: the server answers 500
    assert time.monotonic() - started < 3.0


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


CATALOGUE = """\
resources:
  # a comment that must survive the update
  - id: good
    title: A page
    url: {server}/ok
    status: unverified
    checked: null
  - id: gone
    title: Another page
    url: {server}/gone
    status: ok
    checked: 2018-01-01
  - id: shy
    title: A page behind a bot wall
    url: {server}/forbidden
    status: ok
    checked: 2024-05-01
"""


def test_main_writes_a_report_updates_the_catalogue_and_flags_news(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(check_links.time, "sleep", lambda seconds: None)
    catalogue = tmp_path / "resources.yml"
    catalogue.write_text(CATALOGUE.format(server=server), encoding="utf-8")
    report = tmp_path / "links.json"
    status = check_links.main(["--catalogue", str(catalogue), "--report", str(report), "--update",
                               "--timeout", "0.5", "--pass-delay", "0"])
    assert status == 1, "a link that newly died must fail the run"
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["counts"] == {"ok": 1, "dead": 1, "unverified": 1}
    assert {tuple(row["ids"]): row["verdict"] for row in data["results"]} == {
        ("good",): "ok", ("gone",): "dead", ("shy",): "unverified"}
    text = catalogue.read_text(encoding="utf-8")
    assert "# a comment that must survive the update" in text
    today = data["checked"]
    assert f"status: ok\n    checked: {today}" in text
    assert f"status: dead\n    checked: {today}" in text
    assert "status: ok\n    checked: 2024-05-01" in text, "an unverified link keeps its status and date"
    out = capsys.readouterr().out
    assert "3 links checked" in out and "gone" in out


def test_main_exits_zero_when_nothing_changed(server, tmp_path, monkeypatch):
    monkeypatch.setattr(check_links.time, "sleep", lambda seconds: None)
    catalogue = tmp_path / "resources.yml"
    already_dead = CATALOGUE.replace("status: ok\n    checked: 2018", "status: dead\n    checked: 2018")
    catalogue.write_text(already_dead.format(server=server), encoding="utf-8")
    status = check_links.main(["--catalogue", str(catalogue), "--report", str(tmp_path / "r.json"),
                               "--only", "good", "gone", "--timeout", "0.5", "--pass-delay", "0"])
    assert status == 0


def test_update_does_not_turn_a_dead_entry_into_moved(tmp_path, server, fake_sleep):
    catalogue = tmp_path / "resources.yml"
    entry = "  - id: {id}\n    url: {url}\n    status: {status}\n    checked: null\n"
    catalogue.write_text("resources:\n" + entry.format(id="old", url=server + "/chain/1", status="dead")
                         + entry.format(id="new", url=server + "/chain/2", status="ok"), encoding="utf-8")
    entries = check_links.load_catalogue(catalogue)
    results = _check(server, fake_sleep, "/chain/1", "/chain/2")
    assert check_links.update_catalogue(catalogue, results, entries, "2026-11-25") == 1
    text = catalogue.read_text(encoding="utf-8")
    assert "status: dead\n    checked: null" in text
    assert "status: moved\n    checked: 2026-11-25" in text
