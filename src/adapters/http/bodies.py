"""JSON request bodies as the API reads them, before Litestar shapes them into a handler's
`data`: JSON only (415 otherwise), well-formed and within bounds (400 otherwise).

The bounds are those of I-JSON (RFC 7493) plus two of the API's own: no name twice in an
object (which one would count is anyone's guess), nesting at most `MAX_DEPTH` deep (a deeper
body is no request this API takes, and deep enough it exhausts the decoder's stack), and no
NUL character in a string (the database cannot store one). Unpaired surrogates, numbers out of
range and invalid UTF-8 are refused by the decoder itself.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from wooconnect.app.errors import BadPayload

MAX_DEPTH = 32

_decoder = msgspec.json.Decoder()


class ApiRequest(Request[Any, Any, Any]):
    """The API's request class: its JSON body is read by `decode_json_body`."""

    async def json(self) -> Any:
        require_json(self.headers.get("content-type"))
        return decode_json_body(await self.body())


def require_json(content_type: str | None) -> None:
    """Refuse (415) a body declared as anything but JSON; a body with no declared type is
    read as JSON."""
    if content_type is None or not content_type.strip():
        return
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return
    raise HTTPException(
        status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail=f"the body must be JSON (Content-Type: application/json), not {media_type}",
    )


def decode_json_body(raw: bytes) -> Any:
    """The JSON value of `raw`; `BadPayload` (400) when it is not JSON the API takes."""
    try:
        value = _decoder.decode(raw)
    except RecursionError:
        raise BadPayload(f"the body is nested more than {MAX_DEPTH} levels deep") from None
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise BadPayload(f"the body is not JSON this API can read: {_reason(exc)}") from None
    if isinstance(value, dict | list):
        _check_bounds(value)
        json.loads(raw, object_pairs_hook=_refuse_duplicate_names)
    elif isinstance(value, str):
        _check_text(value)
    return value


def _reason(exc: Exception) -> str:
    """msgspec's message without its prefix and its `$[...]` location."""
    reason = str(exc).split(" - at ", 1)[0].removeprefix("JSON is malformed: ")
    return reason[:1].lower() + reason[1:]


def _check_bounds(value: object) -> None:
    """Depth and text bounds, walked without recursion (the value may be deep)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
            for name in item:
                _check_text(name)
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str):
                _check_text(item)
            continue
        if depth > MAX_DEPTH:
            raise BadPayload(f"the body is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BadPayload("the body holds a NUL character (\\u0000) in a string")


def _refuse_duplicate_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        twice = next(name for i, name in enumerate(names) if name in names[:i])
        raise BadPayload(f"the body names `{twice}` twice in one object")
    return dict(pairs)
