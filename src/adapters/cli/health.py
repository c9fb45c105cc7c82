"""`wooconnect health worker`: a container health check for `wooconnect worker`.

Exit 0 when a worker process of this machine (or container) wrote its heartbeat recently; 1,
with one line saying why, otherwise.
"""

from __future__ import annotations

import argparse
import sys

from wooconnect.adapters.cli.failure import fail
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.heartbeat import MAX_AGE_S, heartbeat_age, heartbeat_path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("health", help="health checks for process managers")
    checks = parser.add_subparsers(dest="health_command", metavar="CHECK", required=True)
    worker = checks.add_parser(
        "worker",
        help="whether a `wooconnect worker` here is alive (its heartbeat in $WOOCONNECT_VAR_DIR)",
    )
    worker.add_argument(
        "--max-age",
        type=float,
        default=MAX_AGE_S,
        help=f"seconds a heartbeat stays fresh (default: {MAX_AGE_S:g})",
    )
    worker.set_defaults(handler=check_worker)


def check_worker(args: argparse.Namespace) -> int:
    path = heartbeat_path(Settings.from_env().var_dir)
    age = heartbeat_age(path)
    if age is None:
        return fail(f"no worker heartbeat at {path}: the worker has not started here", 1)
    if age > args.max_age:
        return fail(
            f"the worker's last heartbeat is {age:.0f} s old (more than {args.max_age:g} s): "
            "its event loop is stuck, it stopped, or Redis does not answer it",
            1,
        )
    print(f"worker alive: heartbeat {age:.1f} s ago", file=sys.stdout)
    return 0
