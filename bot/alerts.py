"""Outage alerts: snapshot diff -> events -> outbox rows -> sender. Placeholder until its issue lands."""

from __future__ import annotations


class AlertService:
    """Runs the alert engine beside the Slack app. `fal-bot run` calls start() and stop()."""

    def start(self) -> None:
        """Start delivering alerts (no-op until the alerts issue lands)."""

    def stop(self, timeout: float = 5.0) -> None:
        """Stop delivering alerts within `timeout` seconds."""
