"""The log: appending signed events, receiving others', reading them back.

Appends run in one ``BEGIN IMMEDIATE`` transaction together with every
projector's ``apply``, and return only after ``COMMIT`` (WAL + ``synchronous=FULL``:
the WAL is fsynced before the commit returns). ``seq`` and ``prev`` are read from
the stored feed inside that transaction, never from a separate counter.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from gawah.core import Clock
from gawah.errors import LedgerIntegrityError, UserInputError, WorkspaceError
from gawah.ledger._writing import Row, Transaction, checked_many, signed
from gawah.ledger.bulk import DeferredIndexes, gc_paused
from gawah.ledger.checkpoint import Checkpoint, open_checkpoint
from gawah.ledger.checkpoints import Checkpoints
from gawah.ledger.devices import Registry
from gawah.ledger.events import (
    Event,
    Projector,
    Signer,
    encode_event,
    project,
)
from gawah.ledger.proofs import feed_entries

_COLUMNS = "pos, raw, signature"
_CHUNK = 2048

_Made = tuple[dict[str, Any], str | None, str]
"""An event's payload, ``prev`` and time, as :meth:`EventLog.append` encoded them."""


class EventLog:
    """The ``ledger_events`` table of one workspace database."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.RLock,
        *,
        signer: Signer | None,
        author: str,
        projectors: Sequence[Projector],
        clock: Clock,
        checkpoints: Checkpoints,
        trust: Callable[[list[Event]], Registry] | None,
    ) -> None:
        """``trust`` gives the registry that judges received events (with the
        events of the batch itself, which may enrol a device); ``None`` accepts
        any validly signed event."""
        self._conn = conn
        self._lock = lock
        self._signer = signer
        self._author = author
        self._projectors = tuple(projectors)
        self._clock = clock
        self._checkpoints = checkpoints
        self._trust = trust

    # -- writing -------------------------------------------------------------

    def append(
        self,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        checkpoint: bool,
        keep: bool = True,
        plain_json: bool = False,
    ) -> list[Event]:
        """Sign and store events in one transaction (all or nothing).

        ``items`` may be a generator; events are written in chunks while it is
        consumed. With ``checkpoint`` a checkpoint of the feed is signed in the
        same transaction (and kept outside the database after COMMIT).
        ``keep=False`` returns no events (a million-row import need not hold them).
        ``plain_json``: the caller vouches that every payload is made only of
        what a JSON parser returns (dict, list, str, int, float, bool, None;
        no tuples, no ``str`` subclasses), as a payload just parsed from JSON
        is. The projectors then get the payloads as given instead of the
        events' bytes parsed back, which they would equal (a million-row
        import saves a parse per row).
        """
        if self._signer is None:
            raise WorkspaceError("this workspace was opened without a signing key")
        signer = self._signer
        device = signer.device
        out: list[Event] = []
        wrote = False
        signed_cp: list[Checkpoint] = []
        with self._lock, Transaction(self._conn):
            seq, prev = self._feed_head(device)
            pending: list[tuple[str, str, str, int, bytes]] = []
            made: list[_Made] | None = [] if plain_json else None
            for kind, payload in items:
                if not isinstance(kind, str) or not kind:
                    raise UserInputError("an event kind must be a non-empty string")
                seq += 1
                at = self._clock()
                raw = encode_event(
                    kind,
                    payload,
                    author=self._author,
                    device=device,
                    seq=seq,
                    prev=prev,
                    recorded_at=at,
                )
                event_id = hashlib.sha256(raw).hexdigest()
                pending.append((event_id, kind, device, seq, raw))
                if made is not None:
                    made.append((payload, prev, at))
                prev = event_id
                if len(pending) >= _CHUNK:
                    stored = self._store(signed(signer, pending), made)
                    wrote = wrote or bool(stored)
                    out.extend(stored if keep else ())
                    pending = []
                    made = None if made is None else []
            stored = self._store(signed(signer, pending), made)
            wrote = wrote or bool(stored)
            out.extend(stored if keep else ())
            if wrote and checkpoint:
                signed_cp.append(self._checkpoints.sign_locked(device))
        self._checkpoints.remember(signed_cp)
        return out

    def receive(self, items: Iterable[tuple[bytes, bytes]]) -> list[Event]:
        """Store events signed elsewhere in one transaction (a sync bundle).

        Every event is checked before anything is written; one bad event rejects
        the whole batch. Events already held (same id, also within the batch) are
        skipped; the new ones are returned in the order given. A second event at
        an already used ``(device, seq)`` is stored too: it is fork evidence.

        Raises:
            LedgerIntegrityError: an event is malformed or badly signed, or comes
                from a device this workspace does not trust (nothing stored).
        """
        events = checked_many(list(items))
        with self._lock, Transaction(self._conn):
            if self._trust is not None:
                self._refuse_untrusted(self._trust(events), events)
            seen: set[str] = set()
            fresh: list[Row] = []
            for event in events:
                if event.id in seen:
                    continue
                seen.add(event.id)
                if not self._holds(event.id):
                    fresh.append(
                        (
                            event.id,
                            event.kind,
                            event.device,
                            event.seq,
                            event.raw,
                            event.signature,
                        )
                    )
            return self._store(fresh)

    def receive_bundle(
        self,
        items: Sequence[tuple[bytes, bytes]],
        notes: Sequence[bytes] = (),
        *,
        inspect: Callable[[list[Event], list[Checkpoint]], Sequence[Checkpoint]]
        | None = None,
    ) -> list[Event]:
        """Store a sync bundle: events and their feeds' checkpoints, all or nothing.

        Like :meth:`receive` (every event parsed and its signature checked, on
        two threads, before anything is written; untrusted devices refused),
        plus the checkpoints in ``notes`` (each signed by its feed's device,
        which must be trusted). ``inspect`` is called inside the write
        transaction with the checked events not yet held (in bundle order, each
        once) and the checkpoints, before anything is stored: it raises to
        refuse the bundle and returns the checkpoints to store, here and outside
        the database (those that match this ledger's feeds; a checkpoint that
        contradicts them is fork evidence the caller reports); without it all are.

        Raises:
            LedgerIntegrityError: an event or checkpoint is malformed, badly
                signed or from an untrusted device (nothing stored).
        """
        with gc_paused():  # a bundle of 100,000 events is one bulk pass
            events = checked_many(items)
            checkpoints = [open_checkpoint(note) for note in notes]
            own = None if self._signer is None else self._signer.device
            with self._lock, Transaction(self._conn):
                if self._trust is not None:
                    registry = self._trust(events)
                    self._refuse_untrusted(registry, events)
                    for cp in checkpoints:
                        if cp.device != own and cp.device not in registry.devices:
                            raise LedgerIntegrityError(
                                "checkpoint refused: signed by a device that is not "
                                "enrolled in this workspace; nothing was stored"
                            )
                seen = self._held([event.id for event in events])
                fresh: list[Event] = []
                for event in events:
                    if event.id not in seen:
                        seen.add(event.id)
                        fresh.append(event)
                keep = list(
                    checkpoints if inspect is None else inspect(fresh, checkpoints)
                )
                held = {
                    bytes(r[0])
                    for r in self._conn.execute("SELECT note FROM ledger_checkpoints")
                }
                self._conn.executemany(
                    "INSERT INTO ledger_checkpoints (device, size, note) VALUES (?, ?, ?)",
                    [
                        (cp.device, cp.size, cp.note)
                        for cp in {cp.note: cp for cp in keep}.values()
                        if cp.note not in held
                    ],
                )
                stored = self._store_checked(fresh)
            self._checkpoints.remember(keep)
            return stored

    def _store_checked(self, events: list[Event]) -> list[Event]:
        """:meth:`_store` for events :func:`checked_many` already parsed: the
        rows go in the same way, and the projectors get those events (with their
        positions) instead of a second parse of the same bytes."""
        if not events:
            return []
        first = self._insert(
            [(e.id, e.kind, e.device, e.seq, e.raw, e.signature) for e in events]
        )
        stored = [replace(e, rowid=first + i) for i, e in enumerate(events)]
        project(self._conn, self._projectors, stored)
        return stored

    def _insert(self, rows: list[Row]) -> int:
        """Insert rows at the next positions (inside the caller's transaction,
        which holds SQLite's write lock, so max + 1 is safe); return the first."""
        last = self._conn.execute(
            "SELECT coalesce(max(pos), 0) FROM ledger_events"
        ).fetchone()
        first = int(last[0]) + 1
        self._conn.executemany(
            "INSERT INTO ledger_events (pos, id, kind, device, seq, raw, signature)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(first + i, *row) for i, row in enumerate(rows)],
        )
        return first

    def _held(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored (looked up 500 at a time)."""
        held: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join("?" * len(part))
            held.update(
                str(r[0])
                for r in self._conn.execute(
                    f"SELECT id FROM ledger_events WHERE id IN ({marks})", part
                )
            )
        return held

    def _refuse_untrusted(self, registry: Registry, events: list[Event]) -> None:
        for event in events:
            reason = registry.why_not(event)
            if reason is not None:
                raise LedgerIntegrityError(
                    f"received event {event.id[:16]}… refused: {reason}; "
                    "nothing was stored"
                )

    def _holds(self, event_id: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM ledger_events WHERE id = ?", (event_id,)
            ).fetchone()
            is not None
        )

    def _store(self, rows: list[Row], made: list[_Made] | None = None) -> list[Event]:
        """Insert rows (inside the caller's transaction), then apply projectors.

        The transaction holds SQLite's write lock, so positions are assigned
        here (max + 1, ...) and the rows go in with one ``executemany``.
        ``made`` (see ``plain_json`` in :meth:`append`): each row's payload,
        ``prev`` and time as encoded, so the events are built without parsing
        their bytes back.
        """
        if not rows:
            return []
        conn = self._conn
        first = self._insert(rows)
        if made is None:
            stored = [
                Event.from_stored(row[4], row[5], rowid=first + i)
                for i, row in enumerate(rows)
            ]
        else:
            author = self._author
            stored = [
                Event(
                    id=event_id, kind=kind, payload=payload, author=author,
                    device=device, seq=seq, prev=prev, recorded_at=at,
                    signature=signature, raw=raw, rowid=first + i,
                )
                for i, ((event_id, kind, device, seq, raw, signature), (payload, prev, at))
                in enumerate(zip(rows, made, strict=True))
            ]  # fmt: skip
        project(conn, self._projectors, stored)
        return stored

    def _feed_head(self, device: str) -> tuple[int, str | None]:
        row = self._conn.execute(
            "SELECT seq, id FROM ledger_events WHERE device = ?"
            " ORDER BY seq DESC, pos ASC LIMIT 1",
            (device,),
        ).fetchone()
        return (0, None) if row is None else (int(row[0]), str(row[1]))

    # -- reading -------------------------------------------------------------

    def events(
        self,
        after_rowid: int = 0,
        *,
        kind: str | None = None,
        device: str | None = None,
    ) -> Iterator[Event]:
        """Yield events in arrival order after ``after_rowid`` (``Event.rowid``)."""
        sql = f"SELECT {_COLUMNS} FROM ledger_events WHERE pos > ?"
        args: list[object] = [after_rowid]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        if device is not None:
            sql += " AND device = ?"
            args.append(device)
        cur = self._conn.cursor()
        cur.row_factory = None
        cur.execute(sql + " ORDER BY pos", args)
        while rows := cur.fetchmany(1024):
            for pos, raw, signature in rows:
                yield Event.from_stored(raw, signature, rowid=int(pos))

    def latest(self, limit: int) -> list[Event]:
        """The newest ``limit`` events, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM ledger_events ORDER BY pos DESC LIMIT ?",
            (max(0, limit),),
        ).fetchall()
        return [
            Event.from_stored(bytes(raw), bytes(signature), rowid=int(pos))
            for pos, raw, signature in reversed(rows)
        ]

    def event(self, event_id: str) -> Event:
        """Return one event by id.

        Raises:
            UserInputError: no event has that id.
        """
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM ledger_events WHERE id = ?", (event_id,)
        ).fetchone()
        if row is None:
            raise UserInputError(f"no event with id {event_id[:64]}")
        return Event.from_stored(row[1], row[2], rowid=int(row[0]))

    def count(self) -> int:
        """Number of stored events (forks included)."""
        return int(
            self._conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
        )

    def head(self) -> tuple[int, str] | None:
        """(position, id) of the newest stored event; None for an empty ledger.

        One index lookup, whatever the size: events are only ever appended, so
        the newest one names the state of this database (a cache key).
        """
        row = self._conn.execute(
            "SELECT pos, id FROM ledger_events ORDER BY pos DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def devices(self) -> list[str]:
        """Hex keys of every device with events here, sorted."""
        rows = self._conn.execute(
            "SELECT DISTINCT device FROM ledger_events ORDER BY device"
        )
        return [str(r[0]) for r in rows]

    def feed_entries(self, device: str) -> Iterator[tuple[int, str, bytes]]:
        """(seq, id, Merkle leaf hash) of a device's stored events; see
        :func:`gawah.ledger.proofs.feed_entries`."""
        return feed_entries(self._conn, device)

    def state_digest(self) -> str:
        """SHA-256 over the sorted event ids: equal for equal sets of events."""
        digest = hashlib.sha256()
        cur = self._conn.cursor()
        cur.row_factory = None
        for (event_id,) in cur.execute("SELECT id FROM ledger_events ORDER BY id"):
            digest.update(str(event_id).encode("ascii") + b"\n")
        return digest.hexdigest()

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop every projection, replay all events in arrival order; return count.

        The projections' read-only indexes are built once, after the replay
        (:class:`~gawah.ledger.bulk.DeferredIndexes`), in the same transaction.
        """
        with self._lock, Transaction(self._conn):
            for projector in self._projectors:
                projector.drop(self._conn)
            for projector in self._projectors:
                projector.create(self._conn)
            deferred = DeferredIndexes(self._conn, self._projectors)
            deferred.drop()
            count = 0
            chunk: list[Event] = []
            for event in self.events():
                chunk.append(event)
                if len(chunk) == 1024:
                    project(self._conn, self._projectors, chunk)
                    count += len(chunk)
                    chunk = []
                    if progress is not None:
                        progress(count)
            project(self._conn, self._projectors, chunk)
            count += len(chunk)
            deferred.restore()
        return count


__all__ = ["EventLog"]


def stored_events(conn: sqlite3.Connection, kinds: Sequence[str]) -> Iterator[Event]:
    """The stored events of some kinds, in arrival order, for a projector's
    ``create`` that fills new tables from a ledger already written (projectors
    read the ledger through this, never its table). Rows whose bytes are damaged
    are skipped (``gawah ledger verify`` reports them); no ledger, no events.
    """
    if not kinds:
        return
    try:
        cur = conn.cursor()
        cur.row_factory = None
        marks = ", ".join("?" * len(kinds))
        cur.execute(
            f"SELECT {_COLUMNS} FROM ledger_events WHERE kind IN ({marks}) ORDER BY pos",
            list(kinds),
        )
    except sqlite3.OperationalError:
        return  # no ledger table in this database
    while rows := cur.fetchmany(4096):
        for pos, raw, signature in rows:
            try:
                yield Event.from_stored(raw, signature, rowid=int(pos))
            except LedgerIntegrityError:
                continue
