"""`wooconnect db upgrade`: bring the database schema to the latest migration."""

from __future__ import annotations

import argparse
import sys

from wooconnect.adapters.cli.failure import fail
from wooconnect.adapters.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database schema")
    db_sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply every pending migration")
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from wooconnect.adapters.persistence.migrate import upgrade

    settings = Settings.from_env()
    try:
        applied = upgrade(settings.database_url, args.revision)
    except Exception as exc:  # a person reads this: say what failed, not a traceback
        return fail(f"the migration failed: {exc}", 1)
    for migration in applied:
        print(f"applied {migration.revision}: {migration.doc}", file=sys.stderr)
    if applied:
        count = len(applied)
        print(
            f"database migrated to {applied[-1].revision}: "
            f"{count} revision{'s' if count != 1 else ''} applied",
            file=sys.stderr,
        )
    else:
        print("database is up to date: no revision to apply", file=sys.stderr)
    return 0
