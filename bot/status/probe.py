"""Reachability probe: can this machine resolve, connect to, shake hands with and get an HTTP answer
from fal's API hosts? Combined with the status page it tells "fal is down" from "your network is".

Each URL is probed in its own thread with one HEAD request made by httpx, as the bot's own requests
are, so the proxy environment variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, read
the way httpx reads them) and `SSL_CERT_FILE` / `SSL_CERT_DIR` count here too. httpx's `trace`
extension says which step the request is in (connect, TLS, HTTP), so a failure names the step that
failed. Without a proxy the host name is first resolved on its own (httpx does not tell DNS from
connect); through a proxy the DNS and connect steps concern the proxy, and the detail says so.

Every wait has a deadline: the DNS lookup runs in a thread joined with the time left, httpx's
timeouts are the time left, and the whole probe returns within its deadline: a URL still busy then is
reported as `timeout`, naming the step it was stuck in, and its sockets are shut so its thread ends.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx
from pydantic import BaseModel

from bot import __version__, linear_re
from bot.status.models import LEVEL_WORDS, StatusSnapshot

Step = Literal["dns", "connect", "tls", "http", "timeout"]
# An answer slower than this is "slow": it works, but people will feel it.
SLOW_MS = 1500
USER_AGENT = f"fal-bot/{__version__} probe"


class ProbeResult(BaseModel):
    url: str
    ok: bool
    ms: int
    failed_step: Step | None = None
    detail: str = ""
    slow: bool = False
    # The proxy the request went through (credentials removed), None when it went direct.
    proxy: str | None = None

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


# --- proxies ---------------------------------------------------------------------------------------

_HOST_PORT = linear_re.compile(r".+:\d+")  # NO_PROXY entries such as `example.com:8080`


def proxy_for(url: str) -> str | None:
    """The proxy httpx (trust_env) would use for `url`, or None when it would go direct.

    Read from what httpx reads (`urllib.request.getproxies()`: `<scheme>_proxy`, `all_proxy`,
    `no_proxy`, any case), and `NO_PROXY` matched by httpx's rules. Decided here, once, so that the
    request, the DNS check and the detail all agree on whether a proxy is in the way."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    chosen = proxies.get(parts.scheme) or proxies.get("all")
    if not chosen:
        return None
    if _no_proxy_covers(parts, proxies.get("no", "")):
        return None
    return chosen if "://" in chosen else f"http://{chosen}"


def _no_proxy_covers(url: SplitResult, no_proxy: str) -> bool:
    """httpx's reading of NO_PROXY: `*` covers everything; an IP address or `localhost` only
    itself; `fal.run` covers fal.run and its subdomains, `.fal.run` only the subdomains; an entry
    may carry a scheme (`https://fal.run`, then that host only) and a port (`fal.run:8443`; a
    default port such as 443 is no port to httpx, so `fal.run:443` covers nothing)."""
    host = (url.hostname or "").lower()
    try:
        port = url.port
    except ValueError:
        return False
    if port == {"http": 80, "https": 443}.get(url.scheme):
        port = None  # as httpx: a default port is no port, so `fal.run:443` never matches
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if entry == "*":
            return True
        if not entry:
            continue
        scheme = ""
        if "://" in entry:
            scheme, _, entry = entry.partition("://")
        if scheme not in ("", "all", url.scheme):
            continue
        entry_port: int | None = None
        if not _is_ip(entry.strip("[]")) and _HOST_PORT.fullmatch(entry):
            entry, _, digits = entry.rpartition(":")
            entry_port = int(digits)
        if entry_port is not None and entry_port != port:
            continue
        entry = entry.strip("[]")
        if scheme or _is_ip(entry) or entry == "localhost":
            matched = host == entry  # httpx: exact for IPs, localhost and URL-form entries
        elif entry.startswith("."):
            matched = host.endswith(entry) and len(host) > len(entry)
        else:
            matched = host == entry or host.endswith("." + entry)
        if matched:
            return True
    return False


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def shown_proxy(proxy: str) -> str:
    """The proxy URL without its credentials, fit for output."""
    parts = urlsplit(proxy)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


# --- one URL ---------------------------------------------------------------------------------------


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from (httpx -> httpcore -> the socket error)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _first(exc: BaseException, kind: type[BaseException]) -> Any:
    return next((e for e in _causes(exc) if isinstance(e, kind)), None)


class _Probe:
    """One URL's probe; `step` says where it is, so a probe cut by the deadline can say where it hung."""

    def __init__(self, url: str, deadline: float, started: float, tls: ssl.SSLContext | str):
        self.url = url
        self.deadline = deadline
        self.started = started
        # The trusted certificates, shared by all URLs; or why they could not be loaded.
        self.tls = tls
        self.step: str = "dns"
        self.proxy: str | None = None
        # Who the current step talks to: "the host", "the proxy", or "the host through the proxy".
        self.peer = "the host"
        self.result: ProbeResult | None = None
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.aborted = False

    # -- bookkeeping

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0 or self.aborted:
            raise _Failed("timeout", f"no answer within the deadline (stuck at {self.step})")
        return left

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def finish(self, result: ProbeResult) -> None:
        with self.lock:
            if self.result is None:
                self.result = result

    def fail(self, step: Step, detail: str) -> None:
        if self.proxy:
            detail = f"via proxy {self.proxy}: {detail}"
        self.finish(
            ProbeResult(
                url=self.url,
                ok=False,
                ms=self.elapsed_ms(),
                failed_step=step,
                detail=detail,
                proxy=self.proxy,
            )
        )

    def abort(self) -> None:
        """Cut at the deadline: shut the sockets so a read blocked on a silent or trickling server
        returns now and the thread ends, instead of waiting for its own timeout."""
        with self.lock:
            self.aborted = True
            sockets = list(self.sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the probe itself
                sock.shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        try:
            answer = self._steps()
        except _Failed as failure:
            self.fail(failure.step, failure.detail)
            return
        except Exception as exc:  # an unforeseen error is still a failed probe, never a crash
            self.fail("http", str(exc) or type(exc).__name__)
            return
        ms = self.elapsed_ms()
        if self.proxy:
            answer = f"{answer} via proxy {self.proxy}"
        self.finish(
            ProbeResult(url=self.url, ok=True, ms=ms, detail=answer, slow=ms > SLOW_MS, proxy=self.proxy)
        )

    # -- the steps

    def _steps(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname
        if not host or parts.scheme not in ("http", "https"):
            raise _Failed("dns", "not an http(s) URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise _Failed("dns", f"not a valid URL ({exc})") from exc
        proxy = proxy_for(self.url)
        if proxy is None:
            self.step = "dns"
            self._resolve(host, port)
        else:
            self.proxy = shown_proxy(proxy)
        self.step = "connect"
        return self._request(proxy)

    def _resolve(self, host: str, port: int) -> None:
        """getaddrinfo cannot be given a timeout: it runs in its own thread, joined with the time left."""
        outcome: list[Any] = []

        def lookup() -> None:
            try:
                outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except Exception as exc:
                outcome.append(exc)

        thread = threading.Thread(target=lookup, name=f"probe dns {host}", daemon=True)
        thread.start()
        thread.join(self.remaining())
        if not outcome:
            raise _Failed("timeout", f"{host} did not resolve within the deadline (stuck at dns)")
        [found] = outcome
        if isinstance(found, socket.gaierror):
            raise _Failed("dns", f"{host} does not resolve ({found.strerror or found})")
        if isinstance(found, Exception):
            raise _Failed("dns", f"{host} does not resolve ({found})")
        if not found:
            raise _Failed("dns", f"{host} does not resolve")

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's `trace` extension: httpcore names each step `<module>.<step>.<phase>`, e.g.
        `connection.connect_tcp.started`, `proxy.start_tls.complete`, `http11.send_request_headers.failed`."""
        module, _, rest = event.partition(".")
        name, _, phase = rest.rpartition(".")
        if phase == "started":
            if self.aborted:
                raise _Failed("timeout", f"no answer within the deadline (stuck at {self.step})")
            if name == "connect_tcp":
                self.step, self.peer = "connect", "the proxy" if self.proxy else "the host"
            elif name == "start_tls":
                # connection.start_tls: TLS with the host, or with the proxy itself (an https:// proxy);
                # proxy.start_tls: TLS with the host through the proxy's CONNECT tunnel.
                with_proxy = self.proxy is not None and module == "connection"
                self.step, self.peer = "tls", "the proxy" if with_proxy else "the host"
            elif name == "send_request_headers":
                request = info.get("request")
                # Through a proxy, https:// URLs first ask the proxy for a tunnel (CONNECT).
                if request is not None and getattr(request, "method", b"") == b"CONNECT":
                    self.step, self.peer = "connect", "the host through the proxy"
                else:
                    self.step, self.peer = "http", "the host"
        elif phase == "complete" and name == "connect_tcp":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self.lock:
                    self.sockets.append(sock)
                    aborted = self.aborted
                if aborted:
                    self.abort()

    def _request(self, proxy: str | None) -> str:
        left = self.remaining()
        verify: ssl.SSLContext | bool = True
        if isinstance(self.tls, ssl.SSLContext):
            verify = self.tls
        elif "https" in (urlsplit(self.url).scheme, urlsplit(proxy or "").scheme):
            self.step, self.peer = "tls", "the host"
            raise _Failed("tls", self.tls)
        else:
            verify = False  # plain HTTP all the way: no certificate is ever checked
        # The proxy is passed explicitly (as decided above) so that the request cannot disagree with
        # the DNS check and the detail.
        try:
            transport = httpx.HTTPTransport(proxy=proxy, verify=verify, retries=0)
        except Exception as exc:  # a SOCKS proxy without socksio installed, an unknown proxy scheme
            raise _Failed("connect", f"this proxy cannot be used: {exc}") from exc
        client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(left),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        )
        try:
            request = client.build_request("HEAD", self.url, extensions={"trace": self._trace})
            response = client.send(request, stream=True)
            response.close()
            return f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            raise self._explain(exc) from exc
        finally:
            client.close()

    def _explain(self, exc: httpx.HTTPError) -> _Failed:
        step, peer = self.step, self.peer  # through a proxy the detail starts "via proxy <url>: "
        if self.aborted:
            return _Failed("timeout", f"no answer within the deadline (stuck at {step})")
        if isinstance(exc, httpx.TimeoutException):
            stuck = {
                "connect": f"connecting to {peer} took longer than the deadline",
                "tls": f"the TLS handshake with {peer} took longer than the deadline",
                "http": "connected, but no HTTP answer within the deadline",
            }.get(step, "no answer within the deadline")
            return _Failed("timeout", f"{stuck} (stuck at {step})")
        if isinstance(exc, httpx.ProxyError):
            # The proxy answered the CONNECT with something other than 2xx (407, 403, 502, ...).
            return _Failed("connect", f"the proxy refused the tunnel ({exc})")
        if step == "connect":
            gai = _first(exc, socket.gaierror)
            if gai is not None:
                at_proxy = peer == "the proxy" and self.proxy is not None
                host = urlsplit(self.proxy if at_proxy and self.proxy else self.url).hostname
                what = "the proxy's host" if at_proxy else "the host"
                return _Failed("dns", f"{what} {host} does not resolve ({gai.strerror or gai})")
            if _first(exc, ConnectionRefusedError) is not None or "refused" in str(exc).lower():
                return _Failed("connect", f"cannot connect to {peer}: connection refused")
            return _Failed("connect", f"cannot connect to {peer}: {exc}")
        if step == "tls":
            whose = "the proxy's " if peer == "the proxy" else ""
            verify = _first(exc, ssl.SSLCertVerificationError)
            if verify is not None:
                return _Failed("tls", f"{whose}certificate not trusted ({verify.verify_message})")
            return _Failed("tls", f"TLS handshake with {peer} failed ({exc})")
        if isinstance(exc, httpx.RemoteProtocolError):
            if "without sending" in str(exc) or "disconnected" in str(exc).lower():
                return _Failed("http", "the connection closed without an HTTP answer")
            return _Failed("http", f"the answer is not HTTP ({exc})")
        return _Failed("http", f"the connection failed during the request ({exc})")


def probe(urls: Sequence[str], *, deadline_seconds: float) -> list[ProbeResult]:
    """Probe every URL in parallel; returns one result per URL, in order, within the deadline."""
    deadline = time.monotonic() + deadline_seconds
    tls: ssl.SSLContext | str
    try:
        # Once for all URLs (loading the trusted certificates costs ~25 ms of CPU), and before the
        # clock starts, so that it does not count as network time. trust_env: SSL_CERT_FILE/DIR.
        tls = httpx.create_ssl_context(trust_env=True)
    except Exception as exc:  # SSL_CERT_FILE naming a file that is missing or not certificates
        tls = f"the trusted certificates cannot be loaded (SSL_CERT_FILE / SSL_CERT_DIR?): {exc}"
    started = time.monotonic()
    probes = [_Probe(url, deadline, started, tls) for url in urls]
    threads = [threading.Thread(target=p.run, name=f"probe {p.url}", daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    results = []
    for p, thread in zip(probes, threads, strict=True):
        # A probe still running (a hung DNS lookup, a silent server) is cut here.
        p.fail("timeout", f"no answer within {deadline_seconds:g} s (stuck at {p.step})")
        if thread.is_alive():
            p.abort()
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
