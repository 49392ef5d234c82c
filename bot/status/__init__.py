"""fal's live status: the one import for everything status (models, client, monitor).

The parts live in their own modules to stay small:
- `bot.status.models`: `StatusSnapshot` and friends, the level table, the Instatus/Statuspage parsers
- `bot.status.client`: `StatusClient`, the deadline-bound HTTP fetch with provider detection
- `bot.status.monitor`: `StatusMonitor`, the background poller and cache
- `bot.status.probe`: the reachability probe of `fal-bot status --probe` (imported from there, not
  re-exported here: its `probe` function would shadow the module)
"""

from __future__ import annotations

from bot.status.client import MAX_BODY_BYTES, USER_AGENT, StatusClient
from bot.status.models import (
    LEVEL_ORDER,
    LEVEL_RANK,
    LEVEL_SYMBOL,
    LEVEL_TABLE,
    LEVEL_WORDS,
    Component,
    Incident,
    IncidentUpdate,
    KnownLevel,
    Level,
    Maintenance,
    Provider,
    StatusSnapshot,
    is_worse,
    parse_instatus,
    parse_statuspage,
    parse_statuspage_incident,
    parse_time,
    unknown_snapshot,
    worst,
)
from bot.status.monitor import StatusMonitor

__all__ = [
    "LEVEL_ORDER",
    "LEVEL_RANK",
    "LEVEL_SYMBOL",
    "LEVEL_TABLE",
    "LEVEL_WORDS",
    "MAX_BODY_BYTES",
    "USER_AGENT",
    "Component",
    "Incident",
    "IncidentUpdate",
    "KnownLevel",
    "Level",
    "Maintenance",
    "Provider",
    "StatusClient",
    "StatusMonitor",
    "StatusSnapshot",
    "is_worse",
    "parse_instatus",
    "parse_statuspage",
    "parse_statuspage_incident",
    "parse_time",
    "unknown_snapshot",
    "worst",
]
