"""`wooconnect worker`: Dramatiq worker processes on Redis (production; scale out with more).

A worker process runs as many tasks at once as it has threads, each holding its thread until it
ends, an import for as long as it pages. Live work therefore runs best in processes of its own
(`--queues webhooks triggers`) beside those for imports and reconciliations (`--queues imports
sync`); a process taking every queue runs live tasks first whenever a thread frees up."""

from __future__ import annotations

import argparse
import os
import sys

from wooconnect.adapters.cli.failure import fail
from wooconnect.adapters.settings import Settings

ENTRY = "wooconnect.adapters.worker.dramatiq_app:broker"

# Seconds a stopping worker gives running tasks before it exits; their messages go back to
# the queue and their jobs resume from the last checkpoint. Below the 30 s most process
# managers (Docker, Kubernetes) wait after SIGTERM before they kill.
SHUTDOWN_TIMEOUT_S = 25

# Milliseconds an idle consumer waits at most before it asks Redis for messages again.
# Dramatiq backs off exponentially up to this bound while a queue is empty (its default is
# 1,000 ms), so a message arriving after a lull could wait up to a second before a worker
# even looked; one fetch per queue every 100 ms costs Redis next to nothing.
IDLE_POLL_MS = 100


# Webhook deliveries taken up at the same time are processed in one transaction
# (`adapters.worker.delivery_batcher`), so more tasks at once mean fewer, larger transactions
# under load.
DEFAULT_THREADS = 32


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker", help="run background workers on Redis (needs WOOCONNECT_REDIS_URL)"
    )
    parser.add_argument("--processes", type=int, default=1, help="worker processes (default: 1)")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"tasks run at once per process (default: {DEFAULT_THREADS}; tasks wait mostly on "
        "the network or the database, and deliveries taken up at once share a transaction)",
    )
    parser.add_argument(
        "--queues",
        nargs="+",
        metavar="QUEUE",
        help="take tasks from these queues only (default: all). Live work (webhooks, triggers) "
        "gets processes of its own with `--queues webhooks triggers`, imports and "
        "reconciliations with `--queues imports sync`",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        default=SHUTDOWN_TIMEOUT_S,
        help=f"seconds running tasks get to finish on SIGTERM (default: {SHUTDOWN_TIMEOUT_S})",
    )
    # The Dramatiq entry module; tests point it at one with their own handlers.
    parser.add_argument("--entry", default=ENTRY, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the settings, then hand over to Dramatiq's process manager until SIGTERM/SIGINT."""
    settings = Settings.from_env()
    if settings.redis_url is None:
        return fail(
            "`worker` needs WOOCONNECT_REDIS_URL (e.g. redis://127.0.0.1:6379/0); "
            "without Redis, `wooconnect serve` runs the worker in-process."
        )
    if args.processes < 1 or args.threads < 1 or args.shutdown_timeout <= 0:
        return fail("--processes, --threads and --shutdown-timeout must be positive")
    from wooconnect.adapters.worker.actors import BULK_QUEUES, LIVE_QUEUES

    known = (*LIVE_QUEUES, *BULK_QUEUES)
    unknown = sorted(set(args.queues or ()) - set(known))
    if unknown:
        return fail(f"unknown queue(s): {', '.join(unknown)}; the queues are {', '.join(known)}")
    if args.entry == ENTRY:
        from wooconnect.adapters.bootstrap import check_rules

        check_rules(settings.rules_dir)

    # Read by Dramatiq's worker module when it is imported, in each spawned worker process,
    # which inherit this environment. An operator's own setting wins.
    os.environ.setdefault("dramatiq_worker_timeout", str(IDLE_POLL_MS))
    from dramatiq import cli as dramatiq_cli

    from wooconnect.adapters.logging_setup import (
        configure_logging,
        resolve_format,
        service_secrets,
    )

    own_logging = args.entry == ENTRY
    if own_logging:
        # The worker processes inherit the environment: they log in the format chosen here.
        os.environ["WOOCONNECT_LOG_FORMAT"] = resolve_format(settings.log_format, sys.stderr)
        configure_logging(
            os.environ["WOOCONNECT_LOG_FORMAT"],
            secrets=service_secrets(settings.admin_token, settings.secret_key),
        )

    # Dramatiq forks the worker processes and forwards SIGTERM/SIGINT to them; each finishes
    # its running tasks (up to the timeout), requeues what it prefetched, and exits.
    # Dramatiq's CLI functions are unannotated, hence the ignores.
    dramatiq_args = dramatiq_cli.make_argument_parser().parse_args(  # type: ignore[no-untyped-call]
        [
            args.entry,
            "--processes",
            str(args.processes),
            "--threads",
            str(args.threads),
            "--worker-shutdown-timeout",
            str(round(args.shutdown_timeout * 1000)),
            *(["--queues", *args.queues] if args.queues else []),
            *(["--skip-logging"] if own_logging else []),
        ]
    )
    code: int = dramatiq_cli.main(dramatiq_args)  # type: ignore[no-untyped-call]
    return code
