"""Settings come from the environment once; the embedded default makes its own secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from wooconnect.adapters.persistence.database import async_url
from wooconnect.adapters.settings import (
    Settings,
    SettingsError,
    resolve_secrets,
    shipped_rules_dir,
)


def test_defaults_are_the_embedded_default() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///./var/wooconnect.db"
    assert settings.redis_url is None
    assert settings.is_embedded
    assert settings.reconcile_interval_s == 900
    assert not settings.allow_private_stores
    assert settings.authorization_ttl_s == 3600
    assert not settings.allow_http_key_grant
    assert settings.connect_return_url is None


def test_malformed_values_name_their_variable() -> None:
    with pytest.raises(SettingsError, match="WOOCONNECT_ALLOW_PRIVATE_STORES"):
        Settings.from_env({"WOOCONNECT_ALLOW_PRIVATE_STORES": "maybe"})
    with pytest.raises(SettingsError, match="WOOCONNECT_RECONCILE_INTERVAL_S"):
        Settings.from_env({"WOOCONNECT_RECONCILE_INTERVAL_S": "soon"})
    with pytest.raises(SettingsError, match="WOOCONNECT_AUTHORIZATION_TTL_S"):
        Settings.from_env({"WOOCONNECT_AUTHORIZATION_TTL_S": "0"})
    with pytest.raises(SettingsError, match="WOOCONNECT_ALLOW_HTTP_KEY_GRANT"):
        Settings.from_env({"WOOCONNECT_ALLOW_HTTP_KEY_GRANT": "perhaps"})
    with pytest.raises(SettingsError, match="WOOCONNECT_CONNECT_RETURN_URL"):
        Settings.from_env({"WOOCONNECT_CONNECT_RETURN_URL": "crm.example.com/done"})


def test_the_embedded_default_generates_its_secrets_once(tmp_path: Path) -> None:
    settings = Settings.from_env({"WOOCONNECT_VAR_DIR": str(tmp_path / "var")})
    first = resolve_secrets(settings)
    again = resolve_secrets(settings)
    assert first.admin_token_generated
    assert not again.admin_token_generated
    assert first.secret_key == again.secret_key
    assert first.admin_token == again.admin_token
    assert (tmp_path / "var" / "secret.key").stat().st_mode & 0o777 == 0o600


def test_production_requires_an_explicit_secret_key() -> None:
    settings = Settings.from_env({"WOOCONNECT_DATABASE_URL": "postgresql://db/wooconnect"})
    with pytest.raises(SettingsError, match="WOOCONNECT_SECRET_KEY"):
        resolve_secrets(settings)


def test_without_a_rules_directory_here_the_shipped_rules_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).rules_dir == shipped_rules_dir()
    assert (shipped_rules_dir() / "order_status.yaml").is_file()

    (tmp_path / "rules").mkdir()
    assert Settings.from_env({}).rules_dir == Path("rules")
    assert Settings.from_env({"WOOCONNECT_RULES_DIR": "/srv/rules"}).rules_dir == Path("/srv/rules")


def test_a_database_password_kept_apart_goes_into_the_url_escaped() -> None:
    password = "p@ss/w:rd%?#"
    settings = Settings.from_env(
        {
            "WOOCONNECT_DATABASE_URL": "postgresql://wooconnect@postgres:5432/wooconnect",
            "WOOCONNECT_DATABASE_PASSWORD": password,
        }
    )
    url = make_url(settings.database_url)
    assert url.password == password
    assert (url.username, url.host, url.port, url.database) == (
        "wooconnect",
        "postgres",
        5432,
        "wooconnect",
    )
    assert make_url(async_url(settings.database_url)).password == password


def test_a_database_password_twice_or_for_sqlite_is_refused() -> None:
    with pytest.raises(SettingsError, match="not both"):
        Settings.from_env(
            {
                "WOOCONNECT_DATABASE_URL": "postgresql://u:one@db/wooconnect",
                "WOOCONNECT_DATABASE_PASSWORD": "two",
            }
        )
    with pytest.raises(SettingsError, match="not SQLite"):
        Settings.from_env({"WOOCONNECT_DATABASE_PASSWORD": "two"})
