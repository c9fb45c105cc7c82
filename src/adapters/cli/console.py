"""`wooconnect console`: the Textual support console, talking to a running service over HTTP."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from wooconnect.adapters.cli.failure import fail

DEFAULT_URL = "http://127.0.0.1:8000"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("console", help="the support console (Textual)")
    parser.add_argument(
        "--url",
        default=None,
        help="service base URL (default: $WOOCONNECT_CONSOLE_URL, $WOOCONNECT_PUBLIC_URL, "
        f"or {DEFAULT_URL})",
    )
    parser.add_argument(
        "--token",
        default=None,
        help="admin bearer token (default: $WOOCONNECT_ADMIN_TOKEN, or ./var/admin.token)",
    )
    parser.set_defaults(handler=run)


def default_url(env: Mapping[str, str]) -> str:
    """The service URL when `--url` is not given."""
    return env.get("WOOCONNECT_CONSOLE_URL") or env.get("WOOCONNECT_PUBLIC_URL") or DEFAULT_URL


def default_token(env: Mapping[str, str]) -> str | None:
    """The admin token when `--token` is not given: the environment, then the token file the
    embedded default writes on first start (so a local `serve` needs no copy and paste)."""
    if env.get("WOOCONNECT_ADMIN_TOKEN"):
        return env["WOOCONNECT_ADMIN_TOKEN"]
    path = Path(env.get("WOOCONNECT_VAR_DIR") or "./var") / "admin.token"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def run(args: argparse.Namespace) -> int:
    # Textual is imported only when the console runs, so other commands start fast.
    from wooconnect.tui.api import ApiClient
    from wooconnect.tui.app import create_app

    url = args.url or default_url(os.environ)
    token = args.token or default_token(os.environ)
    if token is None:
        return fail(
            "no admin token: pass --token, set WOOCONNECT_ADMIN_TOKEN, "
            "or run from the directory whose ./var/admin.token `wooconnect serve` wrote"
        )
    create_app(ApiClient(url, token)).run()
    return 0
