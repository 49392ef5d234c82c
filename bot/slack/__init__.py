"""Slack surface: app factory, listeners and Block Kit rendering."""
