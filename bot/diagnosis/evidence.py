"""What a paste says about itself: HTTP status codes, whether it is about fal, whether it is someone else's.

These are fixed facts about fal and other vendors (from fal's clients and docs and many real
reports); what is specific to one known problem lives in the knowledge base instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from bot import linear_re

# -- HTTP status codes as people paste them ---------------------------------------------------
# Applied to lower-cased text. RE2 has no lookbehind: "(?:^|\\D)" stands for "not after a digit".
_STATUS_PATTERNS = [
    linear_re.compile(r"http/\d(?:\.\d)?\"?\s+(\d{3})\b"),
    # "status 404", "status_code=500", and a browser's "responded with a status of 500 ()"
    linear_re.compile(r"status(?:[ _-]?code)?(?: of)?\W{0,4}(\d{3})\b"),
    linear_re.compile(r"(?:error|response|http|code)\W{0,3}(?:code\W{0,3})?(\d{3})\b"),
    linear_re.compile(r"(?:^|\D)(\d{3})\W{0,3}(?:client|server) error\b"),
    linear_re.compile(r"(?:client|server) error\W{0,3}(\d{3})\b"),
    linear_re.compile(
        r"(?:^|\D)(\d{3})\W{0,3}(?:forbidden|unauthori[sz]ed|not found|unprocessable|too many requests"
        r"|internal server|bad gateway|service unavailable|gateway time|method not allowed"
        r"|payment required|bad request|request timeout|conflict|client closed)"
    ),
    linear_re.compile(r"\((\d{3})\)|\[(\d{3})\]"),
    linear_re.compile(
        r"\b(?:failed|failure|returned|returns|returning|got|getting|gets|received|receiving|responded"
        r"|answered|answers|with|gives|gave|giving|throws|threw|throwing)\W{1,3}(?:an? )?"
        r"(?:status\W{1,3})?([45]\d\d)\b"
    ),
    # a status used as a verb or counted as events: "the server 400'd", "fal occasionally 422s a
    # valid edit", "random 502s" (not "after 500s", seconds)
    linear_re.compile(r"(?:^|[^\d.,$#])([45]\d\d)['’]d\b"),
    linear_re.compile(
        r"\b(?:fal(?:\.ai|\.run)?|random|occasional|intermittent|sporadic|frequent|constant|lots of|bunch of"
        r"|getting|seeing|throws?|throwing)\s(?:[a-z]+\s)?([45]\d\d)s\b"
    ),
    # a failure named by an identifier: "fal_submit_failed 502", "upload_failed: 413"
    linear_re.compile(r"_fail(?:ed|ure)\W{1,3}(?:status\W{1,3})?([45]\d\d)\b"),
    # a 429 after its own name: "rate limit 429", "rate-limited (429)" (only 429: "rate limit 500
    # requests a minute" is a count)
    linear_re.compile(r"\b(?:rate[ _-]?limit(?:ed|s|ing)?|throttl(?:ed|ing))\W{1,3}(?:error\W{1,3})?(429)\b"),
    # "hitting a 429" (with its article: "we hit 500 concurrent requests" is a count)
    linear_re.compile(r"\bhit(?:s|ting)? an? ([45]\d\d)\b"),
    # "failed: 404" at the end of a line, not "key user:422" (an id after a colon)
    linear_re.compile(r"(?:[:=>]\s+|(?:^|[^\w./-])[:=>])([45]\d\d)[.!]?[ \t]*$", re.M),
    linear_re.compile(r"(?:^|[^\d.,$#])([45]\d\d)\W{0,2}error\b"),
    linear_re.compile(r"^\s*(\d{3})\s*[:\-]", re.M),
    # a status named beside fal: "one fal 504 was not billed", "a 429 from fal.ai"
    linear_re.compile(r"\bfal(?:\.ai|\.run)?(?:'s)?\s{1,2}([45]\d\d)\b|\b([45]\d\d)s?\s(?:from|by)\sfal\b"),
    # the same said in the other languages fal's users write in: "请求失败 401", "エラー 403",
    # "오류 429", "ошибка 500", "erro 401", "Fehler 403", "código 422"
    # (only spaces and punctuation between: "返回 500 张图片" and "код 500 строк" are counts)
    linear_re.compile(
        r"(?:失败|失敗|错误|錯誤|报错|状态码|狀態碼|エラー|ステータス|오류|에러|상태 ?코드|ошибк[аиу]"
        r"|код (?:ошибки|ответа|состояния)|\berro\b|\berreur|\bfehler|c[óo]digo|statuscode"
        r"|\bkesalahan|\bgalat|kode status|\berrore|\bcodice)"
        r"[\s:：,，(（]{0,3}(?:http[\s:]{0,2})?([45]\d\d)\b"
    ),
    # "returned 422" said in Spanish, Portuguese, French and German: "fal me devuelve 422",
    # "retornou 403", "renvoie une erreur 500", "liefert 429"
    linear_re.compile(
        r"\b(?:devuelve|devolvi[óo]|retorna|retorn[óo]|retornou|devolve|devolveu|recib[oí]|recebi|recebo"
        r"|renvoie|renvoy[ée]|retourne|retourn[ée]|re[çc]ois|re[çc]u|liefert|lieferte|bekomme|erhalte"
        r"|responde|respondi[óo]|respondeu|r[ée]pond|antwortet"
        r"|restituisce|restituendo|restituito|ritorna|ritornato|ricevo|ricevuto|risponde)"
        r"\W{1,3}(?:(?:con|com|avec|mit|un|una|um|uma|une|le|la|el|o|a|einen?|den|einem)\W{1,3}){0,2}"
        r"(?:(?:error|erro|erreur|fehler|c[óo]digo|code|status|http)\W{1,3})?([45]\d\d)\b"
    ),
    # ...and in Russian: "fal.ai ответил 502", "вернул ошибку 403", "отдаёт 429 от fal" (not a count:
    # "вернул 500 изображений": a word of the sentence right after the number). Endings are spelt
    # [а-яё], not \pL: a counted repeat of every letter made this one regex 40 ms to compile.
    linear_re.compile(
        r"(?:^|[^\pL])(?:вернул[а-яё]{0,2}|возвраща[а-яё]{1,3}|ответил[а-яё]{0,2}|отвеча[а-яё]{1,3}|выдал[а-яё]{0,2}"
        r"|выда[её]т|отдал[а-яё]{0,2}|отда[её]т|получил[а-яё]{0,2}|получа[а-яё]{1,3})[\s:]{1,3}"
        r"(?:(?:ошибк[а-яё]{0,2}|код[а-яё]{0,2}|статус[а-яё]{0,2}|http)[\s:]{1,3}){0,2}([45]\d\d)"
        r"(?:$|[^\d\s\pL]|\s{1,3}(?:[^\d\s\p{Cyrillic}]|ошибк|от\s|при\s|на\s|и\s|в\s|—))"
    ),
    # a status after a verb in Chinese, or before one in Japanese and Korean: "返回 401/403",
    # "收到 429", "遇到了 502", "404/405を踏んだ", "429가 떴", "500을 받았" (not a count: "返回 500 张图片",
    # "500枚を返す"; a second status listed with it counts too)
    linear_re.compile(
        r"(?:返回|报|報|收到|遇到|碰到|得到|给|給|拿到|出现|出現|抛出|拋出)了?\s?(?:http\s?)?([45]\d\d)"
        r"(?:[/、或和]([45]\d\d))?"
        # (or the sentence goes on: "返回 429 请稍后再试", "报 401 怎么办")
        r"(?:$|[^\d\p{Han}\s]|\s{1,2}(?:[^\d\p{Han}\s]|错误|錯誤|状态|狀態|或|等|请|請|怎么|怎麼|是)"
        r"|错误|錯誤|状态|狀態|或|等|请|請|怎么|怎麼)"
    ),
    linear_re.compile(
        r"(?:^|[^\d.])([45]\d\d)(?:[/、]([45]\d\d))?\s?"
        r"(?:を(?:踏|返|受け|食ら)|が(?:返|出|発生|起き)|(?:을|를|이|가)\s?(?:받|반환|떴|떠|뜹|뜨|나와|나옵|발생))"
    ),
    # "500错误", "403 エラー", "429 오류"; not "500个错误" (a count)
    linear_re.compile(r"(?:^|\D)([45]\d\d)(?:\s{0,2}|-)(?:错误|錯誤|エラー|오류|에러)"),
    # a status followed by its body: `429 {"detail": ...}`
    linear_re.compile(r"(?:^|[\s:=(\"'])([45]\d\d)\s{0,2}\{\s{0,3}[\"']", re.M),
]
_REASONS = {
    "unauthorized": 401,
    "unauthorised": 401,
    "payment required": 402,
    "forbidden": 403,
    "method not allowed": 405,
    "request entity too large": 413,
    "payload too large": 413,
    "content too large": 413,
    "unprocessable entity": 422,
    "unprocessable content": 422,
    "too many requests": 429,
    "rate limit exceeded": 429,  # 429's own words in most APIs and wrappers
    "internal server error": 500,
    "bad gateway": 502,
    "service unavailable": 503,
    "gateway timeout": 504,
    "gateway time-out": 504,
    # n8n's NodeApiError puts a sentence in place of the status it got (its STATUS_CODE_MESSAGES):
    # "Authorization failed - please check your credentials" is its 401, and wrappers copy them
    "bad request - please check your parameters": 400,
    "authorization failed - please check your credentials": 401,
    "the resource you are requesting could not be found": 404,
    "the service is receiving too many requests from you": 429,
    "the service was not able to process your request": 500,
    "gateway timed out - perhaps try again later": 504,
}
_REASON_RE = linear_re.compile(r"\b(" + "|".join(re.escape(r) for r in _REASONS) + r")\b")


# Error statuses in use (IANA plus nginx's 499 and common CDN 52x); 450 or 460 in a log is a count.
HTTP_ERRORS = frozenset(
    [*range(400, 419), *range(421, 427), 428, 429, 431, 451, 499, *range(500, 512), *range(520, 531)]
)


def status_codes(text: str) -> tuple[set[int], list[int]]:
    """HTTP error statuses (400-599) mentioned in the text, and where they were found."""
    codes: set[int] = set()
    offsets: list[int] = []
    text = text.lower()
    for pattern in _STATUS_PATTERNS:
        for match in pattern.finditer(text):
            for group in match.groups():
                if group and int(group) in HTTP_ERRORS:
                    codes.add(int(group))
                    if len(offsets) < 40:
                        offsets.append(match.start())
    for match in _REASON_RE.finditer(text):
        codes.add(_REASONS[match.group(1)])
    return codes, offsets


# -- is this about fal? ---------------------------------------------------------------------------
# Each marker: (regex, label, needles). The regex only runs when one of its lower-case needles
# occurs in the text: plain substring tests keep a 40 KB paste fast.
_Marker = tuple[linear_re.Pattern, str, tuple[str, ...]]


def _present(marker: _Marker, text: str, needles_in_text: frozenset[str]) -> bool:
    pattern, _label, needles = marker
    return not needles_in_text.isdisjoint(needles) and pattern.search(text) is not None


# A host name not inside a longer word or an e-mail address. RE2 has no lookarounds: the pattern
# takes the character before it, and captures the one after it when that continues a word
# (`file.name_v2`), so `findall` gives plain strings, with no match object for each of the thousands
# of hosts a long paste can hold.
_HOST_TOKEN = linear_re.compile(r"(?:^|[^\w@-])((?:[a-z0-9-]+\.)+[a-z]{2,})([\w-]?)", re.I)


def host_tokens(text: str) -> list[str]:
    """Host names in the text (`queue.fal.run`, `api.openai.com`), as written."""
    return [host for host, word_goes_on in _HOST_TOKEN.findall(text) if not word_goes_on]


def text_hosts(text: str) -> set[str]:
    """The text's host names, lower case and without a trailing dot: what `gather` and the entries'
    host signals compare."""
    return {host.lower().strip(".") for host in host_tokens(text)}


_FAL_HOST = linear_re.compile(r"(?:^|\.)(?:fal\.run|fal\.ai|fal\.media|falrun\.com)$", re.I)
# (also written as a path, "`/fal-ai/elevenlabs/requests/{id}`"; not inside another URL, where the
# character before the slash is part of the host: github.com/fal-ai/fal)
_ENDPOINT = linear_re.compile(r"(?:^|[^\w/.@-])/?(fal-ai/[a-z0-9._-]+(?:/[a-z0-9._-]+)*)", re.I)
_FAL_SHAPED_KEY = linear_re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::|%3a)[0-9a-f]{32}", re.I
)
_STRONG_MARKERS: list[_Marker] = [
    (
        linear_re.compile(r"\bfal[_-]client\b|\bfal_client\.|\bfal-serverless\b|\bimport fal\b", re.I),
        "fal_client",
        ("fal",),
    ),
    (linear_re.compile(r"@fal-ai/[a-z-]+", re.I), "@fal-ai client", ("@fal-ai",)),
    (linear_re.compile(r"\bFAL_(?:API_|AI_)?KEY(?:_ID|_SECRET)?\b", re.I), "FAL_KEY", ("fal_",)),
    (linear_re.compile(r"\bx-fal-[a-z-]+", re.I), "x-fal header", ("x-fal-",)),
    (linear_re.compile(r"\bfal_(?:jwt_token|webhook)\b", re.I), "fal query parameter", ("fal_",)),
    (
        linear_re.compile(
            r"\bFalClient(?:HTTP|Timeout)?Error\b|\bfal(?:_client)?\.auth\.MissingCredentialsError\b"
        ),
        "fal exception",
        ("falclient", "missingcredentialserror"),
    ),
    (
        linear_re.compile(r"\bfal\.(?:config|subscribe|queue|realtime|storage|stream)\b", re.I),
        "fal client call",
        ("fal.",),
    ),
    (linear_re.compile(r"\bfal\.ai\b|\bfal ai\b|\bfalai\b", re.I), "fal.ai", ("fal",)),
    (
        linear_re.compile(
            r"\bauthorization\W{0,4}key\s+\S"
            # the same header as a no-code tool's form shows it, a name and a value ("Header Name:
            # Authorization / Header Value: Key ...", n8n's Header Auth, Make's and Zapier's headers)
            r"|\bauthorization\W{1,12}(?:header\s)?value\W{1,6}key\s+\S",
            re.I,
        ),
        "Authorization: Key header",
        ("authorization",),
    ),
    (
        # fal named as the one that answered or failed: "FAL could not download the image",
        # "fal rejects system_prompt over 5000 chars", "fal returns 403" (another service named in
        # the same text is then part of the setup, not whose error it is)
        linear_re.compile(
            # (no negation: "fal never failed like this", "fal doesn't do LLMs" say the opposite)
            r"\bfal(?:'s (?:api|server|queue|gateway))? (?:(?:also|now|still|then|just|sometimes|occasionally"
            r"|always) )?(?:returns?|returned|rejects?|rejected|refuses?|refused|could ?n[o']t"
            r"|can ?n[o']t|can't|cannot|fails?|failed|says|said|gives|gave|throws|threw|answers?|answered"
            r"|responds?|responded|errors?|errored|timed out|times out|closes|closed|blocks|blocked|caps"
            r"|wants|requires|expects|only accepts)\b",
            re.I,
        ),
        "fal as the one that answered",
        ("fal ", "fal'"),
    ),
    (
        # the same said in the other languages fal's users write in: "fal 返回…", "fal.ai から 401",
        # "fal에서 오류", "fal devuelve…", "fal renvoie…", "fal возвращает…"
        linear_re.compile(
            r"\bfal(?:\.ai|\.run)?\s?(?:返回|报错|報錯|提示|拒绝|拒絕|生成失败|调用失败|請求失敗|请求失败"
            r"|から|が返|がエラー|에서|이 반환|가 반환)"
            r"|\bfal(?:\.ai)? (?:devuelve|devolvi[óo]|responde|respondi[óo]|rechaza|rechaz[óo]|fall[óa]"
            r"|retorna|retornou|devolve|devolveu|respondeu|rejeita|rejeitou|falhou|falha"
            r"|renvoie|a renvoy[ée]|retourne|a retourn[ée]|r[ée]pond|a r[ée]pondu|rejette|a rejet[ée]"
            r"|[ée]choue|mengembalikan|menolak|merespons|membalas|gagal|memblokir"
            r"|gibt|gab|liefert|lieferte|antwortet|antwortete|lehnt|meldet"
            r"|restituisce|sta restituendo|ha restituito|ritorna|risponde|rifiuta|ha rifiutato|blocca"
            r"|fallisce"
            r"|возвращает|вернул[аи]?|отвечает|ответил[аи]?|отклоняет|отклонил[аи]?|выда[её]т)",
            re.I,
        ),
        "fal as the one that answered",
        ("fal",),
    ),
]
# Error types that only fal uses. Its runner errors by their documented names only: test runners,
# agent runners and job queues have their own (`"error_type": "runner_error"`, `runner_abort`). Not
# `startup_timeout` or `client_disconnected`: other platforms' settings and other servers' results
# use those words too (`startup_timeout=20 * 60`, a SQL tool's `"error_type": "client_disconnected"`);
# they still count for fal's entries once the text is about fal.
_FAL_ERROR_TYPES = linear_re.compile(
    r"\b(?:runner_(?:scheduling_failure|connection_timeout|connection_refused|connection_error|disconnected"
    r"|incomplete_response|server_error)|no_media_generated|face_detection_error)\b"
    r"|\btype[\"']?\s{0,2}[:=]\s{0,2}[\"']?(?:file_download_error|image_load_error)\b"
)
# Other APIs' error codes and apps' log event names too (`{"code": "file_download_error"}`,
# `log.error("file_download_error", ...)`): fal's as the value of a `type`, or beside the word fal.
_SHARED_FAL_ERROR_TYPES = linear_re.compile(r"\b(?:file_download_error|image_load_error)\b")
_THE_WORD_FAL = linear_re.compile(r"(?:\b|_)fal(?:\b|_)", re.I)
# Hints that alone would not prove much but, with no other vendor in sight, say "fal".
_WEAK_MARKERS: list[_Marker] = [
    (_THE_WORD_FAL, "the word fal", ("fal",)),
    (linear_re.compile(r"Fal[A-Z][a-z]|[a-z]Fal\b"), "a fal identifier", ("fal",)),
    (linear_re.compile(r"\bRealtimeError\b"), "fal_client's RealtimeError", ("realtimeerror",)),
    (
        # fal's infrastructure errors: a flat body with both `detail` and `error_type`.
        linear_re.compile(
            r"[\"']detail[\"']\s*:\s*[\"'][^\"'\n]{0,300}[\"']\s*,\s*[\"']error_type[\"']"
            r"|[\"']error_type[\"']\s*:\s*[\"'][a-z_]+[\"']\s*,\s*[\"']detail[\"']"
        ),
        "fal's error body shape",
        ("error_type",),
    ),
    (
        linear_re.compile(
            r"\b(?:image_too_small|image_too_large|audio_duration_too_long|unsupported_image_format"
            r"|content_policy_violation)\b"
        ),
        "fal error type",
        ("image_too", "audio_duration", "unsupported_image", "content_policy"),
    ),
    (
        linear_re.compile(
            r"\b(?:square_hd|landscape_4_3|landscape_16_9|portrait_4_3|portrait_16_9|gateway_request_id"
            r"|queue_position|enable_safety_checker|has_nsfw_concepts)\b",
            re.I,
        ),
        "fal field names",
        (
            "square",
            "landscape_",
            "portrait_",
            "gateway_request",
            "queue_position",
            "safety_checker",
            "nsfw_concepts",
        ),
    ),
    (
        # fal's own wording for its 404s and its missing-header 401 (fal's app wrapper rewrites
        # a bare "Not Found" into "Path /x not found"; other FastAPI apps say "Not Found").
        linear_re.compile(
            r"\bapplication \\?[\"'][^\"'\\\n]{1,100}\\?[\"'] not found"
            r"|\bpath /[^\s\"']{0,200} not found"
            r"|[\"']detail[\"']\s*:\s*[\"']authorization header is required"
            r"|\bcannot access application\b"
            r"|\badmin lock\b|\buser is locked\b",
            re.I,
        ),
        "fal's error wording",
        ("not found", "authorization header", "cannot access application", "admin lock", "user is locked"),
    ),
    (
        # fal's 422 body: a `detail` list of pydantic errors located in the request body, about a
        # field of a media model's input (any FastAPI app answers 422 about its own `username`), or
        # pointing at fal's error docs.
        linear_re.compile(
            r"[\"']loc[\"']\s*:\s*\[\s*[\"']body[\"']\s*,\s*[\"'](?:prompt|negative_prompt|\w+_urls?"
            r"|image_size|num_images|num_inference_steps|guidance_scale|seed|aspect_ratio|duration|strength"
            r"|loras?|resolution|output_format|sync_mode|enable_safety_checker|safety_tolerance|fps"
            r"|num_frames|style|reference_images?)[\"']"
            r"|[\"']url[\"']\s*:\s*[\"']https://docs\.fal\.ai",
            re.I,
        ),
        "fal's 422 body shape",
        ("loc", "docs.fal.ai"),
    ),
]

# -- is this someone else's? ---------------------------------------------------------------------------
_VENDORS: list[_Marker] = [
    (
        linear_re.compile(
            r"\bopenai\b|api\.openai\.com|\bsk-(?:proj-)?[a-z0-9_-]{16,}|chatgpt|\bgpt-[345]|\bdall-?e"
            r"|insufficient_quota|incorrect api key provided|\bazure\b"
            # its organisation ids, in every rate-limit message ("... in organization org-AbC123...")
            r"|\bin organization org-|\borg-[a-z0-9]{20,}\b",
            re.I,
        ),
        "OpenAI",
        (
            "openai",
            "sk-",
            "chatgpt",
            "gpt-",
            "dall",
            "insufficient_quota",
            "incorrect api key",
            "azure",
            "org-",
        ),
    ),
    (
        linear_re.compile(r"anthropic|\bclaude\b|\bsk-ant-|overloaded_error|x-api-key", re.I),
        "Anthropic",
        ("anthropic", "claude", "sk-ant", "overloaded_error", "x-api-key"),
    ),
    (
        # its name and token, or its own API's wording: the problem-details title for a version that
        # does not exist or is not yours, and the `invalid_fields` list of its 422s
        linear_re.compile(
            r"replicate|\br8_[a-z0-9]{10,}|invalid version or not permitted|[\"']invalid_fields[\"']", re.I
        ),
        "Replicate",
        ("replicate", "r8_", "invalid version or not permitted", "invalid_fields"),
    ),
    (
        # Runway's own API, by its wording with no name in it: its credits message and its tasks'
        # `failureCode` (SAFETY.INPUT.TEXT...). fal's balance error is "User is locked".
        linear_re.compile(
            r"enough credits to run this task|[\"']failurecode[\"']\s*:|\bsafety\.(?:input|output)\.[a-z]+\b",
            re.I,
        ),
        "Runway",
        ("enough credits to run this task", "failurecode", "safety.input", "safety.output"),
    ),
    (
        # the Kling API's (and Jina's) out-of-balance message as their APIs word it, capitalised
        # (code 1102): fal's is "User is locked. Reason: Exhausted balance". Case-sensitive, so a
        # sentence saying a balance is not enough in passing is not taken for it.
        linear_re.compile(r"\bAccount balance not enough\b"),
        "another service (the Kling or Jina API's own wording)",
        ("account balance not enough",),
    ),
    (
        # MiniMax's own API envelope ({"base_resp": {"status_code": 1008, "status_msg": ...}}): fal
        # answers a MiniMax model's failure in its own body shape, never this one
        linear_re.compile(r"[\"']base_resp[\"']\s*:\s*\{", re.I),
        "MiniMax",
        ("base_resp",),
    ),
    (
        # Stability AI's own error envelope, named nowhere in it: {"id": ..., "name":
        # "content_moderation", "errors": [...]}, or its fields printed ("Error name: content_moderation").
        # fal's refusal is typed content_policy_violation.
        linear_re.compile(r"\bname[\"']?\s?[:=]\s?[\"']?content_moderation\b", re.I),
        "Stability AI (its own error body)",
        ("content_moderation",),
    ),
    (
        linear_re.compile(r"\bstripe|api\.stripe\.com|\bcus_[a-z0-9]{6,}|\bpi_[a-z0-9]{10,}", re.I),
        "Stripe",
        ("stripe", "cus_", "pi_"),
    ),
    (
        linear_re.compile(
            r"botocore|boto3|amazonaws\.com|\baws\b|bedrock|\bs3\b|an error occurred \(\w+\) when calling"
            # S3's own names in its answers and signed links (<X-Amz-Expires>, x-amz-request-id)
            r"|\bx-amz-",
            re.I,
        ),
        "AWS",
        ("boto", "amazonaws", "aws", "bedrock", "s3", "an error occurred (", "x-amz-"),
    ),
    (
        linear_re.compile(
            r"hugging ?face|\bhf_hub|\bhf\.co\b|hfhubhttperror|\bhf_[a-z0-9]{10,}|inference providers?\b"
            r"|\bhf (?:inference|endpoints?|hub|token|spaces?)\b|\binference endpoints?\b"
            r"|pay-as-you go"
            # its serverless Inference API's own wording, which names nobody: a busy or cold model
            # ({"error": "Model x/y is currently loading", "estimated_time": 20.0}), the free tier's
            # hourly limit, a file the Hub cannot find
            r"|model too busy, unable to get response|reached free usage limit"
            r"|is currently loading[\"']?\s*,\s*[\"']estimated_time|locate the file on the hub",
            re.I,
        ),
        "Hugging Face",
        (
            *("hugging", "hf_", "hf.co", "hfhub", "inference provider", "pay-as-you", "hf "),
            *("inference endpoint", "model too busy", "free usage limit", "estimated_time", "on the hub"),
        ),
    ),
    (linear_re.compile(r"crowdstrike|\bfalcon", re.I), "CrowdStrike/Falcon", ("crowdstrike", "falcon")),
    (
        # RT-Thread's FAL, the Flash Abstraction Layer of embedded firmware: flash partitions, not fal.ai
        linear_re.compile(
            r"flash abstraction layer|\[[eidw]/fal\]|\bfal_(?:flash|partition|mtd|blk|char)_?\w*"
            r"|\bfal partition\b|\bndbank\b|\bstm32\w*|\brt-thread\b|\brt_kprintf\b",
            re.I,
        ),
        "RT-Thread's FAL (flash partitions)",
        (
            "flash abstraction",
            "/fal]",
            "fal_flash",
            "fal_partition",
            "fal_mtd",
            "fal_blk",
            "fal_char",
            "fal partition",
            "ndbank",
            "stm32",
            "rt-thread",
            "rt_kprintf",
        ),
    ),
    (
        # TYPO3's FAL, its File Abstraction Layer (fileadmin storages, sys_file records, the
        # `v:content.resources.fal` view helper): a CMS's files, not fal.ai
        linear_re.compile(r"\btypo3|file abstraction layer|\bsys_file\b|\bresources\.fal\b", re.I),
        "TYPO3's FAL (its File Abstraction Layer)",
        ("typo3", "file abstraction layer", "sys_file", "resources.fal"),
    ),
    (
        # "fal" in Turkish is fortune-telling (kahve falı, tarot falı, a falcı reading a cup): a
        # fortune app's messages ("Fal yorumu alınamadı"), not fal.ai
        linear_re.compile(
            r"\b(?:kahve|tarot|iskambil|yıldızname|el|su) fal[ıi]|\bfalc[ıi]|\bfal[ıi]n[ıi]z?\b"
            r"|\bfal (?:yorum|bak|sonuc|sonuç|gönder|iste)",
            re.I,
        ),
        "a fortune-telling app (fal is Turkish for fortune)",
        (
            "falı",
            "falci",
            "falcı",
            "falin",
            "falın",
            "fal yorum",
            "fal bak",
            "fal sonu",
            "fal gönder",
            "fal iste",
        ),
    ),
    (
        # another piece of the stack named in words: a database or a web framework's own error, or
        # by its own wording: Postgres's row-level security refusing a row, a storage API's missing
        # bucket (Supabase Storage's {"statusCode":"404","error":"Bucket not found"}, S3's NoSuchBucket)
        linear_re.compile(
            r"\b(?:postgres(?:ql)?|mysql|mariadb|mongo(?:db)?|sqlite3?|redis|supabase|firebase|prisma"
            r"|django|rails|laravel|spring boot|asp\.net|vapor)\b|\babort\.4\d\d\b"
            r"|row-level security polic|\bbucket not found\b|\bnosuchbucket\b",
            re.I,
        ),
        "another part of the stack (a database or web framework)",
        (
            "row-level security",
            "bucket not found",
            "nosuchbucket",
            "postgres",
            "mysql",
            "mariadb",
            "mongo",
            "sqlite",
            "redis",
            "supabase",
            "firebase",
            "prisma",
            "django",
            "rails",
            "laravel",
            "spring boot",
            "asp.net",
            "vapor",
            "abort.4",
        ),
    ),
    (
        linear_re.compile(
            r"generativelanguage\.googleapis|\bgemini\b|vertex ?ai|google\.api_core|googleapis\.com"
            # its storage named in words ("GCS answers 400 ExpiredToken", "a Google Cloud Storage bucket"),
            # its AI products, and its own review or filter said to refuse ("not passing Google's safety
            # review"): a Drive or Photos link is only a file's host, not this
            r"|\bgcs\b|google cloud storage|\bgoogle (?:ai studio|genai|cloud)\b"
            r"|\bgoogle['’]s (?:safety|content|moderation|responsible ai|usage|ai)\b"
            # Google's API error envelope ("status": "INVALID_ARGUMENT", "400 INVALID_ARGUMENT.") and its
            # front end's server header: Google's, whatever the app wrapping it is called
            r"|[\"']status[\"']\s?:\s?[\"'](?:invalid_argument|failed_precondition|resource_exhausted"
            r"|permission_denied|unauthenticated)[\"']"
            r"|\b[45]\d\d (?:invalid_argument|failed_precondition|resource_exhausted|permission_denied"
            r"|unauthenticated)\b|scaffolding on httpserver2",
            re.I,
        ),
        "Google",
        (
            "gcs",
            "generativelanguage",
            "gemini",
            "vertex",
            "google",
            "invalid_argument",
            "failed_precondition",
            "resource_exhausted",
            "permission_denied",
            "unauthenticated",
            "httpserver2",
        ),
    ),
    (
        linear_re.compile(
            r"\bgroq\b|mistral|\bcohere\b|together\.ai|\btogether ai\b|api\.together|elevenlabs|stability\.ai"
            r"|api\.stability|text-generation-inference|\btgi\b"
            r"|midjourney|deepseek|perplexity|ollama|runwayml|\brunway (?:api|ml|tasks?)\b"
            r"|leonardo\.ai|\brunpod\b"
            r"|openrouter|\bsupabase\b"
            r"|twilio|sendgrid|firebase|\bgithub api\b|api\.github\.com|\bvercel blob\b"
            r"|eleven ?labs|fireworks|novelai|pollinations|\bleonardo\b"
            r"|\bsuno\b|\bheygen\b|litellm|\bg4f\b|\bcomfy\.org\b|comfy_api_nodes"
            r"|\bdeepai\b|\bcapcut\b|\bultralytics\b|\bwavespeed\b|\bsegmind\b|\bminimax api\b"
            r"|\bstability ai\b|\bmoonshot\b|\bkimi\b|\bgrok\b|\bx\.ai\b|\bxai\b|\bminimax\b"
            # Chinese clouds' own model platforms (fal hosts Kling and Wan models: only their own
            # official APIs are someone else's)
            r"|阿里云|百炼|通义|dashscope|火山引擎|火山方舟|豆包|即梦|智谱|文心一言|千帆|腾讯云|混元|讯飞"
            r"|硅基流动|siliconflow|klingai\.com"
            # a model maker fal hosts, by its own site or API said in Chinese ("luma官网", "Kling 官方 API")
            r"|(?:kling|可灵|luma|runway|minimax|海螺|hailuo|vidu|pika|ideogram|recraft|即梦|seedance|veo)"
            r"\s?(?:官方|官网|官網)"
            # (fal hosts Ideogram and Luma models: only their own APIs are someone else's)
            r"|\bideogram api\b|\bluma(?: ai| labs)?(?: dream machine)? api\b|lumalabs\.ai"
            # other inference and media APIs and GPU clouds by their names (none is a model fal hosts)
            r"|\bbaseten\b|banana\.dev|beam\.cloud|\bcerebrium\b|deepinfra|\boctoai\b|\bnovita(?:\.ai| ai)\b"
            r"|\bkie\.ai\b|\bpiapi\b|\bgoapi\b|lepton\.ai|\banyscale\b|\bclipdrop\b|\bdeepgram\b|assemblyai"
            r"|\btavily\b|\bserper\b|jina\.ai|\bjina ai\b|voyageai|dreamstudio|modal\.com|modal\.run"
            r"|\bmodal\.(?:exception|functions|app|cls)\b"
            # video-rendering and messaging APIs whose webhooks and renders look like fal's queue
            r"|\bcreatomate\b|\bshotstack\b|\bjson2video\b|\bevolution[ -]api\b|\bevolution-api\b",
            re.I,
        ),
        "another service",
        (
            *("baseten", "banana.dev", "beam.cloud", "cerebrium", "deepinfra", "octoai", "novita", "kie.ai"),
            *("piapi", "goapi", "lepton.ai", "anyscale", "clipdrop", "deepgram", "assemblyai", "tavily"),
            *("serper", "jina", "voyageai", "dreamstudio", "modal."),
            *("creatomate", "shotstack", "json2video", "evolution"),
            "moonshot",
            "kimi",
            "grok",
            "x.ai",
            "xai",
            "minimax",
            "groq",
            "mistral",
            "cohere",
            "together",
            "text-generation-inference",
            "tgi",
            "elevenlabs",
            "stability",
            "midjourney",
            "deepseek",
            "perplexity",
            "ollama",
            "runwayml",
            "runway",
            "leonardo",
            "runpod",
            "openrouter",
            "supabase",
            "twilio",
            "sendgrid",
            "firebase",
            "github",
            "vercel",
            "eleven",
            "fireworks",
            "novelai",
            "pollinations",
            "leonardo",
            "suno",
            "heygen",
            "litellm",
            "g4f",
            "comfy",
            "deepai",
            "capcut",
            "ultralytics",
            "wavespeed",
            "segmind",
            "minimax api",
            "ideogram",
            "luma",
            "阿里云",
            "百炼",
            "通义",
            "dashscope",
            "火山",
            "豆包",
            "即梦",
            "智谱",
            "文心",
            "千帆",
            "腾讯云",
            "混元",
            "讯飞",
            "硅基",
            "siliconflow",
            "官方",
            "官网",
            "官網",
            "klingai",
        ),
    ),
    (
        # another API's job lifecycle, by statuses fal's queue never reports (fal's are IN_QUEUE,
        # IN_PROGRESS and COMPLETED): Replicate's predictions ('starting', 'succeeded', 'canceled',
        # 'aborted'), BFL's tasks ("Pending", "Ready", "Request Moderated", "Task not found"),
        # Runway's and DashScope's ("SUCCEEDED", "THROTTLED"), RunPod's ("TIMED_OUT", and its
        # status body's `delayTime` / `executionTime`), MiniMax's ("Queueing", "Preparing"), Luma's
        # ("dreaming"); a status said "failed" or "queued" is anybody's, fal callers' apps included.
        linear_re.compile(
            r"[\"']?\b(?:status|state|task_status)[\"']?\s?(?:[:=]|==)\s?[\"']"
            r"(?:succeeded|succeed|starting|canceled|aborted|throttled|timed_out|dreaming|queueing|preparing"
            r"|content moderated|request moderated|task not found)[\"']"
            r"|[\"']?\bstatus[\"']?\s?(?:[:=]|==)\s?[\"'](?-i:Pending|Ready)[\"']"
            r"|'starting', 'processing', 'succeeded'"
            r"|[\"'](?:delayTime|executionTime)[\"']\s*:\s*\d",
            re.I,
        ),
        "another API's job statuses",
        (
            *("succeeded", "succeed", "starting", "canceled", "aborted", "throttled", "timed_out"),
            *("dreaming", "queueing", "preparing", "moderated", "task not found", "pending", "ready"),
            *("delaytime", "executiontime"),
        ),
    ),
    (
        # a 422 about chat-completion or voice fields: an LLM server (vLLM, Mistral, a proxy) or a
        # TTS API (ElevenLabs), not a fal model
        linear_re.compile(
            r"[\"']loc[\"']\s*:\s*[\[(]\s*[\"']body[\"']\s*,\s*[\"'](?:messages|model|tools|tool_choice|max_tokens"
            r"|temperature|stream|response_format|input|voice_settings|voice_id|model_id)[\"']",
            re.I,
        ),
        "an LLM or voice API request body",
        ("loc",),
    ),
    (
        # another media or GPU platform's own command-line tool, run at a shell prompt ("$ civitai app
        # view ...", "$ modal run app.py", "$ runpodctl get pod", "$ cog predict", "$ truss push"):
        # what answered is that platform (fal's own CLI is `fal`)
        linear_re.compile(
            r"(?m:^)\s{0,4}[$%>]\s{1,2}(?:civitai|modal|runpodctl|huggingface-cli|truss|cog|beam|replicate"
            r"|leonardo|ideogram)\s+[a-z-]",
            re.I,
        ),
        "another platform's command-line tool",
        (
            *("civitai", "modal", "runpodctl", "huggingface-cli", "truss", "cog", "beam", "replicate"),
            *("leonardo", "ideogram"),
        ),
    ),
]
# The platform the caller's own code runs on, by its own error codes (a Vercel function that ran out of
# its time or over its body limit): that platform's error when the text does not name fal; with fal
# named, it is the caller waiting on fal longer than its host allows (the queue's family).
_PLATFORMS: list[_Marker] = [
    (
        # a media host the caller keeps its files on, named: its own upload limits and errors, unless
        # fal is named (then it is only where fal's inputs or outputs are kept: "fal needs a reachable
        # URL, so the still is hosted on Cloudinary first")
        linear_re.compile(r"\bcloudinary\b", re.I),
        "a media host (Cloudinary)",
        ("cloudinary",),
    ),
    (
        # an AI app platform or chat front end the paste came from, named in words or by its own
        # plugin wording (Dify's "An error occurred in the plugin, please contact the author of ...",
        # its PluginInvokeError): the error of that app or of a provider it calls, unless fal is named
        linear_re.compile(
            r"\b(?:dify|lobe ?chat|lobehub|open[ -]?webui|librechat|nextchat|cherry ?studio|fastgpt|flowise"
            r"|langflow|coze|sillytavern|anythingllm)\b"
            r"|an error occurred in the plugin|\bplugininvokeerror\b",
            re.I,
        ),
        "an AI app platform",
        (
            *("dify", "lobe", "webui", "librechat", "nextchat", "cherry", "fastgpt", "flowise", "langflow"),
            *("coze", "sillytavern", "anythingllm", "error occurred in the plugin", "plugininvokeerror"),
        ),
    ),
    (
        linear_re.compile(
            r"\b(?:edge_)?function_(?:invocation_(?:timeout|failed)|payload_too_large|response_payload_too_large"
            r"|throttled)\b|\bdeployment_not_found\b|\bmiddleware_invocation_(?:timeout|failed)\b",
            re.I,
        ),
        "Vercel",
        ("function_", "deployment_not_found", "middleware_invocation"),
    ),
    (
        # Cloudflare's own error pages (1xxx: rate limited, access denied, a worker that threw), and
        # its Workers AI, and its own account, dashboard, API and products named in words ("the CF
        # account needs Containers enabled via the Cloudflare dashboard")
        linear_re.compile(
            r"\bcloudflare\b[^\n]{0,20}?\berror\W{0,3}(?:code\W{0,3})?1\d{3}\b"
            r"|\berror\W{0,3}(?:code\W{0,3})?1\d{3}\b[^\n]{0,80}?\bcloudflare\b"
            r"|\bworkers ai\b|the owner of this website has banned"
            r"|\b(?:cloudflare(?:'s)?|cf) (?:dashboard|account|api|support|containers|r2|pages|zero trust)\b"
            # its own limits on a request, named ("Cloudflare's per-request body cap", "the 100 MB
            # Cloudflare upload limit")
            r"|\bcloudflare(?:'s)?\s(?:[\w-]+\s){0,3}?(?:body|upload|request|payload)(?: size)?"
            r" (?:cap|limit)\b",
            re.I,
        ),
        "Cloudflare",
        ("cloudflare", "workers ai", "the owner of this website"),
    ),
    (
        # a Worker killed by its own limits (Cloudflare's error 1102), or Cloudflare's deploy tool
        linear_re.compile(
            r"\bworker exceeded (?:resource|cpu|memory|cpu time) limits?\b|\berror\W{0,3}1102\b"
            r"|\bwrangler\b|\bcloudflare_api_token\b",
            re.I,
        ),
        "Cloudflare Workers",
        ("worker exceeded", "1102", "wrangler", "cloudflare_api_token"),
    ),
    (
        # the platform the caller's code runs on, named in words: its function or router ran out of
        # time (a Lambda's or Vercel function's "Task timed out after 120 seconds", a Netlify
        # function, Heroku's router), or GitHub's own API answered (Octokit's `HttpError: Validation
        # Failed` with a `resource` and `code`)
        linear_re.compile(
            r"\bvercel\b|\bnetlify\b|\bheroku\b|\baws lambda\b|\blambda function\b"
            r"|\btask timed out after \d+(?:\.\d+)? seconds\b"
            r"|\bgithub (?:pages|actions)\b|\boctokit\b|\bhttperror: validation failed\b"
            r"|[\"']resource[\"']\s*:\s*[\"'][A-Z][A-Za-z]+[\"']\s*,\s*[\"']code[\"']\s*:",
            re.I,
        ),
        "a hosting platform or GitHub",
        (
            "vercel",
            "netlify",
            "heroku",
            "lambda",
            "task timed out",
            "github",
            "octokit",
            "httperror",
            "resource",
        ),
    ),
]


# Which markers' needles a lower-case text holds, found in one pass: a 40 KB paste searched for
# each of ~170 needles in turn spent 3 ms, holding the GIL that acks wait for.
_MARKER_NEEDLES = linear_re.LiteralSet(
    sorted(
        {
            needle
            for _p, _l, needles in (*_STRONG_MARKERS, *_WEAK_MARKERS, *_VENDORS, *_PLATFORMS)
            for needle in needles
        }
    )
)
# A server on this machine answering (localhost, 127.0.0.1): someone's own app, unless fal is named.
_LOCAL_SERVER = linear_re.compile(
    r"\b(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):\d{2,5}/"
    # a connection refused by a local port (a database, a dev server), or code that connects to one
    # ("tries to connect to localhost:7860", "connecting to 127.0.0.1:11434"): not fal's hosts
    r"|(?:econnrefused|connection refused|connect(?:s|ing|ed)?(?: to)?)\W{1,3}"
    r"(?:localhost|127\.0\.0\.1|\[::1\]):\d{2,5}\b",
    re.I,
)
# Error bodies shaped like OpenAI-compatible APIs or RFC 7807 problem details. fal's model APIs
# answer `{"detail": ...}`, so with nothing naming fal such a body is someone else's.
_FOREIGN_SHAPE = linear_re.compile(
    r"[\"']error[\"']\s*:\s*\{\s*[\"'](?:message|type|code)[\"']"
    r"|[\"']title[\"']\s*:\s*[\"'][^\"']*[\"']\s*,\s*[\"']detail[\"']",
    re.I,
)
_FAL_STORAGE = linear_re.compile(
    r"(?:https?://)?storage\.googleapis\.com/(?:isolate|fal)-[\w.-]+(?:/[^\s\"'`)]*)?|\bfal-cdn(?:-v\d)?\b",
    re.I,
)
_VENDOR_DOMAINS = (
    "huggingface",
    "hf.co",
    "replicate.com",
    "openai.com",
    "anthropic.com",
    "amazonaws.com",
    "stripe.com",
    "googleapis.com",
    "openrouter.ai",
)
# one pass, not a substring search per domain over the whole paste (holding the GIL)
_VENDOR_DOMAIN_SET = linear_re.LiteralSet(list(_VENDOR_DOMAINS))
_VENDOR_URL = linear_re.compile(
    r"(?:^|\s)\S*(?:huggingface|hf\.co|replicate\.com|openai\.com|anthropic\.com|amazonaws\.com|stripe\.com"
    r"|googleapis\.com|openrouter\.ai)\S*",
    re.I,
)


# A request URL on someone else's host names that service as surely as its name does: an API host
# (api.x.com, x-api.ai, inference.x.net) or any URL with a path (https://image.novelai.net/ai/generate),
# unless the URL is about fal itself (fal's hosts, a /api/fal/proxy route) or is only a reference
# (a docs page, an issue link, a DOCTYPE, a placeholder host).
# Unbounded repeats, not `{1,63}` labels `{1,10}` times: RE2 is linear either way, but counted
# repeats multiply its automaton's states, and this one pattern was a fifth of a paste's time.
# Beside a call to fal, a file's address is no service either: an input the call was given
# (`"image_url": "https://..."`, a path ending in .png or .mp4) is where fal was to fetch the user's
# file from.
_URL = linear_re.compile(
    r"(?:\b((?:[a-z]+_)*(?:image|video|audio|mask|file|media)_?urls?)\W{1,6})?"
    r"((?:https?|wss?)://(?:[^/\s@\"'<>]+@)?((?:[a-z0-9-]+\.)+[a-z]{2,24})(:\d{1,5})?"
    r"(/[^\s\"'<>()\[\]{}|,;`]{0,300})?)",
    re.I,
)
_MEDIA_EXTENSION_TEXT = """
    png jpg jpeg webp gif bmp tif tiff heic avif svg mp4 mov webm mkv avi m4v mp3 wav m4a ogg flac aac
    opus glb gltf obj fbx ply zip tar safetensors pdf
    """
_MEDIA_EXTENSIONS = frozenset(_MEDIA_EXTENSION_TEXT.split())


def _file_address(path: str) -> bool:
    """A URL path that names a media or model file (`/u/cat.png?token=...`)."""
    last = path.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[-1].lower() in _MEDIA_EXTENSIONS


_API_HOST = linear_re.compile(r"^(?:api|api-[a-z0-9-]+|[a-z0-9-]+-api|inference|router)\.", re.I)
_REFERENCE_HOST = linear_re.compile(
    r"(?:^|\.)(?:github\.com|githubusercontent\.com|github\.io|gitlab\.com|stackoverflow\.com"
    r"|mozilla\.org|python\.org|nodejs\.org|npmjs\.com|pypi\.org|w3\.org|schema\.org|json-schema\.org"
    r"|example\.(?:com|org|net)|[a-z]+\.example|localhost|readthedocs\.io|wikipedia\.org|youtube\.com"
    r"|google\.com|bit\.ly)$",
    re.I,
)
# The caller's own app, deployed on a hosting platform (`myapp.vercel.app/api/generate`, a tunnel to a
# dev machine): the code that calls fal, seen from the browser or a webhook, not another service. Its
# URL names nobody, and the platform's name inside it is not the platform's error (Vercel's own
# errors are read by their codes, FUNCTION_INVOCATION_TIMEOUT and the like).
_APP_DOMAINS = (
    *("vercel.app", "netlify.app", "herokuapp.com", "onrender.com", "fly.dev", "railway.app", "pages.dev"),
    *("workers.dev", "ngrok-free.app", "ngrok-free.dev", "ngrok.app", "ngrok.io", "replit.app"),
    *("replit.dev", "repl.co", "web.app", "firebaseapp.com", "run.app", "azurewebsites.net"),
    *("azurestaticapps.net", "amplifyapp.com", "deno.dev", "koyeb.app", "lovable.app", "glitch.me"),
    *("csb.app", "trycloudflare.com", "loca.lt", "vercel.sh"),
)
_APP_DOMAIN_SET = linear_re.LiteralSet(list(_APP_DOMAINS))
_APP_DOMAIN_ALTERNATIVES = "|".join(re.escape(domain) for domain in _APP_DOMAINS)
_APP_HOST = linear_re.compile(r"(?:^|\.)(?:" + _APP_DOMAIN_ALTERNATIVES + r")$", re.I)
_APP_URL = linear_re.compile(
    r"(?:(?:https?|wss?)://)?(?:[a-z0-9-]+\.)+(?:"
    + _APP_DOMAIN_ALTERNATIVES
    + r")(?:[:/][^\s\"'<>()\[\]{}|,;`]*)?",
    re.I,
)
# The caller's own web framework, named as where the call was made ("when I call this from Laravel",
# "in my Django view", "our Rails app posts to ..."): the place the request left from, not the one
# that answered it, so it names no other vendor (a framework's own error still does: "Laravel
# error", "django.db.utils.OperationalError")
_CALLER_FRAMEWORK_WORDS = ("laravel", "django", "rails", "spring boot", "asp.net", "vapor")
_CALLER_FRAMEWORK = linear_re.compile(
    r"\b(?:(?:from|in|inside|within|using|via|through) (?:my |our |a |the )?|(?:my|our) )"
    r"(?:laravel|django|rails|spring boot|asp\.net|vapor)\b"
    r"(?:\s?\(\w{2,20}\)| (?:app|application|project|site|view|views|controller|backend|job|worker"
    r"|service|server|code|command))?",
    re.I,
)
_DOCS_HOST = linear_re.compile(r"^(?:docs|doc|help|support|developer|developers|learn|www\.w3)\.", re.I)
# Top-level domains of web services. File extensions (.js, .py, .json, .sh...) are not among them,
# so `index.js` or `config.py` in a stack trace is not taken for a host.
_WEB_TLDS = frozenset(
    [
        *("com", "net", "org", "ai", "io", "dev", "app", "co", "gov", "edu", "cloud", "xyz", "tech", "me"),
        *("cc", "tv", "us", "uk", "de", "fr", "jp", "cn", "ru", "in", "br", "ca", "au", "eu", "nl", "es"),
        *("it", "kr", "se", "ch", "pl", "site", "online", "info", "biz", "pro", "studio", "art"),
        # more countries' domains that services sit on (api.bfl.ml, remove.bg); none is a common file
        # extension (not .pt, .rs, .py, .ts, .md)
        *("ml", "bg", "tw", "hk", "sg", "vn", "mx", "za", "nz", "ie", "cz", "ro", "ua", "kz", "gr", "dk"),
        *("fi", "hu", "tr", "ae", "ar", "cl", "lt", "lv", "ee", "sk", "si", "hr"),
        # newer generic domains services sit on (api.auto.fun); none is a file extension either
        *("fun", "top", "shop", "store", "space", "website", "live", "world", "today", "digital"),
        *("network", "systems", "solutions", "agency", "chat", "bot", "club", "vip", "icu", "asia"),
        *("group", "global", "tools", "team", "life"),
    ]
)
# an API host may sit on any domain (api.x.run); every other host needs a web TLD
_HOST_ENDINGS = _WEB_TLDS | {"run", "sh", "so", "gg", "to", "ly", "fm", "ws", "link", "host", "services"}
_FAL_WORD = linear_re.compile(r"(?:^|[^a-z])fal(?:[^a-z]|$)|falrun", re.I)


def service_hosts(text: str, hosts: set[str] | None = None, calls_fal: bool = False) -> list[str]:
    """Hosts of other services that the text calls or names (see `_URL`). `hosts`: the text's
    `host_tokens`, lower case, when the caller has them already. `calls_fal`: the text shows a call
    to fal, whose input files' addresses are then no service."""
    found: list[str] = []
    in_urls: set[str] = set()  # hosts judged by their URL (an origin without a path is not a call)
    if "://" in text:
        found, in_urls = _url_service_hosts(text, calls_fal)
    for lowered in sorted(hosts if hosts is not None else {h.lower() for h in host_tokens(text)}):
        if lowered in found or lowered in in_urls or lowered.rsplit(".", 1)[-1] not in _HOST_ENDINGS:
            continue
        if _not_a_service(lowered):
            continue
        # an API host, or any host on a web top-level domain (not a file name such as index.js)
        if _API_HOST.search(lowered) or lowered.rsplit(".", 1)[-1] in _WEB_TLDS:
            found.append(lowered)
    return found


# A host a failed connection names without a URL: Python's `HTTPSConnectionPool(host='x', ...)`,
# aiohttp's `Cannot connect to host x:443`, Node's `getaddrinfo ENOTFOUND x` and `connect ECONNRESET
# x:443`, Dart's `SocketException: ... address = x, port = 443`. The code was calling that host, so
# it names the service as a request URL does, on any domain (a code host's raw files too), unless it
# is fal's own or a private or placeholder name.
_CONNECTION_HOST = linear_re.compile(
    r"(?:connect(?:ion)? to host|connectionpool\(host=|getaddrinfo (?:enotfound|eai_again)|\baddress ="
    r"|\b(?:econnrefused|econnreset|etimedout|ehostunreach|enetunreach) )"
    r"\W{0,2}((?:[a-z0-9-]+\.)+[a-z]{2,24})(?:[^a-z0-9.-]|$)",
    re.I,
)
_CONNECTION_WORDS = ("host", "getaddrinfo", "address =", "econn", "etimedout", "ehostunreach", "enetunreach")
_PRIVATE_HOST = linear_re.compile(
    r"(?:^|\.)(?:example\.(?:com|org|net)|example|localhost|local|internal|lan|home\.arpa)$", re.I
)


def connection_hosts(text: str) -> list[str]:
    """Hosts of other services that a failed connection in the text names (see `_CONNECTION_HOST`)."""
    lowered = text.lower()
    if not any(word in lowered for word in _CONNECTION_WORDS):
        return []
    found: list[str] = []
    for match in _CONNECTION_HOST.finditer(text):
        host = match.group(1).lower().strip(".")
        if _FAL_HOST.search(host) or _FAL_WORD.search(host) or _PRIVATE_HOST.search(host):
            continue
        if host not in found:
            found.append(host)
    return found


def _not_a_service(host: str) -> bool:
    """fal's own host, or one only referred to (a docs page, an issue link, a placeholder host)."""
    return bool(
        _FAL_HOST.search(host)
        or _FAL_WORD.search(host)
        or _REFERENCE_HOST.search(host)
        or _DOCS_HOST.search(host)
        or _APP_HOST.search(host)
    )


def _url_service_hosts(text: str, calls_fal: bool) -> tuple[list[str], set[str]]:
    found: list[str] = []
    in_urls: set[str] = set()
    # hosts decided for good (not a service, or found): a crafted paste repeats one URL thousands of
    # times, and judging each copy again was half its diagnosis
    decided: set[str] = set()
    for file_field, url, written_host, port, path in _URL.findall(text):
        host = written_host.lower()
        in_urls.add(host)
        if host in decided:
            continue
        if _not_a_service(host):
            decided.add(host)
            continue
        if _FAL_WORD.search(url):  # a fal route on someone's host (/api/fal/proxy)
            continue
        if calls_fal and (file_field or _file_address(path)):
            continue  # the input file of a call to fal (the caller's own fetch of one names its host)
        # a path, or a port of its own: a server the code talks to ("Using url https://x.org:8443"),
        # where a bare origin is more often a site only mentioned
        if _API_HOST.search(host) or len(path.strip("/")) >= 2 or port:
            found.append(host)
            decided.add(host)
    return found, in_urls


# A third-party package in a traceback or stack (site-packages/x, node_modules/x) or an exception's
# module path (x.errors.SomeError) names the service it wraps, unless it is a general-purpose library.
# Database drivers (redis, sqlalchemy, psycopg2, asyncpg) are not general-purpose here: their errors
# are a database's, never a call to fal's API.
_PACKAGE = linear_re.compile(
    r"(?:site-packages|dist-packages|node_modules)[\\/]+(@?[a-z0-9_.-]{2,60})"
    r"|\b([a-z][a-z0-9_]{2,40})\.(?:[a-z_][a-z0-9_]*\.){0,3}(?:exceptions?|errors?)\.[A-Z][A-Za-z]{2,60}"
    r"|\b([a-z][a-z0-9_]{2,40})::[a-z_]"
    r"|\b([A-Z][a-z]{2,20})(?:Api|API)(?:Error|Exception)\b"
    r"|(?:https?|wss?)://([a-z][a-z0-9_-]{2,60}):\d{2,5}/"
    # a JVM exception's reverse-domain package (io.kubernetes.client.ApiException): its vendor
    r"|\b(?:com|io|org|net|ai|dev)\.([a-z][a-z0-9_]{2,40})\.(?:[a-z_][a-z0-9_]*\.){0,5}[A-Z][A-Za-z$]{2,60}"
    r"(?:Exception|Error)\b"
    # a database layer's exception (django.db.utils.OperationalError): a database's error, not a call
    r"|\b[a-z][a-z0-9_]{2,40}\.(db|database|sql)\.(?:[a-z_][a-z0-9_]*\.){0,3}[A-Z][A-Za-z]{2,60}",
)
# (A web server's own request-body parsers and upload middleware, raw-body to formidable, name no
# service either: their `request entity too large` is the app's own body limit, whoever it calls.)
_NEUTRAL_TEXT = """
    requests httpx httpcore urllib3 urllib aiohttp anyio asyncio starlette fastapi uvicorn gunicorn
    pydantic pydantic_core http json socket ssl concurrent builtins typing tenacity backoff websockets
    websocket websocket_client h11 h2 certifi charset_normalizer idna multidict yarl flask django werkzeug
    tornado gradio numpy pillow pil PIL torch transformers diffusers tqdm click typer rich loguru logging
    dotenv python_dotenv yaml ruamel celery pytest unittest io os sys
    undici node-fetch axios got ky cross-fetch isomorphic-fetch superagent next react react-dom vite
    webpack esbuild express koa hono zod ws tslib typescript ts-node tsx @babel @types @next @tanstack
    @trpc trpc prisma @prisma jest vitest mocha core-js regenerator-runtime form-data formdata-node
    streamx p-queue p-retry openapi-fetch ofetch node undici-types localhost
    raw-body body-parser multer busboy formidable http-errors finalhandler on-finished
    simple-get simple-concat needle request phin bent centra follow-redirects http-proxy-agent
    https-proxy-agent agentkeepalive retry async-retry canvas sharp jimp image-size probe-image-size
    std core alloc tokio reqwest hyper serde anyhow thiserror
    springframework apache fasterxml netty squareup projectreactor grpc micronaut quarkus vertx reactivex
    jetbrains sun openjdk eclipse hibernate slf4j github google okhttp3 retrofit2 ktor kotlinx
    rest http web fetch client open base generic
    """
_NEUTRAL_PACKAGES = frozenset(_NEUTRAL_TEXT.split())


def service_packages(text: str) -> list[str]:
    """Packages of other services named in the text's stack or exception paths."""
    found: list[str] = []
    for match in _PACKAGE.finditer(text):
        name = next((group for group in match.groups() if group), "").lower()
        root = name.split("/", 1)[0]
        if root in _NEUTRAL_PACKAGES or name in _NEUTRAL_PACKAGES or "fal" in name:
            continue
        if root.startswith("@") and root in ("@fal-ai",):
            continue
        if name not in found:
            found.append(name)
    return found


@dataclass
class Evidence:
    """How strongly a text is about fal, and which other vendors it names."""

    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    vendors: list[str] = field(default_factory=list)
    foreign_shape: bool = False
    names_fal: bool = False  # the word fal or a fal identifier, which a foreign body shape does not outweigh

    @property
    def declined(self) -> bool:
        """Another service's error: it names one, and nothing strong points at fal."""
        return bool(self.vendors) and not self.strong

    @property
    def generic(self) -> bool:
        """Names no service at all: neither fal nor anybody else (a bare `fetch failed`, an HTTP 429)."""
        return not self.declined and not self.about_fal

    @property
    def about_fal(self) -> bool:
        """Strong fal evidence, or weak evidence with nobody else's in sight."""
        if self.strong:
            return True
        # a body shaped like another API's outweighs weak hints, unless the text says fal
        return bool(self.weak) and not self.vendors and (self.names_fal or not self.foreign_shape)

    def phrases(self) -> list[str]:
        return (
            self.strong + self.weak + (["other vendor: " + ", ".join(self.vendors)] if self.vendors else [])
        )


def gather(text: str, hosts: set[str], fal_messages: linear_re.LiteralSet | None = None) -> Evidence:
    """Evidence in a normalised text. `fal_messages` are fal's own specific messages (lower case)."""
    evidence = Evidence()
    original_lowered = text.lower()
    # fal's own storage (old uploads on Google Cloud Storage buckets named isolate-*, the fal-cdn
    # storage types) is fal evidence, and does not make the paste Google's.
    if "isolate-" in original_lowered or "fal-" in original_lowered:
        storage = _FAL_STORAGE.search(text)
        if storage:
            evidence.strong.append("fal storage URL")
            text = _FAL_STORAGE.sub(" ", text)
            original_lowered = text.lower()
    # fal paths inside another vendor's URL (router.huggingface.co/fal-ai/...) do not make it fal's.
    if _VENDOR_DOMAIN_SET.present(original_lowered):
        own = _VENDOR_URL.sub(" ", text)
        lowered = own.lower()
    else:
        own, lowered = text, original_lowered
    in_own = _MARKER_NEEDLES.occurring(lowered)
    in_text = in_own if lowered is original_lowered else _MARKER_NEEDLES.occurring(original_lowered)
    if "fal" in lowered or "authorization" in lowered:
        fal_hosts = sorted(h for h in hosts if _FAL_HOST.search(h) and h in lowered)
        evidence.strong += [f"host {host}" for host in fal_hosts[:3]]
        for marker in _STRONG_MARKERS:
            if _present(marker, own, in_own) and not (marker[1] == "fal.ai" and fal_hosts):
                evidence.strong.append(marker[1])
        if "fal-ai/" in lowered:
            endpoint = _ENDPOINT.search(own)
            if endpoint:
                evidence.strong.append(f"endpoint {endpoint.group(1)}")
    if ":" in text or "%3a" in lowered:
        key = _FAL_SHAPED_KEY.search(text)
        if key:
            evidence.strong.append("a fal-shaped key")
    if "_" in lowered:
        error_type = _FAL_ERROR_TYPES.search(own)
        if not error_type and "fal" in lowered and _THE_WORD_FAL.search(own):
            error_type = _SHARED_FAL_ERROR_TYPES.search(own)
        if error_type:
            evidence.strong.append(f"fal error type {error_type.group(0)}")
    if fal_messages is not None:
        collapsed = " ".join(lowered.split())
        occurring = fal_messages.occurring(collapsed)
        for message in fal_messages.literals:
            if message in occurring and contains_phrase(collapsed, message):
                evidence.strong.append(f"fal message “{message[:60]}”")
                break
    for marker in _WEAK_MARKERS:
        if _present(marker, own, in_own):
            evidence.weak.append(marker[1])
            evidence.names_fal |= marker[1] in ("the word fal", "a fal identifier")
    # the caller's own app's URLs and its own framework name no vendor (their words are needles)
    vendor_text = text
    if _APP_DOMAIN_SET.present(original_lowered):
        vendor_text = _APP_URL.sub(" ", vendor_text)
    if not in_text.isdisjoint(_CALLER_FRAMEWORK_WORDS):
        vendor_text = _CALLER_FRAMEWORK.sub(" ", vendor_text)
    if vendor_text != text:
        text = vendor_text
        in_text = _MARKER_NEEDLES.occurring(text.lower())
    for marker in _VENDORS:
        if _present(marker, text, in_text):
            evidence.vendors.append(marker[1])
    if not evidence.names_fal:
        evidence.vendors += [marker[1] for marker in _PLATFORMS if _present(marker, text, in_text)]
        if "task" in original_lowered or "prediction" in original_lowered:
            evidence.vendors += [f"{name}'s task" for name in named_tasks(text)[:1]]
        # error, erro, erreur, a backend's status, request failed: every label _NAMED_API_ERROR reads
        if (
            "err" in original_lowered
            or ": http" in original_lowered
            or ": status" in original_lowered
            or "request failed" in original_lowered
            or "api: " in original_lowered
            or "returned" in original_lowered
            or "failed" in original_lowered
            or "timed out" in original_lowered
            or "insufficient" in original_lowered
            or "not enough" in original_lowered
            or "exceeded" in original_lowered
            or "rate limit" in original_lowered
        ):
            evidence.vendors += [f"{name}'s API" for name in named_api_errors(text)[:1]]
        if "_" in text:
            evidence.vendors += [f"{name}'s credential variable" for name in credential_variables(text)[:1]]
    if any(word in original_lowered for word in ("packages", "node_modules", "error", "exception")):
        evidence.vendors += [f"package {name}" for name in service_packages(text)[:2]]
    if "://" in text or "api" in original_lowered:
        calls_fal = bool(evidence.strong or evidence.weak)
        evidence.vendors += [f"host {host}" for host in service_hosts(text, hosts, calls_fal)[:2]]
    called = [f"host {host}" for host in connection_hosts(text)[:2]]
    evidence.vendors += [phrase for phrase in called if phrase not in evidence.vendors]
    if "fal" not in original_lowered and _LOCAL_SERVER.search(text):
        evidence.vendors.append("a local server")
    evidence.foreign_shape = ('"' in text or "'" in text) and bool(_FOREIGN_SHAPE.search(text))
    return evidence


# Another service's credential named by its environment variable ("GEMINI_API_KEY が未設定",
# "KLING_COOKIE is not set", "HF_TOKEN missing"): fal's own is FAL_KEY (FAL_API_KEY, NEXT_PUBLIC_FAL_KEY).
_CREDENTIAL_VARIABLE = linear_re.compile(
    r"(?:^|[^A-Za-z0-9_])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*?)_(?:API_KEY|API_TOKEN|ACCESS_TOKEN|SECRET_KEY|KEY|TOKEN"
    r"|COOKIE|SECRET)(?:[^A-Za-z0-9_]|$)"
)
# Words of a variable's name that name no service ("NEXT_PUBLIC_", "MY_API_KEY", "SECRET_KEY"), a
# placeholder's words too ("YOUR_ACTUAL_API_KEY", "PASTE_YOUR_API_KEY", "REPLACE_WITH_YOUR_KEY")
_NEUTRAL_VARIABLE_TEXT = """
    SECRET ACCESS AUTH API BEARER SESSION PRIVATE PUBLIC CLIENT USER ADMIN APP MY YOUR SERVICE REFRESH ID
    JWT CSRF ENCRYPTION SIGNING WEBHOOK NEXT VITE REACT EXPO NUXT PROD DEV TEST LOCAL DEFAULT MASTER ROOT
    SERVER DB DATABASE LICENSE IMAGE VIDEO PROVIDER MODEL AI LLM GITHUB_ACTIONS CI
    ACTUAL REAL OWN NEW VALID PASTE INSERT ENTER REPLACE WITH PUT HERE
    """
_NEUTRAL_VARIABLE_WORDS = frozenset(_NEUTRAL_VARIABLE_TEXT.split())


def credential_variables(text: str) -> list[str]:
    """Services named by the credential variables in `text`, fal's own left out."""
    names = (match.group(1) for match in _CREDENTIAL_VARIABLE.finditer(text))
    return [name for name in names if _names_a_service(name.split("_"))]


def _names_a_service(words: list[str]) -> bool:
    return not any(word.startswith("FAL") for word in words) and not _NEUTRAL_VARIABLE_WORDS.issuperset(words)


# A task or prediction that failed or timed out, named by its service ("KIE task timed out after
# 300000ms", "Dashscope task failed"): fal's queue speaks of requests, other image and video APIs of
# tasks. Words that name no service ("Background task", "The task") are not one.
_NAMED_TASK = linear_re.compile(
    r"(?:^|[^\w.-])([A-Z][A-Za-z0-9]{1,15}|[A-Z]{2,8})(?: api)? (?:task|prediction)"
    r" (?:timed out|failed|error|was cancell?ed)\b"
)
_NOT_A_SERVICE_NAME_TEXT = """
    the this that your our my a an background queue queued request worker generation image video audio
    render upload download export import sync async batch cron scheduled main child parent sub long
    remote local ai api http celery fal task job prediction inference model pipeline step first last
    each every another current previous next error warning info debug
    """
# Models fal hosts: a fal caller names its tasks and endpoints after them ("Kling task failed", "Flux
# returned error: 500"); only their makers' APIs named as such ("Kling API error") are someone else's.
_MODELS_FAL_HOSTS_TEXT = """
    kling wan flux veo seedance seedream hailuo ltx hunyuan recraft bria sdxl pika sora imagen pixverse
    """
_MODELS_FAL_HOSTS = frozenset(_MODELS_FAL_HOSTS_TEXT.split())
_NOT_A_SERVICE_NAME = frozenset(_NOT_A_SERVICE_NAME_TEXT.split()) | _MODELS_FAL_HOSTS
# More models fal hosts, which a caller names a failure after ("Luma: generation failed", "Ideogram
# error 422"): only their makers' APIs named as such ("Luma API error") are someone else's.
_MORE_MODELS_FAL_HOSTS_TEXT = """
    luma ideogram vidu tripo tripo3d topaz krea mochi magi omnihuman dreamina qwen hidream kolors photon
    ray minimax runway gemini nano stable stability whisper wizper kokoro chatterbox dia lipsync sync
    latentsync playai elevenlabs banana seededit
    """
_MORE_MODELS_FAL_HOSTS = _MODELS_FAL_HOSTS | frozenset(_MORE_MODELS_FAL_HOSTS_TEXT.split())


def named_tasks(text: str) -> list[str]:
    """Services named before a task or prediction of theirs that failed or timed out."""
    names = (match.group(1) for match in _NAMED_TASK.finditer(text))
    return [name for name in names if name.lower() not in _NOT_A_SERVICE_NAME]


# An error labelled with the API it came from ("Kling API error: 401", "BFL API error 402", "Luma status
# error 401", "Error de Kling AI: ...", "Erro na API do Runway"): a wrapper names the service it called.
_NAMED_API_ERROR = linear_re.compile(
    r"(?:^|[^\w.-])([A-Z][A-Za-z0-9]{1,20})(?: AI| Labs)?(?: API| Api| api)"
    r" (?:error|Error|ERROR|status error|request failed)\b"
    r"|(?:^|[^\w.-])([A-Z][A-Za-z0-9]{1,20})(?: AI)? (?:status|submit|poll|upload) error \d{3}\b"
    r"|(?:^|[^\w.-])([A-Z][A-Za-z0-9]{1,20})(?: API)? returned (?:an? )?(?:error|HTTP error)\b"
    r"|\b(?:[Ee]rror de|[Ee]rro (?:na API )?d[oa]|[Ee]rreur (?:de l'API )?(?:de|du))"
    r" ([A-Z][A-Za-z0-9]{1,20})\b"
    # a backend or provider named before the status it answered ("jina backend: HTTP 402",
    # "brave provider: HTTP 429"): an app with several backends labels each one's errors
    r"|(?:^|[^\w.-])([A-Za-z][A-Za-z0-9]{1,20}) (?:backend|provider|service)\s?: (?:HTTP|status) ?\d{3}\b"
    # a client package's own log prefix at the start of a line ("onesignal: request failed with status
    # 403"): Go and Node wrappers label their errors with the service they call
    r"|(?m:^)\s{0,4}([a-z][a-z0-9]{2,20}): (?:request failed|HTTP \d{3}\b|status \d{3}\b)"
    # the MCP server a tool call went to, as MCP clients label it ("generate_image (nanobanana MCP
    # Server)"); fal's own is named fal
    r"|\(([A-Za-z][A-Za-z0-9_.-]{1,30}) MCP [Ss]erver\)"
)
# A service named as the source of a failure, found apart from the above so that a line's label does
# not hide an "X API error" inside it: an API that answered a status ("Stability API returned 402",
# "Meshy API: 402", "PlayHT error: 429"), an error said to come from a service ("Error from Ideogram:
# 400"), a service's generation or upload that failed ("Udio generation failed: 403"), a service's
# name as the label of a failure at the start of a line ("Magnific: upscale failed, not enough
# credits", "Modal: Function call timed out after 300 seconds"). A model fal hosts named so is the
# caller naming the model ("Pika: generation failed"), not another API.
_NAMED_SERVICE_FAILURE = linear_re.compile(
    r"(?:^|[^\w.-])([A-Z][A-Za-z0-9-]{1,20})(?: AI)?(?: API)? returned (?:an? )?(?:HTTP |status )?[45]\d\d\b"
    r"|(?:^|[^\w.-])([A-Z][A-Za-z0-9-]{1,20})(?: AI)? API: (?:HTTP |status )?[45]\d\d\b"
    r"|\b[Ee]rror from ([A-Z][A-Za-z0-9-]{1,20})\b"
    r"|(?:^|[^\w.-])([A-Z][A-Za-z0-9-]{1,20}) error:? [45]\d\d\b"
    r"|(?:^|[^\w.-])([A-Z][A-Za-z0-9-]{1,20})(?: image| video| audio| music| voice| speech)?"
    r" (?:generation|upload|download|prediction|render) failed\b"
    r"|(?m:^)\s{0,4}([A-Z][A-Za-z0-9-]{1,20}): [^\n]{0,60}?(?:failed|timed out|insufficient|not enough"
    r"|exceeded|rate limit|invalid api key|\b[45]\d\d\b)"
    # the service an app's failing step worked with, in the app's own error label ("Error searching
    # with Firecrawl: Request failed with status code 429", "Error calling Acme: 401", "Error
    # connecting to Postgres: ..."): a wrapper names what it was talking to
    r"|\b[Ee]rror (?:(?:calling|querying|contacting|requesting)"
    r"|(?:calling|searching|querying|fetching|connecting|contacting|requesting|sending|posting|talking"
    r"|communicating|scraping|crawling|uploading|downloading|generating)(?: [a-z]{2,12})?"
    r" (?:with|to|from|via|on|using)) ([A-Z][A-Za-z0-9-]{1,20})(?: AI| API)?\s?:"
)
# Words that name no service ("HTTP API error", "Upstream API error", "The API error")
_NOT_AN_API_NAME_TEXT = """
    the this that your our my an http https rest graphql json server client unknown internal external
    upstream downstream remote local public private web node generic network proxy gateway backend
    frontend main provider image video audio model generation inference request response api app
    primary secondary fallback default custom edge worker queue storage search llm tts stt chat text
    embedding embeddings vision cloud hosted python java php ruby go rust it which call endpoint service
    error warning warn fatal info debug trace notice fetch axios undici curl wget exception failed failure
    reason message details detail cause caused traceback panic stderr stdout log note hint result status
    timeout connection generation validation auth authentication authorization upload download problem
    issue steps expected actual update edit solution workaround environment version logs summary title
    type code url prompt input body question answer user assistant bot description bug screenshot console
    terminal browser also here now then so but and or ps uncaught unhandled retry retrying attempt job
    task webhook polling poll submit state progress deadline output context data payload content msg err
    errors location line file files images videos models mode config settings options params key token
    secret credentials account billing balance credits quota usage limit plan subscription payment
    sentry datadog next nextjs react vue python3 windows linux macos ubuntu docker kubernetes pod
    container build deploy deployment production prod staging dev test tests ci step stage run runner
    sdk library package release commit branch fix fixed important warnings caution tip info
    media asset assets photo photos picture art artwork thumbnail avatar clip sticker illustration
    render preview cover poster banner logo icon music voice speech song mesh texture frame frames
    """
_NOT_AN_API_NAME = frozenset(_NOT_AN_API_NAME_TEXT.split())


def named_api_errors(text: str) -> list[str]:
    """Services named as the API an error came from, fal's own left out."""
    names = []
    for match in _NAMED_API_ERROR.finditer(text):
        name = next(group for group in match.groups() if group)
        if (
            name.lower() in _NOT_AN_API_NAME
            or name.lower() in ("fal", "falai")
            or name.lower().startswith(("fal-", "fal."))
        ):
            continue
        if match.group(3) and name.lower() in _MODELS_FAL_HOSTS:
            continue  # "Flux returned error": the model, as a fal caller names its endpoint
        names.append(name)
    for match in _NAMED_SERVICE_FAILURE.finditer(text):
        name = next(group for group in match.groups() if group)
        lowered = name.lower()
        if (
            lowered in _NOT_AN_API_NAME
            or lowered.startswith("fal")
            or lowered.endswith(("error", "exception", "warning"))
            # a model fal hosts, unless its maker's API is named as such ("Stability API returned 402")
            or (
                lowered.split("-")[0].rstrip("0123456789.") in _MORE_MODELS_FAL_HOSTS
                and " api" not in match.group(0).lower()
            )
        ):
            continue
        names.append(name)
    return names


def contains_phrase(text: str, phrase: str) -> bool:
    """`phrase` occurs in `text` as whole words: CONNECTION_CLOSED is not inside ERR_CONNECTION_CLOSED."""
    start = text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        before_ok = (
            start == 0 or not (phrase[0].isalnum() or phrase[0] == "_") or not _word_char(text[start - 1])
        )
        after_ok = (
            end == len(text) or not (phrase[-1].isalnum() or phrase[-1] == "_") or not _word_char(text[end])
        )
        if before_ok and after_ok:
            return True
        start = text.find(phrase, start + 1)
    return False


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# Words that show up in everyone's errors: a message made only of these proves nothing about fal.
_GENERIC_TEXT = """
    a an the of to for in on at by with from and or not no is are be been was were should must can could
    this that it its your you please try again later
    request requests response timed time timeout out method allowed found error errors internal server
    unauthorized forbidden invalid field fields required input inputs value values too many image images
    small large bad gateway service unavailable failed failure fail unexpected status code codes header
    headers authorization missing api key keys generation load format unsupported supported formats
    maximum minimum exceeds exceeded duration audio video file files detect content type expected
    reason message detail permitted allowed greater less than equal string length characters items list
    null none true false http https get post put url data body json
    connection connect closing closed close socket network cannot access
    """
GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())


_WORD = linear_re.compile(r"[a-z0-9_]+")


def is_specific_message(message: str) -> bool:
    """Whether a fal message is specific enough that seeing it means the text is about fal."""
    lowered = message.lower()
    if "fal" in lowered:
        return True
    words = [w for w in _WORD.findall(lowered) if len(w) >= 3 and w not in GENERIC_WORDS]
    # Code-like words (TOP_UP, key_id) are rare outside the service that made them: count them twice.
    weight = sum(2 if ("_" in w or any(c.isdigit() for c in w)) and not w.isdigit() else 1 for w in words)
    return weight >= 2


# -- weak per-category cues -------------------------------------------------------------------
# Built-in leanings so a fal text with no entry-specific signal still goes to the right family.
class Cue(NamedTuple):
    """Words that lean a paste towards a category, unless they stand inside one of `unless`'s phrases."""

    pattern: linear_re.Pattern
    category: str
    points: float
    unless: linear_re.Pattern | None = None


def found(pattern: linear_re.Pattern, text: str, unless: linear_re.Pattern | None = None) -> bool:
    """`pattern` occurs in `text` outside the phrases `unless` matches (RE2 has no lookbehind)."""
    if unless is not None:
        text = unless.sub(" ", text)
    return pattern.search(text) is not None


# "type validation failed" is about a result's shape (output_format), not the input.
_TYPE_VALIDATION = linear_re.compile(r"type validat(?:ion|ing)", re.I)


def _cue(category: str, points: float, *alternatives: str) -> Cue:
    return Cue(linear_re.compile("|".join(alternatives), re.I), category, points)


# fal's own wording for a family, said in another language (Spanish, Portuguese, French, German,
# Russian, Chinese, Japanese, Korean): worth what a common English error message is (see
# POINTS_GENERIC_MESSAGE), so a sentence about fal written in those languages is read like its
# English twin. In a text about fal it is enough for an answer (diagnose.MIN_SCORE_ABOUT_FAL, 36):
# an app's one-line message ("fal.ai 요청 한도 초과") carries nothing else, where its English twin
# has the entries' messages to match. It never makes a confident answer alone: that needs one of an
# entry's exact signals.
TRANSLATED_POINTS = 36.0


def _translated(category: str, *alternatives: str) -> Cue:
    return _cue(category, TRANSLATED_POINTS, *alternatives)


# RE2's \w and \b know ASCII only: a word in another script is matched by these instead.
_LETTERS = r"[\pL\pN_]+"  # a word in any script ("이미지", "画像", "Größen")
_END = r"(?:[^\pL\pN_]|$)"  # the end of a word in any script ("кредиты" then a space)


# A number that is not a size in bytes ("12", "12 steps"; not "10 MB", "20MB"): RE2 has no lookahead.
_NOT_BYTES = r"\d[\d,.]*\s?(?:[^\d\s,.mkg兆メ메]|$)"

# How people name each family in words: English phrasings the entries' messages do not carry, then
# the same in the other languages fal's users write in.
_WORDS_IN_ANY_LANGUAGE: tuple[Cue, ...] = (
    _cue(
        "server_error",
        8.0,
        r"internal server error|\bserver error|service (?:is )?(?:temporarily )?unavailable|bad gateway",
        r"\boverloaded\b|\bout of capacity\b|\bnot enough capacity\b",
    ),
    _translated(
        "server_error",
        r"error (?:interno del|del) servidor|servicio no disponible|erro (?:interno do|do) servidor",
        r"servi[çc]o indispon[íi]vel|erreur (?:interne du |du )?serveur|service indisponible",
        r"serverfehler|dienst nicht verf[üu]gbar|ошибка сервера|внутренняя ошибка|сервис недоступен",
        r"сервер недоступен|服务(?:暂时|暫時)?不可用|服务器?(?:错误|内部错误|繁忙)|服務器?繁忙",
        r"伺服器錯誤|内部错误",
        r"サーバー?(?:が)?混雑|서버(?:가)? 혼잡",
        r"サーバー?エラー|サービスが(?:一時的に)?利用できません|서버 ?오류|서비스를 사용할 수 없",
        r"서버가 (?:응답하지|불안정)",
        # Indonesian
        r"(?:kesalahan|galat) (?:internal )?server|server (?:sedang )?(?:sibuk|down|bermasalah)",
        r"layanan (?:sedang )?tidak tersedia",
    ),
    _translated(
        "rate_limit",
        r"demasiadas (?:solicitudes|peticiones)|l[íi]mite de (?:solicitudes|peticiones|tasa)",
        r"muitas (?:requisi[çc][õo]es|solicita[çc][õo]es)|limite de (?:requisi[çc][õo]es|taxa)",
        r"trop de requ[êe]tes|limite de (?:d[ée]bit|requ[êe]tes)|zu viele anfragen|ratenbegrenzung",
        r"слишком много запросов|лимит запросов|请求(?:过多|過多|太多|频繁|较拥堵|拥堵)|限流|频率限制",
        r"リクエストが多すぎ|レート制限|要求が多すぎ|요청(?:이)? (?:너무 많|한도)|요청 한도|속도 제한",
        # requests piling up at once, as apps say it: "요청이 몰렸어요", "アクセスが集中", "访问量过大"
        r"(?:요청|트래픽|접속자?|사용자)(?:이|가)? ?(?:몰려|몰렸|몰리|폭주)"
        r"|(?:アクセス|リクエスト)(?:が)?集中|(?:访问量|訪問量|请求量|請求量)(?:过大|過大|太大)",
        # a limit on requests at once (fal's concurrency limit)
        r"동시 (?:요청|실행|작업)|并发(?:限制|数|上限|请求)|並發|同時(?:実行|リクエスト|接続)(?:数)?",
        r"l[íi]mite de concurrencia|limite de concorr[êe]ncia|limite de concurrence|parallelit[äa]tslimit"
        r"|gleichzeitige[rn]? anfragen|limite di concorrenza|richieste simultanee|solicitudes simult[áa]neas",
        # a usage limit or quota reached (fal meters calls per account, not by plan quotas)
        r"l[íi]mite de (?:uso|llamadas|consumo)|cuota (?:de uso|excedida|superada|agotada|alcanzada)",
        r"limite de (?:uso|chamadas)|cota (?:de uso|excedida|atingida|esgotada)",
        r"limite d'utilisation|quota (?:d'utilisation|d[ée]pass[ée]|atteint|[ée]puis[ée])",
        r"nutzungslimit|nutzungsgrenze|kontingent (?:ersch[öo]pft|[üu]berschritten|aufgebraucht)",
        r"лимит (?:использования|вызовов)|квота (?:исчерпана|превышена)",
        r"(?:使用|调用|調用|请求|請求|用量|次数|次數|利用|リクエスト)(?:的)?上限|配额(?:已)?(?:用完|用尽|超出|不足)|超出配额",
        r"上限に達し|クォータ|사용(?:량)? 한도|한도(?:를|가)? (?:초과|넘)|할당량",
        r"batas (?:penggunaan|pemakaian|permintaan)|kuota (?:habis|terlampaui|penggunaan)",
        # Indonesian
        r"terlalu banyak (?:permintaan|request)|batas (?:laju|kecepatan) permintaan",
    ),
    _cue(
        "rate_limit",
        8.0,
        r"\busage (?:limit|cap)s?\b|\bquota (?:exceeded|reached|hit|exhausted)\b"
        r"|\b(?:exceeded|hit|reached|over) (?:the |your |our |a |its )?(?:usage |request |call )?quota\b",
    ),
    _cue(
        "content_policy",
        10.0,
        r"blocked (?:for|by) (?:the )?safety|safety (?:filter|system|check)",
        r"prompt (?:was |is |got )?(?:blocked|rejected|refused|flagged)",
        # a model's face filter on its input (Seedance's partner_validation_failed), quoted alone
        r"\blikeness(?:es)? of (?:a )?real (?:people|persons?|individuals?|humans?)\b",
    ),
    _translated(
        "content_policy",
        # a prompt, content or an NSFW image said to be blocked or refused, in the other languages
        # fal's users write in (an account, a request or a host blocked is another family's)
        r"(?:prompt|contenido|conte[úu]do|contenu|inhalt|konten|промпт|контент)\W{1,3}(?:\w+\W{1,3}){0,4}"
        r"(?:bloquead[oa]|rechazad[oa]|rejeitad[oa]|recusad[oa]|bloqu[ée]e?|refus[ée]e?|blockiert|abgelehnt"
        r"|diblokir|ditolak|заблокирован|отклон[её]н)",
        r"(?:bloque[óo]|rechaz[óo]|bloqueou|rejeitou|a bloqu[ée]|a refus[ée]|blockierte|memblokir|menolak)"
        r" (?:el |la |o |a |le |den |das |mi |meu |minha |mon |ma |notre |nuestro )?"
        r"(?:prompt|contenido|conte[úu]do|contenu|inhalt)",
        r"(?:nsfw|プロンプト|コンテンツ|画像|入力内容)[^\n]{0,12}?(?:ブロック|拒否|拒絶)",
        r"(?:nsfw|프롬프트|콘텐츠|이미지|내용)[^\n]{0,16}?(?:차단|거부|거절)",
        r"(?:nsfw|提示词|提示詞|内容|內容|图片|圖片|图像|圖像)[^\n]{0,8}?(?:拦截|攔截|屏蔽|拒绝|拒絕|过滤|過濾)",
    ),
    _translated(
        "content_policy",
        r"pol[íi]tica de (?:contenido|conte[úu]do)|filtro de (?:seguridad|seguran[çc]a)",
        r"politique de contenu|filtre de s[ée]curit[ée]|inhaltsrichtlinie|sicherheitsfilter",
        r"политик[аеиу] (?:контента|безопасности|содержания)|фильтр(?:ом)? безопасности",
        r"内容(?:安全|政策|审核|審核)|安全(?:过滤|過濾|审核|策略)|违规|敏感(?:内容|词)",
        r"コンテンツポリシー|セーフティ|不適切な|安全フィルタ|フィルター?に(?:引っかか|ひっかか|かか)"
        r"|콘텐츠 ?정책|안전 ?필터|유해",
        # the model made nothing (fal's no_media_generated, often a soft refusal)
        r"未生成(?:有效|任何)?的?(?:图片|图像|视频|结果|内容)|没有生成(?:任何)?(?:图片|图像|视频)"
        r"|画像が生成されませんでした|이미지가 생성되지 않|no se gener[óo] ninguna imagen"
        r"|nenhuma imagem (?:foi )?gerada|aucune image (?:n'a été )?g[ée]n[ée]r[ée]e"
        r"|kein bild (?:wurde )?generiert"
        r"|изображение не (?:было )?сгенерировано",
        # Indonesian
        r"kebijakan konten|filter keamanan|konten (?:sensitif|tidak pantas|terlarang|dewasa)",
        r"tidak ada (?:gambar|video) yang dihasilkan",
    ),
    _cue(
        "content_policy",
        8.0,
        r"\bno (?:images?|media|videos?|output) (?:was |were )?(?:generated|produced)\b"
        r"|\bgenerated no (?:images?|media|videos?|output)\b",
    ),
    _cue(
        "model_not_found",
        6.0,
        r"(?:model|endpoint|app)(?: (?:path|id|name))? (?:does not|doesn't|no longer) exists?",
        r"(?:model|endpoint)[^\n]{0,30}\b(?:deprecated|renamed|retired)\b|deprecated (?:model|endpoint)",
        r"(?:unknown|invalid) (?:model|endpoint|app id|application)",
        r"\bno such (?:model|endpoint|app)\b",
    ),
    _translated(
        "model_not_found",
        r"(?:modelo|endpoint) (?:no|n[ãa]o) existe|mod[èe]le (?:n'existe pas|introuvable)",
        r"modell (?:existiert nicht|nicht gefunden)|модель не найдена|модели не существует",
        # "fal.ai has no such model" in Russian and Chinese
        r"нет так(?:ой|ая) модел|так(?:ой|ая) модел\pL{0,2} нет|модель не существует",
        r"没有(?:这个|這個|该|該|此)模型",
        r"模型(?:端点|路径)?(?:不存在|找不到|未找到)|端点不存在|モデルが(?:見つかりません|存在しません)",
        # the verb first: "找不到对应模型", "未找到该模型端点"
        r"(?:找不到|未找到|没有找到|沒有找到)(?:对应|對應|该|該|指定|此)?的?(?:模型|端点|端點)",
        r"모델(?:을|를)? (?:찾을 수 없|존재하지 않)|모델 경로",
        # Indonesian
        r"(?:model|endpoint) (?:tidak (?:ditemukan|ada|dikenal)|salah)" + _END,
    ),
    _cue(
        "invalid_key",
        10.0,
        r"(?:invalid|wrong|incorrect|revoked|expired) (?:api[ _-]?)?key",
        r"key (?:is |was )?(?:invalid|wrong|revoked)",
        # said with a negation: "FAL_KEY is not valid", "the key isn't valid anymore", "not a valid key"
        r"key (?:is |was |are )?(?:not|no longer|isn't|wasn't|aren't) (?:valid|accepted|recogni[sz]ed)\b"
        r"|\bnot an? (?:valid|recogni[sz]ed|accepted) (?:api[ _-]?)?key",
        # the key itself refused: "fal refused the API key", "the key was rejected"
        r"\b(?:refused|rejected|rejects|refuses|did not accept|didn't accept)"
        r" (?:the |our |my |your )?(?:api[ _-]?)?key\b"
        r"|\bkeys? (?:was |were |is |got |gets )?(?:rejected|refused|not accepted)\b",
    ),
    _translated(
        "invalid_key",
        r"clave (?:de api |api )?(?:es |est[áa] )?(?:inv[áa]lida|incorrecta)",
        r"chave (?:de api |api )?(?:[ée] |est[áa] )?(?:inv[áa]lida|incorreta)",
        r"cl[ée] (?:d'api |api )?(?:est )?(?:invalide|incorrecte)|ung[üu]ltige[rn]? (?:api-)?schl[üu]ssel",
        r"schl[üu]ssel (?:ist )?ung[üu]ltig",
        r"(?:неверный|недействительный) (?:api[ -])?ключ|密钥(?:无效|錯誤|错误|不正确)|无效的?(?:api ?)?密钥",
        r"(?:api ?)?キーが(?:無効|間違)|無効な(?:api ?)?キー|키(?:가)? (?:유효하지|잘못)|잘못된 (?:api ?)?키",
        # the English word "key" inside a sentence in another language ("key 无效", "API key inválida")
        r"\bkey\s?(?:无效|無效|错误|錯誤|不正确|不對|不对|失效|が無効|が間違|(?:가|이) (?:유효하지|잘못))"
        r"|(?:(?:无效|無效|错误|錯誤)的|無効な|잘못된)\s?(?:api[ _-]?)?key\b"
        r"|\bkey (?:(?:es|est[áa]|[ée]|est|ist) )?(?:inv[áa]lida|incorrecta|incorreta|invalide|incorrecte"
        r"|ung[üu]ltig|tidak valid|недействител)",
        # Indonesian
        r"(?:kunci|key)(?: api)? (?:tidak valid|tidak sah|salah|kedaluwarsa)",
        # the key itself refused, as the English "the key was rejected"
        r"(?:schl[üu]ssel|clave|chave|cl[ée]|chiave)" + _END + r"[^\n.;]{0,30}?(?:abgelehnt|zur[üu]ckgewiesen"
        r"|rechazada|rejeitada|recusada|rejet[ée]e|refus[ée]e|rifiutata)"
        r"|(?:密钥|秘钥|key)(?:被)?(?:拒绝|拒絕)|キーが拒否|키(?:가|를)? 거부",
    ),
    _translated(
        "billing",
        r"크레딧|잔액|결제|충전|баланс|оплат|пополн|кредит(?:ы|ов)" + _END,
        # Indonesian
        r"(?:saldo|kredit)(?:\s[^\s]{1,30}){0,3}\s(?:tidak (?:cukup|mencukupi)|(?:sudah )?habis)",
        r"isi ulang saldo|akun (?:terkunci|diblokir)",
    ),
    _cue(
        "queue_timeout",
        6.0,
        r"cold.?start|\bwarm(?:ing)?.?up\b",
        r"\bcold (?:pools?|runners?|workers?|boots?|containers?|machines?)\b",
        r"\bscal(?:es|ed|ing) (?:\w+ )?(?:down )?to zero\b",
    ),
    # a cold start said in the other languages fal's users write in (a runner that has to start)
    _translated(
        "queue_timeout",
        r"(?:arranque|inicio|partida|in[íi]cio|inicializa[çc][ãa]o) (?:en|a) fr[íi]o|d[ée]marrage [àa] froid",
        r"(?:servidor|serveur|m[áa]quina|machine|inst[âa]ncia|instance)\W{1,3}(?:fr[íi][oa]|froide?)\b",
        r"kaltstart|холодн(?:ый|ого|ом) (?:старт|запуск)|冷启动|冷啟動|コールドスタート|콜드 ?스타트",
        r"시간(?:이)? 초과|타임아웃|대기열|тайм-?аут|превышено время|очеред",
        # Indonesian
        r"waktu (?:tunggu )?habis|batas waktu|antr[ei]an" + _END,
    ),
    _cue(
        "network",
        8.0,
        r"blocked in china|\bfirewall\b|\bgfw\b|\bnetwork polic(?:y|ies)\b|\begress (?:polic|rule)",
        # a firewall or a network policy, named in the other languages fal's users write in
        r"pare-feu|cortafuegos|brandmauer|брандмауэр|файрвол|防火墙|防火牆|ファイアウォール|방화벽",
        r"politique r[ée]seau|pol[íi]tica de (?:red|rede)|netzwerkrichtlinie|网络策略|ネットワークポリシー",
        r"네트워크 정책|kebijakan jaringan|сетев(?:ая|ой) политик",
    ),
    _translated(
        "network",
        r"error de (?:red|conexi[óo]n)|erro de (?:rede|conex[ãa]o)|erreur (?:r[ée]seau|de connexion)",
        r"netzwerkfehler|verbindungsfehler|ошибк(?:а|ой) (?:сети|соединения)|网络(?:错误|異常|异常)",
        r"连接(?:失败|超时|被重置|中断)|ネットワークエラー|接続(?:に失敗|できません|エラー)",
        r"네트워크 ?오류|연결(?:이)? (?:실패|끊)",
        # Indonesian
        r"(?:kesalahan|galat|masalah) (?:jaringan|koneksi)",
    ),
    _cue(
        "file_url",
        8.0,
        r"(?:could not|couldn't|cannot|can't|unable to|failed to) (?:download|fetch|access|read|load)"
        r" (?:the |your |an? )?(?:input |reference )?(?:image|file|video|audio|url|media)",
        r"not (?:publicly )?(?:accessible|reachable|downloadable)|data:? ?uri",
        # a limit in bytes is a file's size ("images over ~5MB", "5MB+", "a 10 MB limit"), not an input
        # value's (see validation's limits in characters, pixels and steps)
        r"(?:over|above|exceeds?|exceeding|larger than|bigger than|more than|greater than|up to|at most"
        r"|max(?:imum)?(?: of)?|limit(?: of| is)?)\s?~?\s?\d[\d,.]*\s?"
        r"(?:mb|mib|kb|kib|gb|megabytes?|kilobytes?)\b"
        r"|\b\d[\d,.]*\s?(?:mb|mib|kb|gb)(?:\+|\s(?:size\s)?(?:limit|max|maximum|cap)\b)",
    ),
    # a link to a file that expires (fal's CDN URLs do), in English and the other languages
    _cue("file_url", 8.0, r"\b(?:urls?|links?|media|files?)\b[^\n]{0,30}?\bexpir(?:e|es|ed|ing|y)\b"),
    _translated(
        "file_url",
        r"(?:urls?|enlaces?|links?|liens?|liga[çc](?:[ãa]o|[õo]es)|tautan|ссылк[аиу]?|m[ée]dias?|medios"
        r"|m[íi]dias?|archivos?|arquivos?|fichiers?|dateien?|链接|鏈接|連結|リンク|링크)[^\n]{0,40}?"
        r"(?:(?:expiran?|caducan?|vencen|expiram|expirent|expir[ée]e?s?|expirad[oa]s?|caducad[oa]s?"
        r"|vencid[oa]s?)" + _END + r"|l(?:aufen|[äa]uft) (?:[^\s]{1,20} ){0,4}ab\b|verfallen|abgelaufen"
        r"|kedaluwarsa|kadaluarsa|истека|истекл"
        r"|过期|過期|失效|期限切れ|有効期限|만료)",
        r"no se pudo descargar|n[ãa]o foi poss[íi]vel baixar|impossible de t[ée]l[ée]charger",
        # a URL anyone can fetch is required: "erwartet eine öffentlich zugängliche URL"
        r"[öo]ffentlich (?:zug[äa]ngliche|erreichbare|abrufbare)[nrs]? (?:url|link|adresse)"
        r"|url (?:p[úu]blica|publique)|(?:公开|公網|公网)(?:可访问|可訪問)?的?\s?(?:url|链接|地址)"
        r"|公開(?:された)?\s?url|공개(?:된)? ?url",
        r"download fehlgeschlagen|не удалось (?:загрузить|скачать)",
        r"(?:下载|上传|上傳|下載)\p{Han}{0,4}(?:失败|失敗)",
        # a file too large to send: "文件太大", "ファイルが大きすぎ", "archivo demasiado grande"
        r"(?:文件|檔案|图片|圖片|视频|ファイル|画像|動画|파일|이미지)"
        r"(?:太大|过大|過大|が大きすぎ|이 너무 크|가 너무 크)"
        r"|(?:archivo|arquivo|fichier|datei|imagen|imagem|image|bild) (?:es |[ée] |est |ist )?"
        r"(?:demasiado grande|muy grande|muito grande|grande demais|trop (?:gros|grande|volumineux)"
        r"|zu gro(?:ß|ss))",
        r"无法(?:下载|访问|读取)|不可访问|ダウンロード(?:に)?失敗|アップロード(?:に)?失敗",
        r"(?:다운로드|업로드)(?:에)? (?:실패|할 수 없)|(?:접근|액세스)할 수 없",
        # Indonesian
        r"(?:gagal|tidak (?:dapat|bisa)) (?:mengunduh|mengunggah|mengakses|membaca)"
        r" (?:gambar|file|berkas|url|video)",
        r"(?:unggahan|unduhan) gagal|(?:tautan|url) (?:sudah )?kedaluwarsa",
        # an upload that is slow, breaks off, fails or refuses the file (the English "upload" alone is
        # a faint cue: uploads are everyday words)
        r"(?:上传|上傳)(?:文件|图片|圖片|视频|影片|的文件)?(?:很慢|太慢|变慢|慢|时间|時間|不支持|不支援|报错|出错|出錯"
        r"|错误|錯誤|卡住|中断|中斷|不了|太大|过大|超过|超過)",
        r"アップロード(?:が|に|で|の)?(?:遅|失敗|できな|エラー|時間|対応していな|大きすぎ|上限)",
        r"업로드(?:가|에|이)? ?(?:너무 )?(?:느리|느려|실패|안 ?되|오류|에러|시간|지원하지|크)",
        # (Latin and Cyrillic: where the file goes may stand between, "la subida del vídeo a fal tarda")
        r"\bsubida\b[^\n.;]{0,40}?\b(?:falla|fall[óa]|tarda|se corta)|\bsubida es lenta"
        r"|no (?:se )?(?:puede|pudo) subir",
        r"\bupload\b[^\n.;]{0,40}?(?:\b(?:falha|falhou|demora|trava)\b|[ée] lento)"
        r"|n[ãa]o (?:consegue|foi poss[íi]vel) (?:fazer o )?upload",
        r"(?:\bupload|t[ée]l[ée]versement|l'envoi du fichier)[^\n.;]{0,40}?"
        r"(?:[ée]choue|a [ée]chou[ée]|est lent)",
        r"\b(?:upload|hochladen)\b[^\n.;]{0,40}?"
        r"\b(?:schl[äa]gt fehl|ist fehlgeschlagen|dauert|bricht[^\n.;]{0,30}?\bab)\b",
        r"\b(?:unggah(?:an)?|upload)\b[^\n.;]{0,30}?\b(?:gagal|lambat|terputus)\b"
        r"|gagal (?:mengunggah|upload)",
        r"загрузк[аи][^\n.;]{0,40}?(?:не удалась|падает|медленн|обрывается)",
    ),
    _cue(
        "validation",
        6.0,
        r"must be (?:between|at (?:least|most)|one of|less|greater|a multiple)|out of range",
        r"exceeds? (?:the )?(?:max|maximum|limit)|ensure this value|only (?:accepts?|supports?|allows?)",
        # limits described in prose: "caps duration at 300", "rejects any seed above", "a maximum of 12"
        r"\bcaps? (?:\w+ )?(?:\w+ )?at \d|\brejects? (?:any|all|prompts?|images?|inputs?|values?|seeds?)\b",
        r"\bover-limit\b|\ba (?:maximum|minimum) of \d|\b(?:max|maximum|min|minimum) (?:length|value|size)\b"
        r"|\b(?:max|maximum|min|minimum) (?:is|=) ?\d",
        r"accepts? only|acepta (?:solo|solamente)|aceita apenas|n'accepte que|akzeptiert nur",
        # "must be less than" in Spanish, Portuguese, French and German
        r"\b(?:debe|deben|tiene que|tienen que|deve|devem|tem que|t[êe]m que) ser (?:menor|mayor|maior|entre"
        r"|uno de|una de|um de|uma de|al menos|como m[áa]ximo|no m[íi]nimo|no m[áa]ximo|m[úu]ltiplo)"
        r"|\bdoi(?:t|vent) [êe]tre (?:inf[ée]rieure?s?|sup[ée]rieure?s?|entre|l'une? des|au moins|au plus"
        r"|un multiple)|\bmuss (?:kleiner|gr[öo](?:ß|ss)er|zwischen|mindestens|h[öo]chstens)\b",
        # a number limit on an input: "system_prompt over 5000 chars", "more than 12 steps"
        # (a unit of an input, not a duration or a count: "runs for over 300 seconds" is no limit)
        r"\b(?:over|above|below|under|exceeds?|exceeding|more than|fewer than|less than|longer than"
        r"|shorter than|at most|at least|up to|max(?:imum)?(?: of)?|min(?:imum)?(?: of)?) \d[\d,.]*\s?"
        r"(?:chars?|characters|tokens|px|pixels|steps)\b",
    ),
    _cue(
        "validation",
        10.0,
        # a rule on an input named by its parameter: "image_size must be one of", "`num_images` should
        # be at most 4", "duration_seconds cannot exceed 10"
        r"\b[a-z][a-z0-9]*_[a-z0-9_]+[`'\"]?\s(?:must|should|has to|needs to|can only|cannot|can't)"
        r" (?:be|exceed|contain|include)\b|[`'\"][a-z][a-z0-9_]*[`'\"] (?:must|should|has to) be\b",
        # a format the model does not take, in English (fal's unsupported_*_format; see the translations)
        r"\bunsupported (?:image |video |audio |file |media |input )?(?:format|codec|container|file type)\b"
        r"|\b(?:format|codec|file type) (?:is )?not supported\b",
        # an input said to be over its length ("prompt is too long: 201928 tokens > 200000 maximum",
        # fal's string_too_long in words)
        r"\b(?:prompt|negative prompt|text|input|caption|description|string)s? (?:is |was |are )?too long\b",
    ),
    # a limit on an input value, said in the other languages fal's users write in: "debe estar entre",
    # "不能超过 12", "범위를 벗어", "не может превышать" (a number followed by a unit of bytes is a
    # file's size, see file_url's cue: `_NOT_BYTES` stands for "a number not in bytes")
    Cue(
        linear_re.compile(
            r"debe (?:ser|estar) (?:entre|menor|mayor)|no (?:puede|debe) (?:superar|exceder) (?:los |las )?"
            + _NOT_BYTES
            + r"|fuera de rango"
            r"|deve (?:ser|estar) (?:entre|menor|maior)|n[ãa]o pode (?:exceder|ultrapassar|passar de) "
            + _NOT_BYTES
            + r"|fora do intervalo|doit [êe]tre (?:compris )?entre|ne (?:doit|peut) pas d[ée]passer "
            + _NOT_BYTES
            + r"|hors (?:de la )?plage|muss zwischen|darf (?:h[öo]chstens|nicht (?:mehr|gr[öo][ßs]er) als)"
            r"|au[ßs]erhalb des (?:bereichs|zul[äa]ssigen)|tidak boleh (?:melebihi|lebih dari)"
            r"|di luar rentang|должн[оаы]? быть (?:от|между|не (?:больше|меньше|более|менее))"
            r"|не (?:может|должн[оаы]?) превышать|вне диапазона"
            r"|必须(?:在|介于)|(?:不能|不可|不得)(?:超过|超過|大于|大於|小于|小於)\s?"
            + _NOT_BYTES
            + r"|超出(?:范围|範圍)"
            r"|取值范围|范围(?:是|为)\s?"
            + _NOT_BYTES
            + r"|以下(?:で|に)してください|範囲外|(?:を|が)超えて(?:い|は)"
            r"|이하(?:여야|로 ?해)|초과할 수 없|범위를 벗어",
            re.I,
        ),
        "validation",
        TRANSLATED_POINTS,
    ),
    # a face-based model found no face in the input image (fal's face_detection_error), in words
    _cue(
        "validation",
        10.0,
        r"\b(?:could ?n[o']t|can ?n[o']t|unable to|failed to|fails? to) (?:find|detect|locate|recogni[sz]e)"
        r" (?:a |any |the )?faces?\b|\bno faces? (?:was |were )?(?:detected|found)\b"
        r"|\bfaces? (?:was |were |is )?not (?:detected|found)\b|\bface detection (?:failed|error)",
    ),
    _translated(
        "validation",
        r"no se (?:detect[óo]|encontr[óo]|pudo detectar|puede detectar) (?:ning[úu]n |el )?(?:rostro|cara)"
        r"|(?:rostro|cara) no (?:detectad|encontrad)[oa]|ning[úu]n rostro",
        r"nenhum rosto|rosto n[ãa]o (?:foi )?(?:detectado|encontrado)"
        r"|n[ãa]o (?:detectou|encontrou) (?:nenhum |o )?rosto",
        r"aucun visage|visage non (?:d[ée]tect|trouv)|impossible de d[ée]tecter (?:le |un )?visage",
        r"kein gesicht|gesicht (?:wurde )?nicht (?:erkannt|gefunden)",
        r"(?:未|没有|沒有)(?:检测|檢測|偵測|识别|識別)到(?:人脸|人臉|脸|臉)|(?:检测|識別|识别)不到(?:人脸|人臉|脸)"
        r"|人脸检测失败|人臉檢測失敗",
        r"顔が(?:検出|認識)?(?:され|でき)?(?:ませ|なかっ)|顔が見つかりませ|顔(?:を)?検出(?:でき|され)(?:ませ|ない)"
        r"|顔検出(?:に)?失敗",
        r"얼굴(?:을|이)? (?:감지|검출|인식|찾)(?:하지 못|되지 않|할 수 없|을 수 없|지 못)"
        r"|얼굴 (?:감지|검출|인식) 실패",
        r"wajah tidak (?:terdeteksi|ditemukan)|tidak (?:ada|menemukan) wajah",
        r"лиц[оа](?:\s[^\s]{1,20}){0,2}\sне (?:найден|обнаружен|детект|распозна)"
        r"|не удалось (?:найти|обнаружить|распознать) лицо",
        r"par[áa]metros? (?:inv[áa]lidos?|incorrectos?)|param[èe]tres? invalides?",
        r"ung[üu]ltige[rn]? parameter|неверн(?:ый|ые) (?:параметр|значени)|参数(?:错误|无效|無效|不正确)",
        r"输入(?:无效|错误|不符合)|不符合要求|パラメータ(?:が)?(?:無効|不正)|入力(?:値)?が(?:無効|不正)",
        r"(?:파라미터|매개변수|입력(?:값)?)(?:가|이)? (?:잘못|유효하지)",
        # an input format the model does not take (fal's unsupported_*_format)
        r"지원(?:하지 않는|되지 않는) (?:" + _LETTERS + " )?형식"
        r"|不支持的?(?:图片|圖片|图像|文件|视频|音频)?格式"
        r"|サポートされていない" + _LETTERS + "?形式|formato (?:no soportado|n[ãa]o suportado)"
        r"|format non (?:pris en charge|support[ée])|nicht unterst[üu]tzte[sn]? " + _LETTERS + "?format"
        r"|неподдерживаем(?:ый|ого) формат",
        # Indonesian
        r"(?:parameter|input|masukan|nilai) (?:tidak valid|salah)|format (?:tidak|belum) didukung",
        r"harus (?:antara|kurang dari|lebih dari|di antara|salah satu dari)",
    ),
    _cue(
        "output_format",
        8.0,
        r"(?:unexpected|invalid|unknown|malformed)(?: [\"'`]?\w{1,20}[\"'`]?)? (?:response|output|result)"
        r" (?:format|shape|structure)|\bin an? unexpected (?:format|shape)",
        r"(?:response|output) (?:format|shape) (?:changed|differs|is different)",
        # the result's shape varies with the model: "output shapes differ per model", "fal wraps the
        # file differently per model", "under a per-model key", "selon les modèles"
        r"\b(?:output|response|result)s?(?: (?:shapes?|formats?|keys?|fields?))? (?:differ|vary|varies)\b"
        r"|\b(?:differently|different(?: keys?| shapes?| fields?)?)"
        r" (?:per|for each|by|depending on the) model"
        r"|\bper-model (?:keys?|shapes?|fields?|formats?)|\bwraps? (?:the |its )?(?:generated )?"
        r"(?:files?|outputs?|results?|urls?|images?|videos?|audio) (?:differently|under)"
        r"|selon (?:les|le) mod[èe]les?|seg[úu]n (?:el|los) modelos?|je nach modell",
        # what the code expects against what came back: "our code expects 'image'", "returns a video
        # object, not video_url", "nuestro código espera", "notre code attend"
        r"\b(?:our|my|the) (?:code|app|parser|frontend|client code) (?:expects?|expected|reads?|looks for)\b"
        r"|\b(?:nuestro|mi) c[óo]digo (?:espera|busca|lee)\b"
        r"|\b(?:nosso|meu) c[óo]digo (?:espera|procura|l[êe])\b"
        r"|\b(?:notre|mon) code (?:attend|cherche|lit)\b|\b(?:unser|mein) code (?:erwartet|sucht|liest)\b"
        r"|\b(?:returns?|returned|gives?|gave|comes? back (?:as|with))\b[^\n.;]{0,40}?"
        r"\b(?:not|instead of|rather than)\s[`'\"]?"
        r"(?:images?|videos?|video_url|image_url|audio_url|urls?|output)\b",
    ),
    _translated(
        "output_format",
        r"返回格式|响应格式|レスポンス(?:の)?形式|응답 ?형식|formato de (?:respuesta|resposta)",
        r"format de (?:la )?r[ée]ponse|antwortformat|формат ответа",
        # a result in a shape the code did not expect: "resposta em formato inesperado", "返回格式异常"
        r"formato inesperado|format (?:inattendu|inconnu)|unerwartete[ns]? (?:antwort)?format"
        r"|неожиданн\pL* формат|格式(?:异常|異常|不正确|不正確|有误)|予期しない形式"
        r"|예상(?:치 못한|하지 못한) 형식",
        # Indonesian
        r"format (?:respons|hasil|keluaran) (?:berubah|berbeda|tidak sesuai)",
        # "returned no image" as fal's users' apps word it: "nenhuma imagem retornada", "no se devolvió
        # ninguna imagen", "aucune image renvoyée", "keine Bilder zurückgegeben", "没有返回图片"
        r"\b(?:nenhuma|ninguna|aucune|nessuna|keine?) (?:imagem|imagen|image|immagine|bilder|bild|url"
        r"|v[íi]deo|vid[ée]o)s?\W{1,3}(?:(?:foi|fue|n'a été|è stata|wurden?|wurde) )?"
        r"(?:retornad[ao]|devolvid[ao]|recebid[ao]|devuelt[ao]|recibid[ao]|renvoy[ée]e?"
        r"|retourn[ée]e?|re[çc]ue|restituit[ao]|ricevut[ao]|zur[üu]ckgegeben|geliefert|erhalten)"
        r"|\bn[ãa]o (?:retornou|devolveu|trouxe) (?:nenhuma )?(?:imagem|imagens|url|v[íi]deo)"
        r"|\bno (?:se )?(?:devolvi[óo]|retorn[óo]|devuelve|regres[óo]) (?:ninguna )?"
        r"(?:imagen|im[áa]genes|url|video)"
        r"|\b(?:sem|sin|sans|ohne) (?:imagens?|im[áa]genes|imagen|images?|bilder|url)"
        r" (?:na|en la|dans la|in der) (?:resposta|respuesta|r[ée]ponse|antwort)"
        r"|не вернул\pL* (?:ни одного )?(?:изображени|картинк|url)"
        r"|(?:没有|沒有|未|没)返回(?:任何)?(?:的)?(?:图片|圖片|图像|圖像|视频|視頻|url|images?)"
        r"|(?:返回|响应|響應|回应|回應)(?:的)?(?:结果|結果|数据|數據)?(?:里|裡|中)?(?:没有|沒有)(?:任何)?\s?"
        r"(?:图片|圖片|图像|url|images?)"
        r"|画像(?:が|は)?返(?:され|って)(?:ませんでした|こない|ない)|이미지(?:가|를)? 반환(?:되지|하지) 않",
    ),
    _cue("client_setup", 8.0, r"no module named|cannot find module|module not found|not installed"),
    _translated(
        "client_setup",
        r"未安装|インストールされていない|설치되지 않|no est[áa] instalado|n[ãa]o est[áa] instalado",
        r"n'est pas install[ée]|nicht installiert|(?:модуль|пакет|библиотека) не (?:найден|установлен)",
        # Indonesian
        r"(?:belum|tidak) (?:terinstal|terpasang|diinstal)",
    ),
    # Italian, as fal's Italian users word each family
    _translated("server_error", r"errore (?:interno del |del )?server|(?:servizio|server) non disponibile"),
    _translated(
        "rate_limit",
        r"troppe richieste|limite di (?:richieste|utilizzo|frequenza)|quota (?:superata|esaurita|raggiunta)",
    ),
    _translated(
        "content_policy",
        r"(?:prompt|contenuto|immagine)\W{1,3}(?:\w+\W{1,3}){0,4}(?:bloccat[oa]|rifiutat[oa])"
        r"|filtro di sicurezza|politica (?:dei|sui) contenuti|contenut[oi] (?:sensibil|inappropriat)"
        r"|nessuna immagine (?:[èe] stata )?generata",
    ),
    _translated(
        "model_not_found", r"modello (?:non (?:esiste|trovato)|inesistente)|endpoint (?:non esiste|errato)"
    ),
    _translated("invalid_key", r"chiave (?:api )?(?:[èe] )?(?:non valida|errata|scaduta)"),
    _translated("billing", r"credit[oi] (?:esaurit|insufficient)|saldo (?:esaurito|insufficiente)"),
    _translated("queue_timeout", r"tempo (?:di attesa )?scaduto|(?:bloccat[oa]|ferm[oa]|rimane) in coda"),
    _translated("network", r"errore di (?:rete|connessione)|connessione (?:rifiutata|fallita|interrotta)"),
    _translated(
        "file_url",
        r"\b(?:url|link|collegamento)\b[^\n]{0,40}?\bscadut[oia]|impossibile scaricare"
        r"|download (?:non riuscito|fallito)"
        r"|caricamento (?:non riuscito|fallito)|file troppo grande",
    ),
    _translated(
        "validation",
        r"deve essere (?:compreso )?tra|fuori (?:dall')?intervallo|parametr[oi] non valid"
        r"|formato non supportato"
        r"|nessun volto",
    ),
    _translated("client_setup", r"non (?:[èe] )?installat[oa]"),
    # Turkish, as the app message files of fal's Turkish users word each family
    _translated("invalid_key", r"ge[çc]ersiz (?:api )?anahtar|anahtar(?:ı|i)? ge[çc]ersiz"),
    _translated(
        "missing_key",
        r"(?:api )?anahtar(?:ı|i)? (?:eksik|bulunamad|ayarlanmam|tan[ıi]mlanmam|girilmemi)",
    ),
    _translated(
        "billing", r"bakiye(?:niz|n)? (?:yetersiz|bitti|t[üu]kendi)|yetersiz bakiye|kredi(?:niz)? yetersiz"
    ),
    _translated("rate_limit", r"[çc]ok fazla (?:istek|talep)|istek (?:limiti|s[ıi]n[ıi]r[ıi])"),
    _translated("queue_timeout", r"zaman a[şs][ıi]m[ıi]"),
    _translated("server_error", r"sunucu hatas[ıi]|sunucu (?:yan[ıi]t vermiyor|kullan[ıi]lam[ıi]yor)"),
    _translated("network", r"ba[ğg]lant[ıi] (?:hatas[ıi]|kurulamad|kesildi)"),
    _translated(
        "content_policy",
        r"i[çc]erik (?:politikas|ilkeler|kurallar)|uygunsuz i[çc]erik|i[çc]erik[^\n]{0,30}?reddetti",
    ),
    _translated("model_not_found", r"model bulunamad"),
    _translated("file_url", r"dosya (?:[çc]ok b[üu]y[üu]k|y[üu]klenemedi|indirilemedi)"),
)
# The short messages apps show their users when a call to fal fails, in their own languages: a rate
# said as "速率限制", a key "not accepted", "add your key" or "需要 API Key" (none was set), "could not
# reach fal, check your connection" (the key entries' and network's wording beyond the words above).
_APP_MESSAGES: tuple[Cue, ...] = (
    _translated(
        "rate_limit", r"速率限制|限速|(?:请求|請求|调用|調用)(?:频率|頻率)(?:过高|過高|超限)|频率过高"
    ),
    _translated(
        "invalid_key",
        r"(?:cl[ée]|clave|chave|schl[üu]ssel|chiave)"
        + _END
        + r"[^\n;]{0,30}?(?:n'est pas (?:accept[ée]e|valide|reconnue)"
        r"|no (?:es |fue |ha sido )?(?:aceptada|v[áa]lida|reconocida)"
        r"|n[ãa]o (?:[ée] |foi )?(?:aceita|v[áa]lida)"
        r"|(?:wird|wurde) nicht akzeptiert|nicht g[üu]ltig|non (?:[èe] )?(?:accettata|valida))",
    ),
    # authentication failed: said of fal, the key it was given (a key that never came is missing_key)
    _cue(
        "invalid_key",
        8.0,
        r"\bauthentication (?:failed|failure)\b|\bfailed to authenticate\b",
    ),
    _translated(
        "invalid_key",
        r"认证失败|認證失敗|鉴权失败|鑑權失敗|身份验证失败|授权失败|認証(?:に)?失敗|인증(?:에|이)? ?실패"
        r"|(?:fallo|error|falla) de autenticaci[óo]n|autenticaci[óo]n fallida"
        r"|falha (?:de|na) autentica[çc][ãa]o"
        r"|[ée]chec (?:de l'|d')authentification|authentifizierung fehlgeschlagen"
        r"|ошибка (?:авторизации|аутентификации)|autenticazione (?:fallita|non riuscita)",
    ),
    # a request that did not finish in the time the caller allowed
    _cue(
        "queue_timeout",
        8.0,
        r"\b(?:did not|didn't|failed to|could not|couldn't) (?:finish|complete)\b[^\n.;]{0,30}?"
        r"\b(?:in time|within|before)\b",
    ),
    _translated(
        "queue_timeout",
        r"dans le (?:temps|d[ée]lai) imparti|d[ée]lai (?:d'attente )?(?:d[ée]pass[ée]|expir[ée])"
        r"|tiempo de espera (?:agotado|excedido)|se agot[óo] el tiempo"
        r"|tempo (?:limite )?(?:esgotado|excedido)"
        r"|zeit[üu]berschreitung|(?:请求|生成|任务|任務|处理|處理|轮询|輪詢)(?:已)?超时|(?:請求|處理)逾時",
    ),
    _translated(
        "missing_key",
        r"\bajoute[zr] (?:votre |une |ta )?cl[ée]"
        r"|\b(?:agrega|agregue|añade|añada|ingresa|ingrese) (?:tu |su |una )?clave"
        r"|\b(?:adicione|adiciona|insira|informe) (?:sua |a |uma )?chave"
        r"|\bf[üu]ge[n]? (?:deinen |ihren |einen )?"
        r"(?:api-)?schl[üu]ssel|\baggiungi (?:la tua |una )?chiave",
        r"需要[^\n]{0,16}?(?:api ?key|密钥|秘钥)"
        r"|(?:请|請)[^\n。]{0,24}?(?:设置|設置|配置|填写|填寫|输入|輸入|添加)"
        r"[^\n。]{0,16}?(?:api ?key|密钥|秘钥|key)|api ?key ?(?:が必要|を設定してください|가 필요|를 입력)",
    ),
    # (and the English original: "Could not reach fal.ai. Check your connection.")
    _cue(
        "network",
        8.0,
        r"\b(?:could not|couldn't|cannot|can't|unable to|failed to) (?:reach|contact)\b"
        # the same in the passive: "fal could not be reached" (German's "konnte nicht erreicht werden")
        r"|\b(?:could not|couldn't|cannot|can't) be (?:reached|contacted)\b"
        r"|\bcheck your (?:internet |network )?connection\b",
    ),
    _translated(
        "network",
        r"impossible de (?:joindre|contacter|se connecter)|v[ée]rifiez votre connexion"
        r"|no se pudo (?:conectar|contactar)|(?:verifica|revisa|comprueba) tu conexi[óo]n"
        r"|n[ãa]o foi poss[íi]vel (?:conectar|contactar)|verifique sua conex[ãa]o"
        r"|(?:konnte|kann) (?:nicht )?(?:keine verbindung|nicht erreicht)"
        r"|[üu]berpr[üu]fen sie ihre (?:internet)?verbindung"
        r"|impossibile (?:raggiungere|connettersi)|controlla la (?:tua )?connessione",
    ),
)
# A realtime connection named without the word "realtime": its socket (a websocket and its close
# codes, 1000-1015), the WebRTC pieces some live apps use (a peer connection, ICE, STUN and TURN
# servers, a data channel), and "real time" in the other languages fal's users write in.
REALTIME_VOCABULARY = (
    r"realtime|real-time|web ?socket|wss://|\bws\b|fal\.realtime"
    r"|webrtc|rtcpeerconnection|\bice (?:candidates?|gathering|connection|state|servers?|failed|restart)\b"
    r"|\bstun\b|\bturn (?:servers?|relay)\b|\bdata ?channels?\b"
    # (a close code as such: "closed with code 1011", "closed (1006)", "1006 abnormal closure"; not
    # "closed 1006 tickets")
    r"|\bclos(?:e|ed|es|ing|ure)\b[^\n]{0,20}?\bcode\W{1,3}10(?:0\d|1[0-5])\b"
    r"|\bclos(?:e|ed|es|ing)\s?[(:]\s?10(?:0\d|1[0-5])\b|\b10(?:0\d|1[0-5])\b[^\n]{0,12}?\bclos(?:e|ure)\b"
    r"|实时|實時|即時|リアルタイム|ウェブソケット|실시간|웹소켓|tiempo real|tempo real|temps r[ée]el|echtzeit"
    r"|tempo reale|реальном времени|вебсокет|waktu nyata|ger[çc]ek zamanl"
)
CATEGORY_CUES: list[Cue] = [
    Cue(
        linear_re.compile(
            r"\benotfound|getaddrinfo|name or service not known|nodename nor servname|nxdomain"
            r"|name resolution"
            r"|econnrefused|econnreset|etimedout|und_err|fetch failed|certificate verify failed|connecterror"
            # Node's other ways of saying the connection broke
            r"|socket hang up|econnaborted|ehostunreach|enetunreach|\bepipe\b"
            # an answer cut off mid-way (httpx, requests, urllib3, aiohttp)
            r"|remoteprotocolerror|peer closed connection|server disconnected without sending"
            r"|remotedisconnected|chunkedencodingerror|incompleteread|connection broken"
            r"|serverdisconnectederror|clientpayloaderror"
            r"|connection (?:refused|reset|aborted)|\bssl\b|max retries exceeded"
            # a connection said to be lost ("your connection to fal.ai dropped")
            r"|\bconnection (?:to [\w.-]+ )?(?:was |got )?(?:dropped|lost|interrupted)\b"
            r"|\blost (?:the )?connection\b",
            re.I,
        ),
        "network",
        12.0,
    ),
    Cue(linear_re.compile(REALTIME_VOCABULARY, re.I), "realtime", 12.0),
    Cue(linear_re.compile(r"too many requests|rate.?limit|concurren|throttl", re.I), "rate_limit", 10.0),
    Cue(
        linear_re.compile(r"content.?policy|nsfw|safety.?checker|flagged", re.I),
        "content_policy",
        10.0,
        # fal's output fields and input switch, present in every successful result
        linear_re.compile(r"has_nsfw|nsfw_concepts|enable_safety.?checker", re.I),
    ),
    Cue(
        linear_re.compile(
            # (a locked account: not the "locked" inside "blocked", which is content or a network)
            r"balance|billing|top.?up|(?:\b|_)locked|credits?\b|payment"
            # the same in the other languages fal's users write in
            r"|saldo|solde|guthaben|cr[ée]dit(?:o|os|s)?\b|cuenta bloqueada|conta bloqueada|compte bloqu"
            r"|konto gesperrt|余额|欠费|充值|残高|クレジット|チャージ|支払",
            re.I,
        ),
        "billing",
        8.0,
    ),
    Cue(
        linear_re.compile(
            r"time[ds]? ?out|timeout|in_queue|in_progress|webhook|stuck|aborterror|abort_err|was aborted"
            r"|tiempo de espera|tempo (?:limite|esgotado)|d[ée]lai d[ée]pass|zeit[üu]berschreitung"
            r"|超时|超時|タイムアウト|時間切れ|排队|待機中",
            re.I,
        ),
        "queue_timeout",
        6.0,
    ),
    Cue(
        # the client got an answer but the caller's code or schema did not expect its shape
        linear_re.compile(
            r"type ?validation ?(?:failed|error)|invalid_type|keyerror: [\"']images|expected \w+, received"
            r"|cannot read propert(?:y|ies) of undefined",
            re.I,
        ),
        "output_format",
        14.0,
    ),
    Cue(
        linear_re.compile(
            r"unprocessable|validat(?:ion|ing)|field required|\bloc\b|input should|not a valid"
            r"|input values?\b",
            re.I,
        ),
        "validation",
        6.0,
        _TYPE_VALIDATION,
    ),
    Cue(
        # the error's own words say the input was rejected (fal's playground, SDK wrappers)
        linear_re.compile(
            r"\berror validating\b|\bvalidation (?:error|failed)\b"
            r"|\binvalid (?:input|parameters?|arguments?)\b|\bissues? with the input",
            re.I,
        ),
        "validation",
        10.0,
        _TYPE_VALIDATION,
    ),
    Cue(
        linear_re.compile(
            r"upload|file_download|download|expired|data uri|(?:entity|payload) too large"
            # the same words in the other languages fal's users write in (a token expires too: weak)
            r"|上传|上傳|下载|下載|アップロード|ダウンロード|업로드|다운로드|hochladen|herunterladen|загруз|скача"
            r"|过期|過期|期限切れ|만료|expirad[oa]s?\b|expiré|abgelaufen|истек",
            re.I,
        ),
        "file_url",
        6.0,
    ),
    Cue(linear_re.compile(r"not found|no such", re.I), "model_not_found", 4.0),
    Cue(linear_re.compile(r"\bkeys?\b|credential|unauthori", re.I), "invalid_key", 3.0),
    *_WORDS_IN_ANY_LANGUAGE,
    *_APP_MESSAGES,
]
STATUS_PRIOR = 8.0  # the usual meaning of a status at fal (403 billing, 422 validation...)
STATUS_CATEGORY = {
    401: "invalid_key",
    402: "billing",
    403: "billing",
    404: "model_not_found",
    405: "queue_timeout",
    413: "file_url",  # a body or upload over the size limit
    422: "validation",
    429: "rate_limit",
    500: "server_error",
    502: "server_error",
    503: "server_error",
    504: "queue_timeout",
}


# A status that belongs to no family alone but does not contradict one: fal's `bad_request` and a
# model's complaint about its input ("400 Bad Request: Unsupported image format") are the input's
# family's, as a 422 is, in a text about fal. No prior for it: a bare 400 is anybody's.
STATUS_COMPATIBLE = {400: "validation"}


def status_families(codes: set[int], about_fal: bool = True) -> set[str | None]:
    """The families the text's statuses belong to, or in a text about fal agree with (an entry of
    another family is contradicted by them)."""
    families = {STATUS_CATEGORY.get(code) for code in codes}
    if about_fal:
        families |= {STATUS_COMPATIBLE[code] for code in codes if code in STATUS_COMPATIBLE}
    return families


def status_family(code: int) -> str | None:
    """The family a status speaks for: its own, else server_error for any other 5xx."""
    return STATUS_CATEGORY.get(code) or ("server_error" if code >= 500 else None)


# The cues without an `unless`, looked for in one pass (the others need the text edited first).
_PLAIN_CUES = [cue for cue in CATEGORY_CUES if cue.unless is None]
_PLAIN_CUE_SET = linear_re.PatternSet([cue.pattern for cue in _PLAIN_CUES])


def category_bonus(query: str, codes: set[int]) -> dict[str, float]:
    bonus: dict[str, float] = {}
    hits = [_PLAIN_CUES[index] for index in sorted(_PLAIN_CUE_SET.matching(query))]
    hits += [cue for cue in CATEGORY_CUES if cue.unless is not None and found(cue.pattern, query, cue.unless)]
    for cue in hits:
        bonus[cue.category] = bonus.get(cue.category, 0.0) + cue.points
    for code in codes:
        family = status_family(code)
        if family:
            bonus[family] = bonus.get(family, 0.0) + STATUS_PRIOR
    return bonus


# -- causal cues ------------------------------------------------------------------------------------
# When a paste shows the cause as well as the symptom, the cause decides the family: a Bearer header
# sent to fal explains a 401 better than "the key is wrong", a server saying no header arrived while
# no key is in sight is a missing key, and a receiver's status code in a webhook report is about the
# webhook, not a missing model.
CAUSAL_POINTS = 34.0

_BEARER_IS_RIGHT = linear_re.compile(r"mcp\.fal\.ai|fal auth login|auth0|\bjwt\b", re.I)
_AUTH_FAILURE = linear_re.compile(
    r"unauthori[sz]ed|no user found|invalid key|authorization header format|invalid .{0,20}credentials"
    r"|authentication (?:failed|is required)|\b401\b",
    re.I,
)
_NO_CREDENTIALS = linear_re.compile(
    r"authorization header is required|authentication is required|missing (?:fal(?:\.ai)? )?credentials"
    r"|credentials (?:not found|are missing|missing|not set)|forg[eo]t to set"
    # "configuration missing: FAL_AI_API_KEY", "Missing env var FAL_KEY"
    r"|\bmissing\W{1,3}(?:(?:env(?:ironment)? )?(?:var(?:iable)?s?|config(?:uration)?|secrets?)\W{1,3})?"
    r"fal_(?:ai_)?(?:api_)?key\b"
    r"|fal_(?:ai_)?(?:api_)?key\W{0,3}(?:environment variable |env var )?(?:is )?"
    r"(?:not set|missing|undefined|empty|required|not found)"
    r"|no (?:api )?key (?:was )?(?:provided|set|found|configured)|\bno fal(?:\.ai)? (?:api[ _]?)?key\b"
    r"|no (?:authori[sz]ation|authentication|auth|bearer) (?:token|header|credentials?) "
    r"(?:was |were )?(?:provided|sent|given|found|present|supplied)"
    r"|missing (?:or invalid )?(?:authori[sz]ation|authentication|auth) (?:header|token|credentials?)"
    r"|(?:authori[sz]ation|authentication) (?:header|token) (?:is |was )?(?:missing|required|not provided)",
    re.I,
)
_KEY_VALUE_SHOWN = linear_re.compile(r"authorization\\?[\"']?\W{0,6}(?:key|bearer)\s+[^\s$`{\"']", re.I)
_WEBHOOK_REPORT = linear_re.compile(
    r"webhook[^\n]{0,120}(?:(?:invalid|unexpected) status code|deliver|status code\W{0,3}[45]\d\d"
    # the delivery (or its absence) said in the other languages fal's users write in
    r"|投递|投遞|送达|送達|推送失败|回调失败|回調失敗|没有(?:收到|回调)|收不到"
    r"|届かな|届きません|配信|전달|수신되지|오지 않"
    r"|no (?:me )?lleg|no (?:se )?(?:recib|entreg)|n[ãa]o (?:chega|chegou|recebo|recebi|foi entregue)|entrega"
    r"|n'arrive (?:pas|jamais)|n'est (?:pas|jamais) (?:re[çc]u|livr[ée])|livraison"
    r"|kommt (?:nicht|nie) an|nicht zugestellt|zustellung|не приходит|не доставлен|доставк"
    r"|tidak (?:diterima|sampai|terkirim)|pengiriman"
    # a webhook that never fires at all: "the webhook never fired", "Webhook 未触发"
    r"|never (?:fired|fires|triggered|arrived|arrives|came|comes|got called|gets called|was called)"
    r"|(?:is|was|were|are)(?:n'?t| not) (?:being )?(?:triggered|fired|called)"
    r"|未触发|未觸發|没有触发|沒有觸發|不触发|未回调|未回調|(?:発火|トリガー|呼び出され)(?:しな|されな|な)"
    r"|(?:호출|트리거)되지 않|no se (?:dispara|activa)|nunca se (?:dispara|llama|activa)"
    r"|n[ãa]o (?:dispara|[ée] (?:disparado|chamado))|ne se d[ée]clenche (?:pas|jamais)"
    r"|wird (?:nicht|nie) (?:ausgel[öo]st|aufgerufen)|не срабатывает|не вызывается"
    # the receiver never gets it, or the call to it does not work: "is not working when posted to
    # the webhook URL", "we are not receiving any webhooks"
    r"|(?:is|are|was|were)(?:n'?t| not) working|(?:does|did)(?:n'?t| not) work"
    r"|(?:not|never|n't) (?:been |being )?receiv(?:e|ed|ing)\b)"
    r"|(?:(?:invalid|unexpected) status code|deliver)[^\n]{0,120}webhook"
    r"|(?:not|never|n't) (?:been |being )?receiv(?:e|ed|ing) (?:any |the |a |our |my )?webhooks?\b",
    re.I,
)
# a refusal over who or what is shown: a safety filter's answer, even when a client calls it a
# ValidationError / 422
_CONTENT_REFUSAL = linear_re.compile(
    r"\brefused\b|celebrit|likeness|public figure"
    r"|copyrighted|moderation|(?:safety|content) (?:filter|system|checker)"
    r"|sensitive content|content.?policy",
    re.I,
)
_TOOL_NOT_FOUND = linear_re.compile(
    r"\btool\b[ '\"`]{1,2}[\w.:/-]{1,80}[ '\"`]{1,2}(?:was |is )?not found\b|tool_?not_?found\b"
    r"|\bunknown tool\b|\bno (?:such )?tool (?:named|called|found)\b",
    re.I,
)
_NOT_A_REFUSAL = linear_re.compile(r"connect(?:ion)? refused", re.I)
_NO_ANSWER = linear_re.compile(
    r"econnrefused|econnreset|etimedout|\benotfound|eai_again|und_err_(?:connect|socket)|getaddrinfo"
    r"|socket hang up|econnaborted|ehostunreach|enetunreach"
    r"|fetch failed|connection (?:refused|reset|aborted)|connect(?:ion)? ?timeout|connecterror|connecttimeout"
    # the browser's own words for a fetch that got no answer (Chrome's bare "Failed to fetch", not
    # "failed to fetch the image"; Firefox's NetworkError; Safari's "TypeError: Load failed")
    r"|\bfailed to fetch[ \t]*(?:[\n\r]|$|[^\w \t])|\bnetworkerror when attempting to fetch"
    r"|\btypeerror:? load failed\b"
    r"|name or service not known|temporary failure in name resolution|nodename nor servname"
    r"|certificate verify failed|err_name_not_resolved|err_connection_(?:refused|reset|timed_out)"
    # the server hung up before any answer (Python's RemoteDisconnected, httpx's RemoteProtocolError),
    # or the TLS handshake itself failed, said in words too ("urllib may fail TLS on fal.media")
    r"|remote end closed connection without response|\bremotedisconnected\b"
    r"|server disconnected without sending a response"
    # curl's own words for the same (`curl -v`: 52 the server closed without a byte, 56 the read was
    # reset, 6 the host did not resolve, 35 the TLS connect broke)
    r"|empty reply from server|recv failure|could(?: not|n't) resolve (?:host|proxy)|ssl_error_syscall"
    r"|\b(?:tls|ssl) handshake (?:failed|failure|timed out|timeout|error)\b|\bsslerror\b"
    r"|\bfail(?:s|ed|ing)? (?:the )?(?:tls|ssl)(?: handshake)?\b"
    r"|(?:tls|ssl) ?握手失败|(?:tls|ssl) ?握手失敗|(?:tls|ssl) ?ハンドシェイク(?:に失敗|エラー)"
    r"|(?:tls|ssl) ?핸드셰이크 실패"
    # the connection itself timed out, said in words (not the request: that is the queue's)
    r"|\bconnection (?:attempt |to \S{1,100} )?(?:has )?timed out"
    r"|接続(?:が|は)?タイムアウト|连接超时|連線逾時|연결 시간(?:이)? 초과"
    r"|tiempo de espera de (?:la )?conexi[óo]n|conex[ãa]o (?:expirou|excedeu o tempo)|d[ée]lai de connexion"
    r"|verbindungs-?(?:timeout|zeit[üu]berschreitung)"
    r"|(?:время ожидания|тайм-?аут) (?:соединения|подключения)|(?:batas )?waktu koneksi habis"
    # the caller could not connect at all, said in words in the languages fal's users write in
    # (not "could not connect to the websocket": a realtime text skips this cue)
    r"|\b(?:could ?n[o']t|can ?n[o']t|unable to|failed to|fails to|fail to) (?:ever )?connect\b"
    r"|no se (?:pudo|puede) conectar|no (?:fue|es) posible conectar"
    r"|n[ãa]o (?:foi|[ée]) poss[íi]vel (?:se )?conectar"
    r"|n[ãa]o conseguiu (?:se )?conectar|impossible de (?:se )?connecter|[ée]chec de (?:la )?connexion"
    r"|keine verbindung|verbindung (?:konnte nicht|fehlgeschlagen)|konnte (?:keine|nicht) verbind"
    r"|не удалось (?:подключиться|соединиться)|не удается подключиться"
    r"|impossibile (?:connettersi|stabilire (?:una |la )?connessione)|connessione (?:rifiutata|fallita)"
    r"|(?:繋|つな)がらな|接続できな|접속이 안 ?되|연결이 안 ?(?:되|돼)"
    r"|无法连接|連線失敗|连不上|連不上|接続できません|接続に失敗"
    r"|연결할 수 없|접속할 수 없|연결(?:에|이)? 실패"
    r"|(?:tidak|gagal) (?:dapat |bisa )?terhubung|koneksi (?:gagal|terputus)"
    # no HTTP answer at all: a browser's or client's status 0 (not "exit status 0")
    r"|\bhttp(?: status)?(?: code)?\W{0,3}0(?:[^\d.]|$)|\bstatus ?code\W{0,3}0(?:[^\d.]|$)"
    r"|\bstatus\s?[:=]\s?0(?:[^\d.]|$)",
    re.I,
)
# The connection was up and the request sent, but the answer's headers or body did not come within
# the client's own wait: undici's HeadersTimeoutError / BodyTimeoutError (inside Node's `fetch
# failed`), said as "Headers Timeout Error" or by its code. A long synchronous call (fal.run, a
# video model) outlived the client's timer: the queue's family, not a failed connection.
_ANSWER_WAIT_RAN_OUT = linear_re.compile(
    r"\b(?:headers|body) ?timeout ?error\b|\bund_err_(?:headers|body)_timeout\b", re.I
)
_DETAIL_BODY = linear_re.compile(r"[\"']detail[\"']\s*:", re.I)
_TYPED_ERROR = linear_re.compile(r"[\"']loc[\"']\s*:|[\"']type[\"']\s*:\s*[\"']\w+[\"']", re.I)
_PAYLOAD_ERRORS = linear_re.compile(r"[\"']loc[\"']\s*:", re.I)
_AUTH_CODES = frozenset({401, 403})


# Causes people state in words, in the languages fal's users write in: "the key is not set", "we
# removed the keys from the browser build", "the endpoint is wrong". A stated cause explains the
# status code that came with it, so it outweighs the code's usual family.
_KEY_WORD = (
    r"(?:api[ _-]?keys?|fal_key|fal key|credentials?|clave(?: de api| api)?|chave(?: de api| api)?"
    r"|cl[ée](?: d'api| api)?|api-schl[üu]ssel|schl[üu]ssel|api ?密钥|密钥|秘钥|api ?キー|キー|api ?키|키"
    r"|凭证|凭据|憑證|認証情報|자격 ?증명|kunci(?: api)?|chiave(?: api)?"
    r"|(?:api[ -])?ключ(?:а|у|ом)?)"
)
# "FAL_KEY环境变量未配置", "la variable de entorno FAL_KEY": the key named as an environment variable
_ENV_VARIABLE = (
    r"(?:\s?(?:环境变量|環境變數|环境变数|環境変数|환경 ?변수|environment variable"
    r"|env(?:ironment)? var(?:iable)?"
    r"|variable de entorno|vari[áa]vel de ambiente|variable d'environnement|umgebungsvariable"
    r"|переменная (?:окружения|среды)))?"
)
_KEY_ABSENT = (
    r"(?:is |was |are |were )?(?:not (?:being )?(?:set|configured|provided|defined|present|loaded|passed"
    r"|forwarded|picked up)"
    r"|(?:is|was|are|were)n'?t (?:being )?(?:set|configured|provided|defined|loaded|passed)"
    r"|missing|empty|blank|commented out"
    r"|undefined"
    r"|(?:been )?(?:removed|deleted|stripped)|no est[áa] (?:configurad|definid)[oa]|no configurad[oa]"
    r"|n[ãa]o (?:est[áa] )?(?:configurad|definid)[oa]|ausente|manquante?|non (?:configur|d[ée]fini)[ée]e?"
    r"|absente?|mancante|non (?:[èe] )?(?:impostat|configurat|definit)[ao]"
    r"|fehlt|nicht (?:gesetzt|konfiguriert|vorhanden|gefunden)|未配置|未设置|未設定|缺失|丢失"
    r"|が設定されていません|が未設定|がありません|が見つかりません"
    r"|설정되지 않|설정(?:이)? 안 ?되|없습니다|없음|누락"
    r"|не (?:задан|указан|установлен|настроен|найден)|отсутствует"
    r"|(?:tidak|belum) (?:diatur|disetel|dikonfigurasi|ditemukan|diisi|ada)|kosong)"
)


# a service "returned" an error status: "fal.ai returned 500", "returned HTTP 422"
_ERROR_STATUS_RETURNED = linear_re.compile(
    r"\breturned (?:an? )?(?:http |status |status code |error )?[45]\d\d\b", re.I
)


class StatedCause(NamedTuple):
    """A cause people state in words for one family, and when the statement does not count."""

    pattern: linear_re.Pattern
    category: str
    phrase: str
    unless: tuple[linear_re.Pattern, ...] = ()  # the text shows what happened otherwise
    requires: linear_re.Pattern | None = None  # counts only with this in sight
    strength: float = 1.0  # share of CAUSAL_POINTS
    without_status: bool = False  # counts only when no HTTP status came back
    # The same cause in other languages, as regexes of their own: one regex holding the bounded
    # repeats of both halves made one automaton that took 4-8 ms on a 40 KB line.
    also: tuple[linear_re.Pattern, ...] = ()


# "the key is missing its colon / the secret": a malformed key, not an absent one
_KEY_PART_MISSING = linear_re.compile(
    r"missing (?:a |the |its |an )?(?:colon|secret|key ?id|part|prefix|scope|permission|admin)", re.I
)
# A module or package the text says is missing, by name: fal's own (fal_client, @fal-ai/client,
# fal-serverless) is client_setup; any other (requests, openai) is not fal's client at all.
_MISSING_MODULE = linear_re.compile(
    r"no module named\W{1,3}([\w.@/-]+)|cannot find (?:module|package)\W{1,3}([\w.@/-]+)"
    r"|module not found: (?:error: )?can't resolve\W{1,3}([\w.@/-]+)",
    re.I,
)
_FAL_MODULE = linear_re.compile(
    r"^(?:fal|fal_client|fal-client|@fal-ai|fal_serverless|fal-serverless|isolate)\b", re.I
)
_REALTIME_WORDS = linear_re.compile(REALTIME_VOCABULARY, re.I)
_CONCURRENCY = linear_re.compile(r"concurren", re.I)
# what else a caller fails to reach: an input's file or URL, its own webhook
_FILE_OR_HOOK = linear_re.compile(
    r"\b(?:urls?|images?|files?|videos?|audio|media|links?|assets?|webhooks?|callbacks?)\b", re.I
)
_UPLOAD_WORD = linear_re.compile(r"upload|上传|上傳|アップロード|업로드|subida|hochladen", re.I)
_HTML_FOR_JSON = linear_re.compile(
    r"unexpected token\W{0,4}<|<!doctype[^\n]{0,40}is not valid json|unexpected end of json input"
    # the same in Firefox's and Safari's words
    r"|json\.parse: unexpected character at line 1 column 1"
    r"|json parse error: unrecognized token\W{0,3}<",
    re.I,
)
_STATED_CAUSES: list[StatedCause] = [
    StatedCause(
        linear_re.compile(
            _KEY_WORD
            + _ENV_VARIABLE
            + r"\W{0,3}(?:\w+\W{1,3}){0,2}"
            + _KEY_ABSENT
            + r"|(?:\b(?:removed|deleted|stripped|took out|forgot(?: to set)?|without|no|missing|empty|blank"
            # "the bundle doesn't have FAL_KEY", "the container never got the api key"
            r"|(?:does|do|did)(?:n'?t| not) (?:have|get|include|contain|pass|send)|never (?:got|had|gets)"
            r"|lacks?|lacking"
            r"|falta(?:n)?|sin|sem|manque|fehlende[rns]?|kein(?:e|en)?|tanpa|senza)\W{1,3}"
            # RE2's \b is ASCII: a Cyrillic word starts after a space or the start instead
            r"|(?:^|\s)(?:нет|без)\s{1,3}"
            # Chinese runs its words together: "缺少API密钥", "未配置FAL_KEY"
            r"|(?:未配置|未设置|未設定|未提供|缺少|缺|没有配置|没有|沒有))\W{0,3}"
            r"(?:(?:the|our|a|an|la|el|o|le|les|den|die|das)\W{1,3})?"
            r"(?:\w+\W{1,3}){0,1}"
            + _KEY_WORD
            # a bare "key" is a dict key as often as a credential: only removing it says credential
            + r"|(?:removed|deleted|stripped|took out)\W{1,3}(?:(?:the|our|all)\W{1,3})?"
            r"(?:\w+\W{1,3})?keys?\b"
            # fal's own variable not found ("FAL_KEY was NOT found"): another vendor's "API key not
            # found" is its key store's answer, so only fal's variable counts here
            r"|\bfal_(?:api_)?key\b\W{0,3}(?:(?:is|was|were)\W{1,3}not|(?:is|was|were)n'?t|not)"
            r" (?:found|detected)",
            re.I,
        ),
        "missing_key",
        "the text says no key was set",
        unless=(_KEY_PART_MISSING,),
    ),
    StatedCause(
        # "API key required", `"code":"api_key_required"`: the server saw no key (a key of the wrong
        # scope is required is the key scope's cause, below)
        linear_re.compile(
            r"\b(?:api[ _-]?keys?|fal_key|fal key|credentials?)\W{0,3}(?:is |are )?required\b"
            r"|\bapi_key_(?:required|missing)\b|\bmissing_api_key\b",
            re.I,
        ),
        "missing_key",
        "the text says a key is required and none came",
        unless=(_KEY_PART_MISSING, linear_re.compile(r"\badmin\b|\bscope", re.I)),
    ),
    StatedCause(
        # the same key works locally and is refused where the code is deployed: the deployed
        # environment does not have it (a variable not set on Vercel, not passed to the container)
        linear_re.compile(
            r"\b(?:works?|worked|working|runs?|ran|is fine|was fine)\s(?:just\s)?"
            r"(?:fine\s|perfectly\s|well\s|ok\s|okay\s)?"
            r"(?:locally|on (?:my|our) (?:machine|laptop|computer|mac)|on localhost|in (?:local )?dev)\b"
            r"|\blocally (?:it |everything )?(?:works|worked|is fine|runs)\b"
            r"|funciona (?:bien |perfectamente )?(?:en local|localmente)|en local funciona"
            r"|funciona (?:bem |perfeitamente )?(?:localmente|em local|no meu computador)"
            r"|(?:fonctionne|marche) (?:bien |parfaitement )?en local"
            r"|en local (?:ça |cela )?(?:fonctionne|marche)"
            r"|lokal funktioniert|funktioniert (?:es )?lokal"
            r"|本地(?:可以|正常|没问题|能用|运行正常)|ローカルでは(?:動く|動作|問題)"
            r"|로컬에서는 (?:잘 )?(?:되|작동)",
            re.I,
        ),
        "missing_key",
        "the text says the key works locally but not where the code runs",
        requires=_AUTH_FAILURE,
    ),
    StatedCause(
        linear_re.compile(
            r"(?:endpoint|model(?: ?id)?|app(?:lication)? id|endpoint id|model path|url path)\W{1,3}"
            r"(?:is|was)\W{1,3}"
            r"(?:wrong|incorrect|invalid|misspelled|mistyped)"
            r"|\bwrong (?:endpoint|model(?: ?id)?|app id|model path)"
            # a retired endpoint: fal's own `"error": "EndpointDeprecated"`, or said in words
            r"|\bendpointdeprecated\b|\bendpoint (?:is |was )?no longer (?:supported|available|served)"
            r"|(?:endpoint|model(?: ?id)?|app(?:lication)? id|endpoint id)(?:\W{1,3}[\w.-]+/[\w./-]+)?"
            r"\W{1,3}(?:is|was|has been|got)"
            r"\W{1,3}(?:deprecated|retired|discontinued|sunset)\b"
            r"|endpoint (?:es |est[áa] )?(?:incorrecto|equivocado|err[óo]neo)"
            r"|endpoint (?:est[áa] )?(?:errado|incorreto)"
            r"|mauvais endpoint|endpoint (?:est )?incorrect|falsche[rn]? endpunkt|endpunkt (?:ist )?falsch"
            r"|端点错误|错误的端点|端点不正确|模型(?: ?id)?错误"
            r"|(?:模型|端点|endpoint)(?: ?id)? ?(?:写|填|拼|打)错"
            r"|エンドポイントが間違|モデル ?(?:id|名)が間違|모델 ?(?:id|이름)(?:가|이)? 잘못",
            re.I,
        ),
        "model_not_found",
        "the text says the endpoint is wrong",
    ),
    StatedCause(
        linear_re.compile(
            r"insufficient (?:balance|credits?|funds)"
            r"|(?:not|n't) (?:have )?enough (?:credits?|balance|funds)"
            r"|(?:account|user) (?:is |was |has been |got |remains |stays )?(?:locked|suspended)\b"
            # a quota that ends in the plan and billing ("You exceeded your current quota, please check
            # your plan and billing details"): money, not a rate
            r"|\bexceeded (?:your |the )?(?:current )?quota\W{1,3}(?:please )?check your plan and billing\b"
            r"|(?:balance|credits?) (?:is |are )?(?:exhausted|depleted|too low)|out of (?:credits?|balance)"
            # a balance below zero, in the languages fal's users write in
            r"|\bnegative (?:balance|credits?)\b"
            r"|\bbalance (?:is |was |went |goes |became |turned )?negative\b"
            r"|saldo negativo|solde n[ée]gatif|negative[sn]? guthaben|余额(?:为|是|变成|變成)?负"
            r"|負(?:の)?残高|残高がマイナス|잔액이 (?:마이너스|음수)"
            r"|saldo insuficiente|cr[ée]ditos? insuficientes?|sin (?:saldo|cr[ée]ditos)|saldo insufficiente"
            r"|credit[oi] (?:esaurit[oi]|insufficient[ei])|senza credit[oi]"
            r"|sem (?:saldo|cr[ée]ditos)|solde insuffisant|cr[ée]dits? insuffisants?"
            r"|guthaben (?:aufgebraucht|reicht nicht)|nicht gen[üu]gend guthaben"
            r"|余额不足|余額不足|额度不足|残高不足|残高がありません|クレジットが不足"
            # the account locked, in other words: "minha conta foi bloqueada", "账户被锁定"
            r"|\b(?:cuenta|conta|compte|konto|account)\s(?:\pL+\s){0,3}?(?:bloquead[oa]|bloqu[ée]e?|gesperrt|bloccat[oa]"
            r"|suspendid[oa]|suspens[oa]|suspendu)"
            r"|(?:账户|账号|帳戶)(?:已|已经)?被?(?:锁定|冻结|封禁)|アカウントが(?:ロック|停止)"
            r"|계정이 (?:잠겼|잠금|정지)"
            r"|(?:saldo|kredit) (?:tidak (?:cukup|mencukupi)|habis)",
            re.I,
        ),
        "billing",
        "the text says the balance ran out",
    ),
    StatedCause(
        # what goes wrong on the realtime socket itself, named in words (see `_REALTIME_WORDS`)
        linear_re.compile(
            r"socket is not connected|not connected to (?:the )?(?:socket|websocket)"
            r"|\bon_?result\b[^\n]{0,60}?\b(?:twice|two times|called (?:again|more than once))"
            r"|(?:socket|connection) (?:keeps )?"
            r"(?:closes|closed|closing|drops|dropped|disconnects|disconnected)"
            r"|\b1006\b|abnormal closure|websocket (?:handshake|connection) (?:failed|error|closed)"
            # a peer connection or its ICE that failed, a STUN server that does not answer
            r"|\bice (?:connection )?(?:state\W{0,3})?(?:failed|disconnected)\b"
            r"|connection ?state\W{0,3}(?:failed|disconnected|closed)\b"
            r"|\bstun\b[^\n]{0,30}?\btim(?:es|ed) ?out"
            # the connection drops, said in the other languages fal's users write in
            r"|接続が(?:すぐ|頻繁に|突然)?(?:切れ|切断)|连接(?:总是|经常|老是)?(?:断开|中断|断了)|連線(?:中斷|斷開)|斷線"
            r"|연결(?:이)? (?:자주 |계속 )?끊|conexi[óo]n[^\n]{0,30}?\bse (?:cae|corta|cierra)"
            r"|conex[ãa]o[^\n]{0,30}?\b(?:cai|caiu|fecha|fechou)\b|connexion[^\n]{0,30}?\bse (?:coupe|ferme)"
            r"|verbindung[^\n]{0,30}?\b(?:bricht|rei(?:ß|ss)t)\b[^\n.;]{0,30}?\bab\b|\btrennt sich\b"
            r"|соединение (?:обрывается|закрывается|разрывается)"
            r"|\bse desconecta|\bdesconect(?:a|ou|ó)\b|\bse d[ée]connecte|отключается|\bterputus\b"
            r"|切断され|断开连接|끊어(?:져|집니다|졌)",
            re.I,
        ),
        "realtime",
        "the text says the realtime socket failed",
        requires=_REALTIME_WORDS,  # a socket error with no realtime call in sight is the network's
    ),
    StatedCause(
        # a request that waits in fal's queue far longer than it should (more than the account's
        # concurrency: see `stated_causes`)
        linear_re.compile(
            r"\bin_queue\b[^\n]{0,80}?"
            r"\b(?:for (?:over |more than |about )?\d+|indefinitely|forever|never|hours?|stuck"
            r"|after (?:over |more than )?\d+\s?(?:min|mins|minutes|h|hours?))\b"
            # the same wait said in the other languages fal's users write in: "reste IN_QUEUE pendant des
            # heures", "fica em IN_QUEUE para sempre", "seit Stunden IN_QUEUE"
            r"|\bin_queue\b[^\n]{0,60}?(?:pendant des heures|depuis des heures|ind[ée]finiment|para sempre"
            r"|para siempre|por horas|durante horas|h[áa]ce horas|stundenlang|seit stunden|per ore|da ore"
            r"|all'infinito|berjam-jam|часами|好几个小时|幾個小時|何時間も|몇 시간째)"
            r"|(?:seit stunden|depuis des heures|h[áa]ce horas|da ore)[^\n]{0,30}?\bin_queue\b"
            r"|\bstuck\b[^\n]{0,40}?(?:\bin_queue\b|\bin (?:the )?queue\b|\bqueued\b)"
            r"|\bqueue (?:is |was )?(?:backed up|stuck|not moving|never (?:moves|progresses))"
            # "jobs sit in the queue forever", "requests waiting in queue for hours"
            r"|\b(?:sits?|sitting|sat|waits?|waiting|waited|stays?|staying|stayed|hangs?|hanging|hung)"
            r" (?:in|on) (?:the |fal's )?queue\b[^\n]{0,40}?\b(?:forever|indefinitely|for (?:hours|ages|ever"
            r"|over |more than |\d+)|all day|since)"
            r"|(?:never|doesn't|does not|won't) (?:leaves?|starts?|progress(?:es)?|gets? out of)\b"
            r"[^\n]{0,30}?\b(?:the queue|in_queue)\b"
            r"|atascad[oa] en (?:la )?cola|pres[oa] na fila|bloqu[ée]e? dans la file"
            r"|h[äa]ngt in der warteschlange"
            r"|一直(?:在)?排队|卡在(?:排队|队列)|キューで止ま"
            # fal's own state name in a sentence of Chinese, Japanese or Korean: "一直卡在 IN_QUEUE",
            # "IN_QUEUE のまま", "IN_QUEUE 상태에서 멈춰"
            r"|(?:卡在|一直|停在|停留在|ずっと|계속)\s?(?:在\s?)?(?:in_queue|in_progress)\b"
            r"|\b(?:in_queue|in_progress)\s?(?:状态|狀態|の?まま|で止ま|상태(?:에서|로)|에서)"
            r"[^\n]{0,12}?(?:不动|不動|没动|沒動|卡|動かな|進まな|止ま|진행|멈|안)"
            # the same in more words and languages: "se queda en la cola", "fica na fila", "reste dans
            # la file", "bleibt in der Warteschlange", "排队很久", "キューから進まない", "대기열에서 멈춰",
            # "macet di antrean", "застрял в очереди"
            r"|(?:se queda|sigue|contin[úu]a) (?:(?:atascad[oa] )?en (?:la )?cola|encolad[oa])"
            r"|(?:fica|continua) (?:pres[oa] |parad[oa] )?na fila|reste (?:bloqu[ée]e? )?dans la file"
            r"|bleibt in der warteschlange|warteschlange (?:h[äa]ngt|bewegt sich nicht)"
            r"|排队(?:很久|太久|不动|半天)|(?:卡|停)在(?:了)?(?:队列|佇列|排隊)|排隊(?:很久|太久)"
            r"|(?:队列|排队)中?卡住"
            r"|キュー(?:から|で|に)[^\n]{0,6}?(?:進ま|止ま|詰ま|滞留)|キューに入った(?:まま|きり)|待機中のまま"
            r"|대기열(?:에서|에)[^\n]{0,10}?(?:멈|안 ?움직|진행되지|머물)"
            r"|(?:macet|terjebak|tertahan|tersangkut) di (?:antrean|antrian)"
            r"|(?:застрял[аи]?|висит|зависает|висят) в очереди",
            re.I,
        ),
        "queue_timeout",
        "the text says the request sat in the queue",
        # a connection that timed out is the network's; waiting for a concurrency slot the rate limit's
        unless=(_NO_ANSWER, _CONCURRENCY),
    ),
    StatedCause(
        # the key itself refused, said in words: "fal.ai rejected the key (403)", "the key is invalid".
        # A 403 usually means a locked account at fal; the words say which key problem it was.
        linear_re.compile(
            r"\b(?:rejected|refused|did not accept|didn't accept|does not accept|doesn't accept)"
            r" (?:the |our |my |your |this |that )?(?:fal(?:\.ai)? )?(?:api[ _-]?)?(?:key|credential)s?\b"
            r"|\b(?:api[ _-]?)?key (?:is |was |got |has been )?"
            r"(?:invalid|revoked|wrong|incorrect|expired|rejected|refused|not accepted)\b",
            re.I,
        ),
        "invalid_key",
        "the text says the key was refused",
        # a locked account or its balance, a key's scope, or no key at all explain a refusal better
        unless=(
            linear_re.compile(
                r"balance|credit|(?:\b|_)locked|billing|top up|saldo|余额|残高|잔액"
                r"|\badmin\b|\bscope|missing|not set",
                re.I,
            ),
        ),
        requires=linear_re.compile(r"\b40[13]\b|forbidden|unauthori[sz]ed", re.I),
    ),
    StatedCause(
        # a checker's verdict on the content itself, in an app's words and with no status beside it:
        # "Content flagged for review", "your prompt was flagged as inappropriate"
        linear_re.compile(
            r"\b(?:content|prompts?|images?|inputs?|outputs?|generations?|requests?)"
            r" (?:was |were |has been |have been |got |is |are )?flagged\b",
            re.I,
        ),
        "content_policy",
        "the text says the content was flagged",
        # (a record marked for housekeeping is no checker's verdict)
        unless=(linear_re.compile(r"flagged (?:for|as) (?:retry|deletion|removal|migration|later)", re.I),),
        without_status=True,
    ),
    StatedCause(
        # an app's own words for a refused API key, with or without a status: "Media generation
        # failed: Invalid or expired API key", "API key is not valid", `invalid_api_key`
        linear_re.compile(
            r"\b(?:invalid|incorrect|expired|revoked)(?: or (?:invalid|incorrect|expired|revoked))?"
            r" (?:fal(?:\.ai)? )?api[ _-]?keys?\b"
            r"|\bapi[ _-]?key (?:is |was |has been )?(?:invalid|incorrect|expired|revoked)\b"
            # ("API key not valid. Please pass a valid API key." is Google's own message)
            r"|\bapi[ _-]?key (?:is|was) not valid\b"
            r"|\binvalid_api_key\b",
            re.I,
        ),
        "invalid_key",
        "the text says the API key is invalid",
        unless=(
            linear_re.compile(
                r"balance|credit|(?:\b|_)locked|billing|top up|\badmin\b|\bscope|missing|not set|no api key",
                re.I,
            ),
        ),
    ),
    StatedCause(
        # the key works but its scope does not allow the call: fal's billing and usage endpoints want
        # an ADMIN-scope key, and answer an API-scope key with 403 (which otherwise reads as billing)
        linear_re.compile(
            # always the key's scope or an admin key, never bare "permissions" (a bucket has those too)
            r"\b(?:admin|api)[- ]scoped?\b[^\n]{0,30}\bkeys?\b|\bkeys?\b[^\n]{0,30}\b(?:admin|api)[- ]scope\b"
            r"|\bscope\W{0,3}admin\b|\badmin (?:api )?key\b[^\n]{0,40}\b(?:required|needed|requires?)"
            r"|\b(?:requires?|needs?) an? admin (?:api )?key\b"
            r"|\bkeys?\b[^\n]{0,20}insufficient (?:permissions?|scopes?)"
            r"|(?:키|密钥|キー)[^\n]{0,12}(?:권한이 (?:부족|없)|权限不足|権限が(?:不足|ありません))"
            r"|(?:권한이 (?:부족|없)|权限不足|権限が(?:不足|ありません))[^\n]{0,12}(?:키|密钥|キー)"
            r"|(?:clave|chave)[^\n]{0,20}(?:permisos|permiss[õo]es) insuficientes",
            re.I,
        ),
        "invalid_key",
        "the text says the key's scope does not allow the call",
    ),
    StatedCause(
        # a safety checker's verdict: fal's (like diffusers') replaces a flagged image with a black one
        linear_re.compile(
            r"\bnsfw\b[^\n]{0,40}\b(?:detected|flagged|filter(?:ed)?|concepts?)\b"
            r"|\b(?:detected|flagged)\b[^\n]{0,30}\bnsfw\b|has_nsfw_concepts\W{0,8}true"
            r"|\bblack (?:images?|outputs?|results?|pictures?|frames?)\b"
            r"|\b(?:images?|outputs?|results?|generations?) "
            r"(?:(?:are|is|come|comes|came) (?:back )?|returned )(?:all |completely |entirely |just )?black\b"
            r"|imagen(?:es)? negras?|imagens? pretas?|images? noires?|schwarze[ns]? bild"
            r"|黑图|全黑|黒い画像|真っ黒",
            re.I,
        ),
        "content_policy",
        "the text says the safety checker flagged the output",
    ),
    StatedCause(
        # the output or the content itself said to be filtered out or blocked ("generated image was
        # filtered", "filtered out images that appeared to include children", "You will not be
        # charged for blocked images"), or unsafe content said to be found in it ("We detected unsafe
        # content in your text inputs"): a refusal of the content, whoever's filter it was. A request,
        # a call or a host said to be blocked is another family's (CORS, a firewall).
        linear_re.compile(
            r"\b(?:generated |output |input |result )?(?:images?|videos?|outputs?|results?|generations?"
            r"|content|pictures?|photos?) (?:was |were |is |are |got |has been |have been |being )"
            r"(?:(?:automatically|silently|all) )?(?:filtered(?: out)?|blocked|censored)\b"
            r"|\bfiltered out (?:the |your |all |any |some )?(?:generated )?"
            r"(?:images?|videos?|outputs?|results?|content|pictures?)\b"
            r"|\b(?:blocked|filtered|censored) (?:generated )?(?:images?|videos?|outputs?|generations?)\b"
            r"|\b(?:detected|found|contains?|containing|flagged(?: as)?) (?:potentially )?"
            r"(?:unsafe|inappropriate|harmful|explicit|disallowed|prohibited) (?:content|material|images?)\b",
            re.I,
        ),
        "content_policy",
        "the text says the content was filtered or blocked",
    ),
    StatedCause(
        # a file fal made or stored worked once and fails now: the file expired (fal deletes outputs
        # and uploads after their lifetime), it is no wrong endpoint or lost credit. Only a file's
        # URL counts: an endpoint's, a webhook's or a status URL's 404 is another problem.
        linear_re.compile(
            r"\b(?:image|images|video|videos|media|file|files|output|outputs|result|results|generated"
            r"|cdn|storage|asset|assets|audio|picture|photo|download|uploaded|saved|fal\.media)"
            # (within the same clause: "no video url; the result fetch answers 404" is no expiry)
            r"[ _-](?:urls?|links?)\b[^\n.;]{0,60}?(?:\bexpir|\b(?:dead|broken|gone)\b"
            r"|\bno longer (?:works?|loads?|valid|available|accessible|exists?|opens?)\b"
            r"|\b(?:returns?|returned|gives?|gave|giving|throws?|answers?|responds? with|shows?|is|are"
            r"|got|gets) (?:an? |now )?(?:40[34]|410|not found|forbidden|access ?denied)\b)"
            r"|\bexpired (?:image|video|media|file|output|result|cdn|fal\.media)?[ _-]?(?:urls?|links?)\b"
            # the file itself said to expire, or to live only so long: "when an image expires the
            # dialog shows it broken", "images generated by the API are only accessible for one hour"
            r"|\b(?:images?|videos?|pictures?|photos?|files?|outputs?|results?|media|assets?|renders?"
            r"|generations?)"
            r" (?:(?:[\w-]+ ){0,3}?(?:will |would |also )?(?:expires?|expired|expiring)\b"
            r"|(?:[\w-]+ ){0,4}?(?:are|is|stay|stays|remain|remains) (?:only )?(?:accessible|available"
            r"|valid|kept|stored|hosted|retained|live)(?: only)? for (?:only )?(?:\d+|an?|one|a few)"
            r" ?(?:hours?|days?|minutes?|mins?|h|d)\b)"
            # "el enlace de la imagen caducó", "a url do vídeo expirou", "l'URL de l'image a expiré"
            r"|\b(?:enlace|url|link|lien)s?\b[^\n]{0,40}?(?:caduc(?:[óo]|ado|aron)|expir(?:[óo]|ado|aron|ou|aram|é)"
            r"|[èe] scadut[oa]|sono scadut[ie])"
            r"|(?:图片|图像|视频|文件|结果|媒体)(?:的)?(?:链接|地址|url)(?:已经?|都)?(?:过期|失效|過期)"
            r"|(?:画像|動画|ファイル|メディア)(?:の)?(?:url|リンク)(?:が|は)?(?:期限切れ|失効|切れ)"
            r"|(?:이미지|영상|파일|미디어) ?(?:url|링크)(?:이|가)? ?만료"
            # the link of a generated file that now answers 404 or will not open: "图片链接过了一天就 404 了"
            r"|(?:图片|图像|视频|文件|结果|媒体)(?:的)?(?:链接|地址|url)[^\n。；]{0,16}?(?:40[34]|打不开|打不開)"
            r"|(?:画像|動画|ファイル|メディア)(?:の)?(?:url|リンク)[^\n。]{0,16}?(?:40[34]|開けな|開かな)"
            r"|(?:이미지|영상|파일|미디어) ?(?:url|링크)[^\n.]{0,16}?(?:40[34]|열리지 않|안 열)",
            re.I,
        ),
        "file_url",
        "the text says a file's URL that worked has expired",
    ),
    StatedCause(
        # a file too large to send, as an image storage's upload API words it with both sizes in bytes
        # ("File size too large. Got 22233197. Maximum is 10485760."). (Wider wordings, "file is too
        # big", "file size exceeds", also stand in other families' texts: an input's limits, a log's.)
        linear_re.compile(r"\bgot \d{4,}\.? maximum is \d{4,}\b", re.I),
        "file_url",
        "the text says the file is too large to send",
    ),
    StatedCause(
        # the text calls the input's link itself bad: "used an invalid image URL", "a broken video link"
        linear_re.compile(
            r"\b(?:invalid|bad|broken|dead|unreachable|inaccessible) (?:input |reference |source )?"
            r"(?:image|video|audio|file|media) (?:urls?|links?)\b",
            re.I,
        ),
        "file_url",
        "the text says the input's link was bad",
    ),
    StatedCause(
        # an input file on the sender's own machine, which fal cannot fetch: "fal.ai can't access
        # localhost", "images from localhost URLs", an upload served at http://localhost:5000/uploads/
        linear_re.compile(
            r"\blocalhost (?:urls?|links?|addresses|images?|files?)\b"
            r"|\b(?:can't|cannot|can not|could not|couldn't|unable to|fails? to|failed to)"
            r" (?:access|reach|load|download|fetch|read)\b[^\n.;]{0,40}?\blocalhost\b"
            r"|\bhttps?://(?:localhost|127\.0\.0\.1)(?::\d{2,5})?/(?:uploads?|media|images?|files?|tmp|temp)/",
            re.I,
        ),
        "file_url",
        "the text says an input file's URL is on localhost, out of fal's reach",
        also=(
            linear_re.compile(
                r"не (?:мог|может|могут|смог|удалось)\pL*\s(?:загрузить|скачать|получить|открыть)"
                r"[^\n.;]{0,40}?\blocalhost\b",
                re.I,
            ),
        ),
    ),
    StatedCause(
        # a file said not to download or load, in the passive or in another language: "the image could
        # not be downloaded: HTTP 404", "Bild von fal.ai nicht ladbar", "fal.ai вернул недоступный файл",
        # "画像のダウンロードに失敗しました". The status beside it is the file's, not an endpoint's.
        linear_re.compile(
            r"\b(?:image|images|video|videos|file|files|media|audio|output|outputs|result|results|picture"
            r"|photo|asset)\b(?:[^\n.;]|\.\S){0,40}?"
            r"\b(?:could not|couldn't|cannot|can't|can not|failed to) be"
            r" (?:downloaded|loaded|fetched|retrieved)\b"
            r"|\b(?:inaccessible|unreachable|unavailable|undownloadable)"
            r" (?:image|video|audio|media|file|output|result)s?\b"
            # the same in the active voice, naming where it came from: "Failed to fetch cover image from
            # https://…: 403 Forbidden", "could not download the video from the URL"
            r"|\b(?:failed to|could not|couldn't|cannot|can't|unable to) (?:download|fetch|load|retrieve)"
            r" (?:[\w-]+ ){0,3}?"
            r"(?:image|video|audio|file|media|asset|thumbnail|picture|photo)s? from\b"
            # an error met while downloading a file or a URL: "HTTP error while downloading
            # https://…: 403", "Error while downloading the image", "error downloading video"
            r"|\b(?:error|failure|exception|timeout|timed out) (?:while |when |during )?"
            r"(?:downloading|fetching|retrieving) (?:the |an? |input |source |reference )?"
            r"(?:(?:[\w-]+ ){0,2}?(?:image|video|audio|file|media|asset|thumbnail|picture|photo)s?\b"
            # ...or a file by its name ("Timeout while downloading 20250503_162129.jpg")
            r"|https?://|[\w-][\w.-]*\.(?:jpe?g|png|gif|webp|bmp|tiff?|heic|avif|mp4|mov|webm|mkv|mp3"
            r"|wav|m4a|ogg|flac)\b)",
            re.I,
        ),
        "file_url",
        "the text says a file could not be downloaded",
        also=(
            linear_re.compile(
                r"\b(?:bild|bilder|datei|dateien|video|audio|ergebnis)\b(?:[^\n.;]|\.\S){0,40}?"
                r"\bnicht (?:ladbar|abrufbar|herunterladbar|erreichbar|geladen werden|heruntergeladen werden)"
                r"|недоступн\pL{0,4}\s(?:файл|изображени|видео|аудио)"
                r"|не удалось (?:скачать|загрузить) (?:файл|изображени|видео|аудио)"
                r"|no se (?:pudo|puede) (?:descargar|cargar) (?:la |el )?(?:imagen|archivo|v[íi]deo|audio)"
                r"|n[ãa]o foi poss[íi]vel (?:baixar|carregar) (?:a |o )?(?:imagem|arquivo|v[íi]deo|[áa]udio)"
                r"|impossible de (?:t[ée]l[ée]charger|charger) (?:l'|le |la )?(?:image|fichier|vid[ée]o)"
                r"|(?:画像|動画|ファイル|音声)(?:の)?(?:ダウンロード|読み込み)(?:に)?失敗"
                r"|(?:图片|图像|視頻|视频|文件|音频)(?:下载|下載|加载|加載)(?:失败|失敗)"
                r"|(?:下载|下載|加载|加載)(?:图片|图像|视频|視頻|文件)(?:失败|失敗)"
                r"|(?:이미지|영상|비디오|파일)[^\n.]{0,10}?(?:다운로드|불러오)[^\n.]{0,8}?"
                r"(?:실패|못 ?했|수 없)"
                # the service could not get the file, said of it in Korean: "fal 이 템플릿을 못 받아"
                r"|(?:이미지|영상|비디오|파일|템플릿|링크)(?:을|를)? ?못 ?(?:받|가져|불러|읽)",
                re.I,
            ),
        ),
    ),
    StatedCause(
        # the call worked but the result lacks what the code reads: the output's shape, not the input
        linear_re.compile(
            # (RE2's \b is ASCII: a Chinese or Japanese word is followed by no boundary it knows)
            r"(?:(?:completed|succeeded|successful(?:ly)?|success|returned|retornou|devolvi[óo]|termin[óo]"
            r"|concluiu|a r[ée]ussi|erfolgreich)\b|成功|完了)[^\n]{0,120}?"
            r"(?:\b(?:no|without|sem|sin|sans|ohne|missing|empty|undefined|null)\W{1,3}(?:\w+\W{1,3})?"
            r"(?:output|result|video|image|audio)(?:_?urls?|s)?\b"
            r"|(?:url|video_url|image_url|images|output)\W{1,3}(?:is |was )?"
            r"(?:missing|empty|undefined|null)\b)"
            # the answer lacks the field the code reads: "the response has no images field", "la respuesta
            # no trae video_url", "a resposta não tem o campo images", "die Antwort enthält kein images Feld"
            r"|\b(?:response|result|output|payload|respuesta|resposta|r[ée]ponse|r[ée]sultat|antwort|ergebnis)\b"
            r"[^\n.;]{0,30}?\b(?:has no|had no|contain(?:s|ed)? no|doesn't (?:have|contain|include)"
            r"|(?:does|did) not (?:have|contain|include)|didn't (?:have|contain|include)|lacks"
            r"|no (?:contiene|tiene|trae|incluye)"
            r"|n[ãa]o (?:tem|cont[ée]m|traz|inclui)"
            r"|ne contient (?:pas|plus)|enth[äa]lt kein(?:e|en)?)\b\W{1,3}"
            r"(?:(?:the|an?|any|o|a|el|la|le|de|d'|das|den|field|campo|champ|feld)\W{1,3}){0,2}"
            r"(?:images?|videos?|url|urls|image_url|video_url|audio_url|audio|outputs?|data)\b",
            re.I,
        ),
        "output_format",
        "the text says the result lacks a field the code reads",
        # "returned 500", "image_url": null: the service answered with an error status, so the empty
        # result field is the error's consequence, not a result of the wrong shape
        unless=(_ERROR_STATUS_RETURNED,),
        # what the code saw, often a symptom of something earlier (a wrong path, a queue envelope read
        # as the result): it outweighs resemblance, not fal's exact wording
        strength=0.5,
        also=(
            linear_re.compile(
                # the same in Korean, Japanese, Chinese and Russian: "응답에 이미지 URL이 없습니다",
                # "から画像URLが返っていません", "返回未包含图片 URL", "в ответе нет URL"
                r"응답(?:에|에는|에서)?[^\n.]{0,12}?(?:url|필드|주소|링크)(?:이|가|는)? ?(?:없|비어)"
                r"|(?:応答|レスポンス|結果|返り値)(?:に|には|の中に)[^\n。]{0,12}?(?:url|フィールド|リンク)\s?(?:が|は)?\s?"
                r"(?:ありません|含まれていません|ない|見つかりません)"
                r"|(?:画像|動画|音声)\s?(?:url|URL)(?:が|は)?返(?:っていません|りませんでした|ってきません|らない|ってこない)"
                r"|(?:响应|回应|回應|返回(?:结果|數據|数据)?|结果|結果)(?:中|里|裡|内)?[^\n。]{0,4}?"
                r"(?:没有|沒有|缺少|未包含|不包含)[^\n。]{0,6}?(?:url|链接|鏈接|地址|字段|欄位)"
                r"|(?:ответ|результат)\pL{0,3}\s(?:\pL+\s){0,3}?(?:нет|без|не содержит|отсутству\pL{0,3})"
                r"\s(?:\pL+\s)?(?:url|ссылк|пол[ея])"
                # ...and in Vietnamese, Indonesian, Turkish, Italian: "response không chứa URL ảnh",
                # "trả về không có video URL", "respons tidak berisi url", "yanıtta url yok",
                # "la risposta non contiene"
                r"|(?:response|phản hồi|kết quả|trả về)[^\n.]{0,12}?(?:không (?:chứa|có)|thiếu)\s"
                r"(?:\pL+\s){0,2}?(?:url|video|ảnh|hình)"
                r"|(?:respons|hasil)\s(?:\pL+\s){0,2}?tidak (?:berisi|ada|memiliki|mengandung)"
                r"\s(?:\pL+\s)?url"
                r"|yan[ıi]t(?:ta|ında)?\s(?:\pL+\s){0,2}?url\s(?:yok|bulunamad)"
                r"|(?:la )?risposta\s(?:\pL+\s){0,2}?non (?:contiene|ha)\s(?:\pL+\s){0,2}?"
                r"(?:url|immagin|video)",
                re.I,
            ),
            # the service said to have delivered or returned no image, video or URL: "fal.ai liefert
            # keine Bild-URL", "lieferte kein Bild", "hat kein Bild generiert", "no devolvió ninguna
            # imagen", "não retornou nenhuma imagem", "n'a renvoyé aucune image", "did not return an
            # image url", "returned no images"
            linear_re.compile(
                r"\b(?:liefert|lieferte|gibt|gab|hat|hatte)\s(?:\pL+\s)?kein(?:e|en)?\s"
                r"(?:bild|bilder|video|url|bild-url|video-url|ergebnis)\b"
                r"|\bno (?:devolvi[óo]|devuelve|retorn[óo]|regres[óo]|gener[óo])\s(?:(?:ning[úu]na?|una?)\s)?"
                r"(?:imagen|imágenes|imagenes|video|vídeo|url)"
                r"|\bn[ãa]o (?:retornou|devolveu|gerou|trouxe)\s(?:(?:nenhuma?|uma?)\s)?"
                r"(?:imagem|imagens|v[íi]deo|url)"
                r"|\bn'a (?:renvoy[ée]|retourn[ée]|g[ée]n[ée]r[ée]) (?:aucune?|pas d')\s?"
                r"(?:image|vid[ée]o|url)"
                # (the usual French order: "n'a pas retourné d'image", "n'a pas renvoyé de vidéo")
                r"|\bn'a pas (?:renvoy[ée]|retourn[ée]|g[ée]n[ée]r[ée]|fourni|livr[ée]) (?:d'|de )\s?"
                r"(?:images?|vid[ée]os?|url)"
                r"|\b(?:did not|didn't|does not|doesn't) return (?:an?|any) (?:image|video|output)s?"
                r"(?: url)?\b"
                r"|\breturned no (?:image|video|output)s?(?: urls?)?\b",
                re.I,
            ),
            # the URL the code looks for in the result, said not found: "image URL not found in
            # response", "URL d'image non trouvée", "aucune URL de vidéo", "URL de imagen no encontrada"
            linear_re.compile(
                r"\b(?:image|video|audio|output|result)[ _]url (?:was |is )?not found\b"
                r"|\bno (?:image|video|audio|output|result)[ _]url"
                r" (?:found|in (?:the )?(?:response|result))\b"
                r"|\burl (?:d'|de l'|de )?(?:image|vid[ée]o|imagen|imagem|v[íi]deo|audio|r[ée]sultat)"
                r" (?:non trouv[ée]e?|introuvable|no encontrad[ao]|n[ãa]o encontrad[ao])"
                r"|\baucune url (?:d'|de )(?:image|vid[ée]o)",
                re.I,
            ),
        ),
    ),
    StatedCause(
        # the caller's own AbortSignal fired (a timeout it set, a newer request replacing this one):
        # "The operation was aborted", "AbortError: This operation was aborted", "signal is aborted
        # without reason". Node's bare "Error: aborted" is a dropped socket, the network's.
        linear_re.compile(
            r"\b(?:the|this) operation was aborted\b|\baborterror\b|\bsignal (?:is|was) aborted\b", re.I
        ),
        "queue_timeout",
        "the caller's own abort signal stopped the request",
    ),
    StatedCause(
        _ANSWER_WAIT_RAN_OUT,
        "queue_timeout",
        "the client stopped waiting for the answer (a headers or body timeout)",
        # a connect timeout shown beside it: the connection never came up
        unless=(
            linear_re.compile(r"und_err_connect_timeout|connecttimeouterror|connect timeout error", re.I),
        ),
    ),
    StatedCause(
        # "timed out" in the other languages (the English wording is in the knowledge base's own
        # texts); a connection that timed out is the network's, see `_NO_ANSWER`
        linear_re.compile(
            r"tiempo de espera (?:agotado|excedido)|se agot[óo] el tiempo|tempo (?:limite )?esgotado"
            r"|d[ée]lai (?:d'attente )?(?:d[ée]pass[ée]|expir[ée])|zeit[üu]berschreitung"
            r"|超时|超時|タイムアウト|時間切れ|시간(?:이)? 초과|타임아웃"
            r"|тайм-?аут|превышено время|истекло время"
            r"|waktu (?:tunggu )?habis|batas waktu (?:habis|terlampaui)",
            re.I,
        ),
        "queue_timeout",
        "the text says the request timed out",
        unless=(_NO_ANSWER,),  # the connection timed out: the network's cue says so
    ),
    StatedCause(
        # the caller's own host cut the wait short: its function's time limit ("maxDuration = 300",
        # "edge fn times out at 150s", "the function is killed mid-flight") while fal still worked
        linear_re.compile(
            # (a limit only named, "maxDuration 120", is configuration, not what stopped the call)
            r"\b(?:maxduration|function(?:'s)? (?:timeout|time ?limit|duration limit))\b[^\n.;]{0,80}?"
            r"\b(?:kill(?:s|ed)?|cap|ceiling|exceed(?:s|ed)?|breach(?:es|ed)?|cuts? off)\b"
            r"|\b(?:kill(?:s|ed)?|breach(?:es|ed)?|exceed(?:s|ed)?)\b[^\n.;]{0,40}?"
            r"\b(?:maxduration|function(?:'s)? (?:timeout|time ?limit))\b"
            r"|\b(?:edge|serverless|lambda|cloud) (?:function|fn)s?\b[^\n.;]{0,40}?"
            r"\b(?:times? out|timed out|time ?limit|killed|hard cap)\b"
            r"|\bfunction (?:is|was|gets|got) killed\b|\bfunction_invocation_timeout\b",
            re.I,
        ),
        "queue_timeout",
        "the text says the caller's own host stopped waiting",
        unless=(_NO_ANSWER,),
    ),
    StatedCause(
        # fal has no FAILED state: a request that failed ends COMPLETED and carries the error
        # ("returns 'COMPLETED' status but ... the actual gen failed", "errors with COMPLETED status")
        linear_re.compile(
            r"\bcompleted\b['\"`]?(?: status)?\b[^.;]{0,80}?\b(?:gen(?:eration)? failed|failed|errors?)\b"
            r"|\berrors?\b[^\n.;]{0,30}?\b(?:with|as|in) (?:a |the )?['\"`]?completed['\"`]? status\b",
            re.I,
        ),
        "queue_timeout",
        "the text says a failed request ended COMPLETED",
        # the error it carries, when shown (an error_type, a typed detail), says what went wrong itself
        unless=(_NO_ANSWER, linear_re.compile(r"error_type", re.I), _TYPED_ERROR),
        strength=0.5,
    ),
    StatedCause(
        # the wait ran out, said without the word timeout: "still not ready after 5 minutes", "took
        # too long", "5分たっても画像ができませんでした", "hat zu lange gedauert", "耗时过长"
        linear_re.compile(
            r"\b(?:not|never|wasn't|isn't|hasn't been) (?:yet )?"
            r"(?:ready|done|finished|complete[d]?|generated|returned)\b[^\n.;]{0,20}?"
            r"\bafter (?:\d+|an?) ?(?:s|secs?|seconds?|mins?|minutes?|hours?)\b"
            r"|\b(?:took|takes|taking) (?:way |far |much )?too long\b"
            # said as a plain complaint: "wan2.5 is taking very long", "im waiting 30+ minutes today"
            r"|\b(?:is|are|was|were|been|keeps?) taking (?:very|so|really|extremely|super) long\b"
            r"|\btaking (?:forever|ages)\b"
            r"|\b(?:i'?m|i am|we'?re|we are|been|still) waiting (?:for )?(?:over |more than )?"
            r"\d+\+? ?(?:mins?|minutes?|hours?|hrs?)\b"
            # a wait longer than the caller allowed, as a number: "tardó más de 40s en responder",
            # "demorou mais de 10 minutos", "a mis plus de 2 minutes", "took more than 5 minutes"
            r"|\b(?:took (?:more|longer) than|tard[óo] m[áa]s de|demorou mais de"
            r"|(?:a|ont) (?:mis|pris) plus de|(?:hat|dauerte) l[äa]nger als|занял\pL{0,2} (?:больше|более))"
            r" \d+\s?(?:s|secs?|seconds?|seg|segundos?|sek|sekunden|secondes?|mins?|minut\pL{0,2}|minuten"
            r"|h|hours?|horas?|heures?|stunden|сек|мин|час)" + _END +
            # no answer within the caller's wait: "did not respond within 10 minutes", "не ответил за 10
            # минут", "не отдал файлы вовремя"
            r"|\b(?:did ?n[o']t|has ?n[o']t|never) (?:respond|answer|reply|finish|complete)\b[^\n.;]{0,20}?"
            r"\b(?:within|in|after) (?:\d+|an?) ?(?:s|secs?|seconds?|mins?|minutes?|hours?)\b"
            r"|не (?:ответил|отдал|вернул|завершил|закончил)\pL{0,2}\s(?:\pL+\s){0,2}?(?:за|в течение)\s"
            r"\d+\s?(?:сек|мин|час)|не (?:ответил|отдал|вернул)\pL{0,2}\s(?:\pL+\s)?вовремя"
            r"|\d+\s?(?:分|秒|時間)(?:たっても|経っても|待っても)[^\n。]{0,24}?(?:でき|終わ|完了し|返ら|届か)"
            r"|時間がかかりすぎ|(?:耗时|用时|用時|等待时间|等待時間)(?:过长|過長|太长|太長|太久)"
            # a wait past the caller's limit: "耗时超出 01:00 图片生成失败", "用时超过 5 分钟"
            r"|(?:耗时|耗時|用时|用時)(?:超出|超过|超過)"
            r"|너무 오래 걸"
            r"|tard[óo] demasiado|demor[óo] (?:demasiado|demais)|a pris trop de temps|prend trop de temps"
            r"|(?:hat|dauert|dauerte) (?:viel )?zu lange|слишком долго|terlalu lama",
            re.I,
        ),
        "queue_timeout",
        "the text says the request took too long",
        # a connection that never came up, or an upload that crawls, is another family's wait
        unless=(_NO_ANSWER, _UPLOAD_WORD),
    ),
    StatedCause(
        # the work itself ran out of time, in an app's or worker's words: "your task is timeout",
        # "image_poll_timeout", "Generation failed / Timeout 4 minutes", a client that gave up "while
        # the image generation is still in progress" (a connection that timed out is the network's)
        linear_re.compile(
            r"(?:generation|task|job|prediction|render(?:ing)?|poll(?:ing)?)[ _-]?(?:(?:is|has|was|got) )?"
            r"(?:timed?[ _-]?out|timeout)\b"
            # a line of its own, as an app shows it (not a platform's "hit its timeout of 300s")
            r"|(?m:^)[ \t]*timeout:? (?:after )?\d+ ?(?:s|secs?|seconds?|mins?|minutes?)\b"
            r"|\bwhile (?:the )?(?:\w+ )?(?:generation|job|task|render(?:ing)?) (?:is|was) still"
            r" (?:in progress|running|processing|going)",
            re.I,
        ),
        "queue_timeout",
        "the text says the generation (task, job) ran out of time",
        unless=(_NO_ANSWER,),
        requires=linear_re.compile(r"generat|task|job|predict|render|poll|image|video", re.I),
    ),
    StatedCause(
        # a request left running far too long: "job stuck IN_PROGRESS >15 min", "IN_PROGRESS for 20
        # minutes" (requests held IN_PROGRESS that fill the account's slots are the rate limit's)
        linear_re.compile(
            r"\bstuck\b[^\n]{0,20}?\bin_progress\b"
            r"|\bin_progress\b[^\n]{0,30}?\b(?:for (?:over |more than )?\d+\s?(?:s|secs?|seconds?|mins?"
            r"|minutes?|h|hours?)\b|forever|indefinitely)",
            re.I,
        ),
        "queue_timeout",
        "the text says the request stayed IN_PROGRESS too long",
        unless=(_NO_ANSWER, _CONCURRENCY),
    ),
    StatedCause(
        # an HTML page (or nothing) where fal's JSON was expected: the edge answered with its error
        # page, not the model (server-ingress-html-error-page). A wrong URL's 404 page reads the same,
        # so beside a status it is half a cause...
        _HTML_FOR_JSON,
        "server_error",
        "the text shows an HTML page where fal's JSON was expected",
        strength=0.5,
    ),
    StatedCause(
        # ...and with no status in sight all of one: nothing else says what the page was
        _HTML_FOR_JSON,
        "server_error",
        "the text shows an HTML page where fal's JSON was expected",
        without_status=True,
    ),
    StatedCause(
        # a proxy's own words for a service behind it that is down or refused the connection (Envoy's
        # body for its 503, often pasted without the status line): the server side, not the caller's
        linear_re.compile(
            r"\bupstream connect error or disconnect/reset before headers\b|\bno healthy upstream\b", re.I
        ),
        "server_error",
        "a proxy says the service behind it is down",
    ),
    StatedCause(
        # the same proxy's body for its 504: the service behind it did not answer in time
        linear_re.compile(r"\bupstream request timeout\b", re.I),
        "queue_timeout",
        "a proxy says the service behind it did not answer in time",
    ),
    StatedCause(
        # a storage's own XML error for a signed link past its time (S3's <Code>AccessDenied</Code>
        # <Message>Request has expired</Message>, Google Cloud Storage's <Code>ExpiredToken</Code> with
        # "Request signature expired at: ...", R2's ExpiredRequest): the file's link expired
        linear_re.compile(
            r"<message>\s*request has expired\s*</message>"
            r"|<code>\s*expired(?:token|request)\s*</code>|\brequest signature expired at\b",
            re.I,
        ),
        "file_url",
        "the storage says the signed link has expired",
    ),
    StatedCause(
        # fal's header for a timeout the caller set (a client `timeout`, `X-Fal-Request-Timeout`): the
        # request ran out of the caller's own time, whatever else the body says about the runner
        linear_re.compile(r"x-fal-request-timeout-type\W{0,4}user\b", re.I),
        "queue_timeout",
        "fal says the caller's own timeout ran out (X-Fal-Request-Timeout-Type: user)",
    ),
    StatedCause(
        # the browser refused the call before any answer could be read
        linear_re.compile(
            r"blocked by cors policy|cross-origin request blocked|no 'access-control-allow-origin'"
            r"|access-control-allow-origin' header|err_blocked_by_(?:response|client|csp)"
            r"|cors (?:error|request did not succeed)"
            # a Content Security Policy or COEP that does not list fal's hosts blocks the same way
            r"|violates the following content security policy|content security policy (?:\(csp\) )?"
            r"(?:is )?block|refused to (?:connect to|load)[^\n]{0,200}content security policy"
            r"|cross-origin-(?:embedder|resource)-policy|\bcoep\b[^\n]{0,40}block",
            re.I,
        ),
        "network",
        "the browser blocked the call (CORS)",
        without_status=True,  # an HTTP status came back: the block was not what stopped the call
        also=(
            # the block said in words, in English and the other languages fal's users write in:
            # "CORS bloqueia", "bloqueado por CORS", "CORS blocks the request", "blocked by CORS",
            # "被 CORS 拦截", "CORSでブロック", "CORS 에러", "ошибка CORS"
            linear_re.compile(
                r"\bcors\W{1,3}(?:bloque(?:ia|a|ou|ó|an?|e)|blocks?|blocked|blockiert|blokir|блокир\pL*)"
                r"|\b(?:blocked|bloquead[oa]s?|bloqu[ée]e?s?|blockiert|diblokir)"
                r" (?:by|por|pel[oa]|par|durch|oleh) cors\b"
                r"|\bcors (?:error|issue|problem|policy)"
                r"|\b(?:erro|error|erreur|fehler) (?:de |du |da )?cors\b"
                r"|\bcors-?(?:fehler|problem)|cors ?(?:错误|錯誤|拦截|攔截|エラー|에러|오류)"
                r"|(?:被|遭) ?cors ?(?:拦截|攔截|阻止|屏蔽)|cors ?(?:で|に)ブロック"
                r"|cors ?(?:로|에) ?(?:막|차단)"
                r"|ошибк\pL* cors",
                re.I,
            ),
        ),
    ),
    StatedCause(
        # the scheme said in words: fal wants `Key`, not `Bearer` ("must be `Key <FAL_KEY>` ... not
        # `Bearer`", "fal wants Key <id>:<secret> and reads a Bearer as a JWT")
        linear_re.compile(
            r"\b(?:must|should|has to|needs? to) (?:be|use|start with|begin with)"
            r" [`'\"]?(?:authorization:? )?key\b"
            r"[^\n]{0,80}?\bnot[\s`'\"*_]{1,4}bearer\b"
            r"|\bwants? [`'\"]?(?:authorization:? )?key [^\n]{0,80}?\bbearer\b"
            r"|\bbearer\b[^\n]{0,80}?\b(?:wants?|expects?|requires?) [`'\"]?(?:authorization:? )?key\b"
            r"|\bkey\b[`'\"]?,? not [`'\"]?bearer\b|\bnot [`'\"]?bearer[`'\"]?,? but [`'\"]?key\b",
            re.I,
        ),
        "auth_scheme",
        "the text says fal wants the Key scheme, not Bearer",
    ),
    StatedCause(
        # the fal client itself is too old for the call: "Outdated fal-client library", "upgrade
        # fal-client", "pip install --upgrade fal-client", "fal-client >= 1.0.0 required"
        linear_re.compile(
            r"\b(?:outdated|old|older|legacy|stale)\s(?:version of\s)?(?:the\s|your\s|our\s)?"
            r"(?:fal[-_ ]client|@fal-ai/client|fal (?:sdk|client|library)|client library|sdk)\b"
            r"|\b(?:upgrad(?:e|ed|ing)|updat(?:e|ed|ing)|bump(?:ed|ing)?)\s(?:the\s)?(?:fal[-_]client|@fal-ai/client)\b"
            r"|\bpip3? install (?:-u|--upgrade) fal[-_]client|@fal-ai/client@latest"
            r"|\bfal[-_]client\s?>=?\s?\d[\d.]*\s(?:is\s)?(?:required|needed)",
            re.I,
        ),
        "client_setup",
        "the text says the fal client is too old",
    ),
    StatedCause(
        # a package manager that cannot find fal's client (a misspelt name, a private index, an old
        # Python): installing it is what fails, not a call to fal
        linear_re.compile(
            r"\bnpm (?:err!|error)[^\n]{0,40}?\b(?:e?404|not found)\b[^\n]{0,120}?@fal-ai"
            r"|\be404\b[^\n]{0,80}?@fal-ai|'@fal-ai/[\w-]+@[^\s']*' is not in this registry"
            r"|no matching distribution found for fal"
            r"|could not find a version that satisfies the requirement fal",
            re.I,
        ),
        "client_setup",
        "the text says fal's client package could not be installed",
    ),
    StatedCause(
        # fal's hosts are unreachable from where the code runs: a firewall, a country, a proxy. A
        # status that comes with it is the proxy's answer, not fal's (`ProxyError: 403 Forbidden`).
        linear_re.compile(
            r"\b(?:fal\.(?:ai|run|media)|falrun\.com)(?::\d{1,5})?\s(?:is|are|was|were|gets?|got|seems|appears)"
            r"(?: to be)?\s(?:being\s)?blocked\b"
            r"|\b(?:outbound|egress|outgoing)\b[^\n]{0,40}?\bblocked\b"
            r"|\bblocked (?:in|from) (?:china|mainland|russia|iran|some (?:countries|regions))"
            r"|\bblocked by (?:the |a |an |our |my |their )?(?:corporate |company |office |school )?"
            r"(?:great firewall|firewall|proxy|gfw|isp|vpn)"
            r"|\bproxyerror\b|tunnel connection failed|\bconnect_rejected\b"
            # a network policy, firewall or proxy named as what blocks the call, in any language
            r"|\bblocked by (?:the |a |an |our |my |their )?(?:\w+ )?(?:network|egress|outbound)"
            r" (?:polic|rule|filter)"
            r"|\b(?:network|egress|outbound) (?:polic(?:y|ies)|rules?)\b[^\n]{0,20}?"
            r"\b(?:blocks?|blocked|denie[sd]|drops?|dropped)\b|\bfirewall (?:blocks|blocked|drops|dropped)\b"
            r"|bloqu[ée]e?s? par (?:le |la |l'|un |une |notre )?"
            r"(?:pare-feu|firewall|proxy|politique r[ée]seau)"
            r"|bloquead[oa]s? (?:por|pel[oa]) (?:el |la |o |a |un |una |nuestro |nuestra )?"
            r"(?:firewall|cortafuegos|proxy|pol[íi]tica de (?:red|rede))"
            r"|(?:firewall|proxy|netzwerkrichtlinie)\W{1,3}(?:\w+\W{1,3}){0,3}blockiert"
            r"|(?:被|遭)(?:防火墙|防火牆|墙|牆|代理|公司网络|网络策略)(?:拦截|屏蔽|阻止|挡|拦|封锁|阻断)"
            r"|(?:防火墙|防火牆|网络策略|網路策略)[^\n]{0,12}?(?:拦截|屏蔽|阻止|挡|拦|封锁|阻断)"
            r"|(?:ファイアウォール|プロキシ|ネットワークポリシー)[^\n]{0,20}?(?:ブロック|遮断)"
            r"|(?:방화벽|프록시|네트워크 정책)[^\n]{0,20}?(?:차단|막)"
            r"|diblokir (?:oleh )?(?:firewall|proxy|kebijakan jaringan)"
            r"|заблокирован[аоы]? (?:файрволом|брандмауэром|прокси|сетевой политикой)",
            re.I,
        ),
        "network",
        "the text says the way to fal's hosts is blocked",
    ),
    StatedCause(
        # the caller could not reach the service at all: "fal could not be reached", "Could not reach
        # fal.ai" (an input's URL fal could not reach, or the caller's webhook, is another family's; a
        # status that came back says the host was reached)
        linear_re.compile(
            r"\b(?:could ?n[o']t|can ?n[o']t|unable to|failed to)"
            r" (?:reach|contact|be (?:reached|contacted))\b",
            re.I,
        ),
        "network",
        "the text says the service could not be reached",
        unless=(_FILE_OR_HOOK,),
        without_status=True,
    ),
    StatedCause(
        # the edge's bot challenge answered instead of the API (Cloudflare's "Just a moment..." page,
        # its `cf-mitigated: challenge` header): an HTML page from in front of the service, so its 403
        # is no verdict on the key or the balance
        linear_re.compile(
            r"\bcf-mitigated\W{0,3}challenge\b|\bjust a moment\W{0,8}(?:</title>|page|from cloudflare)"
            r"|\bchecking your browser before accessing\b|\battention required!? \| cloudflare\b"
            r"|\benable javascript and cookies to continue\b",
            re.I,
        ),
        "server_error",
        "an edge's challenge page answered instead of the API",
    ),
]


def stated_causes(
    text: str, codes: frozenset[int] | set[int] = frozenset()
) -> tuple[dict[str, float], list[str]]:
    """Points per category for causes stated in words, and phrases saying which."""
    points: dict[str, float] = {}
    said: list[str] = []
    for cause in _STATED_CAUSES:
        if cause.without_status and codes:
            continue
        # the statement first: most texts make none, so its conditions are rarely read at all
        if not (cause.pattern.search(text) or any(other.search(text) for other in cause.also)):
            continue
        if cause.requires is not None and not cause.requires.search(text):
            continue
        if any(other.search(text) for other in cause.unless):
            continue
        points[cause.category] = max(points.get(cause.category, 0.0), CAUSAL_POINTS * cause.strength)
        if cause.phrase not in said:
            said.append(cause.phrase)
    return points, said


def causal_cues(text: str, codes: set[int], finding_codes: set[str]) -> tuple[dict[str, float], list[str]]:
    """Points per category for causes the paste shows, and phrases saying which ones."""
    lowered = text.lower()
    points, said = stated_causes(text, codes)
    if "auth_scheme" in points:
        pass  # the text itself says fal wants Key rather than Bearer
    elif "bearer" in lowered and _BEARER_IS_RIGHT.search(text):
        points["auth_scheme"] = -CAUSAL_POINTS  # Bearer is right there (fal's MCP server, a JWT login)
    elif "bearer" in lowered:
        # keys.key_findings_in_text is the one Bearer detector (it skips JWTs and other tokens)
        sent = "bearer_scheme" in finding_codes
        if sent and codes <= _AUTH_CODES and _AUTH_FAILURE.search(text):
            points["auth_scheme"] = CAUSAL_POINTS
            # fal's "invalid key" wording is then the consequence, not the cause
            points["invalid_key"] = points["missing_key"] = -2 * CAUSAL_POINTS
            said.append("a Bearer header was sent to fal")
    if (
        "auth_scheme" not in points
        and _NO_CREDENTIALS.search(text)
        and codes <= _AUTH_CODES
        and not finding_codes
        and not _KEY_VALUE_SHOWN.search(text)
        and not _FAL_SHAPED_KEY.search(text)
    ):
        points["missing_key"] = CAUSAL_POINTS
        points["invalid_key"] = -CAUSAL_POINTS / 2
        said.append("no credentials reached fal")
    if "webhook" in lowered and _WEBHOOK_REPORT.search(text) and not _PAYLOAD_ERRORS.search(text):
        points["queue_timeout"] = CAUSAL_POINTS
        said.append("a webhook delivery report")
    if (
        codes & {400, 422}
        and codes <= {400, 422}
        and found(_CONTENT_REFUSAL, text, _NOT_A_REFUSAL)
        # a typed error (face_detection_error, less_than...) says what it is about itself
        and (not _TYPED_ERROR.search(text) or "content_policy" in lowered)
    ):
        points["content_policy"] = CAUSAL_POINTS
        said.append("the content was refused")
    if _TOOL_NOT_FOUND.search(text):
        # an agent's or MCP server's tool that does not exist ("Tool GMAIL_SEND not found", "Unknown
        # tool: generate"): a name in the caller's tool list, not a model or an app at fal
        points["model_not_found"] = -CAUSAL_POINTS
    missing = [next((g for g in m.groups() if g), "").strip("'\"`") for m in _MISSING_MODULE.finditer(text)]
    if missing and not any(_FAL_MODULE.search(name) for name in missing):
        # `No module named 'requests'`: installing fal's client would not help
        points["client_setup"] = -CAUSAL_POINTS
    realtime = _REALTIME_WORDS.search(text) is not None
    # fal's own runner_connection_* errors are answers from fal's side, not a failed connection
    answered = "runner" in lowered or "error_type" in lowered or _DETAIL_BODY.search(text) is not None
    # a headers or body timeout: the connection was up, only the answer was slow
    waited = "queue_timeout" in points and _ANSWER_WAIT_RAN_OUT.search(text) is not None
    if not codes and not realtime and not answered and not waited and _NO_ANSWER.search(text):
        # no HTTP answer came back at all: whatever else the paste says, the connection failed
        points["network"] = CAUSAL_POINTS
        said.append("the connection itself failed")
    return points, said
