"""redact(): nothing shaped like a fal key survives, in any encoding, and logging goes through it."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import logging_setup
from bot.keys import REDACTED, redact
from bot.logging_setup import configure_logging
from tests.support.keys import KEY, KEY_ID, SECRET

key_ids = st.uuids().map(str)
secrets_hex = st.binary(min_size=16, max_size=16).map(bytes.hex)
surrounding = st.text(max_size=80)


def _forms(key_id: str, secret: str) -> dict[str, str]:
    key = f"{key_id}:{secret}"
    return {
        "plain": key,
        "upper": key.upper(),
        "url-encoded": urllib.parse.quote(key, safe=""),
        "double-url-encoded": urllib.parse.quote(urllib.parse.quote(key, safe=""), safe=""),
        "json-unicode-colon": f"{key_id}\\u003a{secret}",
        "json-string": json.dumps({"Authorization": f"Key {key}"}),
        "escaped-json": json.dumps(json.dumps({"FAL_KEY": key})),
        "header": f"Authorization: Key {key}",
        "assignment": f"FAL_KEY='{key}'",
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key_id=key_ids, secret=secrets_hex, before=surrounding, after=surrounding, form=st.sampled_from(range(9))
)
def test_a_real_shaped_key_never_survives(
    key_id: str, secret: str, before: str, after: str, form: int
) -> None:
    name, shown = list(_forms(key_id, secret).items())[form]
    text = before + shown + after
    redacted = redact(text)
    assert secret not in redacted.lower(), name
    assert f"{key_id}:{secret}" not in redacted.lower(), name


@settings(max_examples=300, deadline=None)
@given(key_id=key_ids, secret=secrets_hex, before=surrounding, after=surrounding)
def test_redact_is_idempotent(key_id: str, secret: str, before: str, after: str) -> None:
    once = redact(before + f"{key_id}:{secret}" + after)
    assert redact(once) == once


@settings(deadline=None)
@given(st.text(max_size=200))
def test_redact_never_fails_and_is_idempotent_on_any_text(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"curl -H 'Authorization: Key {KEY}'", f"curl -H 'Authorization: Key {REDACTED}'"),
        (f"FAL_KEY={KEY}", f"FAL_KEY={REDACTED}"),
        ("Authorization: Bearer abc.def-123", f"Authorization: Bearer {REDACTED}"),
        ('{"Authorization": "Key abc:defghij"}', f'{{"Authorization": "Key {REDACTED}"}}'),
        ("export FAL_KEY='my id:my secret'", f"export FAL_KEY='{REDACTED}'"),
    ],
)
def test_redacts_headers_assignments_and_keys(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Set FAL_KEY to the key from fal.ai/dashboard/keys",
        "FAL_KEY: not set",
        "Authorization: Key $FAL_KEY",
        "headers: {Authorization: `Key ${process.env.FAL_KEY}`}",
        "No user found for Key ID and Secret",
        "Authorization header is required",
        f"request {KEY_ID} failed",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_is_fast_on_40_kb() -> None:
    text = ("INFO worker processed job 12345 status=ok Authorization header ok\n" * 600)[:40_000] + KEY
    started = time.perf_counter()
    for _ in range(10):
        redacted = redact(text)
    assert SECRET not in redacted
    assert (time.perf_counter() - started) / 10 < 0.5  # generous: a few ms on a laptop


def test_configure_logging_redacts_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG")
    try:
        logger = logging.getLogger("slack_bolt.test")
        logger.debug("request body: token=%s", KEY)
        logger.info(f"FAL_KEY={KEY}")
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            logger.exception("failed")
        err = capsys.readouterr().err
        assert SECRET not in err
        assert REDACTED in err
        assert "request body" in err and "ValueError" in err
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_fal_bot_redacting", False):
                root.removeHandler(handler)


def test_configure_logging_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    try:
        configure_logging("INFO")
        configure_logging("WARNING")
        ours = [h for h in root.handlers if getattr(h, "_fal_bot_redacting", False)]
        assert len(ours) == 1
        assert root.level == logging.WARNING
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_fal_bot_redacting", False):
                root.removeHandler(handler)


def test_each_line_is_redacted_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def counting_redact(text: str) -> str:
        calls.append(text)
        return redact(text)

    monkeypatch.setattr(logging_setup, "redact", counting_redact)
    configure_logging("INFO")
    try:
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            logging.getLogger("fal_bot.test").exception("failed with %s", KEY)
        err = capsys.readouterr().err
        assert SECRET not in err and "ValueError" in err
        assert len(calls) == 1  # the whole line, traceback included, in one pass
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_fal_bot_redacting", False):
                root.removeHandler(handler)


def test_uuid_alone_is_not_a_key() -> None:
    value = str(uuid.uuid4())
    assert redact(f"request_id: {value}") == f"request_id: {value}"
