"""The real `fal-bot run` process against loopback fakes, for end-to-end tests and benchmarks.

One way to build its environment (`bot_env`), start it on a free port (`BotProcess`), wait until it
serves /healthz, read its log and stop it; `run_to_exit` for runs that are expected to end by
themselves (start-up refusals).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.fake_slack import FakeSlack
from tests.support.loopback import free_port
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET

REPO = Path(__file__).resolve().parents[2]
UNREACHABLE_SLACK = "http://127.0.0.1:9/api/"
UNSET = "<unset>"  # as a bot_env value: leave the variable out

APP_TOKEN = "xapp-1-A111-2222-fakeapptokenvalue"
# Exit within 10 s of SIGTERM is the requirement; the bound here leaves room for a loaded CI box.
EXIT_WITHIN = 10.0


def bot_env(fake: FakeSlack | None, db: Path | str, status_url: str, **extra: str) -> dict[str, str]:
    """This environment without Slack/fal settings, pointed at the fakes; `extra` overrides, and a
    value of UNSET removes the variable. Without `fake`, Slack's API is a port nothing answers on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "FAL_")) and key not in {"PORT", "LOG_LEVEL"}
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url if fake else UNREACHABLE_SLACK,
        FAL_STATUS_URL=status_url,
        FAL_BOT_DB=str(db),
        FAL_BOT_POLL_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return {key: value for key, value in env.items() if value != UNSET}


def run_command(port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port), *args]


def run_to_exit(
    env: dict[str, str], *args: str, port: int | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """`fal-bot run` that is expected to stop by itself; its output captured."""
    return subprocess.run(
        run_command(port or free_port(), *args),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class BotProcess:
    """`python -m bot run [args]` on 127.0.0.1, started and stopped by the caller.

    stderr (the log) is appended to `log`, by default beside the database (bot.db -> bot.log), also
    across restarts: a pipe nobody reads could fill up and block the process. As a context manager
    it starts the process and kills what is still running at the end.
    """

    def __init__(self, env: dict[str, str], *args: str, port: int | None = None, log: Path | None = None):
        self.env = env
        self.args = args
        self.port = port or free_port()
        self.db = Path(env["FAL_BOT_DB"])  # with a postgresql:// URL, pass `log`
        self.log = log or self.db.with_suffix(".log")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.base}/slack/events"

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "the process was not started"
        return self._process

    def start(self) -> BotProcess:
        with self.log.open("ab") as stderr:
            self._process = subprocess.Popen(
                run_command(self.port, *self.args),
                env=self.env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        return self

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop_quietly()

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def health(self, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
        """/healthz's status and JSON body (503 included); OSError when nothing answers."""
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=timeout) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def wait_until_serving(self, timeout: float = 30.0, healthy: bool = False) -> BotProcess:
        """Until /healthz answers (with 200 when `healthy`; a 503 while the first poll is pending
        otherwise counts as serving). Fails at once, with the log, when the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"fal-bot run exited {self.process.returncode}:\n{self.stderr()}")
            try:
                if self.health(timeout=2)[0] == 200 or not healthy:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"fal-bot run never served /healthz{' with 200' if healthy else ''}")

    def terminate(self, timeout: float = 20.0) -> int:
        """SIGTERM, then the exit code (TimeoutExpired when it does not stop in time)."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def terminate_and_wait(self, within: float) -> tuple[int, float]:
        """SIGTERM; the exit code and how long the process took to exit."""
        started = time.monotonic()
        code = self.terminate(timeout=within + 5)
        return code, time.monotonic() - started

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM when still running, SIGKILL when that is not enough within `timeout`."""
        if self._process is None or self._process.poll() is not None:
            return
        try:
            self.terminate(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def stop_quietly(self) -> None:
        """Kill whatever is still running (test clean-up)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
