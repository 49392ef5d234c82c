"""Root logging whose every line passes through `redact()`, once.

Redaction happens in the formatter, on the final text (message, arguments, exception and stack),
so third-party loggers (Bolt, slack_sdk debug dumps of request bodies) are covered too. (A filter
used to redact the record as well, before the formatter redacted the whole line again: every line
paid for `redact()` twice.)
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from bot.keys import redact

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A Formatter that redacts anything shaped like a fal key from the finished line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send all logging to stderr (or `stream`) through the redacting formatter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_fal_bot_redacting", False):
            root.removeHandler(old)
    handler._fal_bot_redacting = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_third_parties(level)


# Below DEBUG, lines that tell an operator nothing they need:
QUIETER = {
    # waitress warns on every request that has to queue for a worker thread: under a burst of Slack
    # requests that is one line per request, which says nothing /healthz and the ack latency do not.
    "waitress.queue": logging.ERROR,
    # two INFO lines per status poll (~2,900 a day at the defaults)
    "httpx": logging.WARNING,
    # "Failed to send a request to Slack API server": the error is raised to fal-bot, which says
    # what it means and whether it retries; printed here too, every retry read twice
    "slack_sdk.web.base_client": logging.CRITICAL,
}


def quiet_third_parties(level: str) -> None:
    """Keep INFO for what an operator needs; at DEBUG every library says everything again."""
    debug = level.upper() == "DEBUG"
    for name, quieter in QUIETER.items():
        logging.getLogger(name).setLevel(logging.NOTSET if debug else quieter)
