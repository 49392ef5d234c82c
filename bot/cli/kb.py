"""`fal-bot kb lint` validates every knowledge entry and checks that the matcher agrees with it;
`fal-bot kb gaps` lists the pastes the bot could not answer.

Besides the schema (bot.diagnosis.read_entries), each entry's examples must rank that entry first,
each declined not_example must get no match, and a `declined: false` not_example must not rank
that entry first. Problems name the file and field, e.g.
`billing-account-locked.yml: examples.2: ranks invalid-key-unknown first`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import linear_re
from bot.cli.textio import output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kb", help="knowledge base tools", description="Knowledge base tools.")
    actions = parser.add_subparsers(dest="kb_command", metavar="ACTION")
    lint = actions.add_parser(
        "lint",
        help="validate every knowledge entry; exit 1 with file and field on any problem",
        description="Validate every knowledge entry; exit 1 with file and field on any problem.",
    )
    lint.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help=(
            "lint only this folder (default: the knowledge base fal-bot loads: the packaged entries "
            "and FAL_BOT_KNOWLEDGE_DIR's beside them, or FAL_BOT_KNOWLEDGE_DIR alone with "
            "FAL_BOT_KNOWLEDGE_ONLY=1)"
        ),
    )
    lint.set_defaults(handler=run_lint)
    gaps = actions.add_parser(
        "gaps",
        help="pastes the bot could not answer (no match, a guess, or a 👎), most frequent first",
        description=(
            "List the pastes fal-bot could not answer (no match, or an answer someone voted 👎), "
            "redacted, grouped by text, most frequent first: what your own knowledge entries "
            "(FAL_BOT_KNOWLEDGE_DIR) could cover. Kept 30 days in FAL_BOT_DB."
        ),
    )
    gaps.add_argument("--json", action="store_true", help='one JSON object: {"gaps": [...]}')
    gaps.add_argument(
        "--since", type=float, default=30.0, metavar="DAYS", help="look back DAYS days (default 30)"
    )
    gaps.set_defaults(handler=run_gaps)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def lint_problems(
    directory: Path | None, *, local: Path | None = None, only: bool = False
) -> tuple[int, int, list[str]]:
    """(entries, texts checked, problems as 'file: field: message') for `directory` alone, or for
    the knowledge base fal-bot loads (packaged + `local`, or `local` alone when `only`)."""
    from bot.diagnosis import Diagnoser, KnowledgeBase, read_entries, read_knowledge

    if directory is not None:
        entries, load_problems = read_entries(directory)
    else:
        entries, load_problems, directory = read_knowledge(local, only=only)
    problems = [str(problem) for problem in load_problems]
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            problems.append(f"{entry.id}.yml: id: duplicate of {seen[entry.id]}")
        seen[entry.id] = f"{entry.id}.yml"
    if not entries:
        return 0, 0, problems
    diagnoser = Diagnoser(KnowledgeBase(entries=entries, directory=directory))
    checked = 0
    for entry in entries:
        name = f"{entry.id}.yml"
        for index, example in enumerate(entry.examples):
            checked += 1
            diagnosis = diagnoser.diagnose(example.text)
            best = diagnosis.best
            if best is None:
                why = (
                    "no entry is a confident match"
                    if diagnosis.fal_related
                    else "nothing in it shows it is about fal (add a fal host, client, FAL_KEY, endpoint id, "
                    "or give the entry a specific message or regex)"
                )
                problems.append(f"{name}: examples.{index}: gets no match ({why})")
            elif best.id != entry.id:
                problems.append(f"{name}: examples.{index}: ranks {best.id} first")
        for index, counter in enumerate(entry.not_examples):
            checked += 1
            diagnosis = diagnoser.diagnose(counter.text)
            best = diagnosis.best
            if counter.declined and best is not None and not diagnosis.declines:
                problems.append(f"{name}: not_examples.{index}: is declined but matches {best.id}")
            elif not counter.declined and best is not None and best.id == entry.id:
                problems.append(f"{name}: not_examples.{index}: ranks this entry first")
    return len(entries), checked, problems


_DIGITS = linear_re.compile(r"\d+")  # "job 4411" and "job 9025" are the same gap


def group_gaps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the same text (once ids, numbers and spacing are set aside) as one gap, with its
    count, first and last time, surfaces, reasons and the entries that were guessed or voted down."""
    from bot.diagnosis.normalize import fuzz_text, normalize

    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = _DIGITS.sub("#", fuzz_text(normalize(row["text"])))[:300]
        group = groups.setdefault(
            key,
            {"count": 0, "text": row["text"], "first_seen": row["created_at"], "surfaces": [], "reasons": [],
             "entries": [], "teams": []},
        )  # fmt: skip
        group["count"] += 1
        group["last_seen"] = row["created_at"]
        for field, value in (("surfaces", row["surface"]), ("reasons", row["reason"]),
                             ("entries", row["entry_id"]), ("teams", row["team_id"])):  # fmt: skip
            if value and value not in group[field]:
                group[field].append(value)
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], -g["last_seen"]))
    for group in ordered:
        for field in ("first_seen", "last_seen"):
            group[field] = datetime.fromtimestamp(group[field], UTC).isoformat(timespec="seconds")
    return ordered


def run_gaps(args: argparse.Namespace) -> int:
    from bot.database import is_postgres_url, redacted_location
    from bot.settings import SettingsError, load_settings
    from bot.store import Store, StoreError, describe_store_error

    try:
        settings = load_settings()
    except SettingsError as exc:
        output(f"fal-bot: {exc}", stream=sys.stderr)
        return 2
    if args.since <= 0:
        output("fal-bot: --since takes a number of days above 0, e.g. --since 7", stream=sys.stderr)
        return 2
    path = settings.fal_bot_db
    rows: list[dict[str, Any]] = []
    if is_postgres_url(path) or Path(path).exists():  # never create a file just to say it is empty
        try:
            store = Store(path)
            rows = store.gaps(args.since * 86400)
            store.close()
        except (*StoreError, OSError) as exc:
            output(
                f"fal-bot: cannot read {redacted_location(path)}: {describe_store_error(exc)}",
                stream=sys.stderr,
            )
            return 1
    gaps = group_gaps(rows)
    if args.json:
        output(json.dumps({"gaps": gaps}, ensure_ascii=False))
        return 0
    if not gaps:
        output(f"No unanswered pastes in the last {args.since:g} days ({path}).")
        return 0
    output(f"{len(rows)} unanswered paste(s), {len(gaps)} distinct, in the last {args.since:g} days:")
    for gap in gaps:
        why = ", ".join(gap["reasons"]) + (f" ({', '.join(gap['entries'])})" if gap["entries"] else "")
        output(f"\n{gap['count']}x  last {gap['last_seen']}  via {', '.join(gap['surfaces'])}  [{why}]")
        for line in gap["text"].splitlines()[:8]:
            output(f"    {line[:200]}")
    return 0


def run_lint(args: argparse.Namespace) -> int:
    from bot.diagnosis import default_knowledge_dir
    from bot.settings import SettingsError, load_settings

    directory = args.directory
    local, only = None, False
    if directory is None:
        try:
            settings = load_settings()
        except SettingsError as exc:
            output(f"fal-bot: {exc}", stream=sys.stderr)
            return 2
        local, only = settings.fal_bot_knowledge_dir, settings.fal_bot_knowledge_only
    entry_count, checked, problems = lint_problems(directory, local=local, only=only)
    for problem in problems:
        output(problem)
    if problems:
        where = directory or " and ".join(str(p) for p in (default_knowledge_dir(), local) if p)
        output(f"kb lint: {len(problems)} problem(s) in {where}", stream=sys.stderr)
        return 1
    output(f"kb lint: {entry_count} entries, {checked} examples and not_examples checked, no problems")
    return 0
