"""Quiet hours: only major outages post during them; the rest comes as one digest when they end.

The alert engine runs on a real SQLite file with a fake clock (and is rebuilt on the same file to
stand for a restart in the night); the digest is delivered by the real sender to the fake Slack Web
API; the option goes through the real Bolt app with signed requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.alerts.outbox import AlertEngine, Outbox
from bot.alerts.render import render_digest
from bot.alerts.sender import AlertSender
from bot.incidents.quiet import QuietHours, QuietHoursError
from bot.slack.commands import OptionError, parse_subscribe_options
from bot.status.models import Incident, Maintenance, StatusSnapshot
from bot.store import Store, Subscription
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import SlackHarness, wait_for
from tests.support.status_page import FakeStatusPage

T = "T1"
NIGHT = datetime(2026, 12, 6, 23, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def at(hours_after_23: float) -> float:
    return NIGHT + hours_after_23 * HOUR


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def inc(id: str, name: str, level: str, *, resolved: bool = False, status: str = "investigating") -> Incident:
    return Incident(
        id=id,
        name=name,
        status="resolved" if resolved else status,
        impact=level,
        level=level,
        resolved=resolved,
        started=datetime.fromtimestamp(NIGHT, UTC).isoformat(),
    )


def snap(now: float, incidents: list[Incident] = (), maintenances: list[Maintenance] = ()) -> StatusSnapshot:  # type: ignore[assignment]
    open_levels = [i.level for i in incidents if not i.resolved]
    level = (
        max(open_levels, key=["degraded", "partial_outage", "major_outage"].index)
        if open_levels
        else "operational"
    )
    return StatusSnapshot.model_validate(
        {
            "level": level,
            "source": "https://status.fal.ai",
            "provider": "statuspage",
            "checked_at": datetime.fromtimestamp(now, UTC),
            "incidents": list(incidents),
            "maintenances": list(maintenances),
        }
    )


def test_quiet_hours_parse_and_wrap_midnight() -> None:
    night = QuietHours.parse("22:00-08:00")
    assert str(night) == "22:00-08:00"
    assert night.contains(datetime(2026, 12, 6, 23, 30, tzinfo=UTC).timestamp())
    assert night.contains(datetime(2026, 12, 7, 7, 59, tzinfo=UTC).timestamp())
    assert not night.contains(datetime(2026, 12, 7, 8, 0, tzinfo=UTC).timestamp())
    assert not night.contains(datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp())
    lunch = QuietHours.parse(" 9:30 - 13:00 ")
    assert str(lunch) == "09:30-13:00" and lunch.contains(datetime(2026, 12, 7, 10, tzinfo=UTC).timestamp())
    for bad in ("22-08", "25:00-08:00", "22:00-22:00", "tonight"):
        with pytest.raises(QuietHoursError):
            QuietHours.parse(bad)


def test_subscribe_parses_quiet() -> None:
    assert parse_subscribe_options("quiet=22:00-08:00 early=on").quiet == "22:00-08:00"
    assert parse_subscribe_options("quiet=off").quiet is None
    with pytest.raises(OptionError, match="HH:MM-HH:MM"):
        parse_subscribe_options("quiet=late")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.db"
    store = Store(path)
    store.subscribe(Subscription(T, "CQUIET", quiet="22:00-08:00"))
    store.subscribe(Subscription(T, "CLOUD"))
    return path


def engine_at(db: Path, now: float) -> tuple[AlertEngine, Clock, Store]:
    """A fresh store and engine on the file: what a restarted process has."""
    clock = Clock(now)
    store = Store(db, clock=clock)
    return AlertEngine(store, unknown_note_after_seconds=60), clock, store


def rows(store: Store, channel: str) -> list[tuple[str, str, str]]:
    return [(r.subject_key, r.event_key, r.kind) for r in Outbox(store).rows(channel_id=channel)]


def test_a_night_of_alerts_becomes_one_digest_after_a_restart(db: Path) -> None:
    engine, clock, store = engine_at(db, at(0))
    degraded = inc("a", "Slow queue", "degraded")
    engine.observe(snap(clock.now, [degraded]))
    assert rows(store, "CLOUD") == [("inc:a", "open", "open")]
    assert rows(store, "CQUIET") == []  # held, not posted

    clock.now = at(0.5)
    major = inc("b", "Runners down", "major_outage")
    engine.observe(snap(clock.now, [degraded, major]))
    assert rows(store, "CQUIET") == [("inc:b", "open", "open")]  # a major outage posts at night

    clock.now = at(1)
    engine.observe(
        snap(
            clock.now,
            [
                inc("a", "Slow queue", "degraded", resolved=True),
                inc("b", "Runners down", "major_outage", status="monitoring"),
            ],
        )
    )
    assert ("inc:b", "c:1", "updated") in rows(store, "CQUIET")  # an alert already posted: its thread goes on

    clock.now = at(3)
    maintenance = Maintenance(
        id="m1",
        name="Database upgrade",
        status="in_progress",
        start=datetime.fromtimestamp(at(3), UTC).isoformat(),
    )
    engine.observe(snap(clock.now, [], [maintenance]))
    clock.now = at(4)
    engine.observe(snap(clock.now, [], [maintenance.model_copy(update={"status": "completed"})]))
    clock.now = at(6)
    engine.observe(snap(clock.now, [inc("c", "Uploads failing", "partial_outage")]))
    before_dawn = [key for key, event, _ in rows(store, "CQUIET") if event == "open"]
    assert before_dawn == ["inc:b"]

    # The process restarts in the night: the held alerts are in the file.
    engine, clock, store = engine_at(db, at(9) + 60)  # 08:01 UTC
    engine.observe(snap(clock.now, [inc("c", "Uploads failing", "partial_outage")]))
    quiet = rows(store, "CQUIET")
    digests = [row for row in quiet if row[2] == "digest"]
    assert len(digests) == 1
    digest = next(r for r in Outbox(store).rows(channel_id="CQUIET") if r.kind == "digest")
    names = [item["name"] for item in digest.payload["digest"]["items"]]
    assert names == ["Slow queue", "Database upgrade", "Uploads failing"]  # not the major one: it posted
    # The incident still open gets its usual alert, after the digest.
    assert quiet.index(digests[0]) < quiet.index(("inc:c", "open", "open"))
    rendered = render_digest(digest.payload)
    shown = json.dumps(rendered.blocks)
    assert "22:00-08:00 UTC" in shown and "3 alerts" in shown
    assert "Slow queue" in shown and "23:00 UTC" in shown  # from 23:00 to midnight
    assert "Database upgrade" in shown and shown.count(", 1 h") == 2
    assert "still going" in shown
    # Later polls: no second digest.
    clock.now += 120
    engine.observe(snap(clock.now, [inc("c", "Uploads failing", "partial_outage")]))
    assert len([row for row in rows(store, "CQUIET") if row[2] == "digest"]) == 1


def test_nothing_held_means_no_digest(db: Path) -> None:
    engine, clock, store = engine_at(db, at(9) + 60)
    engine.observe(snap(clock.now))
    assert rows(store, "CQUIET") == []


def test_the_digest_is_posted_by_the_sender(db: Path) -> None:
    engine, clock, store = engine_at(db, at(0))
    engine.observe(snap(clock.now, [inc("a", "Slow queue", "degraded")]))
    clock.now = at(1)
    engine.observe(snap(clock.now, [inc("a", "Slow queue", "degraded", resolved=True)]))
    clock.now = at(9) + 60
    engine.observe(snap(clock.now))
    with FakeSlack(team_id=T) as fake:
        sender = AlertSender(
            store, WebClient(token=signing.BOT_TOKEN, base_url=fake.api_url, retry_handlers=[]), clock=clock
        )
        for row in Outbox(store).rows(channel_id="CQUIET"):
            sender.deliver(row)
        posted = fake.messages("CQUIET")
        assert len(posted) == 1 and "thread_ts" not in posted[0]
        assert "During quiet hours fal had 1 alert: Slow queue" in str(posted[0]["text"])
        assert Outbox(store).rows(channel_id="CQUIET")[0].status == "sent"


# -- the option in Slack --------------------------------------------------------------------------
@pytest.fixture
def h(tmp_path: Path, status_page: Callable[..., FakeStatusPage]) -> Iterator[SlackHarness]:
    with SlackHarness(tmp_path, page_url=status_page().url) as harness:
        yield harness


def test_subscribe_with_quiet_hours_is_confirmed_and_shown_in_app_home(h: SlackHarness) -> None:
    url = h.fake.new_response_url()
    h.send(
        signing.slash_command(
            "subscribe quiet=22:00-08:00 early=on", response_url=url, team_id="T123ABC456", channel_id="C100"
        )
    )
    confirmation = wait_for(lambda: h.fake.ok_calls("chat.postMessage", channel="C100"))[0]
    assert "quiet hours 22:00-08:00 UTC" in confirmation.text_and_blocks()
    assert "early warnings on" in confirmation.text_and_blocks()
    stored = h.store.subscription("T123ABC456", "C100")
    assert stored is not None and stored.quiet == "22:00-08:00" and stored.early
    h.send(signing.wrap_event("app_home_opened.slack_docs_event_only.json", event_id="EvHomeQ"))
    view = json.dumps(h.fake.wait_for_calls("views.publish")[0].params["view"], ensure_ascii=False)
    assert "<#C100>" in view and "quiet hours 22:00-08:00 UTC" in view and "early warnings on" in view


def test_a_bad_quiet_value_is_explained(h: SlackHarness) -> None:
    url = h.fake.new_response_url()
    answer = h.send(signing.slash_command("subscribe quiet=late", response_url=url, channel_id="C100"))
    assert "HH:MM-HH:MM" in answer.text
    assert h.store.subscription("T111", "C100") is None


# -- a real `fal-bot run` process: held at night, digest after a restart --------------------------
def quiet_window_around_now(minutes: int = 60) -> str:
    """UTC quiet hours that contain the present moment, whatever the time of day."""
    now = datetime.now(UTC)
    start = (now.hour * 60 + now.minute - minutes) % 1440
    end = (now.hour * 60 + now.minute + minutes) % 1440
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def top_level(fake: FakeSlack, channel: str) -> list[str]:
    return [str(m.get("text")) for m in fake.messages(channel) if "thread_ts" not in m]


@pytest.mark.slow
def test_quiet_channel_in_a_real_process_then_the_digest_after_a_restart(
    status_page: Callable[..., FakeStatusPage], tmp_path: Path
) -> None:
    from tests.support.process import BotProcess, bot_env

    page = status_page(flavour="instatus")
    db_path = tmp_path / "bot.db"
    store = Store(db_path)
    store.subscribe(Subscription("T111", "CQUIET", quiet=quiet_window_around_now()))
    store.subscribe(Subscription("T111", "CLOUD"))
    with FakeSlack(team_id="T111") as fake:
        env = bot_env(fake, db_path, page.url, LOG_LEVEL="INFO")
        with BotProcess(env, "--mode", "http") as bot:
            bot.wait_until_serving()
            page.open_incident(id="d1", name="Slow uploads", impact="degraded")
            wait_for(lambda: any("Slow uploads" in t for t in top_level(fake, "CLOUD")), timeout=20)
            page.open_incident(id="m1", name="Everything down", impact="major_outage")
            wait_for(lambda: any("Everything down" in t for t in top_level(fake, "CQUIET")), timeout=20)
            assert not any("Slow uploads" in t for t in top_level(fake, "CQUIET"))
            page.resolve("d1")
            wait_for(
                lambda: any("Resolved" in str(m.get("text")) for m in fake.messages("CLOUD")), timeout=20
            )
            bot.terminate()
        assert not any("Slow uploads" in t for t in top_level(fake, "CQUIET"))
        # Overnight the process stops; by the time it is back the quiet hours are over.
        store.subscribe(Subscription("T111", "CQUIET", quiet=None))
        with BotProcess(env, "--mode", "http") as bot:
            bot.wait_until_serving()
            digest = wait_for(
                lambda: [t for t in top_level(fake, "CQUIET") if "During quiet hours" in t], timeout=20
            )
            assert len(digest) == 1 and "Slow uploads" in digest[0]
            assert "Everything down" not in digest[0]  # it had its own alert at once
