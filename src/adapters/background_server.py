"""A uvicorn server in a background thread, for the demo and the store simulator: the caller
keeps its own thread (and loop) while the server answers real HTTP."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn


def listening_socket(host: str, port: int = 0) -> socket.socket:
    """A socket bound and listening on `host:port` (a free port when 0)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


@contextlib.contextmanager
def serving_in_thread(
    server: uvicorn.Server,
    run: Callable[[], object],
    *,
    name: str,
    start_within: float,
    stop_within: float,
    not_started: str,
) -> Iterator[None]:
    """Run `server` (through `run`, which serves it) in a daemon thread until the block ends.
    The block starts once the server has started; `RuntimeError(not_started)` when it has not
    within `start_within` seconds or its thread ended first."""
    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_within
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(not_started)
            time.sleep(0.005)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=stop_within)
