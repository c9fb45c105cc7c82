"""The service under test, run for real: the HTTP API on a loopback port, its worker
(in-process in the embedded default, `wooconnect worker` processes on Redis in production),
on a database and a Redis of its own.

Tests reach it only through its HTTP API, as a client would (`Service.api`), and read what
its processes logged (`Service.logs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_FERNET_KEY
from tests.support.api import ADMIN_TOKEN, Api
from tests.support.databases import fresh_postgres_database
from tests.support.processes import (
    ROOT,
    ApiServer,
    LogFile,
    RedisServer,
    WorkerProcess,
    free_socket,
)
from tests.support.services import in_ci, require_postgres
from wooconnect.adapters.bootstrap import Container, bootstrap
from wooconnect.adapters.http.app import create_app
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.woocommerce.simulator.tls import make_self_signed

EMBEDDED = "embedded"
PRODUCTION = "production"
SHAPES = (EMBEDDED, PRODUCTION)

# So the scheduled reconciliation stays out of the way; a test asks for one when it needs it.
RECONCILE_INTERVAL_S = 86_400

# The clients log every request at INFO; the tests read the API, not those lines.
logging.getLogger("httpx").setLevel(logging.WARNING)

ContainerHook = Callable[[Container], None]


class ShiftedClock:
    """The system clock moved forward by `offset`, so a test can let time pass at once."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Service:
    """One running wooconnect. `api` calls its HTTP API at `base_url` with the admin token."""

    shape: str
    directory: Path
    base_url: str
    database_url: str
    rules_dir: Path
    # The environment its worker processes run with.
    env: dict[str, str]
    api_log: LogFile
    redis_server: RedisServer | None = None
    # The certificate it serves https with (None over plain http): clients trust it.
    ca_file: Path | None = None
    workers: list[WorkerProcess] = field(default_factory=list)
    api: Api = field(init=False)

    def __post_init__(self) -> None:
        self.api = Api(self.base_url, self.ca_file)

    @property
    def http(self) -> httpx.Client:
        return self.api.http

    @property
    def redis(self) -> RedisServer:
        """Its Redis server (production only), which a drill may stop and start again."""
        assert self.redis_server is not None, "the embedded default has no Redis"
        return self.redis_server

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def start_worker(self, *, threads: int = 4, queues: Sequence[str] = ()) -> WorkerProcess:
        """One more `wooconnect worker` process (production only), once it is ready: `threads`
        tasks at once, from `queues` (all by default)."""
        assert self.shape == PRODUCTION, "the embedded default runs its worker in-process"
        worker = WorkerProcess(
            self.env,
            self.directory / f"worker-{len(self.workers)}.log",
            threads=threads,
            queues=queues,
        )
        self.workers.append(worker)
        worker.wait_ready()
        return worker

    def kill_workers(self) -> None:
        """SIGKILL every worker process."""
        for worker in self.workers:
            worker.kill()

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    @property
    def worker_logs(self) -> str:
        return "\n".join(worker.log for worker in self.workers)

    @property
    def logs(self) -> str:
        """Everything the API and every worker process logged so far."""
        return self.api_log.text + "\n" + self.worker_logs


@contextlib.contextmanager
def running_service(
    shape: str,
    directory: Path,
    *,
    start_worker: bool = True,
    customise: ContainerHook | None = None,
    allow_private_stores: bool = True,
    route_database: Callable[[str], str] | None = None,
    tls: bool = False,
    http_key_grant: bool = True,
) -> Iterator[Service]:
    """The service in `shape`, reachable over real HTTP on a free loopback port.

    Embedded: SQLite in `directory`, the worker inside the API process. Production: a fresh
    PostgreSQL database, a Redis server of its own, the API here and a `wooconnect worker`
    process beside it (unless `start_worker` is false). The rule files are a copy the test
    may edit. `customise` may adjust the API's container before its services are built.
    Private and plain-http stores are allowed (the simulator is one) unless told otherwise.
    `route_database` (production only) gives the URL the service reaches its database at,
    from the database's own: through a `tests.support.proxy.TcpProxy`, say.

    With `tls` the API serves https with a certificate of its own (`Service.ca_file`), its
    public URL is https, and the key grant works as with a real store (which needs a store
    that trusts the certificate: `RunningSimulator.trust`). Over plain http the key grant is
    offered anyway unless `http_key_grant` is false; only a store that takes http callbacks
    completes it.
    """
    rules_dir = directory / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    sock = free_socket()
    scheme = "https" if tls else "http"
    base_url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    ca_file, key_file = make_self_signed(directory / "tls") if tls else (None, None)
    variables = {
        "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
        "WOOCONNECT_SECRET_KEY": TEST_FERNET_KEY,
        "WOOCONNECT_PUBLIC_URL": base_url,
        "WOOCONNECT_RULES_DIR": str(rules_dir),
        "WOOCONNECT_ALLOW_PRIVATE_STORES": str(allow_private_stores).lower(),
        "WOOCONNECT_ALLOW_HTTP_KEY_GRANT": str(http_key_grant).lower(),
        "WOOCONNECT_RECONCILE_INTERVAL_S": str(RECONCILE_INTERVAL_S),
        "WOOCONNECT_VAR_DIR": str(directory / "var"),
        "WOOCONNECT_LOG_FORMAT": "text",
    }
    with contextlib.ExitStack() as stack:
        redis: RedisServer | None = None
        if shape == PRODUCTION:
            require_postgres()
            require_redis_server()
            database_url = stack.enter_context(postgres_database())
            if route_database is not None:
                database_url = route_database(database_url)
            variables["WOOCONNECT_DATABASE_URL"] = database_url
            redis = RedisServer(directory / "redis")
            stack.callback(redis.stop)
            redis.start()
            variables["WOOCONNECT_REDIS_URL"] = redis.url
        else:
            assert route_database is None, "the embedded default's database is a file"
            # The embedded default migrates its own SQLite file on start.
            sqlite = directory / "var" / "wooconnect.db"
            variables["WOOCONNECT_DATABASE_URL"] = f"sqlite:///{sqlite}"
        settings = Settings.from_env(variables)

        async def container() -> Container:
            built = await bootstrap(settings)
            if customise is not None:
                customise(built)
            return built

        api_log = LogFile(directory / "api.log")
        root = logging.getLogger()
        root.addHandler(api_log)
        stack.callback(api_log.close)
        stack.callback(root.removeHandler, api_log)
        server = ApiServer(
            create_app(settings, container_factory=container), sock, tls=(ca_file, key_file)
        )
        server.start()
        stack.callback(server.stop)
        service = Service(
            shape,
            directory,
            base_url,
            variables["WOOCONNECT_DATABASE_URL"],
            rules_dir,
            worker_env(variables),
            api_log,
            redis,
            ca_file,
        )
        stack.callback(service.api.close)
        stack.callback(service.stop_workers)
        if shape == PRODUCTION and start_worker:
            service.start_worker()
        yield service


def worker_env(variables: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
    env.update(variables)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / ".ci" / "pythonpath"), str(ROOT)])
    # Idle consumers poll Redis every 200 ms; each poll is also the worker's heartbeat.
    env["dramatiq_worker_timeout"] = "200"
    return env


def require_redis_server() -> None:
    """Each production-shape service runs a `redis-server` of its own."""
    if shutil.which("redis-server") is not None:
        return
    message = "redis-server is not installed"
    if in_ci():
        pytest.fail(message + " (CI=true: services must be up)")
    pytest.skip(message)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this service alone, dropped afterwards."""
    with asyncio.Runner() as runner:
        database = fresh_postgres_database()
        url = runner.run(database.__aenter__())
        try:
            yield url
        finally:
            runner.run(database.__aexit__(None, None, None))
