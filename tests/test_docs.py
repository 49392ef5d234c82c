"""Keeps README.md, docs/, the contract and the code in step: env vars, commands, links, the CI test
command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import Settings
from tests.conftest import REPO, SHARED

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = sorted((REPO / "docs").glob("*.md"))
CONFIGURATION = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
STATUS_DOC = (REPO / "docs" / "status.md").read_text(encoding="utf-8")


def _env_table_names(markdown: str) -> set[str]:
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", markdown, flags=re.MULTILINE))


def test_the_configuration_page_documents_every_setting_and_nothing_else() -> None:
    settings_vars = {name.upper() for name in Settings.model_fields}
    assert _env_table_names(CONFIGURATION) == settings_vars


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


def test_status_doc_probe_section_says_proxies_are_honoured() -> None:
    section = STATUS_DOC.split("## Reachability probe", 1)[1].split("\n## ", 1)[0]
    assert "Proxies are honoured" in section
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"):
        assert f"`{name}`" in section, name
    assert "via proxy" in section


# -- links and command lines in the README and docs/ ----------------------------------------------
def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _outside_fences(text: str) -> list[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _anchors(path: Path) -> set[str]:
    lines = _outside_fences(path.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for line in lines if (m := re.match(r"#{1,6} (.*)", line))}


@pytest.mark.parametrize("page", [REPO / "README.md", *DOCS], ids=lambda p: p.name)
def test_every_relative_link_reaches_a_file_and_heading(page: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        exists = destination.exists()
        checkable = exists and anchor and destination.suffix == ".md"
        missing_heading = checkable and anchor not in _anchors(destination)
        if not exists or missing_heading:
            broken.append(target)
    assert not broken, broken


def _documented_invocations() -> list[tuple[str, list[str]]]:
    """Every `fal-bot …` line in a shell block of the README and docs/, as argv (placeholders kept)."""
    found = []
    for page in [REPO / "README.md", *DOCS]:
        fence = None
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                fence = line.strip()[3:] if fence is None else None
                continue
            # shell blocks hold commands; other blocks only the lines typed at a `$ ` prompt
            typed = fence in ("sh", "bash") or (fence is not None and line.startswith("$ "))
            if not typed or " [" in line:
                continue  # not a command line, or a synopsis with [optional] parts
            # fal-bot as the command (not an image tag or container name: `-t fal-bot`, `--name fal-bot`)
            for match in re.finditer(r"(?:^|(?<=[\s/]))fal-bot ", line):
                if re.search(r"(?:-t|--name|--tag)\s+$", line[: match.start()]):
                    continue
                # the command up to the first shell operator or comment
                command = re.split(r"\s(?:\||&&|;|#|>|<)\s?", line[match.end() :])[0]
                try:
                    argv = shlex.split(command)
                except ValueError:
                    continue  # a line of a multi-line quoted paste
                if argv and not argv[0].startswith(("-", "<", "…")):
                    found.append((f"{page.name}: {line.strip()}", argv))
    return found


def test_every_documented_command_line_parses() -> None:
    """Flags and subcommands the docs show exist: argparse accepts each line as written."""
    parser = build_parser()
    invocations = _documented_invocations()
    assert len(invocations) > 10
    wrong = []
    for where, argv in invocations:
        try:
            parser.parse_args(argv)
        except SystemExit:
            wrong.append(where)
    assert not wrong, wrong
