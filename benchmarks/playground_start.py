"""How long `fal-bot playground --no-browser` takes from exec to serving its page, beside a baseline
measured in the same run: `fal-bot --version` (the interpreter and the CLI's import, nothing else).

    .venv/bin/python benchmarks/playground_start.py [RUNS]
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time

READY = "fal-bot playground: http://"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FAL_"))}
    return {**env, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}


def baseline() -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "bot", "--version"]
    subprocess.run(command, env=clean_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def playground() -> float:
    command = [sys.executable, "-m", "bot", "playground", "--no-browser", "--port", str(free_port())]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=clean_env(), stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith(READY):
                return time.perf_counter() - started
        raise RuntimeError("the playground exited before serving")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    base = [baseline() for _ in range(runs)]
    ready = [playground() for _ in range(runs)]
    print(f"fal-bot --version (baseline): median {statistics.median(base):.2f} s, max {max(base):.2f} s")
    print(f"fal-bot playground to serving: median {statistics.median(ready):.2f} s, max {max(ready):.2f} s")


if __name__ == "__main__":
    main()
