"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, started on a free
loopback port with its socket in that folder, stopped and deleted at the end of the session.

Uses the server binaries of the system's package (Debian: /usr/lib/postgresql/<version>/bin, or
whatever `pg_config --bindir` names). As root (CI), initdb and the server run as the `postgres`
user the package creates, in a folder it owns. `FAL_BOT_TEST_POSTGRES_URL` skips all of this and uses
that server instead (a database per test is created in it).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support.loopback import free_port

START_TIMEOUT_SECONDS = 60


class NoServer(Exception):
    """No PostgreSQL server could be started here (the reason says why)."""


def _bindir() -> Path:
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise NoServer("no PostgreSQL server binaries (initdb, pg_ctl) found; install the postgresql package")


@dataclass
class Cluster:
    """A server to create test databases in: `admin_url` connects as a superuser."""

    admin_url: str
    stop_command: list[str] | None = None
    folder: Path | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = f"falbot_test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        info = psycopg.conninfo.conninfo_to_dict(self.admin_url)
        info["dbname"] = name
        user = f"{info['user']}@" if info.get("user") else ""
        port = f":{info['port']}" if info.get("port") else ""
        return f"postgresql://{user}{info.get('host') or '127.0.0.1'}{port}/{name}"

    def stop(self) -> None:
        if self.stop_command is not None:
            subprocess.run(self.stop_command, capture_output=True, timeout=60)
            self.stop_command = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def start_cluster() -> Cluster:
    """initdb + pg_ctl start in a temporary folder. Raises NoServer with the reason."""
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="fal-bot-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        runuser = shutil.which("runuser")
        if runuser is None:
            raise NoServer("running as root without runuser: cannot start PostgreSQL as another user")
        try:
            import pwd

            account = pwd.getpwnam("postgres")
        except KeyError:
            raise NoServer("running as root and there is no 'postgres' user to run the server") from None
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = [runuser, "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    port = free_port()

    def run(*args: str) -> None:
        result = subprocess.run(
            [*as_user, *args], capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise NoServer(f"{Path(args[0]).name} failed: {' '.join(detail)}")

    try:
        initdb = str(bindir / "initdb")
        run(initdb, "-D", str(data), "-U", "falbot", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run(str(bindir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data), "-l", str(log), "-o", options)
    except (NoServer, OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise exc if isinstance(exc, NoServer) else NoServer(str(exc)) from None
    stop = [*as_user, str(bindir / "pg_ctl"), "stop", "-m", "immediate", "-D", str(data)]
    return Cluster(f"postgresql://falbot@127.0.0.1:{port}/postgres", stop, folder)
