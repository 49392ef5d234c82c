"""What a channel's `components=` choice will and will not do on the page fal-bot reads.

Pure: the Slack layer words the notes; this module only compares names with the latest reading.
"""

from __future__ import annotations

from bot.status.models import StatusSnapshot

MAX_NAMES_SHOWN = 12


def normalise_component(name: str) -> str:
    """Component names compare without case or repeated spaces ("queue  api" is "Queue API")."""
    return " ".join(name.casefold().split())


def unknown_components(wanted: tuple[str, ...], snapshot: StatusSnapshot) -> tuple[str, ...]:
    """The names asked for that the page does not list (empty when the page lists none at all)."""
    known = {normalise_component(c.name) for c in snapshot.components}
    if not known:
        return ()
    return tuple(name for name in wanted if normalise_component(name) not in known)


def component_notes(wanted: tuple[str, ...], snapshot: StatusSnapshot | None) -> list[str]:
    """Plain-text caveats about `components=`, for the subscribe confirmation; none without a filter."""
    if not wanted:
        return []
    if snapshot is None:
        return ["fal's status page has not been read yet, so the component names were not checked."]
    if snapshot.error:
        return ["fal's status page could not be read just now, so the component names were not checked."]
    notes = []
    unknown = unknown_components(wanted, snapshot)
    if unknown:
        names = [c.name for c in snapshot.components][:MAX_NAMES_SHOWN]
        more = len(snapshot.components) - len(names)
        listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
        quoted = ", ".join(f"“{name}”" for name in unknown)
        notes.append(
            f"{quoted} {'is' if len(unknown) == 1 else 'are'} not on fal's status page, so "
            f"{'it' if len(unknown) == 1 else 'they'} will never match. The page lists: {listed}."
        )
    elif not snapshot.components:
        notes.append("fal's status page lists no components right now, so the names were not checked.")
    if snapshot.provider == "instatus" and not any(i.components for i in snapshot.incidents):
        # Instatus's summary names no components for an incident, and an alert naming none passes
        notes.append(
            "fal's page does not say which component an incident affects: you will get every incident; "
            "components= filters only the component slowdowns the page shows without an incident."
        )
    return notes
