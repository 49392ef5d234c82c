"""Load and validate the knowledge base: one YAML file per known fal problem (knowledge/*.yml).

The schema is strict (unknown fields are errors) so a typo in an entry fails `fal-bot kb lint`
instead of silently weakening the matcher.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot import linear_re

Category = Literal[
    "auth_scheme",
    "invalid_key",
    "missing_key",
    "billing",
    "validation",
    "content_policy",
    "queue_timeout",
    "rate_limit",
    "realtime",
    "file_url",
    "model_not_found",
    "server_error",
    "network",
    "output_format",
    "client_setup",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

# How entry regexes run: case-insensitive, ^ and $ at every line.
PATTERN_FLAGS = re.IGNORECASE | re.MULTILINE
ID_PATTERN = linear_re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# libyaml's loader is ~8x faster than the pure-Python one; this is most of the CLI's start-up.
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class FixStep(_Strict):
    """One step of a fix; snippets only where Python and JS differ or where code helps."""

    text: str = Field(min_length=3)
    python: str | None = None
    js: str | None = None
    shell: str | None = None


class Signals(_Strict):
    """Exact evidence that points at this entry. All string matches are case-insensitive."""

    status_codes: list[int] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list, description="fal's own message texts (substrings)")
    error_types: list[str] = Field(
        default_factory=list, description="error_type / X-Fal-Error-Type / 422 type"
    )
    exceptions: list[str] = Field(default_factory=list, description="exception class names")
    hosts: list[str] = Field(default_factory=list, description="host names that point here")
    patterns: list[str] = Field(
        default_factory=list, description="RE2 regexes (no lookarounds), searched case-insensitively"
    )

    @field_validator("status_codes")
    @classmethod
    def _http_codes(cls, codes: list[int]) -> list[int]:
        for code in codes:
            if not 100 <= code <= 599:
                raise ValueError(f"{code} is not an HTTP status code")
        return codes

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                linear_re.compile(pattern, PATTERN_FLAGS)  # as the matcher compiles it: compiled once
            except linear_re.error as exc:
                raise ValueError(f"regex {pattern!r} does not compile: {exc}") from None
        return patterns

    def is_empty(self) -> bool:
        return not any(
            (self.status_codes, self.messages, self.error_types, self.exceptions, self.hosts, self.patterns)
        )


class Example(_Strict):
    """A real error text and where it was seen (an issue URL, a docs page, a forum thread)."""

    text: str = Field(min_length=8)
    source: str = Field(min_length=3)


class Symptom(Example):
    """How someone described the problem in their own words ("my generations come back black"),
    not fal's error string, and where it was written."""

    text: str = Field(min_length=8)


class NotExample(Example):
    """A text that must not be matched to this entry.

    `declined: true` (the default) means the whole text is not a fal problem (another vendor's
    error): the matcher must decline it (no match; a text that names no service at all may get
    the generic "if this came from fal" answer); `false` means only that this entry must not win
    (it belongs to another entry).
    """

    declined: bool = True


class Link(_Strict):
    title: str = Field(min_length=2)
    url: str = Field(pattern=r"^https://")


class Entry(_Strict):
    id: str
    title: str = Field(min_length=5, max_length=120)
    category: Category
    summary: str = Field(min_length=20, max_length=600)
    fix: list[FixStep] = Field(min_length=1)
    signals: Signals
    examples: list[Example] = Field(min_length=2)
    symptoms: list[Symptom] = Field(default_factory=list)
    not_examples: list[NotExample] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("use lower-case words joined by '-', e.g. billing-account-locked")
        return value

    @field_validator("fix", mode="before")
    @classmethod
    def _plain_steps(cls, steps: object) -> object:
        # A step may be written as a plain string when it has no snippets.
        if isinstance(steps, list):
            return [{"text": step} if isinstance(step, str) else step for step in steps]
        return steps

    @model_validator(mode="after")
    def _has_signals(self) -> Entry:
        if self.signals.is_empty():
            raise ValueError("signals: give at least one exact signal (message, code, type, regex...)")
        return self


@dataclass(frozen=True)
class KnowledgeProblem:
    """One problem found while loading: which file, which field, what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    def __init__(self, problems: list[KnowledgeProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class KnowledgeBase:
    entries: list[Entry]
    directory: Path
    by_id: dict[str, Entry] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {entry.id: entry for entry in self.entries}

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def default_knowledge_dir() -> Path:
    """The packaged knowledge base, or knowledge/ beside bot/ when running from a source tree."""
    spec = importlib.util.find_spec("bot.knowledge_data")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if any(Path(location).glob("*.yml")):
                return Path(location)
    return Path(__file__).resolve().parents[2] / "knowledge"


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(entry)"


def read_entries(directory: Path) -> tuple[list[Entry], list[KnowledgeProblem]]:
    """Parse every *.yml file; return the valid entries and every problem found."""
    entries: list[Entry] = []
    problems: list[KnowledgeProblem] = []
    files = sorted(directory.glob("*.yml"))
    if not files:
        problems.append(KnowledgeProblem(str(directory), "(folder)", "no *.yml knowledge entries found"))
    for path in files:
        name = path.name
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)  # a safe loader
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(KnowledgeProblem(name, "(file)", f"not valid YAML: {exc}"))
            continue
        if not isinstance(data, dict):
            problems.append(KnowledgeProblem(name, "(file)", "must be a mapping of fields"))
            continue
        try:
            entry = Entry.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(KnowledgeProblem(name, _field_path(error["loc"]), error["msg"]))
            continue
        if entry.id != path.stem:
            problems.append(KnowledgeProblem(name, "id", f"is {entry.id!r} but must equal the file name"))
            continue
        entries.append(entry)
    return entries, problems


def read_knowledge(
    local: Path | None = None, *, only: bool = False
) -> tuple[list[Entry], list[KnowledgeProblem], Path]:
    """The packaged entries with a local folder's beside them (an entry with the same id replaces
    the packaged one), or the local folder alone when `only`; with every problem found, and the
    folder to name in messages."""
    if local is None or not only:
        entries, problems = read_entries(default_knowledge_dir())
    else:
        entries, problems = [], []
    if local is not None:
        extra, extra_problems = read_entries(local)
        replaced = {entry.id for entry in extra}
        entries = [entry for entry in entries if entry.id not in replaced] + extra
        problems += extra_problems
    return entries, problems, local or default_knowledge_dir()


def load_knowledge(local: Path | None = None, *, only: bool = False) -> KnowledgeBase:
    """Load the knowledge base (see read_knowledge), raising KnowledgeError naming file and field
    on any problem."""
    entries, problems, directory = read_knowledge(local, only=only)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(entries=entries, directory=directory)
