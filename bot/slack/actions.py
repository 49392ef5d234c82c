"""Block actions: 👍 / 👎 feedback on a diagnosis."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"


def register(app: App) -> None:
    @app.action(FEEDBACK_UP)
    def on_up(ack: Callable[..., None]) -> None:
        ack()

    @app.action(FEEDBACK_DOWN)
    def on_down(ack: Callable[..., None]) -> None:
        ack()
