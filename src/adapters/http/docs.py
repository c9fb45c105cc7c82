"""The API docs at `/schema`: Swagger UI, with its scripts, stylesheet and icon served by the
service itself (`/schema/assets/…`), so that the page renders where there is no internet
access. The OpenAPI document stays at `/schema/openapi.json` (and `.yaml`)."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

ASSETS_DIR = Path(__file__).with_name("swagger_ui")
ASSETS_PATH = "/schema/assets"


def openapi_config(version: str) -> OpenAPIConfig:
    """The OpenAPI document's metadata and its one docs page."""
    swagger = SwaggerRenderPlugin(
        path=["/", "/swagger"],
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )
    return OpenAPIConfig(
        title="wooconnect",
        version=version,
        description="Connect WooCommerce stores to CRM locations.",
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
        ),
        render_plugins=[swagger],
    )


def docs_assets() -> Router:
    """The docs page's files; they change only with the package, so browsers may keep them."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSETS_DIR],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86_400, public=True),
        name="docs-assets",
    )
