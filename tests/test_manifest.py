"""app_manifest.yml: valid for Slack, in step with the listeners, and asking for no scope it does not use.

Slack's schema (tests/fixtures/slack/manifest.schema.1.0.0.json) checks the structure only, not
event or scope names, so those are checked here against what create_app really registers.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack.app import listener_inventory
from tests.conftest import FIXTURES, REPO

MANIFEST_PATH = REPO / "app_manifest.yml"
SCHEMA_PATH = FIXTURES / "slack" / "manifest.schema.1.0.0.json"

# The scope each bot event needs, from Slack's event reference (an empty set: no scope needed).
EVENT_SCOPES: dict[str, set[str]] = {
    "app_mention": {"app_mentions:read"},
    "message.im": {"im:history"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.mpim": {"mpim:history"},
    "app_home_opened": set(),
    "app_uninstalled": set(),
    "tokens_revoked": set(),
    "channel_archive": {"channels:read"},
    "channel_deleted": {"channels:read"},
    "group_archive": {"groups:read"},
    "group_deleted": {"groups:read"},
    "member_left_channel": {"channels:read", "groups:read"},
}
# Scopes needed by what the app does rather than by an event it receives.
FEATURE_SCOPES: dict[str, str] = {
    "commands": "the /fal command and the message shortcut",
    "chat:write": "replies, diagnoses and alerts",
    "chat:write.public": "alerts in public channels the bot was not invited to",
    # bot.alerts.sender reads history after a crash to find an alert it may already have posted.
    "channels:history": "exactly-once alerts in public channels (conversations.history/replies)",
    "groups:history": "exactly-once alerts in private channels (conversations.history/replies)",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def inventory() -> Any:
    return listener_inventory()


def test_manifest_is_valid_for_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_http_variant_the_readme_describes_is_valid_too(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    http = copy.deepcopy(manifest)
    url = "https://fal-bot.example.com/slack/events"
    http["settings"]["socket_mode_enabled"] = False
    http["settings"]["event_subscriptions"]["request_url"] = url
    http["settings"]["interactivity"]["request_url"] = url
    for command in http["features"]["slash_commands"]:
        command["url"] = url
    jsonschema.validate(http, schema, cls=jsonschema.Draft7Validator)


def test_every_command_has_a_listener_and_every_listener_is_declared(
    manifest: dict[str, Any], inventory: Any
) -> None:
    declared = {command["command"] for command in manifest["features"]["slash_commands"]}
    assert declared == inventory.commands


def test_every_bot_event_has_a_listener_and_every_listener_is_declared(
    manifest: dict[str, Any], inventory: Any
) -> None:
    declared = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # `message.im` in the manifest is a `message` listener filtered on channel_type in the app.
    assert declared == inventory.bot_events


def test_every_shortcut_has_a_listener_and_every_listener_is_declared(
    manifest: dict[str, Any], inventory: Any
) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    assert {shortcut["callback_id"] for shortcut in shortcuts} == inventory.shortcuts
    diagnose = next(s for s in shortcuts if s["callback_id"] == "diagnose_message")
    assert (diagnose["name"], diagnose["type"]) == ("Diagnose with fal-bot", "message")


def test_interactivity_is_on_for_the_shortcut_and_buttons(manifest: dict[str, Any], inventory: Any) -> None:
    assert inventory.actions or inventory.shortcuts
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_scopes_are_exactly_what_the_events_and_features_need(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    unknown = [name for name in events if name not in EVENT_SCOPES]
    assert not unknown, f"add these events' scopes to EVENT_SCOPES: {unknown}"
    needed = set(FEATURE_SCOPES)
    for name in events:
        missing = EVENT_SCOPES[name] - scopes
        assert not missing, f"{name} needs {missing}"
        needed |= EVENT_SCOPES[name]
    assert scopes == needed, f"scopes nothing needs: {scopes - needed}"
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_every_scope_is_explained_by_a_comment(manifest: dict[str, Any]) -> None:
    lines = MANIFEST_PATH.read_text(encoding="utf-8").splitlines()
    for scope in manifest["oauth_config"]["scopes"]["bot"]:
        index = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- {re.escape(scope)}\s*", line))
        assert lines[index - 1].strip().startswith("#"), f"say why the bot needs {scope}"


def test_app_settings_for_socket_mode_and_a_writable_messages_tab(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["token_rotation_enabled"] is False
    home = manifest["features"]["app_home"]
    assert home == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert manifest["display_information"]["name"] == "fal-bot"
    assert manifest["features"]["bot_user"]["display_name"] == "fal-bot"


def test_the_fal_command_lists_every_subcommand(manifest: dict[str, Any]) -> None:
    (fal,) = manifest["features"]["slash_commands"]
    assert fal["should_escape"] is False
    for subcommand in ("status", "diagnose", "key", "subscribe", "unsubscribe", "help"):
        assert re.search(rf"\b{subcommand}\b", fal["usage_hint"]), subcommand


# Web API methods the code calls, and the bot scopes Slack requires for them.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_history": {"channels:history", "groups:history"},
    "conversations_replies": {"channels:history", "groups:history"},
    "views_publish": set(),
    "auth_test": set(),
}


def _called_methods() -> set[str]:
    source = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "bot").rglob("*.py"))
    return set(
        re.findall(
            r"\bclient\.((?:auth|bots|chat|conversations|reactions|team|users|views)_[A-Za-z_]+)\(", source
        )
    )


def test_every_web_api_method_the_code_calls_has_its_scopes(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    called = _called_methods()
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add these methods' scopes to METHOD_SCOPES: {unknown}"
    for method in called:
        assert METHOD_SCOPES[method] <= scopes, f"{method} needs {METHOD_SCOPES[method] - scopes}"
    # The history scopes are there only for the alert sender's crash check: they go when it does.
    assert "conversations_history" in called and "conversations_replies" in called
