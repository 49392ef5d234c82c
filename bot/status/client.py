"""Reads a status page over HTTP into a `StatusSnapshot`, never raising and never past its deadline.

Why so defensive: the bot must answer within seconds whatever status.fal.ai does, and "I could not
read the page" must never look like "fal is down". So every failure becomes level `unknown` with a
plain-words `error`, and one overall deadline bounds the whole fetch (all paths, the retry, a page
that trickles bytes): the body is streamed with a clock check, and a guard thread cuts anything the
socket timeouts cannot (a hung DNS lookup).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bot import __version__
from bot.status.models import (
    Provider,
    StatusSnapshot,
    WrongShape,
    looks_like_instatus,
    looks_like_statuspage,
    parse_instatus,
    parse_statuspage,
    unknown_snapshot,
)

log = logging.getLogger(__name__)

USER_AGENT = f"fal-bot/{__version__} (fal.ai status poller; +https://status.fal.ai)"
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 4.0
RETRY_PAUSE = 0.25
# A retry is only worth it when this much of the deadline is left.
RETRY_MIN_REMAINING = 1.0
# How long past the deadline the guard waits for the worker to report its own (better) error.
GUARD_GRACE = 0.3

INSTATUS_SUMMARY = "/summary.json"
INSTATUS_COMPONENTS = ("/v2/components.json", "/components.json")
STATUSPAGE_SUMMARY = "/api/v2/summary.json"

# How a failed request should steer the rest of the fetch:
#   unreachable: the host itself cannot be reached; trying another path is pointless
#   transient:   worth one quick retry (5xx, 429, a dropped connection)
#   not_here:    this path is not a status summary (404, HTML, wrong JSON); try the other provider
FailureKind = Literal["unreachable", "transient", "not_here", "deadline"]


class FetchFailure(Exception):
    def __init__(self, message: str, kind: FailureKind, *, http_status: int | None = None, rank: int = 0):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.http_status = http_status
        # Which error to show when several paths failed: the highest rank says most about the page.
        self.rank = rank


@dataclass
class _Cached:
    etag: str | None
    last_modified: str | None
    data: Any


class StatusClient:
    """Fetches one status page (Instatus or Statuspage, detected and remembered)."""

    def __init__(
        self,
        base_url: str,
        *,
        deadline_seconds: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = USER_AGENT,
        max_body_bytes: int = MAX_BODY_BYTES,
    ):
        self.base_url = _page_base(base_url)
        self.deadline_seconds = deadline_seconds
        self.max_body_bytes = max_body_bytes
        self.host = _host_of(self.base_url)
        self._http = httpx.Client(
            transport=transport,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
        )
        self._lock = threading.Lock()
        self._provider: Provider | None = None
        self._components_path: str | None = None
        self._cache: dict[str, _Cached] = {}

    @property
    def provider(self) -> Provider | None:
        """The provider detected by the last successful fetch."""
        return self._provider

    def close(self) -> None:
        self._http.close()

    # --- public -----------------------------------------------------------------------------------

    def fetch(self) -> StatusSnapshot:
        """One reading of the page. Never raises; returns within the deadline (plus a hair)."""
        started = time.monotonic()
        deadline = started + self.deadline_seconds
        box: list[StatusSnapshot] = []
        done = threading.Event()

        def work() -> None:
            try:
                box.append(self._fetch(deadline))
            except Exception as exc:  # a bug must not take the poller down: report it as unknown
                log.exception("status fetch failed unexpectedly")
                box.append(unknown_snapshot(self.base_url, f"fal-bot could not read the page ({exc})"))
            finally:
                done.set()

        threading.Thread(target=work, name="status-fetch", daemon=True).start()
        done.wait(self.deadline_seconds + GUARD_GRACE)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        if not box:
            return unknown_snapshot(self.base_url, self._no_answer(), fetch_ms=elapsed_ms)
        snapshot = box[0]
        snapshot.fetch_ms = elapsed_ms
        return snapshot

    # --- the fetch --------------------------------------------------------------------------------

    def _fetch(self, deadline: float) -> StatusSnapshot:
        # Instatus first (fal's page), unless an earlier fetch found a Statuspage here.
        attempts: list[tuple[str, Callable[[float, list[bool]], StatusSnapshot]]] = [
            (INSTATUS_SUMMARY, self._fetch_instatus),
            (STATUSPAGE_SUMMARY, self._fetch_statuspage),
        ]
        if self._provider == "statuspage":
            attempts.reverse()
        failures: list[tuple[str, FetchFailure]] = []
        retried = [False]  # at most one retry in the whole fetch
        for path, attempt in attempts:
            try:
                snapshot = attempt(deadline, retried)
            except FetchFailure as failure:
                failures.append((path, failure))
                if failure.kind in ("unreachable", "deadline"):
                    break
                continue
            with self._lock:
                self._provider = snapshot.provider
            return snapshot
        return unknown_snapshot(self.base_url, self._explain(failures))

    def _fetch_instatus(self, deadline: float, retried: list[bool]) -> StatusSnapshot:
        summary = self._get_json(INSTATUS_SUMMARY, deadline, retried)
        if looks_like_statuspage(summary):  # a Statuspage that also answers here
            return self._parse(lambda: parse_statuspage(summary, source=self.base_url))
        if not looks_like_instatus(summary):
            raise FetchFailure(
                f"{self.host}{INSTATUS_SUMMARY} answers JSON, but not an Instatus or Statuspage summary",
                "not_here",
                rank=3,
            )
        components, components_error = self._instatus_components(deadline, retried)
        snapshot = self._parse(lambda: parse_instatus(summary, components, source=self.base_url))
        snapshot.components_error = components_error
        return snapshot

    def _instatus_components(self, deadline: float, retried: list[bool]) -> tuple[Any, str | None]:
        """The components list is a nice-to-have: the summary alone gives a trustworthy level."""
        paths = list(INSTATUS_COMPONENTS)
        if self._components_path in paths:
            paths.remove(self._components_path)
            paths.insert(0, self._components_path)
        error = None
        for path in paths:
            try:
                data = self._get_json(path, deadline, retried)
            except FetchFailure as failure:
                error = failure.message
                if failure.kind in ("unreachable", "deadline"):
                    break
                continue
            if isinstance(data, dict | list):
                self._components_path = path
                return data, None
            error = f"{self.host}{path} is not a components list"
        log.info("status page components not read: %s", error)
        return None, error

    def _fetch_statuspage(self, deadline: float, retried: list[bool]) -> StatusSnapshot:
        summary = self._get_json(STATUSPAGE_SUMMARY, deadline, retried)
        if not looks_like_statuspage(summary):
            raise FetchFailure(
                f"{self.host}{STATUSPAGE_SUMMARY} answers JSON, but not an Instatus or Statuspage summary",
                "not_here",
                rank=3,
            )
        return self._parse(lambda: parse_statuspage(summary, source=self.base_url))

    def _parse(self, parse: Callable[[], StatusSnapshot]) -> StatusSnapshot:
        try:
            return parse()
        except (WrongShape, ValueError, TypeError, AttributeError, KeyError) as exc:
            raise FetchFailure(
                f"{self.host}'s JSON has an unexpected shape ({exc})", "not_here", rank=3
            ) from exc

    # --- one request ------------------------------------------------------------------------------

    def _get_json(self, path: str, deadline: float, retried: list[bool]) -> Any:
        try:
            return self._get_json_once(path, deadline)
        except FetchFailure as failure:
            remaining = deadline - time.monotonic()
            if failure.kind not in ("transient", "unreachable") or retried[0]:
                raise
            if remaining < RETRY_MIN_REMAINING:
                raise
            retried[0] = True
            log.info("status page %s: %s; retrying once", path, failure.message)
            time.sleep(RETRY_PAUSE)
            return self._get_json_once(path, deadline)

    def _get_json_once(self, path: str, deadline: float) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            raise FetchFailure(self._no_answer(), "deadline", rank=9)
        url = self.base_url + path
        with self._lock:
            cached = self._cache.get(url)
        headers = {}
        if cached and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        timeout = httpx.Timeout(remaining, connect=min(remaining, CONNECT_TIMEOUT))
        try:
            with self._http.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code == 304 and cached is not None:
                    return cached.data
                self._check_status(response, path)
                body = self._read_capped(response, deadline)
                data = self._decode(response, body, path)
                etag = response.headers.get("ETag")
                last_modified = response.headers.get("Last-Modified")
                if etag or last_modified:
                    with self._lock:
                        self._cache[url] = _Cached(etag, last_modified, data)
                return data
        except FetchFailure:
            raise
        except httpx.TooManyRedirects as exc:
            raise FetchFailure(f"{self.host} redirects in a loop", "not_here", rank=6) from exc
        except httpx.ConnectTimeout as exc:
            if time.monotonic() >= deadline - 0.05:
                raise FetchFailure(self._no_answer(), "deadline", rank=9) from exc
            raise FetchFailure(
                f"could not connect to {self.host} (timed out after {CONNECT_TIMEOUT:g} s)",
                "unreachable",
                rank=9,
            ) from exc
        except httpx.TimeoutException as exc:
            raise FetchFailure(self._no_answer(), "deadline", rank=9) from exc
        except httpx.ConnectError as exc:
            raise FetchFailure(
                f"could not connect to {self.host} ({_reason(exc)})", "unreachable", rank=9
            ) from exc
        except httpx.RemoteProtocolError as exc:
            raise FetchFailure(
                f"{self.host} closed the connection before the whole answer arrived (truncated)",
                "transient",
                rank=7,
            ) from exc
        except httpx.HTTPError as exc:
            raise FetchFailure(f"could not read {self.host} ({_reason(exc)})", "transient", rank=7) from exc

    def _check_status(self, response: httpx.Response, path: str) -> None:
        status = response.status_code
        if status < 300:
            return
        if status >= 500 or status == 429:
            raise FetchFailure(f"{self.host} answered HTTP {status}", "transient", http_status=status, rank=8)
        if 300 <= status < 400:
            raise FetchFailure(
                f"{self.host} answered HTTP {status} without a usable redirect", "not_here", rank=5
            )
        rank = 1 if status in (404, 410) else 4
        raise FetchFailure(
            f"{self.host} answered HTTP {status} for {path}", "not_here", http_status=status, rank=rank
        )

    def _read_capped(self, response: httpx.Response, deadline: float) -> bytes:
        too_big = FetchFailure(
            f"{self.host}'s answer is larger than {self.max_body_bytes // (1024 * 1024)} MB",
            "not_here",
            rank=6,
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise too_big
            chunks.append(chunk)
            # A page that trickles bytes keeps the read timeout from firing: watch the clock here.
            if time.monotonic() > deadline:
                raise FetchFailure(self._no_answer(), "deadline", rank=9)
        return b"".join(chunks)

    def _decode(self, response: httpx.Response, body: bytes, path: str) -> Any:
        content_type = response.headers.get("Content-Type", "").lower()
        head = body.lstrip()[:1]
        if "html" in content_type or head == b"<":
            raise FetchFailure(f"{self.host} returned HTML, not JSON, for {path}", "not_here", rank=5)
        if not body.strip():
            raise FetchFailure(f"{self.host} returned an empty answer for {path}", "not_here", rank=4)
        try:
            return json.loads(body.removeprefix(b"\xef\xbb\xbf"))  # tolerate a UTF-8 BOM
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise FetchFailure(
                f"{self.host} returned broken or truncated JSON for {path} ({exc})", "not_here", rank=5
            ) from exc

    # --- wording ----------------------------------------------------------------------------------

    def _no_answer(self) -> str:
        return f"no answer from {self.host} within {self.deadline_seconds:g} s"

    def _explain(self, failures: list[tuple[str, FetchFailure]]) -> str:
        if not failures:
            return f"{self.host} could not be read"
        if all(failure.http_status in (404, 410) for _, failure in failures):
            paths = " and ".join(path for path, _ in failures)
            return (
                f"{self.host} answered HTTP 404 for {paths}: "
                "FAL_STATUS_URL does not look like an Instatus or Statuspage status page"
            )
        return max(failures, key=lambda item: item[1].rank)[1].message


def _page_base(url: str) -> str:
    """The page's base URL, also when someone pasted the summary's own URL into FAL_STATUS_URL."""
    base = url.strip().rstrip("/")
    for suffix in (STATUSPAGE_SUMMARY, INSTATUS_SUMMARY):
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def _host_of(url: str) -> str:
    """ "status.fal.ai" for "https://status.fal.ai": how people name the page in messages."""
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def _reason(exc: Exception) -> str:
    """Short words for a connection error ("connection refused", "name does not resolve")."""
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or "getaddrinfo" in lowered
    ):
        return "the name does not resolve"
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS failed: {text}"
    return text
