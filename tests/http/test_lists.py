"""Every list over real HTTP: one shape (`{items, next_cursor}`), one order (newest first,
across pages), the filters people reach for honoured, and a query the list does not know, or a
cursor it did not give, refused with 422."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.http.conftest import Shop

LISTS = [
    "agencies",
    "api-keys",
    "locations",
    "contacts",
    "orders",
    "transactions",
    "triggers",
    "trigger-subscriptions",
    "deliveries",
    "decisions",
]


def get(shop: Shop, path: str, **params: Any) -> dict[str, Any]:
    answer = shop.service.http.get(path, params=params)
    assert answer.status_code == 200, (path, params, answer.text)
    page: dict[str, Any] = answer.json()
    return page


def refused(shop: Shop, path: str, **params: Any) -> dict[str, str]:
    answer = shop.service.http.get(path, params=params)
    assert answer.status_code == 422, (path, params, answer.status_code, answer.text)
    body: dict[str, Any] = answer.json()
    assert body["error"] == "validation_failed"
    fields: dict[str, str] = body["fields"]
    return fields


def every_item(shop: Shop, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = get(shop, path, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert set(page) == {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("name", LISTS)
def test_every_list_is_paged_newest_first_in_one_shape(shop: Shop, name: str) -> None:
    path = shop.lists()[name]
    whole = get(shop, path, limit=500)
    assert set(whole) == {"items", "next_cursor"}
    assert whole["next_cursor"] is None
    assert len(whole["items"]) >= 2, f"{name}: the fixture should fill every list"
    ids = [item["id"] for item in whole["items"]]
    # Ids are time-ordered: newest first is descending id order.
    assert ids == sorted(ids, reverse=True), name
    assert [item["id"] for item in every_item(shop, path, limit=2)] == ids


def test_orders_are_filtered_by_status_contact_and_dates(shop: Shop) -> None:
    path = shop.lists()["orders"]
    orders = get(shop, path, limit=500)["items"]
    for status in ("pending", "completed", "cancelled"):
        wanted = [o["id"] for o in orders if o["status"] == status]
        assert [o["id"] for o in get(shop, path, limit=500, status=status)["items"]] == wanted
    assert any(o["status"] == "completed" for o in orders)
    assert any(o["status"] != "completed" for o in orders)

    someone = next(o["contact_id"] for o in orders if o["contact_id"])
    theirs = [o["id"] for o in orders if o["contact_id"] == someone]
    assert [o["id"] for o in get(shop, path, limit=500, contact_id=someone)["items"]] == theirs

    # An import writes a page of orders at one moment: split between distinct moments (the
    # live orders came after the import).
    moments = sorted({moment(o["created_at"]) for o in orders})
    middle = moments[len(moments) // 2]
    since = get(shop, path, limit=500, created_since=middle.isoformat())["items"]
    before = get(shop, path, limit=500, created_before=middle.isoformat())["items"]
    assert since
    assert before
    assert all(moment(o["created_at"]) >= middle for o in since)
    assert all(moment(o["created_at"]) < middle for o in before)
    assert len(since) + len(before) == len(orders)


def test_contacts_are_filtered_by_email_as_typed_in_any_case(shop: Shop) -> None:
    path = shop.lists()["contacts"]
    [found] = get(shop, path, email="  LIVE.BUYER1@example.COM ")["items"]
    assert found["email"].lower() == "live.buyer1@example.com"
    assert get(shop, path, email="nobody@example.com")["items"] == []


def test_transactions_triggers_deliveries_and_decisions_take_their_filters(shop: Shop) -> None:
    lists = shop.lists()
    for name, field, value in [
        ("transactions", "kind", "charge"),
        ("triggers", "type", "order_submitted"),
        ("deliveries", "status", "applied"),
        ("decisions", "outcome", "skipped"),
    ]:
        every = get(shop, lists[name], limit=500)["items"]
        kept = get(shop, lists[name], limit=500, **{field: value})["items"]
        assert kept, (name, value)
        assert kept == [item for item in every if item[field] == value], name
    a_date = get(shop, lists["transactions"], limit=1)["items"][0]["occurred_at"]
    kept = get(shop, lists["transactions"], limit=500, occurred_since=a_date)["items"]
    assert kept
    assert all(moment(t["occurred_at"]) >= moment(a_date) for t in kept)


def test_decisions_are_found_by_the_store_record_they_are_about(shop: Shop) -> None:
    path = shop.lists()["decisions"]
    every = get(shop, path, limit=500)["items"]
    for record_type, parameter in (
        ("order", "woocommerce_order_id"),
        ("customer", "woocommerce_customer_id"),
    ):
        record_id = next(d["record_id"] for d in every if d["record_type"] == record_type)
        about = [d for d in every if (d["record_type"], d["record_id"]) == (record_type, record_id)]
        assert get(shop, path, limit=500, **{parameter: record_id})["items"] == about
    order_id = next(d["record_id"] for d in every if d["record_type"] == "order")
    mapped = get(shop, path, limit=500, woocommerce_order_id=order_id, outcome="mapped")["items"]
    assert mapped
    assert all(d["outcome"] == "mapped" and d["record_id"] == order_id for d in mapped)
    both = refused(shop, path, woocommerce_order_id=order_id, woocommerce_customer_id=order_id)
    assert set(both) == {"woocommerce_customer_id"}


def test_a_date_alone_means_midnight_utc(shop: Shop) -> None:
    path = shop.lists()["agencies"]
    everything = get(shop, path, limit=500)["items"]
    assert get(shop, path, created_since="2000-01-01")["items"] == everything
    assert get(shop, path, created_before="2000-01-01")["items"] == []


@pytest.mark.parametrize("name", LISTS)
def test_a_query_parameter_the_list_does_not_know_is_refused(shop: Shop, name: str) -> None:
    fields = refused(shop, shop.lists()[name], statuss="completed", page="2")
    assert set(fields) == {"statuss", "page"}


@pytest.mark.parametrize("name", LISTS)
def test_a_cursor_the_api_did_not_give_is_refused(shop: Shop, name: str) -> None:
    path = shop.lists()[name]
    real = get(shop, path, limit=1)
    assert real["next_cursor"]
    some_id = real["items"][0]["id"]
    for cursor in ("garbage", "", some_id, real["next_cursor"][:-1], real["next_cursor"] + "A"):
        assert set(refused(shop, path, cursor=cursor)) == {"cursor"}, cursor


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("orders", {"status": "done"}),
        ("orders", {"placed_since": "yesterday"}),
        ("orders", {"created_before": "2024-13-01"}),
        ("contacts", {"email": " "}),
        ("transactions", {"kind": "payment"}),
        ("triggers", {"type": "order_paid"}),
        ("deliveries", {"status": "lost"}),
        ("decisions", {"outcome": "maybe"}),
        ("decisions", {"woocommerce_order_id": "#81"}),
        ("decisions", {"woocommerce_customer_id": "seven"}),
        ("agencies", {"limit": "0"}),
        ("agencies", {"limit": "501"}),
    ],
)
def test_a_filter_value_the_list_cannot_use_is_refused_naming_it(
    shop: Shop, name: str, params: dict[str, str]
) -> None:
    assert set(refused(shop, shop.lists()[name], **params)) == set(params)


def _dates(*names: str) -> set[str]:
    return {f"{name}_{end}" for name in names for end in ("since", "before")}


PAGING = {"limit", "cursor"}
DOCUMENTED = {
    "listAgencies": PAGING | _dates("created"),
    "listLocations": PAGING | _dates("created"),
    "listApiKeys": PAGING | _dates("created"),
    "listContacts": PAGING | _dates("created", "updated") | {"email"},
    "listOrders": PAGING | _dates("created", "updated", "placed") | {"status", "contact_id"},
    "listTransactions": PAGING | _dates("occurred") | {"kind", "order_id", "contact_id"},
    "listTriggers": PAGING | _dates("created") | {"type", "order_id"},
    "listTriggerSubscriptions": PAGING | _dates("created"),
    "listDeliveries": PAGING | _dates("received") | {"status"},
    "listDecisions": PAGING
    | _dates("created")
    | {"outcome", "woocommerce_order_id", "woocommerce_customer_id"},
}


def test_the_openapi_document_lists_each_lists_paging_and_filters(shop: Shop) -> None:
    document = shop.service.http.get("/schema/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for path in document["paths"].values()
        for operation in path.values()
    }
    for operation_id, names in DOCUMENTED.items():
        parameters = {
            p["name"]: p for p in operations[operation_id]["parameters"] if p["in"] == "query"
        }
        assert set(parameters) == names, operation_id
        assert parameters["limit"]["schema"]["maximum"] == 500
        assert all(parameters[name].get("description") for name in names), operation_id
    orders = {p["name"]: p for p in operations["listOrders"]["parameters"]}
    assert set(orders["status"]["schema"]["enum"]) == {"pending", "completed", "cancelled"}
    decisions = {p["name"]: p for p in operations["listDecisions"]["parameters"]}
    outcomes = set(decisions["outcome"]["schema"]["enum"])
    assert {"skipped", "mapped", "fired", "already_fired", "suppressed"} <= outcomes
