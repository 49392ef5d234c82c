"""Signed oddities and replays against the real HTTP stack of `fal-bot run` (issue 9, section 3).

The app from create_app behind VerifiedSlackHandler, the Router and the waitress HttpServer, served on
loopback; its Web API calls go to the fake Slack. Requests are signed here as Slack signs them.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_bolt.request import request as bolt_request_module

from bot.runtime import slack_request
from bot.runtime.replay import SeenRequests
from bot.store import Store
from tests.support.keys import PASTED_KEY as FAL_KEY
from tests.support.loopback import LoopbackServer
from tests.support.served import Served, serve_app
from tests.support.signing import FORM, JSON, event, signed_headers, slash_command
from tests.support.slack_harness import wait_for
from tests.support.status_page import FakeStatusPage

LOCKED = '403 Forbidden from queue.fal.run: {"detail": "User is locked. Reason: Exhausted balance."}'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_app(tmp_path_factory.mktemp("served")) as served:
        yield served


def form(**fields: str) -> bytes:
    return urlencode(fields).encode()


DEEP = 100_000
ODDITIES: dict[str, tuple[bytes, str]] = {
    "json-list": (b'[{"type": "event_callback"}]', JSON),
    "json-string": (b'"event_callback"', JSON),
    "json-number": (b"42", JSON),
    "json-null": (b"null", JSON),
    "json-true": (b"true", JSON),
    "json-list-charset": (b"[1, 2]", JSON + "; charset=utf-8"),
    "event-null": (b'{"type": "event_callback", "event": null}', JSON),
    "event-string": (b'{"type": "event_callback", "event": "x"}', JSON),
    "event-list": (b'{"type": "event_callback", "event": []}', JSON),
    "event-missing": (b'{"type": "event_callback", "event_id": "Ev1"}', JSON),
    "event-type-list": (b'{"type": "event_callback", "event": {"type": ["message"]}}', JSON),
    "authorizations-string": (
        b'{"type": "event_callback", "authorizations": "x", "event": {"type": "app_mention"}}',
        JSON,
    ),
    "actions-string": (b'{"type": "block_actions", "team": "T1", "actions": "z"}', JSON),
    "payload-list": (form(payload="[1, 2]"), FORM),
    "payload-string": (form(payload='"x"'), FORM),
    "payload-number": (form(payload="3"), FORM),
    "payload-null": (form(payload="null"), FORM),
    "payload-not-json": (form(payload="{not json"), FORM),
    "payload-deep": (form(payload="[" * DEEP), FORM),
    "payload-actions-empty": (form(payload=json.dumps({"type": "block_actions", "actions": []})), FORM),
    "json-deep-list": (b"[" * DEEP, JSON),
    "json-deep-object": (b'{"a":' * DEEP, JSON),
    "json-invalid": (b"{not json", JSON),
    "command-missing": (form(text="status", team_id="T1", channel_id="C1", user_id="U1"), FORM),
    "command-list": (b'{"command": ["/fal"], "text": "status"}', JSON),
    "empty-form": (b"", FORM),
    "not-utf8-json": (b'{"type": "\xff\xfe"}', JSON),
    "not-utf8-form": (b"command=%2Ffal&text=\xff\xfe", FORM),
}


@pytest.mark.parametrize("name", list(ODDITIES))
def test_a_signed_request_bolt_cannot_use_gets_400_and_one_log_line(
    served: Served, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = ODDITIES[name]
    caplog.set_level(logging.INFO)
    answer = served.post(body, content_type)
    assert answer.status_code == 400, (answer.status_code, answer.text)
    complaints = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(complaints) == 1, [r.getMessage() for r in complaints]
    assert complaints[0].name == "bot.runtime.http" and complaints[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("announced", [3 * 1024 * 1024, 10_000_000_000])
def test_a_body_announced_larger_than_slack_sends_gets_413_at_once(served: Served, announced: int) -> None:
    """No Slack body comes near 2 MiB; a bigger Content-Length is refused before any of it is read.
    (A body that stops arriving gets 408: tests/test_server_connections.py.)"""
    body = b'{"type": "event_callback"}'
    headers = signed_headers(body, JSON)
    with socket.create_connection(("127.0.0.1", served.server.port), timeout=5) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {announced}\r\n"
        sock.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode())
        sock.sendall(body)
        assert sock.recv(200).startswith(b"HTTP/1.1 413")


def test_the_same_signed_bytes_twice_run_once_and_the_replay_gets_401(served: Served) -> None:
    response_url = served.fake.new_response_url()
    request = slash_command(f"diagnose {LOCKED}", response_url=response_url)
    headers = request.headers()
    first = httpx.post(served.url, content=request.body, headers=headers, timeout=10)
    replay = httpx.post(served.url, content=request.body, headers=headers, timeout=10)
    assert (first.status_code, replay.status_code) == (200, 401)
    wait_for(lambda: served.fake.responses(response_url))
    time.sleep(0.5)  # a second run would answer within this
    assert len(served.fake.responses(response_url)) == 1


def test_slacks_retry_is_signed_anew_and_is_not_a_replay(served: Served) -> None:
    """Slack re-sends an event with X-Slack-Retry-Num and a fresh timestamp (so a fresh signature):
    that is answered 200 (the event-id middleware then ignores it), not refused as a replay."""
    retried = event("app_mention.slack_docs.json", event_id="EvRetryNotReplay", retry_num=1)
    now = time.time()

    def send(stamp: float) -> int:
        return httpx.post(
            served.url, content=retried.body, headers=retried.headers(timestamp=stamp), timeout=10
        ).status_code

    assert (send(now - 3), send(now)) == (200, 200)
    # The same retry's bytes sent once more are a replay even with a retry header.
    assert send(now) == 401


def test_an_unsigned_request_is_not_recorded_so_it_cannot_spoil_slacks(served: Served) -> None:
    request = slash_command("help", response_url=served.fake.new_response_url())
    headers = request.headers()
    forged = httpx.post(
        served.url,
        content=request.body + b"&x=1",
        headers=headers,
        timeout=10,
    )
    assert forged.status_code == 401
    assert httpx.post(served.url, content=request.body, headers=headers, timeout=10).status_code == 200


def test_a_slash_command_mentioning_payload_is_answered(served: Served) -> None:
    """Bolt's parse_body read any form body containing "payload" as interactivity and found nothing:
    `/fal diagnose 413 payload too large` got 404 and no answer."""
    response_url = served.fake.new_response_url()
    request = slash_command(
        "diagnose 413 Payload Too Large: request payload exceeds 10 MB", response_url=response_url
    )
    assert served.post(request.body, request.content_type).status_code == 200
    assert wait_for(lambda: served.fake.responses(response_url))


@pytest.mark.parametrize("kind", ["command", "command mentioning payload", "event"])
def test_a_signed_request_is_parsed_once(served: Served, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Parsing was a fifth of an ack's work and was done four times (the shape check, Bolt's request,
    the form correction, the payload look): Bolt now gets the body the shape check parsed."""
    parses: list[str] = []
    original = slack_request.parse_body

    def counted(body: str, content_type: str | None) -> dict[str, object]:
        if body:  # an empty body parses to {} at no cost
            parses.append(body)
        return original(body, content_type)

    monkeypatch.setattr(slack_request, "parse_body", counted)
    monkeypatch.setattr(bolt_request_module, "parse_body", counted)
    if kind == "event":
        request = event("app_mention.slack_docs.json", event_id="EvParsedOnce")
    else:
        text = "status" if kind == "command" else "diagnose 413 request payload too large"
        request = slash_command(text, response_url=served.fake.new_response_url())
    assert served.post(request.body, request.content_type).status_code == 200
    assert parses == [request.body.decode()]


# -- commands answered by their ack alone -----------------------------------------------------------


ACK_ONLY = ["status", "help", "", "frobnicate", "key", f"key {FAL_KEY}", FAL_KEY, "key Bearer abc123"]


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    page = FakeStatusPage(LoopbackServer, flavour="instatus")
    yield page.url
    page.server.stop()


@pytest.fixture(scope="module")
def fast_and_bolt(tmp_path_factory: pytest.TempPathFactory, page_url: str) -> Iterator[tuple[Served, Served]]:
    """Two servers on one status page: ack-only commands answered before Bolt, and all through Bolt."""
    with (
        serve_app(tmp_path_factory.mktemp("fast"), status_url=page_url) as fast,
        serve_app(tmp_path_factory.mktemp("bolt"), status_url=page_url, answer_before_bolt=False) as bolt,
    ):
        fast.monitor.refresh()
        bolt.monitor.refresh()
        yield fast, bolt


def _dispatches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each request Bolt's App dispatches (the command text), and dispatches it."""
    seen: list[str] = []
    original = App.dispatch

    def counted(app: App, request: BoltRequest) -> BoltResponse:
        seen.append(str(request.body.get("text")))
        return original(app, request)

    monkeypatch.setattr(App, "dispatch", counted)
    return seen


def _without_context(answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "blocks": [block for block in answer["blocks"] if block["type"] != "context"]}


@pytest.mark.parametrize("text", ACK_ONLY)
def test_a_command_whose_ack_is_its_answer_is_answered_before_bolt_with_the_same_bytes(
    fast_and_bolt: tuple[Served, Served], monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    dispatched = _dispatches(monkeypatch)
    answers = []
    for served in fast_and_bolt:
        request = slash_command(text, response_url=served.fake.new_response_url())
        answers.append(served.post(request.body, request.content_type))
    fast, bolt = answers
    assert fast.status_code == bolt.status_code == 200
    assert fast.headers["content-type"] == bolt.headers["content-type"]
    if text == "status":  # each server's reading has its own age ("checked 0 s ago"): all else is equal
        assert _without_context(fast.json()) == _without_context(bolt.json())
    else:
        assert fast.content == bolt.content
    assert fast.json()["blocks"]
    assert dispatched == [text]  # only the server without the early answer went through Bolt
    assert FAL_KEY.split(":")[1] not in fast.text


@pytest.mark.parametrize("text", [f"diagnose {LOCKED}", "subscribe", "unsubscribe"])
def test_a_command_with_more_to_do_goes_through_bolt(
    fast_and_bolt: tuple[Served, Served], monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    dispatched = _dispatches(monkeypatch)
    fast, _ = fast_and_bolt
    response_url = fast.fake.new_response_url()
    request = slash_command(text, response_url=response_url)
    assert fast.post(request.body, request.content_type).status_code == 200
    assert dispatched == [text]
    assert wait_for(lambda: fast.fake.responses(response_url) or fast.fake.calls("chat.postMessage"))


def test_status_before_the_first_reading_goes_through_bolt_and_answers_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reading yet (nothing answers at the status URL): "checking…" in the ack, then a refresh
    that Bolt's listener starts and answers through the response URL."""
    dispatched = _dispatches(monkeypatch)
    with serve_app(tmp_path) as served:
        response_url = served.fake.new_response_url()
        request = slash_command("status", response_url=response_url)
        answer = served.post(request.body, request.content_type)
        assert answer.status_code == 200 and "Checking" in answer.text
        assert dispatched == ["status"]
        assert wait_for(lambda: served.fake.responses(response_url), timeout=15)


def test_a_command_other_than_fal_is_left_to_bolt(fast_and_bolt: tuple[Served, Served]) -> None:
    fast, bolt = fast_and_bolt
    for served in (fast, bolt):
        request = slash_command("help", command="/other", response_url=served.fake.new_response_url())
        assert served.post(request.body, request.content_type).status_code == 404


# -- the record itself -----------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_pair_is_refused_until_its_timestamp_is_no_longer_valid(tmp_path: Path) -> None:
    clock = Clock(1_700_000_000.0)
    seen = SeenRequests(Store(tmp_path / "seen.db", clock=clock), clock=clock)
    stamp = str(int(clock.now))
    assert seen.first_sighting(stamp, "v0=aa") is True
    assert seen.first_sighting(stamp, "v0=aa") is False
    assert seen.first_sighting(stamp, "v0=bb") is True
    assert seen.first_sighting(str(int(clock.now) + 1), "v0=aa") is True
    clock.now += 299  # still inside Slack's 5 minutes: still a replay
    assert seen.first_sighting(stamp, "v0=aa") is False
    clock.now += 120  # past 6 minutes: Slack's check refuses it anyway; the record may forget it
    assert seen.first_sighting(stamp, "v0=aa") is True


def test_a_timestamp_from_the_future_is_remembered_until_it_expires(tmp_path: Path) -> None:
    """Slack's check accepts timestamps up to 5 minutes ahead too: the record must outlive them."""
    clock = Clock(1_700_000_000.0)
    seen = SeenRequests(Store(tmp_path / "seen.db", clock=clock), clock=clock)
    ahead = str(int(clock.now) + 290)
    assert seen.first_sighting(ahead, "v0=ff") is True
    clock.now += 500  # the timestamp is now 210 s old: still valid, still a replay
    assert seen.first_sighting(ahead, "v0=ff") is False


def test_the_record_survives_a_restart_and_is_shared_through_the_store(tmp_path: Path) -> None:
    """What one process served (written in batches, and at shutdown) another one refuses."""
    clock = Clock(1_700_000_000.0)
    first = SeenRequests(Store(tmp_path / "seen.db", clock=clock), clock=clock, flush_every=3600)
    stamp = str(int(clock.now))
    assert first.first_sighting(stamp, "v0=01") is True  # the first of a batch is written at once
    assert first.first_sighting(stamp, "v0=02") is True  # this one waits for the next batch
    other = SeenRequests(Store(tmp_path / "seen.db", clock=clock), clock=clock)
    assert other.first_sighting(stamp, "v0=01") is False
    first.flush()  # as Runtime.stop does
    assert other.first_sighting(stamp, "v0=02") is False
    assert other.first_sighting(stamp, "v0=03") is True


def test_written_behind_no_request_waits_on_the_database(tmp_path: Path) -> None:
    """The running bot's record: a request whose batch is due does not wait for the write (another
    connection holds SQLite's write lock here), and the batch lands once the lock is free."""
    import sqlite3

    store = Store(tmp_path / "seen.db")
    seen = SeenRequests(store, flush_every=0.05, write_behind=True)
    blocker = sqlite3.connect(str(tmp_path / "seen.db"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # a writer that takes its time
    try:
        started = time.monotonic()
        for number in range(20):
            assert seen.first_sighting(str(int(time.time())), f"v0={number:02d}") is True
        assert time.monotonic() - started < 1.0  # a synchronous batch would wait out the lock
        assert seen.first_sighting(str(int(time.time())), "v0=00") is False  # memory refuses at once
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    count = "SELECT count(*) FROM seen_requests"
    wait_for(lambda: store.query(count)[0][0] == 20, what="the batch written behind", timeout=10)


class SlowToRead(Store):
    """A real store whose replay lookup takes a moment, as a busy shared database's can."""

    def seen_request(self, timestamp: str, signature: str) -> bool:
        time.sleep(0.2)
        return super().seen_request(timestamp, signature)


def test_a_request_is_never_its_own_replay_when_the_batch_is_written_during_the_lookup(
    tmp_path: Path,
) -> None:
    """Seen once in CI: the write-behind thread stored the new pair while the request was still
    looking it up, and the lookup then refused Slack's genuine request with 401."""
    store = SlowToRead(tmp_path / "seen.db")
    seen = SeenRequests(store, flush_every=0.01, shared=True, write_behind=True)
    stamp = str(int(time.time()))
    assert seen.first_sighting(stamp, "v0=first") is True
    assert seen.first_sighting(stamp, "v0=second") is True
    assert seen.first_sighting(stamp, "v0=first") is False
    other = SeenRequests(Store(tmp_path / "seen.db"), shared=True)
    wait_for(lambda: other.first_sighting(stamp, "v0=second") is False, what="the pair stored", timeout=10)


def test_expired_rows_are_pruned_from_the_store(tmp_path: Path) -> None:
    clock = Clock(1_700_000_000.0)
    store = Store(tmp_path / "seen.db", clock=clock)
    seen = SeenRequests(store, clock=clock, flush_every=0)
    for i in range(5):
        seen.first_sighting(str(int(clock.now)), f"v0={i}")
    clock.now += 400
    seen.first_sighting(str(int(clock.now)), "v0=new")
    assert store.db.conn.execute("SELECT count(*) FROM seen_requests").fetchone()[0] == 1
