"""The API docs page works without internet access: every script, stylesheet and icon it
loads is served by the service itself."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from wooconnect.adapters.http.app import create_app
from wooconnect.adapters.settings import Settings


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


def _assets(page: str) -> list[str]:
    """The addresses a page loads: scripts, stylesheets and icons."""
    return re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=['\"]([^'\"]+)['\"]", page)


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_the_docs_page_loads_only_assets_the_service_serves(
    client: AsyncTestClient[Litestar],
    path: str,
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text

    assets = _assets(page.text)
    assert len(assets) >= 3  # the bundle, the preset, the stylesheet (and the icon)
    assert not re.search(r"https?://", page.text.split("<body", 1)[0])
    for asset in assets:
        assert asset.startswith("/schema/assets/"), asset
        answer = await client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content, asset
        assert "max-age" in answer.headers.get("cache-control", "")


async def test_the_script_is_served_as_javascript_and_the_stylesheet_as_css(
    client: AsyncTestClient[Litestar],
) -> None:
    script = await client.get("/schema/assets/swagger-ui-bundle.js")
    style = await client.get("/schema/assets/swagger-ui.css")
    assert "javascript" in script.headers["content-type"]
    assert style.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/schema/elements", "/schema/rapidoc", "/schema/redoc"])
async def test_no_docs_page_that_would_need_a_cdn_is_offered(
    client: AsyncTestClient[Litestar],
    path: str,
) -> None:
    assert (await client.get(path)).status_code == 404


async def test_the_openapi_document_is_still_served(
    client: AsyncTestClient[Litestar],
) -> None:
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "wooconnect"
    assert not any(path.startswith("/schema") for path in document.json()["paths"])
