"""Validation errors over real HTTP name the field that is wrong (`fields.name`, not
`fields.data`), the body as a whole when it is missing, and say why in words, without Python's
notation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import Tenant
from tests.support.processes import free_port
from tests.support.service import EMBEDDED, Service, running_service

# What Python writes and a person should not read: reprs of exceptions and of strings.
PYTHON_NOTATION = re.compile(r"\w+(Error|Exception)\(|\[Errno|'\w+'")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(EMBEDDED, tmp_path_factory.mktemp("validation")) as running:
        yield running


@pytest.fixture(scope="module")
def tenant(service: Service) -> Tenant:
    return service.api.new_tenant("Fields")


def refused(answer: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert not PYTHON_NOTATION.search(answer.text), answer.text
    return body


def test_a_missing_field_is_named(service: Service) -> None:
    body = refused(service.http.post("/api/v1/agencies", json={}))
    assert body["error"] == "validation_failed"
    assert body["fields"] == {"name": "required"}
    assert "name" in body["message"]


def test_an_unknown_field_is_named(service: Service) -> None:
    body = refused(service.http.post("/api/v1/agencies", json={"name": "Acme", "foo": 1}))
    assert body["fields"] == {"foo": "unknown field"}


def test_a_field_of_the_wrong_type_is_named_with_the_types_in_words(service: Service) -> None:
    body = refused(service.http.post("/api/v1/agencies", json={"name": 42}))
    assert body["fields"] == {"name": "expected a string, got an integer"}


def test_the_first_missing_field_of_a_wizard_step_is_named(service: Service) -> None:
    answer = service.http.put("/api/v1/connections/any/import", json={"contacts": True})
    assert refused(answer)["fields"] == {"orders": "required"}


def test_a_field_within_a_field_is_named_by_its_path(service: Service, tenant: Tenant) -> None:
    body = refused(
        service.http.post(
            f"/api/v1/locations/{tenant.location_id}/trigger-subscriptions",
            json={"url": "https://hooks.example.com/x", "events": ["order_submitted", 3]},
        )
    )
    assert list(body["fields"]) == ["events[1]"]


def test_an_empty_body_is_named_as_the_body(service: Service) -> None:
    for content in (b"", None):
        body = refused(service.http.post("/api/v1/agencies", content=content))
        assert body["fields"] == {"body": "required: the request needs a JSON body"}


def test_a_body_that_is_not_an_object_is_named_as_the_body(service: Service) -> None:
    body = refused(service.http.post("/api/v1/rules/evaluate", json=["order_status"]))
    assert body["fields"] == {"body": "expected an object, got an array"}


def test_a_query_parameter_of_the_wrong_type_is_named(service: Service, tenant: Tenant) -> None:
    answer = service.http.get(
        f"/api/v1/locations/{tenant.location_id}/contacts", params={"limit": "ten"}
    )
    assert refused(answer)["fields"] == {"limit": "expected an integer, got a string"}


def test_an_unknown_rule_set_and_unusable_facts_are_told_without_python_notation(
    service: Service,
) -> None:
    unknown = refused(
        service.http.post("/api/v1/rules/evaluate", json={"rule_set": "nope", "facts": {}})
    )
    assert "`nope`" in unknown["fields"]["rule_set"]
    wrong = refused(
        service.http.post(
            "/api/v1/rules/evaluate",
            json={"rule_set": "order_status", "facts": {"order": {"status": ["x", "y"]}}},
        )
    )
    assert '["x", "y"]' in wrong["fields"]["facts"]


def test_a_store_that_cannot_be_reached_is_told_in_words(service: Service, tenant: Tenant) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    started = service.http.post(
        f"/api/v1/locations/{tenant.location_id}/woocommerce", json={"store_url": nowhere}
    )
    assert started.status_code == 201, started.text
    answer = service.http.post(
        f"/api/v1/connections/{started.json()['id']}/credentials",
        json={"consumer_key": "ck_" + "1" * 40, "consumer_secret": "cs_" + "1" * 40},
    )
    body = refused(answer, 503)
    assert body["error"] == "store_unavailable"
    assert body["message"].startswith("the store could not be reached")
