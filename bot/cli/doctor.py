"""`fal-bot doctor [--json]`: check everything fal-bot needs, one line each with its fix.

Exit 0 when every check passes, 1 otherwise (an invalid setting included: it is one of the checks).
Answers within 20 s whatever the network does (bot.runtime.doctor runs the checks at once, each
with a deadline). `--json` prints one object: {"ok": bool, "checks": [{"name", "ok", "detail", "fix"}]}.
"""

from __future__ import annotations

import argparse
import io
import json
import sys

EXIT_ALL_WELL = 0
EXIT_SOMETHING_WRONG = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check settings, Slack tokens and scopes, the database, the status page and the network",
        description=(
            "Check what fal-bot needs to answer: the settings, the bot token (auth.test) and its scopes "
            "against app_manifest.yml, the app-level token (Socket Mode), the database, the status page "
            "and the probe hosts. One line each, with the fix. Exit 0 when all is well, 1 otherwise."
        ),
    )
    parser.add_argument("--json", action="store_true", help='print {"ok": …, "checks": […]}')
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    # imported here: other subcommands start without the doctor's dependencies
    from bot.runtime.doctor import diagnose
    from bot.settings import SettingsError, load_settings

    try:
        settings, problem = load_settings(), None
    except SettingsError as exc:
        settings, problem = None, str(exc)
    checks = diagnose(settings, problem)
    ok = all(check.ok for check in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [check.to_json() for check in checks]}, ensure_ascii=False))
    else:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(errors="replace")
        for check in checks:
            line = f"{'✓' if check.ok else '✗'} {check.name}: {check.detail}"
            print(line if check.ok else f"{line}. Fix: {check.fix}")
        print("all well" if ok else f"{sum(not c.ok for c in checks)} problem(s) found")
    return EXIT_ALL_WELL if ok else EXIT_SOMETHING_WRONG
