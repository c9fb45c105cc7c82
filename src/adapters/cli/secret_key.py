"""`wooconnect secret-key generate|rotate`: the key that encrypts stored secrets.

    secret-key generate   print a new key
    secret-key rotate     encrypt every stored secret again with the first key of
                          WOOCONNECT_SECRET_KEY ("new,old" while replacing a key)

docs/operations.md gives the whole procedure for replacing a key.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from wooconnect.adapters.cli.failure import fail
from wooconnect.adapters.settings import Settings, resolve_secrets


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "secret-key", help="generate or rotate the key that encrypts stored secrets"
    )
    actions = parser.add_subparsers(dest="secret_key_command", metavar="ACTION", required=True)
    generate = actions.add_parser("generate", help="print a new key")
    generate.set_defaults(handler=generate_key)
    rotate = actions.add_parser(
        "rotate",
        help="encrypt every stored secret again with the first key of WOOCONNECT_SECRET_KEY",
        description=(
            "Re-encrypt the stores' credentials, the connections' webhook secrets and the "
            "subscribers' signing secrets with the first key of WOOCONNECT_SECRET_KEY. Every "
            "key the values were written with must be in it too, after the first: "
            'WOOCONNECT_SECRET_KEY="NEW,OLD".'
        ),
    )
    rotate.set_defaults(handler=rotate_key)


def generate_key(args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode())
    return 0


def rotate_key(args: argparse.Namespace) -> int:
    from wooconnect.adapters.crypto import FernetCipher, secret_keys
    from wooconnect.adapters.persistence.database import create_engine, session_factory
    from wooconnect.adapters.persistence.key_rotation import (
        UnreadableSecrets,
        reencrypt_stored_secrets,
    )

    settings = Settings.from_env()
    secret_key = resolve_secrets(settings).secret_key
    try:
        cipher = FernetCipher(secret_key)
    except ValueError as exc:
        return fail(str(exc))

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            done = await reencrypt_stored_secrets(session_factory(engine), cipher)
        except UnreadableSecrets as exc:
            return fail(
                f"nothing changed: no key in WOOCONNECT_SECRET_KEY decrypts {len(exc.where)} "
                f"stored secret(s) ({', '.join(exc.where[:3])}"
                f"{', ...' if len(exc.where) > 3 else ''}); add the key they were written with",
                1,
            )
        finally:
            await engine.dispose()
        print(
            f"re-encrypted with the first of {len(secret_keys(secret_key))} key(s): "
            f"{done.connections} connection(s), {done.subscriptions} subscription(s)",
            file=sys.stderr,
        )
        return 0

    return asyncio.run(run())
