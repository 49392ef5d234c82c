"""`SharedStatus`: the status snapshot the leading process publishes in the store for the others
(see bot.status.monitor.Replica and bot.database.leader)."""

from __future__ import annotations

import json
import time

from bot.database.leader import Leadership
from bot.status.models import StatusSnapshot
from bot.store import Store

SNAPSHOT_KEY = "status_snapshot"


class SharedStatus:
    def __init__(self, store: Store, leadership: Leadership):
        self.store = store
        self.leadership = leadership

    def is_leader(self) -> bool:
        return self.leadership.is_leader()

    def publish(self, latest: StatusSnapshot, last_good: StatusSnapshot | None) -> None:
        value = {
            "latest": latest.model_dump(mode="json"),
            "last_good": last_good.model_dump(mode="json") if last_good is not None else None,
        }
        self.store.put_shared(SNAPSHOT_KEY, json.dumps(value))

    def read(self) -> tuple[StatusSnapshot, StatusSnapshot | None, float] | None:
        found = self.store.shared(SNAPSHOT_KEY)
        if found is None:
            return None
        value, written_at = found
        data = json.loads(value)
        last_good = data.get("last_good")
        return (
            StatusSnapshot.model_validate(data["latest"]),
            StatusSnapshot.model_validate(last_good) if last_good else None,
            max(0.0, time.time() - written_at),
        )
