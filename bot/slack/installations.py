"""Installing into many workspaces (OAuth): Bolt's OAuth flow over the bot's own database.

`oauth_settings(settings, store)` gives Bolt what it needs to serve GET /slack/install and GET
/slack/oauth_redirect: the client id and secret, the bot scopes of app_manifest.yml (one source of
truth), a `StoreInstallations` (slack_sdk's InstallationStore over `installations`) and a
`StoreOAuthStates` (its OAuthStateStore over `oauth_states`), so every replica on one PostgreSQL
database sees every install and every state. Bolt's authorize middleware then finds each request's
workspace token here.

Tokens are stored encrypted (Fernet, with a key derived from SLACK_CLIENT_SECRET): a database dump
or backup holds no usable Slack token. Rotating the client secret therefore means reinstalling.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from logging import Logger
from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
STATE_SECONDS = 600  # an install started and not finished within 10 minutes starts again
MANIFEST_NAME = "app_manifest.yml"


class ManifestNotFound(Exception):
    """app_manifest.yml, the source of the bot scopes, is in none of the places looked at."""


def manifest_candidates() -> list[Path]:
    """Where app_manifest.yml may be: beside the source (a checkout), the working folder, /app (the
    Docker image copies it there)."""
    return [
        Path(__file__).resolve().parents[2] / MANIFEST_NAME,
        Path.cwd() / MANIFEST_NAME,
        Path("/app") / MANIFEST_NAME,
    ]


def manifest_scopes(candidates: list[Path] | None = None) -> list[str]:
    """The manifest's bot scopes, sorted; ManifestNotFound when no candidate exists."""
    for path in candidates if candidates is not None else manifest_candidates():
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return sorted(data["oauth_config"]["scopes"]["bot"])
    raise ManifestNotFound(
        f"{MANIFEST_NAME} not found (looked in the source folder, the working folder and /app)"
    )


class TokenBox:
    """Encrypts tokens before they reach the database and decrypts them on the way out."""

    def __init__(self, client_secret: str):
        key = hashlib.sha256(b"fal-bot installations\0" + client_secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, token: str | None) -> str | None:
        return self._fernet.encrypt(token.encode()).decode() if token else None

    def open(self, sealed: str | None) -> str | None:
        if not sealed:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            log.error(
                "a stored workspace token cannot be decrypted (SLACK_CLIENT_SECRET changed?): reinstall"
            )
            return None


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    return value.timestamp() if isinstance(value, datetime) else float(value)


class StoreInstallations(InstallationStore):
    """slack_sdk's InstallationStore over `installations`: one bot per workspace (no user tokens)."""

    def __init__(self, store: Store, box: TokenBox):
        self.store = store
        self.box = box

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        self.save_bot(installation.to_bot())

    def save_bot(self, bot: Bot) -> None:
        team_id = None if bot.is_enterprise_install else bot.team_id
        self.store.save_installation(
            {
                "enterprise_id": bot.enterprise_id,
                "team_id": team_id,
                "is_enterprise_install": int(bool(bot.is_enterprise_install)),
                "app_id": bot.app_id,
                "bot_id": bot.bot_id,
                "bot_user_id": bot.bot_user_id,
                "bot_scopes": ",".join(bot.bot_scopes or []),
                "bot_token": self.box.seal(bot.bot_token),
                "bot_refresh_token": self.box.seal(bot.bot_refresh_token),
                "bot_token_expires_at": _timestamp(bot.bot_token_expires_at),
                "team_name": bot.team_name,
                "installed_at": _timestamp(bot.installed_at) or self.store.clock(),
            }
        )
        if team_id:  # a reinstall lifts a stop an earlier refused token caused (bot.alerts.gone)
            self.store.set_team_sending(team_id, True)
        if bot.is_enterprise_install:
            log.info("installed org-wide in Enterprise Grid org %s", bot.enterprise_id)
        else:
            log.info("installed in workspace %s", bot.team_id)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = self.store.installation(enterprise_id, None if is_enterprise_install else team_id)
        token = self.box.open(row["bot_token"]) if row else None
        if row is None or token is None:
            return None
        return Bot(
            app_id=row["app_id"],
            enterprise_id=row["enterprise_id"] or None,
            team_id=row["team_id"] or None,
            team_name=row["team_name"],
            bot_token=token,
            bot_id=row["bot_id"],
            bot_user_id=row["bot_user_id"],
            bot_scopes=row["bot_scopes"] or "",
            bot_refresh_token=self.box.open(row["bot_refresh_token"]),
            bot_token_expires_at=int(row["bot_token_expires_at"]) if row["bot_token_expires_at"] else None,
            is_enterprise_install=bool(row["is_enterprise_install"]),
            installed_at=float(row["installed_at"]),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = self.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is None or user_id is not None:  # no user tokens are kept
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            user_id="",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_installation(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            self.store.delete_installation(enterprise_id, team_id)

    def token_for(self, team_id: str, enterprise_id: str | None = None) -> str | None:
        """The bot token for a workspace outside a request (the alert sender): its own installation
        (in or outside an Enterprise Grid), else its org's org-wide installation. The org is
        `enterprise_id`, or the one its subscriptions were made from."""
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        org = enterprise_id or (self.store.enterprise_of(team_id) if bot is None else None)
        if bot is None and org:
            bot = self.find_bot(enterprise_id=org, team_id=team_id, is_enterprise_install=True)
        return bot.bot_token if bot is not None else None


class LockedTokenRotator(TokenRotator):
    """Token rotation (refresh tokens) with one refresh per workspace at a time among every process
    on the database: Slack's refresh token is good once, so two replicas refreshing the same token
    at once would leave one of them (and its saved installation) with a dead token. The first
    refreshes and saves under a named lock; the others then find the new token and use it."""

    def __init__(
        self, installations: StoreInstallations, *, client_id: str, client_secret: str, client: WebClient
    ):
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.installations = installations

    def perform_bot_token_rotation(self, *, bot: Bot, minutes_before_expiration: int = 120) -> Bot | None:
        if not self._expiring(bot, minutes_before_expiration):
            return None
        workspace = bot.team_id or bot.enterprise_id or ""
        with self.installations.store.named_lock(f"fal-bot token rotation {workspace}"):
            current = self.installations.find_bot(
                enterprise_id=bot.enterprise_id,
                team_id=bot.team_id,
                is_enterprise_install=bot.is_enterprise_install,
            )
            if current is None:
                return None  # uninstalled meanwhile
            if current.bot_token != bot.bot_token and not self._expiring(current, minutes_before_expiration):
                return current  # another process refreshed it while this one waited
            refreshed = super().perform_bot_token_rotation(
                bot=current, minutes_before_expiration=minutes_before_expiration
            )
            if refreshed is not None:
                self.installations.save_bot(refreshed)
                log.info("refreshed the bot token of workspace %s", workspace)
            return refreshed

    @staticmethod
    def _expiring(bot: Bot, minutes_before_expiration: int) -> bool:
        expires_at = bot.bot_token_expires_at
        return expires_at is not None and expires_at <= time.time() + minutes_before_expiration * 60


class StoreOAuthStates(OAuthStateStore):
    """slack_sdk's OAuthStateStore over `oauth_states`: each state is good once, for STATE_SECONDS."""

    def __init__(self, store: Store, expiration_seconds: int = STATE_SECONDS):
        self.store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        self.store.issue_oauth_state(state, self.store.clock() + self.expiration_seconds)
        return state

    def consume(self, state: str) -> bool:
        if not state or not self.store.consume_oauth_state(state):
            log.info("refused an OAuth redirect with an unknown or expired state")
            return False
        return True


def oauth_settings(settings: Settings, store: Store, scopes: list[str]) -> OAuthSettings:
    """Bolt's OAuth flow: a redirect (not a page) to Slack's authorize URL from INSTALL_PATH."""
    assert settings.slack_client_id and settings.slack_client_secret
    secret = settings.slack_client_secret.get_secret_value()
    return OAuthSettings(
        client_id=settings.slack_client_id.strip(),
        client_secret=secret,
        scopes=scopes,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,
        authorization_url=AUTHORIZE_URL,
        installation_store=StoreInstallations(store, TokenBox(secret)),
        installation_store_bot_only=True,
        state_store=StoreOAuthStates(store),
        state_expiration_seconds=STATE_SECONDS,
    )


def team_clients(
    installations: StoreInstallations, build: Callable[[str], WebClient]
) -> Callable[[str], WebClient | None]:
    """team_id -> a WebClient with that workspace's token (built by `build(token)`), or None when
    the workspace has no installation."""

    def client_for(team_id: str) -> WebClient | None:
        token = installations.token_for(team_id)
        return build(token) if token else None

    return client_for
