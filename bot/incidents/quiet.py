"""Quiet hours: `quiet=22:00-08:00` (UTC, may wrap midnight) on a subscription.

During them a channel gets a new top-level alert only for a major outage (as `min=major` would);
everything else waits in the database and is posted as one digest when they end (bot/alerts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot import linear_re

_RANGE = linear_re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)")
OFF_WORDS = frozenset({"off", "none", "no"})


class QuietHoursError(ValueError):
    """Not HH:MM-HH:MM; the message says how to write it."""


@dataclass(frozen=True)
class QuietHours:
    start: int  # minutes after midnight UTC
    end: int

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        match = _RANGE.fullmatch(text.strip())
        if match is None:
            raise QuietHoursError(
                f"quiet={text[:30]}: give UTC hours as HH:MM-HH:MM, e.g. quiet=22:00-08:00 (or quiet=off)."
            )
        start = int(match.group(1)) * 60 + int(match.group(2))
        end = int(match.group(3)) * 60 + int(match.group(4))
        if start == end:
            raise QuietHoursError(f"quiet={text[:30]}: the start and the end are the same time.")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"

    def contains(self, epoch: float) -> bool:
        """Whether the moment `epoch` (Unix seconds) falls in the quiet hours, end excluded."""
        moment = datetime.fromtimestamp(epoch, UTC)
        minute = moment.hour * 60 + moment.minute
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end  # wraps midnight


def quiet_hours(stored: str | None) -> QuietHours | None:
    """A subscription's stored `quiet` value, or None when it has none (or it no longer parses)."""
    if not stored:
        return None
    try:
        return QuietHours.parse(stored)
    except QuietHoursError:
        return None
