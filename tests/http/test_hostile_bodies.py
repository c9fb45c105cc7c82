"""The API under careless and hostile request bodies, over real HTTP: the caller is known
before the body is read (401 without a token, whatever the body), a body that is not JSON the
API reads is a 400, one declared as something else a 415, and nothing is ever a 500 or a
traceback in the log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import bearer
from tests.support.service import EMBEDDED, Service, running_service

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"name": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1000 + b"}"

# Bodies that are not JSON the API reads: each answers 400 wherever a body is read.
MALFORMED = {
    "an array nested 1,000 deep": DEEP,
    "an object nested 1,000 deep in a field": DEEP_OBJECT,
    "an array nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "nested 33 deep": b'{"name": ' + b"[" * 32 + b"]" * 32 + b"}",
    "a number of 5,000 digits": b'{"name": 1' + b"0" * 5000 + b"}",
    "a number beyond a double": b'{"name": 1e999}',
    "NaN": b'{"name": NaN}',
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "UTF-16": '{"name": "Acme"}'.encode("utf-16"),
    "an unpaired surrogate": b'{"name": "\\ud800"}',
    "a NUL character": b'{"name": "Ac\\u0000me"}',
    "a NUL character in a name": b'{"na\\u0000me": "Acme"}',
    "a field named twice": b'{"name": "Acme", "name": "Evil"}',
    "a field named twice deeper down": b'{"facts": {"a": 1, "a": 2}, "rule_set": "x"}',
    "a cut-off object": b'{"name": "Acme"',
    "something after the object": b'{"name": "Acme"} {}',
    "a byte-order mark": b'\xef\xbb\xbf{"name": "Acme"}',
    "single quotes": b"{'name': 'Acme'}",
    "form fields": b"name=Acme",
    "only whitespace": b"   \n",
}

# JSON of the wrong shape: a 422 that names the body as a whole.
NOT_AN_OBJECT = {"an array": b"[]", "a string": b'"Acme"', "null": b"null", "a number": b"1"}

WRONG_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(EMBEDDED, tmp_path_factory.mktemp("hostile")) as running:
        yield running


@pytest.fixture(scope="module")
def endpoints(service: Service) -> list[tuple[str, str]]:
    """Every operation that reads a JSON body and needs a token, on records that exist
    (the connection's id is one no record has: the body is read before it is looked up)."""
    tenant = service.api.new_tenant("Hostile")
    agency, location, connection = tenant.agency_id, tenant.location_id, "c-unknown"
    return [
        ("POST", "/api/v1/agencies"),
        ("POST", f"/api/v1/agencies/{agency}/locations"),
        ("POST", f"/api/v1/locations/{location}/woocommerce"),
        ("POST", f"/api/v1/connections/{connection}/credentials"),
        ("PUT", f"/api/v1/connections/{connection}/import"),
        ("PUT", f"/api/v1/connections/{connection}/sync"),
        ("PATCH", f"/api/v1/connections/{connection}/sync"),
        ("POST", f"/api/v1/locations/{location}/trigger-subscriptions"),
        ("POST", "/api/v1/rules/evaluate"),
    ]


CALLBACK = "/api/v1/woocommerce/callback/no-such-state"


def answered(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    where = f"{response.request.method} {response.request.url.path}"
    assert response.status_code == status, (where, response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert body["error"] == error, (where, body)
    assert body["message"]
    return body


def assert_nothing_went_wrong_inside(service: Service) -> None:
    logged = service.logs
    assert "Traceback" not in logged
    assert "unexpected error" not in logged


# Without a token, a few of each kind: the answer must not depend on the body at all.
UNREAD = {
    name: MALFORMED.get(name) or NOT_AN_OBJECT[name]
    for name in (
        "an array nested 1,000 deep",
        "an object nested 1,000 deep in a field",
        "invalid UTF-8",
        "a field named twice",
        "form fields",
        "an array",
    )
}


@pytest.mark.parametrize("body", UNREAD.values(), ids=UNREAD.keys())
def test_without_a_token_every_body_is_answered_401_before_it_is_read(
    service: Service, endpoints: list[tuple[str, str]], body: bytes
) -> None:
    with httpx.Client(base_url=service.base_url) as anonymous:
        for method, path in endpoints:
            for credentials in ({}, bearer("wrong-token")):
                sent = anonymous.request(
                    method, path, content=body, headers={**JSON, **credentials}
                )
                answered(sent, 401, "unauthenticated")
    assert_nothing_went_wrong_inside(service)


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_body_that_is_not_json_the_api_reads_is_a_bad_request(
    service: Service, endpoints: list[tuple[str, str]], body: bytes
) -> None:
    for method, path in [*endpoints, ("POST", CALLBACK)]:
        answered(service.http.request(method, path, content=body, headers=JSON), 400, "bad_payload")
    assert_nothing_went_wrong_inside(service)


@pytest.mark.parametrize("body", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_json_that_is_not_an_object_is_a_validation_error_of_the_body(
    service: Service, endpoints: list[tuple[str, str]], body: bytes
) -> None:
    for method, path in endpoints:
        sent = service.http.request(method, path, content=body, headers=JSON)
        assert answered(sent, 422, "validation_failed")["fields"] == {
            "body": sent.json()["fields"]["body"]
        }
        assert "expected an object" in sent.json()["fields"]["body"]
    assert_nothing_went_wrong_inside(service)


@pytest.mark.parametrize("content_type", WRONG_TYPES)
def test_a_body_declared_as_anything_but_json_is_refused_with_415(
    service: Service, endpoints: list[tuple[str, str]], content_type: str
) -> None:
    for method, path in endpoints:
        sent = service.http.request(
            method, path, content=b'{"name": "Acme"}', headers={"Content-Type": content_type}
        )
        answered(sent, 415, "unsupported_media_type")
    assert_nothing_went_wrong_inside(service)


def test_json_types_and_an_undeclared_type_are_read_as_json(service: Service) -> None:
    for content_type in (None, "application/json; charset=utf-8", "application/merge-patch+json"):
        headers = {"Content-Type": content_type} if content_type else {}
        sent = service.http.post("/api/v1/agencies", content=b'{"name": "Acme"}', headers=headers)
        assert sent.status_code == 201, (content_type, sent.text)


def test_a_key_grant_callback_with_a_hostile_body_never_fails_inside(service: Service) -> None:
    with httpx.Client(base_url=service.base_url) as store:
        for body in (DEEP, DEEP_OBJECT, b'{"key_id": "x"}', b"{}", b""):
            sent = store.post(CALLBACK, content=body, headers=JSON)
            assert sent.status_code in {400, 404, 422}, (body[:20], sent.status_code, sent.text)
    assert_nothing_went_wrong_inside(service)
