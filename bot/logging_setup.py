"""Root logging whose every line passes through `redact()`.

Redaction happens in the formatter, on the final text (message, arguments, exception and stack),
so third-party loggers (Bolt, slack_sdk debug dumps of request bodies) are covered too.
"""

from __future__ import annotations

import logging
import sys

from bot.keys import redact

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A Formatter that redacts anything shaped like a fal key from the finished line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingFilter(logging.Filter):
    """Redacts the record itself, for handlers that format records with their own formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send all logging to stderr through the redacting formatter and filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_fal_bot_redacting", False):
            root.removeHandler(old)
    handler._fal_bot_redacting = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
