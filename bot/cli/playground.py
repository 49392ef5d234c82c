"""`fal-bot playground [--port N] [--no-browser]`: see fal-bot work without a Slack workspace.

The real app (the same wiring, listeners, signed requests and Block Kit as `fal-bot run`) runs against
a built-in Slack stand-in and a simulated fal status page, all on 127.0.0.1; a page that looks like
Slack drives it. No token and no network. Stops on Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import webbrowser
from types import FrameType

from bot.cli.common import settings_or_report
from bot.cli.run import _port

DEFAULT_PORT = 3000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "playground",
        help="try fal-bot without Slack: the real app in a local Slack-like page",
        description=(
            "Run the real app against a built-in Slack stand-in and a simulated fal status page, and "
            "serve a Slack-like page at http://127.0.0.1:PORT/ (a DM with the bot, #general, #alerts, "
            "a panel that switches fal's status). No token, no network. The database is a temporary "
            "SQLite file unless FAL_BOT_DB is set."
        ),
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port for the page (default: {DEFAULT_PORT})"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    parser.set_defaults(handler=handle)


def _open_browser(url: str) -> None:
    if not webbrowser.open(url):
        print(f"fal-bot playground: no browser found here; open {url} yourself", flush=True)


def handle(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from bot.playground.server import PlaygroundServer
    from bot.playground.session import Playground, database_from_settings
    from bot.runtime.startup import StartupError

    started = time.monotonic()
    settings = settings_or_report("fal-bot playground")
    if settings is None:
        return 2
    configure_logging(settings.log_level)
    playground = Playground(db_path=database_from_settings(settings))
    try:
        server = PlaygroundServer(playground, args.port)
    except OSError as exc:
        playground.stop()
        print(
            f"fal-bot playground: cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}); "
            "choose another port with --port.",
            file=sys.stderr,
            flush=True,
        )
        return 2
    try:
        playground.start()
    except StartupError as exc:
        server.stop()
        playground.stop()
        print(f"fal-bot playground: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    server.start()
    print(
        f"fal-bot playground: {server.url} (ready in {time.monotonic() - started:.1f} s; Ctrl-C stops it)",
        flush=True,
    )
    if not args.no_browser:
        # In a thread: some browsers' launchers block until the browser exits.
        threading.Thread(target=_open_browser, args=(server.url,), daemon=True).start()

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    server.stop()
    playground.stop()
    return 0
