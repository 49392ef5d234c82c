"""Events: DMs to the bot (message, channel_type im), @mentions, and App Home opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

# The message listener handles these channel types only (the manifest subscribes message.<type>).
MESSAGE_CHANNEL_TYPES = ("im",)


def register(app: App) -> None:
    @app.event("message")
    def on_message(body: dict[str, Any]) -> None:
        return None

    @app.event("app_mention")
    def on_mention(body: dict[str, Any]) -> None:
        return None

    @app.event("app_home_opened")
    def on_home_opened(body: dict[str, Any]) -> None:
        return None
