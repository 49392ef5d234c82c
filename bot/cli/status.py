"""`fal-bot status [--json] [--probe]`: fal's status, read once from the status page.

Exit 0 when the level is known, 1 when it is `unknown`, 2 on an invalid setting; the probe never
changes the exit code. Answers within the deadline (FAL_BOT_STATUS_DEADLINE_SECONDS, at most
CLI_MAX_DEADLINE here so the command stays under 10 s with start-up included).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
from datetime import UTC
from typing import TYPE_CHECKING

from bot.cli.common import EXIT_BAD_SETTINGS, settings_or_report

if TYPE_CHECKING:  # imported where used: other subcommands start without httpx
    from bot.status import StatusSnapshot
    from bot.status.probe import ProbeResult

# 7 s for the page plus start-up and output keeps the 10 s promise on a busy 2-core machine.
CLI_MAX_DEADLINE = 7.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show fal's live status (status.fal.ai)",
        description=(
            "Fetch fal's status page once and print the level, open incidents, maintenances and "
            "components that are not operational. Exit 0 when the level is known, 1 when unknown."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the contract's JSON object")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="also check that fal's API hosts (FAL_PROBE_URLS) resolve, connect and answer from here",
    )
    parser.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace) -> int:
    from bot.status import StatusClient
    from bot.status.probe import probe

    settings = settings_or_report("fal-bot status")
    if settings is None:
        return EXIT_BAD_SETTINGS
    if isinstance(sys.stdout, io.TextIOWrapper):
        # The level symbols are emoji: never crash on a console that cannot show them.
        sys.stdout.reconfigure(errors="replace")
    deadline = min(settings.fal_bot_status_deadline_seconds, CLI_MAX_DEADLINE)
    client = StatusClient(settings.fal_status_url, deadline_seconds=deadline)
    results: list[ProbeResult] = []
    prober = None
    if args.probe:
        # The probe runs beside the page fetch, within the same deadline.
        def run_probe() -> None:
            results.extend(probe(settings.fal_probe_urls, deadline_seconds=deadline))

        prober = threading.Thread(target=run_probe, name="probe", daemon=True)
        prober.start()
    try:
        snapshot = client.fetch()
    finally:
        client.close()
    if prober is not None:
        prober.join(deadline + 1.0)

    if args.json:
        out = snapshot.to_json()
        if args.probe:
            out["probe"] = [
                result.model_dump(include={"url", "ok", "ms", "failed_step", "detail"}) for result in results
            ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(render_text(snapshot, results if args.probe else None))
    return 0 if snapshot.ok else 1


# --- human output (pure) ---------------------------------------------------------------------------


def when(value: str | None) -> str:
    """The page's timestamp as "2022-06-11 18:55 UTC", or as given when it does not parse."""
    from bot.status import parse_time

    parsed = parse_time(value)
    return parsed.strftime("%Y-%m-%d %H:%M UTC") if parsed else (value or "time not given")


def render_text(snapshot: StatusSnapshot, probe_results: list[ProbeResult] | None = None) -> str:
    from bot.status import LEVEL_SYMBOL, LEVEL_WORDS
    from bot.status.probe import summarise

    page = snapshot.source_host
    checked = snapshot.checked_at.astimezone(UTC).strftime("%H:%M:%S UTC")
    lines = []
    if snapshot.ok:
        symbol, words = LEVEL_SYMBOL[snapshot.level], LEVEL_WORDS[snapshot.level]
        lines.append(f"{symbol} fal status: {words}  ({page}, checked {checked})")
    else:
        lines.append(f"{LEVEL_SYMBOL['unknown']} fal's status is unknown: {snapshot.error}")
        lines.append(
            f"   This says nothing about fal itself: {page} could not be read. "
            f"Try {snapshot.source} in a browser."
        )

    open_incidents = snapshot.open_incidents
    if open_incidents:
        lines.append("")
        lines.append("Open incidents:")
        for incident in open_incidents:
            state = incident.status.lower() or "state not given"
            impact = f"{LEVEL_WORDS[incident.level]} ({incident.impact or 'not given'})"
            lines.append(f"  • {incident.name}: {state}, impact {impact}, started {when(incident.started)}")
            if incident.components:
                lines.append(f"    affects: {', '.join(incident.components)}")
            if incident.updates:
                latest = incident.updates[0].body.replace("\n", " ")
                lines.append(f"    latest update: {latest[:200]}{'…' if len(latest) > 200 else ''}")
            if incident.url:
                lines.append(f"    {incident.url}")

    in_progress = [m for m in snapshot.maintenances if m.status == "in_progress"]
    upcoming = [m for m in snapshot.maintenances if m.status == "scheduled"]
    if in_progress or upcoming:
        lines.append("")
        lines.append("Maintenance:")
        for maintenance in in_progress:
            until = f", until {when(maintenance.end)}" if maintenance.end else ""
            lines.append(f"  • in progress: {maintenance.name} (since {when(maintenance.start)}{until})")
            if maintenance.url:
                lines.append(f"    {maintenance.url}")
        for maintenance in upcoming:
            until = f" to {when(maintenance.end)}" if maintenance.end else ""
            lines.append(f"  • upcoming: {maintenance.name} ({when(maintenance.start)}{until})")
            if maintenance.url:
                lines.append(f"    {maintenance.url}")

    troubled = [c for c in snapshot.components if c.status != "operational"]
    if troubled:
        lines.append("")
        lines.append("Components not operational:")
        for component in troubled:
            group = f" [{component.group}]" if component.group else ""
            lines.append(f"  • {component.name}{group}: {LEVEL_WORDS[component.status]}")
    elif snapshot.ok and snapshot.components:
        lines.append(f"All {len(snapshot.components)} components operational.")
    if snapshot.components_error:
        lines.append(f"(components could not be read: {snapshot.components_error})")

    if snapshot.unknown_values:
        lines.append("")
        lines.append(
            "Values fal-bot does not recognise (counted as degraded): " + ", ".join(snapshot.unknown_values)
        )

    if probe_results is not None:
        lines.append("")
        lines.append("From this machine:")
        for result in probe_results:
            if result.ok:
                lines.append(f"  • {result.url}: {result.verdict}, {result.ms} ms ({result.detail})")
            else:
                where = "timed out" if result.failed_step == "timeout" else f"failing at {result.failed_step}"
                lines.append(f"  • {result.url}: {where} after {result.ms} ms ({result.detail})")
        lines.append(summarise(snapshot, probe_results))
    return "\n".join(lines)


__all__ = ["render_text", "run_status", "when"]
