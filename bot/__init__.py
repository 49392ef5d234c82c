"""fal-bot: diagnoses fal.ai errors, shows fal's live status and alerts Slack channels."""

__version__ = "0.1.0"
