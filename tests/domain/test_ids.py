"""Ids sort by creation: they make cursors and "newest first"."""

from __future__ import annotations

import uuid

from wooconnect.domain.ids import new_id


def test_ids_strictly_increase_even_within_one_millisecond() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_are_version_7_uuids() -> None:
    parsed = uuid.UUID(new_id())
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_a_forked_process_does_not_repeat_its_parents_ids() -> None:
    import os

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write its ids and leave at once
        os.close(read)
        os.write(write, ",".join(new_id() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    ours = {new_id() for _ in range(50)}
    with os.fdopen(read, "rb") as pipe:
        theirs = set(pipe.read().decode().split(","))
    os.waitpid(pid, 0)
    tails = {i[-12:] for i in ours}
    assert not tails & {i[-12:] for i in theirs}
