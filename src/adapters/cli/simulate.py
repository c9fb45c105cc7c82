"""`wooconnect simulate-store`: a seeded WooCommerce store on a local port."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from wooconnect.adapters.cli.store_options import add_store_options, seeded_store
from wooconnect.adapters.woocommerce.simulator import (
    SimulatedStore,
    StoreSettings,
    create_simulator_app,
    derived_keys,
)
from wooconnect.adapters.woocommerce.simulator.control import store_summary
from wooconnect.adapters.woocommerce.simulator.tls import make_self_signed

# The faults the store can start with: `--rate-limit-rate` sets `store.faults.rate_limit_rate`,
# and so on.
FAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "rate_limit_rate": {"type": float, "default": 0, "help": "share of API 429s"},
    "server_error_rate": {"type": float, "default": 0, "help": "share of API 503s"},
    "retry_after": {"type": int, "default": 1, "help": "Retry-After on 429s"},
    "overload_above": {
        "type": int,
        "default": 0,
        "help": "answer 503 to API requests beyond this many at once (0: never)",
    },
    "strip_authorization": {
        "action": "store_true",
        "help": "drop the Authorization header, like a misconfigured server",
    },
    "no_refunds_route": {
        "action": "store_true",
        "help": "no /refunds, like WooCommerce before 9.0",
    },
    "reorder_deliveries": {
        "action": "store_true",
        "help": "deliver each batch of webhook deliveries in reverse order",
    },
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `simulate-store` to the CLI."""
    parser = subparsers.add_parser(
        "simulate-store",
        help="run a simulated WooCommerce store (REST v3, webhooks, key grant) for tests and demos",
        description=(
            "Serve a deterministic WooCommerce store: REST API v3 customers/orders/refunds/"
            "webhooks, the /wc-auth/v1 key grant, signed webhook deliveries, and /__sim__ "
            "control endpoints to change data and inject faults."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8100, help="port to listen on")
    parser.add_argument("--public-url", help="home URL if clients reach it differently")
    add_store_options(parser, customers=25, orders=60, seed=1)
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="response time of every request"
    )
    parser.add_argument("--consumer-key", help="use this key instead of the seeded one")
    parser.add_argument("--consumer-secret", help="use this secret instead of the seeded one")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a self-signed certificate (Basic auth accepted)",
    )
    parser.add_argument("--utc-offset-minutes", type=int, default=0, help="store time zone")
    parser.add_argument(
        "--delivery-delay-ms",
        type=float,
        default=50,
        help="how long changes coalesce before a webhook delivery",
    )
    parser.add_argument(
        "--allow-http-callback",
        action="store_true",
        help="accept a plain-http key-grant callback_url (a real store requires https)",
    )
    for fault, options in FAULT_OPTIONS.items():
        parser.add_argument("--" + fault.replace("_", "-"), **options)
    parser.set_defaults(handler=handler)


def build_store(args: argparse.Namespace, home_url: str) -> SimulatedStore:
    """The seeded store the arguments describe."""
    store = seeded_store(
        args,
        StoreSettings(
            home_url=home_url,
            utc_offset_minutes=args.utc_offset_minutes,
            require_https_callback=not args.allow_http_callback,
            coalesce_seconds=args.delivery_delay_ms / 1000,
        ),
    )
    key, secret = derived_keys(args.seed)
    store.create_api_key(
        consumer_key=args.consumer_key or key, consumer_secret=args.consumer_secret or secret
    )
    store.faults.update({fault: getattr(args, fault) for fault in FAULT_OPTIONS})
    return store


def handler(args: argparse.Namespace) -> int:
    """Seed, print the store URL and keys, and serve until interrupted."""
    scheme = "https" if args.tls else "http"
    home_url = (args.public_url or f"{scheme}://{args.host}:{args.port}").rstrip("/")
    store = build_store(args, home_url)
    summary = store_summary(store)
    key = summary["keys"][0]
    with tempfile.TemporaryDirectory(prefix="woo-sim-") as tmp:
        ssl: dict[str, str] = {}
        if args.tls:
            cert, private = make_self_signed(Path(tmp), args.host)
            ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(private)}
            print(f"certificate:     {cert}")
        print(f"store URL:       {home_url}")
        print(f"consumer key:    {key['consumer_key']}")
        print(f"consumer secret: {key['consumer_secret']}")
        print(f"auth:            {'Basic or query string' if args.tls else 'OAuth 1.0a'}")
        print("data:            " + json.dumps({k: summary[k] for k in ("roles", "statuses")}))
        print(f"control:         {home_url}/__sim__/state", flush=True)
        app = create_simulator_app(store, secure=args.tls, latency_ms=args.latency_ms)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            interface="asgi3",
            **ssl,  # type: ignore[arg-type]
        )
    return 0


if __name__ == "__main__":
    cli = argparse.ArgumentParser(prog="wooconnect")
    register(cli.add_subparsers(dest="command", required=True))
    parsed = cli.parse_args()
    sys.exit(parsed.handler(parsed))
