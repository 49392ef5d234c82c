"""The shipped knowledge base agrees with the matcher, and `fal-bot kb lint` catches broken entries.

Every example must rank its own entry first; every declined not_example must be declined (no
match, or only the generic "if this came from fal" answer for a text that names no service); a
`declined: false` not_example must not rank its entry first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bot.diagnosis import Diagnoser, KnowledgeBase, default_knowledge_dir, read_entries

FAL_BOT = Path(sys.executable).with_name("fal-bot")
ENTRIES, LOAD_PROBLEMS = read_entries(default_knowledge_dir())
EXAMPLES = [
    pytest.param(entry.id, example.text, id=f"{entry.id}-{index}")
    for entry in ENTRIES
    for index, example in enumerate(entry.examples)
]
DECLINED = [
    pytest.param(entry.id, counter.text, id=f"{entry.id}-not-{index}")
    for entry in ENTRIES
    for index, counter in enumerate(entry.not_examples)
    if counter.declined
]
NOT_THIS_ENTRY = [
    pytest.param(entry.id, counter.text, id=f"{entry.id}-not-{index}")
    for entry in ENTRIES
    for index, counter in enumerate(entry.not_examples)
    if not counter.declined
]


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(KnowledgeBase(entries=ENTRIES, directory=default_knowledge_dir()))


def test_the_shipped_knowledge_base_loads_without_problems() -> None:
    assert LOAD_PROBLEMS == []
    assert len(ENTRIES) >= 30


def test_every_category_is_covered() -> None:
    from bot.diagnosis import CATEGORIES

    assert {entry.category for entry in ENTRIES} == set(CATEGORIES)


@pytest.mark.parametrize(("entry_id", "text"), EXAMPLES)
def test_example_ranks_its_entry_first(diagnoser: Diagnoser, entry_id: str, text: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.best is not None, diagnosis.evidence
    assert diagnosis.best.id == entry_id, [(m.id, m.score) for m in diagnosis.matches]
    assert diagnosis.fal_related


@pytest.mark.parametrize(("entry_id", "text"), DECLINED)
def test_declined_not_example_is_declined(diagnoser: Diagnoser, entry_id: str, text: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.declines, [(m.id, m.score) for m in diagnosis.matches]
    if diagnosis.matches:  # a generic answer only for a text that names nobody, never for a vendor's
        assert "other vendor" not in " ".join(diagnosis.evidence)


@pytest.mark.parametrize(("entry_id", "text"), NOT_THIS_ENTRY)
def test_not_example_does_not_rank_its_entry_first(diagnoser: Diagnoser, entry_id: str, text: str) -> None:
    best = diagnoser.diagnose(text).best
    assert best is None or best.id != entry_id


# -- fal's documented error types ------------------------------------------------------------------
# fal's docs ("Model APIs > Errors" and "Request errors", read 2026-12; summarised in
# shared/reference/fal-facts.md) list 31 model error types and 13 request error types. Each must lead
# to the category whose fix is the one fal's docs give for it.

# Model errors: body {"detail": [{"loc", "msg", "type", "url", "ctx", "input"}]}, HTTP 422 unless the
# docs name another status. (type, status, category, why)
MODEL_ERROR_TYPES = [
    ("internal_server_error", 500, "server_error", "fal's side failed; retryable"),
    ("generation_timeout", 504, "queue_timeout", "the generation ran out of time; retryable"),
    ("downstream_service_error", 400, "server_error", "a partner service behind the model failed"),
    ("downstream_service_unavailable", 500, "server_error", "a partner service is down; retryable"),
    ("content_policy_violation", 422, "content_policy", "the content checker refused the input/output"),
    ("no_media_generated", 422, "content_policy", "the model produced nothing, usually filtered"),
    ("feature_not_supported", 422, "validation", "the model does not offer the requested option"),
    ("image_too_small", 422, "validation", "input image below the minimum size"),
    ("image_too_large", 422, "validation", "input image above the maximum size"),
    ("image_load_error", 422, "validation", "the image could not be decoded"),
    ("face_detection_error", 422, "validation", "no face found in the input"),
    ("file_download_error", 422, "file_url", "the model could not download the input URL"),
    ("file_too_large", 422, "file_url", "the input file is over the size limit"),
    ("invalid_archive", 422, "validation", "the input zip cannot be read"),
    ("archive_file_count_below_minimum", 422, "validation", "too few files in the zip"),
    ("archive_file_count_exceeds_maximum", 422, "validation", "too many files in the zip"),
    ("greater_than", 422, "validation", "number too small"),
    ("greater_than_equal", 422, "validation", "number too small"),
    ("less_than", 422, "validation", "number too large"),
    ("less_than_equal", 422, "validation", "number too large"),
    ("multiple_of", 422, "validation", "number not a multiple of the step"),
    ("sequence_too_short", 422, "validation", "list too short"),
    ("sequence_too_long", 422, "validation", "list too long"),
    ("one_of", 422, "validation", "value not among the allowed ones"),
    ("audio_duration_too_long", 422, "validation", "audio over the maximum duration"),
    ("audio_duration_too_short", 422, "validation", "audio under the minimum duration"),
    ("video_duration_too_long", 422, "validation", "video over the maximum duration"),
    ("video_duration_too_short", 422, "validation", "video under the minimum duration"),
    ("unsupported_audio_format", 422, "validation", "audio format not accepted"),
    ("unsupported_image_format", 422, "validation", "image format not accepted"),
    ("unsupported_video_format", 422, "validation", "video format not accepted"),
]

# Request (infrastructure) errors: flat body {"detail": "...", "error_type": T} with its status.
REQUEST_ERROR_TYPES = [
    ("request_timeout", 504, "queue_timeout", "the request ran longer than allowed"),
    ("startup_timeout", 504, "queue_timeout", "the runner did not start in time"),
    ("runner_scheduling_failure", 503, "server_error", "no runner could be scheduled"),
    ("runner_connection_timeout", 503, "server_error", "fal could not reach the runner in time"),
    ("runner_disconnected", 503, "server_error", "the runner went away"),
    ("runner_connection_refused", 503, "server_error", "the runner refused fal's connection"),
    ("runner_connection_error", 503, "server_error", "fal's connection to the runner failed"),
    ("runner_incomplete_response", 502, "server_error", "the runner's answer was cut off"),
    ("runner_server_error", 500, "server_error", "the app crashed"),
    ("internal_error", 500, "server_error", "fal's own failure"),
    ("client_disconnected", 499, "queue_timeout", "the caller hung up (its own timeout)"),
    ("client_cancelled", 499, "queue_timeout", "the caller cancelled"),
    ("bad_request", 400, "validation", "the request body could not be used"),
]


def test_the_tables_cover_every_documented_type() -> None:
    assert len(MODEL_ERROR_TYPES) == 31 and len({row[0] for row in MODEL_ERROR_TYPES}) == 31
    assert len(REQUEST_ERROR_TYPES) == 13 and len({row[0] for row in REQUEST_ERROR_TYPES}) == 13
    signalled = {t for entry in ENTRIES for t in entry.signals.error_types}
    documented = {row[0] for row in (*MODEL_ERROR_TYPES, *REQUEST_ERROR_TYPES)}
    assert documented <= signalled, sorted(documented - signalled)


@pytest.mark.parametrize(
    ("error_type", "status", "category"),
    [pytest.param(t, status, category, id=t) for t, status, category, _ in MODEL_ERROR_TYPES],
)
def test_a_documented_model_error_leads_to_its_category(
    diagnoser: Diagnoser, error_type: str, status: int, category: str
) -> None:
    body = {
        "detail": [
            {
                "loc": ["body", "x"],
                "msg": "see the error type",
                "type": error_type,
                "url": f"https://docs.fal.ai/errors#{error_type}",
                "ctx": {},
                "input": "...",
            }
        ]
    }
    diagnosis = diagnoser.diagnose(f"HTTP {status}\n{json.dumps(body)}")
    assert diagnosis.best is not None, diagnosis.evidence
    assert diagnosis.best.category == category, [(m.id, m.score) for m in diagnosis.matches]


@pytest.mark.parametrize(
    ("error_type", "status", "category"),
    [pytest.param(t, status, category, id=t) for t, status, category, _ in REQUEST_ERROR_TYPES],
)
def test_a_documented_request_error_leads_to_its_category(
    diagnoser: Diagnoser, error_type: str, status: int, category: str
) -> None:
    body = {"detail": "see the error type", "error_type": error_type}
    diagnosis = diagnoser.diagnose(f"HTTP {status}\n{json.dumps(body)}")
    assert diagnosis.best is not None, diagnosis.evidence
    assert diagnosis.best.category == category, [(m.id, m.score) for m in diagnosis.matches]


def test_entries_with_symptoms_give_each_a_source() -> None:
    """Symptoms are held to the examples' rules (text and source; kb lint checks the schema)."""
    with_symptoms = [entry for entry in ENTRIES if entry.symptoms]
    assert len(with_symptoms) >= 0.8 * len(ENTRIES)
    for entry in with_symptoms:
        for symptom in entry.symptoms:
            assert len(symptom.source.strip()) >= 10, (entry.id, symptom.text[:60])


# -- kb lint on a temporary knowledge folder -------------------------------------------------------

LOCKED = """\
id: test-locked
title: Account locked for lack of credit
category: billing
summary: The account has no balance left, so every request is refused until it is topped up.
fix:
  - Top up at fal.ai/dashboard/billing.
signals:
  status_codes: [403]
  messages: ["User is locked. Reason: Exhausted balance"]
examples:
  - text: 'fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted balance.'
    source: test
  - text: '403 from https://queue.fal.run/fal-ai/flux {"detail": "User is locked. Reason: Exhausted balance"}'
    source: test
not_examples:
  - text: 'openai.RateLimitError: Error code: 429 - You exceeded your current quota'
    source: test
"""

UNKNOWN_KEY = """\
id: test-unknown-key
title: Key not recognised by fal
category: invalid_key
summary: The key is well formed but fal does not know it; it was mistyped, revoked or deleted.
fix:
  - Create a new key at fal.ai/dashboard/keys.
signals:
  status_codes: [401]
  messages: ["No user found for Key ID and Secret"]
examples:
  - text: 'fal_client.client.FalClientHTTPError: No user found for Key ID and Secret'
    source: test
  - text: '401 from https://fal.run/fal-ai/flux/dev {"detail": "No user found for Key ID and Secret"}'
    source: test
"""


def write_kb(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / f"{name}.yml").write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def lint(folder: Path, *, only: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAL_BOT_KNOWLEDGE_DIR": str(folder)}
    if only:
        env["FAL_BOT_KNOWLEDGE_ONLY"] = "1"
    return subprocess.run([str(FAL_BOT), "kb", "lint"], capture_output=True, text=True, env=env, timeout=60)


def diagnose_json(folder: Path, text: str) -> dict[str, Any]:
    env = {**os.environ, "FAL_BOT_KNOWLEDGE_DIR": str(folder)}
    result = subprocess.run(
        [str(FAL_BOT), "diagnose", "--json", text], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


LOCKED_PASTE = "fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted balance"
TEAM_PROXY = """\
id: team-proxy-timeout
title: Our own proxy in front of fal times out after 30 s
category: queue_timeout
summary: Requests go through the team's proxy at fal-gateway.internal, which cuts them after 30 seconds.
fix:
  - Call fal through the queue (fal.subscribe) so no single HTTP request waits for the result.
signals:
  messages: ["fal-gateway.internal: upstream timed out after 30s"]
examples:
  - text: 'fal request failed: fal-gateway.internal: upstream timed out after 30s (fal-ai/flux/dev)'
    source: our incident 2026-11-02
  - text: 'Error 504 from fal-gateway.internal: upstream timed out after 30s while calling fal.run'
    source: our incident 2026-11-14
"""


@pytest.mark.slow
def test_local_entries_load_beside_the_packaged_ones(tmp_path: Path) -> None:
    folder = write_kb(tmp_path / "kb", **{"team-proxy-timeout": TEAM_PROXY})
    result = lint(folder, only=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(ENTRIES) + 1} entries" in result.stdout
    local = diagnose_json(folder, "fal-gateway.internal: upstream timed out after 30s calling fal-ai/flux")
    assert local["matches"][0]["id"] == "team-proxy-timeout"
    packaged = diagnose_json(
        folder, "fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted balance"
    )
    assert packaged["matches"][0]["category"] == "billing"


@pytest.mark.slow
def test_a_local_entry_with_a_packaged_id_replaces_it(tmp_path: Path) -> None:
    replacement = LOCKED.replace("id: test-locked", "id: billing-exhausted-balance").replace(
        "title: Account locked for lack of credit", "title: Our finance team tops up fal on Mondays"
    )
    folder = write_kb(tmp_path / "kb", **{"billing-exhausted-balance": replacement})
    result = lint(folder, only=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(ENTRIES)} entries" in result.stdout
    answer = diagnose_json(
        folder, "fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted balance"
    )
    assert answer["matches"][0]["title"] == "Our finance team tops up fal on Mondays"


@pytest.mark.slow
def test_lint_covers_the_local_folder_beside_the_packaged_one(tmp_path: Path) -> None:
    folder = write_kb(tmp_path / "kb", **{"team-proxy-timeout": TEAM_PROXY + "colour: red\n"})
    result = lint(folder, only=False)
    assert result.returncode == 1
    assert "team-proxy-timeout.yml: colour:" in result.stdout


@pytest.mark.slow
def test_lint_passes_on_a_good_folder(tmp_path: Path) -> None:
    folder = write_kb(tmp_path / "kb", **{"test-locked": LOCKED, "test-unknown-key": UNKNOWN_KEY})
    result = lint(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 entries" in result.stdout


@pytest.mark.slow
def test_lint_names_file_and_field_of_an_unknown_field(tmp_path: Path) -> None:
    broken = LOCKED + "colour: red\n"
    folder = write_kb(tmp_path / "kb", **{"test-locked": broken, "test-unknown-key": UNKNOWN_KEY})
    result = lint(folder)
    assert result.returncode == 1
    assert "test-locked.yml: colour:" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_lint_names_a_missing_required_field(tmp_path: Path) -> None:
    broken = LOCKED.replace("category: billing\n", "")
    result = lint(write_kb(tmp_path / "kb", **{"test-locked": broken, "test-unknown-key": UNKNOWN_KEY}))
    assert result.returncode == 1
    assert "test-locked.yml: category:" in result.stdout


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.parametrize("pattern", [r"(?<![a-z])fal(?!se)", r"(fal)\1", r"(?>fal)+"])
def test_lint_refuses_a_pattern_that_could_backtrack(tmp_path: Path, pattern: str) -> None:
    """Entry patterns run on every paste: only what RE2 runs in linear time is allowed."""
    broken = LOCKED.replace(
        '  messages: ["User is locked. Reason: Exhausted balance"]',
        f"  messages: [\"User is locked. Reason: Exhausted balance\"]\n  patterns: ['{pattern}']",
    )
    result = lint(write_kb(tmp_path / "kb", **{"test-locked": broken, "test-unknown-key": UNKNOWN_KEY}))
    assert result.returncode == 1
    assert "test-locked.yml: signals.patterns" in result.stdout and "does not compile" in result.stdout


@pytest.mark.slow
def test_lint_reports_an_example_that_ranks_another_entry(tmp_path: Path) -> None:
    # The second example of the "locked" entry is really the unknown-key error.
    second_example = LOCKED.splitlines()[12]
    assert second_example.startswith("  - text: '403 from")
    wrong = LOCKED.replace(
        second_example,
        "  - text: 'fal_client.client.FalClientHTTPError: No user found for Key ID and Secret'",
    )
    assert wrong != LOCKED
    result = lint(write_kb(tmp_path / "kb", **{"test-locked": wrong, "test-unknown-key": UNKNOWN_KEY}))
    assert result.returncode == 1
    assert "test-locked.yml: examples.1: ranks test-unknown-key first" in result.stdout


@pytest.mark.slow
def test_lint_reports_a_declined_text_that_matches(tmp_path: Path) -> None:
    leaky = LOCKED.replace(
        "openai.RateLimitError: Error code: 429 - You exceeded your current quota",
        "fal_client.client.FalClientHTTPError: User is locked. Reason: Exhausted balance",
    )
    result = lint(write_kb(tmp_path / "kb", **{"test-locked": leaky, "test-unknown-key": UNKNOWN_KEY}))
    assert result.returncode == 1
    assert "test-locked.yml: not_examples.0: is declined but matches test-locked" in result.stdout


@pytest.mark.slow
def test_lint_names_a_symptom_without_a_source(tmp_path: Path) -> None:
    broken = LOCKED + "symptoms:\n  - text: my account says it is locked although I paid\n"
    result = lint(write_kb(tmp_path / "kb", **{"test-locked": broken, "test-unknown-key": UNKNOWN_KEY}))
    assert result.returncode == 1
    assert "test-locked.yml: symptoms.0.source:" in result.stdout


@pytest.mark.slow
def test_lint_reports_invalid_yaml_and_a_wrong_id(tmp_path: Path) -> None:
    folder = write_kb(tmp_path / "kb", **{"test-locked": LOCKED, "test-unknown-key": UNKNOWN_KEY})
    (folder / "broken.yml").write_text("id: [unclosed\n", encoding="utf-8")
    (folder / "renamed.yml").write_text(UNKNOWN_KEY, encoding="utf-8")
    result = lint(folder)
    assert result.returncode == 1
    assert "broken.yml: (file): not valid YAML" in result.stdout
    assert "renamed.yml: id:" in result.stdout


@pytest.mark.slow
def test_lint_on_an_empty_folder_fails_clearly(tmp_path: Path) -> None:
    result = lint(write_kb(tmp_path / "empty"))
    assert result.returncode == 1
    assert "no *.yml knowledge entries found" in result.stdout


def test_fix_steps_read_the_same_after_redaction() -> None:
    """Output goes through redact(): placeholders and variable references in fixes must survive it."""
    from bot.keys import redact

    for entry in ENTRIES:
        texts = [entry.title, entry.summary]
        for step in entry.fix:
            texts += [step.text, step.python or "", step.js or "", step.shell or ""]
        for text in texts:
            assert redact(text) == text, (entry.id, text)
