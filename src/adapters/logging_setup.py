"""Process-wide logging: JSON lines in production, readable lines on a terminal.

`configure_logging` installs one handler on the root logger with two filters:

- `ContextFilter` adds the ids bound with `app.log_context` (connection, location, job,
  delivery, task) to every record, whichever library emitted it;
- `RedactingFilter` masks secrets in the message and the traceback before any formatter sees
  them: WooCommerce keys (`ck_…`/`cs_…`), bearer and basic credentials, OAuth signatures,
  credentials in query strings (`consumer_secret=…`, as httpx logs request URLs), secret-named
  JSON fields, webhook and subscription secrets, agency API keys, the admin token, Fernet keys
  and the key-grant state in callback paths; plus the exact values passed as `secrets`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from wooconnect.app.log_context import FIELDS, current_log_context

MASK = "***"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Credentials in query strings and form bodies: consumer_secret=…, oauth_signature=…
    (
        re.compile(
            r"(?i)\b((?:consumer_key|consumer_secret|oauth_consumer_key|oauth_signature|"
            r"oauth_token|secret|token|password|key|api_key|access_token)=)[^&\s\"',;]+"
        ),
        rf"\1{MASK}",
    ),
    # OAuth header parameters: oauth_signature="…"
    (
        re.compile(r'(?i)\b((?:oauth_consumer_key|oauth_signature|oauth_token)=")[^"]*'),
        rf"\1{MASK}",
    ),
    # Authorization schemes.
    (re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b(basic\s+)[A-Za-z0-9+/=]{6,}"), rf"\1{MASK}"),
    (
        re.compile(r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?)(?!bearer|basic)[^\"'\s,;}]+"),
        rf"\1{MASK}",
    ),
    # Secret-named JSON or repr fields: "consumer_secret": "…", 'secret': '…'
    (
        re.compile(
            r"(?i)([\"'](?:consumer_key|consumer_secret|secret|webhook_secret|secret_key|"
            r"token|admin_token|api_key|key|password|authorization)[\"']\s*:\s*[\"'])[^\"']*"
        ),
        rf"\1{MASK}",
    ),
    # Token shapes: WooCommerce keys, agency keys, subscription secrets, the admin token.
    (re.compile(r"\b(ck|cs)_[A-Za-z0-9]{8,}"), rf"\1_{MASK}"),
    (re.compile(r"\b(wck|whsec|wc_admin)_[A-Za-z0-9_\-]{8,}"), rf"\1_{MASK}"),
    # The key-grant state is a one-time credential in the callback path.
    (re.compile(r"(/woocommerce/callback/)[^/\s\"'?]+"), rf"\1{MASK}"),
    # Fernet keys (32 bytes, url-safe base64) and 48-character webhook secrets.
    (re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{43}=(?![A-Za-z0-9_\-=])"), MASK),
    (re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9]{48}(?![A-Za-z0-9_\-])"), MASK),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret it contains masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Adds the bound ids to the record: one attribute per field (None when unbound)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_log_context()
        for name in FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, context.get(name))
        return True


class RedactingFilter(logging.Filter):
    """Masks secrets in the message and the traceback; the record keeps no raw arguments."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {name: value for name in FIELDS if (value := getattr(record, name, None)) is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `ts`, `level`, `logger`, `message`, the bound ids, and
    `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message [connection_id=… job_id=…]`, for people at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{k}={v}" for k, v in _context(record).items())
        clock = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{clock} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if context:
            line += f"  [{context}]"
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


def resolve_format(log_format: str, stream: TextIO) -> str:
    """`json` or `text`; `auto` is text on a terminal and JSON otherwise."""
    if log_format in {"json", "text"}:
        return log_format
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


_HANDLER_NAME = "wooconnect"


def service_secrets(admin_token: str | None, secret_key: str | None) -> tuple[str, ...]:
    """What the logs must never show: the admin token and the secret key, each of its keys
    alone too when it holds several (while a key is being replaced)."""
    from wooconnect.adapters.crypto import secret_keys

    keys = secret_keys(secret_key) if secret_key else ()
    return tuple(value for value in (admin_token, secret_key, *keys) if value)


def configure_logging(
    log_format: str = "auto",
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """Install (or replace) the process's log handler on the root logger and return it.

    Library loggers that install their own handlers (uvicorn) are routed to it too, so every
    line has the same shape and passes the same redaction.
    """
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    formatter: logging.Formatter = (
        JsonFormatter() if resolve_format(log_format, stream) == "json" else TextFormatter()
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    # Alembic's info lines (plugins registered on import, the DDL mode it assumes, each step)
    # tell an operator nothing to act on; what a migration applied is reported by
    # `persistence.migrate`'s callers.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


UVICORN_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": [], "propagate": True},
        "uvicorn.access": {"handlers": [], "propagate": True},
    },
}
"""Given to uvicorn as `log_config` so that it keeps the handler `configure_logging` set."""
