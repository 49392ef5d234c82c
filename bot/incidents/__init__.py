"""What fal-bot knows by combining the two things status tools cannot see together: the errors a
team pastes (bot.diagnosis) and fal's live status (bot.status).

Pure diagnosis and pure status stay apart; this package is where they meet. `context` ties a
diagnosis to an open incident; `early` turns fal-side pastes from several people into an early
warning; `quiet` decides which alerts wait for a channel's quiet hours to end.
"""

from bot.incidents.context import INCIDENT_CATEGORIES, IncidentContext, incident_context, since_words

__all__ = ["INCIDENT_CATEGORIES", "IncidentContext", "incident_context", "since_words"]
