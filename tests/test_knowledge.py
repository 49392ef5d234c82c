"""The shipped knowledge base agrees with the matcher, and `fal-bot kb lint` catches broken entries.

Every example must rank its own entry first; every declined not_example must get no match; a
`declined: false` not_example must not rank its entry first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
def test_declined_not_example_gets_no_match(diagnoser: Diagnoser, entry_id: str, text: str) -> None:
    diagnosis = diagnoser.diagnose(text)
    assert diagnosis.matches == (), [(m.id, m.score) for m in diagnosis.matches]


@pytest.mark.parametrize(("entry_id", "text"), NOT_THIS_ENTRY)
def test_not_example_does_not_rank_its_entry_first(diagnoser: Diagnoser, entry_id: str, text: str) -> None:
    best = diagnoser.diagnose(text).best
    assert best is None or best.id != entry_id


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


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAL_BOT_KNOWLEDGE_DIR": str(folder)}
    return subprocess.run([str(FAL_BOT), "kb", "lint"], capture_output=True, text=True, env=env, timeout=60)


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
