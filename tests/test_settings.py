"""The one settings object: contract defaults, parsing, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_PROBE_URLS, Settings, SettingsError, load_settings


def test_contract_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FAL_BOT_DB", "FAL_STATUS_URL", "FAL_PROBE_URLS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.fal_status_url == "https://status.fal.ai"
    assert settings.fal_bot_db == Path("fal-bot.db")
    assert settings.fal_bot_poll_seconds == 60
    assert settings.fal_bot_unknown_note_minutes == 15
    assert settings.fal_probe_urls == DEFAULT_PROBE_URLS
    assert (settings.port, settings.log_level) == (3000, "INFO")
    assert settings.slack_bot_token is None and settings.slack_app_token is None


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8080/api")
    monkeypatch.setenv("FAL_PROBE_URLS", " https://fal.run , http://127.0.0.1:9 ,")
    monkeypatch.setenv("FAL_BOT_POLL_SECONDS", "5")
    monkeypatch.setenv("FAL_BOT_UNKNOWN_NOTE_MINUTES", "0.5")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:8080/api/"  # slack_sdk needs the trailing /
    assert settings.fal_probe_urls == ("https://fal.run", "http://127.0.0.1:9")
    assert (settings.fal_bot_poll_seconds, settings.fal_bot_unknown_note_minutes) == (5, 0.5)
    assert settings.log_level == "DEBUG"
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == "xoxb-123"
    assert "xoxb-123" not in repr(settings)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("status.fal.ai", "https://status.fal.ai"),
        ("https://status.fal.ai/", "https://status.fal.ai"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    ],
)
def test_status_url_forms(given: str, expected: str) -> None:
    assert load_settings(fal_status_url=given).fal_status_url == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FAL_BOT_POLL_SECONDS", "0"),
        ("FAL_BOT_POLL_SECONDS", "1.5"),
        ("FAL_BOT_UNKNOWN_NOTE_MINUTES", "-1"),
        ("FAL_STATUS_URL", "ftp://status.fal.ai"),
        ("FAL_PROBE_URLS", "fal.run"),
        ("PORT", "70000"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)


def test_an_error_never_echoes_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(slack_signing_secret=["sekrit-value-123"])
    assert "SLACK_SIGNING_SECRET" in str(raised.value)
    assert "sekrit-value-123" not in str(raised.value)


def test_every_field_documents_itself() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_early_warning_is_people_per_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAL_BOT_EARLY_WARNING", raising=False)
    default = load_settings()
    assert (default.early_warning_people, default.early_warning_window_seconds) == (3, 600.0)
    monkeypatch.setenv("FAL_BOT_EARLY_WARNING", " 5/30 ")
    assert (load_settings().early_warning_people, load_settings().early_warning_window_seconds) == (5, 1800.0)


@pytest.mark.parametrize("value", ["3", "three/10", "1/10", "3/0", "3/-1", "3/10/2"])
def test_a_bad_early_warning_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FAL_BOT_EARLY_WARNING", value)
    with pytest.raises(SettingsError, match="FAL_BOT_EARLY_WARNING"):
        load_settings()
