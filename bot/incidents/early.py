"""Early warnings: several people in one workspace hit fal-side errors before fal's page says so.

Each answered paste whose first match is `server_error`, `queue_timeout` or `network` and that names
a fal host or a fal error type is counted in the database (bot.store: who as a one-way hash, what as
the category and the fal hosts and endpoint families, never the text). When FAL_BOT_EARLY_WARNING's
number of different people is reached within its minutes while the cached status shows no open
incident, every `early=on` channel of the workspace gets one warning through the alert outbox (so it
is sent exactly once and paced like any alert), at most one a channel an hour. When fal then opens an
incident, `confirm` queues one "fal confirmed" line into each recent warning's thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bot import linear_re
from bot.diagnosis import Diagnosis
from bot.status.models import StatusSnapshot
from bot.store import Store

log = logging.getLogger(__name__)

EARLY_CATEGORIES = frozenset({"server_error", "queue_timeout", "network"})
PER_CHANNEL_SECONDS = 3600.0  # at most one early warning a channel an hour
CONFIRM_WITHIN_SECONDS = 2 * 3600.0  # an incident opened this long after a warning confirms it
MAX_PLACES = 6
KIND_WARNING = "early"  # alert_outbox.kind of the warning
KIND_CONFIRMED = "confirmed"  # alert_outbox.kind of the "fal confirmed" thread line

_FAL_HOST = linear_re.compile(r"^(?:[a-z0-9-]+\.)*(?:fal\.run|fal\.ai|fal\.media)$")
# Public model families only (fal-ai/flux): a private app's owner is nobody else's business.
_ENDPOINT_FAMILY = linear_re.compile(r"(?:^|[^a-z0-9-])(fal-ai/[a-z0-9][a-z0-9-]{0,48})")


@dataclass(frozen=True)
class EarlyWarning:
    """What an early warning says (the outbox row's payload): counts, categories, places."""

    people: int
    minutes: int
    categories: list[str]
    places: list[str]  # fal hosts and endpoint families
    level: str  # what the page says at the time ("operational")
    page: str  # "status.fal.ai"

    def payload(self) -> str:
        return json.dumps({"early": asdict(self)})

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> EarlyWarning:
        data = payload["early"]
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Confirmation:
    """The "fal confirmed" line: the incident's name and link."""

    name: str
    url: str | None

    def payload(self) -> str:
        return json.dumps({"confirmed": asdict(self)})

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Confirmation:
        data = payload["confirmed"]
        return cls(name=str(data["name"]), url=data.get("url"))


def fal_side(diagnosis: Diagnosis | None, text: str) -> tuple[str, list[str]] | None:
    """(category, fal hosts and endpoint families) when this paste counts towards an early warning:
    its first match is fal-side and it names a fal host or a fal error type."""
    best = diagnosis.best if diagnosis is not None else None
    if diagnosis is None or best is None or best.category not in EARLY_CATEGORIES:
        return None
    hosts = [
        item.removeprefix("host ").lower()
        for item in diagnosis.evidence
        if item.startswith("host ") and _FAL_HOST.fullmatch(item.removeprefix("host ").lower())
    ]
    fal_type = any(item.startswith(("fal error type", "fal exception")) for item in diagnosis.evidence)
    if not hosts and not fal_type:
        return None
    families = [m.group(1).rstrip("-") for m in _ENDPOINT_FAMILY.finditer(text.lower()[:40_000])]
    places = list(dict.fromkeys(hosts + families))[:MAX_PLACES]
    return best.category, places


def person_key(team_id: str, user_id: str) -> str:
    """A one-way stand-in for a user: enough to count different people, never to name one."""
    return hashlib.sha256(f"fal-bot early warning|{team_id}|{user_id}".encode()).hexdigest()[:20]


class EarlyWarnings:
    """Counts fal-side pastes and queues warnings. Knows nothing of Slack: the store's outbox and the
    alert sender do the posting."""

    def __init__(
        self,
        store: Store,
        *,
        people: int,
        window_seconds: float,
        on_queued: Callable[[], None] | None = None,
    ):
        self.store = store
        self.people = people
        self.window_seconds = window_seconds
        self.on_queued = on_queued  # wakes the alert sender

    def observe(
        self,
        team_id: str,
        user_id: str | None,
        diagnosis: Diagnosis | None,
        text: str,
        snapshot: StatusSnapshot | None,
    ) -> list[str]:
        """Count one answered paste; returns the channels an early warning was queued for."""
        found = fal_side(diagnosis, text)
        if found is None or not user_id:
            return []
        category, places = found
        errors = self.store.record_fal_side_paste(
            team_id, person_key(team_id, user_id), category, places, self.window_seconds
        )
        if errors.people < self.people:
            return []
        if snapshot is None or not snapshot.ok or snapshot.open_incidents:
            return []  # fal already says so (or nobody can tell what the page says)
        warning = EarlyWarning(
            people=errors.people,
            minutes=round(self.window_seconds / 60),
            categories=list(errors.categories),
            places=list(errors.hosts)[:MAX_PLACES],
            level=snapshot.level,
            page=snapshot.source_host,
        )
        subject_key = f"early:{team_id}:{int(self.store.clock())}"
        channels = self.store.queue_early_warning(
            team_id, subject_key, warning.payload(), PER_CHANNEL_SECONDS
        )
        if channels:
            log.info(
                "early warning queued for %d channels of %s: %d people, %s",
                len(channels),
                team_id,
                errors.people,
                ", ".join(errors.categories),
            )
            if self.on_queued is not None:
                self.on_queued()
        return channels


def confirm(store: Store, snapshot: StatusSnapshot) -> int:
    """fal's page shows an open incident: say so in the thread of each recent early warning (once)."""
    if not snapshot.ok or not snapshot.open_incidents:
        return 0
    incident = snapshot.open_incidents[0]
    line = Confirmation(name=incident.name, url=incident.url or snapshot.source)
    return store.queue_early_confirmations(line.payload(), CONFIRM_WITHIN_SECONDS)
