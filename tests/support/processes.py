"""The processes and servers an end-to-end test runs: a Redis server of its own, the HTTP API
under uvicorn in a background thread, `wooconnect worker` child processes, and the log lines
of each, kept so a test can read what they said."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
# `wooconnect worker --entry`: the production worker with a short heartbeat.
WORKER_ENTRY = "tests.support.worker_app:broker"
# What the worker logs once its container is built and its start hooks have run.
WORKER_READY = "worker ready"
# How long a stopping worker may take to finish its tasks (its own shutdown timeout is 5 s;
# the rest is a loaded machine's slowness) before it is killed.
STOP_PATIENCE_S = 60


def free_socket() -> socket.socket:
    """A listening socket on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    return sock


def free_port() -> int:
    with contextlib.closing(free_socket()) as sock:
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """`redis-server` as a child process on a free port, without persistence: a restart loses
    every message it held, as a crashed Redis without AOF would.

    One per service, so the test owns every key (Dramatiq's queues and heartbeats, the
    periodic claims, the lost-messages marker): two runs of the suite on one machine, or a
    drill that stops Redis, cannot touch anyone else's.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start it and wait until it answers. Its port is free when picked but may be taken
        before the server binds it (by another run's server, say): then it starts again on
        another port, and it only counts as up when the server answering is this process."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):
            with (self.directory / "redis.log").open("ab") as log:
                self.process = subprocess.Popen(
                    [
                        "redis-server",
                        "--port",
                        str(self.port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        str(self.directory),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if eventually(self._answers_or_exited, what="redis-server answers") == "answers":
                return
            self.port = free_port()
        said = (self.directory / "redis.log").read_text(errors="replace")
        raise AssertionError(f"redis-server did not start:\n{said}")

    def _answers_or_exited(self) -> str | None:
        assert self.process is not None
        if self.process.poll() is not None:
            return "exited"
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2) as sock:
                sock.sendall(b"INFO server\r\n")
                reply = sock.recv(65536).decode(errors="replace")
        except OSError:
            return None
        if f"process_id:{self.process.pid}\r\n" in reply:
            return "answers"
        return None

    def stop(self) -> None:
        """Kill it (SIGKILL: no goodbye to its clients)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class ApiServer:
    """An ASGI app (the service's Litestar app) under uvicorn on `sock`, in a background thread
    with its own event loop, lifespan included; https when given a certificate and its key."""

    def __init__(
        self,
        app: Any,
        sock: socket.socket,
        tls: tuple[Path | None, Path | None] = (None, None),
    ) -> None:
        cert, key = tls
        ssl: dict[str, Any] = {}
        if cert is not None and key is not None:
            ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5, **ssl
        )
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.loop = asyncio.new_event_loop()
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="wooconnect-e2e-api", daemon=True)

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:
            self.failure.append(exc)

    def start(self) -> None:
        self.thread.start()
        eventually(
            lambda: self.server.started or not self.thread.is_alive(), what="the API started"
        )
        if not self.server.started:
            raise RuntimeError(f"the API did not start: {self.failure}")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        if not self.thread.is_alive():
            self.loop.close()
        self.sock.close()


class LogFile(logging.Handler):
    """Writes the log records that reach this process's root logger (the API's, served in a
    thread here: warnings and errors, at the root logger's default level) to a file, so a
    test reads what the API logged as it reads a worker's log."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.INFO)
        self.path = path
        self._file = path.open("a", encoding="utf-8")
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted is no reason to fail a test
            line = repr(record.msg)
        with self.lock or contextlib.nullcontext():
            # A loop that outlives the service may still log (a task collected late).
            if not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()

    @property
    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def close(self) -> None:
        with self.lock or contextlib.nullcontext():
            self._file.close()
        super().close()


class WorkerProcess:
    """`wooconnect worker` as a child process in its own process group, writing to `log`;
    `threads` tasks at once, from `queues` (all by default)."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        entry: str = WORKER_ENTRY,
        *,
        threads: int = 4,
        queues: Sequence[str] = (),
    ) -> None:
        self.log_path = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "wooconnect.adapters.cli.main",
                    "worker",
                    "--entry",
                    entry,
                    "--threads",
                    str(threads),
                    "--shutdown-timeout",
                    "5",
                    *(["--queues", *queues] if queues else []),
                ],
                env=dict(env),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self) -> None:
        """Until the worker has built its container and run its start hooks."""

        def ready() -> bool:
            if not self.alive:
                raise AssertionError(f"the worker exited:\n{self.log}")
            return WORKER_READY in self.log

        eventually(ready, what="the worker is ready")

    def kill(self) -> None:
        """SIGKILL the whole process group, as an OOM killer or a lost machine would."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM (finish or requeue the running tasks), SIGKILL if that takes too long;
        returns the exit status (negative: the signal that ended it).

        Only the main process is signalled: it forwards the signal to its worker processes,
        and a second SIGTERM makes Dramatiq kill them without a clean shutdown."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_PATIENCE_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=10)
