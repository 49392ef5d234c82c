"""Match a pasted error against the knowledge base, or say honestly that it is not a fal problem.

How a diagnosis is made:
1. `normalize()` peels escaping layers off the paste; for long pastes only the error-looking lines
   (and the lines where exact signals were found) are kept for fuzzy matching.
2. Exact signals are extracted: HTTP status codes, fal's messages, `error_type` values, exception
   class names, hosts, entry regexes. Each entry scores points for the signals it names.
3. rapidfuzz compares the focus text with the entries' examples (prepared once at load, shortlisted
   by a token index); weak built-in leanings per status code and keyword add a little per category.
4. Evidence decides whether the text is about fal at all (bot.evidence): fal hosts, clients,
   FAL_KEY, endpoint ids, fal's own messages. Another vendor's markers without strong fal evidence
   decline the text outright, and so does a text that reads like one of the knowledge base's
   declined not_examples. Messages and regexes that also match those declined texts do not count
   as fal evidence.
5. Causal cues (bot.evidence.causal_cues), for fal texts only: when the paste shows the cause as
   well as the symptom (a Bearer header sent to fal with a 401, "Authorization header is required"
   with no key in sight, a webhook delivery report, a content refusal reported as a 422, no HTTP
   answer at all), that family gets points and its best plausible entry goes first.
6. A confidence gate: a weak or ambiguous best match gives no match; with no fal evidence at all
   only an exact fal-specific signal (or a near copy of an example) is answered. A fal text with no
   match may still get `Diagnosis.guess`: the family that leads on real evidence, never an answer.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from rapidfuzz import fuzz

from bot import linear_re
from bot.diagnosis import evidence as ev
from bot.diagnosis.gloss import concept_categories, concepts
from bot.diagnosis.knowledge import PATTERN_FLAGS, Entry, KnowledgeBase
from bot.diagnosis.normalize import (
    FOCUS_BUDGET,
    MAX_INPUT_CHARS,
    Lines,
    cue_text,
    focus,
    fuzz_text,
    normalize,
    without_function_words,
)
from bot.diagnosis.similarity import Bm25, TextIndex, terms
from bot.keys import MESSAGES, KeyFinding, contains_key, key_findings_in_text, redact

_log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Tunable weights. Messages, error types and entry regexes are strong evidence; exceptions and hosts
# medium; a bare status code weak (many entries share one).
# ---------------------------------------------------------------------------------------------
POINTS_MESSAGE = 48.0
POINTS_GENERIC_MESSAGE = 20.0
POINTS_EXTRA_MESSAGE = 6.0
POINTS_ERROR_TYPE = 40.0
POINTS_PATTERN = 38.0
POINTS_TAINTED_PATTERN = 18.0
POINTS_EXCEPTION = 14.0
POINTS_HOST = 10.0
POINTS_STATUS = 12.0
PENALTY_STATUS_MISMATCH = 14.0
FUZZY_WEIGHT = 0.55
CONCEPT_POINTS = 24.0  # a family's problem named by two of its concepts in another language
POINTS_BM25 = 16.0  # the entry whose words fit the paste best (BM25 over title, summary, examples, symptoms)
BM25_MIN = 4.0
BM25_FULL = 20.0
NEAR_DUPLICATE_FROM = 85.0
NEAR_DUPLICATE_SLOPE = 3.0
MIN_SCORE_ABOUT_FAL = 36.0
MIN_SCORE_CLEAR_LEAD = 26.0
CLEAR_LEAD = 2.5
MIN_SCORE_WITHOUT_EVIDENCE = 60.0
NEAR_DUPLICATE_ALONE = 92.0
NEAR_COPY = 88.0
AMBIGUOUS_MARGIN = 2.0
AMBIGUOUS_BELOW = 50.0
RUNNER_UP_FLOOR = 25.0
CONFIDENT = 80.0  # scores from here on must be right (nearly) every time
CONFIDENT_LEAD = 12.0  # points ahead of the best entry of another family
MAX_MATCHES = 3
# A fal text below the gates above still gets its leading family, as a guess that asks for more.
GUESS_FLOOR = 20.0
GUESS_LEAD = 0.5  # points ahead of every other family: a tie is no guess
GUESS_WORDS = 0.3  # or a fit of rare words this good (everyday words like "room" fit some entry)
GUESS_CUE = 0.6  # or a family's wording worth this much (6 points: more than a bare "key")
GUESS_BELOW = MIN_SCORE_ABOUT_FAL  # a guess never shows more than an answer's lowest score
MIN_SCORE_GENERIC = 50.0  # a text naming no service: a match must be good and clearly ahead
GENERIC_LEAD = 6.0
MIN_SCORE_GENERIC_CLEAR = 25.0
GENERIC_CLEAR_LEAD = 14.0
NEAR_COPY_OF_DECLINED = 95.0  # (undamped) a copy of a text the knowledge base declines
NEGATIVE_MATCH = 90.0
# Statuses that mean the same whoever answered (payment required, too many requests, too large, the
# server failed or timed out). 401, 403, 404, 422 do not: fal's 403 is an exhausted balance, another
# API's a JWT or a permission; a bare one of these names no family for a text that names no service.
SAME_MEANING_EVERYWHERE = frozenset({402, 413, 429, 500, 502, 503, 504})
_SAME_MEANING_CODES = "|".join(str(code) for code in sorted(SAME_MEANING_EVERYWHERE))
# ...stated as a status by an HTTP library or server ("status code 429", "HTTP/1.1 503", "Status: 502",
# "error: (504)", "error code 502", the browser console's "the server responded with a status of 502")
_STATED_STATUS = linear_re.compile(
    r"\b(?:status(?: ?code)?(?: of)?|http(?:/\d(?:\.\d)?)?|response code|error(?: ?code)?)\W{0,3}\(?(?:"
    + _SAME_MEANING_CODES
    + r")\b",
    re.I,
)
# ...or said of a server in words ("the api is returning a 504", "the endpoint responds with 503",
# "my upload fails with a 413"), the number not counting something ("returned 500 images")
_STATUS_IN_WORDS = linear_re.compile(
    r"\b(?:return|respond|answer|fail)(?:s|ed|ing)?(?: with)? (?:an? )?(?:"
    + _SAME_MEANING_CODES
    + r")(?:s|\b)(?:\s*$|\s*[.,;:!?)(-]| (?:error|status|response|code|http|bad|internal|service|gateway"
    r"|too|payment|request|from|when|after|on|for|every|each|since|again|now|today|back|and|but|or)\b)",
    re.I,
)
GENERIC_EXAMPLE = 80.0  # an example this close to a declined text cannot vouch for fal alone
PENALTY_NEGATIVE_EXAMPLE = 40.0
# Longer pastes: entry regexes run on the error-looking lines only, this many characters. A regex
# such as `fal[^\n]{0,300}econnreset` over one long line full of both words costs RE2 ~10 ms per
# 1,000 characters (its DFA gives up and it steps an NFA): 20,000 such characters took 170 ms.
PATTERN_BUDGET = 2000


# The signals each entry is scored on, one number each (mostly 0 or 1). The score is their weighted
# sum; the hand-set weights below are the reference, a fitted set may replace them (weights.json).
FEATURES = (
    "message",  # one of the entry's fal-specific messages is in the text
    "generic_message",  # only a message that also reads like anybody's error
    "message_length",  # how long the best message is (longer: more telling), 0-1
    "extra_messages",  # further messages of the entry found
    "error_type",
    "pattern",  # an entry regex, that only matches fal's errors
    "tainted_pattern",  # an entry regex that also matches someone else's error
    "exception",
    "host",
    "status",  # the text's HTTP status is one of the entry's
    "status_mismatch",  # the text's status belongs to another family
    "category_cue",  # built-in leanings of words and status codes per family, /10
    "cause",  # a cause the paste shows or states, for this family (negative: ruled out)
    "similarity",  # best rapidfuzz similarity to the entry's examples and symptoms, 0-1
    "near_copy",  # how far above 85 that similarity is, 0-1
    "unlike",  # reads like one of the entry's not_examples
    "words",  # BM25 fit of the text's words to the entry's words, relative to the best entry
)
(
    F_MESSAGE,
    F_GENERIC_MESSAGE,
    F_MESSAGE_LENGTH,
    F_EXTRA_MESSAGES,
    F_ERROR_TYPE,
    F_PATTERN,
    F_TAINTED_PATTERN,
    F_EXCEPTION,
    F_HOST,
    F_STATUS,
    F_STATUS_MISMATCH,
    F_CUE,
    F_CAUSE,
    F_SIMILARITY,
    F_NEAR_COPY,
    F_UNLIKE,
    F_WORDS,
) = range(len(FEATURES))
HAND_WEIGHTS: tuple[float, ...] = (
    POINTS_MESSAGE,
    POINTS_GENERIC_MESSAGE,
    10.0,
    POINTS_EXTRA_MESSAGE,
    POINTS_ERROR_TYPE,
    POINTS_PATTERN,
    POINTS_TAINTED_PATTERN,
    POINTS_EXCEPTION,
    POINTS_HOST,
    POINTS_STATUS,
    -PENALTY_STATUS_MISMATCH,
    10.0,
    ev.CAUSAL_POINTS,
    100.0 * FUZZY_WEIGHT,
    NEAR_DUPLICATE_SLOPE * (100.0 - NEAR_DUPLICATE_FROM),
    -PENALTY_NEGATIVE_EXAMPLE,
    POINTS_BM25,
)


@dataclass(frozen=True)
class Weights:
    """One weight per feature. Fitted weights (weights.json, written by benchmarks/fit_weights.py)
    give utilities: a softmax over the entries and "none of them" (utility `none`) gives
    probabilities, shown as scores; the hand weights give points and the older gates."""

    weights: tuple[float, ...]
    none: float = 0.0
    fitted: bool = False


WEIGHTS_FILE = Path(__file__).with_name("weights.json")


def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    """The fitted weights when the file says to use them, else the hand weights."""
    if not path.exists():
        return Weights(HAND_WEIGHTS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("use") and list(data["features"]) == list(FEATURES):
            return Weights(tuple(float(w) for w in data["weights"]), float(data["none"]), True)
    except (OSError, ValueError, KeyError, TypeError):
        _log.warning("could not read %s; using the hand-set weights", path)
    return Weights(HAND_WEIGHTS)


DEFAULT_WEIGHTS = load_weights()
# Fitted weights: a family this likely is answered (fal texts / without fal evidence / generic).
P_FAL = 0.3
P_WITHOUT_EVIDENCE = 0.5
P_GENERIC = 0.5
RUNNER_UP_PROBABILITY = 0.08


@dataclass(frozen=True)
class Match:
    id: str
    title: str
    category: str
    score: float
    entry: Entry

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "category": self.category, "score": self.score}


@dataclass(frozen=True)
class Diagnosis:
    fal_related: bool
    matches: tuple[Match, ...]
    key_findings: tuple[KeyFinding, ...]
    evidence: tuple[str, ...] = ()
    # the text names no service at all; the matches hold "if this came from a call to fal"
    generic: bool = False
    # a text about fal that no entry fits well enough to be a match: the family that still leads,
    # for a reply that asks for what would decide it (never one of `matches`, which are answers)
    guess: Match | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "fal_related": self.fal_related,
            "matches": [m.to_json() for m in self.matches],
            "key_findings": [f.to_json() for f in self.key_findings],
            "evidence": list(self.evidence),
            # the contract: `generic` is true, or false or absent; absent keeps older readers' shape
            **({"generic": True} if self.generic else {}),
            # an extension, like `evidence`: present only when there is a guess
            **({"guess": self.guess.to_json()} if self.guess else {}),
        }

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def declines(self) -> bool:
        """Not a fal problem: no match, or only the answer for a text that names no service."""
        return not self.fal_related and (not self.matches or self.generic)


class _LazyFlags:
    """Per-item flags computed on first use: most are never asked for, and start-up pays for none.
    Two threads asking at once compute the same value twice, which is harmless."""

    def __init__(self, compute: Callable[[int], bool]):
        self._compute = compute
        self._known: dict[int, bool] = {}

    def __getitem__(self, key: int) -> bool:
        value = self._known.get(key)
        if value is None:
            value = self._known[key] = self._compute(key)
        return value


class _Foreign(NamedTuple):
    """How much a text reads like known non-fal errors (declined not_examples)."""

    looks: bool  # more like one of them than like any fal example
    looks_named: bool  # the same, counting only those that name another service
    named: float  # similarity to the closest one that names another service (100: a near copy)


@dataclass
class _Message:
    text: str  # lower case, whitespace collapsed
    specific: bool  # specific enough to prove the text is about fal, and to count as strong


@dataclass
class _Prepared:
    """Everything about one entry that matching needs, computed once."""

    entry: Entry
    messages: tuple[_Message, ...]
    error_types: frozenset[str]
    exceptions: frozenset[str]
    hosts: frozenset[str]
    # (regex, the indices in Diagnoser._needles of the literals every match contains, registry key)
    patterns: tuple[tuple[linear_re.Pattern, frozenset[int], int], ...]
    status_codes: frozenset[int]


@dataclass
class _Scored:
    score: float
    strong: bool  # an exact signal that only fal's errors carry
    near_duplicate: bool  # almost the same text as one of the entry's fal-specific examples
    prepared: _Prepared
    features: dict[int, float] = field(default_factory=dict)  # feature index -> value, zeros left out
    raw: float = 0.0  # the weighted sum before clipping at 0 (fitted weights: a utility)


# The crafted text Diagnoser.warm reads: long enough to meet most of the regexes' states.
WARM_TEXT_CHARS = 16_000
WARM_WORD_TEXTS = 4  # texts made of the patterns' own words, each read as a sentence and as lines


def literal_soup(literals: list[str], size: int, seed: int) -> str:
    """One long line of `literals` (those the knowledge base's regexes require) mixed with fal
    hosts: every entry regex runs, and each of its bounded repeats (`fal[^\\n]{0,300}econnreset`)
    starts at every other word, which makes RE2's DFA give up and step an NFA. The hardest
    crafted text known for the matcher (tests and benchmarks time it; warm() reads one)."""
    rng = random.Random(seed)
    words = [rng.choice(literals) + rng.choice(("fal ", " ", " fal.run ")) for _ in range(size // 4)]
    return "".join(words)[:size]


def _required_literals(pattern: str) -> tuple[str, ...]:
    """Lower-case literal runs (3+ characters) that every match of `pattern` must contain.

    Only top-level runs (not inside groups, branches or repeats), so the answer is safe to use as a
    prefilter: when one of them is missing from the text, the regex cannot match.
    """
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]

        parsed = sre_parse.parse(pattern)
    except Exception:  # an unusual pattern simply gets no prefilter
        return ()
    runs: list[str] = []
    current: list[str] = []
    for op, argument in parsed:
        char = chr(argument) if str(op) == "LITERAL" and isinstance(argument, int) else ""
        if char and char.isprintable() and char.isascii():
            current.append(char.lower())
            continue
        runs.append("".join(current))
        current = []
    runs.append("".join(current))
    return tuple(run for run in dict.fromkeys(runs) if len(run) >= 3)


# Escapes (`\b`, `\pL`, `\n`) and what is left of a pattern's syntax once its words are taken.
_ESCAPE = linear_re.compile(r"\\(?:p\{\w+\}|.)", re.DOTALL)
_WORD = linear_re.compile(r"\pL{3,}")


def _pattern_words(pattern: str) -> tuple[str, ...]:
    """Lower-case words (3+ letters) anywhere in `pattern` (a pattern of ours, not user text), in
    its branches and groups too: the words its matches are made of, for warm() to read. Taken from
    the source, not the parse tree: parsing 436 patterns cost 0.2 s of every batch's start-up."""
    return tuple(dict.fromkeys(word.lower() for word in _WORD.findall(_ESCAPE.sub(" ", pattern))))


def _quoted(word: str, lowered: str) -> bool:
    """An error type that is also an English word ("missing", "enum") counts only as a quoted value
    (`"type": "missing"`), not in a sentence ("Missing or invalid Authorization header")."""
    return f'"{word}"' in lowered or f"'{word}'" in lowered


def _names_another_service(text: str) -> bool:
    """Whether a normalised text names a service other than fal (a vendor, its host or package)."""
    return ev.gather(text, ev.text_hosts(text)).declined


def _document(entry: Entry) -> str:
    """Everything an entry says in words: what BM25 reads."""
    return " ".join([entry.title, entry.summary, *(t.text for t in (*entry.examples, *entry.symptoms))])


def _collapse(text: str) -> str:
    return " ".join(text.lower().split())


class Diagnoser:
    """Diagnoses pasted texts against one knowledge base. Build once, call `diagnose` many times."""

    def __init__(self, kb: KnowledgeBase, weights: Weights | None = None):
        self.kb = kb
        weights = weights if weights is not None else DEFAULT_WEIGHTS
        self.weights = weights.weights
        self.none_utility = weights.none
        self.fitted = weights.fitted
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"{len(self.weights)} weights for {len(FEATURES)} features")
        # the hand weights move a plausible entry of a family whose cause the paste shows to the
        # front; fitted weights weigh the cause like any other signal
        self.lead_by_cause = not self.fitted
        # Other vendors' errors kept in the knowledge base: a message or regex that also matches
        # one of them is not evidence of fal.
        declined = [normalize(ne.text) for entry in kb for ne in entry.not_examples if ne.declined]
        declined_collapsed = [_collapse(text) for text in declined]
        self._prepared: list[_Prepared] = []
        fal_messages: list[str] = []
        self._pattern_regexes: list[linear_re.Pattern] = []
        needle_ids: dict[str, int] = {}
        self._pattern_needles: list[frozenset[int]] = []
        # Whether each entry regex also matches someone else's error: asked only of the few regexes
        # a paste hits, so start-up runs none of them over the declined texts. A regex runs only
        # over the texts holding every literal its matches need (warm() asks all: 2.5x faster).
        self._pattern_tainted = _LazyFlags(
            lambda k: any(
                self._pattern_needles[k] <= present and self._pattern_regexes[k].search(text)
                for text, present in self._declined_needles
            )
        )
        self._declined_texts = declined
        for entry in kb:
            signals = entry.signals
            messages = []
            for raw_message in signals.messages:
                message = _collapse(normalize(raw_message))
                if not message:
                    continue
                specific = ev.is_specific_message(message) and not any(
                    message in t for t in declined_collapsed
                )
                messages.append(_Message(message, specific))
                if specific:
                    fal_messages.append(message)
            patterns = []
            for source in signals.patterns:
                regex = linear_re.compile(source, PATTERN_FLAGS)
                literals = _required_literals(source)
                needles = frozenset(needle_ids.setdefault(n, len(needle_ids)) for n in literals)
                patterns.append((regex, needles, len(self._pattern_regexes)))
                self._pattern_regexes.append(regex)
                self._pattern_needles.append(needles)
            self._prepared.append(
                _Prepared(
                    entry=entry,
                    messages=tuple(messages),
                    error_types=frozenset(t.lower() for t in signals.error_types),
                    exceptions=frozenset(e.lower().rsplit(".", 1)[-1] for e in signals.exceptions),
                    hosts=frozenset(h.lower() for h in signals.hosts),
                    patterns=tuple(patterns),
                    status_codes=frozenset(signals.status_codes),
                )
            )
        self._needles = linear_re.LiteralSet(list(needle_ids))
        self._fal_messages = linear_re.LiteralSet(fal_messages)
        # every entry's messages, found in one pass (not one substring search each over the paste)
        self._message_texts = linear_re.LiteralSet(
            sorted({m.text for p in self._prepared for m in p.messages})
        )
        self._known_tokens: frozenset[str] = frozenset().union(
            *(p.error_types | p.exceptions for p in self._prepared)
        )
        alternatives = "|".join(re.escape(t) for t in sorted(self._known_tokens, key=len, reverse=True))
        self._known_token_re = linear_re.compile(rf"\b(?:{alternatives or 'x^'})\b", re.IGNORECASE)
        # The fuzzy index: every example, reduced the same way a paste is.
        # An example that reads like one of the declined texts cannot vouch for fal on its own.
        self._choices: list[str] = []
        self._choice_owner: list[int] = []
        declined_index = TextIndex([fuzz_text(focus(text)) for text in declined], shortlist=8)
        symptom_from = 0  # choices from here on are symptoms: generic by definition
        self._choice_generic = _LazyFlags(
            lambda k: k >= symptom_from or bool(declined_index.scores(self._choices[k], GENERIC_EXAMPLE))
        )
        # not_examples as a second index: declined ones are other vendors' errors; the others belong
        # to another entry and only push their own entry down.
        self._negatives: list[str] = []
        self._negative_owner: list[int | None] = []
        negative_texts: list[str] = []
        for index, entry in enumerate(kb):
            for counter in entry.not_examples:
                text = normalize(counter.text)
                self._negatives.append(fuzz_text(focus(text)))
                self._negative_owner.append(None if counter.declined else index)
                negative_texts.append(text)
        # a declined text that names nobody (a bare nginx 502 from another project) shows that
        # fal-looking wording is not proof of fal, but not that a bare paste is foreign
        self._negative_named = _LazyFlags(
            lambda k: self._negative_owner[k] is None and _names_another_service(negative_texts[k])
        )
        for index, entry in enumerate(kb):
            for example in entry.examples:
                choice = fuzz_text(focus(normalize(example.text)))
                self._choices.append(choice)
                self._choice_owner.append(index)
        symptom_from = len(self._choices)
        # People's own words for each problem: fuzzy choices too, but never proof of fal (generic).
        for index, entry in enumerate(kb):
            for symptom in entry.symptoms:
                self._choices.append(fuzz_text(normalize(symptom.text)))
                self._choice_owner.append(index)
        self._positive_index = TextIndex(self._choices, shortlist=40)
        self._bm25 = Bm25([terms(_document(entry)) for entry in kb])
        self._negative_index = TextIndex(self._negatives, shortlist=12)

    @cached_property
    def _declined_needles(self) -> list[tuple[str, frozenset[int]]]:
        """Each declined text with the entry regexes' literals it holds (computed on first use)."""
        return [(text, self._needles.present(text.lower())) for text in self._declined_texts]

    # -- public ------------------------------------------------------------------------------
    @property
    def pattern_literals(self) -> list[str]:
        """The literals the entry regexes require (what their prefilter looks for), sorted."""
        return sorted(self._needles.literals)

    def warm(self) -> Diagnoser:
        """Compute now every flag that is otherwise computed on first use: for a process that will
        read many pastes (a batch, the Slack app), so no paste pays for another's first use."""
        for key in range(len(self._pattern_regexes)):
            self._pattern_tainted[key]
        for key in range(len(self._choices)):
            self._choice_generic[key]
        for key in range(len(self._negatives)):
            self._negative_named[key]
        # RE2 builds its automata's states as texts need them: the first long paste made of what
        # the regexes look for took 59 ms, the next one like it 18. Reading one such text now
        # (30 ms) builds most of those states: a different one then took 28 ms.
        self.diagnose(literal_soup(self.pattern_literals, WARM_TEXT_CHARS, seed=0))
        # The other patterns a paste meets (cues, stated causes, markers, hosts) are warmed with
        # their own words, as a sentence and as short lines: in a batch of 300 everyday pastes the
        # first readings then took ~8% less (their states were built here, not by the first pastes).
        words = sorted({word for p in linear_re.compiled_patterns() for word in _pattern_words(p.pattern)})
        rng = random.Random(1)
        for _ in range(WARM_WORD_TEXTS):
            picked = [rng.choice(words) for _ in range(300)]
            self.diagnose(" ".join(picked))
            self.diagnose("\n".join(" ".join(picked[i : i + 8]) for i in range(0, len(picked), 8)))
        return self

    def diagnose(self, text: str) -> Diagnosis:
        """Diagnose any string. Never raises: a failure inside gives an empty, unrelated diagnosis."""
        try:
            return self._diagnose(text if isinstance(text, str) else str(text))
        except Exception:  # the input is the user's: a diagnosis must never take the bot down
            _log.exception(
                "diagnosis failed on a %d-character text", len(text) if isinstance(text, str) else -1
            )
            return Diagnosis(False, (), (), ("could not analyse this text",))

    def features(self, text: str) -> tuple[str, list[tuple[str, tuple[float, ...]]]]:
        """For fitting the weights: the text's verdict (`fal`, `generic` or `other`) and every
        entry's feature vector (see FEATURES)."""
        text = normalize(text[:MAX_INPUT_CHARS])
        codes, offsets = ev.status_codes(text)
        hosts = ev.text_hosts(text)
        found = ev.gather(text, hosts, self._fal_messages)
        findings = {f.code for f in key_findings_in_text(text)} - {"exposed", "unexpected_shape"}
        causes = {} if found.declined else ev.causal_cues(text, codes, findings)[0]
        scored = self._score(text, codes, offsets, hosts, [], causes, about_fal=found.about_fal)[0]
        verdict = "other" if found.declined else ("fal" if found.about_fal else "generic")
        return verdict, [
            (item.prepared.entry.id, tuple(item.features.get(k, 0.0) for k in range(len(FEATURES))))
            for item in scored
        ]

    # -- steps -------------------------------------------------------------------------------
    def _diagnose(self, raw: str) -> Diagnosis:
        raw = raw[:MAX_INPUT_CHARS]
        text = normalize(raw)
        if not text:
            return Diagnosis(False, (), (), ())
        key_findings = tuple(key_findings_in_text(text))
        if not any(f.code == "exposed" for f in key_findings) and contains_key(raw):
            key_findings += (KeyFinding("exposed", MESSAGES["exposed"]),)

        codes, offsets = ev.status_codes(text)
        hosts = ev.text_hosts(text)
        found = ev.gather(text, hosts, self._fal_messages)
        phrases = found.phrases() + [f"HTTP {code}" for code in sorted(codes)[:3]]
        if found.declined:
            return Diagnosis(False, (), key_findings, _clean(phrases))

        finding_codes = {f.code for f in key_findings} - {"exposed", "unexpected_shape"}
        causes, causal_phrases = ({}, []) if found.declined else ev.causal_cues(text, codes, finding_codes)
        phrases += causal_phrases
        scored, foreign = self._score(text, codes, offsets, hosts, phrases, causes, about_fal=found.about_fal)
        # a text with no fal hint at all is foreign only if it reads like a vendor's named error
        looks_foreign = foreign.looks if found.about_fal or found.weak else foreign.looks_named
        if looks_foreign and not found.strong:
            phrases.append("reads like a known non-fal error")
            return Diagnosis(False, (), key_findings, _clean(phrases))
        if found.about_fal:
            matches = self._gate(scored, True) or self._status_says(scored, codes)
            guess = None if matches else self._guess(scored)
            return Diagnosis(True, matches, key_findings, _clean(phrases), guess=guess)
        # Names no service: fal's own specific wording (or a near copy of a fal example) still says
        # fal; otherwise a confident match is offered as "if this came from a call to fal".
        matches = self._gate(scored, False)
        if matches:
            phrases.append("matches fal's own error text")
            return Diagnosis(True, matches, key_findings, _clean(phrases))
        # a text the knowledge base lists as someone else's error gets no generic answer either
        listed_as_foreign = foreign.named >= NEGATIVE_MATCH
        matches = () if listed_as_foreign else self._gate_generic(scored)
        if (
            not matches
            and not listed_as_foreign
            and codes
            and codes <= SAME_MEANING_EVERYWHERE
            and (_STATED_STATUS.search(text) or _STATUS_IN_WORDS.search(text))
        ):
            # only a status, in an HTTP library's own sentence ("Request failed with status code 429",
            # "Status: 503"): that status's family, as for a fal text, when the status means the same
            # at any service. Prose about a status from nobody ("throwing 500s") is no answer.
            matches = self._status_says(scored, codes)
        # an answer that holds only if the text came from fal is never a confident one
        matches = tuple(replace(m, score=min(m.score, CONFIDENT - 0.1)) for m in matches)
        if matches:
            phrases.append("names no service: the answer holds if this came from a call to fal")
        return Diagnosis(False, matches, key_findings, _clean(phrases), generic=bool(matches))

    def _score(
        self,
        text: str,
        codes: set[int],
        offsets: list[int],
        hosts: set[str],
        phrases: list[str],
        causes: dict[str, float] | None = None,
        about_fal: bool = True,
    ) -> tuple[list[_Scored], _Foreign]:
        """Every entry scored, best first, and how much the text reads like known non-fal errors.
        `about_fal`: the text is about fal, so a status fal uses for a family (a 400 for an input it
        refuses) agrees with that family; in anybody's text a bare 400 agrees with none."""
        lowered = text.lower()
        collapsed = _collapse(text)
        # the error types and exception names the text contains, as whole words (one pass that
        # matches only those words: a paste of 20,000 short words costs no Python loop per word)
        tokens = (
            {token.lower() for token in self._known_token_re.findall(text)} if self._known_tokens else set()
        )

        # Exact message hits, and where they sit so the focus window keeps them in long pastes.
        hits_at = list(offsets)
        message_hits: dict[int, list[_Message]] = {}
        messages_in_text = self._message_texts.occurring(collapsed)
        for index, prepared in enumerate(self._prepared):
            for message in prepared.messages:
                if message.text in messages_in_text and ev.contains_phrase(collapsed, message.text):
                    message_hits.setdefault(index, []).append(message)
                    position = lowered.find(message.text[:24])
                    if position >= 0:
                        hits_at.append(position)
        lines = Lines(text) if len(text) > FOCUS_BUDGET else None
        window = focus(text, tuple(hits_at), lines=lines)
        pattern_text = text
        if len(text) > PATTERN_BUDGET:
            pattern_text = focus(text, tuple(hits_at), PATTERN_BUDGET, lines)
        needles_present = self._needles.present(pattern_text.lower())
        cue_query = cue_text(window)
        query = without_function_words(cue_query)
        fuzzy = self._fuzzy(query)
        unlike, foreign, named, declined_copy = self._negative_similarity(query)
        best_positive = max((similarity for similarity, _, _ in fuzzy.values()), default=0.0)
        bonus = ev.category_bonus(cue_query, codes)
        window_terms = terms(window)
        glossed = concepts(window_terms, window)
        relevance = self._bm25.scores(window_terms + terms(" ".join(glossed)) if glossed else window_terms)
        for family in concept_categories(glossed):
            bonus[family] = bonus.get(family, 0.0) + CONCEPT_POINTS
        top_relevance = max(relevance.values(), default=0.0)
        families = ev.status_families(codes, about_fal)

        recorded: set[str] = set()
        results: list[_Scored] = []
        weights = self.weights
        for index, prepared in enumerate(self._prepared):
            f: dict[int, float] = {}  # sparse: most entries have two or three signals
            strong = False
            hits = message_hits.get(index)
            if hits:
                best = max(hits, key=lambda m: (m.specific, len(m.text)))
                f[F_MESSAGE if best.specific else F_GENERIC_MESSAGE] = 1.0
                f[F_MESSAGE_LENGTH] = min(10.0, len(best.text) / 6.0) / 10.0
                if len(hits) > 1:
                    f[F_EXTRA_MESSAGES] = float(len(hits) - 1)
                strong = best.specific
            types = {t for t in prepared.error_types & tokens if "_" in t or _quoted(t, lowered)}
            if types:
                f[F_ERROR_TYPE] = 1.0
                for name in sorted(types - recorded):
                    recorded.add(name)
                    phrases.append(f"error type {name}")
            pattern_hits = [
                self._pattern_tainted[key]
                for regex, needles, key in prepared.patterns
                if needles <= needles_present and regex.search(pattern_text)
            ]
            if pattern_hits:
                if not all(pattern_hits):
                    f[F_PATTERN] = 1.0
                    strong = True
                else:
                    f[F_TAINTED_PATTERN] = 1.0
            exceptions = prepared.exceptions & tokens
            if exceptions:
                f[F_EXCEPTION] = 1.0
                for name in sorted(exceptions - recorded):
                    recorded.add(name)
                    phrases.append(f"exception {name}")
            if prepared.hosts & hosts:
                f[F_HOST] = 1.0
            if prepared.status_codes and codes:
                if prepared.status_codes & codes:
                    f[F_STATUS] = 1.0
                elif prepared.entry.category not in families:
                    # the text's status belongs to another family (a 402 is still billing, like 403)
                    f[F_STATUS_MISMATCH] = 1.0
            cue = bonus.get(prepared.entry.category)
            if cue:
                f[F_CUE] = cue / 10.0
            cause = causes.get(prepared.entry.category) if causes else None
            if cause:
                # a cause the paste shows outweighs look-alike wording from a neighbouring family
                f[F_CAUSE] = cause / ev.CAUSAL_POINTS
            fit = relevance.get(index) if top_relevance >= BM25_MIN else None
            if fit:
                # relative fit, worth less when even the best fit shares few rare words with the paste
                f[F_WORDS] = min(1.0, top_relevance / BM25_FULL) * fit / top_relevance
            similarity, generic, position = fuzzy.get(index, (0.0, True, -1))
            if similarity:
                f[F_SIMILARITY] = similarity / 100.0
            # a copy of an example but with another family's status is the same log line or client
            # wrapper reporting another problem: it resembles, it does not repeat the example
            copy_counts = F_STATUS_MISMATCH not in f
            if similarity > NEAR_DUPLICATE_FROM and copy_counts:
                f[F_NEAR_COPY] = (similarity - NEAR_DUPLICATE_FROM) / (100.0 - NEAR_DUPLICATE_FROM)
            if unlike.get(index, 0.0) >= NEGATIVE_MATCH and unlike[index] > similarity:
                f[F_UNLIKE] = 1.0  # reads like a text this entry says is not its own
            near_duplicate = (
                copy_counts
                and similarity >= NEAR_DUPLICATE_ALONE
                and not generic
                and len(query) >= 40
                # a near copy both ways, not a short text whose words all occur in a longer example
                and fuzz.token_sort_ratio(query, self._choices[position]) >= NEAR_COPY
            )
            points = sum(weights[k] * x for k, x in f.items())
            results.append(_Scored(max(0.0, points), strong, near_duplicate, prepared, f, points))
        results.sort(key=lambda item: item.raw, reverse=True)
        if causes and results and self.lead_by_cause:
            _let_the_cause_lead(results, causes)
        return results, _Foreign(
            looks=foreign >= NEGATIVE_MATCH and foreign > best_positive,
            looks_named=named >= NEGATIVE_MATCH and named > best_positive,
            named=100.0 if declined_copy else named,
        )

    def _negative_similarity(self, query: str) -> tuple[dict[int, float], float, float, bool]:
        """Similarity to not_examples: per entry for `declined: false` ones, the best declined one,
        the best declined one that names another service, and whether the query is a near copy of
        such a one (whatever its length)."""
        per_entry: dict[int, float] = {}
        foreign = named = 0.0
        declined_copy = False
        if not query or not self._negatives:
            return per_entry, foreign, named, declined_copy
        damping = min(1.0, (len(query) / 80.0) ** 0.5)
        for position, similarity in self._negative_index.scores(query, NEGATIVE_MATCH):
            owner = self._negative_owner[position]
            is_named = self._negative_named[position]
            # a copy both ways: "502 Bad Gateway" is in many a vendor's error, naming it is not
            declined_copy |= (
                is_named
                and similarity >= NEAR_COPY_OF_DECLINED
                and fuzz.token_sort_ratio(query, self._negatives[position]) >= NEAR_COPY
            )
            similarity *= damping
            if owner is None:
                foreign = max(foreign, similarity)
                if is_named:
                    named = max(named, similarity)
            else:
                per_entry[owner] = max(per_entry.get(owner, 0.0), similarity)
        return per_entry, foreign, named, declined_copy

    def _fuzzy(self, query: str) -> dict[int, tuple[float, bool, int]]:
        """Per entry: best similarity to its examples (damped for very short queries), whether that
        example is generic (reads like someone else's error), and which example it is."""
        if not query or not self._choices:
            return {}
        damping = min(1.0, (len(query) / 80.0) ** 0.5)
        best: dict[int, tuple[float, bool, int]] = {}
        for position, similarity in self._positive_index.scores(query, 30):
            owner = self._choice_owner[position]
            value = (similarity * damping, self._choice_generic[position], position)
            if owner not in best or value[0] > best[owner][0]:
                best[owner] = value
        return best

    def _probabilities(self, scored: list[_Scored]) -> tuple[list[float], float]:
        """Fitted weights: each entry's probability (a softmax over the entries and "none of
        them"), and the probability of the first entry's family."""
        utilities = [item.raw for item in scored]
        top = max([*utilities, self.none_utility])
        exps = [math.exp(u - top) for u in utilities]
        total = sum(exps) + math.exp(self.none_utility - top)
        probabilities = [e / total for e in exps]
        category = scored[0].prepared.entry.category
        family = sum(
            p
            for p, item in zip(probabilities, scored, strict=True)
            if item.prepared.entry.category == category
        )
        return probabilities, family

    def _gate_fitted(self, scored: list[_Scored], threshold: float, needs_strong: bool) -> tuple[Match, ...]:
        """Fitted weights: the best entry when its family is likely enough; scores are probabilities."""
        if not scored:
            return ()
        probabilities, family = self._probabilities(scored)
        top = scored[0]
        if family < threshold or (needs_strong and not (top.strong or top.near_duplicate)):
            return ()
        entry = top.prepared.entry
        matches = [Match(entry.id, entry.title, entry.category, round(100.0 * family, 1), entry)]
        for probability, item in zip(probabilities[1:], scored[1:], strict=True):
            if len(matches) >= MAX_MATCHES or probability < RUNNER_UP_PROBABILITY:
                break
            entry = item.prepared.entry
            matches.append(Match(entry.id, entry.title, entry.category, round(100.0 * probability, 1), entry))
        return tuple(matches)

    def _guess(self, scored: list[_Scored]) -> Match | None:
        """A text about fal that no entry fits well: the leading family alone, marked as a guess
        (the reply asks for what would decide it), or nothing when no family leads. Rare words
        shared with an entry's symptoms may lead (how people describe problems in their words);
        loose fuzzy resemblance alone may not."""
        if self.fitted or not scored:
            return None
        top, _rival, lead = _family_lead(scored)
        # a fal host says the text is about fal, not which problem, and the faintest cues (a bare
        # "key" in `cache miss for key user:42`) say little more: neither grounds a guess alone
        features = top.features
        grounded = (
            any(features.get(k, 0.0) > 0 for k in _SIGNALS if k not in (F_HOST, F_CUE))
            or features.get(F_CUE, 0.0) >= GUESS_CUE
            or features.get(F_WORDS, 0.0) >= GUESS_WORDS
        )
        if top.score < GUESS_FLOOR or lead < GUESS_LEAD or not grounded:
            return None
        match = _match(top, lead)
        return replace(match, score=min(match.score, GUESS_BELOW - 0.1))

    def _status_says(self, scored: list[_Scored], codes: set[int]) -> tuple[Match, ...]:
        """A text whose only evidence is a status of one family ("fal is throwing 500s", "getting
        502s from fal", a bare "Request failed with status code 429"): that family, at an answer's
        lowest score. Anything more in the text (a message, a cause, another family's status) is
        the gate's to weigh, not this."""
        if self.fitted or not scored or not codes:
            return ()
        families = {ev.status_family(code) for code in codes}
        if len(families) != 1 or None in families:
            return ()
        top, _rival, lead = _family_lead(scored)
        if not any(_says_something(item) for item in scored if item.prepared.entry.category not in families):
            # other families lead, or trail closely, on loose resemblance alone (a model's name shared
            # with an entry's words: "500s on flux dev"; a 503 that two server entries share, just
            # above a queue entry's likeness): the status's family still speaks, the rest says nothing
            top = next((item for item in scored if item.prepared.entry.category in families), top)
            lead = max(lead, GUESS_LEAD) if top is scored[0] else GUESS_LEAD
        features = top.features
        only_the_status = features.get(F_STATUS, 0.0) > 0 and not any(
            features.get(k, 0.0) > 0 for k in _SIGNALS if k not in (F_STATUS, F_CUE)
        )
        if top.prepared.entry.category not in families or not only_the_status or lead < GUESS_LEAD:
            return ()
        return (replace(_match(top, lead), score=MIN_SCORE_ABOUT_FAL),)

    def _gate_generic(self, scored: list[_Scored]) -> tuple[Match, ...]:
        """A text naming no service: only a good score that clearly leads other families."""
        if self.fitted:
            if scored and not _says_something(scored[0]):
                return ()  # resembling some example's words is no answer for a text naming nothing
            return self._gate_fitted(scored, P_GENERIC, False)
        if not scored:
            return ()
        top, _rival, lead = _family_lead(scored)
        good = top.score >= MIN_SCORE_GENERIC and lead >= GENERIC_LEAD
        # a modest score whose family is far ahead of every other family is clear too
        if not (good or (top.score >= MIN_SCORE_GENERIC_CLEAR and lead >= GENERIC_CLEAR_LEAD)):
            return ()
        matches = [_match(top, lead)]
        for item in scored[1:]:
            if len(matches) >= MAX_MATCHES or item.score < RUNNER_UP_FLOOR:
                break
            matches.append(_runner_up(item, matches[0]))
        return tuple(matches)

    def _gate(self, scored: list[_Scored], about_fal: bool) -> tuple[Match, ...]:
        """The best match and runners-up, or nothing when the best is weak or ambiguous."""
        if self.fitted:
            return self._gate_fitted(scored, P_FAL if about_fal else P_WITHOUT_EVIDENCE, not about_fal)
        if not scored:
            return ()
        top, rival, lead = _family_lead(scored)
        if about_fal:
            # A fal text: a good score, or a modest one that clearly leads every other family.
            if top.score < MIN_SCORE_ABOUT_FAL and not (
                top.score >= MIN_SCORE_CLEAR_LEAD and lead >= CLEAR_LEAD
            ):
                return ()
        elif not (top.near_duplicate or (top.strong and top.score >= MIN_SCORE_WITHOUT_EVIDENCE)):
            return ()
        if rival is not None and not top.strong and top.score < AMBIGUOUS_BELOW and lead < AMBIGUOUS_MARGIN:
            return ()  # two families of problems fit equally well: no answer
        matches = [_match(top, lead)]
        for item in scored[1:]:
            if len(matches) >= MAX_MATCHES or item.score < RUNNER_UP_FLOOR:
                break
            matches.append(_runner_up(item, matches[0]))
        return tuple(matches)


class _Warmable(Protocol):
    def warm(self) -> object: ...


_W = TypeVar("_W", bound=_Warmable)


def warm_for_many_pastes(load: Callable[[], _W]) -> _W:
    """Load and warm a Diagnoser for a process that reads many pastes (the Slack app, a
    `diagnose --jsonl` batch), then move everything alive to the collector's permanent generation.

    A full collection walks every tracked object while holding the GIL. The knowledge base's index
    is most of the process's objects (~80,000): a full collection took 35-50 ms, in the Slack app
    an ack caught behind one waited as long, and in a batch the first large paste paid for it.
    What is frozen is never walked again (nor freed: it lives as long as the process anyway). No
    collection runs during the load either: everything it makes stays alive."""
    gc.disable()
    try:
        loaded = load()
        loaded.warm()
        return loaded
    finally:
        gc.freeze()
        gc.enable()


# What a text itself says about a family, as opposed to resembling an example's words.
_SIGNALS = (
    *(F_MESSAGE, F_GENERIC_MESSAGE, F_ERROR_TYPE, F_PATTERN, F_TAINTED_PATTERN, F_EXCEPTION, F_HOST),
    *(F_STATUS, F_CUE, F_CAUSE),
)


def _says_something(item: _Scored) -> bool:
    return any(item.features.get(k, 0.0) > 0 for k in _SIGNALS)


def _family_lead(scored: list[_Scored]) -> tuple[_Scored, _Scored | None, float]:
    """The best candidate, the best one of another category, and how far the first leads it."""
    top = scored[0]
    category = top.prepared.entry.category
    rival = next((item for item in scored[1:] if item.prepared.entry.category != category), None)
    return top, rival, top.score - (rival.score if rival else 0.0)


def _let_the_cause_lead(results: list[_Scored], causes: dict[str, float]) -> None:
    """A plausible entry of a family the paste shows the cause of goes first (results stay sorted)."""
    for category in sorted((c for c, p in causes.items() if p > 0), key=causes.__getitem__, reverse=True):
        if causes[category] < ev.CAUSAL_POINTS and results and results[0].strong:
            continue  # a weaker cause does not move ahead of fal's exact wording for another family
        best = next((item for item in results if item.prepared.entry.category == category), None)
        if best is None or best.score < RUNNER_UP_FLOOR:
            continue
        # ahead of every other family by the margin that makes it no tie (see AMBIGUOUS_MARGIN)
        rival = max((i.score for i in results if i.prepared.entry.category != category), default=0.0)
        best.score = max(best.score, rival + AMBIGUOUS_MARGIN)
        results.remove(best)
        results.insert(0, best)
        return


def display_score(raw: float) -> float:
    """Raw points as a 0-100 confidence: linear up to 80, then easing towards 100, so strong
    matches keep their order instead of all showing 100."""
    if raw <= 80.0:
        return round(max(0.0, float(raw)), 1)
    return round(80.0 + 20.0 * (1.0 - math.exp(-(raw - 80.0) / 30.0)), 1)


def _match(item: _Scored, lead: float | None = None) -> Match:
    """A match with its 0-100 score. A confident score (80 and up) needs an exact signal of the
    entry (one of its messages, error types or regexes) or a near copy of one of its examples, and
    a clear lead over every other family: wording and status codes alone stay below it."""
    entry = item.prepared.entry
    score = display_score(item.score)
    features = item.features
    exact = any(k in features for k in (F_MESSAGE, F_ERROR_TYPE, F_PATTERN))
    if not (exact or item.near_duplicate) or (lead is not None and lead < CONFIDENT_LEAD):
        score = min(score, CONFIDENT - 0.1)
    return Match(entry.id, entry.title, entry.category, score, entry)


def _runner_up(item: _Scored, first: Match) -> Match:
    """A runner-up never shows more confidence than the answer ranked above it (a cause the paste
    states can put an entry first over another entry's exact wording)."""
    match = _match(item)
    return replace(match, score=min(match.score, first.score)) if match.score > first.score else match


def _clean(phrases: list[str]) -> tuple[str, ...]:
    """Evidence phrases for people: deduplicated, short, and never carrying a key."""
    seen: dict[str, None] = {}
    for phrase in phrases:
        seen.setdefault(redact(phrase)[:120], None)
    return tuple(list(seen)[:12])
