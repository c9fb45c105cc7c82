"""The real clock behind the clock port."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Timezone-aware UTC from the system clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)
