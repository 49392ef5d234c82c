"""fal API keys: format checks, masking, and finding or redacting keys in any text.

A real fal key is `<key_id>:<key_secret>`, observed as a lower-case UUID, a colon and 32 hex
characters. Nothing here ever returns more of a secret than its last 4 characters, and
`redact()` is the one gate every log line, stored row and Slack reply passes through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from bot import linear_re

REDACTED = "[redacted fal key]"
REDACTED_SLACK_TOKEN = "[redacted Slack token]"

# A colon as it appears raw, URL-encoded (once or twice), JSON/JS-escaped or as an HTML entity.
_SEPARATOR = r"(?::|%3a|%253a|\\+u003a|\\+x3a|&#58;|&#x3a;)"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# No word boundaries on purpose: a key glued to other hex or letters must still be caught.
_KEY_IN_TEXT = linear_re.compile(_UUID + _SEPARATOR + r"[0-9a-f]{32}", re.IGNORECASE)
# A secret-shaped run right after a UUID with some other separator (`%3A` decoded twice, spaces...).
_UUID_THEN_SECRET = linear_re.compile(_UUID + r"[^0-9a-z\s]{1,12}[0-9a-f]{32}", re.IGNORECASE)
# Slack tokens (bot xoxb-, user xoxp-, app-level xapp-, and the other xox?- kinds), never a placeholder
# such as `xoxb-…`: the prefix then at least 8 token characters, not inside a longer word.
_SLACK_TOKEN = linear_re.compile(
    r"(?P<head>^|[^A-Za-z0-9])(?:xox[abcdeprs]|xapp)-[A-Za-z0-9-]{8,}", re.IGNORECASE
)
_FULL_KEY = linear_re.compile(r"^" + _UUID + r":[0-9a-f]{32}$")
_UUID_ONLY = linear_re.compile(r"^" + _UUID + r"$", re.IGNORECASE)
_SECRET_ONLY = linear_re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)

# What is left to redact once real-shaped keys are gone: values of `Authorization` headers,
# `Key <id>:<secret>` tokens and FAL_KEY-style assignments, whatever their shape. The patterns
# find the candidates; `_auth_value`, `_assigned_value` and `_names_no_secret` then decide in
# Python what the old lookaheads did (RE2 has none, which is what makes it linear-time).
_NOT_A_SECRET = ("[redacted", "$", "{{", "process.env", "os.environ", "import.meta")
_BARE = r"[^\s'\"`,;}\]\\]"
_AUTH_HEADER = linear_re.compile(
    r"(?P<head>\bauthorization\\?[\"']?\s*[:=]\s*(?:[fbru]{1,2}[\"'`]|\\?[\"'`]?)\s*"
    r"(?:(?:key|bearer|basic|token)\s+)?)"
    r"(?P<value>" + _BARE + r"+)",
    re.IGNORECASE,
)
_KEY_TOKEN = linear_re.compile(r"(?P<head>\bKey\s+)(?P<value>[^\s:'\"`\\<>]+:[^\s'\"`,;}\]\\<>]+)")
_ASSIGNMENT = linear_re.compile(
    r"(?P<head>\bFAL_(?:API_)?KEY(?:_ID|_SECRET)?\\?[\"']?[ \t]*[=:][ \t]*\\?)"
    r"(?P<value>\"[^\"\n]*\"?|'[^'\n]*'?|`[^`\n]*`?|" + _BARE + r"+)",
    re.IGNORECASE,
)


def _names_no_secret(value: str) -> bool:
    """Already redacted, or a variable reference (`$FAL_KEY`, `{{...}}`, `process.env...`)."""
    return value.lower().startswith(_NOT_A_SECRET)


# (sets, so a 40 KB value is scanned in C: a generator over its characters took 8 ms a paste)
_DIGITS_COLON = frozenset("0123456789:")
_DIGITS_COLON_DOT = _DIGITS_COLON | {"."}


def _auth_value(value: str) -> bool:
    """An Authorization value worth hiding: 6+ characters with a digit, colon or dot (not "used")."""
    return len(value) >= 6 and not _DIGITS_COLON_DOT.isdisjoint(value) and not _names_no_secret(value)


def _assigned_value(value: str) -> bool:
    """A FAL_KEY value worth hiding: quoted, or a bare word of 8+ characters with a digit or a colon
    (so prose such as "FAL_KEY: not set" stays readable)."""
    if _names_no_secret(value):
        return False
    if value[:1] in "\"'`":
        return True
    return len(value) >= 8 and not _DIGITS_COLON.isdisjoint(value)


def _key_token_value(value: str) -> bool:
    return not _names_no_secret(value)


_PLACEHOLDER = linear_re.compile(
    r"your|^fal-(?:your|x{3,}|key|api|secret|<|\{|\.\.\.)|<[^>]*>|\{[^}]*\}|\$[a-z_]|^x{3,}|x{4,}|^\*+$|\*{3,}|\.{3}|…|changeme|replace|placeholder"
    r"|^(?:key|api[-_ ]?key|fal[-_ ]?key|secret|token|null|none|undefined|test|example|dummy|todo)$"
    r"|^(?:key[-_]?id|fal[-_]key[-_]id)\s*:\s*(?:key[-_]?secret|fal[-_]key[-_]secret)$",
    re.IGNORECASE,
)
# `FAL_KEY=…` or `export FAL_KEY=…` pasted whole, as in a .env file or a shell line.
_VARIABLE_PREFIX = linear_re.compile(r"(?:export\s+)?FAL_KEY(?:_ID|_SECRET)?\s*[=:]\s*", re.IGNORECASE)
_HEADER_PREFIX = linear_re.compile(r"authorization\s*:\s*", re.IGNORECASE)
_SCHEME_PREFIX = linear_re.compile(r"(bearer|key)(?:\s+|$)", re.IGNORECASE)
_QUOTES = "\"'`\u2018\u2019\u201c\u201d"
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}

FindingCode = Literal[
    "empty",
    "placeholder",
    "bearer_scheme",
    "scheme_in_value",
    "no_colon",
    "id_only",
    "secret_only",
    "whitespace",
    "quotes",
    "control_chars",
    "unexpected_shape",
    "exposed",
    "assignment",
]

MESSAGES: dict[str, str] = {
    "empty": "The key is empty. Set FAL_KEY to the key from fal.ai/dashboard/keys (`<key_id>:<key_secret>`).",
    "placeholder": (
        "This is a placeholder from an example (like YOUR_KEY), not a real key. Create a key at "
        "fal.ai/dashboard/keys and use it as `<key_id>:<key_secret>`; real keys have no `fal-` prefix."
    ),
    "bearer_scheme": (
        "fal expects `Authorization: Key <key_id>:<key_secret>`, not Bearer. Send the scheme `Key`, "
        "or let fal_client / @fal-ai/client build the header from FAL_KEY."
    ),
    "assignment": (
        "The value starts with the variable's name and an equals sign, as in a shell or .env line: that "
        "is not part of the key. Set the variable to `<key_id>:<key_secret>` alone."
    ),
    "scheme_in_value": (
        "The value starts with `Key `. FAL_KEY holds only `<key_id>:<key_secret>`; the client adds "
        "`Authorization: Key ` itself, so remove the prefix from the variable."
    ),
    "no_colon": (
        "A fal key is `<key_id>:<key_secret>` with a colon in the middle. This value has no colon: "
        "copy the whole key shown when it was created "
        "(fal answers 'Invalid Key Authorization header format')."
    ),
    "id_only": (
        "This is only the key id (the UUID before the colon). Append `:` and the key secret, or create "
        "a new key at fal.ai/dashboard/keys if the secret is lost (it is shown only once)."
    ),
    "secret_only": (
        "This looks like only the key secret. Put the key id and a colon in front: `<key_id>:<key_secret>`."
    ),
    "whitespace": (
        "The value contains spaces or a line break (often a trailing newline from `echo` or a copied line). "
        "Remove them: fal then answers 'No user found for Key ID and Secret'."
    ),
    "quotes": (
        "The value includes quote characters. Quotes belong to your shell or .env syntax, not to the key: "
        "remove them from the value itself."
    ),
    "control_chars": (
        "The value contains invisible control characters (escape codes, zero-width characters). "
        "Retype or re-copy the key from the dashboard."
    ),
    "unexpected_shape": (
        "The value has a colon but does not look like `<uuid>:<32 hex>`, the shape of real fal keys. "
        "It may still work; if fal rejects it, copy the key again."
    ),
    "exposed": (
        "A complete fal key appears in this text, so it is now exposed: revoke it and create a new one "
        "at fal.ai/dashboard/keys."
    ),
}

PROBLEM_CODES = frozenset(MESSAGES) - {"unexpected_shape"}


@dataclass(frozen=True)
class KeyFinding:
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def finding(code: str, message: str | None = None) -> KeyFinding:
    return KeyFinding(code, message or MESSAGES[code])


@dataclass(frozen=True)
class KeyCheck:
    verdict: Literal["ok", "problem"]
    masked: str
    findings: tuple[KeyFinding, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "masked": self.masked,
            "findings": [f.to_json() for f in self.findings],
        }


# Control and format characters (Cc, Cf) as RE2 finds them; `_is_control` then keeps the invisible
# ones and leaves whitespace to the whitespace check. One scan instead of a Python call per character.
_CONTROL_CANDIDATES = linear_re.compile(r"[\p{Cc}\p{Cf}]")
# A key is 69 characters; a pasted value far longer than that is not a key to check.
LONGEST_VALUE = 512


def _is_control(char: str) -> bool:
    if char in _INVISIBLE:
        return True
    return unicodedata.category(char) in ("Cc", "Cf") and not char.isspace()


def mask(core: str) -> str:
    """The contract's mask: first 4 characters, `…`, and for `id:secret` `:…` plus the secret's last 4.

    For `id:secret` the first 4 come from the key id, so no leading part of the secret is shown.
    """
    if not core:
        return ""
    if ":" in core:
        key_id, secret = core.split(":", 1)
        return f"{key_id[:4]}…:…{secret[-4:]}"
    return f"{core[:4]}…"


def check_key(value: str) -> KeyCheck:
    """Check a key exactly as given (byte for byte: a trailing newline is a finding)."""
    codes: list[str] = []

    def add(code: str) -> None:
        if code not in codes:
            codes.append(code)

    if value == "":
        return KeyCheck("problem", "", (finding("empty"),))
    controls = {ch for ch in _CONTROL_CANDIDATES.findall(value) if _is_control(ch)}
    if controls:
        add("control_chars")
    core = "".join(ch for ch in value if ch not in controls) if controls else value
    # Peel the layers people wrap a key in, noting each: whitespace, quotes, a scheme, again quotes.
    for _ in range(3):
        stripped = core.strip()
        if stripped != core:
            add("whitespace")
        core = stripped
        if core and (core[0] in _QUOTES or core[-1] in _QUOTES):
            add("quotes")
            core = core.strip(_QUOTES)
            continue
        variable = _VARIABLE_PREFIX.match(core)
        if variable:
            add("assignment")
            core = core[variable.end() :]
            continue
        header = _HEADER_PREFIX.match(core)
        if header:
            core = core[header.end() :]
            continue
        scheme = _SCHEME_PREFIX.match(core)
        if scheme and (scheme.group(1).lower() == "bearer" or scheme.end() < len(core)):
            add("bearer_scheme" if scheme.group(1).lower() == "bearer" else "scheme_in_value")
            core = core[scheme.end() :]
            continue
        break
    if any(ch in _QUOTES for ch in core):
        add("quotes")
        core = "".join(ch for ch in core if ch not in _QUOTES)
    if any(ch.isspace() for ch in core):
        add("whitespace")
        core = "".join(ch for ch in core if not ch.isspace())

    if not core:
        add("empty")
    elif _PLACEHOLDER.search(core):
        add("placeholder")
    elif ":" not in core:
        if _UUID_ONLY.match(core):
            add("id_only")
        elif _SECRET_ONLY.match(core):
            add("secret_only")
        else:
            add("no_colon")
    else:
        key_id, secret = core.split(":", 1)
        if not key_id and not secret:
            add("empty")  # a lone colon: neither half is there
        elif not secret:
            add("id_only")
        elif not key_id:
            add("secret_only")
        elif not _FULL_KEY.match(core):
            add("unexpected_shape")

    findings = tuple(finding(code) for code in codes)
    verdict: Literal["ok", "problem"] = "problem" if PROBLEM_CODES.intersection(codes) else "ok"
    return KeyCheck(verdict, mask(core), findings)


def key_from_env(environ: Mapping[str, str]) -> str | None:
    """The key fal's clients would send: FAL_KEY, else FAL_KEY_ID:FAL_KEY_SECRET (empty counts as unset)."""
    if key := environ.get("FAL_KEY"):
        return key
    key_id, secret = environ.get("FAL_KEY_ID"), environ.get("FAL_KEY_SECRET")
    if key_id and secret:
        return f"{key_id}:{secret}"
    return None


_REFERENCE = linear_re.compile(
    r"^[\"'`]?(?:\$|\{|<|process\.env|os\.environ|os\.getenv|import\.meta|env\.|settings\.)"
)


def _redactor(worth_hiding: Callable[[str], bool]) -> Callable[[linear_re.Match], str]:
    def redact_value(match: linear_re.Match) -> str:
        if not worth_hiding(match.group("value")):
            return match.group(0)
        return _redact_value(match)

    return redact_value


def _redact_value(match: linear_re.Match) -> str:
    value = match.group("value")
    # Variable references and placeholders (`{FAL_KEY}`, `<key_id>:<key_secret>`, YOUR_KEY) are not
    # secrets; keeping them keeps fix snippets readable. Real-shaped keys were replaced before this.
    inner = value.strip("\"'`")
    if _REFERENCE.match(value) or (inner and _PLACEHOLDER.search(inner)):
        return match.group(0)
    quote = value[0] if value[:1] in "\"'`" else ""
    closing = quote if quote and len(value) > 1 and value.endswith(quote) else ""
    return f"{match.group('head')}{quote}{REDACTED}{closing}"


def redact(text: str) -> str:
    """Replace everything shaped like a fal key (and any Authorization or FAL_KEY value) or a Slack
    token (xoxb-, xoxp-, xapp-, ...) with a marker.

    Idempotent: the marker itself never matches again.
    """
    if not text:
        return text
    text = _KEY_IN_TEXT.sub(REDACTED, text)
    text = _UUID_THEN_SECRET.sub(REDACTED, text)
    lowered = text.lower()
    if "xox" in lowered or "xapp" in lowered:
        text = _SLACK_TOKEN.sub(lambda m: m.group("head") + REDACTED_SLACK_TOKEN, text)
    if "authorization" in lowered:
        text = _AUTH_HEADER.sub(_redactor(_auth_value), text)
    if "key" in lowered:
        text = _KEY_TOKEN.sub(_redactor(_key_token_value), text)
        if "fal_" in lowered:
            text = _ASSIGNMENT.sub(_redactor(_assigned_value), text)
    return text


# A looser "complete key" inside a header or assignment: an id and a secret of plausible length.
_LOOSE_KEY = linear_re.compile(r"^[A-Za-z0-9_-]{8,}:[A-Za-z0-9_-]{16,}$")


_KEY_IN_LOWERED = linear_re.compile(_UUID + _SEPARATOR + r"[0-9a-f]{32}")
_UUID_THEN_SECRET_LOWERED = linear_re.compile(_UUID + r"[^0-9a-z\s]{1,12}[0-9a-f]{32}")


def contains_key(text: str) -> bool:
    """True when a complete key (id and secret) appears, so it must be rotated."""
    lowered = text.lower()
    if _KEY_IN_LOWERED.search(lowered) or _UUID_THEN_SECRET_LOWERED.search(lowered):
        return True
    return any(_looks_complete(value) for value in _header_and_assignment_values(text))


def _looks_complete(value: str) -> bool:
    core = value.strip().strip(_QUOTES).strip()
    return bool(_LOOSE_KEY.match(core)) and not _PLACEHOLDER.search(core)


# A paste shows a handful of headers or assignments; past this many, the rest is repetition (and a
# crafted paste of thousands would cost a Python check each). redact() still covers every one.
MAX_VALUES_CHECKED = 64


def _header_and_assignment_values(text: str) -> list[str]:
    values: list[str] = []
    lowered = text.lower()
    if "authorization" in lowered:
        values += [
            m.group("head").split()[-1] + " " + m.group("value")
            for m in islice(_AUTH_HEADER.finditer(text), MAX_VALUES_CHECKED)
            if _auth_value(m.group("value"))
        ]
    if "fal_" in lowered:
        assigned = islice(_ASSIGNMENT.finditer(text), MAX_VALUES_CHECKED)
        values += [m.group("value") for m in assigned if _assigned_value(m.group("value"))]
    return values


_HEADER_LINE = linear_re.compile(
    r"\bauthorization\\?[\"']?\s*[:=]\s*\\?(?:f?[\"'`])?(?P<value>[^\n\"'`]*)",
    re.IGNORECASE,
)
_ASSIGNMENT_LINE = linear_re.compile(r"\bFAL_KEY\\?[\"']?\]?[ \t]*=[ \t]*(?P<value>[^\n]*)")
_CREDENTIALS_LINE = linear_re.compile(r"\bcredentials\s*:\s*(?P<value>[\"'`][^\"'`\n]*[\"'`])")
_SHAPE_CODES = frozenset({"no_colon", "id_only", "secret_only", "control_chars"})
_VALUE_CODES = _SHAPE_CODES | {"bearer_scheme", "scheme_in_value", "whitespace", "quotes", "placeholder"}
_MCP_HOST = linear_re.compile(r"mcp\.fal\.ai", re.IGNORECASE)
# A JWT (base64url header.payload.signature; the header always starts eyJ), not `${process.env.X}`.
_JWT = linear_re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")
# A Bearer header carrying some other service's token (a Supabase session, a GitHub token) is not
# the fal key sent with the wrong scheme.
_OTHER_TOKEN = linear_re.compile(
    r"supabase|anon|session|access_?token|id_?token|github|openai|\bsk-|\bhf_|ghp_", re.I
)


def key_findings_in_text(text: str) -> list[KeyFinding]:
    """What is wrong with keys or Authorization headers found in a pasted text, never echoing them."""
    codes: list[str] = []

    def add(code: str) -> None:
        if code not in codes:
            codes.append(code)

    lowered = text.lower()
    headers = (
        islice(_HEADER_LINE.finditer(text), MAX_VALUES_CHECKED) if "authorization" in lowered else iter(())
    )
    for match in headers:
        value = match.group("value").strip().rstrip(",;)}]\\")
        if not value or value.startswith(("$", "{", "process.env", "os.environ", 'f"', "f'")):
            continue
        scheme, _, credential = value.partition(" ")
        scheme_l = scheme.lower()
        if scheme_l == "bearer":
            # fal's MCP server takes `Bearer $FAL_KEY`; a JWT from `fal auth login` is Bearer too.
            if _MCP_HOST.search(text) or _JWT.match(credential):
                continue
            fal_shaped = ":" in credential or _KEY_IN_TEXT.search(credential) or REDACTED in credential
            if _OTHER_TOKEN.search(credential.split()[0] if credential.split() else ""):
                continue  # `Bearer ${session.access_token}`: some other service's token, not a fal key
            if fal_shaped or _fal_context(text):
                add("bearer_scheme")
        elif scheme_l == "key":
            credential = credential.strip()
            if not credential or credential.startswith(("$", "{", "<", "[redacted")):
                continue
            if _PLACEHOLDER.search(credential):
                add("placeholder")
                continue
            if credential.lower().startswith(("key ", "bearer ")):
                add("scheme_in_value")
                continue
            if len(credential.split()[0]) > LONGEST_VALUE:
                continue
            for item in check_key(credential.split()[0]).findings:
                if item.code in _SHAPE_CODES:
                    add(item.code)
    # FAL_KEY=... assignments and fal.config({credentials: "..."}): the value is the key itself.
    values = []
    if "FAL_KEY" in text:
        values += [m.group("value") for m in islice(_ASSIGNMENT_LINE.finditer(text), MAX_VALUES_CHECKED)]
    if "credentials" in lowered:
        values += [m.group("value") for m in islice(_CREDENTIALS_LINE.finditer(text), MAX_VALUES_CHECKED)]
    for raw in values:
        value = raw.rstrip("\r")
        if not value or value.lstrip().startswith(("$", "os.", "process.", "import.meta", "env.")):
            continue
        stripped = value.strip().rstrip(",;)")
        if stripped[:1] in "\"'`" and stripped[-1:] == stripped[:1] and len(stripped) > 1:
            stripped = stripped[1:-1]  # shell/.env/JS quoting is syntax, not part of the value
            if stripped != stripped.strip():
                add("whitespace")
        if len(stripped) > LONGEST_VALUE:
            continue  # a page of text after `FAL_KEY=` is not a key that was mistyped
        for item in check_key(stripped).findings:
            if item.code in _VALUE_CODES:
                add(item.code)
    if contains_key(text):
        add("exposed")
    return [finding(code) for code in codes]


def _fal_context(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in ("fal.run", "fal.ai", "fal_key", "fal-ai", "fal_client"))
