"""Every environment variable fal-bot reads, in one pydantic-settings object.

The names, defaults and meanings are the contract's (../shared/contract.md, "Environment"); the
README's env table is checked against this class by tests/test_docs.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import linear_re

DEFAULT_PROBE_URLS = (
    "https://fal.run",
    "https://queue.fal.run",
    "https://rest.fal.ai",
    "https://v3.fal.media",
)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]


class Settings(BaseSettings):
    """Runtime configuration. Field names are the env var names in lower case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(None, description="xoxb-… bot token (required for run)")
    slack_signing_secret: SecretStr | None = Field(None, description="required in HTTP mode")
    slack_app_token: SecretStr | None = Field(None, description="xapp-… app-level token; selects Socket Mode")
    slack_client_id: str | None = Field(
        None, description="with SLACK_CLIENT_SECRET: install into many workspaces through OAuth (HTTP mode)"
    )
    slack_client_secret: SecretStr | None = Field(None, description="the app's client secret, for OAuth")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL")
    fal_status_url: str = Field("https://status.fal.ai", description="status page base URL")
    fal_bot_db: Path | str = Field(
        Path("fal-bot.db"), description="SQLite file, or a postgresql:// URL (a str then; paths are Paths)"
    )
    fal_bot_poll_seconds: int = Field(60, ge=1, description="status poll interval in whole seconds")
    fal_bot_unknown_note_minutes: float = Field(
        15, gt=0, description="minutes the status page may stay unreadable before channels are told"
    )
    fal_probe_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        DEFAULT_PROBE_URLS, description="URLs that `status --probe` checks, comma-separated"
    )
    port: int = Field(3000, ge=1, le=65535, description="HTTP mode port")
    log_level: LogLevel = Field("INFO", description="logging level")
    log_format: LogFormat = Field("text", description="text, or json: one JSON object a line")

    # Extensions beyond the contract (documented in the README).
    fal_bot_status_deadline_seconds: float = Field(
        8.0, gt=0, le=60, description="overall deadline for one status-page fetch"
    )
    fal_bot_knowledge_dir: Path | None = Field(
        None,
        validation_alias=AliasChoices("fal_bot_knowledge_dir", "FAL_BOT_KNOWLEDGE_DIR"),
        description="a folder of extra knowledge entries, loaded beside the packaged ones",
    )
    fal_bot_metrics: bool = Field(
        True,
        validation_alias=AliasChoices("fal_bot_metrics", "FAL_BOT_METRICS"),
        description="0: no GET /metrics and no instrumentation (the benchmark's baseline)",
    )
    fal_bot_early_warning: str = Field(
        "3/10",
        validation_alias=AliasChoices("fal_bot_early_warning", "FAL_BOT_EARLY_WARNING"),
        description="people/minutes: that many different people pasting fal-side errors within that "
        "many minutes make an early warning",
    )
    fal_bot_knowledge_only: bool = Field(
        False,
        validation_alias=AliasChoices("fal_bot_knowledge_only", "FAL_BOT_KNOWLEDGE_ONLY"),
        description="1: load only FAL_BOT_KNOWLEDGE_DIR, not the packaged entries",
    )

    @field_validator("fal_bot_db", mode="before")
    @classmethod
    def _database_path_or_url(cls, value: object) -> Path | str:
        text = str(value).strip()
        if text.startswith(("postgresql://", "postgres://")):
            return text  # a URL stays a string: Path would fold its "//"
        if "://" in text:
            raise ValueError("must be an SQLite file path or a postgresql:// URL")
        return Path(text)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str) -> str:
        # slack_sdk joins paths with urljoin: a base URL with a path must end with "/".
        return value if value.endswith("/") else value + "/"

    @field_validator("fal_status_url")
    @classmethod
    def _status_url_without_slash(cls, value: str) -> str:
        value = value.strip()
        if linear_re.compile(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:/\S*)?").fullmatch(value):
            value = "https://" + value  # a bare host such as status.fal.ai
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://status.fal.ai")
        return value.rstrip("/")

    @field_validator("fal_bot_early_warning")
    @classmethod
    def _people_per_minutes(cls, value: str) -> str:
        people, slash, minutes = value.strip().partition("/")
        if not (slash and people.strip().isdigit() and minutes.strip().isdigit()):
            raise ValueError("must be PEOPLE/MINUTES, whole numbers, such as 3/10")
        if int(people) < 2 or not 1 <= int(minutes) <= 24 * 60:
            raise ValueError("needs at least 2 people (one person is not a trend) and 1 to 1440 minutes")
        return f"{int(people)}/{int(minutes)}"

    @property
    def oauth(self) -> bool:
        """Installing into many workspaces: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET both set."""
        secret = self.slack_client_secret.get_secret_value() if self.slack_client_secret else ""
        return bool((self.slack_client_id or "").strip() and secret.strip())

    @property
    def early_warning_people(self) -> int:
        return int(self.fal_bot_early_warning.split("/")[0])

    @property
    def early_warning_window_seconds(self) -> float:
        return int(self.fal_bot_early_warning.split("/")[1]) * 60.0

    @property
    def unknown_note_seconds(self) -> float:
        """How long the status page may stay unreadable before its last good reading stops standing
        for fal's state (channels are told; /fal status says "unknown")."""
        return self.fal_bot_unknown_note_minutes * 60.0

    @field_validator("fal_probe_urls", mode="before")
    @classmethod
    def _split_probe_urls(cls, value: object) -> object:
        if isinstance(value, str):
            urls = tuple(part.strip() for part in value.split(",") if part.strip())
            if not urls:
                raise ValueError("give at least one URL, comma-separated")
            return urls
        return value

    @field_validator("fal_probe_urls")
    @classmethod
    def _probe_urls_are_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable and how to fix it."""


def load_settings(**overrides: object) -> Settings:
    """Read the environment into Settings, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
        # Never echo what was given for a token or secret.
        shown = "" if "TOKEN" in variable or "SECRET" in variable else f" (got {error.get('input')!r})"
        lines.append(f"{variable}: {error['msg']}{shown}")
    return "invalid setting: " + "; ".join(lines)
