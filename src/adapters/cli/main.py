"""The `wooconnect` command line. Each sub-command lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Protocol


class _Command(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def _commands() -> list[_Command]:
    # Imported here so that `wooconnect --help` stays fast and nothing connects at import time.
    from wooconnect.adapters.cli import (
        console,
        db,
        demo,
        health,
        rules,
        secret_key,
        serve,
        simulate,
        worker,
    )

    return [serve, worker, db, secret_key, health, console, rules, simulate, demo]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wooconnect",
        description="Connect WooCommerce stores to CRM locations: import, sync and triggers.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _commands():
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from wooconnect.adapters.cli.failure import fail
    from wooconnect.adapters.settings import SettingsError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SettingsError as exc:
        # A setting a person must fix, in any command: say which, not a traceback.
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
