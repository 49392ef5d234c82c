"""The message shortcut "Diagnose with fal-bot" (callback_id diagnose_message)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

DIAGNOSE_MESSAGE = "diagnose_message"


def register(app: App) -> None:
    @app.shortcut(DIAGNOSE_MESSAGE)
    def on_diagnose_message(ack: Callable[..., None]) -> None:
        ack()
