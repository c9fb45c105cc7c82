"""Reaching the real PostgreSQL and Redis the integration tests need.

Outside CI a missing service skips its tests; under CI=true it fails them, so a green CI run
always means they ran.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "WOOCONNECT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WOOCONNECT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def require(service: str, url: str, default_port: int) -> None:
    """Skip (locally) or fail (CI) when `service` is not listening at `url`."""
    if _reachable(url, default_port):
        return
    message = f"{service} is not reachable at {url}"
    if in_ci():
        pytest.fail(message + " (CI=true: services must be up)")
    pytest.skip(message)


def require_postgres() -> None:
    require("PostgreSQL", POSTGRES_URL, 5432)


def require_redis() -> None:
    require("Redis", REDIS_URL, 6379)
