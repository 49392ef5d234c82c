"""Outage alerts: status polls -> events -> outbox rows -> Slack, exactly once, threaded.

The pieces (each in its own module):
- `bot.alerts.events`: the pure diff of a status snapshot against the stored state -> events
- `bot.alerts.outbox`: SQLite state, filters and fan-out (same transaction), outbox rows
- `bot.alerts.render`: pure Block Kit / mrkdwn rendering of alert messages
- `bot.alerts.sender`: paced, parallel, rate-limit-aware delivery with crash reconciliation
- `bot.alerts.service`: `AlertService`, which runs them beside the Slack app inside `fal-bot run`
"""

from __future__ import annotations

from bot.alerts.service import AlertService

__all__ = ["AlertService"]
