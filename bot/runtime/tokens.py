"""Checks of the tokens and settings `fal-bot run` needs, before anything starts.

A token or secret that cannot work is refused in one line that names the variable and where in
Slack's app settings to get it (exit 2), and no token is ever printed. `auth.test` (and, for Socket
Mode, `apps.connections.open`) then confirm with Slack that the tokens work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from slack_sdk import WebClient

from bot.runtime.startup import STARTUP_RETRY_SECONDS, StartupError, with_startup_retries
from bot.settings import Settings
from bot.slack.errors import TOKEN_GONE

Mode = Literal["socket", "http"]

AUTH_TEST_TIMEOUT_SECONDS = 5

APPS_PAGE = "api.slack.com/apps → your app"
BOT_TOKEN_WHERE = f"{APPS_PAGE} → OAuth & Permissions → Bot User OAuth Token (install the app first)"
APP_TOKEN_WHERE = f"{APPS_PAGE} → Basic Information → App-Level Tokens, with scope connections:write"
SIGNING_SECRET_WHERE = f"{APPS_PAGE} → Basic Information → App Credentials → Signing Secret"
CLIENT_WHERE = f"{APPS_PAGE} → Basic Information → App Credentials → Client ID and Client Secret"

# Prefixes worth naming when someone puts the wrong kind of token in a variable (never more).
KNOWN_PREFIXES = ("xoxb-", "xapp-", "xoxp-", "xoxe-", "xoxa-", "xoxc-", "xoxd-")


def _secret(value: Any) -> str | None:
    """The plain value of an optional SecretStr; an empty string counts as unset."""
    if value is None:
        return None
    plain = value.get_secret_value()
    return plain or None


def _shape_problem(value: str, prefix: str) -> str | None:
    """Why `value` is not a `prefix` token, without ever quoting the value."""
    if value != value.strip():
        return "has spaces or a line break around it"
    if value[:1] in "\"'" or value[-1:] in "\"'":
        return "is wrapped in quotes"
    if not value.startswith(prefix):
        other = next((p for p in KNOWN_PREFIXES if value.startswith(p)), None)
        found = f"starts with {other}" if other else "has another shape"
        return f"does not start with {prefix} (it {found})"
    if any(ch.isspace() for ch in value):
        return "contains spaces or a line break"
    if "…" in value or "..." in value or value in (prefix, prefix + "your-token"):
        return f"is a placeholder ({prefix}…), not a real token"
    if not value.isascii() or not value.isprintable():
        return "contains characters a Slack token never has"
    return None


@dataclass(frozen=True)
class Tokens:
    bot_token: str | None  # None when installing into many workspaces (each has its own token)
    app_token: str | None
    signing_secret: str | None
    oauth: bool = False


def resolve_mode(settings: Settings, requested: str | None) -> Mode:
    """--mode wins; otherwise socket when SLACK_APP_TOKEN is set, else http."""
    if requested in ("socket", "http"):
        return requested  # type: ignore[return-value]
    return "socket" if _secret(settings.slack_app_token) else "http"


def check_tokens(settings: Settings, mode: Mode) -> Tokens:
    """Every token and secret this mode needs is present and well-formed, or StartupError (exit 2)."""
    if settings.slack_client_id or _secret(settings.slack_client_secret):
        return _check_oauth(settings, mode)
    bot_token = _secret(settings.slack_bot_token)
    if bot_token is None:
        raise StartupError(f"SLACK_BOT_TOKEN is not set: set it to the xoxb-… token from {BOT_TOKEN_WHERE}.")
    if problem := _shape_problem(bot_token, "xoxb-"):
        raise StartupError(f"SLACK_BOT_TOKEN {problem}: use the xoxb-… token from {BOT_TOKEN_WHERE}.")
    app_token = _secret(settings.slack_app_token)
    if app_token is not None and (problem := _shape_problem(app_token, "xapp-")):
        raise StartupError(f"SLACK_APP_TOKEN {problem}: create an xapp-… token at {APP_TOKEN_WHERE}.")
    if mode == "socket" and app_token is None:
        raise StartupError(
            "Socket Mode needs SLACK_APP_TOKEN, which is not set: create an xapp-… token at "
            f"{APP_TOKEN_WHERE}, or run with --mode http."
        )
    secret = _secret(settings.slack_signing_secret)
    if mode == "http" and secret is None:
        raise StartupError(
            "HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests, and it is not set: "
            f"copy it from {SIGNING_SECRET_WHERE}."
        )
    if secret is not None and secret != secret.strip():
        raise StartupError(
            "SLACK_SIGNING_SECRET has spaces or a line break around it: copy it again from "
            f"{SIGNING_SECRET_WHERE}."
        )
    return Tokens(bot_token, app_token, secret)


def _check_oauth(settings: Settings, mode: Mode) -> Tokens:
    """Installing into many workspaces: the client id and secret and the signing secret, HTTP mode,
    and no SLACK_BOT_TOKEN (one workspace's token beside many would be ambiguous)."""
    if not (settings.slack_client_id or "").strip() or _secret(settings.slack_client_secret) is None:
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise StartupError(
            f"{missing} is not set: OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, "
            f"from {CLIENT_WHERE} (or unset both for one workspace's SLACK_BOT_TOKEN)."
        )
    if _secret(settings.slack_bot_token) is not None:
        raise StartupError(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: unset SLACK_BOT_TOKEN to install into many "
            "workspaces through OAuth, or unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for one workspace."
        )
    if mode == "socket":
        raise StartupError(
            "OAuth installs (SLACK_CLIENT_ID) need HTTP mode: run with --mode http and SLACK_APP_TOKEN "
            "unset (Socket Mode with many workspaces is not supported)."
        )
    secret = _secret(settings.slack_signing_secret)
    if secret is None or secret != secret.strip():
        raise StartupError(
            "OAuth installs need SLACK_SIGNING_SECRET to verify Slack's requests, and it is "
            f"{'not set' if secret is None else 'wrapped in spaces'}: copy it from {SIGNING_SECRET_WHERE}."
        )
    return Tokens(None, None, secret, oauth=True)


def check_database_folder(path: Path | str) -> None:
    """FAL_BOT_DB's folder must exist: creating it would turn a typo into an empty database (and
    subscriptions that seem to vanish), so fal-bot refuses to start instead (exit 2). (A
    postgresql:// URL names a server: its database must exist, and connecting says so.)"""
    if isinstance(path, str):
        return
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise StartupError(
            f"FAL_BOT_DB={path}: the folder {folder} {what}; fix the path or create the folder "
            "(fal-bot never creates it, so a typo cannot start an empty database)."
        )


def bot_token_rejected(error: str) -> StartupError:
    reason = TOKEN_GONE.get(error, "Slack refused it")
    return StartupError(
        f"SLACK_BOT_TOKEN was refused by Slack ({error}: {reason}): copy the current token from "
        f"{BOT_TOKEN_WHERE}, reinstalling the app if it was removed."
    )


def app_token_rejected(error: str) -> StartupError:
    reason = TOKEN_GONE.get(error, "Slack refused it")
    return StartupError(
        f"SLACK_APP_TOKEN was refused by Slack ({error}: {reason}): create a new token at {APP_TOKEN_WHERE}."
    )


def verify_bot_token(
    settings: Settings,
    client: WebClient,
    *,
    budget: float = STARTUP_RETRY_SECONDS,
    sleep: Callable[[float], Any] = time.sleep,
) -> dict[str, Any]:
    """auth.test with the bot token's client; returns its answer (team_id, user_id, bot_id...)."""

    def attempt() -> dict[str, Any]:
        return dict(client.auth_test().data)  # type: ignore[arg-type]

    answer: dict[str, Any] = with_startup_retries(
        settings,
        "verify SLACK_BOT_TOKEN (auth.test)",
        attempt,
        bot_token_rejected,
        budget=budget,
        sleep=sleep,
    )
    if not answer.get("bot_id"):
        raise StartupError(
            "SLACK_BOT_TOKEN is not a bot token (auth.test shows no bot): use the xoxb-… token from "
            f"{BOT_TOKEN_WHERE}."
        )
    return answer


def verify_app_token(
    settings: Settings,
    client: WebClient,
    token: str,
    *,
    budget: float = STARTUP_RETRY_SECONDS,
    sleep: Callable[[float], Any] = time.sleep,
) -> None:
    """apps.connections.open with the app-level token, before anything starts, so a wrong token is
    one clear line. The WebSocket URL it issues is simply not used (Slack issues one per call)."""
    with_startup_retries(
        settings,
        "verify SLACK_APP_TOKEN (apps.connections.open)",
        lambda: client.apps_connections_open(app_token=token),
        app_token_rejected,
        budget=budget,
        sleep=sleep,
    )
