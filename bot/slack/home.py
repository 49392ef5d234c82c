"""App Home: the home tab with live status, this workspace's subscriptions and how to use the bot.

Published with views.publish when a user opens the tab (dispatched from bot.slack.events), always
off the ack path.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack.errors import error_code
from bot.slack.services import Services

log = logging.getLogger(__name__)


def current_status(services: Services) -> blocks.Message:
    """The status answer, refreshing first when there is no snapshot yet (blocking: off the ack path)."""
    if services.monitor is not None and services.monitor.latest() is None:
        services.monitor.refresh()
    return services.status_answer()


def publish_home(services: Services, team_id: str, user_id: str) -> None:
    monitor = services.monitor
    if monitor is not None and monitor.latest() is None:
        monitor.refresh()
    view = blocks.home_view(
        monitor.latest() if monitor else None,
        monitor.last_good() if monitor else None,
        monitor.age_seconds() if monitor else None,
        services.store.subscriptions(team_id),
    )
    try:
        client = services.request_client()
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user_id, error_code(exc))


def register(app: App, services: Services) -> None:
    """app_home_opened is dispatched by bot.slack.events; the home tab has no listeners of its own."""
