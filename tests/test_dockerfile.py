"""The Dockerfile, checked without Docker (no engine or registry here): what it says is consistent
with the project, its HEALTHCHECK command really tells 200 from 503, and its install steps work in a
fresh virtual environment (slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.runtime.health import Health
from bot.runtime.http import HEALTH_PATH, HttpServer, Router
from bot.settings import Settings
from tests.conftest import REPO

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with line continuations joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def only(keyword: str) -> str:
    found = [arguments for name, arguments in instructions() if name == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value)
    return value


def test_every_instruction_is_one_docker_knows() -> None:
    known = {
        "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
        "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    }  # fmt: skip
    names = [name for name, _ in instructions()]
    assert names[0] == "FROM"
    assert set(names) <= known


def test_base_image_is_slim_python_3_11() -> None:
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", only("FROM"))


def test_runs_as_an_unprivileged_user() -> None:
    names = [name for name, _ in instructions()]
    user = only("USER")
    assert user.split(":")[0] not in {"root", "0"}
    # Nothing runs as root after the switch, and the process itself starts after it.
    assert "RUN" not in names[names.index("USER") :]
    assert names.index("USER") < names.index("ENTRYPOINT")


def test_dependencies_are_installed_before_the_source_is_copied() -> None:
    steps = instructions()
    copies = [(i, arguments) for i, (name, arguments) in enumerate(steps) if name == "COPY"]
    first_copy_index, first_copy = copies[0]
    assert first_copy.split() == ["pyproject.toml", "./"]
    install = next(
        i for i, (name, arguments) in enumerate(steps) if name == "RUN" and "pip install -r" in arguments
    )
    source = next(i for i, arguments in copies if arguments.startswith("bot "))
    assert first_copy_index < install < source


def test_copy_sources_exist_and_are_not_ignored() -> None:
    ignore = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore  # everything else (.venv, tests, *.db) stays out of the build context
    for name, arguments in instructions():
        if name != "COPY":
            continue
        *sources, _destination = arguments.split()
        for source in sources:
            assert (REPO / source).exists(), source
            assert source.rstrip("/") in allowed, f"{source} is excluded by .dockerignore"


def test_the_database_lives_on_the_volume() -> None:
    env = " ".join(arguments for name, arguments in instructions() if name == "ENV")
    database = re.search(r"FAL_BOT_DB=(\S+)", env)
    assert database is not None
    volume = only("VOLUME")
    assert Path(database.group(1)).parent == Path(volume)


def test_the_exposed_port_is_the_default_port() -> None:
    assert int(only("EXPOSE")) == Settings.model_fields["port"].default


def test_entry_point_is_the_declared_console_script_running_fal_bot_run() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    (entry,) = exec_form(only("ENTRYPOINT"))
    assert entry in scripts
    assert exec_form(only("CMD")) == ["run"]
    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert subcommands is not None and "run" in subcommands


def _healthcheck_command() -> list[str]:
    arguments = only("HEALTHCHECK")
    command = exec_form(arguments.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert HEALTH_PATH in command[2]
    return command


@pytest.mark.slow
def test_healthcheck_passes_on_200_and_fails_on_503() -> None:
    """The HEALTHCHECK's own command, run against the real /healthz served by bot.runtime.http."""
    problems: dict[str, str | None] = {"database": None}
    server = HttpServer(Router(Health(None, {"database": lambda: problems["database"]})), "127.0.0.1", 0)
    server.start()
    try:
        command = [sys.executable, *_healthcheck_command()[1:]]
        env = {**os.environ, "PORT": str(server.port)}
        assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode == 0
        problems["database"] = "database not writable"
        assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode != 0
    finally:
        server.shutdown(timeout=2)


def _dependency_command() -> str:
    run = next(arguments for name, arguments in instructions() if name == "RUN" and "tomllib" in arguments)
    return run.split(" > ", 1)[0]


@pytest.mark.slow
def test_the_dependency_list_step_prints_pyprojects_dependencies() -> None:
    command = _dependency_command()
    printed = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True, check=True).stdout
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert printed.split() == declared


IGNORE_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.mark.slow
def test_the_images_install_steps_work_in_a_fresh_venv(tmp_path: Path) -> None:
    """Dependencies from the Dockerfile's own list step, then the package without deps (not editable,
    so the packaged knowledge base is what gets checked), then the entry point runs."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        subprocess.run(
            _dependency_command(), shell=True, cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
    )
    subprocess.run([*pip, "-r", str(requirements)], check=True, timeout=600)
    # The build context as Docker sees it: only what the COPY lines name (no stale build/ dir).
    context = tmp_path / "context"
    context.mkdir()
    for name, arguments in instructions():
        if name == "COPY":
            for source in arguments.split()[:-1]:
                if (REPO / source).is_dir():
                    shutil.copytree(REPO / source, context / source, ignore=IGNORE_CACHES)
                else:
                    shutil.copy2(REPO / source, context / source)
    subprocess.run([*pip, "--no-deps", str(context)], check=True, timeout=600, cwd=tmp_path)
    entry = venv / "bin" / "fal-bot"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "FAL_"))}
    env["FAL_BOT_DB"] = str(tmp_path / "fal-bot.db")
    lint = subprocess.run([str(entry), "kb", "lint"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # the playground's page ships in the package (setuptools warns it may drop data folders that
    # are not listed as packages)
    page = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from importlib import resources; s = resources.files('bot.playground') / 'static';"
            " print(sorted(p.name for p in s.iterdir() if p.suffix in ('.html', '.js', '.css')))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert page.stdout.strip() == "['app.js', 'index.html', 'mrkdwn.js', 'style.css']"
    run = subprocess.run(
        [str(entry), "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and "SLACK_BOT_TOKEN" in run.stderr
