"""Turn a pasted error into comparable text, and pick out the lines that look like errors.

Pastes arrive wrapped in many layers: terminal colour codes, JSON string escapes (often twice),
Markdown code fences, Slack's `&lt;` escaping and `<url|label>` links. Matching works on what is
left once those layers are peeled off.
"""

from __future__ import annotations

import bisect
import html
import re

from bot import linear_re

MAX_INPUT_CHARS = 1_000_000
"""Longer input is cut here: a diagnosis never needs more, and it bounds time and memory."""

FOCUS_BUDGET = 2400
"""Characters of error-looking lines kept for fuzzy matching (the whole text when shorter)."""

_ANSI = linear_re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# Control characters become spaces: a translation table, not a regex, so a paste made of them costs
# no more than any other text.
_CONTROL_TO_SPACE = {code: " " for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}
# Full-width digits and Latin letters, which Chinese and Japanese input methods type ("エラー４０３",
# "ＡＰＩキー"), read as their ASCII selves; full-width punctuation stays (the cues list both forms).
_FULL_WIDTH_TO_ASCII = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
# (looked for first: translating a 40 KB text of another script costs ~1.7 ms, finding none 0.05)
_FULL_WIDTH = linear_re.compile(r"[\x{FF10}-\x{FF19}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}]")
_SLACK_LINK = linear_re.compile(r"<((?:https?|mailto|wss?)://[^|>\s]*|mailto:[^|>\s]*)(?:\|([^>]*))?>")
_SLACK_MENTION = linear_re.compile(r"<[@#!][^>]*>")
# (a run of fences is one break: each becomes a line break, which the blank-line rule merges anyway,
# and a paste of 40,000 backticks cost 13,000 replacements)
_FENCE = linear_re.compile(r"^[ \t]*```[\w+-]*[ \t]*$|(?:```)+", re.MULTILINE)
_UNICODE_ESCAPE = linear_re.compile(r"\\+u([0-9a-fA-F]{4})")
_HEX_ESCAPE = linear_re.compile(r"\\+x([0-9a-fA-F]{2})")
# What a backslash before each of these characters means (a run of backslashes counts as one).
_QUOTED_ESCAPES = {"n": "\n", "r": "\n", "t": " ", '"': '"', "'": "'", "/": "/"}
# Runs of spacing to collapse into one space. A lone " " already is one: not matching it keeps
# ordinary text (a match every few characters) cheap.
_SPACING = "[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]"
_SPACES = linear_re.compile(f"{_SPACING}{{2,}}|[\t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")
_BLANK_LINES = linear_re.compile(r"\n\s*\n+")

# For fuzzy comparison: volatile parts (ids, hashes, numbers, quoted file paths) become stable tokens.
_UUID = linear_re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_LONG_HEX = linear_re.compile(r"\b[0-9a-f]{16,}\b")
_LONG_NUMBER = linear_re.compile(r"\b\d{5,}\b")
_TIMESTAMP = linear_re.compile(
    r"\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:z|[+-]\d{2}:?\d{2})?\b"
)
_FUZZ_NOISE = linear_re.compile(r"[^\pL\pN_\s:/.@'\"-]+")
_FUZZ_SPACES = linear_re.compile(r"\s{2,}|[\t\n\r\f\v]")

# Applied to lower-cased lines (faster than IGNORECASE on long pastes).
_ERROR_WORDS = linear_re.compile(
    r"error|exception|traceback|failed|failure|fatal|detail|forbidden|unauthori[sz]ed|denied|invalid"
    r"|timed? ?out|refused|locked|not found|unprocessable|too many|rejected|unavailable|missing|cannot"
    r"|can't|status|[\"']loc[\"']|input should|should be|must be|aborted|exceeded"
    r"|too (?:large|small|long|short|big)"
)
# A 4xx/5xx-looking number is only a status next to other error evidence: "step 429" or "took 512 ms"
# in a long log is not an error line.
_STATUS_NUMBER = linear_re.compile(r"(?:^|[^\d.:/-])[45]\d\d(?:[^\d.:/-]|$)")
_HTTP_CONTEXT = linear_re.compile(r"http|code|response|returned")
_FAL_WORDS = linear_re.compile(r"fal[._-]|\bfal\b|falrun|@fal-ai")
# What people write about a problem in a sentence, when no error word is in it.
_SYMPTOM_WORDS = linear_re.compile(
    r"\b(?:stuck|hangs?|hanging|never|black|blank|empty|nothing|broken|not working|doesn't|does not"
    r"|won't|isn't|stopped|twice|credits?|balance|charged|locked|slow|queue[ds]?|in_queue)\b"
)
# a sentence: several words in a row, not a key=value dump or a path; in any alphabet ("n'a pas
# terminé dans le temps", "işlemi zaman aşımına uğradı"), or a run of Chinese, Japanese or Korean
# characters, written without spaces between words ("触发限流，请稍后重试")
_PROSE = linear_re.compile(r"(?:[\pL']{2,}[ ,]+){4}|[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]{4}")
# The start of a log record of its own: a timestamp or a level word.
_LOG_RECORD = linear_re.compile(
    r"\s*(?:\[?\d{4}-\d\d-\d\d[t ]\d\d:\d\d|\[?\d\d:\d\d:\d\d\b|\[?(?:info|debug|trace|warn(?:ing)?)\b)", re.I
)
_BOILERPLATE = linear_re.compile(
    r'^\s*(?:file "[^"]*", line \d+|at [\w.$<>]+ \(|at (?:async )?[\w./:-]+:\d+:\d+)'
)


# An HTTP status line whose reason phrase is in the language of the caller's system (.NET's
# "远程服务器返回错误: (401) 未经授权", "(503) Dienst nicht verfügbar", "HTTP/1.1 404 Nicht gefunden"):
# the English phrase is added beside it, so the status reads as it does in English. Only a status in
# parentheses or on an HTTP status line: a sentence's "429 troppe richieste" is read by the cues.
_REASONS_ELSEWHERE_TEXT = """
    Unauthorized: 未经授权|未授权|未經授權|未授權|許可されていません|権限がありません|권한 없음
        |nicht autorisiert|no autorizado|non autorisé|não autorizado|non autorizzato|не авторизован
        |yetkisiz|tidak sah
    Forbidden: 已禁止|禁止访问|禁止存取|禁止|アクセス禁止|금지됨|verboten|prohibido|interdit
        |proibido|vietato|запрещено|yasak|dilarang
    Not Found: 未找到|找不到|見つかりません|찾을 수 없음|nicht gefunden|no encontrado|introuvable
        |não encontrado|non trovato|не найдено|не найден|bulunamadı|tidak ditemukan
    Too Many Requests: 请求过多|請求過多|要求が多すぎます|요청이 너무 많음|zu viele anforderungen
        |demasiadas solicitudes|trop de requêtes|muitas solicitações|troppe richieste
        |слишком много запросов|çok fazla istek|terlalu banyak permintaan
    Internal Server Error: 内部服务器错误|服务器内部错误|內部伺服器錯誤|内部サーバー エラー
        |内部サーバーエラー|내부 서버 오류|interner serverfehler|error interno del servidor
        |erreur interne du serveur|erro interno do servidor|errore interno del server
        |внутренняя ошибка сервера|iç sunucu hatası|kesalahan server internal
    Bad Gateway: 错误的网关|網關錯誤|不正なゲートウェイ|잘못된 게이트웨이|ungültiges gateway
        |puerta de enlace incorrecta|passerelle incorrecte|gateway inválido|неверный шлюз
        |hatalı ağ geçidi
    Service Unavailable: 服务不可用|服務無法使用|サービスを利用できません|서비스를 사용할 수 없음
        |dienst nicht verfügbar|servicio no disponible|service indisponible|serviço indisponível
        |servizio non disponibile|сервис недоступен|служба недоступна|hizmet kullanılamıyor
        |layanan tidak tersedia
    Gateway Timeout: 网关超时|閘道逾時|ゲートウェイ タイムアウト|게이트웨이 시간 초과
        |gatewayzeitüberschreitung|tiempo de espera de la puerta de enlace agotado
        |délai d'attente de la passerelle dépassé|tempo limite do gateway
        |истекло время ожидания шлюза|ağ geçidi zaman aşımı
    """


def _reasons_elsewhere(table: str) -> dict[str, str]:
    """Each localised phrase (lower case) to its English reason, from `english: phrase|phrase...` lines."""
    reasons: dict[str, str] = {}
    english = ""
    for line in table.strip().splitlines():
        line = line.strip()
        if not line.startswith("|") and ":" in line:
            english, line = (part.strip() for part in line.split(":", 1))
        reasons.update((phrase.strip(), english) for phrase in line.split("|") if phrase.strip())
    return reasons


_REASONS_ELSEWHERE = _reasons_elsewhere(_REASONS_ELSEWHERE_TEXT)
_REASON_ELSEWHERE = linear_re.compile(
    r"(?:[(（\[]\s?|http/\d(?:\.\d)?\s)[45]\d\d(?:\s?[)）\]])?[\s:：\-–]{0,3}("
    + "|".join(re.escape(phrase) for phrase in sorted(_REASONS_ELSEWHERE, key=len, reverse=True))
    + r")",
    re.I,
)


def _with_english_reason(match: linear_re.Match) -> str:
    english = _REASONS_ELSEWHERE.get(match.group(1).lower())  # (case folding can differ: "BULUNAMADI")
    return f"{match.group(0)} {english}" if english else match.group(0)


def _unescape_once(text: str) -> str:
    text = _UNICODE_ESCAPE.sub(lambda m: _safe_chr(int(m.group(1), 16)), text)
    text = _HEX_ESCAPE.sub(lambda m: _safe_chr(int(m.group(1), 16)), text)
    return _simple_unescape(text)


def _simple_unescape(text: str) -> str:
    """`\\n`, `\\t`, `\\"`... read: a run of backslashes before one of n r t " ' / becomes that
    character's meaning, a run of two or more before anything else one backslash, and a lone one
    stays. Done on str.split's pieces, not with a regex and a function per match: a paste can hold
    20,000 escapes (`nrt\\` repeated: 30 ms with a regex, 3 ms so)."""
    parts = text.split("\\")
    out = [parts[0]]
    run_open = False  # backslashes seen that nothing has followed yet
    for part in parts[1:]:
        if not part:
            run_open = True
            continue
        meaning = _QUOTED_ESCAPES.get(part[0])
        if meaning is not None:
            out.append(meaning)
            out.append(part[1:])
        else:
            out.append("\\")
            out.append(part)
        run_open = False
    if run_open:
        out.append("\\")
    return "".join(out)


def _safe_chr(code: int) -> str:
    if 0xD800 <= code <= 0xDFFF:  # lone surrogate halves cannot be encoded later
        return "\ufffd"
    return chr(code)


def normalize(text: str) -> str:
    """Peel escaping layers; keep line breaks (they separate error lines), collapse other spacing."""
    text = text[:MAX_INPUT_CHARS]
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "<" in text:
        text = _SLACK_LINK.sub(lambda m: m.group(1) + (" " + m.group(2) if m.group(2) else ""), text)
        text = _SLACK_MENTION.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "```" in text:
        text = _FENCE.sub("\n", text)
    if "\\" in text:
        # JSON inside a log inside JSON: unescape up to three layers.
        for _ in range(3):
            unescaped = _unescape_once(text)
            if unescaped == text:
                break
            text = unescaped
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_CONTROL_TO_SPACE)
    if not text.isascii() and _FULL_WIDTH.search(text):
        text = text.translate(_FULL_WIDTH_TO_ASCII)
    text = text.replace("`", " ")
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    text = _REASON_ELSEWHERE.sub(_with_english_reason, text)
    text = text.strip()
    if len(text) > 2 and text[0] == text[-1] and text[0] in "\"'":
        # a paste that arrived as one quoted string (a JSON string, a log field): the quotes are
        # wrapping, not part of the error
        text = text[1:-1].strip()
    return text


# Function words of the other languages fal's users write in (Spanish, Portuguese, French, German;
# none an English word, no negation): two short texts sharing "con", "la", "que", "de" are not alike, yet
# rapidfuzz's token-set score counted them as half the match.
_FOREIGN_FUNCTION_TEXT = """
    de la el los las que con por para una es se del y su sus como pero más muy ya lo al me mi
    da do das dos em com um uma é ao na nas nos ou seu sua mas
    le les des avec pour par une est du au aux et son sa ses comme mais il elle je
    der das den dem des und oder ist mit für von zu ein eine einen im auf ich wir sie bei aus
    """
_FOREIGN_FUNCTION_WORDS = frozenset(_FOREIGN_FUNCTION_TEXT.split())


def cue_text(text: str) -> str:
    """Lower-cased single-line text with ids, hashes and long numbers made stable: what the
    category cues read (their wordings keep their function words: "límite de uso")."""
    text = text.lower()
    text = _TIMESTAMP.sub(" ", text)
    text = _UUID.sub("<id>", text)
    text = _LONG_HEX.sub("<hex>", text)
    text = _LONG_NUMBER.sub("<n>", text)
    text = _FUZZ_NOISE.sub(" ", text)
    return _FUZZ_SPACES.sub(" ", text).strip()


def without_function_words(text: str) -> str:
    """A cue_text without the other languages' function words, for rapidfuzz."""
    if not text.isascii() or " que " in text or " la " in text or " der " in text or " de " in text:
        return " ".join(word for word in text.split(" ") if word not in _FOREIGN_FUNCTION_WORDS)
    return text


def fuzz_text(text: str) -> str:
    """Lower-cased single-line text with ids, hashes and long numbers made stable and the other
    languages' function words left out, for rapidfuzz."""
    return without_function_words(cue_text(text))


# A line is read up to this many characters for its weight.
LINE_WEIGHT_CHARS = 2000


def line_weight(line: str) -> int:
    """How error-like a line is: error words, status codes, fal markers; traceback frames count little.
    A person's sentence about fal (not a log record) counts too: prose states symptoms and causes
    without error words ("the images come back black", "stuck in the queue for 20 minutes")."""
    lowered = line[:LINE_WEIGHT_CHARS].lower()
    return _weight(
        line,
        lowered,
        len(_ERROR_WORDS.findall(lowered)),
        _HTTP_CONTEXT.search(lowered) is not None,
        _FAL_WORDS.search(lowered) is not None,
        _SYMPTOM_WORDS.search(lowered) is not None,
    )


def _weight(line: str, lowered: str, errors: int, http: bool, fal: bool, symptom: bool) -> int:
    """line_weight, given what the four word lists found in the line."""
    if not (errors or http or fal or symptom):
        return 0
    if lowered.lstrip().startswith(('file "', "at ")) and _BOILERPLATE.match(lowered):
        return 0
    weight = errors
    if (weight or http) and _STATUS_NUMBER.search(lowered):
        weight += 1
    if weight and fal:
        weight += 2
    elif (fal or symptom) and _PROSE.search(lowered) and not _LOG_RECORD.match(line):
        weight += 1
    return weight


class Lines:
    """A long text split into lines, each with its error weight, computed once per paste.

    The word lists run once over all the lines together (none of them matches across a line break),
    and only the lines they hit are read one by one, each distinct line once: eight regex calls per
    line made 8,000 short lines (a list of numbers, `nrt\\` repeated) cost 100-120 ms."""

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.starts = _starts(self.lines)
        # identical lines (log spam, a crafted repetition) are searched and weighed once: 4,444 lines
        # of `in_queue` were 22,000 word hits, each mapped back to its line in Python
        distinct = list(dict.fromkeys(self.lines))
        lowered = [line[:LINE_WEIGHT_CHARS].lower() for line in distinct]
        lowered_starts = _starts(lowered)
        joined = "\n".join(lowered)

        def lines_hit(pattern: linear_re.Pattern) -> list[int]:
            return [bisect.bisect_right(lowered_starts, m.start()) - 1 for m in pattern.finditer(joined)]

        errors: dict[int, int] = {}
        for index in lines_hit(_ERROR_WORDS):
            errors[index] = errors.get(index, 0) + 1
        http = set(lines_hit(_HTTP_CONTEXT))
        fal = set(lines_hit(_FAL_WORDS))
        symptom = set(lines_hit(_SYMPTOM_WORDS))
        distinct_weights = [0] * len(distinct)
        for index in {*errors, *http, *fal, *symptom}:
            distinct_weights[index] = _weight(
                distinct[index],
                lowered[index],
                errors.get(index, 0),
                index in http,
                index in fal,
                index in symptom,
            )
        weight_of = dict(zip(distinct, distinct_weights, strict=True))
        self.weights = [weight_of[line] for line in self.lines]


def _starts(lines: list[str]) -> list[int]:
    """Where each line begins in the lines joined by newlines."""
    starts: list[int] = []
    position = 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    return starts


def focus(
    text: str, must_include: tuple[int, ...] = (), budget: int = FOCUS_BUDGET, lines: Lines | None = None
) -> str:
    """The error-looking part of a normalised text, at most about `budget` characters.

    Short texts are returned whole. For long ones, the lines with the most error evidence (and the
    lines at the offsets in `must_include`, where exact signals were found) are kept with one line
    of context each, in their original order.
    """
    if len(text) <= budget:
        return text
    lines = lines or Lines(text)
    forced = {max(0, bisect.bisect_right(lines.starts, offset) - 1) for offset in must_include}
    weights = lines.weights
    ranked = sorted(range(len(weights)), key=lambda i: (i in forced, weights[i]), reverse=True)
    chosen: set[int] = set()
    used = 0
    for index in ranked:
        if used >= budget:
            break
        if index not in forced and weights[index] == 0:
            break
        # the line and up to two after it (a message wrapped over lines)
        for neighbour in (index, index + 1, index + 2):
            if 0 <= neighbour < len(weights) and neighbour not in chosen:
                if (
                    neighbour != index
                    and weights[neighbour] == 0
                    and _LOG_RECORD.match(lines.lines[neighbour])
                ):
                    continue  # a separate, quiet log record: context that only dilutes the match
                chosen.add(neighbour)
                used += min(len(lines.lines[neighbour]), 600) + 1
    if not chosen:
        return text[:budget]
    return "\n".join(lines.lines[i][:600] for i in sorted(chosen))
