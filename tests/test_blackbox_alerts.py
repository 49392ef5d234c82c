"""Black-box alerts scenario (issue 6's held-back check) through the real `fal-bot run --mode http`.

Subscribe with a signed `/fal subscribe`; a scripted Instatus page (written here, not the shared
helper) opens, updates and resolves an incident while the loopback fake Slack answers the first
alert with 429 and the process is restarted in the middle. Also: unsubscribe silences the channel,
severity and component filters, and the unreadable-page note only after the threshold.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.blackbox import BB_BOT_TOKEN, BB_SIGNING_SECRET, BotProcess, clean_env, free_port
from tests.support.fake_slack import Call, FakeSlack
from tests.support.loopback import LoopbackServer, Request, Response

pytestmark = pytest.mark.slow

SLACK_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "slack"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Page:
    """Instatus `/summary.json` + `/v2/components.json`, changed by the test between polls."""

    status: str = "UP"
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    components: dict[str, str] = field(
        default_factory=lambda: {"Queue API": "OPERATIONAL", "Realtime": "OPERATIONAL"}
    )
    broken: int | None = None  # an HTTP status to answer instead of the page
    polls: int = 0  # /summary.json requests seen (answered or broken): one per status poll
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, id: str, name: str, impact: str, status: str = "INVESTIGATING") -> None:
        with self.lock:
            self.incidents[id] = {
                "id": id,
                "name": name,
                "impact": impact,
                "status": status,
                # an hour ago, whatever today is: the resolution says how long it lasted
                "started": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 3600)),
                "url": f"https://status.fal.ai/incident/{id}",
            }
            self.status = "HASISSUES"

    def change(self, id: str, **fields: str) -> None:
        with self.lock:
            self.incidents[id].update(fields)

    def resolve(self, id: str) -> None:
        with self.lock:
            del self.incidents[id]
            if not self.incidents and all(v == "OPERATIONAL" for v in self.components.values()):
                self.status = "UP"

    def polled(self) -> int:
        with self.lock:
            return self.polls

    def handle(self, request: Request) -> Response:
        with self.lock:
            path = request.path.split("?")[0]
            if path == "/summary.json":
                self.polls += 1
            if self.broken is not None:
                return Response(self.broken, "<html>Bad gateway</html>", {"Content-Type": "text/html"})
            if path == "/summary.json":
                data: dict[str, Any] = {
                    "page": {"name": "fal", "url": "https://status.fal.ai", "status": self.status}
                }
                if self.incidents:
                    data["activeIncidents"] = [dict(i) for i in self.incidents.values()]
                return Response(200, json.dumps(data))
            if path == "/v2/components.json":
                rows = [
                    {"id": name.lower().replace(" ", "-"), "name": name, "status": status, "group": None}
                    for name, status in self.components.items()
                ]
                return Response(200, json.dumps({"components": rows}))
            return Response(404, "Not Found", {"Content-Type": "text/plain"})


@dataclass
class AlertRig:
    bot: BotProcess
    fake: FakeSlack
    page: Page
    confirmations: set[str] = field(default_factory=set)  # ts of subscribe confirmations

    def slash(self, text: str, channel: str) -> httpx.Response:
        fields = {
            "token": "verification_token", "team_id": "T111", "team_domain": "test", "channel_id": channel,
            "channel_name": channel.lower(), "user_id": "W111", "user_name": "someone", "command": "/fal",
            "text": text, "response_url": self.fake.new_response_url(), "trigger_id": "1.2.3",
        }  # fmt: skip
        body = "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items()).encode()
        answer = self.bot.post(body, FORM)
        assert answer.status_code == 200
        return answer

    def top_level(self, channel: str) -> list[Call]:
        """Accepted top-level posts in `channel`, subscribe confirmations left out."""
        return [
            c
            for c in self.fake.ok_calls("chat.postMessage", channel=channel)
            if not c.params.get("thread_ts") and str(c.answer.get("ts")) not in self.confirmations
        ]

    def alerts(self, channel: str, name: str) -> list[Call]:
        return [c for c in self.top_level(channel) if name in c.text_and_blocks()]

    def replies(self, channel: str, ts: str) -> list[Call]:
        return [
            c
            for c in self.fake.ok_calls("chat.postMessage", channel=channel)
            if c.params.get("thread_ts") == ts
        ]

    def edits(self, channel: str, ts: str) -> list[Call]:
        return [c for c in self.fake.ok_calls("chat.update", channel=channel) if c.params.get("ts") == ts]


def wait(condition: Any, timeout: float = 15, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def polls(seen: Callable[[], int], count: int = 2, timeout: float = 15) -> None:
    """Wait until the bot has fetched the page `count` more times, instead of sleeping and hoping.

    Polls are FAL_BOT_POLL_SECONDS=1 apart and one poll's listeners (the alert engine, which queues
    and wakes the sender) finish before the next fetch starts. So after `count=2`, everything the
    page said when this was called has been seen and the sender has had a poll interval to post
    what it queued: what the fixed `sleep(2)` this replaces meant, now also true on a slow machine.
    `count=1` only orders: a poll started after this call saw the page as it is now.
    """
    target = seen() + count
    wait(lambda: seen() >= target, timeout, f"{count} more status polls")


def subscribe(rig: AlertRig, channel: str, options: str = "") -> None:
    before = len(rig.top_level(channel)) + len(rig.fake.responses())
    rig.slash(f"subscribe {options}".strip(), channel)
    wait(
        lambda: len(rig.top_level(channel)) + len(rig.fake.responses()) > before,
        10,
        f"subscribe confirmation in {channel}",
    )
    time.sleep(0.2)
    rig.confirmations.update(
        str(c.answer.get("ts"))
        for c in rig.top_level(channel)
        if "subscribe" in c.text_and_blocks().lower() or "now gets" in c.text_and_blocks().lower()
    )


@pytest.fixture
def alert_rig(tmp_path: Path) -> Iterator[AlertRig]:
    fake = FakeSlack().start()
    page = Page()
    server = LoopbackServer(page.handle).start()
    env = clean_env(
        SLACK_BOT_TOKEN=BB_BOT_TOKEN,
        SLACK_SIGNING_SECRET=BB_SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        FAL_STATUS_URL=server.url,
        FAL_BOT_DB=str(tmp_path / "alerts.db"),
        FAL_BOT_POLL_SECONDS="1",
        FAL_BOT_UNKNOWN_NOTE_MINUTES="0.06",  # 3.6 s
        FAL_BOT_STATUS_DEADLINE_SECONDS="2",
        LOG_LEVEL="INFO",
    )
    bot = BotProcess(free_port(), env, tmp_path)
    bot.start()
    try:
        yield AlertRig(bot, fake, page)
    finally:
        bot.kill()
        server.stop()
        fake.stop()


def test_incident_lifecycle_once_threaded_across_429_and_restart(alert_rig: AlertRig) -> None:
    rig = alert_rig
    subscribe(rig, "C0ALERT")
    subscribe(rig, "C0MAJOR", "min=major maintenance=off")
    polls(rig.page.polled)  # operational polls: nothing to say
    assert rig.alerts("C0ALERT", "Queue") == []
    rig.fake.rate_limit("chat.postMessage", retry_after=1, channel="C0ALERT", times=1)

    rig.page.open("inc-1", "Queue API elevated errors", "PARTIALOUTAGE")
    parent = wait(lambda: rig.alerts("C0ALERT", "Queue API elevated errors"), 20, "the first alert")[0]
    assert [c for c in rig.fake.calls("chat.postMessage", channel="C0ALERT") if c.status == 429], (
        "the 429 was served"
    )
    parent_ts = parent.answer["ts"]
    polls(rig.page.polled)
    assert len(rig.alerts("C0ALERT", "Queue API elevated errors")) == 1
    assert rig.alerts("C0MAJOR", "Queue API elevated errors") == [], "partial outage is below min=major"

    rig.page.change("inc-1", status="IDENTIFIED")
    wait(lambda: rig.replies("C0ALERT", parent_ts), 15, "a threaded update")
    wait(lambda: rig.edits("C0ALERT", parent_ts), 15, "the parent edited")

    took = rig.bot.stop()
    assert took < 10
    rig.bot.start()
    polls(rig.page.polled)
    assert len(rig.alerts("C0ALERT", "Queue API elevated errors")) == 1, "no second alert after a restart"
    replies_before = len(rig.replies("C0ALERT", parent_ts))

    rig.page.change("inc-1", impact="MAJOROUTAGE")  # escalates to the other channel's min
    escalated = wait(
        lambda: rig.alerts("C0MAJOR", "Queue API elevated errors"), 15, "the escalation alert for min=major"
    )
    assert len(escalated) == 1
    wait(lambda: len(rig.replies("C0ALERT", parent_ts)) > replies_before, 15, "the escalation in the thread")

    rig.page.resolve("inc-1")
    resolved = wait(
        lambda: [c for c in rig.replies("C0ALERT", parent_ts) if "resolved" in c.text_and_blocks().lower()],
        15,
        "the resolution in the thread",
    )
    assert len(resolved) == 1
    text = resolved[0].text_and_blocks()
    assert any(unit in text for unit in (" min", " s", " h", "second", "minute")), text
    wait(
        lambda: any("resolved" in c.text_and_blocks().lower() for c in rig.edits("C0ALERT", parent_ts)),
        15,
        "the parent edited as over",
    )
    polls(rig.page.polled)
    assert len(rig.alerts("C0ALERT", "Queue API elevated errors")) == 1
    assert (
        len([c for c in rig.replies("C0ALERT", parent_ts) if "resolved" in c.text_and_blocks().lower()]) == 1
    )

    posted = len(rig.fake.calls("chat.postMessage", channel="C0ALERT"))
    rig.slash("unsubscribe", "C0ALERT")  # saved, then said in the channel: count after that post
    wait(
        lambda: len(rig.fake.calls("chat.postMessage", channel="C0ALERT")) > posted,
        10,
        "the unsubscribe message in C0ALERT",
    )
    posts_before = len(rig.fake.calls("chat.postMessage", channel="C0ALERT"))
    rig.page.open("inc-2", "Realtime down", "MAJOROUTAGE")
    wait(lambda: rig.alerts("C0MAJOR", "Realtime down"), 15, "the other channel still alerted")
    polls(rig.page.polled)
    assert len(rig.fake.calls("chat.postMessage", channel="C0ALERT")) == posts_before, (
        "nothing after unsubscribe"
    )


def test_subscribing_during_an_incident_alerts_once(alert_rig: AlertRig) -> None:
    rig = alert_rig
    rig.page.open("inc-9", "Uploads failing <!channel> & <@U123>", "MAJOROUTAGE")
    polls(rig.page.polled)  # the incident is known before anyone subscribes
    subscribe(rig, "C0LATE")
    wait(lambda: rig.alerts("C0LATE", "Uploads failing"), 15, "the open incident for a late subscriber")
    subscribe(rig, "C0LATE", "maintenance=off")  # re-subscribing replaces options, no second alert
    polls(rig.page.polled)
    assert len(rig.alerts("C0LATE", "Uploads failing")) == 1
    for call in rig.fake.calls():
        text = call.text_and_blocks()
        assert "<!channel>" not in text and "<@U123>" not in text, "page text is escaped"


def test_component_filter_and_degradation_without_incident(alert_rig: AlertRig) -> None:
    rig = alert_rig
    subscribe(rig, "C0RT", 'components="Realtime"')
    subscribe(rig, "C0QUEUE", 'components="Queue API"')
    polls(rig.page.polled, 1)  # the page was read all operational after the subscriptions
    with rig.page.lock:
        rig.page.components["Queue API"] = "PARTIALOUTAGE"
        rig.page.status = "HASISSUES"
    wait(
        lambda: [
            c
            for c in rig.top_level("C0QUEUE")
            if "Queue API" in c.text_and_blocks() and "subscribe" not in c.text_and_blocks().lower()
        ],
        15,
        "a component degradation alert",
    )
    polls(rig.page.polled)
    assert [c for c in rig.top_level("C0RT") if "Queue API" in c.text_and_blocks()] == [], (
        "components= keeps only alerts naming them"
    )


def test_unreadable_page_short_spell_silent_long_spell_one_note(alert_rig: AlertRig) -> None:
    rig = alert_rig
    subscribe(rig, "C0NOTE")
    polls(rig.page.polled, 1)  # read once while fine
    baseline = len(rig.fake.calls("chat.postMessage", channel="C0NOTE"))
    rig.page.broken = 503
    polls(rig.page.polled, 1)  # an unreadable poll: about 2 s unread, well under the 3.6 s threshold
    rig.page.broken = None
    polls(rig.page.polled)
    assert len(rig.fake.calls("chat.postMessage", channel="C0NOTE")) == baseline, "a short spell says nothing"

    rig.page.broken = 502
    note = wait(lambda: rig.top_level("C0NOTE"), 20, "the cannot-read note")
    polls(rig.page.polled)  # still unreadable: no second note
    top = rig.top_level("C0NOTE")
    assert len(top) == 1, [c.params.get("text") for c in top]
    text = note[0].text_and_blocks().lower()
    assert "outage" not in text or "not" in text
    rig.page.broken = None
    wait(
        lambda: rig.replies("C0NOTE", top[0].answer["ts"]) or len(rig.top_level("C0NOTE")) > 1,
        20,
        "the readable-again message",
    )
    polls(rig.page.polled)
    assert len(rig.top_level("C0NOTE")) + len(rig.replies("C0NOTE", top[0].answer["ts"])) == 2


def test_sigkill_while_the_first_alert_waits_out_a_429(alert_rig: AlertRig) -> None:
    """The held-back scenario's worst timing: the process stops while the alert is still unsent."""
    rig = alert_rig
    for channel in ("C0W1", "C0W2", "C0W3"):
        subscribe(rig, channel)
    polls(rig.page.polled, 1)  # the page was read all operational after the subscriptions
    rig.fake.rate_limit("chat.postMessage", retry_after=3, channel="C0W1", times=1)
    rig.page.open("inc-r", "Inference errors", "MAJOROUTAGE")
    wait(
        lambda: [c for c in rig.fake.calls("chat.postMessage", channel="C0W1") if c.status == 429],
        15,
        "the 429",
    )
    wait(
        lambda: rig.alerts("C0W2", "Inference errors") and rig.alerts("C0W3", "Inference errors"),
        15,
        "the other channels",
    )
    rig.bot.kill()  # SIGKILL: no chance to tidy up
    rig.bot.start()
    wait(lambda: rig.alerts("C0W1", "Inference errors"), 20, "the held-back alert after the restart")
    polls(rig.page.polled)
    for channel in ("C0W1", "C0W2", "C0W3"):
        assert len(rig.alerts(channel, "Inference errors")) == 1, channel


def test_statuspage_flavour_update_text_maintenance_and_update_429(tmp_path: Path, status_page: Any) -> None:
    """The same promises on an Atlassian Statuspage page (the shared scripted page, a second opinion)."""
    page = status_page(flavour="statuspage")
    fake = FakeSlack().start()
    env = clean_env(
        SLACK_BOT_TOKEN=BB_BOT_TOKEN,
        SLACK_SIGNING_SECRET=BB_SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        FAL_STATUS_URL=page.url,
        FAL_BOT_DB=str(tmp_path / "sp.db"),
        FAL_BOT_POLL_SECONDS="1",
    )
    bot = BotProcess(free_port(), env, tmp_path).start()
    rig = AlertRig(bot, fake, Page())
    try:
        subscribe(rig, "C0SP")
        polls(lambda: len(page.summary_requests()), 1)  # read all operational after subscribing
        page.open_incident(
            id="sp1",
            name="Elevated queue latency",
            impact="partial_outage",
            body="Investigating <!here> slow queue",
        )
        parent = wait(lambda: rig.alerts("C0SP", "Elevated queue latency"), 15, "the alert")[0]
        ts = parent.answer["ts"]
        fake.rate_limit("chat.update", retry_after=1, channel="C0SP", times=1)
        page.update_incident("sp1", status="monitoring", body="A fix has been deployed & we are monitoring")
        wait(
            lambda: [c for c in rig.replies("C0SP", ts) if "fix has been deployed" in c.text_and_blocks()],
            15,
            "the update text in the thread",
        )
        wait(lambda: rig.edits("C0SP", ts), 15, "the parent edited despite a 429 on chat.update")
        page.resolve("sp1")
        wait(
            lambda: [c for c in rig.replies("C0SP", ts) if "resolved" in c.text_and_blocks().lower()],
            15,
            "the resolution",
        )
        page.start_maintenance(id="mt1", name="Database upgrade")
        notice = wait(lambda: rig.alerts("C0SP", "Database upgrade"), 15, "the maintenance notice")[0]
        page.end_maintenance("mt1")
        wait(lambda: rig.replies("C0SP", notice.answer["ts"]), 15, "the maintenance end in its thread")
        polls(lambda: len(page.summary_requests()))
        assert len(rig.alerts("C0SP", "Elevated queue latency")) == 1
        assert len(rig.alerts("C0SP", "Database upgrade")) == 1
        for call in fake.calls():
            assert "<!here>" not in call.text_and_blocks()
    finally:
        bot.kill()
        fake.stop()


def test_channels_that_are_gone_stop_getting_alerts(alert_rig: AlertRig) -> None:
    rig = alert_rig
    for channel in ("C0OK", "C0GONE", "C0ARCH"):
        subscribe(rig, channel)
    archive = json.loads((SLACK_FIXTURES / "channel_archive.slack_docs_event_only.json").read_text())
    archive.update(channel="C0ARCH")
    envelope = {
        "token": "x", "team_id": "T111", "api_app_id": "A1", "type": "event_callback",
        "event_id": "EvARCHIVE1", "event_time": int(time.time()), "event": archive,
    }  # fmt: skip
    assert rig.bot.post_json(envelope).status_code == 200
    rig.fake.fail("chat.postMessage", "not_in_channel", channel="C0GONE", times=None)
    polls(rig.page.polled)  # the archive event has long been handled; the page read operational
    rig.page.open("inc-g", "Storage errors", "MAJOROUTAGE")
    wait(lambda: rig.alerts("C0OK", "Storage errors"), 15, "the alert where the bot can post")

    def refused() -> list[Call]:
        return [c for c in rig.fake.calls("chat.postMessage", channel="C0GONE") if not c.answer.get("ok")]

    wait(refused, 15, "the attempt in C0GONE")
    rig.page.change("inc-g", status="IDENTIFIED")
    wait(lambda: rig.replies("C0OK", rig.alerts("C0OK", "Storage errors")[0].answer["ts"]), 15, "the update")
    polls(rig.page.polled)
    assert len(refused()) == 1, "not_in_channel disables the channel"
    assert [
        c
        for c in rig.fake.calls("chat.postMessage", channel="C0ARCH")
        if "Storage errors" in c.text_and_blocks()
    ] == []
    home = {
        "token": "x", "team_id": "T111", "api_app_id": "A1", "type": "event_callback", "event_id": "EvHOMEG",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "W0H", "channel": "D0H", "tab": "home", "event_ts": "1"},
    }  # fmt: skip
    assert rig.bot.post_json(home).status_code == 200
    view = wait(lambda: rig.fake.home_view("W0H"), 10, "the home view")
    shown = json.dumps(view)
    # One rule for both ways a channel goes (bot.alerts.gone): paused, with the reason, in App Home.
    assert "C0GONE" in shown and "paused (not_in_channel)" in shown
    assert "C0ARCH" in shown and "paused (channel archived)" in shown
