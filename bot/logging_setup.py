"""Root logging whose every line passes through `redact()`, once.

Redaction happens in the formatter, on the final text (message, arguments, exception and stack),
so third-party loggers (Bolt, slack_sdk debug dumps of request bodies) are covered too. (A filter
used to redact the record as well, before the formatter redacted the whole line again: every line
paid for `redact()` twice.)

`LOG_FORMAT=json` uses python-json-logger instead: one JSON object a line with `ts`, `level`,
`logger`, `message`, `team_id` once known, and a traceback as the `exc_info` field. There every
value is redacted once before it is serialised (redacting the finished line could cut a JSON escape
in two). Python's warnings and uncaught exceptions (main thread and others) go through logging too,
so every line the process writes is such an object.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.keys import redact
from bot.settings import LogFormat

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# python-json-logger's field names -> the ones fal-bot's JSON lines carry (`ts` is its timestamp).
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
JSON_RENAMES = {"levelname": "level", "name": "logger"}

# The Slack workspace the current work is for: set per request (bot.slack.app) and per alert row,
# with the workspace fal-bot was started for as the fallback.
_team_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("fal_bot_team_id", default=None)
_default_team_id: str | None = None


class RedactingFormatter(logging.Formatter):
    """A Formatter that redacts anything shaped like a fal key from the finished line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _redacted(value: Any) -> Any:
    """`value` with every string in it redacted; what JSON cannot hold becomes its redacted str()."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, datetime):  # `ts`: ISO 8601 in UTC, to the millisecond
        return value.isoformat(timespec="milliseconds")
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(key): _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return redact(str(value))


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, every value redacted before the line is serialised."""

    def __init__(self) -> None:
        super().__init__(JSON_FIELDS, rename_fields=JSON_RENAMES, timestamp="ts", json_ensure_ascii=False)

    def process_log_record(self, log_record: dict[str, Any]) -> dict[str, Any]:
        return {key: _redacted(value) for key, value in log_record.items()}


class _TeamId(logging.Filter):
    """Adds `team_id` to each record when the workspace of the work being logged is known."""

    def filter(self, record: logging.LogRecord) -> bool:
        team_id = _team_id.get() or _default_team_id
        if team_id and not hasattr(record, "team_id"):
            record.team_id = team_id
        return True


def set_default_team_id(team_id: str | None) -> None:
    """The workspace fal-bot runs for (from auth.test at start), for lines no request names one for."""
    global _default_team_id
    _default_team_id = team_id or None


def set_team_id(team_id: str | None) -> None:
    """From now on, in this thread (and work copied from it with contextvars), log lines carry
    `team_id`: for Bolt middleware, whose `next()` returns before the listener runs."""
    _team_id.set(team_id or None)


@contextmanager
def team_context(team_id: str | None) -> Iterator[None]:
    """Log lines written inside carry this `team_id` (work copied with contextvars keeps it)."""
    token = _team_id.set(team_id or None)
    try:
        yield
    finally:
        _team_id.reset(token)


def configure_logging(level: str = "INFO", stream: TextIO | None = None, fmt: LogFormat = "text") -> None:
    """Send all logging to stderr (or `stream`) through the redacting formatter (`fmt` json: the
    redacting JSON formatter, with warnings and uncaught exceptions logged too)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(RedactingJsonFormatter())
        handler.addFilter(_TeamId())
    else:
        handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_fal_bot_redacting", False):
            root.removeHandler(old)
    handler._fal_bot_redacting = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_third_parties(level)
    if fmt == "json":
        _route_everything_through_logging()


def _route_everything_through_logging() -> None:
    """Warnings and uncaught exceptions would be printed as plain text; log them instead."""
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], value: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, traceback)
        return
    logging.getLogger("fal_bot.uncaught").critical("uncaught exception", exc_info=(kind, value, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("fal_bot.uncaught").critical(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


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
