"""`fal-bot run [--mode socket|http] [--port N] [--host H]`: run the Slack app until SIGTERM/SIGINT.

Exit 0 after a clean stop, 2 when a token, secret or setting cannot work (one line on stderr naming
the variable and where to get it), 1 when Slack cannot be reached at start-up or when the database
file (FAL_BOT_DB) is deleted or replaced while it runs (a supervisor then restarts it on a fresh file).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from bot.cli.common import settings_or_report

DEFAULT_HOST = "0.0.0.0"  # all interfaces: what a container needs; use --host 127.0.0.1 behind a proxy


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the Slack app (Socket Mode or HTTP)",
        description=(
            "Run the Slack app. Socket Mode when SLACK_APP_TOKEN is set, else HTTP (POST /slack/events). "
            "Both serve GET /healthz on PORT. Stops cleanly on SIGTERM or SIGINT."
        ),
    )
    parser.add_argument(
        "--mode",
        choices=("socket", "http"),
        help="default: socket when SLACK_APP_TOKEN is set, else http",
    )
    parser.add_argument("--port", type=_port, help="port for HTTP and /healthz (default: PORT, else 3000)")
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    parser.set_defaults(handler=handle)


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 65535")
    return number


def _fail(message: str, code: int, json_logs: bool = False) -> int:
    """One line on stderr: plain, or with LOG_FORMAT=json a log record like every other line."""
    if json_logs:
        logging.getLogger("bot.cli.run").error("fal-bot: %s", message)
    else:
        print(f"fal-bot: {message}", file=sys.stderr, flush=True)
    return code


def handle(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from bot.runtime import startup, tokens, wiring

    if _json_logs_asked():  # before the settings: even their error is then a JSON line
        configure_logging("INFO", fmt="json")
    settings = settings_or_report("fal-bot", log=_json_logs_asked())
    if settings is None:
        return startup.EXIT_CONFIG

    configure_logging(settings.log_level, fmt=settings.log_format)
    mode = tokens.resolve_mode(settings, args.mode)
    port = args.port if args.port is not None else settings.port

    stop = threading.Event()
    signals_seen: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signals_seen.append(signum)
        if len(signals_seen) > 1:  # a second Ctrl-C: stop waiting for in-flight work
            os._exit(130 if signum == signal.SIGINT else 143)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = wiring.run(settings, mode, args.host, port, stop)
    except startup.StartupError as exc:
        return _fail(str(exc), exc.exit_code, json_logs=settings.log_format == "json")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return _exit_now_if_stuck(code)


def _json_logs_asked() -> bool:
    """LOG_FORMAT as given, for the moment before the settings are read (they may be invalid)."""
    return os.environ.get("LOG_FORMAT", "").strip().lower() == "json"


def _exit_now_if_stuck(code: int) -> int:
    """Work that ignored the shutdown deadline must not keep the process alive past it: executor
    threads are joined at interpreter exit, so leave without them."""
    stuck = [t.name for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    if stuck:
        logging.getLogger(__name__).warning("exiting with work still running in %s", ", ".join(stuck))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
