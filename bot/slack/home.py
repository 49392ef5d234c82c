"""App Home: publishes the home tab (live status, subscriptions, how to use the bot)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """app_home_opened is dispatched by bot.slack.events; nothing to register here yet."""
