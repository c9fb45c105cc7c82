"""Dependencies of the controllers: the caller, paging, and the use cases and ports.

The container is built by the app's lifespan and held in `app.state.container`; the providers
here hand each handler the piece it names (`connecting: Injected[Connecting]`), so that no
handler looks anything up. Controllers declare the ones they use (`dependencies = CONNECTING`).
Litestar reads the handlers' annotations at runtime: the types named there are real imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.http import paging
from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.app.auth import Principal
from wooconnect.app.ports.persistence import Filters, PageRequest, Span
from wooconnect.app.receiving import Receiving

T = TypeVar("T")

# What a provider below hands a handler, named by the parameter (`connecting:
# Injected[Connecting]`). The providers return the container's own objects, so Litestar does
# not validate them (it would check each one against its annotation on every request).
Injected: TypeAlias = NamedDependency[SkipValidation[T]]
# The authenticated caller, provided by `provide_principal` to every handler that names it
# (its controller is a `guards.ApiController`).
Caller = Injected[Principal]
# The page asked for, its size and the id of the record it starts after, with the filters of
# its list: from `listing`.
Asked = NamedDependency[PageRequest]
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


@dataclass(frozen=True, slots=True)
class Receiver:
    """What the webhook receiver route needs, as one dependency: Litestar resolves two or more
    dependencies of a handler in a task group of their own on every request, which costs this
    route, the one a store's bursts hit, more than the rest of its own work."""

    receiving: Receiving
    counters: ReceiverCounters


def _sync(provider: Any) -> Provide:
    """The providers only read attributes: run them on the loop, not in a thread."""
    return Provide(provider, sync_to_thread=False)


def _of_container(part: Callable[[Container], object]) -> Provide:
    """The provider of `part` of the container."""

    def provide(state: State) -> object:
        return part(provide_container(state))

    return _sync(provide)


_PAGE_AND_SPANS = {
    "paging": _sync(paging.page_params),
    "created": _sync(paging.created),
    "updated": _sync(paging.updated),
    "placed": _sync(paging.placed),
    "occurred": _sync(paging.occurred),
    "received": _sync(paging.received),
}


def listing(wanted: Callable[..., Filters]) -> dict[str, Provide]:
    """The dependencies of a list's `asked`: the page and the spans the query names, and the
    filters that `wanted` makes of them and of the list's own query parameters."""
    return {**_PAGE_AND_SPANS, "wanted": _sync(wanted), "asked": _sync(paging.page_asked)}


PRINCIPAL = {"principal": _sync(provide_principal)}
CONTAINER = {"container": _sync(provide_container)}
TENANCY = {"tenancy": _of_container(lambda c: c.services.tenancy)}
CONNECTING = {"connecting": _of_container(lambda c: c.services.connecting)}
QUERIES = {"queries": _of_container(lambda c: c.services.queries)}
SUBSCRIPTIONS = {"subscriptions": _of_container(lambda c: c.services.subscriptions)}
RECEIVER = {
    "receiver": _of_container(lambda c: Receiver(c.services.receiving, c.receiver_counters))
}
RECEIVER_COUNTERS = {"counters": _of_container(lambda c: c.receiver_counters)}
OPERATIONS_METRICS = {
    "operations": _of_container(lambda c: c.metrics),
    "clock": _of_container(lambda c: c.clock),
}
ADAPTER_METRICS = {
    "queue": _of_container(lambda c: c.job_queue),
    "store_errors": _of_container(lambda c: c.store_errors),
}
RULES = {"rules": _of_container(lambda c: c.rules)}
