"""Key format checks (check_key), masking, reading keys like fal's clients, and key findings in pastes."""

from __future__ import annotations

import secrets
import uuid

import pytest

from bot.keys import (
    check_key,
    contains_key,
    key_findings_in_text,
    key_from_env,
    mask,
)
from tests.support.keys import KEY, KEY_ID, SECRET


def codes(value: str) -> list[str]:
    return [finding.code for finding in check_key(value).findings]


def test_a_real_shaped_key_is_ok_with_no_findings() -> None:
    result = check_key(KEY)
    assert result.verdict == "ok"
    assert result.findings == ()
    assert result.masked == "6f1c…:…4e5f"


def test_masked_key_never_shows_more_than_the_secrets_last_four() -> None:
    for _ in range(50):
        key_id, secret = str(uuid.uuid4()), secrets.token_hex(16)
        masked = check_key(f"{key_id}:{secret}").masked
        assert masked == f"{key_id[:4]}…:…{secret[-4:]}"
        assert secret[:-4] not in masked


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ["empty"]),
        ("YOUR_KEY", ["placeholder"]),
        ("fal-YOUR_KEY", ["placeholder"]),
        ("<key>", ["placeholder"]),
        ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ["placeholder"]),
        ("your-api-key-here", ["placeholder"]),
        (f"Bearer {KEY}", ["bearer_scheme"]),
        (f"Key {KEY}", ["scheme_in_value"]),
        ("6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b0123456789", ["no_colon"]),
        (KEY_ID, ["id_only"]),
        (f"{KEY_ID}:", ["id_only"]),
        (SECRET, ["secret_only"]),
        (f"{KEY}\n", ["whitespace"]),
        (f" {KEY}", ["whitespace"]),
        (f"{KEY_ID}: {SECRET}", ["whitespace"]),
        (f'"{KEY}"', ["quotes"]),
        (f"'{KEY}'", ["quotes"]),
        (f"\x1b[200~{KEY}", ["control_chars"]),
        (f"{KEY}\u200b", ["control_chars"]),
    ],
)
def test_each_finding_code(value: str, expected: list[str]) -> None:
    found = codes(value)
    for code in expected:
        assert code in found, (value, found)
    assert check_key(value).verdict == "problem"


def test_unexpected_shape_is_only_a_warning() -> None:
    result = check_key("my-key-id:some-secret-value-1234")
    assert [f.code for f in result.findings] == ["unexpected_shape"]
    assert result.verdict == "ok"


def test_several_problems_are_all_reported() -> None:
    found = codes(f' "Bearer {KEY}"\n')
    assert {"whitespace", "quotes", "bearer_scheme"} <= set(found)


def test_messages_explain_the_fix_without_the_key() -> None:
    result = check_key(f"Bearer {KEY}\n")
    bearer = next(f for f in result.findings if f.code == "bearer_scheme")
    assert "Key <key_id>:<key_secret>" in bearer.message
    for finding in result.findings:
        assert SECRET not in finding.message and KEY_ID not in finding.message


def test_masking_follows_the_contract_for_short_and_odd_values() -> None:
    assert check_key("").masked == ""
    assert mask("abcdef") == "abcd…"
    assert check_key("<key>").masked == "<key…"
    # For id:secret the first four come from the key id: no leading part of the secret is shown.
    assert mask("ab:cdefgh") == "ab…:…efgh"
    assert check_key(SECRET).masked == SECRET[:4] + "…"


@pytest.mark.parametrize(
    ("value", "code"),
    [(":", "empty"), (f":{SECRET}", "secret_only"), (":abc", "secret_only"), (f"{KEY_ID}:", "id_only")],
)
def test_a_colon_with_a_missing_half_is_a_problem(value: str, code: str) -> None:
    result = check_key(value)
    assert result.verdict == "problem"
    assert [f.code for f in result.findings] == [code]


def test_to_json_has_the_contract_shape() -> None:
    data = check_key(f"Bearer {KEY}").to_json()
    assert set(data) == {"verdict", "masked", "findings"}
    assert data["verdict"] == "problem"
    findings = data["findings"]
    assert isinstance(findings, list)
    assert all(set(f) == {"code", "message"} for f in findings)


def test_key_from_env_prefers_fal_key_byte_for_byte() -> None:
    assert key_from_env({"FAL_KEY": KEY + "\n", "FAL_KEY_ID": "a", "FAL_KEY_SECRET": "b"}) == KEY + "\n"
    assert key_from_env({"FAL_KEY_ID": KEY_ID, "FAL_KEY_SECRET": SECRET}) == KEY
    # fal's clients treat an empty FAL_KEY as unset, and need both halves otherwise.
    assert key_from_env({"FAL_KEY": "", "FAL_KEY_ID": KEY_ID, "FAL_KEY_SECRET": SECRET}) == KEY
    assert key_from_env({"FAL_KEY_ID": KEY_ID}) is None
    assert key_from_env({}) is None


def test_contains_key_finds_plain_encoded_and_escaped_keys() -> None:
    assert contains_key(f"curl -H 'Authorization: Key {KEY}'")
    assert contains_key(f"https://x.test/?k={KEY_ID}%3A{SECRET}")
    assert contains_key(f'{{"k": "{KEY_ID}\\u003a{SECRET}"}}')
    assert not contains_key(f"key id {KEY_ID} only")
    assert not contains_key("Authorization: Key $FAL_KEY")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (f"curl https://fal.run/fal-ai/flux/dev -H 'Authorization: Bearer {KEY}'", "bearer_scheme"),
        (
            'fetch("https://queue.fal.run/fal-ai/flux", {headers: {Authorization: "Bearer abc123"}})',
            "bearer_scheme",
        ),
        (f"Authorization: Key Key {KEY}", "scheme_in_value"),
        ("Authorization: Key 6f1c2a3b4d5e4f608a7b9c0d", "no_colon"),
        (f'FAL_KEY="{KEY} "', "whitespace"),
        (f"FAL_KEY=Bearer {KEY}", "bearer_scheme"),
        (f"my key is {KEY}", "exposed"),
    ],
)
def test_key_findings_in_pasted_text(text: str, code: str) -> None:
    findings = key_findings_in_text(text)
    assert code in [f.code for f in findings]
    for finding in findings:
        assert SECRET not in finding.message


def test_no_key_findings_for_correct_or_unrelated_headers() -> None:
    assert key_findings_in_text("Authorization: Key $FAL_KEY") == []
    assert key_findings_in_text('headers: {"Authorization": f"Key {os.environ[\'FAL_KEY\']}"}') == []
    # fal's MCP server is configured with Bearer on purpose.
    mcp = 'claude mcp add fal https://mcp.fal.ai/mcp --header "Authorization: Bearer $FAL_KEY"'
    assert key_findings_in_text(mcp) == []
    # Someone else's bearer token with nothing about fal around it is not a fal scheme mistake.
    assert key_findings_in_text("Authorization: Bearer sk-live-token") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (f"Authorization: Key {KEY_ID}", "id_only"),
        ('curl -H "Authorization: Key YOUR_API_KEY" https://fal.run/fal-ai/flux/dev', "placeholder"),
        ("FAL_KEY=your_fal_key_here", "placeholder"),
        (f'fal.config({{ credentials: "{SECRET}" }})', "secret_only"),
        ('os.environ["FAL_KEY"] = "abc"', "no_colon"),
        ("curl https://queue.fal.run/fal-ai/x -H 'Authorization: Bearer $FAL_KEY'", "bearer_scheme"),
    ],
)
def test_more_key_findings_in_pastes(text: str, code: str) -> None:
    assert code in [f.code for f in key_findings_in_text(text)]


def test_variable_references_are_not_findings() -> None:
    assert key_findings_in_text("fal.config({ credentials: process.env.FAL_KEY })") == []
    assert key_findings_in_text("FAL_KEY=$FAL_KEY_FROM_VAULT") == []


@pytest.mark.parametrize("line", [f"FAL_KEY={KEY}", f"export FAL_KEY='{KEY}'", f"FAL_KEY = {KEY}"])
def test_a_pasted_variable_assignment_is_a_problem(line: str) -> None:
    result = check_key(line)
    assert result.verdict == "problem"
    assert "assignment" in [f.code for f in result.findings]
    assert result.masked == f"{KEY_ID[:4]}…:…{SECRET[-4:]}"
    assert all(SECRET not in f.message for f in result.findings)


@pytest.mark.parametrize(
    "paste",
    [
        "fetch('https://queue.fal.run/fal-ai/flux/dev', "
        "{headers: {Authorization: `Bearer ${process.env.FAL_KEY}`}}) returns 401",
        'curl -H "Authorization: Bearer $FAL_KEY" https://fal.run/fal-ai/flux/dev',
        "requests.post('https://fal.run/fal-ai/flux/dev', headers={'Authorization': f'Bearer {FAL_KEY}'})",
    ],
)
def test_bearer_headers_in_code_are_found(paste: str) -> None:
    assert "bearer_scheme" in [f.code for f in key_findings_in_text(paste)]


def test_a_bearer_jwt_from_fal_auth_login_is_not_a_scheme_mistake() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
    assert key_findings_in_text(f"curl -H 'Authorization: Bearer {jwt}' https://rest.fal.ai/x") == []
