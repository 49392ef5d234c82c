"""The /fal slash command and its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

COMMAND = "/fal"

HELP = "fal-bot: /fal status | diagnose <text> | key <value> | subscribe [options] | unsubscribe | help"


def register(app: App) -> None:
    @app.command(COMMAND)
    def on_fal(ack: Callable[..., None], command: dict[str, Any]) -> None:
        ack(text=HELP, response_type="ephemeral")
