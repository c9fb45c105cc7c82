"""A connection's lifecycle: awaiting_authorization → authorized → active ⇄ needs_reconnect →
disconnected; anything else is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from wooconnect.domain.connection import Connection, ConnectionStatus, StoreCredentials
from wooconnect.domain.errors import IllegalTransition, InvalidSetting
from wooconnect.domain.store_url import StoreUrl

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEYS = StoreCredentials("ck_1", "cs_1")


def new_connection() -> Connection:
    return Connection(
        id="c1",
        location_id="l1",
        agency_id="a1",
        store_url=StoreUrl.parse("https://shop.example.com"),
        status=ConnectionStatus.AWAITING_AUTHORIZATION,
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_happy_path_reaches_active() -> None:
    active = new_connection().authorize(KEYS, NOW).activate("whsec", NOW)
    assert active.status is ConnectionStatus.ACTIVE
    assert active.webhook_secret == "whsec"


def test_an_auth_failure_needs_reconnect_and_new_keys_make_it_active_again() -> None:
    active = new_connection().authorize(KEYS, NOW).activate("whsec", NOW)
    broken = active.require_reconnect("401 woocommerce_rest_cannot_view", NOW)
    assert broken.status is ConnectionStatus.NEEDS_RECONNECT
    assert broken.last_error == "401 woocommerce_rest_cannot_view"
    fixed = broken.authorize(StoreCredentials("ck_2", "cs_2"), NOW)
    assert fixed.status is ConnectionStatus.ACTIVE
    assert fixed.last_error is None


def test_every_live_state_can_disconnect_and_disconnected_is_final() -> None:
    states = [
        new_connection(),
        new_connection().authorize(KEYS, NOW),
        new_connection().authorize(KEYS, NOW).activate("s", NOW),
        new_connection().authorize(KEYS, NOW).activate("s", NOW).require_reconnect("x", NOW),
    ]
    for state in states:
        gone = state.disconnect(NOW)
        assert gone.status is ConnectionStatus.DISCONNECTED
        assert not gone.is_live
        with pytest.raises(IllegalTransition):
            gone.activate("s", NOW)
        with pytest.raises(IllegalTransition):
            gone.authorize(KEYS, NOW)


def test_a_connection_cannot_be_activated_before_it_is_authorized() -> None:
    with pytest.raises(IllegalTransition, match="awaiting_authorization to active"):
        new_connection().activate("s", NOW)


def test_an_unauthorized_connection_cannot_need_reconnect() -> None:
    with pytest.raises(IllegalTransition):
        new_connection().require_reconnect("401", NOW)


def test_an_active_connection_cannot_be_activated_twice() -> None:
    active = new_connection().authorize(KEYS, NOW).activate("s", NOW)
    with pytest.raises(IllegalTransition):
        active.activate("s", NOW)


def test_credentials_never_show_their_secret() -> None:
    assert "cs_1" not in repr(KEYS)
    connection = new_connection().authorize(KEYS, NOW).activate("whsec_x", NOW)
    assert "cs_1" not in repr(connection)
    assert "whsec_x" not in repr(connection)


def test_a_connection_chooses_its_store_concurrency_from_1_to_16_or_the_default() -> None:
    connection = new_connection()
    assert connection.store_concurrency is None
    assert connection.with_store_concurrency(1, NOW).store_concurrency == 1
    assert connection.with_store_concurrency(16, NOW).store_concurrency == 16
    assert connection.with_store_concurrency(16, NOW).with_store_concurrency(None, NOW) == (
        connection
    )
    for wrong in (0, 17):
        with pytest.raises(InvalidSetting, match="between 1 and 16") as refused:
            connection.with_store_concurrency(wrong, NOW)
        assert refused.value.name == "store_concurrency"


def test_a_sweep_of_every_customer_asked_for_starts_at_the_first_page_or_carries_on() -> None:
    connection = new_connection()
    assert connection.sweep_customers_next().reconcile_customers_page == 1
    underway = replace(connection, reconcile_customers_page=7)
    assert underway.sweep_customers_next().reconcile_customers_page == 7
