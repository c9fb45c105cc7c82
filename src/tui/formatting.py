"""How the console writes values for people: timestamps, JSON values, durations, rates."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text

_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def timestamp(value: str | None, *, short: bool = False) -> str:
    """An API timestamp as `YYYY-MM-DD HH:MM:SSZ`, or `MM-DD HH:MM` when `short` (for narrow
    tables of recent events). Absolute, so screens do not change with the clock; anything
    unexpected is shown as it came."""
    if not value:
        return "—"
    match = _ISO.match(value)
    if match is None:
        return value
    date, time, zone = match.groups()
    if short:
        return f"{date[5:]} {time[:5]}"
    suffix = "Z" if zone in (None, "Z", "+00:00", "+0000") else f" {zone}"
    return f"{date} {time}{suffix}"


def order_number(number: str) -> str:
    """A store's order number as the store writes it for people: `#81`."""
    return number if number.startswith("#") else f"#{number}"


def value(data: Any, limit: int = 48) -> str:
    """A JSON value in one line, strings quoted, cut to `limit` characters."""
    if data is None:
        return "null"
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(data: Any, limit: int = 48) -> str:
    """Like `value`, but a string is shown without quotes (for labels and decisions)."""
    if data is None:
        return "—"
    if isinstance(data, str):
        return data if len(data) <= limit else data[: limit - 1] + "…"
    return value(data, limit)


def duration(seconds: float | None) -> str:
    """`42s`, `3m 05s`, `1h 02m`; an em dash when unknown."""
    if seconds is None:
        return "—"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def rate(per_second: float | None) -> str:
    """Records per second, or per minute when slower than one a second."""
    if per_second is None:
        return "—"
    if per_second >= 1 or per_second == 0:
        return f"{per_second:,.1f}/s"
    return f"{per_second * 60:,.1f}/min"


def flag(on: bool | int | None) -> str:
    """A boolean as a word; counts read as themselves."""
    if on is None:
        return "unknown"
    if isinstance(on, bool):
        return "yes" if on else "no"
    return str(on)


_STATUS_STYLES = {
    "active": ("●", "bold green"),
    "needs_reconnect": ("▲", "bold red"),
    "awaiting_authorization": ("◌", "yellow"),
    "authorized": ("◐", "yellow"),
    "disconnected": ("○", "dim"),
}


def status_text(status: str) -> Text:
    """A connection status with a symbol and a colour, so it reads without colour too."""
    symbol, style = _STATUS_STYLES.get(status, ("?", "magenta"))
    return Text(f"{symbol} {status.replace('_', ' ')}", style=style)
