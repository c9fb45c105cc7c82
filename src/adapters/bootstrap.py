"""The composition root: the one place that turns settings into running adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from wooconnect.adapters.clock import SystemClock
from wooconnect.adapters.crypto import FernetCipher
from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.persistence.database import create_engine, session_factory
from wooconnect.adapters.persistence.inbox_batcher import InboxWriter
from wooconnect.adapters.persistence.metrics import SqlOperationsMetrics
from wooconnect.adapters.persistence.migrate import upgrade_async
from wooconnect.adapters.persistence.sqlite_inbox import SqliteInboxWriter
from wooconnect.adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from wooconnect.adapters.rules_yaml.loader import RuleLoadError
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.adapters.services import Services, build_services
from wooconnect.adapters.settings import Secrets, Settings, SettingsError, resolve_secrets
from wooconnect.adapters.store_directory import WooCommerceDirectory
from wooconnect.adapters.store_errors import StoreErrorCounts
from wooconnect.adapters.triggers import HttpxWebhookSender
from wooconnect.adapters.woocommerce import WooCommerceClient
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.adapters.worker.brokers import embedded_broker, sender_broker
from wooconnect.adapters.worker.job_queue import DramatiqJobQueue
from wooconnect.app.ports.basics import Cipher, Clock
from wooconnect.app.ports.metrics import OperationsMetrics
from wooconnect.app.ports.rules import RULE_SET_IDS

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Everything a process (API or worker) shares; built once, closed once."""

    settings: Settings
    secrets: Secrets
    engine: AsyncEngine
    clock: Clock
    cipher: Cipher
    http: httpx.AsyncClient
    store: WooCommerceClient
    rules: FileRuleSource
    job_queue: DramatiqJobQueue
    """Dramatiq on Redis when WOOCONNECT_REDIS_URL is set, else on Dramatiq's in-memory broker,
    which `serve` works itself (see `adapters.worker.embedded`)."""
    store_errors: StoreErrorCounts
    """Failed store requests per connection, counted by the store client, for `/metrics`."""
    import_concurrency: int | None = field(default=None)
    receiver_counters: ReceiverCounters = field(default_factory=ReceiverCounters)
    """This process's webhook receiver counts, for `/metrics`."""

    def __post_init__(self) -> None:
        self._sessions = session_factory(self.engine)

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions, self.cipher, self.clock)

    @cached_property
    def metrics(self) -> OperationsMetrics:
        return SqlOperationsMetrics(self._sessions)

    @cached_property
    def services(self) -> Services:
        return build_services(
            uow=self.uow,
            clock=self.clock,
            store=self.store,
            directory=WooCommerceDirectory(allow_private_stores=self.settings.allow_private_stores),
            codec=WooCommerceWebhookCodec(),
            rules=self.rules,
            queue=self.job_queue,
            public_url=self.settings.public_url,
            allow_private_stores=self.settings.allow_private_stores,
            allow_http_key_grant=self.settings.allow_http_key_grant,
            authorization_ttl_s=self.settings.authorization_ttl_s,
            import_concurrency=self.import_concurrency,
            trigger_sender=HttpxWebhookSender(
                self.http, allow_private=self.settings.allow_private_stores
            ),
            inbox_writer=inbox_writer_for(self.settings.database_url),
        )

    async def database_ready(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def redis_ready(self) -> bool | None:
        """Whether Redis answers; None when the service runs without Redis."""
        if self.job_queue.on_redis:
            return await self.job_queue.ping()
        return None

    async def close(self) -> None:
        self.rules.stop()
        try:
            if "services" in self.__dict__:
                # Deliveries being stored are answered before the database goes away.
                await self.services.receiving.close()
            await self.job_queue.close()
            await self.http.aclose()
        finally:
            await self.engine.dispose()


def inbox_writer_for(database_url: str) -> InboxWriter | None:
    """The receiver's fast inbox writer for an SQLite file; elsewhere (PostgreSQL, whose
    driver needs no thread) the unit of work writes the inbox."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return SqliteInboxWriter(url.database)


def check_rules(directory: Path) -> None:
    """Raise `SettingsError`, one line saying what is wrong, when the rule files in `directory`
    cannot be used, so that a process refuses to start before it serves anything."""
    if not directory.is_dir():
        raise SettingsError(
            f"the rules directory {directory} does not exist; point WOOCONNECT_RULES_DIR at "
            "one, or unset it to use ./rules or the rules shipped with wooconnect"
        )
    try:
        FileRuleSource(directory, required=RULE_SET_IDS).load()
    except RuleLoadError as exc:
        first, more = exc.errors[0].splitlines()[0], len(exc.errors) - 1
        others = f" (and {more} more)" if more else ""
        raise SettingsError(
            f"the rules in {directory} do not validate: {first}{others}; "
            f"`wooconnect rules check {directory}` lists every error"
        ) from None


def load_rules(settings: Settings) -> FileRuleSource:
    """The rule files, compiled now (a broken set at start-up is an error: there is no good
    book to fall back on) and then watched for changes."""
    source = FileRuleSource(settings.rules_dir, required=RULE_SET_IDS)
    source.load()
    return source


async def bootstrap(
    settings: Settings | None = None,
    *,
    migrate: bool | None = None,
    job_queue: DramatiqJobQueue | None = None,
    watch_rules: bool = True,
    sqlite_on_loop: bool = False,
) -> Container:
    """Build the container from `settings` (the environment by default).

    The embedded default migrates its SQLite file on start, so one command runs the service;
    elsewhere migrations are the operator's step (`wooconnect db upgrade`).
    """
    settings = settings or Settings.from_env()
    secrets = resolve_secrets(settings)
    if migrate if migrate is not None else settings.database_url.startswith("sqlite"):
        applied = await upgrade_async(settings.database_url)
        if applied:
            log.info(
                "database migrated to %s: revisions applied: %d",
                applied[-1].revision,
                len(applied),
            )
    rules = load_rules(settings)
    if watch_rules:
        rules.start()
    http = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        follow_redirects=False,
    )
    queue = job_queue or _job_queue(settings)
    store_errors = StoreErrorCounts.beside(queue)
    return Container(
        settings=settings,
        secrets=secrets,
        engine=create_engine(settings.database_url, sqlite_on_loop=sqlite_on_loop),
        clock=SystemClock(),
        cipher=FernetCipher(secrets.secret_key),
        http=http,
        store=WooCommerceClient(
            http,
            allow_private_stores=settings.allow_private_stores,
            on_error=store_errors.record,
        ),
        rules=rules,
        job_queue=queue,
        store_errors=store_errors,
    )


def _job_queue(settings: Settings) -> DramatiqJobQueue:
    if settings.redis_url is not None:
        return DramatiqJobQueue(sender_broker(settings.redis_url))
    return DramatiqJobQueue(embedded_broker())
