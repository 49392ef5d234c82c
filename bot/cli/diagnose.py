"""`fal-bot diagnose [TEXT] [--json] [--jsonl]`: diagnose pasted error text from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.cli.textio import output, read_stdin_text

if TYPE_CHECKING:
    from bot.diagnosis import Diagnoser, Diagnosis
    from bot.incidents import IncidentContext
    from bot.status import StatusSnapshot

MAX_TEXT_BYTES = 1_000_000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="diagnose a fal error text (argument or standard input)",
        description="Diagnose a pasted fal.ai error: what is wrong and how to fix it.",
    )
    parser.add_argument("text", nargs="?", help="the error text; standard input when absent or '-'")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help="batch: each input line is a JSON string; one JSON object per line",
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="also read fal's status page once (FAL_STATUS_URL, with its deadline) and lead with an "
        'open incident when it can explain the error; --json then has an "incident" key',
    )
    parser.set_defaults(handler=run)


def load_diagnoser() -> Diagnoser:
    """The Diagnoser over the configured knowledge base (FAL_BOT_KNOWLEDGE_DIR or the packaged one)."""
    from bot.diagnosis import Diagnoser, load_knowledge
    from bot.settings import load_settings

    settings = load_settings()
    return Diagnoser(load_knowledge(settings.fal_bot_knowledge_dir, only=settings.fal_bot_knowledge_only))


def read_status() -> StatusSnapshot | None:
    """fal's status, read once within FAL_BOT_STATUS_DEADLINE_SECONDS (at most the status command's
    own cap); None when the settings are invalid (the diagnosis still works without it)."""
    from bot.cli.status import CLI_MAX_DEADLINE
    from bot.settings import SettingsError, load_settings
    from bot.status import StatusClient

    try:
        settings = load_settings()
    except SettingsError as exc:
        output(f"fal-bot diagnose --status: {exc}", stream=sys.stderr)
        return None
    deadline = min(settings.fal_bot_status_deadline_seconds, CLI_MAX_DEADLINE)
    client = StatusClient(settings.fal_status_url, deadline_seconds=deadline)
    try:
        return client.fetch()
    finally:
        client.close()


def with_incident(result: dict[str, Any], incident: IncidentContext | None) -> dict[str, Any]:
    """`diagnose --status --json`: "incident" is the object, or null."""
    return {**result, "incident": incident.to_json() if incident is not None else None}


def run(args: argparse.Namespace) -> int:
    from bot.diagnosis import KnowledgeError, warm_for_many_pastes
    from bot.settings import SettingsError

    if args.jsonl and args.text not in (None, "-"):
        output("fal-bot: --jsonl reads standard input; give no TEXT", stream=sys.stderr)
        return 2
    try:
        # a batch reads many pastes: every first-use flag up front, not inside some paste's time, and
        # the knowledge base loaded without collections and then kept out of the collector's way
        diagnoser = warm_for_many_pastes(load_diagnoser) if args.jsonl else load_diagnoser()
    except (KnowledgeError, SettingsError) as exc:
        output(f"fal-bot: cannot load the knowledge base:\n{exc}", stream=sys.stderr)
        return 2
    if args.jsonl:
        return _run_jsonl(diagnoser, read_status() if args.status else None, args.status)
    text = args.text if args.text not in (None, "-") else read_stdin_text(MAX_TEXT_BYTES)
    if not text.strip() and not args.json:
        # Nothing to read is not "not a fal problem": ask for the error instead.
        output(
            "Nothing to diagnose: give the error as an argument (fal-bot diagnose '...') or paste it on "
            "standard input (fal-bot diagnose < error.txt)."
        )
        return 0
    diagnosis = diagnoser.diagnose(text)
    incident = None
    if args.status:  # imported only here: the status client (httpx) costs start-up otherwise
        from bot.incidents import incident_context

        incident = incident_context(diagnosis, read_status())
    if args.json:
        result = diagnosis.to_json()
        output(json.dumps(with_incident(result, incident) if args.status else result, ensure_ascii=False))
    else:
        output(render_text(diagnosis, incident))
    return 0


def _run_jsonl(diagnoser: Diagnoser, snapshot: StatusSnapshot | None = None, status: bool = False) -> int:
    """One output line per input line, in order; a bad line gets an answer with an "error" key.
    With `status`, every line is read against the one `snapshot` read at the start."""
    if status:
        from bot.incidents import incident_context
    stream = sys.stdin.buffer
    for raw_line in stream:
        line = raw_line.decode("utf-8", errors="replace").rstrip("\r\n")
        error = None
        try:
            value: Any = json.loads(line)
        except ValueError:
            value, error = "", "line is not valid JSON; expected a JSON string"
        if error is None and not isinstance(value, str):
            value, error = "", f"line is a JSON {type(value).__name__}, expected a JSON string"
        diagnosis = diagnoser.diagnose(value)
        result = diagnosis.to_json()
        if status:
            result = with_incident(result, incident_context(diagnosis, snapshot))
        if error:
            result["error"] = error
        output(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def render_text(diagnosis: Diagnosis, incident: IncidentContext | None = None) -> str:
    """Plain-text answer for a terminal: the best match with its fix, or a polite 'not fal'.
    An incident that can explain the error comes first."""
    lines: list[str] = []
    if incident is not None:
        from bot.incidents import since_words

        since = since_words(incident.started)
        if incident.incident:
            when = f" since {since}" if since else ""
            lines.append(f"fal has an open incident{when}: {incident.name} ({incident.level_words})")
        else:
            lines.append(f"fal's status page shows {incident.level_words}: {incident.name}")
        if incident.url:
            lines.append(f"  {incident.url}")
        lines.append("This is likely not your code: retry once fal recovers; if it keeps failing, see below.")
        lines.append("")
    best, guess = diagnosis.best, diagnosis.guess
    if best is None:
        if diagnosis.fal_related:
            lines.append("This looks like a fal problem, but it does not match any known issue confidently.")
            lines.append(
                "What would decide it: fal's full error body (the JSON after the status), the HTTP status "
                "code, and the endpoint id (e.g. fal-ai/flux/dev). Also check https://status.fal.ai "
                "(fal-bot status)."
            )
            if guess is not None:  # a guess names the closest problem, never prescribes its fix
                lines.append("")
                lines.append(
                    f"Closest known problem, a rough guess: {guess.entry.title}"
                    f"  [{guess.category}, confidence {guess.score:.0f}/100]"
                )
                lines.append(f"  {guess.entry.summary.strip()}")
        else:
            lines.append("This does not look like a fal.ai problem, so fal-bot has no fix for it.")
            vendor = [e for e in diagnosis.evidence if e.startswith("other vendor")]
            if vendor:
                lines.append(f"({vendor[0]}: check that provider's docs.)")
    else:
        entry = best.entry
        if diagnosis.generic:
            lines.append("Nothing here names a service. If this came from a call to fal:")
            lines.append("")
        lines.append(f"{entry.title}  [{entry.category}, confidence {best.score:.0f}/100]")
        lines.append("")
        lines.append("What's wrong:")
        lines.append(f"  {entry.summary.strip()}")
        lines.append("")
        lines.append("How to fix it:")
        for number, step in enumerate(entry.fix, 1):
            lines.append(f"  {number}. {step.text.strip()}")
            for label, snippet in (("Python", step.python), ("JS", step.js), ("Shell", step.shell)):
                if snippet:
                    lines.append(f"     {label}:")
                    lines.extend(f"       {code}" for code in snippet.rstrip().splitlines())
        if entry.links:
            lines.append("")
            lines.append("Links:")
            lines.extend(f"  - {link.title}: {link.url}" for link in entry.links)
        if len(diagnosis.matches) > 1:
            runner_up = diagnosis.matches[1]
            lines.append("")
            lines.append(f"Runner-up: {runner_up.title} ({runner_up.score:.0f}/100)")
    if diagnosis.key_findings:
        lines.append("")
        lines.append("About the key in this text:")
        lines.extend(f"  - [{f.code}] {f.message}" for f in diagnosis.key_findings)
    if diagnosis.evidence:
        lines.append("")
        lines.append("Recognised: " + "; ".join(diagnosis.evidence))
    return "\n".join(lines)
