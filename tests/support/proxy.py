"""A TCP relay between the service and a server it depends on, which a test can cut to make
that server unreachable while the service runs, and restore."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from tests.support.processes import free_socket


class TcpProxy:
    """Relays connections from a loopback port to `host:port`. While cut, the connections it
    relayed are dropped and new ones are closed as soon as they are accepted: to its client,
    the server has gone away."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = free_socket()
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    @classmethod
    def in_front_of(cls, url: str) -> TcpProxy:
        """A proxy to the server of a URL (`postgresql://user@host:port/db`)."""
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432)

    def route(self, url: str) -> str:
        """`url` with its server replaced by this proxy."""
        parts = urlsplit(url)
        credentials, at, _server = parts.netloc.rpartition("@")
        return urlunsplit(parts._replace(netloc=f"{credentials}{at}127.0.0.1:{self.port}"))

    def cut(self) -> None:
        """Drop every relayed connection and refuse the next ones, until `restore`."""
        with self._lock:
            self._cut = True
            dropped, self._open = self._open, set()
        for sock in dropped:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refused = self._cut
            if refused:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def proxy_in_front_of(url: str) -> Iterator[TcpProxy]:
    proxy = TcpProxy.in_front_of(url)
    try:
        yield proxy
    finally:
        proxy.close()
