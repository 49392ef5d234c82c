"""`fal-bot playground` as a real process on a free port, and a client for its JSON API.

The environment carries no Slack or fal setting at all (no token): the playground must need none.

    with PlaygroundProcess(tmp_path) as pg:
        pg.say("D1", "Error: 403 User is locked ...")
        pg.messages("D1")
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.loopback import free_port

READY_PREFIX = "fal-bot playground: http://"


def playground_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "FAL_")) and key not in {"PORT", "LOG_LEVEL"}
    }
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


class PlaygroundProcess:
    def __init__(self, log: Path, *args: str, env: dict[str, str] | None = None, open_browser: bool = False):
        self.port = free_port()
        self.log_path = log
        self.args = args if open_browser else ("--no-browser", *args)
        self.env = env if env is not None else playground_env()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_seconds: float | None = None
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def start(self, timeout: float = 30.0) -> PlaygroundProcess:
        started = time.monotonic()
        self._log = self.log_path.open("w")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot", "playground", "--port", str(self.port), *self.args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()
        deadline = started + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise AssertionError(
                    f"the playground did not start in {timeout} s: {self.stderr()}"
                ) from None
            if line.startswith(READY_PREFIX):
                self.ready_seconds = time.monotonic() - started
                return self

    def _read_stdout(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)

    def stderr(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20.0) -> int:
        self.http.close()
        assert self._process is not None
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._log.close()
        return code

    def __enter__(self) -> PlaygroundProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the JSON API ---------------------------------------------------------------------------------
    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(path, json=body)

    def say(self, channel: str, text: str, user: str = "U1") -> dict[str, Any]:
        response = self.post("/api/say", {"channel": channel, "user": user, "text": text})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def status(self, level: str, incident: str | None = None) -> dict[str, Any]:
        response = self.post("/api/status", {"level": level, "incident": incident})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def messages(self, channel: str) -> list[dict[str, Any]]:
        response = self.http.get("/api/messages", params={"channel": channel})
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])

    def click(self, channel: str, message_ts: str, action_id: str, value: str) -> dict[str, Any]:
        body = {
            "channel": channel,
            "user": "U1",
            "message_ts": message_ts,
            "action_id": action_id,
            "value": value,
        }
        response = self.post("/api/action", body)
        assert response.status_code == 200, response.text
        return dict(response.json())
