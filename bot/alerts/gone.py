"""One rule for "Slack says this channel, or this whole workspace, is gone for the bot".

Used by the lifecycle events (bot.slack.lifecycle: channel_archive, group_archive,
member_left_channel, app_uninstalled, tokens_revoked) and by the sender when a post is answered
with a channel error (bot.alerts.sender, bot.slack.errors.CHANNEL_GONE).

A gone channel is **paused, not forgotten**: its subscription is kept with the reason, inactive, and
its unsent alerts are dropped. An archived channel can be unarchived and a removed bot invited back;
the subscription's options then survive, App Home shows the channel as paused with why, and
`/fal subscribe` there re-enables it. Removing the row would make alerts vanish without a trace.

A gone workspace (uninstalled, bot token revoked) stops sending and drops its unsent alerts; the next
start whose token works again resumes it (bot.alerts.sender). A token error answered to a post is
not proof of that: the sender confirms it with auth.test and holds its rows (bot.token_watch).
"""

from __future__ import annotations

from bot.alerts.outbox import drop_pending
from bot.store import Store


def channel_gone(store: Store, team_id: str, channel_id: str, reason: str) -> tuple[bool, int]:
    """Pause the channel's subscription (kept, with `reason`) and drop its unsent alerts.

    Returns whether a subscription was paused and how many rows were dropped. StoreError passes
    through: the caller decides how to live with a database that cannot be written."""
    paused = store.disable_subscription(team_id, channel_id, reason)
    dropped = drop_pending(store, team_id, channel_id, reason=reason)
    return paused, dropped


def team_gone(store: Store, team_id: str, reason: str) -> int:
    """Stop the workspace's sending and drop its unsent alerts; returns how many were dropped."""
    store.set_team_sending(team_id, False, reason)
    return drop_pending(store, team_id, reason=reason)
