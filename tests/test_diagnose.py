"""The matcher: normalisation, exact signals, fal or another vendor, the confidence gate, big input."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis import Diagnoser, Diagnosis, load_knowledge
from bot.diagnosis.evidence import is_specific_message, status_codes
from bot.diagnosis.normalize import _simple_unescape, focus, normalize
from tests.support.keys import KEY, KEY_ID, SECRET


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(load_knowledge())


def category(diagnosis: Diagnosis) -> str | None:
    return diagnosis.best.category if diagnosis.best else None


# -- normalisation --------------------------------------------------------------------------------


def test_normalize_strips_ansi_fences_and_slack_escaping() -> None:
    text = "```python\n\x1b[31mError\x1b[0m: 403 &lt;b&gt; &amp; <https://fal.run/x|fal.run/x>\n```"
    assert normalize(text) == "Error: 403 <b> & https://fal.run/x fal.run/x"


def test_a_run_of_code_fences_is_one_line_break() -> None:
    """40,000 backticks were 13,333 replacements, each a call into RE2 (31 ms on a slow machine)."""
    from bot.diagnosis.normalize import _FENCE

    assert _FENCE.subn("\n", "`" * 40_000)[1] == 1
    assert normalize("Error```````\n```json\n{}\n```") == "Error\n{}"


def test_normalize_unescapes_nested_json_strings() -> None:
    inner = json.dumps({"detail": "User is locked.\nReason: Exhausted balance"})
    outer = json.dumps({"log": inner})
    normalized = normalize(outer)
    assert '"detail": "User is locked.' in normalized
    assert "\nReason: Exhausted balance" in normalized
    assert normalize("caf\\u00e9 \\u003a") == "café :"


# The rule the escapes followed when a regex read them (one or more backslashes, then the escaped
# character; a run of them before anything else is one backslash): the split-based reading must agree.
_ESCAPE_RULE = re.compile(r"\\+([nrt\"'/\\])")
_ESCAPE_MEANING = {"n": "\n", "r": "\n", "t": " ", '"': '"', "'": "'", "/": "/", "\\": "\\"}


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=["\\", "n", "r", "t", '"', "'", "/", "a", "é", " "], max_size=30))
def test_simple_escapes_read_as_the_backslash_rule_says(text: str) -> None:
    expected = _ESCAPE_RULE.sub(lambda m: _ESCAPE_MEANING[m.group(1)], text)
    assert _simple_unescape(text) == expected


def test_normalize_keeps_lines_and_collapses_spacing() -> None:
    assert normalize("a  \t b\r\n\n\n c") == "a b\n c"


def test_normalize_survives_lone_surrogates_and_control_bytes() -> None:
    assert normalize("x\\ud800y\x00z") == "x\ufffdy z"


def test_focus_keeps_the_error_line_of_a_long_log() -> None:
    noise = "\n".join(f"INFO step {i} done in 0.{i}s" for i in range(3000))
    text = noise + "\nERROR fal_client.client.FalClientHTTPError: User is locked\n" + noise
    window = focus(text)
    assert "User is locked" in window
    assert len(window) < 3000


@pytest.mark.parametrize(
    "line",
    [
        "fal.ai : échec, délai dépassé pour la génération",
        "fal.ai isteği zaman aşımına uğradı, lütfen tekrar deneyin",
        "调用 fal.ai 时触发限流，请稍后重试",
        "fal.ai の処理がタイムアウトしました",
        "fal.ai 키가 올바르지 않습니다",
    ],
)
def test_focus_keeps_a_sentence_about_fal_in_any_language(line: str) -> None:
    """A line naming fal with no English error word is kept when it is a sentence, in any alphabet
    or in Chinese, Japanese and Korean characters, which are written without spaces between words."""
    noise = "\n".join(f"INFO step {i} done in 0.{i}s" for i in range(3000))
    assert line in focus(noise + "\n" + line + "\n" + noise)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("403 Forbidden", 403),
        ("status code 403", 403),
        ("Error code: 401 - {...}", 401),
        ('{"status": 422, "detail": []}', 422),
        ("HTTP/1.1 404 Not Found", 404),
        ("Client error '429 Too Many Requests' for url", 429),
        ("POST https://fal.run/x 504 (Gateway Timeout)", 504),
        ("status_code=500", 500),
        ("ApiError: Unauthorized", 401),
        ("one fal 504 was not billed", 504),
        ("a 429 from fal.ai again", 429),
        # "returns 422" said in Spanish, Portuguese, French and German
        ("fal me devuelve 422 con num_images=8", 422),
        ("o fal retornou um erro 403 ontem", 403),
        ("fal renvoie une erreur 500 depuis ce matin", 500),
        ("der fal-Aufruf liefert 429", 429),
        ("la API de fal responde con un 429 cada tanto", 429),
        ("fal antwortet mit einem 503", 503),
    ],
)
def test_status_codes_in_the_forms_people_paste(text: str, code: int) -> None:
    assert code in status_codes(text)[0]


def test_numbers_that_are_not_statuses_are_ignored() -> None:
    assert status_codes("processed 4031 items in 422.5 ms at port 40312")[0] == set()
    assert status_codes("fal 2024 roadmap; falcon 404 pages")[0] == set()


def test_message_specificity() -> None:
    assert is_specific_message("No user found for Key ID and Secret")
    assert is_specific_message("Reason: TOP_UP")
    assert not is_specific_message("Request timed out")
    assert not is_specific_message("Method Not Allowed")


# -- real fal errors get the right family ---------------------------------------------------------

FAL_ERRORS = [
    ("fal_client.client.FalClientHTTPError: No user found for Key ID and Secret", "invalid_key"),
    # Cloudflare named beside fal is where the input lives, not whose error it is
    ("fal can't fetch the input: the image is on Cloudflare R2 with private access, 403", "file_url"),
    (
        "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://queue.fal.run/fal-ai/flux/dev'",
        "invalid_key",
    ),
    (
        "fal_client.auth.MissingCredentialsError: Please set the FAL_KEY environment variable "
        "to your API key",
        "missing_key",
    ),
    (
        'ApiError: Forbidden\n  status: 403\n  body: { detail: "User is locked. Reason: Exhausted balance. '
        'Top up your balance at fal.ai/dashboard/billing." }',
        "billing",
    ),
    (
        "fal_client.client.FalClientHTTPError: [{'loc': ['body', 'image_size'], "
        "'msg': \"value is not a valid "
        "enumeration member; permitted: 'square_hd', 'square', 'portrait_4_3'\", 'type': 'type_error.enum'}]",
        "validation",
    ),
    (
        '{"detail": [{"loc": ["body", "prompt"], "msg": "The content could not be processed because it '
        'contained material flagged by a content checker.", "type": "content_policy_violation", '
        '"url": "https://docs.fal.ai/errors#content_policy_violation"}]}',
        "content_policy",
    ),
    (
        "Error: getaddrinfo ENOTFOUND queue.fal.ai\n    at GetAddrInfoReqWrap.onlookupall (node:dns:118:26)",
        "network",
    ),
    ('fal_client.client.FalClientHTTPError: Application "schnell" not found', "model_not_found"),
    (
        "GET https://queue.fal.run/fal-ai/flux/dev/requests/5b2d6f0e/status 405 (Method Not Allowed)",
        "queue_timeout",
    ),
    (
        '503 from https://queue.fal.run/fal-ai/flux/dev {"detail":"Runner disconnected",'
        '"error_type":"runner_disconnected"}',
        "server_error",
    ),
    (
        "httpx.HTTPStatusError: Client error '429 Too Many Requests' for url 'https://queue.fal.run/fal-ai/x'",
        "rate_limit",
    ),
    (
        "WebSocket connection to 'wss://fal.run/fal-ai/fast-lcm-diffusion/realtime?fal_jwt_token=x' failed: "
        "Unexpected response code: 401",
        "realtime",
    ),
    (
        'FalClientHTTPError: {"detail":[{"loc":["body","image_url"],"msg":"Failed to download the file. '
        'Please check if the URL is accessible and try again.","type":"file_download_error"}]}',
        "file_url",
    ),
]


@pytest.mark.parametrize(("text", "expected"), FAL_ERRORS, ids=[e for _, e in FAL_ERRORS])
def test_fal_errors_get_the_right_category(diagnoser: Diagnoser, text: str, expected: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert category(diagnosis) == expected, (diagnosis.matches, diagnosis.evidence)
    assert diagnosis.fal_related


# -- other vendors' look-alikes are declined -------------------------------------------------------

OTHER_VENDORS = [
    "openai.AuthenticationError: Error code: 401 - {'error': {'message': "
    "'Incorrect API key provided: sk-proj-"
    "****abcd.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}",
    "openai.RateLimitError: Error code: 429 - {'error': {'message': "
    "'Rate limit reached for gpt-4o on tokens per "
    "min', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}",
    "anthropic.AuthenticationError: Error code: 401 - {'type': 'error', "
    "'error': {'type': 'authentication_error', "
    "'message': 'invalid x-api-key'}}",
    "anthropic.RateLimitError: Error code: 429 - {'type': 'error', 'error': {'type': 'rate_limit_error', "
    "'message': 'Number of request tokens has exceeded your per-minute rate limit'}}",
    "replicate.exceptions.ReplicateError: ReplicateError Details:\ntitle: Unauthenticated\nstatus: 401\n"
    "detail: You did not pass a valid authentication token",
    "stripe.error.AuthenticationError: Invalid API Key provided: sk_test_****1234",
    "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the GetObject operation: "
    "Access Denied",
    "huggingface_hub.errors.HfHubHTTPError: 402 Client Error: Payment Required for url: "
    "https://router.huggingface.co/fal-ai/fal-ai/flux/dev\n\n"
    "Pay-as-you go is not enabled for provider fal-ai.",
    "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/models/x",
    "falcon-sensor.service: Main process exited, code=exited, status=1/FAILURE\n"
    "Falcon sensor failed to connect to CrowdStrike cloud: 403 Forbidden",
    "openai.BadRequestError: Error code: 400 - {'error': {'code': 'content_policy_violation', 'message': "
    "'Your request was rejected as a result of our safety system.', 'param': None}}",
    "TypeError: this._subscribe is not a function\n    at ModelResponse.subscribe (rest.bundle.js:43436)\n"
    "We're on the latest released falcor (0.1.17).",
    "unhandled errors propagate all the way up and Falcon would just return an HTTP 500 to the client",
    "Exception: There is a problem with your account. Please contact support@comfy.org.",
    # Cloudflare named by its own account, dashboard or products: its API's refusal, not fal's balance
    "Deploy failed: ApiError: Forbidden. Authentication error. Your Cloudflare account must have "
    "Containers enabled; ask Cloudflare support.",
    "Upload to bucket failed 403 Forbidden: check the token scopes in the Cloudflare dashboard",
    # another API's job lifecycle, by statuses fal's queue never reports: Replicate's predictions,
    # BFL's tasks, RunPod's status body (delayTime / executionTime)
    "pydantic.v1.error_wrappers.ValidationError: 1 validation error for Prediction\nstatus\n"
    "  unexpected value; permitted: 'starting', 'processing', 'succeeded', 'failed', 'canceled'"
    " (type=value_error.const)",
    '{"id": "7f2c", "status": "Request Moderated", "result": null,'
    ' "details": {"Moderation Reasons": ["Safety"]}}',
    '{"delayTime": 2140, "executionTime": 0, "id": "a1b2-e1", "status": "IN_QUEUE"}'
    " after 20 minutes of polling",
    # a client package's own log prefix, an MCP server a tool call went to, an AI app platform
    "mailgun: request failed with status 401",
    'x  generate_video (veo3 MCP Server) {"prompt": "a cat"}\nMCP error -32603: TypeError: fetch failed',
    "An error occurred in the plugin, please contact the author of acme/imagegen for help,"
    " error type: Exception, error details: request failed with status code: 429",
    # FAL in another meaning: TYPO3's File Abstraction Layer, a Turkish fortune-telling app
    "TYPO3 FAL: File /fileadmin/user_upload/x.jpg does not exist (#1314516809)",
    "Kahve falı yorumu alınamadı: istek zaman aşımına uğradı",
    # a service named as the source or the label of a failure
    "Meshy API: 402 Payment Required",
    "Error from Higgsfield: 402 not enough credits",
    "PlayHT error: 429 rate limit",
    "Magnific: upscale failed, not enough credits",
    "Udio generation failed: 403",
    # a model fal hosts, but its maker's API named as such
    "Stability API returned 402: insufficient balance",
]


@pytest.mark.parametrize("text", OTHER_VENDORS)
def test_other_vendors_errors_are_declined(diagnoser: Diagnoser, text: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.matches == (), diagnosis.matches
    assert diagnosis.fal_related is False


def test_a_model_fal_hosts_named_as_a_failures_label_is_no_other_vendor(diagnoser: Diagnoser) -> None:
    # a fal caller names its failures after the model ("Veo3 error 422"); so does an exception class
    for text in (
        "Veo3 error 422: prompt flagged",
        "Nano Banana error: 400 invalid image",
        "Kling: generation failed, status 422",
        "Luma generation failed: 400 Bad Request",
        "TypeError: fetch failed\n    at node:internal/deps/undici/undici:13178:13",
    ):
        evidence = diagnoser.diagnose(text).evidence
        assert not any(phrase.startswith("other vendor") for phrase in evidence), (text, evidence)


def test_fals_own_mcp_server_and_log_prefix_stay_fal(diagnoser: Diagnoser) -> None:
    # the rules that read another service's MCP server or log prefix leave fal's own alone
    for text in (
        "x  generate_image (fal MCP Server)\nError: 401 No user found for Key ID and Secret",
        "fal: request failed with status 403: User is locked. Reason: Exhausted balance",
    ):
        diagnosis = diagnoser.diagnose(text)
        assert diagnosis.fal_related, (text, diagnosis.evidence)
        assert diagnosis.matches, text


# Texts that name no service at all: not fal's (fal_related false); any match is offered as
# "if this came from a call to fal" (generic), never as a fal diagnosis.
NAMES_NO_SERVICE = [
    '{"title":"Invalid version or not permitted","detail":"The specified version does not exist",'
    '"status":422}',
    '{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}}]}',
    "AxiosError: Request failed with status code 403",
    '{"detail":"Invalid token."}',
    "Request timed out",
    '{"error": "Authorization header is required"}',
    'res.status(401).json({ message: "Authorization header is required", success: false })',
    '{"detail":[{"loc":["body","username"],"msg":"field required","type":"value_error.missing"}]}',
    'res.status(400).json({"msg": "Error validating the input"})',
    "ValidationError: invalid input at path 'email'",
]


@pytest.mark.parametrize("text", NAMES_NO_SERVICE)
def test_texts_naming_no_service_are_at_most_generic(diagnoser: Diagnoser, text: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.fal_related is False
    assert diagnosis.generic is bool(diagnosis.matches)
    assert diagnosis.to_json().get("generic", False) is diagnosis.generic


def test_clearly_fal_but_unknown_is_fal_related_without_a_match(diagnoser: Diagnoser) -> None:
    diagnosis = diagnoser.diagnose("fal_client: the sky turned green while I waited")
    assert diagnosis.fal_related is True
    assert diagnosis.matches == ()


# -- keys in pastes ------------------------------------------------------------------------------


def test_key_problems_are_reported_and_never_echoed(diagnoser: Diagnoser) -> None:
    text = f"curl https://fal.run/fal-ai/flux/dev -H 'Authorization: Bearer {KEY}'\n401 Unauthorized"
    diagnosis = diagnoser.diagnose(text)
    codes = [finding.code for finding in diagnosis.key_findings]
    assert "bearer_scheme" in codes and "exposed" in codes
    dumped = json.dumps(diagnosis.to_json())
    assert SECRET not in dumped and KEY_ID not in dumped


def test_an_encoded_key_is_still_exposed(diagnoser: Diagnoser) -> None:
    diagnosis = diagnoser.diagnose(f"GET https://example.test/?key={KEY_ID}%3A{SECRET} 401")
    assert "exposed" in [finding.code for finding in diagnosis.key_findings]


# -- shape, robustness, size -----------------------------------------------------------------------


def test_to_json_has_the_contract_shape(diagnoser: Diagnoser) -> None:
    data = diagnoser.diagnose('{"detail": "No user found for Key ID and Secret"}').to_json()
    assert {"fal_related", "matches", "key_findings"} <= set(data)
    assert data["matches"], data
    for match in data["matches"]:
        assert set(match) == {"id", "title", "category", "score"}
        assert 0 <= match["score"] <= 100 and round(match["score"], 1) == match["score"]
    scores = [m["score"] for m in data["matches"]]
    assert scores == sorted(scores, reverse=True)


def test_empty_and_junk_input(diagnoser: Diagnoser) -> None:
    for text in ("", "   \n\t", "\x00\x01\x02", "\ufffd" * 100, "x" * 5000):
        diagnosis = diagnoser.diagnose(text)
        assert diagnosis.matches == ()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_any_text(text: str) -> None:
    diagnoser = _shared_diagnoser()
    diagnosis = diagnoser.diagnose(text)
    assert isinstance(diagnosis, Diagnosis)
    json.dumps(diagnosis.to_json())


_CACHE: dict[str, Diagnoser] = {}


def _shared_diagnoser() -> Diagnoser:
    if "d" not in _CACHE:
        _CACHE["d"] = Diagnoser(load_knowledge())
    return _CACHE["d"]


def _log_dump(error_line: str, size: int = 40_000, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(
            f"2026-11-24T08:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z INFO worker-{rng.randrange(9)} "
            f"job={rng.randrange(10**6)} status=ok took={rng.random():.3f}s retries=0 error=none"
        )
    lines.insert(len(lines) // 2, error_line)
    return "\n".join(lines)[: size + len(error_line)]


def test_a_40kb_log_with_one_fal_error_is_diagnosed_quickly(diagnoser: Diagnoser) -> None:
    error = (
        "ERROR generate failed: fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted "
        "balance. Top up your balance at fal.ai/dashboard/billing."
    )
    text = _log_dump(error)
    assert len(text) >= 40_000
    started = time.perf_counter()
    diagnosis = diagnoser.diagnose(text)
    elapsed = time.perf_counter() - started
    assert category(diagnosis) == "billing"
    assert elapsed < 2.0  # generous: about 40 ms on a laptop


def test_a_megabyte_is_capped_not_fatal(diagnoser: Diagnoser) -> None:
    text = "noise line without anything\n" * 50_000 + "fal_client.client.FalClientHTTPError: No user found"
    started = time.perf_counter()
    diagnosis = diagnoser.diagnose(text)
    assert isinstance(diagnosis, Diagnosis)
    assert time.perf_counter() - started < 10.0


# -- a small knowledge base of our own -------------------------------------------------------------

ENTRY = """\
id: {id}
title: {title}
category: {category}
summary: A test entry that describes one problem well enough for the matcher to find it.
fix:
  - Do the thing that fixes it.
signals:
  messages: [{message!r}]
examples:
  - text: 'fal_client.client.FalClientHTTPError: {message}'
    source: test
  - text: 'POST https://queue.fal.run/fal-ai/x failed: {message}'
    source: test
"""


def test_a_custom_knowledge_folder_ranks_and_gates(tmp_path: Path) -> None:
    (tmp_path / "test-one.yml").write_text(
        ENTRY.format(
            id="test-one", title="Problem one", category="billing", message="Wallet is frozen solid"
        ),
        encoding="utf-8",
    )
    (tmp_path / "test-two.yml").write_text(
        ENTRY.format(
            id="test-two", title="Problem two", category="network", message="Tunnel collapsed underground"
        ),
        encoding="utf-8",
    )
    diagnoser = Diagnoser(load_knowledge(tmp_path))
    assert diagnoser.diagnose("fal says: Wallet is frozen solid (fal.run)").best.id == "test-one"  # type: ignore[union-attr]
    assert diagnoser.diagnose("Tunnel collapsed underground via queue.fal.run").best.id == "test-two"  # type: ignore[union-attr]
    # Something fal-ish that fits neither entry: fal-related, and no answer of theirs.
    vague = diagnoser.diagnose("fal raised something odd")
    assert vague.fal_related and vague.matches == ()


def test_fal_messages_match_whole_words_only(diagnoser: Diagnoser) -> None:
    # Chrome's net::ERR_CONNECTION_CLOSED is not fal_client's CONNECTION_CLOSED.
    assert diagnoser.diagnose("GET wss://example.test/socket net::ERR_CONNECTION_CLOSED").matches == ()


def test_a_patterns_words_are_read_from_its_branches_groups_and_repeats_too() -> None:
    """What Diagnoser.warm reads a pattern's automaton with: every word in it, escapes left out."""
    from bot.diagnosis.diagnose import _pattern_words, _required_literals

    pattern = r"(?:insufficient (?:balance|credits?)|top.?up)[^\n]{0,40}余额不足|Exhausted\sbalance"
    assert _required_literals(pattern) == ()
    words = ("insufficient", "balance", "credits", "top", "余额不足", "exhausted")
    assert _pattern_words(pattern) == words
    assert _pattern_words(r"\bcors\W{1,3}блокир\pL*|[\p{Han}\p{Hiragana}]{4}") == ("cors", "блокир")


def test_regex_prefilter_never_hides_a_match() -> None:
    """Literals taken from entry regexes are a safe prefilter: any match contains them all."""
    from bot.diagnosis.diagnose import _required_literals

    assert _required_literals(r"user is locked\.?\s*reason:\s*admin lock") == (
        "user is locked",
        "reason:",
        "admin lock",
    )
    assert _required_literals(r"(fal\.run|queue\.fal\.run)[^\n]{0,200}authorization:\s*bearer") == (
        "authorization:",
        "bearer",
    )
    assert _required_literals(r"abc|defg") == ()
    kb = load_knowledge()
    texts = [normalize(x.text) for entry in kb for x in (*entry.examples, *entry.not_examples)]
    for entry in kb:
        for source in entry.signals.patterns:
            regex = re.compile(source, re.IGNORECASE | re.MULTILINE)
            for text in texts:
                if regex.search(text):
                    assert all(needle in text.lower() for needle in _required_literals(source)), source


@pytest.mark.parametrize(
    ("text", "code"),
    [("Failed to submit the request to fal queue: 401", 401), ("request failed with status 403", 403)],
)
def test_statuses_at_the_end_of_a_message(text: str, code: int) -> None:
    assert code in status_codes(text)[0]
    assert status_codes("items processed: 450")[0] == set()


# n8n's NodeApiError replaces the status it got with a sentence (its STATUS_CODE_MESSAGES), and
# wrappers copy them: the sentence is that status.
N8N_STATUS_SENTENCES = [
    ("Bad request - please check your parameters", 400),
    ("Authorization failed - please check your credentials", 401),
    ("The resource you are requesting could not be found", 404),
    ("The service is receiving too many requests from you! Perhaps take a break?", 429),
    ("The service was not able to process your request", 500),
    ("Gateway timed out - perhaps try again later?", 504),
]


@pytest.mark.parametrize(("sentence", "code"), N8N_STATUS_SENTENCES)
def test_n8n_status_sentences_are_their_statuses(sentence: str, code: int) -> None:
    assert status_codes(f"Problem in node \u2018HTTP Request\u2018\n{sentence}")[0] == {code}


@pytest.mark.parametrize(
    "text",
    [
        '{"status": "error", "error_type": "runner_error", "error_message": "pytest exited with code 2"}',
        'job 7 failed: {"error_type": "runner_unavailable", "reason": "no idle worker"}',
    ],
)
def test_other_tools_runner_error_types_are_not_fal(diagnoser: Diagnoser, text: str) -> None:
    # test and agent runners name their own errors runner_*; fal's are its documented seven
    diagnosis = diagnoser.diagnose(text)
    assert not diagnosis.fal_related and diagnosis.matches == ()
    fal_body = '{"detail": "Runner disconnected", "error_type": "runner_disconnected"}'
    assert category(diagnoser.diagnose(fal_body)) == "server_error"


def test_error_type_words_other_servers_share_do_not_prove_fal(diagnoser: Diagnoser) -> None:
    # `client_disconnected` and `startup_timeout` are other servers' and platforms' words too
    other = '{"success": false, "error": "report aborted", "error_type": "client_disconnected"}'
    assert not diagnoser.diagnose(other).fal_related
    # fal's own flat body with them is still fal's
    fal_body = diagnoser.diagnose('{"detail": "Startup timed out", "error_type": "startup_timeout"}')
    assert fal_body.fal_related and category(fal_body) == "queue_timeout"


@pytest.mark.parametrize(
    "text",
    [
        '{"ok": false, "code": "file_download_error", "message": "could not fetch the attachment"}',
        'logger.error("file_download_error", url=attachment.url, status=403)',
    ],
)
def test_another_apis_file_download_error_code_is_no_confident_fal_answer(
    diagnoser: Diagnoser, text: str
) -> None:
    # other APIs' error codes and apps' log events are named so too: fal's is the `type` of its body
    diagnosis = diagnoser.diagnose(text)
    assert not (diagnosis.fal_related and diagnosis.best and diagnosis.best.score >= 80), diagnosis.matches
    fal_body = '[{"loc": ["body", "image_url"], "msg": "File download error", "type": "file_download_error"}]'
    answer = diagnoser.diagnose(fal_body)
    assert answer.fal_related and category(answer) == "file_url" and answer.best and answer.best.score >= 80


def test_rate_limit_exceeded_is_a_429_in_words(diagnoser: Diagnoser) -> None:
    assert status_codes("Error: Rate limit exceeded")[0] == {429}
    # a structured log line naming no service: 429's own words are enough for a generic answer
    text = (
        'level=WARN message="generation aborted" provider=primary '
        'error="APICallError: Rate limit exceeded. Please try again later."'
    )
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.generic and category(diagnosis) == "rate_limit"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Problem in node \u2018Generate image (fal.ai)\u2018\n"
            "Authorization failed - please check your credentials",
            "invalid_key",
        ),
        (
            "Problem in node \u2018Get fal result\u2018\nThe resource you are requesting could not be found",
            "model_not_found",
        ),
        (
            "Problem in node \u2018fal upscale\u2018\nThe service was not able to process your request",
            "server_error",
        ),
    ],
)
def test_an_n8n_node_error_about_fal_reads_its_status(diagnoser: Diagnoser, text: str, expected: str) -> None:
    assert category(diagnoser.diagnose(text)) == expected


def test_display_score_keeps_order_and_stays_within_0_100() -> None:
    from bot.diagnosis.diagnose import display_score

    raws = [0.0, 10.0, 36.0, 79.9, 80.0, 95.0, 120.0, 180.0, 1000.0]
    shown = [display_score(raw) for raw in raws]
    assert shown == sorted(shown)
    assert all(0.0 <= value <= 100.0 for value in shown)
    assert display_score(120.0) < display_score(180.0) < 100.0


def test_a_402_from_fal_is_billing(diagnoser: Diagnoser) -> None:
    # fal answers 403 for balance problems; a 402 is rare but means the same family.
    assert (
        category(diagnoser.diagnose("402 Payment Required from https://fal.run/fal-ai/flux/dev")) == "billing"
    )


# -- fal's own wording without any other fal marker ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Application "flux" not found', "model_not_found"),
        ("Path /dev not found", "model_not_found"),
        ('{"detail": "Authorization header is required"}', "missing_key"),
        (
            '{"detail":[{"loc":["body","num_images"],"msg":"Input should be less than or equal to 4",'
            '"type":"less_than_equal"}]}',
            "validation",
        ),
    ],
)
def test_fal_wording_alone_is_answered(diagnoser: Diagnoser, text: str, expected: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.fal_related
    assert category(diagnosis) == expected


@pytest.mark.parametrize(
    "text",
    [
        'accessing http://127.0.0.1:8000/ai-setup returns {"detail": "Path /ai-setup not found"}',
        "GET http://localhost:3000/api/items 404 Not Found",
    ],
)
def test_own_servers_and_generic_bodies_are_declined(diagnoser: Diagnoser, text: str) -> None:
    assert diagnoser.diagnose(text).matches == ()


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ('Getting "Queued" on POST and "405 Error" on GET', {405}),
        ("Failed to submit 3D generation request to fal queue: 401.", {401}),
        ("took 500 errors in 3 runs", set()),
    ],
)
def test_status_written_as_nnn_error_or_ending_a_sentence(text: str, codes: set[int]) -> None:
    assert status_codes(text)[0] == codes


def test_a_422_about_chat_completion_fields_is_an_llm_server_not_fal(diagnoser: Diagnoser) -> None:
    text = (
        '{"detail":[{"type":"extra_forbidden","loc":["body","messages",2,"assistant","reasoning_content"],'
        '"msg":"Extra inputs are not permitted"}]}'
    )
    assert diagnoser.diagnose(text).matches == ()


# -- causal cues: the cause a paste shows decides between neighbouring families ----------------------

CAUSAL_CASES = [
    # a Bearer header sent to a fal host, answered 401
    (
        "await fetch('https://fal.run/fal-ai/flux-pro', { headers: { Authorization: `Bearer ${falKey}` } })"
        " -> 401 Unauthorized",
        "auth_scheme",
    ),
    (
        'requests.post("https://queue.fal.run/fal-ai/recraft-v3", headers={"Authorization": f"Bearer '
        "{os.environ['FAL_KEY']}\"})\nrequests.exceptions.HTTPError: 401 Client Error: Unauthorized",
        "auth_scheme",
    ),
    (
        '$ curl -s https://fal.run/fal-ai/fast-sdxl -H "Authorization: Bearer 1234abcd" '
        '-d \'{"prompt":"x"}\'\n'
        '{"detail": "Invalid Key Authorization header format. Expected \'<key_id>:<key_secret>\'."}',
        "auth_scheme",
    ),
    # the server says no header arrived, and no key is in sight
    ("fal.ai responded 401: Authorization header is required. Is FAL_KEY set?", "missing_key"),
    (
        'POST https://queue.fal.run/fal-ai/kling-video 401 {"detail": "Authorization header is required"}'
        " - did you forget to set FAL_KEY in .env.local?",
        "missing_key",
    ),
    # a receiver's status code in a webhook report
    ("fal webhook delivery failed: Unexpected status code: 500", "queue_timeout"),
    (
        "Our fal_webhook endpoint never got the result; fal logs say webhook delivery failed "
        "(status code 404)",
        "queue_timeout",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CAUSAL_CASES)
def test_a_shown_cause_decides_the_family(diagnoser: Diagnoser, text: str, expected: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert category(diagnosis) == expected, (diagnosis.matches, diagnosis.evidence)


def test_bearer_is_not_blamed_where_it_is_right(diagnoser: Diagnoser) -> None:
    """fal's MCP server takes Bearer; a JWT from `fal auth login` is Bearer too."""
    mcp = 'curl https://mcp.fal.ai/mcp -H "Authorization: Bearer $FAL_KEY" -> 401 Unauthorized'
    jwt = (
        "fal_client 401 Unauthorized with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig "
        "after fal auth login"
    )
    for text in (mcp, jwt):
        assert category(diagnoser.diagnose(text)) != "auth_scheme", text


def test_a_bearer_header_with_a_non_auth_error_keeps_its_own_family(diagnoser: Diagnoser) -> None:
    text = (
        'curl https://fal.run/fal-ai/flux/dev -H "Authorization: Bearer x" -> 422 '
        '{"detail":[{"loc":["body","prompt"],"msg":"field required","type":"value_error.missing"}]}'
    )
    assert category(diagnoser.diagnose(text)) == "validation"


def test_fals_own_storage_urls_are_fal_evidence_not_google(diagnoser: Diagnoser) -> None:
    """Old fal uploads lived on GCS buckets named isolate-*/fal-*; a fal paste showing one is fal's."""
    fal_storage = [
        "Uploaded with fal.storage, got https://storage.googleapis.com/isolate-dev-hot-rooster_toolkit_bucket/"
        "a1.png?X-Goog-Expires=604800 and the model cannot download it: file_download_error",
        "LoRA weights at https://storage.googleapis.com/fal-flux-lora/0f07_pytorch_lora_weights.safetensors "
        "give file_download_error now",
    ]
    for text in fal_storage:
        diagnosis = diagnoser.diagnose(text)
        assert diagnosis.fal_related and category(diagnosis) == "file_url", (text, diagnosis.evidence)
    google = (
        "google.api_core.exceptions.NotFound: 404 GET https://storage.googleapis.com/storage/v1/b/my-bucket: "
        "The specified bucket does not exist."
    )
    assert diagnoser.diagnose(google).matches == ()


SHOWN_CAUSES = [
    # a refusal over who is shown, reported by the client as a 422 ValidationError
    (
        "fal-ai/kling-video refused my prompt naming Taylor Swift: ValidationError: Unprocessable Entity",
        "content_policy",
    ),
    (
        "Seedream via fal: 'ValidationError: Unprocessable Entity' whenever the prompt names a celebrity",
        "content_policy",
    ),
    (
        "fal.subscribe('fal-ai/veo3') -> 422 Unprocessable Entity (the prompt mentions a public figure)",
        "content_policy",
    ),
    # no HTTP answer at all from a fal host: the connection failed
    ("fal: connection refused while calling https://queue.fal.run/fal-ai/flux/dev", "network"),
    (
        "TypeError: fetch failed\n  cause: ConnectTimeoutError: Connect Timeout Error "
        "(attempt to connect to fal.run:443)\n  code: 'UND_ERR_CONNECT_TIMEOUT'",
        "network",
    ),
    ("fal_client: httpx.ConnectError: [Errno 111] Connection refused (https://rest.alpha.fal.ai)", "network"),
    # an upload over the size limit
    (
        "fal.storage.upload: 413 Request Entity Too Large https://rest.fal.ai/storage/upload/initiate",
        "file_url",
    ),
    ("POST https://fal.run/fal-ai/flux/dev/image-to-image failed: 413 Payload Too Large", "file_url"),
]


@pytest.mark.parametrize(("text", "expected"), SHOWN_CAUSES)
def test_more_shown_causes(diagnoser: Diagnoser, text: str, expected: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert category(diagnosis) == expected, (diagnosis.matches, diagnosis.evidence)


def test_typed_422s_keep_their_own_family_despite_refusal_words(diagnoser: Diagnoser) -> None:
    text = (
        'fal 422 {"detail": [{"loc": ["body", "image_url"], '
        '"msg": "Could not detect a face; request rejected", "type": "face_detection_error"}]}'
    )
    assert category(diagnoser.diagnose(text)) == "validation"


def test_someone_elses_fetch_failure_stays_declined(diagnoser: Diagnoser) -> None:
    text = (
        "TypeError: fetch failed\n  cause: ConnectTimeoutError: Connect Timeout Error "
        "(attempt to connect to api.openai.com)\n  code: 'UND_ERR_CONNECT_TIMEOUT'"
    )
    assert diagnoser.diagnose(text).matches == ()


def test_runner_connection_errors_are_fals_answers_not_network(diagnoser: Diagnoser) -> None:
    for text in (
        'fal_client FalClientHTTPError: {"detail": "Runner connection refused", "error_type": '
        '"runner_connection_refused"}',
        "fal: Runner connection timeout (runner_connection_timeout) on fal-ai/flux/dev",
    ):
        assert category(diagnoser.diagnose(text)) == "server_error", text


def test_a_bare_fastapi_422_is_not_fal_but_a_media_models_is(diagnoser: Diagnoser) -> None:
    """Any FastAPI app answers 422 with `loc: [body, field]`; only a media model's fields say fal."""
    others = [
        '{"detail":[{"loc":["body","username"],"msg":"field required","type":"value_error.missing"}]}',
        'POST /api/upload 422 {"detail":[{"loc":["body","file"],"msg":"field required",'
        '"type":"value_error.missing"}]}',
        '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least '
        '8 characters","input":"abc","ctx":{"min_length":8}}]}',
    ]
    for text in others:
        diagnosis = diagnoser.diagnose(text)
        assert not diagnosis.fal_related and (diagnosis.matches == () or diagnosis.generic), text
    fal_like = [
        '{"detail":[{"loc":["body","image_size"],"msg":"value is not a valid enumeration member; permitted: '
        '\'square_hd\', \'square\'","type":"type_error.enum"}]}',
        '{"detail":[{"loc":["body","image_url"],"msg":"Image too small","type":"image_too_small",'
        '"url":"https://docs.fal.ai/errors#image_too_small"}]}',
    ]
    for text in fal_like:
        assert category(diagnoser.diagnose(text)) == "validation", text


def test_fal_inside_another_word_is_not_fal(diagnoser: Diagnoser) -> None:
    """`false`, `fallback`, `falcon` contain the letters fal; patterns must not read them as fal."""
    text = 'res.status(401).json({ message: "Authorization header is required", success: false })'
    diagnosis = diagnoser.diagnose(text)
    assert not diagnosis.fal_related and (diagnosis.matches == () or diagnosis.generic)


def test_no_fal_key_configured_is_missing_key(diagnoser: Diagnoser) -> None:
    for text in (
        "Error: no fal.ai API key found. Set FAL_KEY in your environment.",
        "fal image tool: FAL_KEY is not set",
    ):
        assert category(diagnoser.diagnose(text)) == "missing_key", text


@pytest.mark.parametrize(
    "text",
    [
        "fal.ai playground: Error validating the input. Fix them and try again.",
        "fal-ai/kling-video keeps failing: invalid input parameters",
        "Error validating the input for fal-ai/kling-video/v2/master/image-to-video",
        # limits described in prose
        "fal caps num_images at 4 and we sent 8",
        "fal.ai accepts only 5 or 10 for duration",
    ],
)
def test_input_rejected_in_words_is_validation(diagnoser: Diagnoser, text: str) -> None:
    assert category(diagnoser.diagnose(text)) == "validation", diagnoser.diagnose(text).matches


def test_other_apps_input_validation_messages_stay_declined(diagnoser: Diagnoser) -> None:
    for text in (
        'res.status(400).json({"msg": "Error validating the input"})',
        "ValidationError: invalid input at path 'email'",
    ):
        diagnosis = diagnoser.diagnose(text)
        assert not diagnosis.fal_related and (diagnosis.matches == () or diagnosis.generic), text


def test_times_out_in_any_tense_leans_queue_timeout(diagnoser: Diagnoser) -> None:
    for text in (
        "Our fal generation times out client-side after 5 minutes and the result is lost",
        "fal.subscribe times out while the request is still IN_PROGRESS",
    ):
        assert category(diagnoser.diagnose(text)) == "queue_timeout", text


def test_a_bearer_token_of_another_service_is_not_a_scheme_mistake(diagnoser: Diagnoser) -> None:
    text = (
        "fetch('/functions/v1/generate', {headers: {Authorization: `Bearer ${session.access_token}`}}) "
        "-> edge function calls fal.run and logs 401 No user found for Key ID and Secret"
    )
    assert category(diagnoser.diagnose(text)) == "invalid_key"


def test_a_rejected_request_with_a_422_is_not_a_content_refusal(diagnoser: Diagnoser) -> None:
    text = "fal-ai/flux/dev 422 Unprocessable Entity: request rejected, image_url must be a valid https url"
    # an input URL fal cannot use is the input's problem (validation) or the URL's (file_url)
    assert category(diagnoser.diagnose(text)) in ("validation", "file_url")


LOG_ENTRY = """\
id: {id}
title: {title}
category: {category}
summary: A test entry for a status that one app's log line reports.
fix:
  - Do the thing that fixes it.
signals:
  status_codes: [{status}]
examples:
  - text: '{example}'
    source: test-{id}
  - text: 'fal_client.client.FalClientHTTPError: {status} {reason}'
    source: test-{id}
"""


def test_a_copy_of_an_example_with_another_familys_status_is_no_copy(tmp_path: Path) -> None:
    line = "[fal] Error during generation: Failed to submit the render request to fal queue: {}"
    for entry, category, status, reason, example in (
        ("test-key", "invalid_key", 401, "Unauthorized", line.format(401)),
        ("test-balance", "billing", 403, "Forbidden", "fal answers 403 Forbidden when the wallet is empty"),
    ):
        (tmp_path / f"{entry}.yml").write_text(
            LOG_ENTRY.format(
                id=entry, title=entry, category=category, status=status, reason=reason, example=example
            ),
            encoding="utf-8",
        )
    diagnoser = Diagnoser(load_knowledge(tmp_path, only=True))
    # the key entry's log line, word for word, but with the balance entry's status: no confident
    # answer of the key entry
    copied = [m for m in diagnoser.diagnose(line.format(403)).matches if m.id == "test-key"]
    assert not copied or copied[0].score < 80, copied
    # the same line with its own status still reads as the near copy it is
    own = diagnoser.diagnose(line.format(401)).best
    assert own is not None and own.id == "test-key" and own.score >= 80, own


def test_a_diagnoser_for_many_pastes_is_loaded_warm_and_kept_out_of_full_collections() -> None:
    """The Slack app and `diagnose --jsonl` load it so: a full collection walking the knowledge
    base's ~80,000 objects took 35-50 ms, paid by whichever paste (or ack) came when it ran."""
    import gc

    from bot.diagnosis import warm_for_many_pastes

    frozen_before = gc.get_freeze_count()
    try:
        diagnoser = warm_for_many_pastes(lambda: Diagnoser(load_knowledge()))
        assert gc.get_freeze_count() - frozen_before > 30_000
        assert gc.isenabled()
        assert diagnoser.diagnose("Error: getaddrinfo ENOTFOUND queue.fal.ai").best is not None
    finally:
        gc.unfreeze()


def test_full_width_digits_and_letters_read_as_ascii(diagnoser: Diagnoser) -> None:
    """Chinese and Japanese input methods type full-width forms; the punctuation stays as typed."""
    assert normalize("ＡＰＩキーエラー：４０１") == "APIキーエラー：401"
    typed = "fal の呼び出しでエラー ４２２：Ｕｎｐｒｏｃｅｓｓａｂｌｅ Ｅｎｔｉｔｙ"
    ascii_twin = "fal の呼び出しでエラー 422：Unprocessable Entity"
    assert diagnoser.diagnose(typed).to_json() == diagnoser.diagnose(ascii_twin).to_json()
