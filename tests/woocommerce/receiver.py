"""A tiny HTTP endpoint for tests: records each request and answers with a chosen status."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.support.waiting import PATIENCE_S


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Where the store delivers to. `statuses` are answered in turn (then `default_status`)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            self.received.append(Received(scope["method"], scope["path"], headers, body))
            status = self.statuses.pop(0) if self.statuses else self.default_status
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def of_kind(self, *, ping: bool) -> list[Received]:
        with self.lock:
            return [r for r in self.received if ("x-wc-webhook-signature" not in r.headers) == ping]

    async def wait_for(
        self, count: int, *, ping: bool = False, within: float = PATIENCE_S
    ) -> list[Received]:
        """The requests received once there are `count` of them, or all of them after
        `within` seconds (the caller's assertion then says what is missing)."""
        deadline = time.monotonic() + within
        while True:
            found = self.of_kind(ping=ping)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.01)


@contextlib.contextmanager
def running_receiver() -> Iterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    receiver = Receiver(url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(receiver.app, log_level="warning", lifespan="off", interface="asgi3")
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=lambda: loop.run_until_complete(server.serve(sockets=[sock])), daemon=True
    )
    thread.start()
    while not server.started:
        time.sleep(0.005)
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
        sock.close()
