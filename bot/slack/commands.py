"""The /fal slash command: status, diagnose, key, subscribe, unsubscribe, help.

Every subcommand acks at once. `status` answers from the monitor's snapshot inside the ack (no
network); `key` and `help` are pure and answer inside the ack too. Anything that waits on a network
(a status refresh, Web API posts) or may take a while (diagnosis) runs on the app's own executor and
answers through `respond()` or chat.postMessage.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot import linear_re
from bot.alerts.components import component_notes
from bot.incidents.quiet import OFF_WORDS, QuietHours, QuietHoursError
from bot.keys import check_key, contains_key, redact
from bot.slack import blocks
from bot.slack.errors import CHANNEL_GONE, error_code
from bot.slack.replies import diagnose_reply
from bot.slack.services import Services, bound, request_enterprise_id, request_team_id
from bot.store import MinLevel, StoreError, Subscription, describe_store_error

log = logging.getLogger(__name__)

COMMAND = "/fal"
# What register() listens to; the manifest's slash commands are checked against it.
COMMANDS = (COMMAND,)
STATUS_GRACE_SECONDS = 2.0


# -- /fal subscribe options ----------------------------------------------------------------------
MIN_LEVELS: dict[str, MinLevel] = {
    "degraded": "degraded",
    "partial": "partial_outage",
    "partial_outage": "partial_outage",
    "major": "major_outage",
    "major_outage": "major_outage",
}
SWITCH = {"on": True, "off": False, "yes": True, "no": False, "true": True, "false": False}
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "‘": "'", "’": "'"})
_OPTION = linear_re.compile(r"""\s*(?P<name>[A-Za-z_]+)\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"']+)\s*""")


_SHARE = linear_re.compile(r"share(?:\s+|$)", re.IGNORECASE)


class OptionError(ValueError):
    """A /fal subscribe option the user got wrong; the message says which and why."""


@dataclass(frozen=True)
class SubscribeOptions:
    min_level: MinLevel = "degraded"
    maintenance: bool = True
    components: tuple[str, ...] = ()
    early: bool = False
    quiet: str | None = None  # "22:00-08:00", UTC


def parse_subscribe_options(text: str) -> SubscribeOptions:
    """`min=partial maintenance=off components="Queue API, Realtime"`, any order, smart quotes too."""
    # Problems quote the user's words: redact first, so even a cut never shows part of a key.
    text = redact(text.translate(_SMART_QUOTES)).strip()
    seen: dict[str, str] = {}
    position = 0
    unquoted_components = False
    while position < len(text):
        match = _OPTION.match(text, position)
        if match is None:
            rest = text[position:].strip().split()[0] if text[position:].strip() else text[position:]
            if unquoted_components:
                # components=Queue API: the name went on past its first word
                raise OptionError(
                    f"“{rest[:40]}” looks like the rest of a component name: put names with spaces in "
                    'quotes, e.g. components="Queue API, Realtime".'
                )
            raise OptionError(f"I don't understand “{rest[:40]}”: options look like name=value.")
        name = match.group("name").lower()
        if name in seen:
            raise OptionError(f"“{name}” is given twice.")
        value = match.group("value")
        if value[:1] in "\"'":
            value = value[1:-1]
        unquoted_components = name == "components" and value[:1] not in "\"'"
        seen[name] = value.strip()
        position = match.end()
    options = SubscribeOptions()
    for name, value in seen.items():
        if name == "min":
            level = MIN_LEVELS.get(value.lower())
            if level is None:
                raise OptionError(
                    f"min={value[:30]} is not a severity: use min=degraded, min=partial or min=major."
                )
            options = replace(options, min_level=level)
        elif name == "maintenance":
            switch = SWITCH.get(value.lower())
            if switch is None:
                raise OptionError(f"maintenance={value[:30]}: use maintenance=on or maintenance=off.")
            options = replace(options, maintenance=switch)
        elif name == "components":
            names = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
            if value.strip().lower() in {"all", "*"}:
                names = ()
            elif not names:
                raise OptionError('components= is empty: name them, e.g. components="Queue API, Realtime".')
            if any(len(part) > 100 for part in names) or len(names) > 50:
                raise OptionError("components= is too long: give at most 50 names of 100 characters each.")
            options = replace(options, components=names)
        elif name == "early":
            switch = SWITCH.get(value.lower())
            if switch is None:
                raise OptionError(f"early={value[:30]}: use early=on or early=off.")
            options = replace(options, early=switch)
        elif name == "quiet":
            if value.lower() in OFF_WORDS:
                options = replace(options, quiet=None)
                continue
            try:
                options = replace(options, quiet=str(QuietHours.parse(value)))
            except QuietHoursError as problem:
                raise OptionError(str(problem)) from None
        else:
            raise OptionError(
                f"“{name[:30]}” is not an option: use min=, maintenance=, components=, early= or quiet=."
            )
    return options


# -- the listener ---------------------------------------------------------------------------------
def split_subcommand(text: str) -> tuple[str, str]:
    stripped = (text or "").strip()
    if not stripped:
        return "", ""
    head, _, rest = stripped.partition(" ")
    head_lower = head.lower()
    # "diagnose\n<paste>" has no space after the subcommand.
    if "\n" in head:
        head, _, more = head.partition("\n")
        head_lower = head.lower()
        rest = more + (" " + rest if rest else "")
    return head_lower, rest.strip()


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(bound(on_fal, services))


def on_fal(
    services: Services, ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    answer = immediate_answer(services, command)
    if answer is not None:
        ack(**answer)
        return
    subcommand, rest = split_subcommand(str(command.get("text") or ""))
    team_id = request_team_id(command, context)
    channel_id = str(command.get("channel_id") or "")
    user_id = str(command.get("user_id") or "")
    if subcommand == "status":
        _status_pending(services, ack, respond)
    elif subcommand == "diagnose":
        _diagnose(services, ack, respond, rest, team_id, user_id)
    elif subcommand == "subscribe":
        enterprise_id = request_enterprise_id(command, context)
        _subscribe(services, ack, respond, team_id, channel_id, user_id, rest, enterprise_id=enterprise_id)
    else:  # unsubscribe: immediate_answer takes every other subcommand
        ack()
        services.submit(
            lambda: _unsubscribe_work(services, respond, team_id, channel_id, user_id), "unsubscribe"
        )


def answer_before_bolt(services: Services, body: Mapping[str, Any]) -> dict[str, Any] | None:
    """immediate_answer() for a signed slash command's fields, for the HTTP layer: only for the
    command this module registers, and only with one workspace's token (with OAuth, Bolt first
    checks that the workspace has an install)."""
    if services.oauth is not None or body.get("command") not in COMMANDS:
        return None
    return immediate_answer(services, body)


def immediate_answer(services: Services, command: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ack of a /fal command whose whole answer is that ack (`status` once the monitor has a
    reading, `key`, `help`, an unknown subcommand), as `ack()`'s keyword arguments; None when the
    command has more to do (a diagnosis, a subscription, a first status reading).

    Pure and fast: besides on_fal, the HTTP layer calls it on a signed command before Bolt
    (bot.runtime.http), so the commands people run most are answered without Bolt's per-request
    work, which is most of an ack's time."""
    text = str(command.get("text") or "")
    subcommand, rest = split_subcommand(text)
    if subcommand == "status":
        if services.monitor is not None and services.monitor.latest() is None:
            return None  # "checking…" and a refresh: _status_pending
        return _ephemeral(services.status_answer())
    if subcommand in ("diagnose", "subscribe", "unsubscribe"):
        return None
    if subcommand == "key":
        return _key_answer(rest)
    if contains_key(text):
        return _key_answer(text.strip())  # a bare key: warn, never echo it
    note = None
    if subcommand not in ("", "help"):
        note = f"I don't know “{redact(subcommand)[:30]}”. Here is what I can do:"
    return _ephemeral(blocks.help_message(blocks.escape(note) if note else None))


def _ephemeral(message: blocks.Message) -> dict[str, Any]:
    return {**message.as_kwargs(), "response_type": "ephemeral"}


# -- status ---------------------------------------------------------------------------------------
def _status_pending(services: Services, ack: Ack, respond: Respond) -> None:
    """No reading yet: "Checking fal's status…" in the ack, the answer through respond()."""
    ack(**_ephemeral(services.status_answer()))
    services.submit(lambda: _status_after_refresh(services, respond), "status refresh", waits=True)


def _status_after_refresh(services: Services, respond: Respond) -> None:
    """No snapshot yet: refresh (bounded by the status deadline) and answer through respond()."""
    monitor = services.monitor
    assert monitor is not None
    done = threading.Event()

    def refresh() -> None:
        try:
            monitor.refresh()
        finally:
            done.set()

    # The fetch has its own deadline; this thread only guarantees we answer even if it overruns.
    threading.Thread(target=refresh, name="status-refresh", daemon=True).start()
    finished = done.wait(services.settings.fal_bot_status_deadline_seconds + STATUS_GRACE_SECONDS)
    if not finished and monitor.latest() is None:
        respond(**_ephemeral(blocks.status_timeout_message()), replace_original=True)
        return
    respond(**_ephemeral(services.status_answer()), replace_original=True)


# -- diagnose -------------------------------------------------------------------------------------
def _diagnose(
    services: Services, ack: Ack, respond: Respond, rest: str, team_id: str, user_id: str | None = None
) -> None:
    shared = _SHARE.match(rest)
    share = shared is not None
    if shared is not None:
        rest = rest[shared.end() :]
    if not rest:
        ack(**_ephemeral(blocks.usage_hint("command")))
        return
    ack()

    def work() -> None:
        message = diagnose_reply(
            services, rest, surface="command", team_id=team_id, shareable=not share, user_id=user_id
        )
        response_type = "in_channel" if share else "ephemeral"
        respond(**message.as_kwargs(), response_type=response_type, replace_original=False)

    services.submit(work, "diagnose command")


# -- key ------------------------------------------------------------------------------------------
def _key_answer(value: str) -> dict[str, Any]:
    if not value:
        return _ephemeral(blocks.key_usage())
    return _ephemeral(blocks.key_check_message(check_key(value), exposed=contains_key(value)))


# -- subscribe / unsubscribe ----------------------------------------------------------------------
def _subscribe(
    services: Services,
    ack: Ack,
    respond: Respond,
    team_id: str,
    channel_id: str,
    user_id: str,
    rest: str,
    *,
    enterprise_id: str | None = None,
) -> None:
    try:
        options = parse_subscribe_options(rest)
    except OptionError as problem:
        ack(**_ephemeral(blocks.subscribe_error_message(str(problem))))
        return
    ack()
    subscription = Subscription(
        team_id=team_id,
        channel_id=channel_id,
        min_level=options.min_level,
        maintenance=options.maintenance,
        components=options.components,
        created_by=user_id,
        early=options.early,
        quiet=options.quiet,
        enterprise_id=enterprise_id,
    )
    services.submit(lambda: _subscribe_work(services, respond, subscription, user_id), "subscribe")


def post_in_channel(services: Services, channel_id: str, message: blocks.Message) -> str | None:
    """Post `message` in the channel; None when posted, else Slack's error code.

    chat:write.public lets the bot post in any public channel; a private channel it was not invited
    to answers channel_not_found or not_in_channel, and only an invite can change that.
    """
    try:
        client = services.request_client()
        client.chat_postMessage(channel=channel_id, **message.as_kwargs())
        return None
    except SlackApiError as exc:
        return error_code(exc) or "unknown_error"


def _subscribe_work(services: Services, respond: Respond, subscription: Subscription, user_id: str) -> None:
    store = services.store
    try:
        previous = store.subscription(subscription.team_id, subscription.channel_id)
        stored = store.subscribe(subscription)
    except StoreError as exc:
        log.warning(
            "subscribe in %s not saved: database: %s", subscription.channel_id, describe_store_error(exc)
        )
        respond(**_ephemeral(blocks.storage_error_message("this channel's subscription")))
        return
    snapshot = services.monitor.latest() if services.monitor is not None else None
    notes = component_notes(stored.components, snapshot)  # the cached reading: no fetch here
    confirmation = blocks.subscribed_message(stored, user_id, notes)
    error = post_in_channel(services, subscription.channel_id, confirmation)
    if error is None:
        log.info("team %s channel %s subscribed", subscription.team_id, subscription.channel_id)
        return
    # The channel cannot be told, so it would not get alerts either: undo.
    if previous is not None and error not in CHANNEL_GONE:
        store.subscribe(previous)
    else:
        store.unsubscribe(subscription.team_id, subscription.channel_id)
    log.info("subscribe in %s undone: %s", subscription.channel_id, error)
    respond(**_ephemeral(blocks.cannot_post_message(error, subscription.channel_id)))


def _unsubscribe_work(
    services: Services, respond: Respond, team_id: str, channel_id: str, user_id: str
) -> None:
    try:
        removed = services.store.unsubscribe(team_id, channel_id)
    except StoreError as exc:
        log.warning("unsubscribe in %s not saved: database: %s", channel_id, describe_store_error(exc))
        respond(**_ephemeral(blocks.storage_error_message("the end of this channel's subscription")))
        return
    if not removed:
        respond(**_ephemeral(blocks.not_subscribed_message()))
        return
    log.info("team %s channel %s unsubscribed", team_id, channel_id)
    message = blocks.unsubscribed_message(user_id)
    if post_in_channel(services, channel_id, message) is not None:
        respond(**_ephemeral(message))  # still tell the person who asked
