"""`fal-bot db status` and `fal-bot db upgrade`: the schema of FAL_BOT_DB, for operators who
migrate before rolling a new release out (`fal-bot run` also migrates at start, under the same lock).

Exit status: 0 up to date (status) or upgraded (upgrade); 1 migrations pending (status) or no
database yet; 2 bad settings; 3 the database cannot be reached or written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import EXIT_BAD_SETTINGS, settings_or_report
from bot.cli.textio import output

EXIT_PENDING = 1
EXIT_UNREACHABLE = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db",
        help="database schema: status, upgrade",
        description="FAL_BOT_DB's schema version and migrations.",
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION")
    status = actions.add_parser(
        "status",
        help="the schema version and the migrations not applied yet; exit 1 when some are pending",
        description="Print the schema version of FAL_BOT_DB and the migrations not applied yet "
        "(exit 1 when some are pending). Changes nothing.",
    )
    status.add_argument(
        "--json", action="store_true", help='one object: {"engine", "version", "latest", "pending"}'
    )
    status.set_defaults(handler=run_status)
    upgrade = actions.add_parser(
        "upgrade",
        help="apply the pending migrations (safe while other fal-bot processes start or run)",
        description="Apply the pending migrations to FAL_BOT_DB, under the migration lock.",
    )
    upgrade.set_defaults(handler=run_upgrade)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_BAD_SETTINGS


def run_status(args: argparse.Namespace) -> int:
    from bot.database import is_postgres_url, redacted_location
    from bot.store import MIGRATIONS, Store, StoreError, describe_store_error

    settings = settings_or_report("fal-bot db")
    if settings is None:
        return EXIT_BAD_SETTINGS
    location = settings.fal_bot_db
    where = redacted_location(location)
    engine = "postgresql" if is_postgres_url(location) else "sqlite"
    if engine == "sqlite" and not Path(location).exists():
        version, pending = 0, None  # never create a file just to say it is empty
    else:
        try:
            store = Store(location, migrate=False)
            version, pending = store.schema_version(), store.pending_migrations()
            store.close()
        except (*StoreError, OSError) as exc:
            output(f"fal-bot db: cannot read {where}: {describe_store_error(exc)}", stream=sys.stderr)
            return EXIT_UNREACHABLE
    names = pending if pending is not None else [_name(entry) for entry in MIGRATIONS]
    if args.json:
        summary = {"engine": engine, "database": where, "version": version, "pending": names}
        output(json.dumps({**summary, "latest": len(MIGRATIONS)}))
    else:
        if pending is None:
            output(f"{where}: no database yet (fal-bot run or fal-bot db upgrade creates it)")
        output(f"{engine} {where}: schema version {version} of {len(MIGRATIONS)}")
        output("pending: " + (", ".join(names) if names else "none"))
    return EXIT_PENDING if names else 0


def _name(entry: object) -> str:
    from bot.database.migrations import as_migration

    return as_migration(entry).name  # type: ignore[arg-type]


def run_upgrade(_args: argparse.Namespace) -> int:
    from bot.database import is_postgres_url, redacted_location
    from bot.store import Store, StoreError, describe_store_error

    settings = settings_or_report("fal-bot db")
    if settings is None:
        return EXIT_BAD_SETTINGS
    location = settings.fal_bot_db
    where = redacted_location(location)
    try:
        before = 0
        if is_postgres_url(location) or Path(location).exists():
            store = Store(location, migrate=False)
            before = store.schema_version()
            store.close()
        store = Store(location)  # migrates, under the lock
        after = store.schema_version()
        store.close()
    except FileNotFoundError as exc:
        output(f"fal-bot db: {exc}; fal-bot never creates it", stream=sys.stderr)
        return EXIT_BAD_SETTINGS
    except (*StoreError, OSError, RuntimeError) as exc:
        output(f"fal-bot db: cannot upgrade {where}: {describe_store_error(exc)}", stream=sys.stderr)
        return EXIT_UNREACHABLE
    if after == before:
        output(f"{where}: schema version {after}, already up to date")
    else:
        output(f"{where}: upgraded from schema version {before} to {after}")
    return 0
