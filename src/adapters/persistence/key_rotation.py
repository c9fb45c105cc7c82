"""Re-encrypting every stored secret with the first key of `WOOCONNECT_SECRET_KEY`: the
store credentials and webhook secrets of the connections, and the subscribers' signing
secrets (`wooconnect secret-key rotate`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wooconnect.adapters.crypto import FernetCipher, SecretDecryptionError
from wooconnect.adapters.persistence.models import ConnectionRow, TriggerSubscriptionRow

_CONNECTION_COLUMNS = ("consumer_key_enc", "consumer_secret_enc", "webhook_secret_enc")


class UnreadableSecrets(Exception):
    """Stored secrets that no key decrypts; nothing was changed. `where` names the rows."""

    def __init__(self, where: list[str]) -> None:
        super().__init__(", ".join(where))
        self.where = where


@dataclass(frozen=True, slots=True)
class Reencrypted:
    connections: int
    subscriptions: int


async def reencrypt_stored_secrets(
    sessions: async_sessionmaker[AsyncSession], cipher: FernetCipher
) -> Reencrypted:
    """Encrypt every stored secret again with the cipher's first key, in one transaction.

    Raises `UnreadableSecrets`, changing nothing, when a value decrypts with none of the
    cipher's keys (the key it was written with is missing from WOOCONNECT_SECRET_KEY).
    """
    unreadable: list[str] = []
    connections = subscriptions = 0
    async with sessions() as session, session.begin():
        for connection in await session.scalars(select(ConnectionRow).with_for_update()):
            changed = False
            for column in _CONNECTION_COLUMNS:
                token = getattr(connection, column)
                if token is None:
                    continue
                try:
                    setattr(connection, column, cipher.rotate(token))
                except SecretDecryptionError:
                    unreadable.append(f"connection {connection.id} ({column.removesuffix('_enc')})")
                    continue
                changed = True
            connections += changed
        query = select(TriggerSubscriptionRow).with_for_update()
        for subscription in await session.scalars(query):
            try:
                subscription.secret_enc = cipher.rotate(subscription.secret_enc)
            except SecretDecryptionError:
                unreadable.append(f"subscription {subscription.id}")
                continue
            subscriptions += 1
        if unreadable:  # leaving the transaction by an exception rolls it back
            raise UnreadableSecrets(unreadable)
    return Reencrypted(connections, subscriptions)
