"""`fal-bot kb lint`: validate every knowledge entry and check that the matcher agrees with it.

Besides the schema (bot.diagnosis.read_entries), each entry's examples must rank that entry first,
each declined not_example must get no match, and a `declined: false` not_example must not rank
that entry first. Problems name the file and field, e.g.
`billing-account-locked.yml: examples.2: ranks invalid-key-unknown first`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
            best = diagnoser.diagnose(counter.text).best
            if counter.declined and best is not None:
                problems.append(f"{name}: not_examples.{index}: is declined but matches {best.id}")
            elif not counter.declined and best is not None and best.id == entry.id:
                problems.append(f"{name}: not_examples.{index}: ranks this entry first")
    return len(entries), checked, problems


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
