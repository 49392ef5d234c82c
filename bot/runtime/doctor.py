"""`fal-bot doctor`: why fal-bot would not answer, one check a line, each with its fix.

The checks: the settings (and the tokens the mode needs); `auth.test` for the bot token; the token's
scopes (Slack's `X-OAuth-Scopes` answer header) against app_manifest.yml's bot scopes; the app-level
token opening a Socket Mode URL (`apps.connections.open`, when SLACK_APP_TOKEN is set); the database
(writable, at this fal-bot's schema version); the status page (answers, provider detected); the
probe hosts (resolve, connect, answer). They run at once, each in its own daemon thread with its own
network deadline, and the whole run returns within DEADLINE_SECONDS: a check still running then is
reported as not answering in time, whatever the network does.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.health import database_writable
from bot.runtime.startup import StartupError, describe
from bot.runtime.tokens import (
    APP_TOKEN_WHERE,
    BOT_TOKEN_WHERE,
    bot_token_rejected,
    check_tokens,
    resolve_mode,
)
from bot.settings import Settings
from bot.slack.errors import TOKEN_GONE, error_code
from bot.slack.installations import MANIFEST_NAME, manifest_candidates
from bot.store import MIGRATIONS

# The whole run answers within this (the contract: 20 s, whatever the network does).
DEADLINE_SECONDS = 15.0
SLACK_TIMEOUT_SECONDS = 6
STATUS_DEADLINE_SECONDS = 8.0
PROBE_DEADLINE_SECONDS = 8.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""  # empty when ok

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail, "")


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


def manifest_path() -> Path | None:
    """app_manifest.yml beside the source (a checkout), else in the working folder, else /app (the image)."""
    return next((path for path in manifest_candidates() if path.is_file()), None)


def manifest_bot_scopes(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(data["oauth_config"]["scopes"]["bot"])


def _header(headers: Any, name: str) -> str | None:
    for key, value in dict(headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def _client(settings: Settings, token: str | None) -> WebClient:
    # No retries: doctor reports what Slack answers now, within its deadline.
    return WebClient(
        token=token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT_SECONDS, retry_handlers=[]
    )


def _slack_unreachable_fix(settings: Settings) -> str:
    return (
        f"check this machine's network or proxy (HTTPS_PROXY) access to {settings.slack_api_url}, "
        "or SLACK_API_URL"
    )


def check_bot_token(settings: Settings, token: str) -> list[Check]:
    """auth.test, and the scopes its answer header says the token has."""
    try:
        response = _client(settings, token).auth_test()
    except SlackApiError as exc:
        error = error_code(exc) or f"HTTP {getattr(exc.response, 'status_code', '?')}"
        if error in TOKEN_GONE:
            return [failed("slack_token", f"Slack refused SLACK_BOT_TOKEN ({error})", _token_fix(error))]
        return [failed("slack_token", f"auth.test answered {error}", _slack_unreachable_fix(settings))]
    except Exception as exc:
        return [
            failed(
                "slack_token",
                f"Slack did not answer auth.test: {describe(exc)}",
                _slack_unreachable_fix(settings),
            )
        ]
    data = dict(response.data) if isinstance(response.data, dict) else {}
    if not data.get("bot_id"):
        return [
            failed(
                "slack_token",
                "SLACK_BOT_TOKEN is not a bot token (auth.test shows no bot)",
                f"use the xoxb-… token from {BOT_TOKEN_WHERE}",
            )
        ]
    token_check = passed(
        "slack_token", f"bot {data.get('user_id')} in workspace {data.get('team')} ({data.get('team_id')})"
    )
    return [token_check, _scopes_check(_header(response.headers, "X-OAuth-Scopes"))]


def _token_fix(error: str) -> str:
    # The fix in bot_token_rejected's words, without the repeated "refused" part.
    message = str(bot_token_rejected(error))
    return message.split("): ", 1)[-1]


def _scopes_check(header: str | None) -> Check:
    path = manifest_path()
    if path is None:
        return failed(
            "slack_scopes",
            f"{MANIFEST_NAME} not found, so the scopes cannot be compared",
            f"run doctor from the folder that holds {MANIFEST_NAME} (the repository, or /app in the image)",
        )
    wanted = manifest_bot_scopes(path)
    if header is None:
        return failed(
            "slack_scopes",
            "Slack's answer named no scopes (no X-OAuth-Scopes header)",
            "check SLACK_API_URL points at Slack's Web API (a proxy may drop the header)",
        )
    granted = {scope.strip() for scope in header.split(",") if scope.strip()}
    missing = sorted(wanted - granted)
    if missing:
        return failed(
            "slack_scopes",
            f"the token lacks {len(missing)} of the manifest's scopes: {', '.join(missing)}",
            "add them under OAuth & Permissions (or update the app from app_manifest.yml), reinstall the "
            "app to the workspace, and set SLACK_BOT_TOKEN to the token it shows",
        )
    return passed("slack_scopes", f"the token has all {len(wanted)} scopes app_manifest.yml asks for")


def check_app_token(settings: Settings, token: str) -> Check:
    try:
        _client(settings, None).apps_connections_open(app_token=token)
    except SlackApiError as exc:
        error = error_code(exc) or f"HTTP {getattr(exc.response, 'status_code', '?')}"
        reason = TOKEN_GONE.get(error, "Slack refused it")
        return failed(
            "socket_mode",
            f"apps.connections.open refused SLACK_APP_TOKEN ({error}: {reason})",
            f"create an app-level token with connections:write at {APP_TOKEN_WHERE} and enable Socket Mode",
        )
    except Exception as exc:
        return failed(
            "socket_mode",
            f"Slack did not answer apps.connections.open: {describe(exc)}",
            _slack_unreachable_fix(settings),
        )
    return passed("socket_mode", "SLACK_APP_TOKEN opens a Socket Mode connection URL")


def check_postgres_database(url: str) -> Check:
    """FAL_BOT_DB as a postgresql:// URL: reachable, writable, schema current (never migrates)."""
    from bot.database import redacted_location
    from bot.runtime.health import store_writable
    from bot.store import Store, describe_store_error

    current, where = len(MIGRATIONS), redacted_location(url)
    try:
        store = Store(url, migrate=False)
    except Exception as exc:
        return failed(
            "database",
            f"cannot reach {where}: {describe_store_error(exc)}",
            "check the host, port, user, password and database name in FAL_BOT_DB, and that the server runs",
        )
    try:
        version = store.schema_version()
        problem = store_writable(store)() if version else None  # an empty database has no table yet
    finally:
        store.close()
    if version < current:
        return failed(
            "database",
            f"{where} is at schema version {version}; this fal-bot uses {current}",
            "run `fal-bot db upgrade` (or start `fal-bot run`: it migrates at start)",
        )
    if problem is not None:
        return failed("database", f"{where}: {problem}", "grant fal-bot's user write access to its tables")
    return passed("database", f"{where}: writable, schema version {version}")


def check_database(path: Path | str) -> Check:
    if isinstance(path, str):
        return check_postgres_database(path)
    current = len(MIGRATIONS)
    folder = path.parent
    if not folder.is_dir():
        return failed(
            "database",
            f"FAL_BOT_DB={path}: the folder {folder} does not exist",
            "create the folder or fix FAL_BOT_DB (fal-bot never creates it)",
        )
    if not path.exists():
        if os.access(folder, os.W_OK):
            return passed("database", f"{path} does not exist yet; fal-bot run creates it (schema {current})")
        return failed(
            "database",
            f"{path} does not exist and {folder} is not writable",
            f"make {folder} writable for fal-bot's user",
        )
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            row = connection.execute("SELECT version FROM schema_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return failed(
            "database",
            f"{path} cannot be read as fal-bot's database: {exc}",
            "point FAL_BOT_DB at fal-bot's SQLite file, or move this file away to start afresh",
        )
    version = int(row[0]) if row else 0
    problem = database_writable(path)()
    if problem is not None:
        return failed(
            "database", f"{path}: {problem}", f"make {path} and its folder writable for fal-bot's user"
        )
    if version < current:
        return failed(
            "database",
            f"{path} is at schema version {version}; this fal-bot uses {current}",
            "start `fal-bot run` once: it migrates the database at start (back the file up first)",
        )
    if version > current:
        return failed(
            "database",
            f"{path} is at schema version {version}, newer than this fal-bot's {current}",
            "run the fal-bot release that wrote it, or restore a backup made before the upgrade",
        )
    return passed("database", f"{path} is writable, schema version {version} (current)")


def check_status_page(settings: Settings) -> Check:
    from bot.status import StatusClient

    client = StatusClient(
        settings.fal_status_url,
        deadline_seconds=min(settings.fal_bot_status_deadline_seconds, STATUS_DEADLINE_SECONDS),
    )
    try:
        snapshot = client.fetch()
    finally:
        client.close()
    if not snapshot.ok:
        return failed(
            "status_page",
            f"{settings.fal_status_url} could not be read: {snapshot.error}",
            "check FAL_STATUS_URL and this machine's access to it (HTTPS_PROXY, firewall)",
        )
    provider = snapshot.provider or "provider unknown"
    return passed("status_page", f"{snapshot.source_host} answers ({provider}); fal is {snapshot.level}")


def check_probe_hosts(settings: Settings) -> Check:
    from bot.status.probe import probe

    results = probe(settings.fal_probe_urls, deadline_seconds=PROBE_DEADLINE_SECONDS)
    failing = [result for result in results if not result.ok]
    if failing:
        detail = "; ".join(f"{r.host}: {r.failed_step} ({r.detail})" for r in failing)
        return failed(
            "probe_hosts",
            f"{len(failing)} of {len(results)} probe hosts fail: {detail}",
            "check DNS, the firewall and the proxy (HTTPS_PROXY / NO_PROXY) for these hosts, "
            "or FAL_PROBE_URLS",
        )
    shown = ", ".join(f"{r.host} {r.ms} ms" for r in results)
    return passed("probe_hosts", f"all {len(results)} resolve and answer: {shown}")


Task = Callable[[], list[Check]]


def _run_all(tasks: list[tuple[list[str], Task]], deadline_seconds: float) -> list[Check]:
    """Run every task in its own daemon thread; one still running at the deadline is reported as
    such for each check it would have made (a daemon thread cannot keep the process alive)."""
    results: list[list[Check] | None] = [None] * len(tasks)

    def runner(index: int, names: list[str], task: Task) -> None:
        try:
            results[index] = task()
        except Exception as exc:  # a check that breaks is itself a finding
            results[index] = [
                failed(name, f"the check failed: {describe(exc)}", "report this as a fal-bot bug")
                for name in names
            ]

    threads = [
        threading.Thread(target=runner, args=(i, names, task), name=f"doctor-{names[0]}", daemon=True)
        for i, (names, task) in enumerate(tasks)
    ]
    deadline = time.monotonic() + deadline_seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    checks: list[Check] = []
    for (names, _), found in zip(tasks, results, strict=True):
        if found is None:
            found = [
                failed(name, f"no answer within {deadline_seconds:g} s", "check this machine's network")
                for name in names
            ]
        checks.extend(found)
    return checks


def diagnose(settings: Settings | None, settings_problem: str | None = None) -> list[Check]:
    """Every check, in a fixed order. `settings` None: only the settings check (it failed)."""
    if settings is None:
        return [
            failed(
                "settings",
                settings_problem or "the settings cannot be read",
                "set the variable named above (README: Configuration)",
            )
        ]
    mode = resolve_mode(settings, None)
    tasks: list[tuple[list[str], Task]] = []
    try:
        tokens = check_tokens(settings, mode)
    except StartupError as exc:
        first = failed("settings", str(exc).split(": ", 1)[0], str(exc).split(": ", 1)[-1])
        tokens = None
    else:
        first = passed(
            "settings", f"valid; {mode} mode" + (", OAuth installs" if tokens and tokens.oauth else "")
        )
    if tokens is not None and tokens.bot_token is not None:  # OAuth: one token per workspace, none here
        bot_token = tokens.bot_token
        tasks.append((["slack_token", "slack_scopes"], lambda: check_bot_token(settings, bot_token)))
    if tokens is not None and tokens.app_token is not None:
        app_token = tokens.app_token
        tasks.append((["socket_mode"], lambda: [check_app_token(settings, app_token)]))
    tasks.append((["database"], lambda: [check_database(settings.fal_bot_db)]))
    tasks.append((["status_page"], lambda: [check_status_page(settings)]))
    tasks.append((["probe_hosts"], lambda: [check_probe_hosts(settings)]))
    return [first, *_run_all(tasks, DEADLINE_SECONDS)]
