"""Connecting a store: the three steps, the criteria, the key grant and disconnecting."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app import conftest
from tests.app.conftest import World
from tests.fakes.memory import (
    InMemoryStoreBindingRepository,
    InMemoryUnitOfWork,
    InMemoryUnitOfWorkFactory,
)
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.app.auth import ADMIN, Principal
from wooconnect.app.errors import (
    Conflict,
    CriteriaRefused,
    NotFound,
    StoreRejectedCredentials,
    ValidationFailed,
)
from wooconnect.app.ports.store import StoreAccess
from wooconnect.app.queries import GrantOutcome
from wooconnect.app.tasks import IMPORT_RUN, RECONCILE_CONNECTION
from wooconnect.domain.connection import (
    DEFAULT_STORE_CONCURRENCY,
    ConnectionStatus,
    ImportSelection,
)
from wooconnect.domain.jobs import ImportEntity, JobStatus
from wooconnect.domain.store import KeyGrant


async def test_the_wizard_ends_active_with_webhooks_and_queued_imports(world: World) -> None:
    _agency, location = await world.agency_with_location()
    started = await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    assert started.connection.status is ConnectionStatus.AWAITING_AUTHORIZATION
    assert started.authorize_url is not None
    assert "/wc-auth/v1/authorize?" in started.authorize_url
    c = world.services.connecting
    await c.submit_credentials(ADMIN, started.connection.id, "ck_good", "cs_good")
    await c.set_import_selection(ADMIN, started.connection.id, ImportSelection(True, True, False))
    active = await c.activate(ADMIN, started.connection.id)
    assert active.connection.status is ConnectionStatus.ACTIVE
    assert {h.topic for h in world.store.webhooks} >= {"order.created", "customer.updated"}
    assert world.store.batches == 1  # every webhook registered in one request
    assert [task for task, _ in world.queue.sent] == [IMPORT_RUN, IMPORT_RUN]


async def test_a_bad_url_is_refused_with_the_field_and_reason(world: World) -> None:
    _agency, location = await world.agency_with_location()
    with pytest.raises(ValidationFailed) as refused:
        await world.services.connecting.start(ADMIN, location, "https://shop.example.com/")
    assert "trailing slash" in refused.value.fields["store_url"]
    with pytest.raises(ValidationFailed):
        await world.services.connecting.start(ADMIN, location, "https://127.0.0.1")


async def test_sub_accounts_of_one_agency_may_share_a_store(world: World) -> None:
    agency, first = await world.agency_with_location()
    second = await world.services.tenancy.create_location(ADMIN, agency, "Second")
    await world.connected(first)
    await world.connected(second.id)


def _reads_bindings_before_the_other_connect_commits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next proof's first look at the bindings misses what a concurrent proof is about
    to commit; adding its own binding then collides with that one."""
    for name in ("for_agency", "for_domain"):
        original = getattr(InMemoryStoreBindingRepository, name)
        stale = [True]

        async def read(self: Any, key: str, _original: Any = original, _stale: Any = stale) -> Any:
            if _stale[0]:
                _stale[0] = False
                return None
            return await _original(self, key)

        monkeypatch.setattr(InMemoryStoreBindingRepository, name, read)


async def test_step_one_binds_nothing_so_a_pending_connection_blocks_no_other_agency(
    world: World,
) -> None:
    _a, first = await world.agency_with_location("A")
    _b, other = await world.agency_with_location("B")

    await world.services.connecting.start(ADMIN, first, "https://shop.example.com")
    started = await world.services.connecting.start(ADMIN, other, "https://shop.example.com")

    assert started.connection.status is ConnectionStatus.AWAITING_AUTHORIZATION
    assert world.uow.state.bindings == {}


async def test_the_first_agency_to_prove_a_store_wins_and_the_other_is_refused_at_its_proof(
    world: World,
) -> None:
    agency_a, first = await world.agency_with_location("A")
    _b, other = await world.agency_with_location("B")
    c = world.services.connecting
    a = await c.start(ADMIN, first, "https://shop.example.com")
    b = await c.start(ADMIN, other, "https://shop.example.com")

    await c.submit_credentials(ADMIN, a.connection.id, "ck_good", "cs_good")
    with pytest.raises(CriteriaRefused) as refused:
        await c.submit_credentials(ADMIN, b.connection.id, "ck_good", "cs_good")

    assert [rule.id for rule in refused.value.rules] == ["store_has_another_agency"]
    assert [binding.agency_id for binding in world.uow.state.bindings.values()] == [agency_a]
    loser = (await world.services.queries.connection(ADMIN, b.connection.id)).connection
    assert loser.status is ConnectionStatus.AWAITING_AUTHORIZATION
    assert loser.credentials is None
    assert loser.last_error is not None
    assert "another agency" in loser.last_error


async def test_a_key_grant_for_a_store_another_agency_proved_is_refused_and_keeps_no_keys(
    world: World,
) -> None:
    _a, first = await world.agency_with_location("A")
    _b, other = await world.agency_with_location("B")
    c = world.services.connecting
    waiting = await c.start(ADMIN, other, "https://shop.example.com")
    assert waiting.authorize_url is not None
    state = waiting.authorize_url.split("user_id=")[1].split("&")[0]
    await world.connected(first)

    with pytest.raises(CriteriaRefused):
        await c.accept_key_grant(state, KeyGrant(1, state, "ck_granted", "cs_granted"))

    loser = (await world.services.queries.connection(ADMIN, waiting.connection.id)).connection
    assert loser.status is ConnectionStatus.AWAITING_AUTHORIZATION
    assert loser.credentials is None


async def test_a_location_racing_its_own_agency_for_the_same_store_still_connects(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency, first = await world.agency_with_location()
    second = await world.services.tenancy.create_location(ADMIN, agency, "Second")
    await world.connected(first)
    started = await world.services.connecting.start(ADMIN, second.id, "https://shop.example.com")
    _reads_bindings_before_the_other_connect_commits(monkeypatch)

    proven = await world.services.connecting.submit_credentials(
        ADMIN, started.connection.id, "ck_good", "cs_good"
    )

    assert proven.connection.status is ConnectionStatus.AUTHORIZED


async def test_an_agency_losing_the_race_for_a_store_is_refused_by_the_rules(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _a, first = await world.agency_with_location("A")
    _b, other = await world.agency_with_location("B")
    started = await world.services.connecting.start(ADMIN, other, "https://shop.example.com")
    await world.connected(first)
    _reads_bindings_before_the_other_connect_commits(monkeypatch)

    with pytest.raises(CriteriaRefused) as refused:
        await world.services.connecting.submit_credentials(
            ADMIN, started.connection.id, "ck_good", "cs_good"
        )

    assert [rule.id for rule in refused.value.rules] == ["store_has_another_agency"]


async def test_a_pending_connection_expires_after_the_authorization_time(world: World) -> None:
    _a, location = await world.agency_with_location()
    c = world.services.connecting
    started = await c.start(ADMIN, location, "https://shop.example.com")

    world.uow.clock.advance(minutes=61)

    expired = (await world.services.queries.connection(ADMIN, started.connection.id)).connection
    assert expired.status is ConnectionStatus.DISCONNECTED
    assert expired.last_error is not None
    assert "in time" in expired.last_error
    with pytest.raises(NotFound):
        await world.services.queries.live_connection(ADMIN, location)
    with pytest.raises(Conflict) as refused:
        await c.submit_credentials(ADMIN, started.connection.id, "ck_good", "cs_good")
    assert refused.value.code == "authorization_expired"
    again = await c.start(ADMIN, location, "https://shop.example.com")
    assert again.created
    assert again.connection.id != started.connection.id


async def test_step_one_repeated_for_the_same_store_answers_the_waiting_connection_afresh(
    world: World,
) -> None:
    _a, location = await world.agency_with_location()
    c = world.services.connecting
    first = await c.start(ADMIN, location, "https://shop.example.com")
    world.uow.clock.advance(minutes=50)

    again = await c.start(ADMIN, location, "https://shop.example.com")

    assert not again.created
    assert again.connection.id == first.connection.id
    assert again.authorize_url is not None
    assert again.authorize_url != first.authorize_url
    world.uow.clock.advance(minutes=50)  # past the first hour: the repeat renewed the wait
    shown = await world.services.queries.connection(ADMIN, first.connection.id)
    assert shown.connection.status is ConnectionStatus.AWAITING_AUTHORIZATION
    assert shown.grant is not None
    assert shown.grant.authorize_url == again.authorize_url


async def test_step_one_for_another_store_replaces_the_waiting_connection(world: World) -> None:
    _a, location = await world.agency_with_location()
    c = world.services.connecting
    first = await c.start(ADMIN, location, "https://shop.example.com")

    second = await c.start(ADMIN, location, "https://other.example.com")

    assert second.created
    assert second.connection.store_url.domain == "other.example.com"
    gone = (await world.services.queries.connection(ADMIN, first.connection.id)).connection
    assert gone.status is ConnectionStatus.DISCONNECTED


async def test_without_an_https_public_url_step_one_says_the_key_grant_cannot_work(
    rules: FileRuleSource,
) -> None:
    world = conftest.make_world(rules, public_url="http://crm.example.com")
    _a, location = await world.agency_with_location()
    c = world.services.connecting

    started = await c.start(ADMIN, location, "https://shop.example.com")

    assert started.authorize_url is None
    assert started.view.grant is not None
    assert started.view.grant.unavailable is not None
    assert "https" in started.view.grant.unavailable
    authorized = await c.submit_credentials(ADMIN, started.connection.id, "ck_good", "cs_good")
    assert authorized.connection.status is ConnectionStatus.AUTHORIZED


async def test_the_merchant_returning_from_the_store_learns_the_outcome_and_the_location(
    world: World,
) -> None:
    _a, location = await world.agency_with_location()
    c = world.services.connecting
    started = await c.start(ADMIN, location, "https://shop.example.com")
    assert started.authorize_url is not None
    state = started.authorize_url.split("user_id=")[1].split("&")[0]
    queries = world.services.queries

    assert (await queries.grant_return(state, approved=False)).outcome is GrantOutcome.DECLINED
    pending = await queries.grant_return(state, approved=True)
    assert pending.outcome is GrantOutcome.NOT_CONNECTED
    await c.accept_key_grant(state, KeyGrant(1, state, "ck_granted", "cs_granted"))
    returned = await queries.grant_return(state, approved=True)
    assert (returned.outcome, returned.location_name) == (GrantOutcome.CONNECTED, "Loc")
    with pytest.raises(NotFound):
        await queries.grant_return("never-issued", approved=True)


async def test_an_agency_links_to_one_store_only(world: World) -> None:
    agency, first = await world.agency_with_location()
    second = await world.services.tenancy.create_location(ADMIN, agency, "Second")
    await world.connected(first)
    with pytest.raises(CriteriaRefused) as refused:
        await world.services.connecting.start(ADMIN, second.id, "https://other.example.com")
    assert refused.value.rules


async def test_a_store_of_another_agency_refuses_a_new_agency(world: World) -> None:
    _a, first = await world.agency_with_location("A")
    _b, other = await world.agency_with_location("B")
    await world.connected(first)
    with pytest.raises(CriteriaRefused):
        await world.services.connecting.start(ADMIN, other, "https://www.shop.example.com")


async def test_a_location_with_a_live_connection_cannot_connect_again(world: World) -> None:
    _a, location = await world.agency_with_location()
    await world.connected(location)
    with pytest.raises(Conflict) as refused:
        await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    assert refused.value.code == "already_connected"


async def test_keys_the_store_refuses_are_not_kept(world: World) -> None:
    _a, location = await world.agency_with_location()
    started = await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    world.store.valid_keys = {"ck_good"}
    with pytest.raises(StoreRejectedCredentials):
        await world.services.connecting.submit_credentials(
            ADMIN, started.connection.id, "ck_bad", "cs_bad"
        )
    current = (await world.services.queries.connection(ADMIN, started.connection.id)).connection
    assert current.status is ConnectionStatus.AWAITING_AUTHORIZATION
    assert current.credentials is None


async def test_the_key_grant_state_is_single_use(world: World) -> None:
    _a, location = await world.agency_with_location()
    started = await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    assert started.authorize_url is not None
    state = started.authorize_url.split("user_id=")[1].split("&")[0]
    grant = KeyGrant(1, state, "ck_granted", "cs_granted")
    authorized = await world.services.connecting.accept_key_grant(state, grant)
    assert authorized.connection.status is ConnectionStatus.AUTHORIZED
    with pytest.raises(NotFound):
        await world.services.connecting.accept_key_grant(state, grant)


async def test_disconnect_keeps_data_and_frees_the_store(world: World) -> None:
    _a, location = await world.agency_with_location("A")
    _b, other = await world.agency_with_location("B")
    connection = await world.connected(location)
    await world.services.connecting.disconnect(ADMIN, connection.id)
    assert world.store.webhooks == []
    gone = (await world.services.queries.connection(ADMIN, connection.id)).connection
    assert gone.status is ConnectionStatus.DISCONNECTED
    await world.connected(other)  # the store is free for another agency now


async def test_an_agency_key_sees_nothing_of_another_agency(world: World) -> None:
    agency_a, location_a = await world.agency_with_location("A")
    connection = await world.connected(location_a)
    agency_b, _ = await world.agency_with_location("B")
    b = Principal(agency_id=agency_b)
    with pytest.raises(NotFound):
        await world.services.queries.connection(b, connection.id)
    with pytest.raises(NotFound):
        await world.services.tenancy.get_location(b, location_a)
    with pytest.raises(NotFound):
        await world.services.connecting.start(b, location_a, "https://x.example.com")
    with pytest.raises(NotFound):
        await world.services.tenancy.create_agency(b, "mine")
    assert [a.id for a in (await world.services.tenancy.list_agencies(b)).items] == [agency_b]
    assert agency_a != agency_b


async def test_a_reconciliation_asked_for_is_sent_to_the_worker(world: World) -> None:
    _agency, location = await world.agency_with_location()
    connection = await world.connected(location)
    world.queue.sent.clear()
    await world.services.connecting.request_reconciliation(ADMIN, connection.id)
    assert world.queue.sent == [(RECONCILE_CONNECTION, connection.id)]


async def test_only_an_active_connection_reconciles_and_only_for_its_agency(
    world: World,
) -> None:
    _agency, location = await world.agency_with_location("A")
    connection = await world.connected(location)
    other, _location = await world.agency_with_location("B")
    with pytest.raises(NotFound):
        await world.services.connecting.request_reconciliation(
            Principal(agency_id=other), connection.id
        )
    await world.services.connecting.disconnect(ADMIN, connection.id)
    with pytest.raises(Conflict) as refused:
        await world.services.connecting.request_reconciliation(ADMIN, connection.id)
    assert refused.value.code == "not_active"


async def test_a_connection_s_store_concurrency_travels_with_its_store_access(
    world: World,
) -> None:
    _agency, location = await world.agency_with_location()
    connection = await world.connected(location)
    assert StoreAccess.of(connection).concurrency is None
    view = await world.services.connecting.set_store_concurrency(ADMIN, connection.id, 2)
    assert StoreAccess.of(view.connection).concurrency == 2
    assert view.store_concurrency == 2
    view = await world.services.connecting.set_store_concurrency(ADMIN, connection.id, None)
    assert view.store_concurrency == DEFAULT_STORE_CONCURRENCY
    with pytest.raises(ValidationFailed) as refused:
        await world.services.connecting.set_store_concurrency(ADMIN, connection.id, 17)
    assert set(refused.value.fields) == {"store_concurrency"}
    await world.services.connecting.disconnect(ADMIN, connection.id)
    with pytest.raises(Conflict):
        await world.services.connecting.set_store_concurrency(ADMIN, connection.id, 3)


class CountingUnitsOfWork(InMemoryUnitOfWorkFactory):
    """Counts the units of work (transactions) the use cases open."""

    opened = 0

    def __call__(self) -> InMemoryUnitOfWork:
        self.opened += 1
        return super().__call__()


async def test_a_wizard_step_answers_the_view_read_in_the_one_transaction_that_changed_it(
    rules: FileRuleSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conftest, "InMemoryUnitOfWorkFactory", CountingUnitsOfWork)
    world = conftest.make_world(rules)
    assert isinstance(world.uow, CountingUnitsOfWork)
    _agency, location = await world.agency_with_location()
    started = await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    before = world.uow.opened
    view = await world.services.connecting.set_import_selection(
        ADMIN, started.connection.id, ImportSelection(True, False, False)
    )
    assert world.uow.opened - before == 1
    assert view.connection.import_selection == ImportSelection(True, False, False)
    assert (view.imports, view.webhooks_registered) == ([], False)


async def test_saving_answers_the_imports_it_queued(world: World) -> None:
    _agency, location = await world.agency_with_location()
    started = await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    c = world.services.connecting
    await c.submit_credentials(ADMIN, started.connection.id, "ck_good", "cs_good")
    await c.set_import_selection(ADMIN, started.connection.id, ImportSelection(True, True, False))
    view = await c.activate(ADMIN, started.connection.id)
    assert view.webhooks_registered
    assert [(job.entity, job.status) for job in view.imports] == [
        (ImportEntity.CONTACTS, JobStatus.QUEUED),
        (ImportEntity.ORDERS, JobStatus.QUEUED),
    ]
