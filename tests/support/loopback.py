"""The loopback HTTP server tests use; it lives in bot/playground/loopback.py because
`fal-bot playground` serves its Slack stand-in and simulated status page with it too."""

from bot.playground.loopback import Handler, LoopbackServer, Request, Response, everywhere, free_port

__all__ = ["Handler", "LoopbackServer", "Request", "Response", "everywhere", "free_port"]
