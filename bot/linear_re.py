"""Regular expressions that run in linear time, whatever the text.

Python's `re` backtracks: a pattern such as `(?:[a-z]+\\.)+[a-z]{2,}` takes quadratic time on
`a.a.a.…`, and it holds the GIL for the whole match, so one crafted paste froze every thread of
`fal-bot run`. Every pattern that reads text from users, Slack or a status page is therefore
compiled here, by RE2 (google-re2), whose automata guarantee time linear in the text. RE2 has no
lookarounds or backreferences: patterns are written without them, and the checks they made are
done in Python on the match (see the callers' comments).

`compile()` takes the `re` flags the code base uses and returns a `Pattern` with `re`'s API
(search, match, fullmatch, finditer, findall, sub, subn, split). It calls RE2's matcher directly
rather than through google-re2's Python layer, which costs several microseconds per match: a
paste made of 20,000 tiny matches would otherwise spend 100 ms in one `sub`. Every compiled
pattern is recorded so a test can run each one over adversarial input.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import re2  # type: ignore[import-untyped]
from re2 import _re2

error = re2.error

_INLINE_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))
_SUPPORTED_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_START = _re2.RE2.Anchor.ANCHOR_START
_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
_NO_SPAN = (-1, -1)

_REGISTRY: dict[tuple[str, int], Pattern] = {}


class _Subject:
    """A text as RE2 reads it (UTF-8 bytes), with byte offsets turned back into str offsets."""

    __slots__ = ("_byte", "_char", "ascii", "data", "text")

    def __init__(self, text: str):
        self.text = text
        self.ascii = text.isascii()
        if self.ascii:
            self.data = text.encode("ascii")
        else:
            try:
                self.data = text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates (from `\ud800` in JSON): one char for one
                self.data = text.encode("utf-8", "replace")
        # the last conversion, so a left-to-right scan converts each byte once
        self._byte = 0
        self._char = 0

    def to_char(self, offset: int) -> int:
        if self.ascii or offset < 0:
            return offset
        if offset < self._byte:
            self._byte = self._char = 0
        self._char += len(self.data[self._byte : offset].decode("utf-8", "replace"))
        self._byte = offset
        return self._char

    def to_byte(self, offset: int) -> int:
        if self.ascii:
            return offset
        return len(self.text[:offset].encode("utf-8", "replace"))

    def piece(self, start: int, end: int) -> str:
        if self.ascii:
            return self.text[start:end]
        return self.data[start:end].decode("utf-8", "replace")


_last_subject = threading.local()
_KEEP_FROM_CHARS = 2_000


def _subject(text: str) -> _Subject:
    """The text as RE2 reads it. A long one is kept for the next pattern run on the same string in
    this thread: a paste meets hundreds of patterns, and encoding a 40 KB text in another script each
    time was a seventh of its reading. (A short text is cheaper to encode again than to look up.)"""
    if len(text) < _KEEP_FROM_CHARS:
        return _Subject(text)
    last: _Subject | None = getattr(_last_subject, "subject", None)
    if last is not None and last.text is text:
        return last
    subject = _Subject(text)
    _last_subject.subject = subject
    return subject


class Match:
    """A match, as `re.Match` offers it: group(s), groupdict, start, end, span, m[i]."""

    __slots__ = ("_chars", "_spans", "_subject", "re", "string")

    def __init__(self, pattern: Pattern, subject: _Subject, spans: list[tuple[int, int]]):
        self.re = pattern
        self.string = subject.text
        self._subject = subject
        self._spans = spans
        self._chars: list[tuple[int, int]] | None = None

    def _index(self, group: int | str) -> int:
        return self.re.groupindex[group] if isinstance(group, str) else group

    def group(self, *groups: int | str) -> Any:
        if len(groups) > 1:
            return tuple(self.group(g) for g in groups)
        start, end = self._spans[self._index(groups[0] if groups else 0)]
        return None if start < 0 else self._subject.piece(start, end)

    def __getitem__(self, group: int | str) -> Any:
        return self.group(group)

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return tuple(
            default if start < 0 else self._subject.piece(start, end) for start, end in self._spans[1:]
        )

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        found = {name: self.group(name) for name in self.re.groupindex}
        return {name: default if value is None else value for name, value in found.items()}

    def span(self, group: int | str = 0) -> tuple[int, int]:
        if self._chars is None:
            convert = self._subject.to_char
            self._chars = [(convert(s), convert(e)) if s >= 0 else _NO_SPAN for s, e in self._spans]
        return self._chars[self._index(group)]

    def start(self, group: int | str = 0) -> int:
        return self.span(group)[0]

    def end(self, group: int | str = 0) -> int:
        return self.span(group)[1]


class Pattern:
    """A compiled RE2 pattern with the part of `re.Pattern`'s API this code base uses."""

    def __init__(self, source: str, flags: int, compiled: Any):
        self.pattern = source
        self.flags = flags
        self._compiled = compiled  # google-re2's object: the slow path for template replacements
        self._re2 = compiled._regexp
        self.groups: int = self._re2.NumberOfCapturingGroups()
        self.groupindex: dict[str, int] = {
            name.decode() if isinstance(name, bytes) else name: index
            for name, index in self._re2.NamedCapturingGroups()
        }

    def __repr__(self) -> str:
        return f"linear_re.compile({self.pattern!r}, {self.flags!r})"

    # -- matching ------------------------------------------------------------------------------
    def _spans(self, anchor: Any, subject: _Subject, pos: int, endpos: int) -> list[tuple[int, int]] | None:
        spans: list[tuple[int, int]] = self._re2.Match(anchor, subject.data, pos, endpos)
        return None if spans[0] == _NO_SPAN else spans

    def _one(self, anchor: Any, text: str, pos: int, endpos: int | None) -> Match | None:
        subject = _subject(text)
        start = subject.to_byte(max(0, min(pos, len(text))))
        end = len(subject.data) if endpos is None else subject.to_byte(max(0, min(endpos, len(text))))
        spans = self._spans(anchor, subject, start, end) if start <= end else None
        return None if spans is None else Match(self, subject, spans)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        return self._one(_UNANCHORED, text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        return self._one(_ANCHOR_START, text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        return self._one(_ANCHOR_BOTH, text, pos, endpos)

    def _scan(self, subject: _Subject, limit: int = 0) -> Iterator[list[tuple[int, int]]]:
        """Every non-overlapping match, left to right, as byte spans (empty matches included)."""
        data, size, pos, found = subject.data, len(subject.data), 0, 0
        match = self._re2.Match
        while pos <= size:
            spans = match(_UNANCHORED, data, pos, size)
            start, end = spans[0]
            if start < 0:
                return
            yield spans
            found += 1
            if found == limit:
                return
            if end == start:
                # an empty match: step one character on (a UTF-8 lead byte and its continuations)
                end += 1
                while end < size and (data[end] & 0xC0) == 0x80:
                    end += 1
            pos = end

    def finditer(self, text: str) -> Iterator[Match]:
        subject = _subject(text)
        for spans in self._scan(subject):
            yield Match(self, subject, spans)

    def findall(self, text: str) -> list[Any]:
        subject = _subject(text)
        piece = subject.piece
        found: list[Any] = []
        for spans in self._scan(subject):
            if self.groups == 0:
                found.append(piece(*spans[0]))
            elif self.groups == 1:
                start, end = spans[1]
                found.append("" if start < 0 else piece(start, end))
            else:
                found.append(tuple("" if s < 0 else piece(s, e) for s, e in spans[1:]))
        return found

    def subn(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> tuple[str, int]:
        if isinstance(repl, str) and "\\" in repl:
            result, made = self._compiled.subn(repl, text, count)  # group references: rare, slow path
            return str(result), int(made)
        # Built from byte slices and decoded once: the per-match work is one call into RE2.
        subject = _subject(text)
        data = subject.data
        constant = repl.encode("utf-8", "replace") if isinstance(repl, str) else None
        pieces: list[bytes] = []
        last = made = 0
        for spans in self._scan(subject, count):
            start, end = spans[0]
            pieces.append(data[last:start])
            if constant is not None:
                pieces.append(constant)
            else:
                assert callable(repl)
                pieces.append(repl(Match(self, subject, spans)).encode("utf-8", "replace"))
            last = end
            made += 1
        if not made:
            return text, 0
        pieces.append(data[last:])
        return b"".join(pieces).decode("utf-8", "replace"), made

    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str:
        return self.subn(repl, text, count)[0]

    def split(self, text: str, maxsplit: int = 0) -> list[str]:
        subject = _subject(text)
        pieces: list[str] = []
        last = 0
        for spans in self._scan(subject, maxsplit):
            start, end = spans[0]
            pieces.append(subject.piece(last, start))
            pieces.extend("" if s < 0 else subject.piece(s, e) for s, e in spans[1:])
            last = end
        pieces.append(subject.piece(last, len(subject.data)))
        return pieces


def compile(pattern: str, flags: int = 0) -> Pattern:
    """Compile `pattern` with RE2; raise `error` if it needs a feature RE2 lacks (lookarounds...)."""
    key = (pattern, flags)
    cached = _REGISTRY.get(key)
    if cached is not None:
        return cached
    if flags & ~_SUPPORTED_FLAGS:
        raise ValueError(f"unsupported regex flags {flags!r} for {pattern!r}")
    inline = "".join(letter for flag, letter in _INLINE_FLAGS if flags & flag)
    options = re2.Options()
    options.log_errors = False  # a bad pattern raises; RE2 would also print to stderr
    compiled = re2.compile(f"(?{inline}){pattern}" if inline else pattern, options)
    result = Pattern(pattern, flags, compiled)
    _REGISTRY[key] = result
    return result


class LiteralSet:
    """Which of many fixed strings occur in a text, found in one pass (an RE2 set of literals).

    The matcher asks, for each entry regex, whether the literals every match must contain are in
    the paste: ~200 substring searches a paste done one by one. A set of plain literals is one
    automaton (no repeats, so no state explosion), read once over the text.
    """

    def __init__(self, literals: list[str]):
        self.literals = tuple(literals)
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 32 << 20
        self._set = re2.Set.SearchSet(options)
        for literal in self.literals:
            self._set.Add(re2.escape(literal))
        if self.literals:
            self._set.Compile()

    def present(self, text: str) -> frozenset[int]:
        """The indices (in `literals`) of those that occur in `text`, case as given."""
        if not self.literals:
            return frozenset()
        return frozenset(self._set.Match(text) or ())

    def occurring(self, text: str) -> frozenset[str]:
        """The literals that occur in `text`, case as given."""
        return frozenset(self.literals[index] for index in self.present(text))


# A counted repeat (`[^\n]{0,40}`) multiplies the states of an automaton: a set holding a dozen of
# them spent its time rebuilding a full state cache. Such patterns are searched one by one.
_COUNTED_REPEAT = re.compile(r"\{\d*,\d+\}")


class PatternSet:
    """Which of many compiled patterns occur in a text, most of them found in one pass (an RE2 set).

    Searching 60 patterns one by one over a short paste costs 60 calls into RE2; a set is one
    automaton and one call. RE2 sets have no slower engine to fall back on: when the automaton runs
    out of memory the match fails and reports nothing. Its first member matches every text, so a
    failure is told apart from "none occur", and the patterns are then searched one by one.
    """

    def __init__(self, patterns: list[Pattern]):
        self.patterns = tuple(patterns)
        counted = [bool(_COUNTED_REPEAT.search(pattern.pattern)) for pattern in self.patterns]
        self._in_set = [index for index, is_counted in enumerate(counted) if not is_counted]
        self._one_by_one = [index for index, is_counted in enumerate(counted) if is_counted]
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 8 << 20
        self._set = re2.Set.SearchSet(options)
        self._set.Add("")  # the always-matching first member
        for index in self._in_set:
            pattern = self.patterns[index]
            inline = "".join(letter for flag, letter in _INLINE_FLAGS if pattern.flags & flag)
            self._set.Add(f"(?{inline}){pattern.pattern}" if inline else pattern.pattern)
        self._set.Compile()

    def matching(self, text: str) -> frozenset[int]:
        """The indices (in `patterns`) of those that `search` would find in `text`."""
        found = self._set.Match(text) or ()
        if 0 in found:
            hits = {self._in_set[member - 1] for member in found if member}
        else:  # the automaton gave up
            hits = {index for index in self._in_set if self.patterns[index].search(text)}
        hits.update(index for index in self._one_by_one if self.patterns[index].search(text))
        return frozenset(hits)


def compiled_patterns() -> list[Pattern]:
    """Every pattern compiled so far: what the adversarial-input test runs."""
    return list(_REGISTRY.values())
