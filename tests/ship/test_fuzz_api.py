"""The API under generated requests (schemathesis): authenticated as the admin, every operation
of `/schema/openapi.json` answers without a 5xx and as its document says."""

from __future__ import annotations

import socket
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from wooconnect.adapters.cli.demo import running_service
from wooconnect.adapters.http.app import create_app
from wooconnect.adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "wc_admin_fuzzing-token-0123456789"
SECRET_KEY = "xJ8T0dkkmvR7zJrLWkcxmPeCJ8mJXz6d4k8ySkq6wBw="
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def _settings(directory: Path, public_url: str = "http://127.0.0.1:8000") -> Settings:
    return Settings.from_env(
        {
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{directory / 'fuzz.db'}",
            "WOOCONNECT_VAR_DIR": str(directory / "var"),
            "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
            "WOOCONNECT_SECRET_KEY": SECRET_KEY,
            "WOOCONNECT_RULES_DIR": str(ROOT / "rules"),
            "WOOCONNECT_PUBLIC_URL": public_url,
        }
    )


def _document() -> dict[str, Any]:
    """The OpenAPI document the app serves (built without starting it)."""
    with tempfile.TemporaryDirectory() as directory:
        document: dict[str, Any] = create_app(_settings(Path(directory))).openapi_schema.to_schema()
    return document


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


KNOWN_IDS: dict[str, str] = {}
"""Path parameters that name existing records (filled by `service_url`)."""


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API on a loopback port, with an agency and a location to find."""
    directory = tmp_path_factory.mktemp("fuzz")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with running_service(_settings(directory, url), sock):
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            agency = httpx.post(f"{url}/api/v1/agencies", json={"name": "A"}, headers=headers)
            location = httpx.post(
                f"{url}/api/v1/agencies/{agency.json()['id']}/locations",
                json={"name": "L"},
                headers=headers,
            )
            KNOWN_IDS.update(agency_id=agency.json()["id"], location_id=location.json()["id"])
            yield url


def test_the_served_document_is_the_one_being_fuzzed(service_url: str) -> None:
    served = httpx.get(f"{service_url}/schema/openapi.json").json()

    assert served == DOCUMENT
    assert all(
        "operationId" in operation
        for path in DOCUMENT["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_without_a_server_error_and_as_documented(
    case: schemathesis.Case, service_url: str
) -> None:
    # Random ids only ever reach the 404 branch; every other example names real records.
    if case.path_parameters and zlib.crc32(repr((case.query, case.body)).encode()) % 4:
        for name, value in KNOWN_IDS.items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    case.call_and_validate(
        base_url=service_url,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        checks=CHECKS,
        timeout=30,
    )
