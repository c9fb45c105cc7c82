"""Workflow subscribers: who receives a location's trigger events, and each delivery's state.

A delivery is retried with capped exponential backoff and jitter. It gives up only when an
attempt fails 24 hours or more after the delivery was created, so a subscriber that is down
for most of a day still receives every event.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from wooconnect.domain.errors import DomainError
from wooconnect.domain.triggers import TriggerType

RETRY_WINDOW = timedelta(hours=24)
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(hours=1)
MAX_URL_LENGTH = 2000


class InvalidSubscriberUrl(DomainError):
    """A subscriber URL that cannot receive deliveries, with the reason in the message."""


class InvalidSubscriptionEvents(DomainError):
    """A subscription's event list that is empty or names an unknown trigger type."""


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # the subscriber answered 2xx
    FAILED = "failed"  # gave up: no 2xx within the retry window, or the subscription is gone


class EventDeliveryState(StrEnum):
    """One trigger event's deliveries, summarised for the trigger list."""

    NO_SUBSCRIBERS = "no_subscribers"
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class TriggerSubscription:
    """A URL that receives a location's trigger events of the chosen types, signed with
    `secret`. Deleting it is soft (`deleted_at`), so its deliveries stay explainable."""

    id: str
    location_id: str
    url: str
    events: tuple[TriggerType, ...]
    secret: str = field(repr=False)
    created_at: datetime
    deleted_at: datetime | None = None

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None

    def wants(self, event_type: TriggerType) -> bool:
        return self.is_live and event_type in self.events


@dataclass(frozen=True, slots=True)
class TriggerDelivery:
    """One trigger event sent to one subscription; unique per (event, subscription).

    `body` is the JSON payload built when the event fired: every attempt sends the same bytes,
    describing the order as it was then.
    """

    id: str
    event_id: str
    subscription_id: str
    event_type: TriggerType
    body: bytes = field(repr=False)
    created_at: datetime
    status: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status is DeliveryState.PENDING and (
            self.next_attempt_at is None or self.next_attempt_at <= now
        )

    def succeeded(self, now: datetime, status_code: int) -> TriggerDelivery:
        return replace(
            self,
            status=DeliveryState.DELIVERED,
            attempts=self.attempts + 1,
            next_attempt_at=None,
            last_attempt_at=now,
            last_status_code=status_code,
            last_error=None,
            delivered_at=now,
        )

    def attempt_failed(
        self, now: datetime, *, status_code: int | None, error: str, jitter: float
    ) -> TriggerDelivery:
        """Count a failed attempt and schedule the next one, or give up (status failed) when
        the retry window has passed. `jitter` is a number in [0, 1)."""
        attempts = self.attempts + 1
        retry_at = next_attempt_at(attempts, self.created_at, now, jitter)
        return replace(
            self,
            status=DeliveryState.PENDING if retry_at is not None else DeliveryState.FAILED,
            attempts=attempts,
            next_attempt_at=retry_at,
            last_attempt_at=now,
            last_status_code=status_code,
            last_error=error[:500],
        )

    def abandoned(self, now: datetime, reason: str) -> TriggerDelivery:
        """Stop without sending (the subscription was deleted)."""
        return replace(self, status=DeliveryState.FAILED, next_attempt_at=None, last_error=reason)


def backoff_wait(attempts: int, jitter: float) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s doubling per attempt, capped at an
    hour, then scaled into [50 %, 100 %] by `jitter` so that subscribers recovering from an
    outage are not hit by every delivery at the same instant."""
    exponent = min(max(attempts - 1, 0), 20)  # 30 s * 2**20 is far past the cap already
    wait = min(FIRST_WAIT * (2**exponent), MAX_WAIT)
    scale: float = 0.5 + 0.5 * min(max(jitter, 0.0), 1.0)
    return timedelta(seconds=wait.total_seconds() * scale)


def next_attempt_at(
    attempts: int, first_attempt_at: datetime, now: datetime, jitter: float
) -> datetime | None:
    """When to try again after a failure at `now`, or None to give up: only once an attempt
    has failed `RETRY_WINDOW` or more after the first one."""
    if now - first_attempt_at >= RETRY_WINDOW:
        return None
    return now + backoff_wait(attempts, jitter)


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    """A subscription's deliveries, counted by state, and what its latest attempt got."""

    pending: int = 0
    delivered: int = 0
    failed: int = 0
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None


def summarise(states: Iterable[DeliveryState]) -> EventDeliveryState:
    """One event's deliveries in a word: still trying beats failed beats delivered."""
    seen = set(states)
    if not seen:
        return EventDeliveryState.NO_SUBSCRIBERS
    if DeliveryState.PENDING in seen:
        return EventDeliveryState.PENDING
    if DeliveryState.FAILED in seen:
        return EventDeliveryState.FAILED
    return EventDeliveryState.DELIVERED


def parse_events(raw: Sequence[str]) -> tuple[TriggerType, ...]:
    """The subscribed event types, de-duplicated in the order given; raise `DomainError` on an
    empty list or an unknown type (`InvalidSubscriptionEvents`)."""
    if not raw:
        raise InvalidSubscriptionEvents("choose at least one event")
    known = {t.value: t for t in TriggerType}
    unknown = [name for name in raw if name not in known]
    if unknown:
        raise InvalidSubscriptionEvents(
            f"unknown event {unknown[0]!r}; events are " + ", ".join(sorted(known))
        )
    return tuple(dict.fromkeys(known[name] for name in raw))


def parse_subscriber_url(raw: str, *, allow_insecure: bool) -> str:
    """Validate a subscriber URL and return it trimmed; raise `InvalidSubscriberUrl` with the
    reason otherwise. Query strings and trailing slashes are kept: automation platforms put
    their routing in them. `allow_insecure` (the operator's development setting) admits plain
    http and loopback or private literal addresses; host names are checked when sending."""
    text = raw.strip()
    if not text:
        raise InvalidSubscriberUrl("the URL is empty")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidSubscriberUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InvalidSubscriberUrl("the URL contains white space or control characters")
    try:
        parts = urlsplit(text)
        _ = parts.port  # reading the port is what validates it
    except ValueError as exc:
        raise InvalidSubscriberUrl(f"not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not text.lower().startswith(f"{scheme}://"):
        raise InvalidSubscriberUrl("not a URL: it must start with https://")
    if scheme == "http" and not allow_insecure:
        raise InvalidSubscriberUrl("the URL must use https")
    if not parts.hostname:
        raise InvalidSubscriberUrl("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidSubscriberUrl("the URL must not contain credentials")
    if parts.fragment:
        raise InvalidSubscriberUrl("the URL must not contain a fragment")
    if not allow_insecure:
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return text
        if not address.is_global:
            raise InvalidSubscriberUrl("the URL points to a private or loopback address")
    return text
