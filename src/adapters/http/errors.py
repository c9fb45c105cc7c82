"""The one place where errors become HTTP responses: `{"error", "message", ...}`, never a
stack trace."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from wooconnect.adapters.http.schemas import ErrorOut
from wooconnect.adapters.http.validation import invalid_field
from wooconnect.adapters.persistence.outage import database_unavailable
from wooconnect.app.errors import (
    AppError,
    Conflict,
    CriteriaRefused,
    JobQueueUnavailable,
    NotFound,
    StoreRejectedCredentials,
    Unauthenticated,
    UpstreamRejected,
    UpstreamRequestInvalid,
    UpstreamUnavailable,
    ValidationFailed,
)
from wooconnect.domain.errors import DomainError, IllegalTransition, InvalidStoreUrl

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


# How long a client waits before it asks again, when a 503 has no better estimate.
RETRY_AFTER_S = 10


def error_response(
    status: int, error: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response[ErrorOut]:
    """The error body; a 503 always says when to try again (`Retry-After`)."""
    if status == HTTP_503_SERVICE_UNAVAILABLE:
        headers = {"Retry-After": str(RETRY_AFTER_S), **(headers or {})}
    return Response(
        ErrorOut(error=error, message=message, **extra), status_code=status, headers=headers
    )


def app_error_status(exc: AppError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, ValidationFailed | StoreRejectedCredentials | UpstreamRejected):
        return 422
    if isinstance(exc, CriteriaRefused | Conflict):
        return 409
    if isinstance(exc, UpstreamUnavailable | JobQueueUnavailable):
        return 503
    if isinstance(exc, UpstreamRequestInvalid):
        return 502
    return 400


def handle_app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[ErrorOut]:
    status = app_error_status(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, ValidationFailed):
        extra["fields"] = exc.fields
    if isinstance(exc, CriteriaRefused):
        extra["rules"] = [{"id": r.id, "message": r.message} for r in exc.rules]
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, UpstreamUnavailable) and exc.retry_after:
        headers["Retry-After"] = str(int(exc.retry_after))
    return error_response(status, exc.code, exc.message, headers or None, **extra)


def handle_domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[ErrorOut]:
    if isinstance(exc, InvalidStoreUrl):
        return error_response(422, "validation_failed", str(exc), fields={"store_url": str(exc)})
    if isinstance(exc, IllegalTransition):
        return error_response(409, "illegal_state", str(exc))
    return error_response(422, "domain_rule", str(exc))


def handle_validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorOut]:
    """Litestar's validation of a body or a parameter, with `fields` keyed by the field it
    names (`fields.name`, `fields.facts.order`, `fields.limit`; `fields.body` for the body as
    a whole)."""
    fields: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field, why = invalid_field(item)
            fields[field] = why
    if not fields:
        return error_response(400, "bad_request", "the request is not valid")
    listed = "; ".join(f"{field}: {why}" for field, why in fields.items())
    return error_response(
        422, "validation_failed", f"the request is not valid ({listed})", fields=fields
    )


def handle_http(_: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorOut]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    return error_response(
        status, _STATUS_CODES.get(status, "error"), str(exc.detail), headers or None
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorOut]:
    if (why := database_unavailable(exc)) is not None:
        # The request did nothing wrong: the client sends it again later (no traceback).
        log.warning(
            "the database cannot be reached (%s): %s %s answered 503",
            why,
            request.method,
            request.url.path,
        )
        return error_response(
            HTTP_503_SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database cannot be reached for now; try again later",
        )
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side"
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    AppError: handle_app_error,
    DomainError: handle_domain_error,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    Exception: handle_unexpected,
}
