"""The reachability probe against loopback URLs: ok, refused, hanging, TLS against plain HTTP, slow,
through a loopback proxy (forwarding and CONNECT) or an unreachable one; and the plain-words summary
that combines it with the status page."""

from __future__ import annotations

import importlib.util
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.status import StatusSnapshot
from bot.status.probe import ProbeResult, probe, proxy_for, summarise
from tests.support.loopback import LoopbackServer, Response, free_port
from tests.support.proxy import LoopbackProxy
from tests.support.tls import CA_FILE, server_context

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


def test_a_server_trickling_its_headers_is_cut_at_the_deadline_and_its_thread_ends() -> None:
    # Every read gets a byte in time, so no socket timeout fires: only the deadline can stop this.
    with _HeaderTrickler() as url:
        started = time.monotonic()
        [result] = probe([url], deadline_seconds=1.0)
        assert time.monotonic() - started < 1.5
        assert not result.ok and result.failed_step == "timeout" and "stuck at http" in result.detail
        # The probe shut its socket: its thread does not go on reading after the answer.
        until = time.monotonic() + 1.0
        while _probe_threads(url) and time.monotonic() < until:
            time.sleep(0.02)
        assert not _probe_threads(url)


def _probe_threads(url: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"probe {url}" and t.is_alive()]


class _HeaderTrickler:
    """Sends a status line, then header bytes one every 0.1 s, never ending the headers."""

    def __init__(self) -> None:
        stop = self._stop = threading.Event()

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                try:
                    sock.recv(65536)
                    sock.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not stop.wait(0.1):
                        sock.sendall(b"x")
                except OSError:
                    return

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


# --- proxies --------------------------------------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[LoopbackProxy]:
    with LoopbackProxy() as running:
        yield running


def test_an_http_url_goes_through_http_proxy(
    loopback: Loopback, proxy: LoopbackProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = loopback(lambda request: Response(404, "no route"))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    [result] = probe([origin.url + "/health"], deadline_seconds=3.0)
    assert result.ok and result.failed_step is None, result.detail
    assert result.detail == f"HTTP 404 via proxy {proxy.url}" and result.proxy == proxy.url
    assert [(seen.method, seen.target) for seen in proxy.seen] == [("HEAD", origin.url + "/health")]
    assert [(r.method, r.path) for r in origin.requests] == [("HEAD", "/health")]


def test_an_https_url_goes_through_the_proxy_connect_tunnel(
    loopback: Loopback, proxy: LoopbackProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = loopback(lambda request: Response(204, ""), tls=server_context())
    monkeypatch.setenv("SSL_CERT_FILE", str(CA_FILE))  # trust the loopback server's test CA
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    [result] = probe([origin.url + "/v1"], deadline_seconds=3.0)
    assert result.ok, result.detail
    assert result.detail == f"HTTP 204 via proxy {proxy.url}"
    assert [(seen.method, seen.target) for seen in proxy.seen] == [("CONNECT", f"127.0.0.1:{origin.port}")]
    assert [(r.method, r.path) for r in origin.requests] == [("HEAD", "/v1")]


def test_through_the_tunnel_a_certificate_this_machine_does_not_trust_fails_at_tls(
    loopback: Loopback, proxy: LoopbackProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As behind a proxy that intercepts HTTPS with its own CA, when that CA is not installed here.
    origin = loopback(lambda request: Response(204, ""), tls=server_context())
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    [result] = probe([origin.url], deadline_seconds=3.0)
    assert not result.ok and result.failed_step == "tls"
    assert result.detail.startswith(f"via proxy {proxy.url}: certificate not trusted (")
    assert [seen.method for seen in proxy.seen] == ["CONNECT"]


def test_the_proxy_gets_its_credentials_and_the_output_never_shows_them(
    loopback: Loopback, proxy: LoopbackProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = loopback(lambda request: Response(200, "hi"))
    monkeypatch.setenv("http_proxy", f"http://probe-user:s3cret-pass@127.0.0.1:{proxy.port}")
    [result] = probe([origin.url], deadline_seconds=3.0)
    assert result.ok, result.detail
    assert proxy.seen[0].headers["proxy-authorization"].startswith("Basic ")
    assert "s3cret" not in result.detail and "probe-user" not in result.detail
    assert result.detail == f"HTTP 200 via proxy {proxy.url}"


def test_an_unreachable_proxy_is_a_connect_failure_naming_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    # The host's name is the proxy's business: no DNS check here, the failure is reaching the proxy.
    [result] = probe(["https://fal-bot-probe-test.invalid"], deadline_seconds=2.0)
    assert not result.ok and result.failed_step == "connect"
    assert (
        result.detail == f"via proxy http://127.0.0.1:{port}: cannot connect to the proxy: connection refused"
    )


def test_a_proxy_whose_name_does_not_resolve_fails_at_dns_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://fal-bot-proxy-test.invalid:3128")
    [result] = probe(["https://fal.run"], deadline_seconds=2.0)
    assert not result.ok and result.failed_step in ("dns", "timeout")  # no resolver at all may hang
    assert result.detail.startswith("via proxy http://fal-bot-proxy-test.invalid:3128: ")
    if result.failed_step == "dns":
        assert "the proxy's host fal-bot-proxy-test.invalid does not resolve" in result.detail


def test_a_proxy_that_never_answers_the_connect_is_cut_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _HeaderTrickler() as stuck_proxy:  # answers CONNECT with headers that never end
        monkeypatch.setenv("HTTPS_PROXY", stuck_proxy)
        started = time.monotonic()
        [result] = probe(["https://fal.run"], deadline_seconds=1.0)
        assert time.monotonic() - started < 1.5
    assert not result.ok and result.failed_step == "timeout"
    assert result.detail.startswith(f"via proxy {stuck_proxy}: ") and "stuck at connect" in result.detail


def test_a_proxy_refusing_the_tunnel_is_a_connect_failure(
    loopback: Loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    # http.server answers CONNECT with 501, as a proxy that will not tunnel answers 403 or 407.
    not_a_proxy = loopback(lambda request: Response(200, "hi"))
    monkeypatch.setenv("HTTPS_PROXY", not_a_proxy.url)
    [result] = probe(["https://fal.run"], deadline_seconds=2.0)
    assert not result.ok and result.failed_step == "connect"
    assert result.detail.startswith(f"via proxy {not_a_proxy.url}: the proxy refused the tunnel (501")


def test_certificates_that_cannot_be_loaded_fail_https_at_tls_not_the_proxy_or_http(
    loopback: Loopback, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = loopback(lambda request: Response(200, "hi"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    https, http = probe(["https://127.0.0.1:9", plain.url], deadline_seconds=2.0)
    assert not https.ok and https.failed_step == "tls"
    assert https.detail.startswith("the trusted certificates cannot be loaded (SSL_CERT_FILE")
    assert http.ok and http.detail == "HTTP 200"  # plain HTTP needs no certificates


def test_a_proxy_that_cannot_be_used_is_a_connect_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # SOCKS needs the optional socksio package: without it (as installed here) this cannot work;
    # with it, nothing listens there. Either way the proxy is named and the host is not blamed.
    port = free_port()
    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{port}")
    [result] = probe(["https://fal.run"], deadline_seconds=2.0)
    assert not result.ok and result.failed_step == "connect"
    assert result.detail.startswith(f"via proxy socks5://127.0.0.1:{port}: ")


@pytest.mark.parametrize(
    ("environment", "url", "expected"),
    [
        ({"HTTPS_PROXY": "http://p:3128"}, "https://fal.run", "http://p:3128"),
        ({"https_proxy": "p:3128"}, "https://fal.run", "http://p:3128"),  # no scheme: http://
        ({"HTTPS_PROXY": "http://p:3128"}, "http://fal.run", None),  # HTTP_PROXY is for http://
        ({"HTTP_PROXY": "http://p:3128"}, "http://fal.run", "http://p:3128"),
        ({"ALL_PROXY": "http://p:3128"}, "https://fal.run", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "*"}, "https://fal.run", None),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "fal.run"}, "https://queue.fal.run", None),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "fal.run"}, "https://notfal.run", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": ".fal.run"}, "https://queue.fal.run", None),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": ".fal.run"}, "https://fal.run", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128", "no_proxy": " x.org , FAL.RUN"}, "https://fal.run", None),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "http://fal.run"}, "https://fal.run", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "fal.run:8443"}, "https://fal.run:8443", None),
        ({"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "fal.run:443"}, "https://fal.run", "http://p:3128"),
        ({"HTTP_PROXY": "http://p:3128", "NO_PROXY": "127.0.0.1"}, "http://127.0.0.1:8000", None),
        ({"HTTP_PROXY": "http://p:3128", "NO_PROXY": "::1"}, "http://[::1]:8000", None),
    ],
)
def test_the_proxy_is_chosen_as_httpx_chooses_it(
    environment: dict[str, str], url: str, expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert proxy_for(url) == expected


def test_no_proxy_sends_the_host_direct(
    loopback: Loopback, proxy: LoopbackProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = loopback(lambda request: Response(200, "hi"))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    [result] = probe([origin.url], deadline_seconds=3.0)
    assert result.ok and result.proxy is None and result.detail == "HTTP 200"
    assert proxy.seen == []


# --- summarise ------------------------------------------------------------------------------------


def snapshot(level: str, error: str | None = None) -> StatusSnapshot:
    return StatusSnapshot(
        level=level,
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
