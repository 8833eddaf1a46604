"""Values derived from the workspace, kept until its ledger changes.

Projections and estimates are pure functions of the ledger: while no event is
appended (by this server, a CLI command or a sync) they cannot change, so the
dashboard and the estimates page compute them once per ledger state. The state
is the number of stored events, which every append, sync and import grows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class LedgerCache:
    """A small LRU of values keyed by (ledger state, key); one computation per key."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._values: OrderedDict[tuple[int, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[int, Hashable], threading.Lock] = {}

    def get(self, state: int, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key`` at ledger ``state``, computed on the first ask.

        Two requests asking for the same value at once compute it once: the
        second waits for the first (a dashboard at 50,000 reports takes seconds).
        """
        full = (state, key)
        with self._lock:
            if full in self._values:
                self._values.move_to_end(full)
                return cast(T, self._values[full])
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            with self._lock:
                if full in self._values:
                    return cast(T, self._values[full])
            value = compute()
            with self._lock:
                self._values[full] = value
                self._computing.pop(full, None)
                while len(self._values) > self._size:
                    self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()
