"""Reachability probe: can this machine resolve, connect to, shake hands with and get an HTTP answer
from fal's API hosts? Combined with the status page it tells "fal is down" from "your network is".

Each URL is probed in its own thread step by step (DNS, TCP connect, TLS, one HEAD request) with raw
sockets, so a failure names the step that failed. The whole probe returns within its deadline: a
URL still busy then is reported as `timeout`, naming the step it was stuck in.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from bot import __version__
from bot.status.models import LEVEL_WORDS, StatusSnapshot

Step = Literal["dns", "connect", "tls", "http", "timeout"]
# An answer slower than this is "slow": it works, but people will feel it.
SLOW_MS = 1500


class ProbeResult(BaseModel):
    url: str
    ok: bool
    ms: int
    failed_step: Step | None = None
    detail: str = ""
    slow: bool = False

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url

    @property
    def verdict(self) -> Literal["ok", "slow", "failing"]:
        if not self.ok:
            return "failing"
        return "slow" if self.slow else "ok"


class _Failed(Exception):
    def __init__(self, step: Step, detail: str):
        super().__init__(detail)
        self.step = step
        self.detail = detail


class _Probe:
    """One URL's probe; `step` says where it is, so a probe cut by the deadline can say where it hung."""

    def __init__(self, url: str, deadline: float, started: float):
        self.url = url
        self.deadline = deadline
        self.started = started
        self.step: str = "dns"
        self.result: ProbeResult | None = None
        self.lock = threading.Lock()

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Failed("timeout", f"no answer within the deadline (stuck at {self.step})")
        return left

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def finish(self, result: ProbeResult) -> None:
        with self.lock:
            if self.result is None:
                self.result = result

    def fail(self, step: Step, detail: str) -> None:
        self.finish(
            ProbeResult(url=self.url, ok=False, ms=self.elapsed_ms(), failed_step=step, detail=detail)
        )

    def run(self) -> None:
        try:
            answer = self._steps()
        except _Failed as failure:
            self.fail(failure.step, failure.detail)
            return
        except Exception as exc:  # an unforeseen error is still a failed probe, never a crash
            self.fail("http", str(exc))
            return
        ms = self.elapsed_ms()
        self.finish(ProbeResult(url=self.url, ok=True, ms=ms, detail=answer, slow=ms > SLOW_MS))

    def _steps(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname
        if not host or parts.scheme not in ("http", "https"):
            raise _Failed("dns", "not an http(s) URL")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        path = parts.path or "/"

        self.step = "dns"
        try:
            addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise _Failed("dns", f"{host} does not resolve ({exc.strerror or exc})") from exc
        if not addresses:
            raise _Failed("dns", f"{host} does not resolve")

        self.step = "connect"
        sock = self._connect(addresses)
        try:
            if tls:
                self.step = "tls"
                sock = self._handshake(sock, host)
            self.step = "http"
            return self._http(sock, parts.netloc.rsplit("@", 1)[-1], path)
        finally:
            sock.close()

    def _connect(self, addresses: list[tuple[Any, ...]]) -> socket.socket:
        last_error: OSError | None = None
        for family, kind, proto, _name, address in addresses:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(self.remaining())
            try:
                sock.connect(address)
                return sock
            except TimeoutError as exc:
                sock.close()
                raise _Failed("timeout", "connecting took longer than the deadline") from exc
            except OSError as exc:
                sock.close()
                last_error = exc
        reason = "connection refused" if isinstance(last_error, ConnectionRefusedError) else str(last_error)
        raise _Failed("connect", f"cannot connect: {reason}")

    def _handshake(self, sock: socket.socket, host: str) -> socket.socket:
        context = ssl.create_default_context()
        sock.settimeout(self.remaining())
        try:
            return context.wrap_socket(sock, server_hostname=host)
        except TimeoutError as exc:
            raise _Failed("timeout", "the TLS handshake took longer than the deadline") from exc
        except ssl.SSLCertVerificationError as exc:
            raise _Failed("tls", f"certificate not trusted ({exc.verify_message})") from exc
        except (ssl.SSLError, OSError) as exc:
            raise _Failed("tls", f"TLS handshake failed ({exc})") from exc

    def _http(self, sock: socket.socket, host_header: str, path: str) -> str:
        request = (
            f"HEAD {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: fal-bot/{__version__} probe\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n"
        )
        try:
            sock.settimeout(self.remaining())
            sock.sendall(request.encode("ascii", "replace"))
            received = b""
            while b"\r\n" not in received and len(received) < 1024:
                sock.settimeout(self.remaining())
                chunk = sock.recv(1024)
                if not chunk:
                    break
                received += chunk
        except TimeoutError as exc:
            raise _Failed("timeout", "connected, but no HTTP answer within the deadline") from exc
        except OSError as exc:
            raise _Failed("http", f"the connection failed during the request ({exc})") from exc
        status_line = received.split(b"\r\n", 1)[0].decode("latin-1", "replace")
        if not status_line.startswith("HTTP/"):
            if not received:
                raise _Failed("http", "the connection closed without an HTTP answer")
            raise _Failed("http", "the answer is not HTTP")
        code = status_line.split(" ", 2)[1] if " " in status_line else "?"
        return f"HTTP {code}"


def probe(urls: Sequence[str], *, deadline_seconds: float) -> list[ProbeResult]:
    """Probe every URL in parallel; returns one result per URL, in order, within the deadline."""
    started = time.monotonic()
    deadline = started + deadline_seconds
    probes = [_Probe(url, deadline, started) for url in urls]
    threads = [threading.Thread(target=p.run, name=f"probe {p.url}", daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    results = []
    for p in probes:
        # A probe still running (a hung DNS lookup, a silent server) is cut here.
        p.fail("timeout", f"no answer within {deadline_seconds:g} s (stuck at {p.step})")
        assert p.result is not None
        results.append(p.result)
    return results


# --- plain words -----------------------------------------------------------------------------------

_ADVICE = {
    "dns": "does not resolve from here: check your DNS / network",
    "connect": "cannot be reached from here: check your firewall, proxy or network",
    "tls": "fails the TLS handshake from here: a proxy or firewall may be intercepting HTTPS",
    "http": "does not answer HTTP properly from here",
    "timeout": "does not answer in time from here",
}


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def summarise(snapshot: StatusSnapshot, results: list[ProbeResult]) -> str:
    """One or two sentences combining what the page says with what this machine sees."""
    page = snapshot.source_host
    failing = [r for r in results if not r.ok]
    slow = [r for r in results if r.ok and r.slow]
    if snapshot.ok:
        says = f"{page} says {LEVEL_WORDS[snapshot.level]}"
    else:
        says = f"{page} could not be read ({snapshot.error or 'unknown error'})"

    if not results:
        return f"{says}; no API hosts were probed."
    if failing and len(failing) == len(results) and not snapshot.ok:
        return (
            f"Neither {page} nor any of fal's API hosts ({_join([r.host for r in results])}) answer from "
            "here: check this machine's network, DNS and proxy settings."
        )
    if failing:
        problems = "; ".join(f"{r.host} {_ADVICE[r.failed_step or 'http']}" for r in failing)
        if snapshot.level == "operational":
            return f"{says}, but {problems}."
        if snapshot.ok and snapshot.level != "maintenance":
            return f"{says}. From here: {problems}. That may be the outage itself; follow {page} for updates."
        return f"{says}. From here: {problems}."
    hosts = _join([r.host for r in results])
    answer = "answers" if len(results) == 1 else "answer"
    tail = f" ({_join([r.host for r in slow])} slow)" if slow else ""
    if snapshot.level == "operational":
        return f"{says}, and {hosts} {answer} from here{tail}."
    if snapshot.ok:
        return (
            f"{says}; {hosts} {answer} from here{tail}, so it may only affect some models or requests: "
            f"see {page} for what is affected."
        )
    return f"{says}, but {hosts} {answer} from here{tail}, so fal's API is reachable."
