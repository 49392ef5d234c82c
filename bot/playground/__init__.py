"""`fal-bot playground`: the real app against a built-in Slack stand-in and a simulated fal status
page, with a local Slack-like page (bot/playground/static/) and a small JSON API (server.py)."""
