"""`wooconnect serve`: the HTTP API (and, without Redis, the in-process worker)."""

from __future__ import annotations

import argparse
import sys

from wooconnect.adapters.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="run the HTTP API")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from wooconnect.adapters.bootstrap import check_rules
    from wooconnect.adapters.http.app import create_app
    from wooconnect.adapters.logging_setup import (
        UVICORN_LOG_CONFIG,
        configure_logging,
        service_secrets,
    )
    from wooconnect.adapters.settings import resolve_secrets

    settings = Settings.from_env()
    check_rules(settings.rules_dir)
    secrets = resolve_secrets(settings)
    configure_logging(
        settings.log_format, secrets=service_secrets(secrets.admin_token, secrets.secret_key)
    )
    if secrets.admin_token_generated:
        print(
            f"Admin token (saved in {settings.var_dir / 'admin.token'}): {secrets.admin_token}",
            file=sys.stderr,
        )
    print(f"wooconnect API on http://{args.host}:{args.port} (docs: /schema)", file=sys.stderr)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        log_config=UVICORN_LOG_CONFIG,
    )
    return 0
