"""Match a pasted error against the knowledge base, or say honestly that it is not a fal problem.

How a diagnosis is made:
1. `normalize()` peels escaping layers off the paste; for long pastes only the error-looking lines
   (and the lines where exact signals were found) are kept for fuzzy matching.
2. Exact signals are extracted: HTTP status codes, fal's messages, `error_type` values, exception
   class names, hosts, entry regexes. Each entry scores points for the signals it names.
3. rapidfuzz compares the focus text with every entry's examples (prepared once at load).
4. Evidence decides whether the text is about fal at all: fal hosts, clients, FAL_KEY, endpoint ids,
   fal's own messages. Another vendor's markers without fal evidence decline the text outright.
5. A confidence gate: a weak or ambiguous best match gives no match instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from bot.keys import KeyFinding, contains_key, key_findings_in_text, redact
from bot.knowledge import Entry, KnowledgeBase
from bot.normalize import MAX_INPUT_CHARS, focus, fuzz_text, normalize

# ---------------------------------------------------------------------------------------------
# Tunable weights. Messages, error types and entry regexes are strong evidence; exceptions and hosts
# medium; a bare status code weak (many entries share one).
# ---------------------------------------------------------------------------------------------
POINTS_MESSAGE = 50.0
POINTS_EXTRA_MESSAGE = 6.0
POINTS_ERROR_TYPE = 42.0
POINTS_PATTERN = 38.0
POINTS_EXCEPTION = 16.0
POINTS_HOST = 10.0
POINTS_STATUS = 12.0
PENALTY_STATUS_MISMATCH = 14.0
FUZZY_WEIGHT = 0.55
MIN_SCORE_WITH_FAL_EVIDENCE = 36.0
MIN_SCORE_WITHOUT_EVIDENCE = 62.0
AMBIGUOUS_MARGIN = 2.0
AMBIGUOUS_BELOW = 50.0
RUNNER_UP_FLOOR = 25.0
MAX_MATCHES = 3
LARGE_TEXT = 20_000

# HTTP status codes as people paste them.
_STATUS_PATTERNS = [
    re.compile(r"\bhttp/\d(?:\.\d)?\"?\s+(\d{3})\b", re.I),
    re.compile(r"\bstatus(?:[ _-]?code)?\W{0,4}(\d{3})\b", re.I),
    re.compile(r"\b(?:error|response|http|code)\W{0,3}(?:code\W{0,3})?(\d{3})\b", re.I),
    re.compile(r"\b(\d{3})\W{0,3}(?:client|server) error\b", re.I),
    re.compile(r"\b(?:client|server) error\W{0,3}(\d{3})\b", re.I),
    re.compile(
        r"\b(\d{3})\W{0,3}(?:forbidden|unauthori[sz]ed|not found|unprocessable|too many requests"
        r"|internal server|bad gateway|service unavailable|gateway time|method not allowed"
        r"|payment required|bad request"
        r"|request timeout|conflict|client closed)",
        re.I,
    ),
    re.compile(r"\((\d{3})\)|\[(\d{3})\]"),
    re.compile(r"^\s*(\d{3})\s*[:\-]", re.M),
]
_REASONS = {
    "unauthorized": 401,
    "unauthorised": 401,
    "payment required": 402,
    "forbidden": 403,
    "method not allowed": 405,
    "unprocessable entity": 422,
    "unprocessable content": 422,
    "too many requests": 429,
    "internal server error": 500,
    "bad gateway": 502,
    "service unavailable": 503,
    "gateway timeout": 504,
    "gateway time-out": 504,
}
_REASON_RE = re.compile(r"\b(" + "|".join(re.escape(r) for r in _REASONS) + r")\b", re.I)

_TOKEN = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*", re.I)
_HOST_TOKEN = re.compile(r"(?<![\w@-])((?:[a-z0-9-]+\.)+[a-z]{2,})(?![\w-])", re.I)
_ENDPOINT = re.compile(r"(?<![\w/-])(fal-ai/[a-z0-9._-]+(?:/[a-z0-9._-]+)*)", re.I)
_FAL_HOST = re.compile(r"(?:^|\.)(?:fal\.run|fal\.ai|fal\.media|falrun\.com)$", re.I)
_FAL_SHAPED_KEY = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::|%3a)[0-9a-f]{32}", re.I
)
_FAL_MARKERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bfal[_-]client\b|\bfal_client\.|from fal_client|import fal_client", re.I), "fal_client"),
    (re.compile(r"@fal-ai/[a-z-]+", re.I), "@fal-ai client"),
    (re.compile(r"\bFAL_(?:API_|AI_)?KEY(?:_ID|_SECRET)?\b", re.I), "FAL_KEY"),
    (re.compile(r"\bx-fal-[a-z-]+", re.I), "x-fal header"),
    (re.compile(r"\bfal_(?:jwt_token|webhook)\b", re.I), "fal query parameter"),
    (
        re.compile(r"\bFalClient(?:HTTP|Timeout)?Error\b|\bfal(?:_client)?\.auth\.MissingCredentialsError\b"),
        "fal exception",
    ),
    (re.compile(r"\bfal\.(?:config|subscribe|queue|realtime|storage|stream|run)\b", re.I), "fal client call"),
    (re.compile(r"\bfal\.ai\b|\bfal ai\b|\bfalai\b", re.I), "fal.ai"),
    (re.compile(r"\bauthorization\W{0,4}key\s", re.I), "Authorization: Key header"),
]
# Error types only fal uses; generic ones (request_timeout, missing...) prove nothing by themselves.
_FAL_ERROR_TYPES = re.compile(
    r"\b(?:runner_[a-z_]+|startup_timeout|content_policy_violation|no_media_generated|file_download_error"
    r"|image_load_error|face_detection_error|image_too_small|image_too_large|audio_duration_too_long"
    r"|unsupported_image_format|client_disconnected)\b",
    re.I,
)
_VENDORS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\bopenai\b|api\.openai\.com|\bsk-(?:proj-)?[a-z0-9_-]{16,}|chatgpt|\bgpt-[34]"
            r"|insufficient_quota|incorrect api key provided",
            re.I,
        ),
        "OpenAI",
    ),
    (re.compile(r"anthropic|\bclaude-[a-z0-9]|\bsk-ant-|overloaded_error|x-api-key", re.I), "Anthropic"),
    (re.compile(r"replicate|\br8_[a-z0-9]{10,}", re.I), "Replicate"),
    (re.compile(r"\bstripe|api\.stripe\.com|\bcus_[a-z0-9]{6,}", re.I), "Stripe"),
    (
        re.compile(
            r"botocore|boto3|amazonaws\.com|\baws\b|bedrock|an error occurred \(\w+\) when calling", re.I
        ),
        "AWS",
    ),
    (
        re.compile(
            r"hugging ?face|\bhf_hub|hf\.co\b|hfhubhttperror|\bhf_[a-z0-9]{10,}|inference providers?\b", re.I
        ),
        "Hugging Face",
    ),
    (
        re.compile(r"crowdstrike|falcon[ -]?(?:sensor|ctl|agent)|falconctl|\bfalcon\b", re.I),
        "CrowdStrike/Falcon",
    ),
    (
        re.compile(
            r"generativelanguage\.googleapis|\bgemini\b|vertex ?ai|google\.api_core|googleapis\.com", re.I
        ),
        "Google",
    ),
    (
        re.compile(
            r"\bgroq\b|mistral|\bcohere\b|together\.ai|api\.together|elevenlabs|stability\.ai|api\.stability|midjourney|deepseek|perplexity|ollama|azure|runwayml|\bleonardo\.ai",
            re.I,
        ),
        "another AI vendor",
    ),
]
_VENDOR_URL = re.compile(
    r"\S*(?:huggingface|hf\.co|replicate\.com|openai\.com|anthropic\.com|amazonaws\.com|stripe\.com|googleapis\.com)\S*",
    re.I,
)

# Weak built-in cues per category, so a fal-evidenced text with no entry-specific signal still
# leans towards the right family of problems.
_CATEGORY_CUES: list[tuple[re.Pattern[str], str, float]] = [
    (
        re.compile(
            r"enotfound|getaddrinfo|name or service not known|nodename nor servname|nxdomain|name resolution"
            r"|econnrefused|econnreset|etimedout|und_err|fetch failed|certificate verify failed|connecterror"
            r"|connection (?:refused|reset|aborted)|ssl",
            re.I,
        ),
        "network",
        12.0,
    ),
    (re.compile(r"websocket|wss://|/realtime|realtime", re.I), "realtime", 12.0),
    (re.compile(r"too many requests|rate.?limit|concurren", re.I), "rate_limit", 10.0),
    (re.compile(r"content.?policy|nsfw|safety.?checker|flagged", re.I), "content_policy", 10.0),
    (re.compile(r"balance|billing|top.?up|locked|credits?\b|payment", re.I), "billing", 8.0),
    (re.compile(r"timed? ?out|timeout|in_queue|in_progress|webhook|stuck", re.I), "queue_timeout", 6.0),
    (
        re.compile(r"unprocessable|validation|field required|\bloc\b|input should|not a valid", re.I),
        "validation",
        6.0,
    ),
    (re.compile(r"upload|fal\.media|file_download|download|expired|data uri", re.I), "file_url", 6.0),
    (re.compile(r"not found|application .{1,80} not found|no such", re.I), "model_not_found", 4.0),
]
_STATUS_CATEGORY = {
    401: "invalid_key",
    402: "billing",
    403: "billing",
    404: "model_not_found",
    405: "queue_timeout",
    422: "validation",
    429: "rate_limit",
    500: "server_error",
    502: "server_error",
    503: "server_error",
    504: "queue_timeout",
}


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

    def to_json(self) -> dict[str, Any]:
        return {
            "fal_related": self.fal_related,
            "matches": [m.to_json() for m in self.matches],
            "key_findings": [f.to_json() for f in self.key_findings],
            "evidence": list(self.evidence),
        }

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass
class _Prepared:
    """Everything about one entry that matching needs, computed once."""

    entry: Entry
    messages: tuple[str, ...]
    error_types: frozenset[str]
    exceptions: frozenset[str]
    hosts: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    status_codes: frozenset[int]


@dataclass
class _Signals:
    """What was recognised in one paste."""

    text: str
    lowered: str
    status_codes: set[int] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)
    offsets: list[int] = field(default_factory=list)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


class Diagnoser:
    """Diagnoses pasted texts against one knowledge base. Build once, call `diagnose` many times."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._prepared: list[_Prepared] = []
        declined_texts = [
            _collapse(normalize(ne.text)) for entry in kb for ne in entry.not_examples if ne.declined
        ]
        self._fal_messages: list[str] = []
        for entry in kb:
            s = entry.signals
            messages = tuple(m for m in (_collapse(normalize(m)) for m in s.messages) if m)
            for message in messages:
                specific = len(message) >= 24 or len(message.split()) >= 4
                if specific and not any(message in text for text in declined_texts):
                    self._fal_messages.append(message)
            self._prepared.append(
                _Prepared(
                    entry=entry,
                    messages=messages,
                    error_types=frozenset(t.lower() for t in s.error_types),
                    exceptions=frozenset(e.lower().rsplit(".", 1)[-1] for e in s.exceptions),
                    hosts=frozenset(h.lower() for h in s.hosts),
                    patterns=tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in s.patterns),
                    status_codes=frozenset(s.status_codes),
                )
            )
        self._known_tokens = (
            frozenset().union(*(p.error_types | p.exceptions for p in self._prepared))
            if self._prepared
            else frozenset()
        )
        # The fuzzy index: every example, reduced the same way a paste is.
        self._choices: list[str] = []
        self._choice_owner: list[int] = []
        for index, entry in enumerate(kb):
            for example in entry.examples:
                self._choices.append(fuzz_text(focus(normalize(example.text))))
                self._choice_owner.append(index)

    # -- public ------------------------------------------------------------------------------
    def diagnose(self, text: str) -> Diagnosis:
        """Diagnose any string. Never raises: a failure inside gives an empty, unrelated diagnosis."""
        try:
            return self._diagnose(text if isinstance(text, str) else str(text))
        except Exception:  # a diagnosis must never take the bot down; the input is the user's
            return Diagnosis(False, (), (), ("could not analyse this text",))

    # -- steps -------------------------------------------------------------------------------
    def _diagnose(self, raw: str) -> Diagnosis:
        raw = raw[:MAX_INPUT_CHARS]
        text = normalize(raw)
        if not text:
            return Diagnosis(False, (), (), ())
        key_findings = tuple(key_findings_in_text(text))
        if not any(f.code == "exposed" for f in key_findings) and contains_key(raw):
            key_findings += (KeyFinding("exposed", _exposed_message()),)
        signals = self._extract(text)
        evidence: list[str] = []
        fal_evidence = self._fal_evidence(signals, evidence)
        vendors = self._vendors(signals.lowered)
        if vendors and not fal_evidence:
            evidence.append("other vendor: " + ", ".join(vendors))
            return Diagnosis(False, (), key_findings, tuple(evidence))

        scored = self._score(signals, evidence)
        matches = self._gate(scored, fal_evidence)
        fal_related = bool(fal_evidence) or bool(matches)
        if not fal_evidence and matches:
            evidence.append("matched fal's known error text")
        return Diagnosis(fal_related, matches, key_findings, tuple(_clean(e) for e in evidence[:12]))

    def _extract(self, text: str) -> _Signals:
        lowered = text.lower()
        signals = _Signals(text=text, lowered=lowered)
        for pattern in _STATUS_PATTERNS:
            for match in pattern.finditer(text):
                for group in match.groups():
                    if group and 400 <= int(group) <= 599:
                        signals.status_codes.add(int(group))
                        signals.offsets.append(match.start())
        for match in _REASON_RE.finditer(text):
            signals.status_codes.add(_REASONS[match.group(1).lower()])
        tokens: set[str] = set()
        for token in _TOKEN.findall(text):
            token = token.lower()
            tokens.add(token)
            tokens.add(token.rsplit(".", 1)[-1])
        signals.tokens = tokens & self._known_tokens
        signals.hosts = {h.lower().strip(".") for h in _HOST_TOKEN.findall(text)}
        return signals

    def _fal_evidence(self, signals: _Signals, evidence: list[str]) -> bool:
        text = _VENDOR_URL.sub(" ", signals.text)
        found = False
        fal_hosts = sorted(h for h in signals.hosts if _FAL_HOST.search(h) and h in text.lower())
        for host in fal_hosts[:3]:
            evidence.append(f"host {host}")
            found = True
        for pattern, label in _FAL_MARKERS:
            if pattern.search(text):
                if label != "fal.ai" or not fal_hosts:
                    evidence.append(label)
                found = True
        endpoint = _ENDPOINT.search(text)
        if endpoint:
            evidence.append(f"endpoint {endpoint.group(1)}")
            found = True
        if _FAL_SHAPED_KEY.search(text):
            evidence.append("a fal-shaped key")
            found = True
        error_type = _FAL_ERROR_TYPES.search(text)
        if error_type:
            evidence.append(f"fal error type {error_type.group(0).lower()}")
            found = True
        lowered = _collapse(text)
        for message in self._fal_messages:
            if message in lowered:
                evidence.append(f"fal message “{message[:60]}”")
                found = True
                break
        return found

    @staticmethod
    def _vendors(lowered: str) -> list[str]:
        return [label for pattern, label in _VENDORS if pattern.search(lowered)]

    def _score(self, signals: _Signals, evidence: list[str]) -> list[tuple[float, bool, _Prepared]]:
        text, lowered = signals.text, signals.lowered
        collapsed = _collapse(text)
        for code in sorted(signals.status_codes)[:3]:
            evidence.append(f"HTTP {code}")
        # Where exact message hits sit, so the focus window keeps them in long pastes.
        hits_at: list[int] = list(signals.offsets[:20])
        message_hits: dict[int, list[str]] = {}
        for index, prepared in enumerate(self._prepared):
            for message in prepared.messages:
                position = collapsed.find(message)
                if position >= 0:
                    message_hits.setdefault(index, []).append(message)
                    raw_position = lowered.find(message[:20])
                    if raw_position >= 0:
                        hits_at.append(raw_position)
        pattern_text = text if len(text) <= LARGE_TEXT else focus(text, tuple(hits_at), budget=8000)
        query = fuzz_text(focus(text, tuple(hits_at)))
        fuzzy = self._fuzzy(query)

        cue_bonus: dict[str, float] = {}
        cue_text = query
        for pattern, category, points in _CATEGORY_CUES:
            if pattern.search(cue_text):
                cue_bonus[category] = cue_bonus.get(category, 0.0) + points
        for code in signals.status_codes:
            status_category = _STATUS_CATEGORY.get(code) or ("server_error" if code >= 500 else None)
            if status_category:
                cue_bonus[status_category] = cue_bonus.get(status_category, 0.0) + 4.0

        results: list[tuple[float, bool, _Prepared]] = []
        recorded: set[str] = set()
        for index, prepared in enumerate(self._prepared):
            points = 0.0
            strong = False
            messages = message_hits.get(index, [])
            if messages:
                points += POINTS_MESSAGE + POINTS_EXTRA_MESSAGE * (len(messages) - 1)
                strong = True
            types = prepared.error_types & signals.tokens
            if types:
                points += POINTS_ERROR_TYPE
                strong = True
                for t in types:
                    if t not in recorded:
                        recorded.add(t)
                        evidence.append(f"error type {t}")
            if prepared.patterns and any(p.search(pattern_text) for p in prepared.patterns):
                points += POINTS_PATTERN
                strong = True
            exceptions = prepared.exceptions & signals.tokens
            if exceptions:
                points += POINTS_EXCEPTION
                for e in exceptions:
                    if e not in recorded:
                        recorded.add(e)
                        evidence.append(f"exception {e}")
            if prepared.hosts & signals.hosts:
                points += POINTS_HOST
            if prepared.status_codes and signals.status_codes:
                if prepared.status_codes & signals.status_codes:
                    points += POINTS_STATUS
                else:
                    points -= PENALTY_STATUS_MISMATCH
            points += cue_bonus.get(prepared.entry.category, 0.0)
            score = FUZZY_WEIGHT * fuzzy.get(index, 0.0) + points
            results.append((max(0.0, min(100.0, score)), strong, prepared))
        results.sort(key=lambda item: item[0], reverse=True)
        return results

    def _fuzzy(self, query: str) -> dict[int, float]:
        """Best similarity of the query to each entry's examples, damped for very short queries."""
        if not query or not self._choices:
            return {}
        best: dict[int, float] = {}
        for _choice, similarity, position in process.extract(
            query, self._choices, scorer=fuzz.token_set_ratio, limit=None, score_cutoff=30
        ):
            owner = self._choice_owner[position]
            if similarity > best.get(owner, 0.0):
                best[owner] = similarity
        damping = min(1.0, (len(query) / 80.0) ** 0.5)
        return {owner: similarity * damping for owner, similarity in best.items()}

    def _gate(self, scored: list[tuple[float, bool, _Prepared]], fal_evidence: bool) -> tuple[Match, ...]:
        if not scored:
            return ()
        top_score, top_strong, top = scored[0]
        if fal_evidence:
            if top_score < MIN_SCORE_WITH_FAL_EVIDENCE:
                return ()
        elif top_score < MIN_SCORE_WITHOUT_EVIDENCE or not top_strong:
            return ()
        if len(scored) > 1 and not top_strong and top_score < AMBIGUOUS_BELOW:
            second_score, _, second = scored[1]
            if second.entry.category != top.entry.category and top_score - second_score < AMBIGUOUS_MARGIN:
                return ()
        matches = [_match(top_score, top)]
        for score, _strong, prepared in scored[1:]:
            if len(matches) >= MAX_MATCHES or score < RUNNER_UP_FLOOR:
                break
            matches.append(_match(score, prepared))
        return tuple(matches)


def _match(score: float, prepared: _Prepared) -> Match:
    entry = prepared.entry
    return Match(entry.id, entry.title, entry.category, round(score, 1), entry)


def _clean(phrase: str) -> str:
    return redact(phrase)[:120]


def _exposed_message() -> str:
    from bot.keys import MESSAGES

    return MESSAGES["exposed"]
