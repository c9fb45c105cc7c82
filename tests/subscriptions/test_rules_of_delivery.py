"""The pure rules: subscriber URLs, event lists, the backoff schedule, signatures."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from wooconnect.domain.subscriptions import (
    MAX_WAIT,
    RETRY_WINDOW,
    DeliveryState,
    EventDeliveryState,
    InvalidSubscriberUrl,
    InvalidSubscriptionEvents,
    backoff_wait,
    next_attempt_at,
    parse_events,
    parse_subscriber_url,
    summarise,
)
from wooconnect.domain.triggers import TriggerType
from wooconnect.domain.webhook_signing import sign, verify

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/catch/1/",
        "https://hooks.example.com/catch?token=abc",
        "https://example.com:8443",
    ],
)
def test_https_urls_with_paths_queries_and_trailing_slashes_are_accepted(url: str) -> None:
    assert parse_subscriber_url(f"  {url} ", allow_insecure=False) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("hooks.example.com/x", "https://"),
        ("ftp://hooks.example.com/x", "https://"),
        ("http://hooks.example.com/x", "must use https"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("https://hooks.example.com/x#frag", "fragment"),
        ("https://127.0.0.1/x", "private or loopback"),
        ("https://10.1.2.3/x", "private or loopback"),
        ("https://[::1]/x", "private or loopback"),
        ("https://hooks.example.com:99999/x", "not a URL"),
        ("https://hooks.example.com/a b", "white space"),
        ("https:///x", "no host"),
    ],
)
def test_unusable_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidSubscriberUrl, match=reason):
        parse_subscriber_url(url, allow_insecure=False)


def test_the_operator_setting_admits_http_and_loopback_for_development() -> None:
    url = "http://127.0.0.1:9000/hook"
    assert parse_subscriber_url(url, allow_insecure=True) == url


def test_events_are_deduplicated_and_must_be_known_and_non_empty() -> None:
    assert parse_events(["payment_received", "order_submitted", "payment_received"]) == (
        TriggerType.PAYMENT_RECEIVED,
        TriggerType.ORDER_SUBMITTED,
    )
    with pytest.raises(InvalidSubscriptionEvents, match="at least one"):
        parse_events([])
    with pytest.raises(InvalidSubscriptionEvents, match="order_refunded"):
        parse_events(["order_refunded"])


def test_backoff_doubles_from_thirty_seconds_and_is_capped_at_an_hour() -> None:
    waits = [backoff_wait(n, jitter=0.999999) for n in range(1, 12)]
    assert waits[0].total_seconds() == pytest.approx(30, abs=0.01)
    assert waits[1].total_seconds() == pytest.approx(60, abs=0.01)
    assert all(a <= b for a, b in itertools.pairwise(waits))
    assert max(waits) <= MAX_WAIT
    assert backoff_wait(500, jitter=0.5) <= MAX_WAIT


def test_jitter_keeps_each_wait_between_half_and_all_of_the_nominal_wait() -> None:
    for attempts in (1, 4, 9):
        low = backoff_wait(attempts, jitter=0.0)
        high = backoff_wait(attempts, jitter=0.999999)
        assert low.total_seconds() == pytest.approx(high.total_seconds() / 2, abs=0.01)
        assert backoff_wait(attempts, jitter=0.3) > low


def test_the_schedule_gives_up_only_once_an_attempt_fails_a_day_after_the_first() -> None:
    assert next_attempt_at(80, T0, T0 + RETRY_WINDOW - timedelta(seconds=1), 0.0) is not None
    assert next_attempt_at(80, T0, T0 + RETRY_WINDOW, 0.0) is None


def test_an_events_deliveries_are_summarised_in_one_word() -> None:
    assert summarise([]) is EventDeliveryState.NO_SUBSCRIBERS
    both = [DeliveryState.DELIVERED, DeliveryState.PENDING, DeliveryState.FAILED]
    assert summarise(both) is EventDeliveryState.PENDING
    assert summarise([DeliveryState.DELIVERED, DeliveryState.FAILED]) is EventDeliveryState.FAILED
    assert summarise([DeliveryState.DELIVERED] * 2) is EventDeliveryState.DELIVERED


def test_a_receiver_verifies_the_signature_over_timestamp_and_body() -> None:
    body = b'{"id":"e1"}'
    signature = sign("whsec_x", 1_767_225_600, body)
    assert signature.startswith("sha256=")
    assert verify("whsec_x", "1767225600", body, signature, now=1_767_225_660)
    assert not verify("whsec_y", "1767225600", body, signature, now=1_767_225_660)
    assert not verify("whsec_x", "1767225600", body + b" ", signature, now=1_767_225_660)
    assert not verify("whsec_x", "1767225601", body, signature, now=1_767_225_660)
    assert not verify("whsec_x", "1767225600", body, signature, now=1_767_225_600 + 3600)
    assert not verify("whsec_x", "yesterday", body, signature, now=1_767_225_660)
