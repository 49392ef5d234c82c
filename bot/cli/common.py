"""What several `fal-bot` commands do the same way: load the settings or say why they cannot work."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

EXIT_BAD_SETTINGS = 2


def settings_or_report(prog: str, *, log: bool = False) -> Settings | None:
    """The settings from the environment, or None after one line `<prog>: <problem>` on stderr
    (the caller then exits with EXIT_BAD_SETTINGS). `log`: write that line as a log record (JSON logs)."""
    # imported here: `fal-bot diagnose` and `check-key` start faster without pydantic-settings
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        if log:
            logging.getLogger("bot.cli").error("%s: %s", prog, exc)
        else:
            print(f"{prog}: {exc}", file=sys.stderr, flush=True)
        return None
