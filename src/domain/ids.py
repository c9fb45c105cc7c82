"""Identifiers: time-ordered UUIDs (version 7), so that ids sort by creation and make cursors."""

from __future__ import annotations

import os
import random
import threading
import time

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_COUNTER_MAX = 0xFFF
# Ids order and identify records; they are not secrets (access is checked on every request),
# so a fast generator seeded from the OS serves their random bits.
_random = random.Random(os.urandom(32))


def _reseed() -> None:
    # A forked worker must not repeat its parent's sequence: ids would collide.
    _random.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def new_id() -> str:
    """Return a new UUIDv7 as a string: 48 bits of Unix milliseconds, a 12-bit counter and 62
    random bits. Within a process ids strictly increase, even within one millisecond (RFC 9562,
    method 1), so "newest first" by id is creation order."""
    global _last_ms, _counter
    with _lock:
        millis = time.time_ns() // 1_000_000
        if millis > _last_ms:
            _last_ms, _counter = millis, _random.getrandbits(8)
        else:
            _counter += 1
            if _counter > _COUNTER_MAX:  # more than 4096 ids in a millisecond: borrow the next
                _last_ms, _counter = _last_ms + 1, 0
        millis, counter = _last_ms, _counter
        rand_b = _random.getrandbits(62)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    # `str(uuid.UUID(int=value))`, written out: the receiver makes an id per delivery.
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
