"""Small helpers the CLI commands share: safe reading of standard input and redacted output."""

from __future__ import annotations

import sys
from typing import TextIO


def read_stdin_bytes(limit: int) -> bytes:
    """Up to `limit` bytes of standard input (the rest is read and dropped, so writers don't block)."""
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None:
        return b""
    if sys.stdin.isatty():
        sys.stderr.write("Reading from standard input: paste, then press Ctrl-D (Ctrl-Z Enter on Windows).\n")
    data = stream.read(limit)
    while stream.read(1 << 16):
        pass
    return data


def read_stdin_text(limit: int) -> str:
    """Standard input as text; invalid UTF-8 becomes U+FFFD instead of an error."""
    return read_stdin_bytes(limit).decode("utf-8", errors="replace")


def output(text: str, stream: TextIO | None = None, flush: bool = False) -> None:
    """Print through redact(): nothing shaped like a fal key ever leaves the CLI."""
    from bot.keys import redact

    target = stream or sys.stdout
    safe = redact(text)
    try:
        target.write(safe + "\n")
    except UnicodeEncodeError:
        encoding = getattr(target, "encoding", None) or "utf-8"
        target.write(safe.encode(encoding, errors="replace").decode(encoding) + "\n")
    if flush:
        target.flush()
