"""Dependencies of the controllers: the caller, paging, and the use cases and ports.

The container is built by the app's lifespan and held in `app.state.container`; the providers
here hand each handler the piece it names (`connecting: Injected[Connecting]`), so that no
handler looks anything up. Controllers declare the ones they use (`dependencies = CONNECTING`).
Litestar reads the handlers' annotations at runtime: the types named there are real imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.http import paging
from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.adapters.store_errors import StoreErrorCounts
from wooconnect.adapters.worker.job_queue import DramatiqJobQueue
from wooconnect.app.auth import Principal
from wooconnect.app.connecting import Connecting
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.metrics import OperationsMetrics
from wooconnect.app.ports.persistence import PageRequest, Span
from wooconnect.app.queries import Queries
from wooconnect.app.receiving import Receiving
from wooconnect.app.subscriptions import Subscriptions
from wooconnect.app.tenancy import Tenancy

T = TypeVar("T")

# What a provider below hands a handler, named by the parameter (`connecting:
# Injected[Connecting]`). The providers return the container's own objects, so Litestar does
# not validate them (it would check each one against its annotation on every request).
Injected: TypeAlias = NamedDependency[SkipValidation[T]]
# The authenticated caller, provided by `provide_principal` to every handler that names it
# (its controller runs `guards.API_GUARDS`).
Caller = Injected[Principal]
# The page asked for, its size and the id of the record it starts after, unfiltered: from
# `paging.page_params`.
Paging = NamedDependency[PageRequest]
# The records of a list dated within a span, from one of `paging`'s span providers.
Within = NamedDependency[Span]


def provide_container(state: State) -> Container:
    container: Container = state.container
    return container


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller, as `guards.authenticated` found it before anything else of the request
    was read."""
    principal: Principal = request.state.principal
    return principal


def provide_tenancy(state: State) -> Tenancy:
    return provide_container(state).services.tenancy


def provide_connecting(state: State) -> Connecting:
    return provide_container(state).services.connecting


def provide_queries(state: State) -> Queries:
    return provide_container(state).services.queries


def provide_subscriptions(state: State) -> Subscriptions:
    return provide_container(state).services.subscriptions


@dataclass(frozen=True, slots=True)
class Receiver:
    """What the webhook receiver route needs, as one dependency: Litestar resolves two or more
    dependencies of a handler in a task group of their own on every request, which costs this
    route, the one a store's bursts hit, more than the rest of its own work."""

    receiving: Receiving
    counters: ReceiverCounters


def provide_receiver(state: State) -> Receiver:
    container = provide_container(state)
    return Receiver(container.services.receiving, container.receiver_counters)


def provide_receiver_counters(state: State) -> ReceiverCounters:
    return provide_container(state).receiver_counters


def provide_operations_metrics(state: State) -> OperationsMetrics:
    return provide_container(state).metrics


def provide_job_queue(state: State) -> DramatiqJobQueue:
    return provide_container(state).job_queue


def provide_store_errors(state: State) -> StoreErrorCounts:
    return provide_container(state).store_errors


def provide_clock(state: State) -> Clock:
    return provide_container(state).clock


def provide_rules(state: State) -> FileRuleSource:
    return provide_container(state).rules


def _sync(provider: Any) -> Provide:
    """The providers only read attributes: run them on the loop, not in a thread."""
    return Provide(provider, sync_to_thread=False)


PRINCIPAL = {"principal": _sync(provide_principal)}
PAGING = {"paging": _sync(paging.page_params)}
CREATED = {"created": _sync(paging.created)}
UPDATED = {"updated": _sync(paging.updated)}
PLACED = {"placed": _sync(paging.placed)}
OCCURRED = {"occurred": _sync(paging.occurred)}
RECEIVED = {"received": _sync(paging.received)}
CONTAINER = {"container": _sync(provide_container)}
TENANCY = {"tenancy": _sync(provide_tenancy)}
CONNECTING = {"connecting": _sync(provide_connecting)}
QUERIES = {"queries": _sync(provide_queries)}
SUBSCRIPTIONS = {"subscriptions": _sync(provide_subscriptions)}
RECEIVER = {"receiver": _sync(provide_receiver)}
RECEIVER_COUNTERS = {"counters": _sync(provide_receiver_counters)}
OPERATIONS_METRICS = {
    "operations": _sync(provide_operations_metrics),
    "clock": _sync(provide_clock),
}
ADAPTER_METRICS = {
    "queue": _sync(provide_job_queue),
    "store_errors": _sync(provide_store_errors),
}
RULES = {"rules": _sync(provide_rules)}
