"""How a command says it cannot go on: one line on stderr, after the program's name."""

from __future__ import annotations

import sys


def fail(message: str, code: int = 2) -> int:
    """Print `wooconnect: <message>` on stderr; the exit status to return (2: how it was called
    or configured, 1: what it tried failed)."""
    print(f"wooconnect: {message}", file=sys.stderr)
    return code
