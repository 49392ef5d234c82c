"""Early warnings: different people pasting fal-side errors warn `early=on` channels before fal's page.

The counting runs against a real SQLite file with a fake clock; the whole path (signed DMs, the
database, the outbox, the sender, a restart in the middle) runs in a real `fal-bot run` process
against the fake Slack Web API and the fake status page.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts.render import early_warning_text, render_early_warning
from bot.incidents.early import EarlyWarning, EarlyWarnings, confirm, fal_side, person_key
from bot.status.models import Incident, StatusSnapshot
from bot.store import Store, Subscription
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.process import BotProcess, bot_env
from tests.support.slack_harness import shared_diagnoser, wait_for
from tests.support.status_page import FakeStatusPage

TEAM = "T111"
RUNNER_503 = (
    "fal_client.client.FalClientError: 503 Service Unavailable from "
    "https://queue.fal.run/fal-ai/flux/dev runner error"
)
TIMEOUT = "Request timed out after 300s waiting in queue https://queue.fal.run/fal-ai/kling-video/requests/abc/status"
VALIDATION_422 = (
    '422 Unprocessable Entity {"detail":[{"loc":["body","prompt"],"msg":"field required",'
    '"type":"missing"}]} from https://fal.run/fal-ai/flux/dev'
)
NO_HOST = "TypeError: fetch failed ECONNRESET"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def operational() -> StatusSnapshot:
    return StatusSnapshot(level="operational", source="https://status.fal.ai", checked_at=datetime.now(UTC))


def in_incident() -> StatusSnapshot:
    incident = Incident(
        id="i1",
        name="Runners down",
        status="INVESTIGATING",
        impact="MAJOROUTAGE",
        url="https://status.fal.ai/i1",
    )
    return operational().model_copy(update={"level": "major_outage", "incidents": [incident]})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Store:
    made = Store(tmp_path / "bot.db", clock=clock)
    made.subscribe(Subscription(TEAM, "CEARLY", early=True))
    made.subscribe(Subscription(TEAM, "CPLAIN"))
    return made


@pytest.fixture
def early(store: Store) -> EarlyWarnings:
    return EarlyWarnings(store, people=3, window_seconds=600)


def paste(
    early: EarlyWarnings, user: str, text: str = RUNNER_503, snapshot: StatusSnapshot | None = None
) -> list[str]:
    return early.observe(TEAM, user, shared_diagnoser().diagnose(text), text, snapshot or operational())


def outbox(store: Store) -> list[tuple[str, str, str]]:
    rows = store.db.conn.execute("SELECT channel_id, kind, payload FROM alert_outbox ORDER BY id").fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_what_counts_is_a_fal_side_error_that_names_fal() -> None:
    diagnose = shared_diagnoser().diagnose
    assert fal_side(diagnose(RUNNER_503), RUNNER_503) == ("server_error", ["queue.fal.run", "fal-ai/flux"])
    assert fal_side(diagnose(TIMEOUT), TIMEOUT) == ("queue_timeout", ["queue.fal.run", "fal-ai/kling-video"])
    assert fal_side(diagnose(VALIDATION_422), VALIDATION_422) is None
    assert fal_side(diagnose(NO_HOST), NO_HOST) is None  # names no fal host or fal error type
    # the same problem given only as a guess is not counted: the bot was not sure of it
    answer = diagnose(RUNNER_503)
    guessed = replace(answer, matches=(), guess=answer.matches[0])
    assert fal_side(guessed, RUNNER_503) is None


def test_three_people_warn_the_early_channel_once(store: Store, early: EarlyWarnings, clock: Clock) -> None:
    assert paste(early, "U1") == []
    clock.now += 120
    assert paste(early, "U2", TIMEOUT) == []
    clock.now += 120
    assert paste(early, "U3") == ["CEARLY"]
    rows = outbox(store)
    assert [(channel, kind) for channel, kind, _ in rows] == [("CEARLY", "early")]
    warning = EarlyWarning.from_payload(json.loads(rows[0][2]))
    assert warning.people == 3 and warning.minutes == 10
    assert warning.categories == ["server_error", "queue_timeout"]
    assert "queue.fal.run" in warning.places
    text = early_warning_text(warning)
    assert text.startswith(
        "Possible fal degradation: 3 people hit server errors and queue timeouts on queue.fal.run"
    )
    assert text.endswith("in the last 10 minutes; status.fal.ai still says operational")
    # A fourth person within the hour: the channel already has its warning.
    clock.now += 60
    assert paste(early, "U4") == []
    # Never who, never what they pasted.
    shown = json.dumps(render_early_warning(warning).blocks) + rows[0][2]
    for secret in ("U1", "U2", "U3", "runner error", "FalClientError", "requests/abc"):
        assert secret not in shown


def test_one_person_pasting_three_times_is_not_a_trend(
    store: Store, early: EarlyWarnings, clock: Clock
) -> None:
    for _ in range(3):
        assert paste(early, "U1") == []
        clock.now += 30
    assert outbox(store) == []


def test_pastes_outside_the_window_do_not_count(store: Store, early: EarlyWarnings, clock: Clock) -> None:
    paste(early, "U1")
    clock.now += 601
    paste(early, "U2")
    clock.now += 10
    assert paste(early, "U3") == []
    clock.now += 10
    assert paste(early, "U4") == ["CEARLY"]


def test_no_warning_while_fal_already_has_an_incident(store: Store, early: EarlyWarnings) -> None:
    for user in ("U1", "U2", "U3"):
        assert paste(early, user, snapshot=in_incident()) == []
    assert outbox(store) == []


def test_validation_errors_never_count(store: Store, early: EarlyWarnings) -> None:
    for user in ("U1", "U2", "U3"):
        paste(early, user, VALIDATION_422)
    assert outbox(store) == []


def test_at_most_one_warning_a_channel_an_hour(store: Store, early: EarlyWarnings, clock: Clock) -> None:
    for user in ("U1", "U2", "U3"):
        paste(early, user)
    clock.now += 1800
    for user in ("U5", "U6", "U7"):
        assert paste(early, user) == []
    clock.now += 1900
    for user in ("U8", "U9"):
        paste(early, user)
    assert paste(early, "U10") == ["CEARLY"]
    assert len(outbox(store)) == 2


def test_an_incident_afterwards_is_confirmed_once_in_the_warnings_thread(
    store: Store, early: EarlyWarnings, clock: Clock
) -> None:
    for user in ("U1", "U2", "U3"):
        paste(early, user)
    clock.now += 300
    assert confirm(store, operational()) == 0
    assert confirm(store, in_incident()) == 1
    assert confirm(store, in_incident()) == 0  # every later poll: still one line
    kinds = [(channel, kind) for channel, kind, _ in outbox(store)]
    assert kinds == [("CEARLY", "early"), ("CEARLY", "confirmed")]
    payload = json.loads(outbox(store)[1][2])
    assert payload == {"confirmed": {"name": "Runners down", "url": "https://status.fal.ai/i1"}}


def test_people_are_stored_as_one_way_keys(store: Store, early: EarlyWarnings) -> None:
    paste(early, "U1")
    stored = store.db.conn.execute("SELECT person, hosts FROM early_pastes").fetchall()
    assert stored == [(person_key(TEAM, "U1"), '["queue.fal.run", "fal-ai/flux"]')]
    assert "U1" not in stored[0][0]


# -- the whole path in a real process, restarted between pastes ---------------------------------------


wait_until = functools.partial(wait_for, timeout=20.0)  # process tests: a longer default


def send(bot: BotProcess, request: signing.SlackRequest) -> None:
    sender = signing.SlackSender(bot.events_url)
    try:
        assert sender.send(request).status_code == 200
    finally:
        sender.close()


def dm(user: str, text: str, event_id: str) -> signing.SlackRequest:
    return signing.event(
        "message_im.slack_docs.json",
        event={"text": text, "user": user, "channel": f"D{user}", "ts": f"17000000{event_id[-2:]}.000100"},
        event_id=event_id,
        team_id=TEAM,
    )


def bot_messages(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    return [m for m in fake.messages(channel) if "Possible fal degradation" in json.dumps(m)]


@pytest.mark.slow
def test_early_warning_across_a_restart_then_fal_confirms(
    fake: FakeSlack, status_page: Callable[..., FakeStatusPage], tmp_path: Path
) -> None:
    page = status_page(flavour="instatus")
    db = tmp_path / "bot.db"
    env = bot_env(fake, db, page.url, LOG_LEVEL="INFO")

    with BotProcess(env, "--mode", "http") as bot:
        bot.wait_until_serving()
        for channel, options in (("CEARLY", "early=on"), ("CPLAIN", "")):
            request = signing.slash_command(
                f"subscribe {options}".strip(),
                response_url=fake.new_response_url(),
                team_id=TEAM,
                channel_id=channel,
            )
            send(bot, request)
        wait_until(lambda: len(fake.ok_calls("chat.postMessage")) >= 2, what="both confirmations")
        assert "early warnings on" in fake.messages("CEARLY")[0]["text"] + json.dumps(fake.messages("CEARLY"))
        send(bot, dm("U1", RUNNER_503, "EvE01"))
        send(bot, dm("U1", RUNNER_503, "EvE02"))  # the same person again counts once
        send(bot, dm("U2", TIMEOUT, "EvE03"))
        wait_until(lambda: len(fake.ok_calls("chat.postMessage")) >= 5, what="three diagnoses")
        bot.terminate()

    with BotProcess(env, "--mode", "http") as bot:
        bot.wait_until_serving()
        started = time.monotonic()
        send(bot, dm("U3", RUNNER_503, "EvE04"))
        wait_until(lambda: bot_messages(fake, "CEARLY"), timeout=15, what="the early warning")
        assert time.monotonic() - started < 15
        warning = bot_messages(fake, "CEARLY")[0]
        shown = json.dumps(warning)
        assert "3 people" in shown and "queue.fal.run" in shown and "still says operational" in shown
        for secret in ("U1", "U2", "U3", "runner error", "requests/abc"):
            assert secret not in shown
        assert bot_messages(fake, "CPLAIN") == []

        page.open_incident(id="inc9", name="Runner failures", impact="major_outage")
        wait_until(
            lambda: any(
                m.get("thread_ts") == warning["ts"] and "fal confirmed: Runner failures" in str(m.get("text"))
                for m in fake.messages("CEARLY")
            ),
            what="fal confirmed in the warning's thread",
        )

        # The incident's own alert went out as usual, to both channels.
        def has_alert(channel: str) -> bool:
            return any(
                "Runner failures" in str(m.get("text")) and "thread_ts" not in m
                for m in fake.messages(channel)
            )

        for channel in ("CEARLY", "CPLAIN"):
            wait_until(functools.partial(has_alert, channel), what=f"the incident alert in {channel}")
        confirmed = [m for m in fake.messages("CEARLY") if "fal confirmed" in str(m.get("text"))]
        assert len(confirmed) == 1
        assert bot_messages(fake, "CEARLY") == [warning]
