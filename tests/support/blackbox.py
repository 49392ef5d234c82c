"""Black-box helpers: drive fal-bot only from outside, as the held-back checks do.

The console script runs as a subprocess with a clean environment; Slack requests are signed here
from slack-notes.md (v0 HMAC) independently of tests/support/signing.py, so a shared bug in one
signing helper cannot hide a bug in the product.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
FALBOT = str(Path(sys.executable).with_name("fal-bot"))

# Real-shaped fal keys (uuid:32 hex); the secrets must never come back out of the product.
KEY_ID = "6f1c2d3e-1234-4abc-9def-0123456789ab"
KEY_SECRET = "0123456789abcdef0123456789ab4e5f"
KEY = f"{KEY_ID}:{KEY_SECRET}"

BB_SIGNING_SECRET = "bb5e0f6a9c1d4e7fa2b3c4d5e6f70819"
BB_BOT_TOKEN = "xoxb-4242-4343-blackboxbottoken"


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any Slack/fal settings, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "FAL_")) and name not in {"PORT", "LOG_LEVEL"}
    }
    env.update(extra)
    return env


def run_cli(
    args: list[str],
    *,
    stdin: bytes | str = b"",
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> subprocess.CompletedProcess[bytes]:
    """Run the console script; stdout/stderr as bytes so invalid output cannot hide."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    # Run outside the repository, as an installed tool is: the knowledge base must come with the package.
    return subprocess.run(
        [FALBOT, *args],
        cwd=tempfile.gettempdir(),
        input=data,
        capture_output=True,
        timeout=timeout,
        env=env if env is not None else clean_env(),
        check=False,
    )


def no_traceback(result: subprocess.CompletedProcess[bytes]) -> bool:
    return b"Traceback (most recent call last)" not in result.stdout + result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- Slack signing, written from slack-notes.md -------------------------------------------------


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`."""
    mac = hmac.new(secret.encode(), b"v0:%s:%s" % (timestamp.encode(), body), hashlib.sha256)
    return "v0=" + mac.hexdigest()


def signed(
    body: bytes,
    content_type: str,
    *,
    secret: str = BB_SIGNING_SECRET,
    timestamp: int | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(secret, stamp, body),
        **(extra or {}),
    }


@dataclass
class BotProcess:
    """`fal-bot run --mode http` as a subprocess; output goes to files we can search for secrets."""

    port: int
    env: dict[str, str]
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.base}/slack/events"

    def start(self, timeout: float = 20.0) -> BotProcess:
        self.starts += 1
        out = open(self.log_dir / f"bot-{self.starts}.out", "wb")  # noqa: SIM115 - lives with the process
        err = open(self.log_dir / f"bot-{self.starts}.err", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [FALBOT, "run", "--mode", "http", "--port", str(self.port)],
            env=self.env,
            cwd=self.log_dir,
            stdout=out,
            stderr=err,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"fal-bot run exited {self.process.returncode}: {self.output()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("fal-bot run did not answer /healthz in time")

    def stop(self, timeout: float = 10.0) -> float:
        """SIGTERM; returns the seconds it took to exit (kills and fails past `timeout`)."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"fal-bot run did not exit within {timeout} s of SIGTERM") from None
        return time.monotonic() - began

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def output(self, run: int | None = None) -> str:
        """What the process wrote to stdout and stderr: all runs, or only run number `run`."""
        pattern = f"bot-{run}.*" if run is not None else "bot-*.*"
        parts = [path.read_bytes() for path in sorted(self.log_dir.glob(pattern))]
        return b"\n".join(parts).decode("utf-8", "replace")

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        secret: str = BB_SIGNING_SECRET,
        timestamp: int | None = None,
        extra: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> httpx.Response:
        headers = signed(body, content_type, secret=secret, timestamp=timestamp, extra=extra)
        return httpx.post(self.events_url, content=body, headers=headers, timeout=timeout)

    def post_json(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.post(json.dumps(payload).encode(), "application/json", **kw)
