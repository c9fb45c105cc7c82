"""Every timestamp the API writes, over real HTTP, in one format: UTC in ISO 8601 to the
millisecond with `Z` (`2024-05-01T12:00:00.000Z`), in lists, records, rules and traces alike,
the store's own dates and a waiting connection's deadline included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.http.conftest import Shop

ONE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
# Anything that starts like a date and a time, whatever follows.
LOOKS_LIKE_A_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def strings(value: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{where}[{index}]")


def test_every_timestamp_is_utc_with_milliseconds_and_z(shop: Shop) -> None:
    http = shop.service.http
    linked = shop.linked
    paths = [
        *shop.lists().values(),
        f"/api/v1/agencies/{linked.agency_id}",
        f"/api/v1/locations/{linked.location_id}",
        f"/api/v1/locations/{linked.location_id}/connection",
        f"/api/v1/connections/{linked.connection_id}",
        f"/api/v1/connections/{shop.waiting['id']}",
        "/api/v1/rules",
    ]
    moments = 0
    for path in paths:
        answer = http.get(path, params={"limit": 500} if path in shop.lists().values() else None)
        assert answer.status_code == 200, (path, answer.text)
        for where, text in strings(answer.json()):
            # The rule sets are shown as their authors wrote them, examples included.
            if LOOKS_LIKE_A_MOMENT.match(text) and not where.startswith("$.rule_sets"):
                moments += 1
                assert ONE_FORMAT.fullmatch(text), (path, where, text)
    assert moments > 100
    waiting = http.get(f"/api/v1/connections/{shop.waiting['id']}").json()
    assert ONE_FORMAT.fullmatch(waiting["authorization_expires_at"])
    order = http.get(shop.lists()["orders"], params={"limit": 1}).json()["items"][0]
    contact = next(
        c
        for c in http.get(shop.lists()["contacts"], params={"limit": 500}).json()["items"]
        if c["registered_at"]
    )
    for when in (order["placed_at"], order["store_modified_at"], contact["registered_at"]):
        assert ONE_FORMAT.fullmatch(when)
    rules = http.get("/api/v1/rules").json()
    assert ONE_FORMAT.fullmatch(rules["loaded_at"])
