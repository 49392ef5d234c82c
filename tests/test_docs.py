"""Keeps README.md, the contract and the code in step: env vars, commands, the CI test command."""

from __future__ import annotations

import re

import pytest

from bot.cli import build_parser
from bot.settings import Settings
from tests.conftest import REPO, SHARED

README = (REPO / "README.md").read_text(encoding="utf-8")


def _env_table_names(markdown: str) -> set[str]:
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", markdown, flags=re.MULTILINE))


def test_readme_documents_every_setting_and_nothing_else() -> None:
    settings_vars = {name.upper() for name in Settings.model_fields}
    assert _env_table_names(README) == settings_vars


@pytest.mark.skipif(not (SHARED / "contract.md").exists(), reason="../shared is not beside the repo")
def test_every_contract_env_var_is_a_setting() -> None:
    contract = (SHARED / "contract.md").read_text(encoding="utf-8")
    environment = contract.split("## Environment", 1)[1]
    settings_vars = {name.upper() for name in Settings.model_fields}
    assert _env_table_names(environment) <= settings_vars


def test_readme_mentions_every_cli_command() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for command in subparsers.choices:  # type: ignore[union-attr]
        assert f"fal-bot {command}" in README, command


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    test_command = ci_lines[ci_lines.index("# Exactly the test command the README gives.") + 1]
    assert test_command in README


def test_readme_starts_with_the_run_and_test_commands() -> None:
    first_block = README.split("```", 2)[1]
    # Trying it comes first and needs no Slack app; the real-workspace command follows.
    assert first_block.removeprefix("sh").strip().startswith("pip install -e . && fal-bot playground")
    assert "fal-bot run" in first_block
    assert "pytest" in first_block


def test_readme_probe_section_says_proxies_are_honoured() -> None:
    section = README.split("### Reachability probe", 1)[1].split("\n### ", 1)[0]
    assert "Proxies are honoured" in section
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"):
        assert f"`{name}`" in section, name
    assert "via proxy" in section
