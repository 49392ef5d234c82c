"""Slack events that end or pause alert delivery (uninstall, revoked tokens, archived or left channels).

- `app_uninstalled`, `tokens_revoked` (when the bot's token is among the revoked ones): the team's
  sending stops and its unsent alerts are dropped. A later start whose token works again resumes it
  (bot.alerts.sender checks auth.test at start). With OAuth installs (many workspaces), the
  workspace's installation and all its data are deleted instead: a reinstall starts afresh.
- `channel_archive`, `group_archive`, `member_left_channel` when the member who left is this bot,
  and a `message` with subtype `channel_archive` / `group_archive`: the channel's subscription is
  paused (kept with the reason, shown in App Home, `/fal subscribe` re-enables it) and its unsent
  alerts dropped: the same rule as the sender's channel errors (bot.alerts.gone).
Every handler is idempotent, so a retried event does no harm either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.alerts.gone import channel_gone, team_gone
from bot.slack.services import Services, ServicesMiddleware, bound, request_enterprise_id, request_team_id
from bot.store import Store, StoreError, describe_store_error

log = logging.getLogger(__name__)

ARCHIVE_MESSAGE_SUBTYPES = frozenset({"channel_archive", "group_archive"})


def stop_team(store: Store, team_id: str, reason: str) -> None:
    try:
        dropped = team_gone(store, team_id, reason)
    except StoreError as exc:
        log.warning(
            "team %s: %s, but the database cannot record it (%s)", team_id, reason, describe_store_error(exc)
        )
        return
    log.warning("team %s: %s; alert sending stopped (%d unsent alerts dropped)", team_id, reason, dropped)


def stop_channel(store: Store, team_id: str, channel_id: str, reason: str) -> None:
    """The channel is gone for the bot: its subscription is paused, not removed (bot.alerts.gone)."""
    try:
        paused, dropped = channel_gone(store, team_id, channel_id, reason)
    except StoreError as exc:
        log.warning(
            "channel %s/%s: %s, but the database cannot record it (%s)",
            team_id,
            channel_id,
            reason,
            describe_store_error(exc),
        )
        return
    if paused or dropped:
        log.info(
            "channel %s/%s: %s; subscription paused (%d unsent alerts dropped)",
            team_id,
            channel_id,
            reason,
            dropped,
        )


def bot_user_ids(body: dict[str, Any], context: dict[str, Any]) -> set[str]:
    """This bot's user id(s): from auth.test (Bolt's context) and the event's bot authorizations."""
    ids = {str(context["bot_user_id"])} if context.get("bot_user_id") else set()
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot") and authorization.get("user_id"):
            ids.add(str(authorization["user_id"]))
    return ids


# What register() subscribes to; the manifest's bot_events are checked against it.
EVENTS = ("app_uninstalled", "tokens_revoked", "channel_archive", "group_archive", "member_left_channel")


def register(app: App, services: Services) -> None:
    app.event("app_uninstalled")(bound(on_app_uninstalled, services))
    app.event("tokens_revoked")(bound(on_tokens_revoked, services))
    app.event("channel_archive")(bound(on_channel_archive, services))
    app.event("group_archive")(bound(on_channel_archive, services))
    app.event("member_left_channel")(bound(on_member_left, services))
    # The "channel archived" message arrives as a `message` event, which the DM listener (registered
    # first; Bolt runs only the first matching listener) also matches: catch it in a middleware.
    app.use(ArchivedChannelMessages(services))


def forget_workspace(store: Store, team_id: str, enterprise_id: str | None, reason: str) -> None:
    """OAuth installs: the workspace removed the app, so its installation and data go. With no
    workspace (`team_id` empty) it is an Enterprise Grid org that removed its org-wide install:
    that install goes, with the data of the org's workspaces that have none of their own."""
    who = f"team {team_id}" if team_id else f"org {enterprise_id}"
    try:
        deleted = store.forget_workspace(team_id) if team_id else store.forget_org(enterprise_id or "")
    except StoreError as exc:
        log.warning(
            "%s: %s, but the database cannot delete its data (%s)", who, reason, describe_store_error(exc)
        )
        return
    log.warning("%s: %s; its installation and data were deleted (%d rows)", who, reason, deleted)


def _workspace_gone(services: Services, body: dict[str, Any], context: dict[str, Any], reason: str) -> None:
    if services.oauth is None:
        stop_team(services.store, request_team_id(body, context), reason)
        return
    enterprise_id = request_enterprise_id(body, context)
    if context.get("is_enterprise_install") and enterprise_id:
        forget_workspace(services.store, "", enterprise_id, reason)  # the org-wide install
    else:
        forget_workspace(services.store, request_team_id(body, context), enterprise_id, reason)


def on_app_uninstalled(services: Services, body: dict[str, Any], context: dict[str, Any]) -> None:
    _workspace_gone(services, body, context, "app_uninstalled")


def on_tokens_revoked(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
) -> None:
    tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else None
    # Only user (oauth) tokens revoked: the bot token still posts. No detail: assume the worst.
    if tokens is None or tokens.get("bot"):
        _workspace_gone(services, body, context, "tokens_revoked")
    else:
        log.info("tokens_revoked for user tokens only; the bot token is unaffected")


def on_channel_archive(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
) -> None:
    """channel_archive and group_archive (a private channel)."""
    if event.get("channel"):
        stop_channel(
            services.store, request_team_id(body, context), str(event["channel"]), "channel archived"
        )


def on_member_left(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
) -> None:
    if event.get("channel") and event.get("user") in bot_user_ids(body, context):
        stop_channel(
            services.store, request_team_id(body, context), str(event["channel"]), "the bot left the channel"
        )


class ArchivedChannelMessages(ServicesMiddleware):
    """A channel's "archived" message removes its subscription (whatever listener matches it)."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        event = body.get("event") if body.get("type") == "event_callback" else None
        if (
            isinstance(event, dict)
            and event.get("type") == "message"
            and event.get("subtype") in ARCHIVE_MESSAGE_SUBTYPES
            and event.get("channel")
        ):
            try:
                stop_channel(
                    self.services.store,
                    request_team_id(body, req.context),
                    str(event["channel"]),
                    "channel archived",
                )
            except Exception:
                log.exception("could not remove the subscription of an archived channel")
        return next()
