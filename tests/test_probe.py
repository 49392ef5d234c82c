"""The reachability probe against loopback URLs: ok, refused, hanging, TLS against plain HTTP, slow;
and the plain-words summary that combines it with the status page."""

from __future__ import annotations

import importlib.util
import time
from datetime import UTC, datetime

from bot.status import StatusSnapshot
from bot.status.probe import ProbeResult, probe, summarise
from tests.support.loopback import LoopbackServer, Response, free_port

Loopback = type[LoopbackServer]


def test_the_probe_lives_in_bot_status_with_no_shim_left_behind() -> None:
    assert importlib.util.find_spec("bot.status.probe") is not None
    assert importlib.util.find_spec("bot.probe") is None


def test_ok_refused_and_hanging_in_parallel_within_the_deadline(loopback: Loopback) -> None:
    ok = loopback(lambda request: Response(404, "no route", {"Content-Type": "text/plain"}))
    hanging = loopback(lambda request: Response(200, "late", delay=30))
    refused = f"http://127.0.0.1:{free_port()}"
    urls = [ok.url + "/health", refused, hanging.url]
    started = time.monotonic()
    results = probe(urls, deadline_seconds=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 1.0
    assert [r.url for r in results] == urls

    good, bad, slow = results
    assert good.ok and good.failed_step is None and good.detail == "HTTP 404"  # any HTTP answer is ok
    assert good.verdict == "ok" and good.ms < 1000
    assert ok.requests[0].method == "HEAD" and ok.requests[0].path == "/health"

    assert not bad.ok and bad.failed_step == "connect" and "refused" in bad.detail
    assert bad.verdict == "failing"

    assert not slow.ok and slow.failed_step == "timeout"
    assert "http" in slow.detail  # names the step it was stuck in
    assert 800 <= slow.ms <= 2000


def test_tls_against_a_plain_http_server_fails_at_tls(loopback: Loopback) -> None:
    server = loopback(lambda request: Response(200, "plain"))
    [result] = probe([f"https://127.0.0.1:{server.port}"], deadline_seconds=2.0)
    assert not result.ok and result.failed_step == "tls"


def test_a_name_that_does_not_resolve_fails_at_dns_or_times_out() -> None:
    [result] = probe(["https://fal-bot-probe-test.invalid"], deadline_seconds=2.0)
    assert not result.ok
    assert result.failed_step in ("dns", "timeout")  # no resolver at all may hang instead of failing


def test_a_slow_answer_is_ok_but_slow(loopback: Loopback) -> None:
    server = loopback(lambda request: Response(200, "", delay=1.7))
    [result] = probe([server.url], deadline_seconds=4.0)
    assert result.ok and result.slow and result.verdict == "slow"
    assert result.ms >= 1500


def test_not_a_url_is_a_failure_not_a_crash() -> None:
    [result] = probe(["ftp://example"], deadline_seconds=1.0)
    assert not result.ok and result.failed_step == "dns"


# --- summarise ------------------------------------------------------------------------------------


def snapshot(level: str, error: str | None = None) -> StatusSnapshot:
    return StatusSnapshot(
        level=level,  # type: ignore[arg-type]
        source="https://status.fal.ai",
        provider=None if level == "unknown" else "instatus",
        checked_at=datetime.now(UTC),
        error=error,
    )


OK = ProbeResult(url="https://fal.run", ok=True, ms=80, detail="HTTP 404")
DNS = ProbeResult(url="https://queue.fal.run", ok=False, ms=5, failed_step="dns", detail="does not resolve")
REFUSED = ProbeResult(url="https://rest.fal.ai", ok=False, ms=3, failed_step="connect", detail="refused")


def test_page_fine_but_dns_fails_here() -> None:
    text = summarise(snapshot("operational"), [OK, DNS])
    assert text == (
        "status.fal.ai says operational, but queue.fal.run does not resolve from here: "
        "check your DNS / network."
    )


def test_page_fine_and_hosts_answer() -> None:
    assert (
        summarise(snapshot("operational"), [OK])
        == "status.fal.ai says operational, and fal.run answers from here."
    )


def test_outage_and_hosts_failing_points_at_fal() -> None:
    text = summarise(snapshot("major_outage"), [REFUSED])
    assert text.startswith("status.fal.ai says major outage. From here: rest.fal.ai cannot be reached")
    assert "follow status.fal.ai" in text


def test_outage_but_hosts_answer() -> None:
    text = summarise(snapshot("degraded"), [OK])
    assert "says degraded" in text and "answers from here" in text


def test_page_unreadable_and_nothing_answers_points_at_this_machine() -> None:
    text = summarise(snapshot("unknown", "no answer within 8 s"), [DNS, REFUSED])
    assert text.startswith("Neither status.fal.ai nor any of fal's API hosts")
    assert "check this machine's network" in text


def test_page_unreadable_but_hosts_answer() -> None:
    text = summarise(snapshot("unknown", "status.fal.ai answered HTTP 503"), [OK])
    assert "could not be read (status.fal.ai answered HTTP 503)" in text
    assert "fal.run answers from here, so fal's API is reachable" in text


def test_slow_hosts_are_named() -> None:
    slow = ProbeResult(url="https://v3.fal.media", ok=True, ms=2500, detail="HTTP 200", slow=True)
    assert "(v3.fal.media slow)" in summarise(snapshot("operational"), [OK, slow])
