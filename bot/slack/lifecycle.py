"""Slack events that end or pause delivery (uninstall, revoked tokens, archived or left channels).

Owned by the outage-alerts work; registered by create_app like every other listener module.
"""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Placeholder until the alerts issue lands: no lifecycle listeners yet."""
