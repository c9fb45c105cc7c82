"""Replacing the secret key: with "NEW,OLD" every stored secret is read, `wooconnect
secret-key rotate` encrypts them all again with NEW, and then NEW alone reads them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import TEST_FERNET_KEY
from tests.fakes.memory import FakeClock
from tests.persistence.test_repository_contract import T0
from tests.support.databases import fresh_sqlite_database
from tests.support.records import agency_and_location, connection_of
from wooconnect.adapters.cli.main import main
from wooconnect.adapters.crypto import FernetCipher, SecretDecryptionError
from wooconnect.adapters.persistence.database import create_engine, session_factory
from wooconnect.adapters.persistence.key_rotation import (
    UnreadableSecrets,
    reencrypt_stored_secrets,
)
from wooconnect.adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from wooconnect.domain.ids import new_id
from wooconnect.domain.subscriptions import TriggerSubscription
from wooconnect.domain.triggers import TriggerType

OLD = TEST_FERNET_KEY
NEW = Fernet.generate_key().decode()


async def _seed(url: str, key: str) -> tuple[str, str]:
    """A connection with credentials and a webhook secret, and a subscription, written with
    `key`; their ids."""
    engine = create_engine(url)
    try:
        async with SqlAlchemyUnitOfWork(
            session_factory(engine), FernetCipher(key), FakeClock()
        ) as uow:
            agency, location = agency_and_location(T0)
            await uow.agencies.add(agency)
            await uow.locations.add(location)
            connection = connection_of(location, T0, webhook_secret="whsec_webhook")
            await uow.connections.add(connection)
            subscription = TriggerSubscription(
                new_id(),
                location.id,
                "https://hooks.example.com/x",
                (TriggerType.ORDER_SUBMITTED,),
                "sub_secret",
                T0,
            )
            await uow.subscriptions.add(subscription)
            await uow.commit()
    finally:
        await engine.dispose()
    return connection.id, subscription.id


async def _read(url: str, key: str, ids: tuple[str, str]) -> tuple[str, str, str, str]:
    engine = create_engine(url)
    try:
        async with SqlAlchemyUnitOfWork(
            session_factory(engine), FernetCipher(key), FakeClock()
        ) as uow:
            connection = await uow.connections.get(ids[0])
            subscription = await uow.subscriptions.get(ids[1])
    finally:
        await engine.dispose()
    assert connection is not None
    assert connection.credentials is not None
    assert subscription is not None
    return (
        connection.credentials.consumer_key,
        connection.credentials.consumer_secret,
        connection.webhook_secret or "",
        subscription.secret,
    )


PLAIN = ("ck_key", "cs_secret", "whsec_webhook", "sub_secret")


async def test_rotation_re_encrypts_every_stored_secret_with_the_first_key(
    tmp_path: Path,
) -> None:
    async with fresh_sqlite_database(tmp_path) as url:
        ids = await _seed(url, OLD)
        with pytest.raises(SecretDecryptionError):
            await _read(url, NEW, ids)
        assert await _read(url, f"{NEW},{OLD}", ids) == PLAIN  # both keys, during the change

        engine = create_engine(url)
        try:
            done = await reencrypt_stored_secrets(
                session_factory(engine), FernetCipher(f"{NEW},{OLD}")
            )
        finally:
            await engine.dispose()

        assert (done.connections, done.subscriptions) == (1, 1)
        assert await _read(url, NEW, ids) == PLAIN
        with pytest.raises(SecretDecryptionError):
            await _read(url, OLD, ids)


async def test_without_the_key_a_secret_was_written_with_nothing_changes(tmp_path: Path) -> None:
    async with fresh_sqlite_database(tmp_path) as url:
        ids = await _seed(url, OLD)
        engine = create_engine(url)
        try:
            with pytest.raises(UnreadableSecrets) as refused:
                await reencrypt_stored_secrets(session_factory(engine), FernetCipher(NEW))
        finally:
            await engine.dispose()

        assert f"connection {ids[0]} (consumer_key)" in refused.value.where
        assert f"subscription {ids[1]}" in refused.value.where
        assert await _read(url, OLD, ids) == PLAIN


async def test_the_command_rotates_and_says_how_many_it_re_encrypted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with fresh_sqlite_database(tmp_path) as url:
        ids = await _seed(url, OLD)
        monkeypatch.setenv("WOOCONNECT_DATABASE_URL", url)
        monkeypatch.setenv("WOOCONNECT_ADMIN_TOKEN", "wc_admin_test")

        monkeypatch.setenv("WOOCONNECT_SECRET_KEY", NEW)
        # the command runs its own event loop, as it does from a shell
        assert await asyncio.to_thread(main, ["secret-key", "rotate"]) == 1
        [refusal] = capsys.readouterr().err.splitlines()
        assert refusal.startswith("wooconnect: nothing changed: no key in WOOCONNECT_SECRET_KEY")

        monkeypatch.setenv("WOOCONNECT_SECRET_KEY", f"{NEW},{OLD}")
        assert await asyncio.to_thread(main, ["secret-key", "rotate"]) == 0
        assert capsys.readouterr().err.splitlines() == [
            "re-encrypted with the first of 2 key(s): 1 connection(s), 1 subscription(s)"
        ]
        assert await _read(url, NEW, ids) == PLAIN


def test_a_generated_key_is_a_key_the_service_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["secret-key", "generate"]) == 0
    FernetCipher(capsys.readouterr().out.strip())
