"""Crafted inputs that make backtracking regexes slow: repetitions of a pattern's own pieces.

A backtracking engine goes superlinear when a pattern can start at many places and each attempt
runs far before failing: `a.a.a.…` for a host pattern, `FAL_KEY=` again and again for an
assignment, a long run of backslashes before an escape. `units(pattern)` takes the literals and
character classes a pattern contains, and `crafted(pattern, size)` repeats them, alone, in pairs
and all together, to `size` characters. The benchmark and the tests share these.
"""

from __future__ import annotations

import itertools
import re

from bot.diagnosis.diagnose import literal_soup

__all__ = [
    "KNOWN_BAD",
    "crafted",
    "knowledge_literals",
    "literal_soup",
    "many_short_lines",
    "repeat",
    "units",
]

# One representative text per class escape: what a class-repeat in a pattern would eat.
_CLASS_SAMPLES = {"d": "7", "w": "a", "s": " ", "D": "x", "W": ".", "S": "x", "b": " ", "n": "\n", "t": "\t"}
_WORD_RUN = re.compile(r"[A-Za-z0-9_]{2,}")
_ESCAPE = re.compile(r"\\(.)")
_CLASS = re.compile(r"\[\^?((?:\\.|[^\]\\])*)\]")

# Inputs the outside attack found slow, and a few more of the same families.
KNOWN_BAD = [
    "a.",
    "FAL_KEY=",
    "\\",
    "<https://",
    "<@",
    "\x1b[",
    "\\u",
    "fal ",
    "Key ",
    "Authorization: ",
    "a:",
    "x:",
    "fal-ai/",
    "```",
    "&amp;",
    "0" * 8 + "-",
    '{"detail":',
    "queue.fal.run/",
    "401 ",
    "é.",
    "nrt\\",  # escaped line breaks: 10,000 short lines once unescaped
    "in_queue\n",
]


def many_short_lines(size: int) -> dict[str, str]:
    """Texts of thousands of short lines, each different: every line is weighed for the focus."""
    return {
        "numbers": "\n".join(str(i) for i in range(size))[:size],
        "fal and a number": "\n".join(f"fal {i}" for i in range(size))[:size],
        "a status and a number": "\n".join(f"http 500 {i}" for i in range(size))[:size],
    }


def units(pattern: str) -> list[str]:
    """The pieces of a pattern's source that its repeats and alternatives consume."""
    found: list[str] = []
    found += [run.lower() for run in _WORD_RUN.findall(pattern)]
    for escaped in _ESCAPE.findall(pattern):
        found.append(_CLASS_SAMPLES.get(escaped, escaped))
    for body in _CLASS.findall(pattern):
        chars = [c for c in _ESCAPE.sub("", body) if c not in "-^"]
        found += chars[:3]
    found += [c for c in pattern if c in ".:=/<>@\"'`,;{}[]()#&%$-_ \n"]
    seen: dict[str, None] = {}
    for unit in found:
        if unit and len(seen) < 24:
            seen.setdefault(unit, None)
    return list(seen)


def repeat(unit: str, size: int) -> str:
    return (unit * (size // max(1, len(unit)) + 1))[:size]


def crafted(pattern: str, size: int, pairs: int = 6) -> list[str]:
    """Each unit repeated, the first few units in pairs, and all of them in a row."""
    pieces = units(pattern)
    texts = [repeat(unit, size) for unit in pieces]
    texts += [repeat(a + b, size) for a, b in itertools.islice(itertools.permutations(pieces[:6], 2), pairs)]
    texts.append(repeat("".join(pieces), size))
    return texts


def knowledge_literals() -> list[str]:
    """The literals the knowledge base's entry regexes require (what their prefilter looks for)."""
    from bot.diagnosis import Diagnoser, load_knowledge

    return Diagnoser(load_knowledge()).pattern_literals
