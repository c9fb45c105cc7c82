"""Settings from the environment (API.md), read once by the composition root."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from wooconnect.domain.connection import (
    DEFAULT_STORE_CONCURRENCY,
    MAX_STORE_CONCURRENCY,
    MIN_STORE_CONCURRENCY,
)

DEFAULT_DATABASE_URL = "sqlite:///./var/wooconnect.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# Every variable the service reads; the compose-file test checks it sets no other.
KNOWN_VARIABLES = (
    "WOOCONNECT_DATABASE_URL",
    "WOOCONNECT_DATABASE_PASSWORD",
    "WOOCONNECT_REDIS_URL",
    "WOOCONNECT_ADMIN_TOKEN",
    "WOOCONNECT_SECRET_KEY",
    "WOOCONNECT_PUBLIC_URL",
    "WOOCONNECT_RULES_DIR",
    "WOOCONNECT_ALLOW_PRIVATE_STORES",
    "WOOCONNECT_RECONCILE_INTERVAL_S",
    "WOOCONNECT_AUTHORIZATION_TTL_S",
    "WOOCONNECT_ALLOW_HTTP_KEY_GRANT",
    "WOOCONNECT_CONNECT_RETURN_URL",
    "WOOCONNECT_STORE_CONCURRENCY",
    "WOOCONNECT_VAR_DIR",
    "WOOCONNECT_LOG_FORMAT",
)


# Where a person meets a refused http or private store address, what lets them through.
ALLOW_PRIVATE_STORES_HINT = (
    "in development, WOOCONNECT_ALLOW_PRIVATE_STORES=true allows http and private addresses"
)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def _database_url(env: Mapping[str, str]) -> str:
    """`WOOCONNECT_DATABASE_URL`, with `WOOCONNECT_DATABASE_PASSWORD` put in when given: a
    password kept apart needs no escaping by hand (`@`, `/`, `:` would break a URL)."""
    url = env.get("WOOCONNECT_DATABASE_URL") or DEFAULT_DATABASE_URL
    password = env.get("WOOCONNECT_DATABASE_PASSWORD")
    if not password:
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError("WOOCONNECT_DATABASE_URL is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        raise SettingsError("WOOCONNECT_DATABASE_PASSWORD is for a PostgreSQL URL, not SQLite")
    if parsed.password is not None:
        raise SettingsError(
            "give the database password either in WOOCONNECT_DATABASE_URL or in "
            "WOOCONNECT_DATABASE_PASSWORD, not both"
        )
    return parsed.set(password=password).render_as_string(hide_password=False)


def shipped_rules_dir() -> Path:
    """The default rule files that come with the package: `wooconnect/rules`, which in the
    repository is `src/rules`, a link to its `rules/`."""
    return (Path(str(resources.files("wooconnect"))) / "rules").resolve()


def default_rules_dir() -> Path:
    """`./rules` when there is one (an operator's own copy), else the shipped rules."""
    local = Path("./rules")
    return local if local.is_dir() else shipped_rules_dir()


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.strip() == "":
        return False
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _whole_number(value: str | None, name: str, default: int, unit: str = "") -> int:
    """The setting's whole number (of `unit`); `default` when it is not set."""
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number{unit}, not {value!r}") from None


def _positive_int(value: str | None, name: str, default: int) -> int:
    number = _whole_number(value, name, default, " of seconds")
    if number <= 0:
        raise SettingsError(f"{name} must be positive, not {number}")
    return number


def _int_between(value: str | None, name: str, default: int, low: int, high: int) -> int:
    number = _whole_number(value, name, default)
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {number}")
    return number


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    admin_token: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    public_url: str = DEFAULT_PUBLIC_URL
    rules_dir: Path = field(default_factory=default_rules_dir)
    allow_private_stores: bool = False
    reconcile_interval_s: int = 900
    # Requests in flight to one store for connections that do not set their own.
    store_concurrency: int = DEFAULT_STORE_CONCURRENCY
    # How long a connection waits for the store to authorize it after step 1.
    authorization_ttl_s: int = 3600
    # Offer the key grant over a plain-http public URL: only a development store that takes
    # http callbacks (the simulator with --allow-http-callback) completes it.
    allow_http_key_grant: bool = False
    # Where the merchant's browser goes after the store's approval page, instead of the
    # service's own page; None: the service's page.
    connect_return_url: str | None = None
    var_dir: Path = Path("./var")
    log_format: str = "auto"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the WOOCONNECT_* variables; raise `SettingsError` for a malformed one."""
        env = os.environ if env is None else env
        public_url = env.get("WOOCONNECT_PUBLIC_URL") or DEFAULT_PUBLIC_URL
        log_format = env.get("WOOCONNECT_LOG_FORMAT") or "auto"
        if log_format not in {"auto", "json", "text"}:
            raise SettingsError("WOOCONNECT_LOG_FORMAT must be auto, json or text")
        return_url = env.get("WOOCONNECT_CONNECT_RETURN_URL") or None
        if return_url is not None and not return_url.startswith(("https://", "http://")):
            raise SettingsError("WOOCONNECT_CONNECT_RETURN_URL must be an http(s) URL")
        return cls(
            database_url=_database_url(env),
            redis_url=env.get("WOOCONNECT_REDIS_URL") or None,
            admin_token=env.get("WOOCONNECT_ADMIN_TOKEN") or None,
            secret_key=env.get("WOOCONNECT_SECRET_KEY") or None,
            public_url=public_url.rstrip("/"),
            rules_dir=Path(rules)
            if (rules := env.get("WOOCONNECT_RULES_DIR"))
            else default_rules_dir(),
            allow_private_stores=_flag(
                env.get("WOOCONNECT_ALLOW_PRIVATE_STORES"), "WOOCONNECT_ALLOW_PRIVATE_STORES"
            ),
            reconcile_interval_s=_positive_int(
                env.get("WOOCONNECT_RECONCILE_INTERVAL_S"), "WOOCONNECT_RECONCILE_INTERVAL_S", 900
            ),
            store_concurrency=_int_between(
                env.get("WOOCONNECT_STORE_CONCURRENCY"),
                "WOOCONNECT_STORE_CONCURRENCY",
                DEFAULT_STORE_CONCURRENCY,
                MIN_STORE_CONCURRENCY,
                MAX_STORE_CONCURRENCY,
            ),
            authorization_ttl_s=_positive_int(
                env.get("WOOCONNECT_AUTHORIZATION_TTL_S"), "WOOCONNECT_AUTHORIZATION_TTL_S", 3600
            ),
            allow_http_key_grant=_flag(
                env.get("WOOCONNECT_ALLOW_HTTP_KEY_GRANT"), "WOOCONNECT_ALLOW_HTTP_KEY_GRANT"
            ),
            connect_return_url=return_url,
            var_dir=Path(env.get("WOOCONNECT_VAR_DIR") or "./var"),
            log_format=log_format,
        )

    @property
    def is_embedded(self) -> bool:
        """The embedded default: SQLite and no Redis, everything in one process."""
        return self.database_url.startswith("sqlite") and self.redis_url is None


@dataclass(frozen=True, slots=True)
class Secrets:
    """The secrets the process runs with, after first-start generation where allowed."""

    secret_key: str = field(repr=False)
    admin_token: str = field(repr=False)
    admin_token_generated: bool = False


def resolve_secrets(settings: Settings) -> Secrets:
    """Use the configured secrets; in the embedded default generate missing ones into var/.

    Outside the embedded default a missing secret key is an error: data encrypted with a key
    that only one machine knows would be unreadable by the others.
    """
    from cryptography.fernet import Fernet

    secret_key = settings.secret_key
    admin_token = settings.admin_token
    generated = False
    if secret_key is None:
        if not settings.database_url.startswith("sqlite"):
            raise SettingsError("WOOCONNECT_SECRET_KEY is required outside the embedded default")
        secret_key = _read_or_create(
            settings.var_dir / "secret.key", Fernet.generate_key().decode()
        )
    if admin_token is None:
        if not settings.database_url.startswith("sqlite"):
            raise SettingsError("WOOCONNECT_ADMIN_TOKEN is required outside the embedded default")
        path = settings.var_dir / "admin.token"
        generated = not path.exists()
        admin_token = _read_or_create(path, "wc_admin_" + secrets.token_urlsafe(32))
    return Secrets(secret_key=secret_key, admin_token=admin_token, admin_token_generated=generated)


def _read_or_create(path: Path, fresh: str) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with owner-only permissions: it guards every store's credentials.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(fresh + "\n")
    return fresh
