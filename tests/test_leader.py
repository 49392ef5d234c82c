"""The leader lease on a real PostgreSQL: one holder at a time, a quick takeover when the holder
goes, fencing when the holder's connection is cut; and the status monitor of a follower, which
reads what the leader published instead of polling the page."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from bot.database.leader import AdvisoryLockLeadership, SoleProcess
from bot.status import StatusClient, StatusMonitor
from bot.status.shared import SharedStatus
from bot.store import Store
from tests.support.status_page import FakeStatusPage


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    """Seconds it took; AssertionError past `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def lease(postgres_url: str) -> Iterator[Callable[[], AdvisoryLockLeadership]]:
    made: list[AdvisoryLockLeadership] = []

    def make() -> AdvisoryLockLeadership:
        leadership = AdvisoryLockLeadership(postgres_url, try_seconds=0.2, ping_seconds=0.2)
        made.append(leadership)
        leadership.start()
        return leadership

    yield make
    for leadership in made:
        leadership.stop()


def test_sqlite_process_always_leads() -> None:
    assert SoleProcess().is_leader() is True


def test_exactly_one_of_several_leads_and_another_takes_over_when_it_stops(
    lease: Callable[[], AdvisoryLockLeadership],
) -> None:
    contenders = [lease() for _ in range(3)]
    wait_until(lambda: sum(c.is_leader() for c in contenders) == 1)
    time.sleep(0.6)  # and it stays one
    assert sum(c.is_leader() for c in contenders) == 1
    [first] = [c for c in contenders if c.is_leader()]
    first.stop()
    wait_until(lambda: sum(c.is_leader() for c in contenders) == 1, timeout=3)
    assert not first.is_leader()


def test_a_leader_whose_connection_is_cut_stops_leading_before_another_starts(
    lease: Callable[[], AdvisoryLockLeadership], postgres_url: str
) -> None:
    first = lease()
    wait_until(first.is_leader)
    changes: list[tuple[float, str, bool]] = []
    first.on_change = lambda leading: changes.append((time.monotonic(), "first", leading))
    second = lease()
    second.on_change = lambda leading: changes.append((time.monotonic(), "second", leading))
    time.sleep(0.5)
    assert not second.is_leader()
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
            " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
            ("fal-bot leader lease",),
        )
    wait_until(second.is_leader, timeout=5)
    lost = [at for at, who, leading in changes if who == "first" and not leading]
    gained = [at for at, who, leading in changes if who == "second" and leading]
    assert lost and gained and lost[0] <= gained[0]
    wait_until(lambda: not first.is_leader() and second.is_leader())


def test_a_follower_shows_what_the_leader_polled_without_polling(
    postgres_url: str, status_page: Callable[..., FakeStatusPage]
) -> None:
    page = status_page(flavour="statuspage")
    page.open_incident(id="i1", name="Queue slow", impact="major_outage")
    store = Store(postgres_url)

    class Fixed:
        def __init__(self, leading: bool):
            self.leading = leading

        def is_leader(self) -> bool:
            return self.leading

        def start(self) -> None: ...

        def stop(self) -> None: ...

    leader = StatusMonitor(
        StatusClient(page.url, deadline_seconds=2), poll_seconds=60, replica=SharedStatus(store, Fixed(True))
    )
    follower_role = Fixed(False)
    follower = StatusMonitor(
        StatusClient(page.url, deadline_seconds=2),
        poll_seconds=60,
        replica=SharedStatus(store, follower_role),
    )
    heard: list[object] = []
    follower.add_listener(heard.append)
    before_any = follower.refresh()
    assert before_any.level == "unknown" and "no fal-bot process" in (before_any.error or "")
    assert leader.refresh().level == "major_outage"
    fetched = len(page.summary_requests())
    seen = follower.refresh()
    assert seen.level == "major_outage" and [i.name for i in seen.open_incidents] == ["Queue slow"]
    assert follower.last_good() == seen
    assert len(page.summary_requests()) == fetched  # the follower never read the page
    assert heard == []  # nor ran the alert engine's listener
    age = follower.age_seconds()
    assert age is not None and age < 5
    follower_role.leading = True  # it takes over: now it reads the page itself
    follower.refresh()
    assert len(page.summary_requests()) == fetched + 1 and len(heard) == 1
    store.close()


def test_a_follower_picks_up_the_leaders_first_poll_within_seconds_not_a_poll_interval(
    postgres_url: str, status_page: Callable[..., FakeStatusPage]
) -> None:
    page = status_page(flavour="statuspage")
    page.open_incident(id="i1", name="Queue slow", impact="major_outage")
    store = Store(postgres_url)

    class Follower:
        def is_leader(self) -> bool:
            return False

        def start(self) -> None: ...

        def stop(self) -> None: ...

    follower = StatusMonitor(
        StatusClient(page.url, deadline_seconds=2), poll_seconds=60, replica=SharedStatus(store, Follower())
    )
    follower.start()
    try:
        time.sleep(0.5)  # its first read found nothing yet
        leader_view = StatusClient(page.url, deadline_seconds=2).fetch()
        SharedStatus(store, Follower()).publish(leader_view, leader_view)
        wait_until(lambda: getattr(follower.latest(), "level", None) == "major_outage", timeout=5)
    finally:
        follower.stop()
        store.close()
