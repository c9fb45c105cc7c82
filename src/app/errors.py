"""The app layer's errors. The HTTP adapter maps them to status codes once; workers map them
to retry-or-fail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class AppError(Exception):
    """Base of every error a use case raises on purpose. `code` is the machine-readable name."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(AppError):
    code = "not_found"


class Unauthenticated(AppError):
    code = "unauthenticated"


# The code of the `Conflict` raised when a write would give a second record the unique keys
# (store id, e-mail) another one holds.
WRITE_CONFLICT = "write_conflict"


class Conflict(AppError):
    """The request contradicts what is stored (e.g. `already_connected`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ValidationFailed(AppError):
    """Input that cannot be used; `fields` says why, per field."""

    code = "validation_failed"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class BadPayload(AppError):
    """A request body that is signed or well-formed on the outside but unreadable inside."""

    code = "bad_payload"


class StoreRejectedCredentials(AppError):
    """The store refused the consumer key and secret we were given."""

    code = "store_rejected_credentials"


@dataclass(frozen=True, slots=True)
class RefusingRule:
    id: str
    message: str


class CriteriaRefused(AppError):
    """The connection criteria refused a connect; every refusing rule is listed."""

    code = "criteria_refused"

    def __init__(self, rules: Sequence[RefusingRule]) -> None:
        super().__init__(
            "the connection criteria refuse this store: "
            + "; ".join(rule.message for rule in rules)
        )
        self.rules = list(rules)


class UpstreamError(AppError):
    """Something went wrong talking to a store."""


class UpstreamUnavailable(UpstreamError):
    """Transient (429, 5xx, timeouts, connection errors): retry later, keep the checkpoint."""

    code = "store_unavailable"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamRejected(UpstreamError):
    """Permanent (401/403/404 on the API): the keys are wrong or revoked, or no WooCommerce.

    `store_code` and `store_message` are the store's own `code` and `message`.
    """

    code = "store_rejected"

    def __init__(self, status: int, store_code: str, store_message: str) -> None:
        super().__init__(f"the store refused the request ({status} {store_code}): {store_message}")
        self.status = status
        self.store_code = store_code
        self.store_message = store_message


class UpstreamRequestInvalid(UpstreamError):
    """The store said our request was malformed (400 `rest_invalid_param`): a bug on our side."""

    code = "store_request_invalid"


class UpstreamUndecodable(UpstreamError):
    """The store answered with something that is not the record it should be (not JSON, or
    a shape we cannot read). Permanent for that record; pages report bad records instead."""

    code = "store_record_undecodable"


class JobQueueUnavailable(AppError):
    """The broker did not take a message (Redis unreachable). What the job needs is already in
    the database, so the caller may carry on: a sweeper or the next start sends it later."""

    code = "queue_unavailable"
