"""Shared fixtures: loopback servers stand in for status.fal.ai and Slack's Web API."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.fake_slack import FakeSlack
from tests.support.loopback import Handler, LoopbackServer, Response
from tests.support.postgres import Cluster, NoServer, start_cluster
from tests.support.status_page import FakeStatusPage

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# Copies of ../shared/fixtures (public payloads, sources in tests/fixtures/README.md): a clone of
# this repository alone runs every test.
FIXTURES = REPO / "tests" / "fixtures"
# Real pastes the knowledge base has never seen, each with its source and split (benchmarks/accuracy.py)
EVAL_FILE = REPO / "tests" / "data" / "eval_pastes.yml"
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
# Read before any test's clean environment: a server to use instead of a throwaway one, and whether
# a missing server fails the run (CI) rather than skipping the PostgreSQL tests.
POSTGRES_URL = os.environ.get("FAL_BOT_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("FAL_BOT_REQUIRE_POSTGRES", "") == "1"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's real tokens or database, and never reach the internet."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FAL_")) or name in {"PORT", "LOG_LEVEL"}:
            monkeypatch.delenv(name, raising=False)
        # httpx (the probe, the status client) honours proxies: a developer's proxy must not carry
        # loopback requests. Tests that need one set it themselves.
        if name.lower() in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAL_BOT_DB", str(tmp_path / "fal-bot.db"))
    monkeypatch.setenv("FAL_STATUS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("FAL_PROBE_URLS", "http://127.0.0.1:9")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A loopback fake of Slack's Web API (team T111), started and stopped around the test."""
    with FakeSlack() as server:
        yield server


@pytest.fixture
def loopback() -> Iterator[type[LoopbackServer]]:
    """Factory for loopback servers that are all stopped at the end of the test."""
    started: list[LoopbackServer] = []

    class _Tracked(LoopbackServer):
        def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None):
            super().__init__(handler, tls=tls)
            started.append(self)
            self.start()

    yield _Tracked
    for server in started:
        server.stop()


@pytest.fixture
def status_page(loopback: type[LoopbackServer]) -> Callable[..., FakeStatusPage]:
    """Factory: `status_page(flavour="instatus"|"statuspage", components={...})` -> a scripted fake
    status page (tests/support/status_page.py) on a loopback server, stopped after the test."""

    def make(**options: Any) -> FakeStatusPage:
        return FakeStatusPage(loopback, **options)

    return make


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server for the session: FAL_BOT_TEST_POSTGRES_URL, or a throwaway cluster
    (tests/support/postgres.py). Without one the test skips, saying why, unless
    FAL_BOT_REQUIRE_POSTGRES=1 (CI), where it fails."""
    if POSTGRES_URL:
        yield Cluster(POSTGRES_URL)
        return
    try:
        cluster = start_cluster()
    except NoServer as exc:
        message = f"no PostgreSQL server could be started: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (FAL_BOT_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_cluster.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """FAL_BOT_DB for a test that runs on both engines: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    return str(request.getfixturevalue("postgres_url"))


__all__ = ["FIXTURES", "REPO", "SHARED", "Response"]


@pytest.fixture(scope="session")
def eval_items() -> list[dict[str, Any]]:
    """The evaluation set's items (expect, split, lang, kind, source, text)."""
    return list(yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))["items"])
