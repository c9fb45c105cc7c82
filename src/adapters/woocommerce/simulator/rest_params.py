"""Query parameters as WordPress's REST schema validates them, and paged answers with the
headers WooCommerce sends."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from wooconnect.adapters.woocommerce.simulator.asgi import Request, Response, wp_error, wp_response
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore


class InvalidParam(Exception):
    """A query parameter WordPress's schema validation would refuse (400)."""

    def __init__(self, name: str, why: str, detail_code: str = "rest_out_of_bounds") -> None:
        super().__init__(why)
        self.name = name
        self.why = why
        self.detail_code = detail_code

    def response(self) -> Response:
        return wp_error(
            400,
            "rest_invalid_param",
            f"Invalid parameter(s): {self.name}",
            params={self.name: self.why},
            details={self.name: {"code": self.detail_code, "message": self.why, "data": None}},
        )


def int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?\d+", raw):
        raise InvalidParam(name, f"{name} is not of type integer.", "rest_invalid_type")
    value = int(raw)
    if value < low or (high is not None and value > high):
        bounds = (
            f"between {low} (inclusive) and {high} (inclusive)"
            if high is not None
            else f"greater than or equal to {low}"
        )
        raise InvalidParam(name, f"{name} must be {bounds}")
    return value


def enum_param(request: Request, name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = request.params.get(name, default) or default
    if value not in allowed:
        raise InvalidParam(name, f"{name} is not one of {', '.join(allowed)}.", "rest_not_in_enum")
    return value


def date_param(request: Request, name: str) -> datetime | None:
    raw = request.params.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise InvalidParam(name, "Invalid date.", "rest_invalid_date") from None


def id_list_param(request: Request, name: str) -> set[int] | None:
    """A list of ids, comma-separated (`include=1,2`) as WordPress's `wp_parse_id_list` reads
    it; None when absent or empty."""
    raw = request.params.get(name, "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts:
        return None
    if not all(part.isdigit() for part in parts):
        raise InvalidParam(name, f"{name}[0] is not of type integer.", "rest_invalid_type")
    return {int(part) for part in parts}


def paginate(
    store: SimulatedStore,
    request: Request,
    items: list[Any],
    render: Callable[[Any], dict[str, Any]],
) -> Response:
    """One page of `items` with X-WP-Total, X-WP-TotalPages and a prev/next-only `Link`."""
    per_page = int_param(request, "per_page", 10, 1, 100)
    page = int_param(request, "page", 1, 1, None)
    offset = int_param(request, "offset", (page - 1) * per_page, 0, None)
    total = len(items)
    total_pages = math.ceil(total / per_page) if total else 0
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(total_pages)}
    base = store.home_url + request.path
    links = []
    # Built from the request's own query, `oauth_*` (used nonce included) and all.
    if page > 1:
        links.append(f'<{base}?{_with_page(request, page - 1)}>; rel="prev"')
    if total_pages > page:
        links.append(f'<{base}?{_with_page(request, page + 1)}>; rel="next"')
    headers["Link"] = (
        ", ".join(links) if links else f'<{store.home_url}/wp-json/>; rel="https://api.w.org/"'
    )
    return wp_response(200, [render(item) for item in items[offset : offset + per_page]], headers)


def _with_page(request: Request, page: int) -> str:
    pairs = [(k, v) for k, v in request.query_pairs if k != "page"]
    index = next((i for i, (k, _) in enumerate(request.query_pairs) if k == "page"), len(pairs))
    pairs.insert(index, ("page", str(page)))
    return urlencode(pairs)
