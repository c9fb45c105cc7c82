"""Which handler answers a request: routes tried in order, by method and whole path."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

H = TypeVar("H", bound=Callable[..., Any])


class Routes(Generic[H]):
    """`(method, path pattern, handler)` entries; a pattern's groups are the handler's
    arguments."""

    def __init__(self, *routes: tuple[str, str, H]) -> None:
        self._routes = [(method, re.compile(path), handler) for method, path, handler in routes]

    def match(self, method: str, path: str) -> tuple[H, tuple[str, ...]] | None:
        """The handler of the first route for `method` whose pattern matches all of `path`,
        with the path's arguments; None when no route does."""
        for route_method, pattern, handler in self._routes:
            found = pattern.fullmatch(path)
            if found and route_method == method:
                return handler, found.groups()
        return None
