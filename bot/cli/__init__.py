"""The `fal-bot` command line. Each subcommand lives in its own module with `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__


def build_parser() -> argparse.ArgumentParser:
    from bot.cli import db, diagnose, doctor, kb, keys, playground, run, status

    parser = argparse.ArgumentParser(
        prog="fal-bot",
        description=(
            "Diagnose fal.ai errors, check keys, show fal's status, run the Slack app, or try it without "
            "Slack (fal-bot playground)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"fal-bot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (playground, run, diagnose, keys, status, kb, doctor, db):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
