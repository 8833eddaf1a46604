"""Device-clock timestamps.

A ``recorded_at`` value is what the device clock said, a claim of the device and
not a proof of time (trusted time comes from RFC 3161 anchors later). Code that
needs a time takes a :data:`Clock` so tests can pass a fixed one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], str]
"""Returns an ISO 8601 UTC time such as ``2024-11-26T21:04:05.123456Z``."""


def utc_now_iso() -> str:
    """Return the device clock's current UTC time in ISO 8601 with a ``Z`` suffix."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def fixed_clock(timestamp: str = "2024-11-26T00:00:00.000000Z") -> Clock:
    """Return a clock that always answers ``timestamp`` (for reproducible tests)."""

    def _clock() -> str:
        return timestamp

    return _clock
