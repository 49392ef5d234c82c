"""StatusMonitor against a scripted fake status page: single flight, last good snapshot, age, prompt stop,
listeners that fail."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bot.status import StatusClient, StatusMonitor, StatusSnapshot
from tests.support.loopback import Response
from tests.support.status_page import FakeStatusPage

PageFactory = Callable[..., FakeStatusPage]


@pytest.fixture
def make_monitor() -> Iterator[Callable[..., StatusMonitor]]:
    made: list[StatusMonitor] = []

    def make(url: str, *, poll_seconds: float = 60, deadline: float = 2.0, **kw: object) -> StatusMonitor:
        monitor = StatusMonitor(StatusClient(url, deadline_seconds=deadline), poll_seconds=poll_seconds, **kw)  # type: ignore[arg-type]
        made.append(monitor)
        return monitor

    yield make
    for monitor in made:
        monitor.stop()
        monitor.client.close()


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_nothing_before_the_first_poll(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    monitor = make_monitor(status_page().url)
    assert monitor.latest() is None and monitor.last_good() is None and monitor.age_seconds() is None


def test_concurrent_refreshes_share_one_request(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    page = status_page(flavour="statuspage")
    page.open_incident(id="i1", name="Slow queue", impact="degraded")
    summary = page.summary()
    # A slow page, so every caller arrives while the first fetch is still in flight.
    page.serve(Response(200, json.dumps(summary), delay=0.6))
    monitor = make_monitor(page.url)
    results: list[StatusSnapshot] = []
    barrier = threading.Barrier(6)

    def caller() -> None:
        barrier.wait()
        results.append(monitor.refresh())

    threads = [threading.Thread(target=caller) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 6
    assert len(page.requests) == 1
    assert all(result is results[0] for result in results)
    assert results[0].level == "degraded"
    # Once that flight has landed, the next refresh fetches again.
    monitor.refresh()
    assert len(page.requests) == 2


def test_keeps_the_last_good_snapshot_when_a_poll_fails(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    page = status_page(flavour="instatus")
    page.open_incident(id="i1", name="Realtime down", impact="major_outage")
    monitor = make_monitor(page.url)
    good = monitor.refresh()
    assert good.level == "major_outage"
    page.fail(503)
    bad = monitor.refresh()
    assert bad.level == "unknown" and bad.error and "503" in bad.error
    assert monitor.latest() is bad
    assert monitor.last_good() is good
    page.recover()
    page.resolve("i1")
    again = monitor.refresh()
    assert again.level == "operational"
    assert monitor.last_good() is again


def test_age_is_measured_with_the_given_clock(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    now = [1000.0]
    monitor = make_monitor(status_page().url, clock=lambda: now[0])
    monitor.refresh()
    assert monitor.age_seconds() == 0.0
    now[0] += 42.5
    assert monitor.age_seconds() == 42.5


def test_polls_in_the_background_and_tells_listeners(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    page = status_page(flavour="instatus")
    monitor = make_monitor(page.url, poll_seconds=0.1)
    seen: list[StatusSnapshot] = []

    def broken_listener(snapshot: StatusSnapshot) -> None:
        raise RuntimeError("listener bug")

    monitor.add_listener(broken_listener)  # runs first and raises every time
    monitor.add_listener(seen.append)
    monitor.start()
    assert wait_until(lambda: len(seen) >= 3)
    page.fail(503)
    assert wait_until(lambda: seen[-1].level == "unknown")  # listeners hear failures too
    assert monitor.last_good() is not None and monitor.last_good().level == "operational"  # type: ignore[union-attr]
    page.recover()
    assert wait_until(lambda: seen[-1].level == "operational")
    age = monitor.age_seconds()
    assert age is not None and age < 5


def test_stop_is_prompt_even_with_a_long_poll_interval(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    monitor = make_monitor(status_page().url, poll_seconds=3600)
    monitor.start()
    assert wait_until(lambda: monitor.latest() is not None)
    started = time.monotonic()
    monitor.stop(timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert monitor._thread is not None and not monitor._thread.is_alive()


def test_stop_returns_within_its_timeout_while_a_fetch_hangs(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    page = status_page()
    page.hang(seconds=30)
    monitor = make_monitor(page.url, poll_seconds=60, deadline=5.0)
    heard: list[StatusSnapshot] = []
    monitor.add_listener(heard.append)
    monitor.start()
    assert wait_until(lambda: len(page.requests) >= 1)
    started = time.monotonic()
    monitor.stop(timeout=1.0)
    assert time.monotonic() - started < 1.5
    assert heard == []  # the abandoned fetch tells no one


def test_a_reader_refresh_delays_the_next_background_poll(
    status_page: PageFactory, make_monitor: Callable[..., StatusMonitor]
) -> None:
    page = status_page()
    monitor = make_monitor(page.url, poll_seconds=1.0)
    monitor.refresh()
    monitor.start()
    time.sleep(0.4)
    # The poller counts the reader's refresh as a poll: nothing new within the interval.
    assert len(page.summary_requests()) == 1
    assert wait_until(lambda: len(page.summary_requests()) >= 2, timeout=5)


def test_poll_seconds_must_be_positive(status_page: PageFactory) -> None:
    with pytest.raises(ValueError):
        StatusMonitor(StatusClient(status_page().url), poll_seconds=0)
