"""An import's report payloads, held until every row is checked, then handed
back in report-id order.

Why the order matters: each report lands in about a dozen B-trees keyed by its
report id (the registry's reports and sealed rows, the register's search rows,
person keys and shown versions, the history of each report). Report ids are
digests, so in the list's own order every insert lands at a random place in
each of them; once they outgrow SQLite's page cache nearly every insert reads
pages back and writes them out again, and the time per row of a large import
grew with the workspace (a million rows: 24 s for the first 100,000, 51 s for
the tenth). In report-id order every one of those B-trees is written from left
to right, a page at a time, whatever its size, and a report already held (a
later release of the list) is found where the previous one left off.

Holding the payloads also means a list with bad rows is refused before anything
is signed or written to the ledger. Payloads are held as canonical JSON (what
the event will carry: sensitive values are already sealed), in memory for a
small list and in a private scratch database beside the workspace's for a large
one (mode 0600, deleted when the import ends, whatever its outcome); the order
is one index built over the report ids after the last row, one sort.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from gawah.core import canonical_json

#: ``orjson`` refuses what it would otherwise write its own way (dates, dataclasses).
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

#: Payloads held in memory before they go to the scratch database.
_IN_MEMORY = 4096
#: Rows written to the scratch database per statement.
_BATCH = 2048
#: The scratch database's page cache, in KiB: enough for the sort of a million
#: report ids (about 30 MiB) to run in memory, without temporary files.
_CACHE_KIB = 65_536


def _json(payload: dict[str, Any]) -> bytes:
    """The payload as JSON bytes that parse back to what its event's bytes hold.

    A report's payload (:func:`~gawah.registry.models.report_payload`) is
    text, integers, booleans and nulls in dicts, never a float (which
    ``orjson`` would write as null when it is not a number); ``orjson``
    writes it at a fraction of the canonical form's cost (which checks every
    value first; the event's bytes are made canonical anyway when it is
    signed). What ``orjson`` refuses (dates and dataclasses, with these
    options; integers beyond 64 bits, lone surrogates) goes through
    :func:`canonical_json`, which writes or refuses it as an event would.

    Raises:
        TypeError: the payload cannot be an event's (not JSON).
    """
    try:
        return orjson.dumps(payload, option=_STRICT)
    except orjson.JSONEncodeError:
        return canonical_json(payload)


def _parsed(data: bytes) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = orjson.loads(data)
    except orjson.JSONDecodeError:  # what only the canonical encoder wrote
        parsed = json.loads(data)
    return parsed


def as_parsed(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as a JSON parser gives it back (plain ``dict``, ``list`` and
    ``str``; what ``Workspace.append_many(plain_json=True)`` needs).

    Raises:
        TypeError: the payload cannot be an event's (not JSON).
    """
    return _parsed(_json(payload))


class SortedStage:
    """Payloads keyed by report id, handed back in key order once (see module)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._held: list[tuple[str, bytes]] = []
        self._path: Path | None = None
        self._conn: sqlite3.Connection | None = None
        self.count = 0

    def add(self, report_id: str, payload: dict[str, Any]) -> None:
        """Hold one payload (its report id must be unique in this stage)."""
        self._held.append((report_id, _json(payload)))
        self.count += 1
        if len(self._held) >= (_IN_MEMORY if self._conn is None else _BATCH):
            self._spill()

    def _spill(self) -> None:
        if self._conn is None:
            fd, name = tempfile.mkstemp(
                prefix=".import-stage-", suffix=".sqlite", dir=self._folder
            )
            os.close(fd)  # mkstemp made it 0600; SQLite writes no journal for it
            self._path = Path(name)
            self._conn = sqlite3.connect(name, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode = OFF")
            self._conn.execute("PRAGMA synchronous = OFF")
            self._conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            self._conn.execute(
                "CREATE TABLE stage (report_id TEXT NOT NULL, payload BLOB NOT NULL)"
            )
            self._conn.execute("BEGIN")
        self._conn.executemany("INSERT INTO stage VALUES (?, ?)", self._held)
        self._held = []

    def in_order(self) -> Iterator[dict[str, Any]]:
        """Every payload, in report-id order."""
        if self._conn is None:
            self._held.sort(key=lambda item: item[0])
            held, self._held = self._held, []
            for _, payload in held:
                yield _parsed(payload)  # a fresh dict: as_parsed() of the payload
            return
        self._spill()
        conn = self._conn
        conn.execute("CREATE INDEX stage_order ON stage (report_id)")
        cursor = conn.execute(
            "SELECT payload FROM stage INDEXED BY stage_order ORDER BY report_id"
        )
        while rows := cursor.fetchmany(_BATCH):
            for (payload,) in rows:
                yield _parsed(payload)

    def close(self) -> None:
        """Forget the payloads and delete the scratch database."""
        self._held = []
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None

    def __enter__(self) -> SortedStage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["SortedStage", "as_parsed"]
