"""A connection's lifecycle: awaiting_authorization → authorized → active ⇄ needs_reconnect →
disconnected; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wooconnect.domain.connection import Connection, ConnectionStatus, StoreCredentials
from wooconnect.domain.errors import IllegalTransition
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


def test_only_a_connection_whose_keys_the_store_accepted_is_proven() -> None:
    waiting = new_connection()
    authorized = waiting.authorize(KEYS, NOW)
    active = authorized.activate("s", NOW)
    assert not waiting.is_proven
    assert authorized.is_proven
    assert active.is_proven
    assert active.require_reconnect("401", NOW).is_proven
    assert not active.disconnect(NOW).is_proven


def test_a_connection_waiting_past_its_time_has_expired_and_cannot_be_authorized() -> None:
    until = NOW + timedelta(hours=1)
    waiting = new_connection().await_authorization_until(until, NOW)
    assert waiting.as_of(until - timedelta(seconds=1)) is waiting

    expired = waiting.as_of(until)

    assert expired.status is ConnectionStatus.DISCONNECTED
    assert expired.updated_at == until
    assert expired.last_error is not None
    with pytest.raises(IllegalTransition):
        waiting.authorize(KEYS, until)
    authorized = waiting.authorize(KEYS, until - timedelta(seconds=1))
    assert authorized.authorization_expires_at is None
    assert authorized.as_of(until + timedelta(days=1)) is authorized


def test_only_a_waiting_connection_can_wait_for_authorization_again() -> None:
    active = new_connection().authorize(KEYS, NOW).activate("s", NOW)
    with pytest.raises(IllegalTransition):
        active.await_authorization_until(NOW + timedelta(hours=1), NOW)


def test_credentials_never_show_their_secret() -> None:
    assert "cs_1" not in repr(KEYS)
    connection = new_connection().authorize(KEYS, NOW).activate("whsec_x", NOW)
    assert "cs_1" not in repr(connection)
    assert "whsec_x" not in repr(connection)
