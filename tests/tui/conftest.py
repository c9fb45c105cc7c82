"""Fixtures for the console tests: the fake API and consoles built around it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.tui.fake_api import TOKEN, FakeApi
from wooconnect.tui.api import ApiClient
from wooconnect.tui.app import ConsoleApp, create_app

SIZE = (120, 36)


@pytest.fixture
def fake() -> FakeApi:
    """A fresh fake service per test."""
    return FakeApi()


@pytest.fixture
def make_console(fake: FakeApi) -> Callable[..., ConsoleApp]:
    """Build a console over the fake; polling is fast so tests see progress quickly."""

    def make(*, token: str = TOKEN, poll_interval: float = 0.2) -> ConsoleApp:
        client = ApiClient("http://wooconnect.test", token, transport=fake.transport())
        return create_app(client, poll_interval=poll_interval)

    return make
