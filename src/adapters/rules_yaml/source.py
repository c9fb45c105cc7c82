"""`FileRuleSource`: the rule book from a directory, reloaded when its files change.

A poll compares a cheap fingerprint (path, size, mtime of every rule file). When it changes,
the whole directory is compiled into a new book; only a book that compiled completely replaces
the current one, by a single reference assignment, so readers always see one whole version. A
failed reload keeps the old book and records the errors for the API and the console.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from wooconnect.adapters.rules_yaml.loader import RuleLoadError, find_rule_files, load_rule_book
from wooconnect.domain.rules import RuleBook

logger = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]
DEFAULT_POLL_INTERVAL_S = 1.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FileRuleSource:
    """Implements the `RuleSource` port from `WOOCONNECT_RULES_DIR`.

    Call `load()` once at start-up (it raises `RuleLoadError` when the files are broken: there is
    no good book to fall back on), then `start()` to poll for changes every `poll_interval_s`
    seconds in a daemon thread, and `stop()` on shutdown. `reload_if_changed()` does one poll
    synchronously (tests, or a reload endpoint).
    """

    def __init__(
        self,
        directory: Path,
        *,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        required: Iterable[str] = (),
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.directory = directory
        self.poll_interval_s = poll_interval_s
        self.required = tuple(required)
        self._now = now
        self._book: RuleBook | None = None
        self._fingerprint: Fingerprint | None = None
        self._lock = threading.Lock()  # one reload at a time; readers never take it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_errors: tuple[str, ...] = ()
        self.loaded_at: datetime | None = None
        self.checked_at: datetime | None = None

    def current(self) -> RuleBook:
        """The book in force (loading it on first use)."""
        book = self._book
        if book is None:
            return self.load()
        return book

    @property
    def version(self) -> str | None:
        return self._book.version if self._book is not None else None

    def load(self) -> RuleBook:
        """Compile the directory and make it current; raise `RuleLoadError` if it is broken."""
        with self._lock:
            fingerprint = self._fingerprint_now()
            book = self._compile()
            self._swap(book, fingerprint)
            return book

    def reload_if_changed(self) -> bool:
        """Reload when the files changed since the last attempt; True when a new book is in force.

        A broken change keeps the current book, records `last_errors`, and is not retried until
        the files change again.
        """
        with self._lock:
            self.checked_at = self._now()
            fingerprint = self._fingerprint_now()
            if fingerprint == self._fingerprint:
                return False
            self._fingerprint = fingerprint
            try:
                book = self._compile()
            except RuleLoadError as exc:
                self.last_errors = exc.errors
                logger.error(
                    "rules in %s not reloaded; version %s stays in force:\n%s",
                    self.directory,
                    self.version,
                    "\n".join(exc.errors),
                )
                return False
            if self._book is not None and book.version == self._book.version:
                self.last_errors = ()
                return False
            self._swap(book, fingerprint)
            logger.info("rules reloaded from %s: version %s", self.directory, book.version)
            return True

    def start(self) -> None:
        """Poll for changes in a background thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        if self._book is None:
            self.load()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._poll, name="wooconnect-rules-reload", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=max(5.0, self.poll_interval_s * 2))

    def status(self) -> dict[str, object]:
        """Validation state for the API and the console."""
        return {
            "directory": str(self.directory),
            "version": self.version,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "errors": list(self.last_errors),
        }

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval_s):
            try:
                self.reload_if_changed()
            except Exception:  # the poller must survive anything a file system can do
                logger.exception("rules reload check failed")

    def _compile(self) -> RuleBook:
        book = load_rule_book(self.directory)
        missing = [rule_set_id for rule_set_id in self.required if rule_set_id not in book.defaults]
        if missing:
            raise RuleLoadError(
                [f"{self.directory}: missing rule set {name} ({name}.yaml)" for name in missing]
            )
        return book

    def _swap(self, book: RuleBook, fingerprint: Fingerprint) -> None:
        self._book = book
        self._fingerprint = fingerprint
        self.loaded_at = self._now()
        self.checked_at = self.loaded_at
        self.last_errors = ()

    def _fingerprint_now(self) -> Fingerprint:
        try:
            entries = []
            for found in find_rule_files(self.directory):
                stat = found.path.stat()
                entries.append((str(found.path), stat.st_size, stat.st_mtime_ns))
            return tuple(entries)
        except OSError:
            return ()
