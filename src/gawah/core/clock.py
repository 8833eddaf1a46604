"""Device-clock timestamps.

A ``recorded_at`` value is what the device clock said, a claim of the device and
not a proof of time (trusted time comes from RFC 3161 anchors later). Code that
needs a time takes a :data:`Clock` so tests can pass a fixed one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], str]
"""Returns an ISO 8601 UTC time such as ``2024-11-26T21:04:05.123456Z``."""


#: The last second formatted, and its text up to the seconds (``2024-11-26T21:04:05``).
_second: tuple[int, str] = (-1, "")


def utc_now_iso() -> str:
    """Return the device clock's current UTC time in ISO 8601 with a ``Z`` suffix.

    The text up to the second is formatted once per second: every event signed
    carries a timestamp, and ``datetime.isoformat`` cost several times the
    clock read (a million-row import asks a million times). The same clock and
    the same text as ``datetime.now(UTC).isoformat(timespec="microseconds")``
    (microseconds truncated, as ``datetime.now`` does).
    """
    global _second
    seconds, micros = divmod(time.time_ns() // 1000, 1_000_000)
    second, text = _second
    if seconds != second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _second = (seconds, text)
    return f"{text}.{micros:06d}Z"


def fixed_clock(timestamp: str = "2024-11-26T00:00:00.000000Z") -> Clock:
    """Return a clock that always answers ``timestamp`` (for reproducible tests)."""

    def _clock() -> str:
        return timestamp

    return _clock
