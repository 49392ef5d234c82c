"""A bare Bolt app under waitress, in a process of its own: the soak's second reference.

    python benchmarks/bare_bolt.py SLACK_API_URL   # prints its port, serves until killed

One `/fal` listener that acks at once with a few blocks, Bolt's own signature check on, nothing
else: what Bolt's per-request work costs (request parsing, middleware chain, listener matching,
keyword injection), so the soak can tell fal-bot's own cost from the framework's. Same waitress
settings as the do-nothing baseline and as fal-bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.do_nothing import serve
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET

ANSWER = [{"type": "section", "text": {"type": "mrkdwn", "text": "*fal* is operational."}}] * 3


def bare_bolt_app(slack_api_url: str) -> SlackRequestHandler:
    """Bolt calls auth.test at the first request (as fal-bot does at start): a Slack stand-in's URL."""
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=BOT_TOKEN, base_url=slack_api_url),
        process_before_response=True,
        token_verification_enabled=False,
    )

    @app.command("/fal")
    def fal(ack):  # type: ignore[no-untyped-def]
        ack(blocks=ANSWER)

    return SlackRequestHandler(app)


if __name__ == "__main__":
    sys.exit(serve(bare_bolt_app(sys.argv[1])))
