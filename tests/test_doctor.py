"""`fal-bot doctor [--json]` as a real process against loopback fakes: Slack's Web API (with its
X-OAuth-Scopes header), a status page, a SQLite file and probe hosts on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer, free_port
from tests.support.process import APP_TOKEN, REPO, UNSET, bot_env
from tests.support.signing import BOT_TOKEN
from tests.support.status_page import FakeStatusPage

pytestmark = pytest.mark.slow
# The contract: doctor answers within 20 s whatever the network does.
ANSWERS_WITHIN = 20.0


def doctor(env: dict[str, str], *args: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout, result.stderr, time.monotonic() - started


def doctor_json(env: dict[str, str]) -> tuple[int, dict[str, Any], float]:
    code, out, err, took = doctor(env, "--json")
    assert not err, err
    report = json.loads(out)
    assert set(report) == {"ok", "checks"}, report
    for check in report["checks"]:
        assert set(check) == {"name", "ok", "detail", "fix"}, check
        assert (check["fix"] == "") == check["ok"], check
    return code, report, took


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


def test_healthy_setup_exits_0_with_every_check_passing(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path
) -> None:
    page = FakeStatusPage(loopback, flavour="instatus")
    db = tmp_path / "bot.db"
    Store(db).close()  # created and migrated, as `fal-bot run` leaves it
    env = bot_env(fake, db, page.url, FAL_PROBE_URLS=fake.url, SLACK_APP_TOKEN=APP_TOKEN)
    code, report, took = doctor_json(env)
    assert code == 0, report
    assert report["ok"] is True
    checks = by_name(report)
    assert list(checks) == [
        "settings",
        "slack_token",
        "slack_scopes",
        "socket_mode",
        "database",
        "status_page",
        "probe_hosts",
    ]
    assert "T111" in checks["slack_token"]["detail"]
    assert "instatus" in checks["status_page"]["detail"]
    assert "schema version" in checks["database"]["detail"]
    assert took < ANSWERS_WITHIN
    # The plain output: one line a check, and no token anywhere.
    code, out, err, _ = doctor(env)
    assert code == 0
    assert len([line for line in out.splitlines() if line.startswith("✓")]) == 7, out
    assert BOT_TOKEN not in out + err and APP_TOKEN not in out + err


def test_revoked_token_and_unreachable_status_page_exit_1_naming_both(
    fake: FakeSlack, tmp_path: Path
) -> None:
    fake.revoke(BOT_TOKEN)
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = bot_env(fake, tmp_path / "bot.db", unreachable, FAL_PROBE_URLS=fake.url)
    code, report, took = doctor_json(env)
    assert code == 1 and report["ok"] is False
    checks = by_name(report)
    assert checks["slack_token"]["ok"] is False
    assert "token_revoked" in checks["slack_token"]["detail"]
    assert "OAuth & Permissions" in checks["slack_token"]["fix"]
    assert checks["status_page"]["ok"] is False
    assert unreachable in checks["status_page"]["detail"]
    assert "FAL_STATUS_URL" in checks["status_page"]["fix"]
    failing = {name for name, check in checks.items() if not check["ok"]}
    assert failing == {"slack_token", "status_page"}, report
    assert took < ANSWERS_WITHIN
    # Plain output names both, each with its fix.
    code, out, _, _ = doctor(env)
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("✗")]
    assert len(problems) == 2 and all("Fix:" in line for line in problems), out


def test_missing_scopes_are_named(fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path) -> None:
    fake.scopes = ["commands", "chat:write"]
    page = FakeStatusPage(loopback, flavour="statuspage")
    env = bot_env(fake, tmp_path / "bot.db", page.url, FAL_PROBE_URLS=fake.url)
    code, report, _ = doctor_json(env)
    assert code == 1
    scopes = by_name(report)["slack_scopes"]
    assert scopes["ok"] is False
    assert "im:history" in scopes["detail"] and "chat:write," not in scopes["detail"]
    assert "reinstall" in scopes["fix"]


def test_a_silent_network_still_answers_within_the_deadline(tmp_path: Path) -> None:
    """Slack, the status page and the probe host accept connections and never answer."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(50)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        env = bot_env(None, tmp_path / "bot.db", url, SLACK_API_URL=f"{url}/api/", FAL_PROBE_URLS=url)
        code, report, took = doctor_json(env)
    assert code == 1
    assert took < ANSWERS_WITHIN
    failing = {check["name"] for check in report["checks"] if not check["ok"]}
    assert {"slack_token", "status_page", "probe_hosts"} <= failing


def test_invalid_settings_are_the_one_failing_check(tmp_path: Path) -> None:
    env = bot_env(None, tmp_path / "bot.db", "https://status.fal.ai", FAL_BOT_POLL_SECONDS="0")
    env["SLACK_BOT_TOKEN"] = UNSET
    env = {k: v for k, v in env.items() if v != UNSET}
    code, report, _ = doctor_json(env)
    assert code == 1
    [check] = report["checks"]
    assert check["name"] == "settings" and "FAL_BOT_POLL_SECONDS" in check["detail"]
