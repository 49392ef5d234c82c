# ruff: noqa: E501  (tables of real pasted texts read best one per line)
"""Black-box checks of the CLI against /work/shared/contract.md, through the real console script only.

Written from the contract, fal-facts.md and the issues, not from bot/: real-shaped error texts for
`diagnose`, every finding code and the masking rule for `check-key`, and the status fixtures plus
broken pages for `status`, with exit codes and "never a traceback, never the secret" everywhere.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.blackbox import KEY, KEY_ID, KEY_SECRET, clean_env, free_port, no_traceback, run_cli
from tests.support.loopback import LoopbackServer, Request, Response

pytestmark = pytest.mark.slow  # every test here starts fal-bot as a process

STATUS_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "status"
CATEGORIES = {
    "auth_scheme", "invalid_key", "missing_key", "billing", "validation", "content_policy",
    "queue_timeout", "rate_limit", "realtime", "file_url", "model_not_found", "server_error",
    "network", "output_format", "client_setup",  # client_setup: contract, Extensions of 2026-12
}  # fmt: skip
LEVELS = {"operational", "degraded", "partial_outage", "major_outage", "maintenance", "unknown"}
CODES = {
    "empty", "placeholder", "bearer_scheme", "scheme_in_value", "no_colon", "id_only", "secret_only",
    "whitespace", "quotes", "control_chars", "unexpected_shape",
}  # fmt: skip


def as_json(result: subprocess.CompletedProcess[bytes]) -> Any:
    assert no_traceback(result), result.stderr.decode("utf-8", "replace")[-2000:]
    return json.loads(result.stdout)


def assert_diagnosis_shape(out: dict[str, Any]) -> None:
    assert isinstance(out["fal_related"], bool)
    assert isinstance(out["matches"], list)
    assert isinstance(out["key_findings"], list)
    scores = []
    for match in out["matches"]:
        assert {"id", "title", "category", "score"} <= set(match)
        assert match["category"] in CATEGORIES
        assert isinstance(match["score"], int | float) and 0 <= match["score"] <= 100
        scores.append(match["score"])
    assert scores == sorted(scores, reverse=True), "matches must be best first"
    for finding in out["key_findings"]:
        assert {"code", "message"} <= set(finding)
        assert finding["code"] in CODES | {"exposed"}
    if not out["matches"]:
        # Empty matches: fal_related may still be true ("clearly about fal but unmatched").
        pass


# --- diagnose: real-shaped fal errors in realistic wrapping ----------------------------------------

FAL_CASES: list[tuple[str, str]] = [
    ("fal_client.client.FalClientHTTPError: No user found for Key ID and Secret", "invalid_key"),
    ('HTTP/2 401\r\ncontent-type: application/json\r\n\r\n{"detail": "No user found for Key ID and Secret"}', "invalid_key"),
    ('Traceback (most recent call last):\n  File "app.py", line 12, in <module>\n    result = fal_client.subscribe("fal-ai/flux/dev", arguments={"prompt": "a cat"})\n  File "/usr/lib/python3.11/site-packages/fal_client/client.py", line 540, in subscribe\n    handle = self.submit(application, arguments)\nfal_client.client.FalClientHTTPError: No user found for Key ID and Secret', "invalid_key"),
    ("httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://queue.fal.run/fal-ai/flux/dev'\nFor more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401", "invalid_key"),
    ("fal_client.auth.MissingCredentialsError: Please set the FAL_KEY environment variable to your API key, or login with the fal CLI.", "missing_key"),
    ("MissingCredentialsError: Key credentials not found. Set FAL_KEY (or FAL_KEY_ID/FAL_KEY_SECRET).", "missing_key"),
    ('POST https://rest.fal.ai/storage/upload/initiate 401\n{"detail": "Authorization header is required"}', "missing_key"),
    ("Error: Missing fal.ai credentials", "missing_key"),
    ('403 Forbidden {"detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."}', "billing"),
    ("fal_client.client.FalClientHTTPError: User is locked. Reason: Admin lock. Please contact support@fal.ai", "billing"),
    ('{"detail":"User is locked. Reason: TOP_UP."}', "billing"),
    ("ApiError: Forbidden\n    at dispatchRequest (node_modules/@fal-ai/client/src/request.ts:88:11)\n  status: 403,\n  body: { detail: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.' }", "billing"),
    ("\x1b[31mfal_client.client.FalClientHTTPError\x1b[0m: User is locked. Reason: Admin lock. Please contact support@fal.ai", "billing"),
    ('fal_client.client.FalClientHTTPError: Application "schnell" not found', "model_not_found"),
    ('HTTP 404 from https://queue.fal.run/flux-pro: {"detail": "Application \\"flux-pro\\" not found"}', "model_not_found"),
    ("httpx.ConnectError: [Errno -2] Name or service not known (queue.fal.ai)\nwhile POST https://queue.fal.ai/fal-ai/flux/dev", "network"),
    ("getaddrinfo ENOTFOUND queue.fal.ai", "network"),
    ("GET https://queue.fal.run/fal-ai/flux/dev 405 Method Not Allowed", "queue_timeout"),
    ("fal_client.client.FalClientTimeoutError: Request 7c2e9a4b-1d2f-4e5a-8b9c-0d1e2f3a4b5c timed out after 300 seconds", "queue_timeout"),
    ('HTTP/1.1 504 Gateway Timeout\nx-fal-error-type: request_timeout\n\n{"detail": "Request timed out", "error_type": "request_timeout"}', "queue_timeout"),
    ('{"detail": "Startup timed out", "error_type": "startup_timeout"}', "queue_timeout"),
    ('{"request_id": "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6", "gateway_request_id": "9f3c1a2b-0000-4000-8000-123456789abc", "status": "ERROR", "error": "Invalid status code: 404", "payload": null}', "queue_timeout"),
    ('503 Service Unavailable {"detail": "Runner scheduling failure", "error_type": "runner_scheduling_failure"}', "server_error"),
    ('{"detail": "Runner disconnected", "error_type": "runner_disconnected"} (HTTP 503 from fal.run)', "server_error"),
    ('{"detail":"Internal error","error_type":"internal_error"} status 500 from https://fal.run/fal-ai/flux/dev', "server_error"),
    ("fal_client.client.FalClientHTTPError: Error scheduling request, please try again later", "server_error"),
    ("```\n&lt;!DOCTYPE html&gt;&lt;title&gt;502 Bad Gateway&lt;/title&gt; nginx fal.run\n```", "server_error"),
    ("fal_client.client.FalClientHTTPError: [{'loc': ['body', 'image_size'], 'msg': \"Input should be 'square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3' or 'landscape_16_9'\", 'type': 'literal_error'}]", "validation"),
    ('422 Unprocessable Entity from fal.run: {"detail": [{"loc": ["body", "num_inference_steps"], "msg": "Input should be less than or equal to 50", "type": "less_than_equal", "ctx": {"le": 50}, "input": 80}]}', "validation"),
    ('{"detail": [{"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}]} -- from fal-ai/flux/dev', "validation"),
    ('{"detail": [{"loc": ["body", "prompt"], "msg": "The content could not be processed because it contained material flagged by a content checker.", "type": "content_policy_violation", "url": "https://docs.fal.ai/errors#content_policy_violation"}]}', "content_policy"),
    ('{"detail": [{"loc": ["body"], "msg": "No media generated", "type": "no_media_generated"}]} fal-ai/flux-pro', "content_policy"),
    ('{"detail": [{"loc": ["body", "image_url"], "msg": "Failed to download the file. Please check if the URL is accessible and try again.", "type": "file_download_error", "input": "file:///home/me/cat.png"}]}', "file_url"),
    ('{"detail": [{"loc": ["body", "image_url"], "msg": "Input must be a valid HTTPS URL or a Data URI", "type": "value_error"}]} fal-ai/flux/dev/image-to-image', "file_url"),
    ("WebSocket connection to 'wss://fal.run/fal-ai/fast-lcm-diffusion/realtime?fal_jwt_token=eyJ...' failed: Error during WebSocket handshake: Unexpected response code: 401", "realtime"),
    ("fal_client.client.RealtimeError: Failed to get realtime token from https://rest.fal.ai/tokens/: 401", "realtime"),
    ("result = fal_client.subscribe('fal-ai/flux/dev', arguments=args)\nurl = result['images'][0]['url']\nKeyError: 'images'", "output_format"),
    ("fal_client.client.FalClientHTTPError: 429 Too Many Requests from https://queue.fal.run/fal-ai/flux/dev", "rate_limit"),
    ('{&quot;detail&quot;: &quot;No user found for Key ID and Secret&quot;}', "invalid_key"),
    ("ApiError: Unauthorized\n    at dispatchRequest (node_modules/@fal-ai/client/dist/request.js:47:15)\n  status: 401,\n  body: { detail: 'No user found for Key ID and Secret' }", 'invalid_key'),
    ('Error: Unauthorized {"status":401,"body":{"detail":"No user found for Key ID and Secret"}} at fal.subscribe(\'fal-ai/fast-sdxl\')', 'invalid_key'),
    ('ValidationError: Unprocessable Entity\n  status: 422,\n  body: { detail: [ { loc: [\'body\', \'image_size\'], msg: "Input should be \'square_hd\', \'square\', \'portrait_4_3\'", type: \'literal_error\' } ] }\n at @fal-ai/client', 'validation'),
    ("fal_client.client.FalClientHTTPError: Cannot access application 'fal-ai/flux-pro/v1.1-ultra'. Authentication is required to access this application.", 'missing_key'),
    ('FalClientHTTPError: invalid key credentials', 'invalid_key'),
    ('Error: fetch failed\n  cause: ConnectTimeoutError: Connect Timeout Error (attempt: 1, timeout: 10000ms) UND_ERR_CONNECT_TIMEOUT https://queue.fal.run/fal-ai/flux/dev', 'network'),
    ('requests.exceptions.ConnectionError: HTTPSConnectionPool(host=\'queue.fal.ai\', port=443): Max retries exceeded with url: /fal-ai/flux/dev (Caused by NameResolutionError("Failed to resolve \'queue.fal.ai\'"))', 'network'),
    ('{"detail": "Path /submit not found"} from https://queue.fal.run/fal-ai/kling-video/v1/standard/text-to-video/requests/abc', 'model_not_found'),
    ('{"detail":"Application \\"flux\\" not found"}', 'model_not_found'),
    ('GET https://queue.fal.run/fal-ai/flux/dev/requests/764cabcf-b745-4b3e-ae38-1200304cf45b/status -> 405 Method Not Allowed', 'queue_timeout'),
    ('status: COMPLETED but result fetch says {"detail": "Request timed out", "error_type": "request_timeout"} fal-ai/wan', 'queue_timeout'),
    ('{"detail": "Runner connection timeout", "error_type": "runner_connection_timeout"}', 'server_error'),
    ('HTTP 502 {"detail": "Runner incomplete response", "error_type": "runner_incomplete_response"} fal.run', 'server_error'),
    ('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html> (from https://fal.run/fal-ai/flux/dev)', 'server_error'),
    ('{"detail": [{"loc": ["body", "image_url"], "msg": "Image too small, minimum 256x256", "type": "image_too_small", "ctx": {"min_width": 256}}]} fal-ai/clarity-upscaler', 'validation'),
    ('{"detail": [{"loc": ["body", "image_url"], "msg": "Could not detect a face in the image", "type": "face_detection_error"}]} fal-ai/face-swap', 'validation'),
    ('{"detail":[{"loc":["body","audio_url"],"msg":"Audio duration exceeds 600 seconds","type":"audio_duration_too_long"}]}  fal-ai/whisper', 'validation'),
    ("fal_client.client.FalClientHTTPError: {'detail': [{'loc': ['body', 'prompt'], 'msg': 'The content could not be processed because it contained material flagged by a content checker.', 'type': 'content_policy_violation'}]}", 'content_policy'),
    ('Error: The image at https://v3.fal.media/files/rabbit/abc.png has expired, 404 Not Found', 'file_url'),
    ('fal_client.upload_file failed: 403 Forbidden POST https://rest.fal.ai/storage/upload/initiate User is locked. Reason: Exhausted balance', 'billing'),
    ('WebSocket closed 1006 wss://fal.run/fal-ai/fast-lcm-diffusion/realtime: realtime is not supported for this app', 'realtime'),
    ('fal.realtime.connect error: Failed to fetch realtime token POST https://rest.fal.ai/tokens/ 401 Unauthorized', 'realtime'),
    ("TypeError: Cannot read properties of undefined (reading '0')\n    at const url = result.images[0].url  // fal.subscribe('fal-ai/flux/schnell') returns { data, requestId }", 'output_format'),
    ('402 Payment Required from fal.run: {"detail": "Insufficient balance"}', 'billing'),
    ('fal_client.client.FalClientHTTPError: 429: Too many concurrent requests, concurrency limit 2 reached fal-ai/flux/dev', 'rate_limit'),
    ('fal webhook never called: my endpoint got {"status": "ERROR", "error": "Unexpected status code: 422", "payload_error": "..."}', 'queue_timeout'),
    ('curl -X POST https://fal.run/fal-ai/flux/dev -H "Authorization: Bearer $FAL_KEY" -> 401', 'auth_scheme'),
    ("Error: Forbidden\n    at ApiError (file:///app/node_modules/@fal-ai/client/src/response.ts:21:5)\n  body: { detail: 'User is locked. Reason: Admin lock. Please contact support@fal.ai' }", 'billing'),
    ('\x1b[1;31mERROR\x1b[0m fal-ai/flux-pro/v1.1 -> 422 {"detail":[{"loc":["body","aspect_ratio"],"msg":"Input should be \'21:9\', \'16:9\', \'4:3\', \'1:1\'","type":"literal_error"}]}', 'validation'),
    ('&gt; fal_client.client.FalClientHTTPError: Application &quot;flux-dev&quot; not found', 'model_not_found'),
    ('POST https://fal.run/fal-ai/flux/dev\n< HTTP/2 403\n< content-type: application/json\n{"detail":"User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."}', 'billing'),
    ('fal_client.client.FalClientHTTPError: Request timed out\n(error_type=request_timeout, X-Fal-Request-Timeout: 60)', 'queue_timeout'),
    ('fal.queue.result returned {"detail": "Path /v2 not found"} for fal-ai/kling-video/v2/master', 'model_not_found'),
    ('httpx.ReadTimeout: The read operation timed out\n  File ".../fal_client/client.py", line 1011, in _get_status', 'queue_timeout'),
    ('ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self signed certificate in certificate chain (_ssl.c:1006) while connecting to queue.fal.run', 'network'),
    ('fal_client.client.FalClientHTTPError: {"detail": "Runner connection refused", "error_type": "runner_connection_refused"}', 'server_error'),
    ('{"detail":[{"loc":["body","image_url"],"msg":"Unsupported image format: image/heic","type":"unsupported_image_format"}]} fal-ai/birefnet', 'validation'),
    ("KeyError: 'image'\n  out = fal_client.subscribe('fal-ai/flux/schnell', ...)['image']['url']", 'output_format'),
    ('Error: No inputs, reconnect when needed! (fal realtime websocket closed) wss://fal.run/fal-ai/fast-turbo-diffusion/realtime', 'realtime'),
    ('fal_client.auth.MissingCredentialsError: Please set the FAL_KEY environment variable to your API key', 'missing_key'),
    ('Error: Missing fal.ai credentials. Set FAL_KEY or configure the proxy (route.ts: @fal-ai/server-proxy)', 'missing_key'),
    ('401 {"detail": "No user found for Key ID and Secret"} - but I just created the key in the dashboard, FAL_KEY is set in .env', 'invalid_key'),
    ('{"detail": "Client cancelled", "error_type": "client_cancelled"} HTTP 499 fal.run', 'queue_timeout'),
    ('Error: getaddrinfo EAI_AGAIN fal.run', 'network'),
    ('requests.exceptions.HTTPError: 405 Client Error: Method Not Allowed for url: https://queue.fal.run/fal-ai/flux/dev/requests/7b2c/status', 'queue_timeout'),
]  # fmt: skip

# The 401 "Invalid Key Authorization header format" is a key without colon (invalid_key) or a wrong
# header (auth_scheme): the contract's wording fits both, so either is accepted.
AMBIGUOUS_HEADER_FORMAT = (
    '{"detail": "Invalid Key Authorization header format. Expected \'<key_id>:<key_secret>\'."}'
)

LOOKALIKES: list[str] = [
    "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}",
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29876, Requested 1200.', 'type': 'tokens', 'code': 'rate_limit_exceeded'}}",
    "anthropic.AuthenticationError: Error code: 401 - {'type': 'error', 'error': {'type': 'authentication_error', 'message': 'invalid x-api-key'}}",
    "anthropic.RateLimitError: Error code: 429 - {'type': 'error', 'error': {'type': 'rate_limit_error', 'message': 'Number of request tokens has exceeded your per-minute rate limit'}}",
    "replicate.exceptions.ReplicateError: ReplicateError Details:\ntitle: Unauthenticated\nstatus: 401\ndetail: You did not pass a valid authentication token",
    '{"detail": "Invalid token."}',
    '{"detail":"Not found."} from https://api.replicate.com/v1/models/stability-ai/sdxl',
    "stripe.error.AuthenticationError: Invalid API Key provided: sk_test_****1234",
    "stripe.error.CardError: Request req_abc123: Your card has insufficient funds.",
    "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
    "botocore.exceptions.ClientError: An error occurred (ThrottlingException) when calling the InvokeModel operation (reached max retries: 4): Too many requests, please wait before trying again.",
    "huggingface_hub.utils._errors.HfHubHTTPError: 402 Client Error: Payment Required for url: https://router.huggingface.co/fal-ai/fal-ai/flux/dev (Request ID: Root=1-abc)\nPay-as-you go is not enabled for provider fal-ai",
    "huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/whoami-v2 Invalid user token.",
    "CrowdStrike Falcon sensor: falcon-sensor.service failed, error: CID not set. Run falconctl -s --cid=<CID>",
    "Error: Request failed with status code 401 at createError (node_modules/axios/lib/core/createError.js:16:15) url: https://api.openai.com/v1/chat/completions",
    "google.api_core.exceptions.PermissionDenied: 403 Your API key was reported as leaked. Please use another API key.",
    'openai.BadRequestError: Error code: 400 - {\'error\': {\'message\': "Invalid value for \'size\': \'2048x2048\'", \'type\': \'invalid_request_error\', \'param\': \'size\'}}',
    'openai.APIConnectionError: Connection error. httpx.ConnectError: [Errno -2] Name or service not known',
    "anthropic.InternalServerError: Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}",
    'replicate.exceptions.ModelError: NSFW content detected. Try running it again, or try a different prompt.',
    'ReplicateError: Prediction failed: CUDA out of memory. status 422 {"detail": "Invalid version or not permitted"}',
    'stripe.error.RateLimitError: Request rate limit exceeded (429)',
    'requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.stability.ai/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image',
    "google.genai.errors.ClientError: 400 INVALID_ARGUMENT. {'error': {'code': 400, 'message': 'API key not valid. Please pass a valid API key.'}}",
    'Error: 429 Too Many Requests from https://api.together.xyz/v1/images/generations',
    'fastapi: {"detail":[{"loc":["body","email"],"msg":"field required","type":"value_error.missing"}]} POST http://localhost:8000/users',
    'django.db.utils.OperationalError: could not connect to server: Connection refused',
    'Falcon-40B inference: torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
    'falcon.errors.HTTPBadRequest: 400 Bad Request (falcon web framework)',
    'Error: Request failed with status code 403 https://api.elevenlabs.io/v1/text-to-speech quota_exceeded',
    "openai.NotFoundError: Error code: 404 - {'error': {'message': 'The model `gpt-5-turbo` does not exist or you do not have access to it.', 'type': 'invalid_request_error', 'code': 'model_not_found'}}",
    'Error: 402 Payment Required {"detail": "You have exceeded your monthly quota"} https://api.runpod.ai/v2/abc/run',
    'replicate.exceptions.ReplicateError: status: 422 detail: - input.width: Must be less than or equal to 1440',
    'google.auth.exceptions.DefaultCredentialsError: Your default credentials were not found.',
    '{"detail":"Authentication credentials were not provided."}  (Django REST framework, GET /api/v1/orders)',
    'Stability AI: 403 {"name": "content_moderation", "errors": ["Your request was flagged by our content moderation system"]}',
    'Midjourney: Banned prompt detected: your job was blocked by the moderation filter',
    'Error: connect ECONNREFUSED 127.0.0.1:5432 (postgres)',
]  # fmt: skip


@pytest.fixture(scope="module")
def batch() -> dict[str, dict[str, Any]]:
    """Every text diagnosed once, through --jsonl (one process), keyed by text."""
    texts = [text for text, _ in FAL_CASES] + LOOKALIKES + [AMBIGUOUS_HEADER_FORMAT]
    result = run_cli(["diagnose", "--jsonl"], stdin="\n".join(json.dumps(t) for t in texts) + "\n")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(texts)
    outputs = [as_json_line(line) for line in lines]
    return dict(zip(texts, outputs, strict=True))


def as_json_line(line: str) -> dict[str, Any]:
    out = json.loads(line)
    assert isinstance(out, dict)
    assert_diagnosis_shape(out)
    return out


def test_fal_errors_first_match_category_hit_rate(batch: dict[str, dict[str, Any]]) -> None:
    misses = []
    for text, category in FAL_CASES:
        out = batch[text]
        got = out["matches"][0]["category"] if out["matches"] else None
        if got != category:
            misses.append((category, got, text[:80]))
        assert out["fal_related"], text
    assert len(misses) / len(FAL_CASES) <= 0.10, misses
    # Every miss is listed in the report; the gate mirrors issue 3's 90 %.
    assert not misses, misses


def test_header_format_401_is_a_key_or_scheme_problem(batch: dict[str, dict[str, Any]]) -> None:
    out = batch[AMBIGUOUS_HEADER_FORMAT]
    assert out["matches"][0]["category"] in {"invalid_key", "auth_scheme"}


def test_other_vendors_are_declined(batch: dict[str, dict[str, Any]]) -> None:
    wrong = [(t[:80], batch[t]["matches"][:1]) for t in LOOKALIKES if batch[t]["matches"]]
    related = [t[:80] for t in LOOKALIKES if batch[t]["fal_related"]]
    assert not wrong
    assert not related


def test_js_fetch_with_bearer_is_auth_scheme() -> None:
    text = "fetch('https://queue.fal.run/fal-ai/flux/dev', {headers: {Authorization: `Bearer ${process.env.FAL_KEY}`}}) returns 401 Unauthorized"
    out = as_json(run_cli(["diagnose", "--json", text]))
    assert out["matches"][0]["category"] == "auth_scheme"


def test_authorization_header_required_with_fal_key_hint_is_missing_key() -> None:
    text = "[fal.ai] 401 Unauthorized: Authorization header is required. Did you forget to set FAL_KEY?"
    out = as_json(run_cli(["diagnose", "--json", text]))
    assert out["matches"][0]["category"] == "missing_key"


def test_bearer_header_with_format_error_is_auth_scheme() -> None:
    text = (
        "curl -i https://fal.run/fal-ai/flux/schnell -H 'Authorization: Bearer abc' -d '{}'\n"
        "HTTP/2 401\n"
        '{"detail":"Invalid Key Authorization header format. Expected \'<key_id>:<key_secret>\'."}'
    )
    out = as_json(run_cli(["diagnose", "--json", text]))
    assert out["matches"][0]["category"] == "auth_scheme"


def test_fal_webhook_delivery_failure_is_matched() -> None:
    out = as_json(run_cli(["diagnose", "--json", "fal webhook delivery failed: Invalid status code: 404"]))
    assert out["matches"] and out["matches"][0]["category"] == "queue_timeout"


def test_upload_413_is_file_url() -> None:
    text = "fal.storage.upload: 413 Request Entity Too Large https://rest.fal.ai/storage/upload/initiate"
    out = as_json(run_cli(["diagnose", "--json", text]))
    assert out["matches"] and out["matches"][0]["category"] == "file_url"


def test_file_too_large_422_is_validation_or_file_url() -> None:
    text = '{"detail":[{"loc":["body","image_url"],"msg":"File too large, maximum 10MB","type":"file_too_large"}]} from fal'
    out = as_json(run_cli(["diagnose", "--json", text]))
    assert out["matches"][0]["category"] in {"validation", "file_url"}


def test_40k_log_with_one_fal_error_inside() -> None:
    noise = "\n".join(
        f"2026-11-24 09:{i % 60:02d}:00 INFO worker[{i}] processed job {i * 7919 % 1000003} in 0.{i % 997:03d}s ok"
        for i in range(700)
    )
    error = (
        "\nERROR fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted balance. "
        "Top up your balance at fal.ai/dashboard/billing.\n"
    )
    text = (noise[:20000] + error + noise[20000:])[:40000]
    assert error.strip() in text and len(text) == 40000
    began = time.monotonic()
    out = as_json(run_cli(["diagnose", "--json"], stdin=text))
    assert time.monotonic() - began < 10
    assert_diagnosis_shape(out)
    assert out["matches"][0]["category"] == "billing"


def test_bearer_header_with_real_key_is_flagged_and_never_echoed() -> None:
    text = (
        f"curl -H 'Authorization: Bearer {KEY}' https://queue.fal.run/fal-ai/flux/dev\n"
        '{"detail": "No user found for Key ID and Secret"}'
    )
    for args, stdin in (
        (["diagnose", "--json", text], b""),
        (["diagnose", "--json"], text),
        (["diagnose", text], b""),
    ):
        result = run_cli(args, stdin=stdin)
        everything = result.stdout + result.stderr
        assert KEY_SECRET.encode() not in everything
        assert KEY_SECRET[:-4].encode() not in everything
        if "--json" in args:
            codes = {f["code"] for f in as_json(result)["key_findings"]}
            assert {"bearer_scheme", "exposed"} <= codes


def test_key_in_env_assignment_is_exposed_not_echoed() -> None:
    text = f"export FAL_KEY={KEY}\nfal_client.client.FalClientHTTPError: No user found for Key ID and Secret"
    result = run_cli(["diagnose", "--json"], stdin=text)
    assert KEY_SECRET.encode() not in result.stdout + result.stderr
    assert "exposed" in {f["code"] for f in as_json(result)["key_findings"]}


@pytest.mark.parametrize(
    "stdin",
    [
        b"",
        b"\n\n\n",
        b"\xff\xfe\x00\x01\x80binary junk\xc3\x28",
        bytes(range(256)) * 64,
        ("fal_client.client.FalClientHTTPError: No user found for Key ID and Secret " * 14000).encode(),
        b"A" * 1_000_000,
        "🔥 fal.run 💥 \u202e\u200b\u0000".encode(),
    ],
    ids=["empty", "newlines", "invalid-utf8", "all-bytes", "1mb-fal", "1mb-junk", "unicode-nul"],
)
def test_diagnose_odd_stdin_never_tracebacks(stdin: bytes) -> None:
    result = run_cli(["diagnose", "--json"], stdin=stdin, timeout=60)
    assert result.returncode == 0
    out = as_json(result)
    assert_diagnosis_shape(out)


def test_diagnose_text_dash_and_plain_output() -> None:
    text = "fal_client.client.FalClientHTTPError: No user found for Key ID and Secret"
    dash = as_json(run_cli(["diagnose", "--json", "-"], stdin=text))
    assert dash["matches"][0]["category"] == "invalid_key"
    plain = run_cli(["diagnose", text])
    assert plain.returncode == 0 and no_traceback(plain) and plain.stdout.strip()
    with pytest.raises(ValueError):
        json.loads(plain.stdout)  # human output by default


def test_jsonl_odd_lines_answer_one_line_each_in_order() -> None:
    lines = [
        json.dumps("fal_client.client.FalClientHTTPError: No user found for Key ID and Secret"),
        "",
        "123",
        "{not json",
        json.dumps(["x"]),
        "null",
        json.dumps({"text": "x"}),
        json.dumps("x" * 200_000),
        json.dumps("\u00e9\u0000\u2603 fal"),
        '"\xff broken"',
        json.dumps('{"detail":"User is locked. Reason: TOP_UP."}'),
        json.dumps(f"Authorization: Key {KEY_ID}"),
    ]
    stdin = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
    stdin = stdin.replace('"\xff broken"'.encode(), b'"\xff broken"')
    result = run_cli(["diagnose", "--jsonl"], stdin=stdin, timeout=60)
    assert no_traceback(result)
    out_lines = result.stdout.decode("utf-8").splitlines()
    assert len(out_lines) == len(lines)
    outs = [as_json_line(line) for line in out_lines]
    assert outs[0]["matches"][0]["category"] == "invalid_key"
    assert outs[10]["matches"][0]["category"] == "billing"
    assert "id_only" in {f["code"] for f in outs[11]["key_findings"]}
    for index in (2, 3, 4, 5, 6):
        assert outs[index]["matches"] == []


def test_jsonl_never_echoes_a_key() -> None:
    result = run_cli(["diagnose", "--jsonl"], stdin=json.dumps(f"Authorization: Key {KEY}") + "\n")
    assert KEY_SECRET.encode() not in result.stdout + result.stderr
    assert "exposed" in {f["code"] for f in as_json_line(result.stdout.decode().strip())["key_findings"]}


# --- check-key -----------------------------------------------------------------------------------


CODE_CASES: list[tuple[str, str, str]] = [
    ("", "empty", "problem"),
    ("YOUR_KEY", "placeholder", "problem"),
    ("fal-YOUR_KEY", "placeholder", "problem"),
    ("<key>", "placeholder", "problem"),
    ("YOUR_FAL_KEY", "placeholder", "problem"),
    (f"Bearer {KEY}", "bearer_scheme", "problem"),
    (f"Key {KEY}", "scheme_in_value", "problem"),
    ("abcdef0123456789", "no_colon", "problem"),
    (KEY_ID, "id_only", "problem"),
    (KEY_SECRET, "secret_only", "problem"),
    (f" {KEY}", "whitespace", "problem"),
    (f"{KEY} ", "whitespace", "problem"),
    (f"{KEY_ID}: {KEY_SECRET}", "whitespace", "problem"),
    (f"{KEY}\t", "whitespace", "problem"),
    (f'"{KEY}"', "quotes", "problem"),
    (f"'{KEY}'", "quotes", "problem"),
    (f"\x1b[200~{KEY}", "control_chars", "problem"),
    (f"{KEY_ID}:\x07{KEY_SECRET}", "control_chars", "problem"),
    ("my-key-id:my-secret", "unexpected_shape", "ok"),
]


def parallel(check: Any, cases: list[Any]) -> None:
    """Run `check(case)` for every case on a few threads (each starts a process); list all failures."""

    def guarded(case: Any) -> str | None:
        try:
            check(case)
        except AssertionError as exc:
            return f"{case!r}: {exc}"
        return None

    with ThreadPoolExecutor(4) as pool:
        problems = [problem for problem in pool.map(guarded, cases) if problem]
    assert not problems, "\n".join(problems)


def test_check_key_codes() -> None:
    def check(case: tuple[str, str, str]) -> None:
        value, code, verdict = case
        result = run_cli(["check-key", "--json", value] if value else ["check-key", "--json"], stdin=b"\n")
        out = as_json(result)
        assert out["verdict"] == verdict, out
        assert code in {f["code"] for f in out["findings"]}, out
        assert all(f["code"] in CODES and f["message"] for f in out["findings"])
        assert result.returncode == (0 if verdict == "ok" else 1)
        assert KEY_SECRET.encode() not in result.stdout + result.stderr

    parallel(check, CODE_CASES)


def test_check_key_ok_masking_and_human_output() -> None:
    for args, stdin in ((["check-key", "--json", KEY], b""), (["check-key", "--json"], KEY + "\n")):
        result = run_cli(args, stdin=stdin)
        assert as_json(result) == {"verdict": "ok", "masked": f"{KEY[:4]}…:…{KEY[-4:]}", "findings": []}
        assert result.returncode == 0
    human = run_cli(["check-key", KEY])
    assert human.returncode == 0 and no_traceback(human)
    assert KEY_SECRET[:-4].encode() not in human.stdout + human.stderr


def test_check_key_masks_a_no_colon_value_to_its_first_four() -> None:
    out = as_json(run_cli(["check-key", "--json", "abcdef0123456789"]))
    assert out["masked"] == "abcd…"


def test_check_key_masks_short_values_per_contract() -> None:
    """First 4 characters, `…` (no shorter for short values), and the secret's last 4 after `:…`."""
    assert as_json(run_cli(["check-key", "--json", "abcdef"]))["masked"] == "abcd…"
    assert as_json(run_cli(["check-key", "--json", "<key>"]))["masked"] == "<key…"
    assert as_json(run_cli(["check-key", "--json", "foo:bar"]))["masked"].endswith(":…bar")


def test_check_key_stdin_line_ending() -> None:
    one = run_cli(["check-key", "--json"], stdin=KEY + "\n")
    assert as_json(one)["verdict"] == "ok" and one.returncode == 0
    none = run_cli(["check-key", "--json"], stdin=KEY)
    assert as_json(none)["verdict"] == "ok"
    two = run_cli(["check-key", "--json"], stdin=KEY + "\n\n")
    assert "whitespace" in {f["code"] for f in as_json(two)["findings"]} and two.returncode == 1
    empty = run_cli(["check-key", "--json"], stdin=b"")
    assert as_json(empty)["masked"] == "" and empty.returncode == 1


def test_check_key_odd_stdin_never_tracebacks_nor_echoes() -> None:
    for stdin in (b"\xff\xfe" + KEY_SECRET.encode() + b"\xc3\x28\n", b"\x00" * 100, b"A" * 1_000_000):
        result = run_cli(["check-key", "--json"], stdin=stdin)
        out = as_json(result)
        assert out["verdict"] == "problem" and result.returncode == 1
        assert KEY_SECRET.encode() not in result.stdout + result.stderr


ENV_CASES: list[tuple[dict[str, str], str, str | None]] = [
    ({"FAL_KEY": KEY}, "ok", None),
    ({"FAL_KEY": KEY + "\n"}, "problem", "whitespace"),
    ({"FAL_KEY_ID": KEY_ID, "FAL_KEY_SECRET": KEY_SECRET}, "ok", None),
    ({"FAL_KEY_ID": KEY_ID, "FAL_KEY_SECRET": KEY_SECRET + "\n"}, "problem", "whitespace"),
    ({"FAL_KEY_ID": KEY_ID + " ", "FAL_KEY_SECRET": KEY_SECRET}, "problem", "whitespace"),
    ({"FAL_KEY": f'"{KEY}"', "FAL_KEY_ID": KEY_ID, "FAL_KEY_SECRET": KEY_SECRET}, "problem", "quotes"),
    ({"FAL_KEY": "", "FAL_KEY_ID": KEY_ID, "FAL_KEY_SECRET": KEY_SECRET}, "ok", None),
    ({}, "problem", "empty"),
    ({"FAL_KEY_ID": KEY_ID}, "problem", None),
]


def test_check_key_env_byte_for_byte() -> None:
    def check(case: tuple[dict[str, str], str, str | None]) -> None:
        env, verdict, code = case
        result = run_cli(["check-key", "--env", "--json"], env=clean_env(**env))
        out = as_json(result)
        assert out["verdict"] == verdict, out
        if code:
            assert code in {f["code"] for f in out["findings"]}, out
        assert result.returncode == (0 if verdict == "ok" else 1)
        assert KEY_SECRET.encode() not in result.stdout + result.stderr

    parallel(check, ENV_CASES)


# --- help and kb lint ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [[], ["run"], ["diagnose"], ["check-key"], ["status"], ["kb"], ["kb", "lint"]]
)
def test_help(command: list[str]) -> None:
    result = run_cli([*command, "--help"])
    assert result.returncode == 0 and no_traceback(result)
    assert b"usage" in result.stdout.lower()


def test_kb_lint_passes_and_python_m_bot_works() -> None:
    result = run_cli(["kb", "lint"])
    assert result.returncode == 0, result.stdout[-1000:] + result.stderr[-1000:]
    import sys

    module = subprocess.run(
        [sys.executable, "-m", "bot", "check-key", "--json", KEY],
        capture_output=True,
        env=clean_env(),
        check=False,
    )
    assert json.loads(module.stdout)["verdict"] == "ok"


def test_kb_lint_fails_on_a_broken_entry(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("id: not-the-file-name\ntitle: x\ncategory: nonsense\n")
    result = run_cli(["kb", "lint"], env=clean_env(FAL_BOT_KNOWLEDGE_DIR=str(tmp_path)))
    assert result.returncode == 1 and no_traceback(result)
    assert b"broken.yml" in result.stdout + result.stderr


# --- status ----------------------------------------------------------------------------------------


def _fixture_page(summary_path: str, payload: bytes, components: bytes | None = None) -> Any:
    def handle(request: Request) -> Response:
        path = request.path.split("?")[0]
        if path == summary_path:
            return Response(200, payload)
        if components is not None and path == "/v2/components.json":
            return Response(200, components)
        return Response(404, "Not Found", {"Content-Type": "text/plain"})

    return handle


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[LoopbackServer] = []

    def start(handler: Any) -> str:
        server = LoopbackServer(handler).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


STATUS_EXPECTED = [
    ("instatus_summary_docsample.json", "/summary.json", "major_outage", ["We're facing an issue with our API"], "instatus"),
    ("statuspage_summary_github_2020-04-02_major_outage.json", "/api/v2/summary.json", "major_outage", ["Incident on 2020-04-02 20:20 UTC"], "statuspage"),
    ("statuspage_summary_github_major_docsample.json", "/api/v2/summary.json", "major_outage", ["Unplanned Database Outage"], "statuspage"),
    ("statuspage_summary_twilio_minor_two_incidents.json", "/api/v2/summary.json", "degraded", ["SMS Delivery Delays to Mozambique Movitel", "SMS Delivery Delays from Subset of Twilio Short Codes to US Sprint"], "statuspage"),
    ("statuspage_summary_cloudamqp_maintenance_in_progress.json", "/api/v2/summary.json", "maintenance", [], "statuspage"),
    ("statuspage_summary_codametrix_groups_operational.json", "/api/v2/summary.json", "operational", [], "statuspage"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path", "level", "incidents", "provider"), STATUS_EXPECTED)
def test_status_fixtures(
    serve: Any, name: str, path: str, level: str, incidents: list[str], provider: str
) -> None:
    payload = (STATUS_FIXTURES / name).read_bytes()
    components = b'{"components": []}' if provider == "instatus" else None
    url = serve(_fixture_page(path, payload, components))
    result = run_cli(["status", "--json"], env=clean_env(FAL_STATUS_URL=url))
    out = as_json(result)
    assert result.returncode == 0, out
    assert out["level"] == level
    assert out["provider"] == provider
    assert {"level", "source", "provider", "checked_at", "incidents", "maintenances", "components"} <= set(
        out
    )
    assert "error" not in out and "probe" not in out
    assert sorted(i["name"] for i in out["incidents"]) == sorted(incidents)
    for incident in out["incidents"]:
        assert {"id", "name", "status", "impact", "url", "started"} <= set(incident) and incident["id"]
    for maintenance in out["maintenances"]:
        assert maintenance["status"] in {"in_progress", "scheduled", "completed"}
    for component in out["components"]:
        assert component["status"] in LEVELS - {"unknown"}
    human = run_cli(["status"], env=clean_env(FAL_STATUS_URL=url))
    assert human.returncode == 0 and no_traceback(human)
    for incident in incidents:
        assert incident.encode() in human.stdout


def test_status_statuspage_leaves_out_group_rows(serve: Any) -> None:
    payload = (STATUS_FIXTURES / "statuspage_summary_codametrix_groups_operational.json").read_bytes()
    rows = json.loads(payload)["components"]
    children = sorted(c["name"] for c in rows if not c.get("group"))
    url = serve(_fixture_page("/api/v2/summary.json", payload))
    out = as_json(run_cli(["status", "--json"], env=clean_env(FAL_STATUS_URL=url)))
    # A child may share its group's name (CMX-Amplify), so compare the whole list.
    assert sorted(c["name"] for c in out["components"]) == children


def test_status_instatus_components_and_unknown_value(serve: Any) -> None:
    summary = json.dumps({"page": {"name": "fal", "url": "https://status.fal.ai", "status": "UP"}}).encode()
    components = json.dumps(
        {
            "components": [
                {
                    "id": "a",
                    "name": "Queue API",
                    "status": "PARTIALOUTAGE",
                    "group": {"id": "g", "name": "API"},
                },
                {"id": "b", "name": "Realtime", "status": "OPERATIONAL", "group": "API"},
                {"id": "c", "name": "CDN", "status": "SOMENEWWORD", "group": None},
            ]
        }
    ).encode()
    url = serve(_fixture_page("/summary.json", summary, components))
    result = run_cli(["status", "--json"], env=clean_env(FAL_STATUS_URL=url))
    out = as_json(result)
    assert out["level"] == "partial_outage" and out["provider"] == "instatus"
    statuses = {c["name"]: c["status"] for c in out["components"]}
    assert statuses["Queue API"] == "partial_outage" and statuses["CDN"] == "degraded"
    human = run_cli(["status"], env=clean_env(FAL_STATUS_URL=url))
    assert b"SOMENEWWORD" in human.stdout


def _refused_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


BROKEN: dict[str, Any] = {
    "hang": lambda r: Response(200, b'{"page": {"status": "UP"}}', delay=30),
    "503": lambda r: Response(503, "Service Unavailable", {"Content-Type": "text/plain"}),
    "html-200": lambda r: Response(200, "<!DOCTYPE html><html><body>Status</body></html>", {"Content-Type": "text/html"}),
    "truncated": lambda r: Response(200, b'{"page": {"name": "fal", "status": "HASISSUES"}, "activeIncidents": [{"id"', truncate_to=20),
    "truncated-short": lambda r: Response(200, b'{"page": {"name": "fal", "status": "HAS'),
    "wrong-json": lambda r: Response(200, b'{"hello": ["world"], "status": 42}'),
    "json-list": lambda r: Response(200, b"[1, 2, 3]"),
    "404-everywhere": lambda r: Response(404, "Not Found", {"Content-Type": "text/plain"}),
    "redirect-loop": lambda r: Response(302, b"", {"Location": r.path}),
    "huge": lambda r: Response(200, b'{"page": {"status": "UP", "x": "' + b"a" * 30_000_000 + b'"}}'),
}  # fmt: skip


@pytest.mark.slow
def test_status_broken_pages_are_unknown_within_10s(serve: Any) -> None:
    """All failure modes at once (processes in parallel), each measured on its own wall clock."""
    asked = threading.Event()  # the hanging page got its request: that process's start-up is over

    def hang(request: Request) -> Response:
        asked.set()
        return BROKEN["hang"](request)

    urls = {name: serve(hang if name == "hang" else handler) for name, handler in BROKEN.items()}
    urls["refused"] = _refused_url()

    def measure(name: str) -> tuple[str, float, subprocess.CompletedProcess[bytes]]:
        began = time.monotonic()
        result = run_cli(["status", "--json"], env=clean_env(FAL_STATUS_URL=urls[name]), timeout=30)
        return name, time.monotonic() - began, result

    with ThreadPoolExecutor(len(urls)) as pool:
        # The slow one first, alone, so its start-up is not slowed by ten others (2 cores in CI).
        slow = pool.submit(measure, "hang")
        assert asked.wait(10), "the hanging page was never asked"
        others = pool.map(measure, [name for name in urls if name != "hang"])  # run while "hang" waits
        results = [slow.result(), *others]
    problems = []
    for name, took, result in results:
        try:
            out = as_json(result)
        except (ValueError, AssertionError) as exc:
            problems.append(f"{name}: {exc}")
            continue
        if not (out["level"] == "unknown" and out.get("error") and result.returncode == 1 and took < 10):
            problems.append(
                f"{name}: level={out['level']} error={out.get('error')!r} rc={result.returncode} {took:.1f}s"
            )
        if out["level"] == "unknown" and out.get("provider") not in (None, "instatus", "statuspage"):
            problems.append(f"{name}: provider {out.get('provider')!r}")
    print({name: round(took, 1) for name, took, _ in results})
    assert not problems


@pytest.mark.slow
def test_status_probe_shape_and_exit_code(serve: Any) -> None:
    payload = (STATUS_FIXTURES / "statuspage_summary_codametrix_groups_operational.json").read_bytes()
    page = serve(_fixture_page("/api/v2/summary.json", payload))
    answering = serve(lambda r: Response(404, "nope", {"Content-Type": "text/plain"}))
    hanging = serve(lambda r: Response(200, "late", delay=30))
    refused = _refused_url()
    # A short deadline keeps the test fast; the 10 s promise is measured in the broken-pages test.
    env = clean_env(
        FAL_STATUS_URL=page,
        FAL_PROBE_URLS=f"{answering},{refused},{hanging}",
        FAL_BOT_STATUS_DEADLINE_SECONDS="2",
    )
    began = time.monotonic()
    result = run_cli(["status", "--json", "--probe"], env=env)
    took = time.monotonic() - began
    out = as_json(result)
    assert took < 10 and result.returncode == 0 and out["level"] == "operational"
    probes = {p["url"].rstrip("/"): p for p in out["probe"]}
    assert set(probes) == {answering, refused, hanging}
    for probe in probes.values():
        assert {"url", "ok", "ms", "failed_step", "detail"} <= set(probe)
        assert isinstance(probe["ms"], int | float)
    assert probes[answering]["ok"] is True and probes[answering]["failed_step"] is None
    assert probes[refused]["ok"] is False and probes[refused]["failed_step"] == "connect"
    assert probes[hanging]["ok"] is False and probes[hanging]["failed_step"] in {"timeout", "http"}
    # The probe does not change the exit code: the page unreadable -> 1 whatever the probe says.
    gone = run_cli(
        ["status", "--json", "--probe"], env=clean_env(FAL_STATUS_URL=refused, FAL_PROBE_URLS=answering)
    )
    assert gone.returncode == 1 and as_json(gone)["probe"][0]["ok"] is True


def test_check_key_colon_without_id() -> None:
    """`:abc` has a colon (not no_colon); a lone `:` is no usable key."""
    lone = as_json(run_cli(["check-key", "--json", ":"]))
    assert lone["verdict"] == "problem"
    no_id = as_json(run_cli(["check-key", "--json", ":" + KEY_SECRET]))
    assert "no_colon" not in {f["code"] for f in no_id["findings"]}
