"""A do-nothing WSGI app under waitress, in a process of its own: the soak's baseline.

    python benchmarks/do_nothing.py    # prints the port it listens on, serves until killed

It runs with the waitress settings fal-bot's HTTP server uses (16 threads, poll(), 1 s cleanup), so
the soak compares fal-bot with the cheapest app on the same footing: its own process, which the
load generator has to wake like it wakes fal-bot's.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from waitress.server import create_server


def do_nothing_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def serve(app: Callable[..., Iterable[bytes]]) -> int:
    """Serve `app` with fal-bot's waitress settings on a free port, printed first; until killed."""
    server = create_server(
        app, host="127.0.0.1", port=0, threads=16, asyncore_use_poll=True, cleanup_interval=1
    )
    print(server.effective_port, flush=True)  # type: ignore[union-attr]
    server.run()
    return 0


@contextmanager
def serving(script: str = __file__, *args: str) -> Iterator[int]:
    """The server `script` runs (this one by default) with `args`, in a process of its own, for the
    length of the `with`: its port."""
    with subprocess.Popen([sys.executable, script, *args], stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield int(process.stdout.readline())
        finally:
            process.terminate()  # leaving Popen's `with` waits for it: it must be told to stop


if __name__ == "__main__":
    sys.exit(serve(do_nothing_app))
