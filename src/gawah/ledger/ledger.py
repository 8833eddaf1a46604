"""The append-only, signed event ledger over one SQLite database.

Appends run in one ``BEGIN IMMEDIATE`` transaction together with every
projector's ``apply``, and return only after ``COMMIT`` (WAL + ``synchronous=FULL``:
the WAL is fsynced before the commit returns). ``seq`` and ``prev`` are read from
the stored feed inside that transaction, never from a separate counter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from gawah.core import Clock, utc_now_iso
from gawah.errors import LedgerIntegrityError, UserInputError, WorkspaceError
from gawah.ledger._writing import Row, Transaction, checked, signed
from gawah.ledger.anchors import StateFile
from gawah.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from gawah.ledger.devices import EnrolledDevice, Registry, registry_of
from gawah.ledger.events import Event, Projector, Signer, encode_event, project
from gawah.ledger.merkle import MerkleTree, leaf_hash
from gawah.ledger.projections import (
    differing,
    projection_schema,
    recompute_digests,
    stored_digests,
)
from gawah.ledger.proofs import ConsistencyProof, InclusionProof
from gawah.ledger.verify import VerifyReport, verify_store

_COLUMNS = "pos, raw, signature"
_CHUNK = 2048


class Ledger:
    """Events, checkpoints and proofs of one workspace database."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        signer: Signer | None,
        author: str,
        projectors: Sequence[Projector] = (),
        clock: Clock = utc_now_iso,
        roots: Mapping[str, str] | None = None,
        state: StateFile | None = None,
    ) -> None:
        """``roots`` (hex key to name of the root authorities) turns on the trust
        checks of :mod:`gawah.ledger.devices` on receipt and in :meth:`verify`;
        without it any validly signed event is accepted (a bare ledger, as in
        tests of the log itself). ``state`` keeps the newest checkpoints outside
        the database (:mod:`gawah.ledger.anchors`).
        """
        self._roots = None if roots is None else dict(roots)
        self._state = state
        self._conn = conn
        self._signer = signer
        self._author = author
        self._projectors = tuple(projectors)
        self._clock = clock
        self._lock = threading.RLock()

    @property
    def projectors(self) -> tuple[Projector, ...]:
        """The projectors applied on every append, in order."""
        return self._projectors

    @property
    def device(self) -> str | None:
        """Hex public key of this workspace's signing device."""
        return self._signer.device if self._signer else None

    # -- writing -------------------------------------------------------------

    def append(self, kind: str, payload: dict[str, Any]) -> Event:
        """Sign and store one event; it is durable when this returns.

        No checkpoint is signed per single append (that would rehash the whole
        feed each time); :meth:`checkpoint` and ``Workspace.close`` sign one.
        """
        return self._append([(kind, payload)], checkpoint=False)[0]

    def append_many(
        self, items: Iterable[tuple[str, dict[str, Any]]], *, keep: bool = True
    ) -> list[Event]:
        """Sign and store many events in one transaction (all or nothing).

        ``items`` may be a generator; events are written in chunks while it is
        consumed, and a checkpoint of the feed is signed in the same transaction.
        ``keep=False`` returns no events (a million-row import need not hold them).
        """
        return self._append(items, checkpoint=True, keep=keep)

    def _append(
        self,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        checkpoint: bool,
        keep: bool = True,
    ) -> list[Event]:
        signer = self._require_signer()
        device = signer.device
        out: list[Event] = []
        wrote = False
        signed_cp: list[Checkpoint] = []
        with self._lock, self._transaction():
            seq, prev = self._feed_head(device)
            pending: list[tuple[str, str, str, int, bytes]] = []
            for kind, payload in items:
                if not isinstance(kind, str) or not kind:
                    raise UserInputError("an event kind must be a non-empty string")
                seq += 1
                raw = encode_event(
                    kind,
                    payload,
                    author=self._author,
                    device=device,
                    seq=seq,
                    prev=prev,
                    recorded_at=self._clock(),
                )
                event_id = hashlib.sha256(raw).hexdigest()
                pending.append((event_id, kind, device, seq, raw))
                prev = event_id
                if len(pending) >= _CHUNK:
                    stored = self._store(signed(signer, pending))
                    wrote = wrote or bool(stored)
                    out.extend(stored if keep else ())
                    pending = []
            stored = self._store(signed(signer, pending))
            wrote = wrote or bool(stored)
            out.extend(stored if keep else ())
            if wrote and checkpoint:
                signed_cp.append(self._sign_checkpoint_locked(device))
        self._remember(signed_cp)
        return out

    def _remember(self, checkpoints: list[Checkpoint]) -> None:
        """Keep committed checkpoints outside the database too (after COMMIT:
        a rolled-back checkpoint must never look like a lost tail)."""
        if self._state is not None and checkpoints:
            self._state.remember(checkpoints)

    def receive(self, raw: bytes, signature: bytes) -> Event | None:
        """Store an event signed elsewhere (sync); ``None`` if it is already held.

        The event's hash and signature are checked first. A second event at an
        already used ``(device, seq)`` is stored too: it is fork evidence.

        Raises:
            LedgerIntegrityError: the bytes are not a well-formed, validly signed event.
        """
        stored = self.receive_many([(raw, signature)])
        return stored[0] if stored else None

    def receive_many(self, items: Iterable[tuple[bytes, bytes]]) -> list[Event]:
        """Store many events signed elsewhere in one transaction (a sync bundle).

        Every event is checked before anything is written; one bad event rejects
        the whole batch. Events already held (same id, also within the batch) are
        skipped; the new ones are returned in the order given.

        Raises:
            LedgerIntegrityError: an event is malformed or badly signed, or comes
                from a device this workspace does not trust (nothing stored).
        """
        events = [checked(raw, signature) for raw, signature in items]
        with self._lock, self._transaction():
            if self._roots is not None:
                registry = registry_of(
                    self._conn, self._roots, own=self.device, extra=events
                )
                for event in events:
                    reason = registry.why_not(event)
                    if reason is not None:
                        raise LedgerIntegrityError(
                            f"received event {event.id[:16]}… refused: {reason}; "
                            "nothing was stored"
                        )
            seen: set[str] = set()
            fresh: list[Row] = []
            for event in events:
                if event.id in seen:
                    continue
                seen.add(event.id)
                known = self._conn.execute(
                    "SELECT 1 FROM ledger_events WHERE id = ?", (event.id,)
                ).fetchone()
                if not known:
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

    def add_checkpoint(self, note: bytes) -> Checkpoint:
        """Store a checkpoint signed by another device (kept verbatim)."""
        cp = open_checkpoint(note)
        with self._lock, self._transaction():
            if self._roots is not None and cp.device != self.device:
                known = self.registry().devices.get(cp.device)
                if known is None:
                    raise LedgerIntegrityError(
                        "checkpoint refused: signed by a device that is not "
                        "enrolled in this workspace; nothing was stored"
                    )
            self._conn.execute(
                "INSERT INTO ledger_checkpoints (device, size, note) VALUES (?, ?, ?)",
                (cp.device, cp.size, cp.note),
            )
        self._remember([cp])
        return cp

    def _store(self, rows: list[Row]) -> list[Event]:
        """Insert rows (inside the caller's transaction), then apply projectors.

        The transaction holds SQLite's write lock, so positions are assigned
        here (max + 1, ...) and the rows go in with one ``executemany``.
        """
        if not rows:
            return []
        conn = self._conn
        last = conn.execute(
            "SELECT coalesce(max(pos), 0) FROM ledger_events"
        ).fetchone()
        first = int(last[0]) + 1
        conn.executemany(
            "INSERT INTO ledger_events (pos, id, kind, device, seq, raw, signature)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(first + i, *row) for i, row in enumerate(rows)],
        )
        stored = [
            Event.from_stored(row[4], row[5], rowid=first + i)
            for i, row in enumerate(rows)
        ]
        project(conn, self._projectors, stored)
        return stored

    def _feed_head(self, device: str) -> tuple[int, str | None]:
        row = self._conn.execute(
            "SELECT seq, id FROM ledger_events WHERE device = ?"
            " ORDER BY seq DESC, pos ASC LIMIT 1",
            (device,),
        ).fetchone()
        return (0, None) if row is None else (int(row[0]), str(row[1]))

    def _require_signer(self) -> Signer:
        if self._signer is None:
            raise WorkspaceError("this workspace was opened without a signing key")
        return self._signer

    def _transaction(self) -> Transaction:
        return Transaction(self._conn)

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
                yield Event.from_stored(bytes(raw), bytes(signature), rowid=int(pos))

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
        return Event.from_stored(bytes(row[1]), bytes(row[2]), rowid=int(row[0]))

    def count(self) -> int:
        """Number of stored events (forks included)."""
        return int(
            self._conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
        )

    def devices(self) -> list[str]:
        """Hex keys of every device with events here, sorted."""
        rows = self._conn.execute(
            "SELECT DISTINCT device FROM ledger_events ORDER BY device"
        )
        return [str(r[0]) for r in rows]

    def feed_size(self, device: str) -> int:
        """Number of positions in a device feed (a forked seq counts once)."""
        row = self._conn.execute(
            "SELECT count(DISTINCT seq) FROM ledger_events WHERE device = ?", (device,)
        ).fetchone()
        return int(row[0])

    def _feed_tree(self, device: str) -> tuple[MerkleTree, list[str]]:
        """The feed's tree: one leaf per seq, the first-arrived event at that seq."""
        cur = self._conn.cursor()
        cur.row_factory = None
        rows = cur.execute(
            "SELECT seq, id, raw FROM ledger_events WHERE device = ? ORDER BY seq, pos",
            (device,),
        )
        ids: list[str] = []
        hashes: list[bytes] = []
        last = 0
        for seq, event_id, raw in rows:
            if seq == last:
                continue
            last = seq
            ids.append(str(event_id))
            hashes.append(leaf_hash(bytes(raw)))
        return MerkleTree(hashes), ids

    # -- checkpoints and proofs ---------------------------------------------

    def checkpoints(self, device: str | None = None) -> list[Checkpoint]:
        """Stored checkpoints (of one device, or all), oldest first, re-verified."""
        sql = "SELECT note FROM ledger_checkpoints"
        args: tuple[str, ...] = ()
        if device is not None:
            sql += " WHERE device = ?"
            args = (device,)
        rows = self._conn.execute(sql + " ORDER BY pos", args).fetchall()
        return [open_checkpoint(bytes(r[0])) for r in rows]

    def checkpoint(self, device: str | None = None) -> Checkpoint:
        """Return the newest signed checkpoint of a feed (own feed by default).

        For this workspace's own feed a fresh checkpoint is signed and stored when
        the feed has grown since the last one.

        Raises:
            UserInputError: a foreign device has no stored checkpoint.
        """
        own = self.device
        target = device or own
        if target is None:
            raise WorkspaceError("this workspace has no device key")
        if target == own and self._signer is not None:
            with self._lock, self._transaction():
                cp = self._sign_checkpoint_locked(target)
            self._remember([cp])
            return cp
        found = self.checkpoints(target)
        if not found:
            raise UserInputError(f"no checkpoint stored for device {target[:16]}…")
        return max(found, key=lambda cp: cp.size)

    def _sign_checkpoint_locked(self, device: str) -> Checkpoint:
        row = self._conn.execute(
            "SELECT note FROM ledger_checkpoints WHERE device = ?"
            " ORDER BY size DESC, pos DESC LIMIT 1",
            (device,),
        ).fetchone()
        size = self.feed_size(device)
        if row is not None:
            latest = open_checkpoint(bytes(row[0]))
            if latest.size >= size:
                return latest
        tree, _ids = self._feed_tree(device)
        signer = self._require_signer()
        cp = sign_checkpoint(signer, tree.size, tree.root())
        self._conn.execute(
            "INSERT INTO ledger_checkpoints (device, size, note) VALUES (?, ?, ?)",
            (device, cp.size, cp.note),
        )
        return cp

    def inclusion_proof(self, event_id: str, size: int | None = None) -> InclusionProof:
        """Prove an event's place in its feed's tree (of ``size``, default: current)."""
        event = self.event(event_id)
        tree, ids = self._feed_tree(event.device)
        if event_id not in ids:
            raise UserInputError(
                "this event is a fork copy and is not in its feed's tree"
            )
        index = ids.index(event_id)
        n = tree.size if size is None else size
        if not index < n <= tree.size:
            raise UserInputError(
                f"tree size {n} does not contain event at index {index}"
            )
        return InclusionProof(
            device=event.device,
            event_id=event_id,
            index=index,
            size=n,
            leaf_hash=leaf_hash(event.raw),
            path=tuple(tree.inclusion_path(index, n)),
            root=tree.root(n),
        )

    def consistency_proof(
        self, device: str, old: int, new: int | None = None
    ) -> ConsistencyProof:
        """Prove the feed's tree of size ``old`` is a prefix of size ``new``."""
        tree, _ids = self._feed_tree(device)
        n = tree.size if new is None else new
        if not 0 <= old <= n <= tree.size:
            raise UserInputError(
                f"sizes {old}..{n} are outside the feed (size {tree.size})"
            )
        return ConsistencyProof(
            device=device,
            old_size=old,
            new_size=n,
            old_root=tree.root(old),
            new_root=tree.root(n),
            path=tuple(tree.consistency_path(old, n)),
        )

    # -- whole-ledger checks -------------------------------------------------

    def verify(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        projections: bool = True,
    ) -> VerifyReport:
        """Check the database file, every event, chain link and checkpoint, and
        (with ``projections``) every projection table against a replay of the events.

        ``progress`` is called with the number of events checked so far.
        """
        database = _integrity(self._conn)
        if database is not None:
            return VerifyReport(events=0, devices=0, checkpoints=0, database=database)
        anchors = self._state.checkpoints() if self._state is not None else []
        replay: Callable[[], dict[str, str]] | None = None
        if projections and self._projectors:
            registry = None if self._roots is None else self.registry()
            replay = self._start_replay(registry)
        report = verify_store(
            self._conn,
            progress=progress,
            roots=self._roots,
            own=self.device,
            anchors=anchors,
        )
        if replay is None:
            return report
        schema = projection_schema(self._projectors)
        stored = stored_digests(self._conn, schema)
        try:
            expected = replay()
        except Exception as exc:  # a projector failing on stored data is a finding
            reason = f"replaying the events failed ({type(exc).__name__})"
            return dataclasses.replace(
                report, tables=(reason,), projections_checked=True
            )
        bad = differing(expected, stored)
        return dataclasses.replace(report, tables=tuple(bad), projections_checked=True)

    def _start_replay(self, registry: Registry | None) -> Callable[[], dict[str, str]]:
        """Start recomputing the projection digests; return what waits for them.

        On Linux, for a database file, the replay runs in a forked process with a
        read-only connection of its own while this process checks hashes and
        signatures: the replay is pure Python (one core), the signature checks
        use the other. Elsewhere, or for an in-memory database, it runs when
        waited for.
        """
        projectors = self._projectors
        path = _database_file(self._conn)
        if path is None or sys.platform != "linux":
            return lambda: recompute_digests(self._sound_events(registry), projectors)
        ctx = multiprocessing.get_context("fork")
        reader, writer = ctx.Pipe(duplex=False)

        def child() -> None:
            # Only a new connection is used here, never the parent's.
            try:
                conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
                ledger = Ledger(conn, signer=None, author="", projectors=projectors)
                events = ledger._sound_events(registry)
                writer.send(("ok", recompute_digests(events, projectors)))
            except BaseException as exc:
                writer.send(("error", type(exc).__name__))

        process = ctx.Process(target=child, daemon=True)
        process.start()
        writer.close()

        def wait() -> dict[str, str]:
            try:
                status, value = reader.recv()
            except EOFError:
                raise LedgerIntegrityError("the replay process ended early") from None
            finally:
                reader.close()
                process.join()
            if status != "ok":
                raise LedgerIntegrityError(f"replaying the events failed ({value})")
            return dict(value)

        return wait

    def _sound_events(self, registry: Registry | None = None) -> Iterator[Event]:
        """Stored events in arrival order, skipping rows that are not events and
        events the registry does not trust (verification reports both; neither
        was ever projected)."""
        cur = self._conn.cursor()
        cur.row_factory = None
        cur.execute(f"SELECT {_COLUMNS} FROM ledger_events ORDER BY pos")
        while rows := cur.fetchmany(1024):
            for pos, raw, signature in rows:
                try:
                    event = Event.from_stored(
                        bytes(raw), bytes(signature), rowid=int(pos)
                    )
                except LedgerIntegrityError:
                    continue
                if registry is None or registry.why_not(event) is None:
                    yield event

    # -- devices -------------------------------------------------------------

    def registry(self) -> Registry:
        """The trust state: roots, enrolled and revoked devices (see ``devices``)."""
        return registry_of(self._conn, self._roots or {}, own=self.device)

    def enrolled_devices(self) -> list[EnrolledDevice]:
        """Every device this ledger knows, roots first, revoked ones included."""
        devices = self.registry().devices.values()
        return sorted(devices, key=lambda d: (not d.root, d.name))

    def state_digest(self) -> str:
        """SHA-256 over the sorted event ids: equal for equal sets of events.

        Independent of arrival order, so two workspaces that hold the same events
        (in any order, from any sync path) print the same digest.
        """
        digest = hashlib.sha256()
        cur = self._conn.cursor()
        cur.row_factory = None
        for (event_id,) in cur.execute("SELECT id FROM ledger_events ORDER BY id"):
            digest.update(str(event_id).encode("ascii") + b"\n")
        return digest.hexdigest()

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop every projection, replay all events in arrival order; return count."""
        with self._lock, self._transaction():
            for projector in self._projectors:
                projector.drop(self._conn)
            for projector in self._projectors:
                projector.create(self._conn)
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
        return count


def _integrity(conn: sqlite3.Connection) -> str | None:
    """SQLite's own integrity check: ``None`` when it says ok, else its first line."""
    try:
        rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def _database_file(conn: sqlite3.Connection) -> Path | None:
    """The file of the connection's main database (``None`` when in memory)."""
    for row in conn.execute("PRAGMA database_list").fetchall():
        if row[1] == "main" and row[2]:
            return Path(str(row[2])).absolute()
    return None
