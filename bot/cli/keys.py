"""`fal-bot check-key [VALUE] [--env] [--json]`: check a fal key's format without ever echoing it."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping

from bot.cli.textio import output, read_stdin_bytes

MAX_KEY_BYTES = 1_000_000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check-key",
        help="check a fal API key's format (never prints it)",
        description=(
            "Check a fal key's format. VALUE, else standard input (the one newline ending the line is not "
            "part of the value). Prints at most the secret's last 4 characters. Exit 0 when ok, 1 otherwise."
        ),
    )
    parser.add_argument("value", nargs="?", help="the key; standard input when absent or '-'")
    parser.add_argument(
        "--env",
        action="store_true",
        help="check FAL_KEY, else FAL_KEY_ID:FAL_KEY_SECRET, exactly as fal's clients read them",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def stdin_value(data: bytes) -> str:
    """Standard input as a key value: exactly one line ending (\\n or \\r\\n) is not part of it."""
    text = data.decode("utf-8", errors="replace")
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def run(args: argparse.Namespace) -> int:
    from bot.keys import KeyCheck, check_key, finding, key_from_env

    if args.env and args.value is not None:
        output("fal-bot: give either VALUE or --env, not both", stream=sys.stderr)
        return 2
    if args.env:
        value = key_from_env(os.environ)
        if value is None:
            result = KeyCheck("problem", "", (finding("empty", _no_key_in_env(os.environ)),))
        else:
            result = check_key(value)
        source = "FAL_KEY" if os.environ.get("FAL_KEY") else "FAL_KEY_ID:FAL_KEY_SECRET"
    elif args.value is not None and args.value != "-":
        result = check_key(args.value)
        source = "the argument"
    else:
        result = check_key(stdin_value(read_stdin_bytes(MAX_KEY_BYTES)))
        source = "standard input"

    if args.json:
        output(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        output(render_text(result, source))
    return 0 if result.verdict == "ok" else 1


def render_text(result: object, source: str) -> str:
    from bot.keys import KeyCheck

    assert isinstance(result, KeyCheck)
    shown = f" ({result.masked})" if result.masked else ""
    if result.verdict == "ok":
        head = f"The key from {source}{shown} looks right."
    else:
        head = f"The key from {source}{shown} has a problem:"
    lines = [head]
    for item in result.findings:
        label = "note" if item.code == "unexpected_shape" else "problem"
        lines.append(f"  - [{item.code}] {label}: {item.message}")
    if result.verdict == "ok":
        lines.append("This checks the format only; fal decides whether the key is valid.")
    return "\n".join(lines)


def _no_key_in_env(environ: Mapping[str, str]) -> str:
    """Why `--env` found no key, naming the half that is missing when only one is set."""
    has_id, has_secret = bool(environ.get("FAL_KEY_ID")), bool(environ.get("FAL_KEY_SECRET"))
    if has_id != has_secret:
        present, missing = ("FAL_KEY_ID", "FAL_KEY_SECRET") if has_id else ("FAL_KEY_SECRET", "FAL_KEY_ID")
        return (
            f"{present} is set but {missing} is missing (or empty), and FAL_KEY is not set, so fal's "
            f"clients have no key to send. Set {missing} too, or set FAL_KEY to `<key_id>:<key_secret>` "
            "from fal.ai/dashboard/keys."
        )
    return (
        "Neither FAL_KEY nor both FAL_KEY_ID and FAL_KEY_SECRET are set (or they are empty) in this "
        "environment, so fal's clients have no key to send. Set FAL_KEY to `<key_id>:<key_secret>` "
        "from fal.ai/dashboard/keys."
    )
