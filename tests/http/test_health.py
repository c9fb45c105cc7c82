"""The service reports that it is up and whether its database is reachable."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from wooconnect.adapters.http.app import create_app
from wooconnect.adapters.settings import Settings


async def test_healthz_and_readyz_answer_on_the_embedded_default(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] is True
