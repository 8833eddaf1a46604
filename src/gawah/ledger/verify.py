"""Full verification of a ledger database: hashes, signatures, chains, checkpoints.

:func:`verify_store` works on any connection holding the ledger tables (a live
workspace, a copy, an in-memory database), re-hashes every stored event, checks
every Ed25519 signature, every per-device ``seq``/``prev`` link and every signed
checkpoint against a Merkle root recomputed from the stored bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gawah.errors import LedgerIntegrityError
from gawah.ledger.bulk import gc_paused
from gawah.ledger.checkpoint import Checkpoint, open_checkpoint
from gawah.ledger.devices import Registry, registry_of
from gawah.ledger.events import RAW_FIELDS, Event, Projector, parse_json
from gawah.ledger.merkle import MerkleTree
from gawah.ledger.projections import (
    Replay,
    differing,
    projection_schema,
    stored_digests,
)
from gawah.ledger.signatures import SignatureChecks, Signed, device_public_key

_CHUNK = 4096
_T = TypeVar("_T")
_KEYS = frozenset(RAW_FIELDS)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that failed verification; ``seq``/``event_id`` are set when known."""

    device: str
    seq: int | None
    event_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"device {self.device[:16]}…"
        if self.seq is not None:
            where += f" seq {self.seq}"
        if self.event_id:
            where += f" event {self.event_id[:16]}…"
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of :func:`verify_store`.

    ``ok`` is true when no problem was found; forks are reported separately
    (both events are intact evidence of a device equivocating) and do not make
    the ledger fail, nor do validly signed checkpoints of a forked device's
    other branch (``equivocations``). ``unanchored`` maps each device to the number of its events
    after its newest checkpoint: a truncation there cannot be detected locally.
    """

    events: int
    devices: int
    checkpoints: int
    problems: tuple[Problem, ...] = ()
    forked_devices: tuple[str, ...] = ()
    equivocations: tuple[Problem, ...] = ()
    unanchored: dict[str, int] = field(default_factory=dict)
    database: str | None = None
    tables: tuple[str, ...] = ()
    projections_checked: bool = False

    @property
    def ok(self) -> bool:
        """True when every event, link, checkpoint, the file and the tables verified."""
        return not self.problems and self.database is None and not self.tables

    @property
    def first_problem(self) -> Problem | None:
        """The first failure in arrival order (``None`` when intact)."""
        return self.problems[0] if self.problems else None

    def raise_for_problems(self) -> None:
        """Raise :class:`LedgerIntegrityError` naming the first problem, if any."""
        if self.database is not None:
            raise LedgerIntegrityError(
                f"the database file is damaged (SQLite integrity check: "
                f"{self.database})"
            )
        if self.problems:
            raise LedgerIntegrityError(f"ledger does not verify: {self.problems[0]}")
        if self.tables:
            raise LedgerIntegrityError(
                f"projection table {self.tables[0]} does not match the events "
                f"({len(self.tables)} table(s) differ): run `gawah ledger rebuild` "
                "to recompute them from the events"
            )


def _device_filter(devices: Collection[str] | None) -> tuple[str, list[str]]:
    if devices is None:
        return "", []
    chosen = sorted(devices)
    return f" WHERE device IN ({', '.join('?' * len(chosen))})", chosen


def _check_row(
    event_id: str,
    kind: str,
    device: str,
    seq: int,
    raw: bytes,
    registry: Registry | None,
) -> tuple[str | None, dict[str, Any] | None]:
    """Return (reason or None, the parsed event object) for one stored row.

    The object is returned whenever it parsed into the event fields (its
    ``prev`` links the chain even when the row fails a later check).
    """
    if hashlib.sha256(raw).hexdigest() != event_id:
        return "stored bytes do not hash to the event id", None
    try:
        obj = parse_json(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep
        return "stored bytes are not JSON", None
    if not isinstance(obj, dict) or obj.keys() != _KEYS:
        return "stored bytes do not hold the event fields", None
    prev = obj["prev"]
    if obj["device"] != device or obj["seq"] != seq or obj["kind"] != kind:
        return "indexed columns disagree with the signed bytes", None
    if (
        not (prev is None or isinstance(prev, str))
        or not isinstance(obj["payload"], dict)
        or type(obj["seq"]) is not int
        or type(obj["author"]) is not str
        or type(obj["recorded_at"]) is not str
        or type(kind) is not str
    ):
        return "event fields have the wrong types", None
    if registry is not None:
        untrusted = registry.why_not((device, seq, obj["author"]))
        if untrusted is not None:
            return untrusted, obj
    return None, obj


def _well_typed(
    event_id: object,
    kind: object,
    device: object,
    seq: object,
    raw: object,
    signature: object,
) -> bool:
    """Whether a stored row's columns hold the types the ledger writes."""
    return (
        type(event_id) is str
        and type(kind) is str
        and type(device) is str
        and type(seq) is int
        and isinstance(raw, bytes | memoryview)
        and isinstance(signature, bytes | memoryview)
    )


def _event(
    obj: dict[str, Any], event_id: str, raw: bytes, signature: bytes, pos: int
) -> Event:
    """The event of a row :func:`_check_row` accepted (without parsing it again)."""
    return Event(
        id=event_id,
        kind=obj["kind"],
        payload=obj["payload"],
        author=obj["author"],
        device=obj["device"],
        seq=obj["seq"],
        prev=obj["prev"],
        recorded_at=obj["recorded_at"],
        signature=bytes(signature),
        raw=raw,
        rowid=pos,
    )


# One stored row as the chain check sees it: seq, pos, id, prev, leaf hash.
_Entry = tuple[int, int, str, str | None, bytes]


def verify_store(
    conn: sqlite3.Connection,
    *,
    devices: Collection[str] | None = None,
    threads: int = 2,
    progress: Callable[[int], None] | None = None,
    roots: Mapping[str, str] | None = None,
    own: str | None = None,
    anchors: Sequence[Checkpoint] = (),
    replay: Callable[[list[Event]], None] | None = None,
) -> VerifyReport:
    """Verify every event and checkpoint in ``conn``; never raises on bad data.

    Args:
        conn: any connection holding the ledger tables.
        devices: verify only these device feeds (and their checkpoints).
        threads: workers checking signatures (processes on Linux, else threads;
            see :mod:`gawah.ledger.signatures`).
        progress: called with the number of events read so far, per chunk.
        roots: the workspace's root authorities (hex key to name); when given,
            every event must come from a trusted device (see
            :mod:`gawah.ledger.devices`) and carry its enrolled name.
        own: this workspace's own device (always trusted).
        anchors: checkpoints kept outside the database; a feed shorter than
            one of them, or whose root differs, is a problem.
        replay: called, chunk by chunk in arrival order, with the events that
            passed the content and trust checks (parsed once, here); their
            signatures are checked in parallel and reported as problems.
    """
    registry = None if roots is None else registry_of(conn, roots, own=own)
    where_sql, args = _device_filter(devices)
    problems: list[tuple[int, Problem]] = []
    cur = conn.cursor()
    cur.row_factory = None
    cur.arraysize = _CHUNK
    cur.execute(
        "SELECT pos, id, kind, device, seq, raw, signature"
        f" FROM ledger_events{where_sql} ORDER BY pos",
        args,
    )
    feeds, count = _scan(cur, registry, problems, threads, progress, replay)
    leaves, forked = _feed_leaves(feeds, problems)
    equivocations: list[Problem] = []
    checkpoints, anchored = _check_checkpoints(
        conn, leaves, problems, devices, set(forked), equivocations
    )
    _check_anchors(anchors, leaves, problems, devices)
    problems.sort(key=lambda item: item[0])
    unanchored = {d: len(lv) - anchored.get(d, 0) for d, lv in leaves.items()}
    return VerifyReport(
        events=count,
        devices=len(feeds),
        checkpoints=checkpoints,
        problems=tuple(p for _, p in problems),
        forked_devices=tuple(sorted(forked)),
        equivocations=tuple(equivocations),
        unanchored={d: n for d, n in sorted(unanchored.items()) if n},
    )


# Where a batch of signatures was, the batch, and the worker's answer for each.
_Pending = tuple[list[tuple[int, str, str, int]], list[Signed], Future[list[bool]]]


def _scan(
    cur: sqlite3.Cursor,
    registry: Registry | None,
    problems: list[tuple[int, Problem]],
    threads: int,
    progress: Callable[[int], None] | None,
    replay: Callable[[list[Event]], None] | None,
) -> tuple[dict[str, list[_Entry]], int]:
    """Check every row the cursor yields; return each device's entries in arrival
    order (for the chain check) and the number of rows.

    Signature checks run in worker processes (:mod:`gawah.ledger.signatures`)
    while this thread hashes, parses and replays the next chunk.
    """
    feeds: dict[str, list[_Entry]] = defaultdict(list)
    keys: dict[str, bytes | None] = {}
    count = 0
    sha256 = hashlib.sha256
    pending: list[_Pending] = []

    def collect(wait: bool) -> None:
        """Turn the answered batches (all of them when ``wait``) into problems."""
        while pending and (wait or pending[0][2].done()):
            where, batch, future = pending.pop(0)
            verdicts = SignatureChecks.answer(future, batch)
            for (pos, event_id, device, seq), good in zip(where, verdicts, strict=True):
                if not good:
                    bad = Problem(device, seq, event_id, "bad signature")
                    problems.append((pos, bad))

    with SignatureChecks(threads) as checks:
        while rows := cur.fetchmany():
            count += len(rows)
            if progress is not None:
                progress(count)
            batch: list[Signed] = []
            where: list[tuple[int, str, str, int]] = []
            sound: list[Event] = []
            for pos, event_id, kind, device, seq, raw, signature in rows:
                if not _well_typed(event_id, kind, device, seq, raw, signature):
                    # Edited by hand (SQLite keeps any type in any column).
                    wrong = "stored columns have the wrong types"
                    bad = Problem(str(device), None, str(event_id), wrong)
                    problems.append((pos, bad))
                    continue
                if type(raw) is not bytes:
                    raw = bytes(raw)
                reason, obj = _check_row(event_id, kind, device, seq, raw, registry)
                prev = None if obj is None else obj["prev"]
                feeds[device].append(
                    (seq, pos, event_id, prev, sha256(b"\x00" + raw).digest())
                )
                if reason:
                    problems.append((pos, Problem(device, seq, event_id, reason)))
                    continue
                public_key = keys.get(device, b"")
                if public_key == b"":
                    public_key = keys[device] = device_public_key(device)
                if public_key is None or len(signature) != 64:
                    bad = Problem(device, seq, event_id, "bad signature")
                    problems.append((pos, bad))
                    continue
                if replay is not None and obj is not None:
                    sound.append(_event(obj, event_id, raw, signature, pos))
                batch.append((bytes(signature), raw, public_key))
                where.append((pos, event_id, device, seq))
                if len(batch) >= _CHUNK // 4:
                    pending.append((where, batch, checks.submit(batch)))
                    batch, where = [], []
            if batch:
                pending.append((where, batch, checks.submit(batch)))
            if replay is not None:
                replay(sound)  # while the workers check this chunk's signatures
            collect(wait=False)
        collect(wait=True)
    return feeds, count


def _feed_leaves(
    feeds: dict[str, list[_Entry]], problems: list[tuple[int, Problem]]
) -> tuple[dict[str, list[bytes]], list[str]]:
    """Check each feed's chain; return its Merkle leaves (one per seq, the first
    arrived) and the devices that forked."""
    forked: list[str] = []
    leaves: dict[str, list[bytes]] = {}
    for device, entries in feeds.items():
        if _linear(entries):
            leaves[device] = [entry[4] for entry in entries]
            continue
        feed: dict[int, list[tuple[int, str, str | None, bytes]]] = defaultdict(list)
        for seq, pos, event_id, prev, leaf in entries:
            feed[seq].append((pos, event_id, prev, leaf))
        _check_chain(device, feed, problems, forked)
        leaves[device] = [feed[s][0][3] for s in sorted(feed)]
    return leaves, forked


def _linear(entries: list[_Entry]) -> bool:
    """Tell whether a feed arrived as seq 1, 2, ... n, each linked to the one before.

    That is the usual case and has nothing to report; anything else (gaps, forks,
    duplicates, late arrivals, broken links) goes through :func:`_check_chain`.
    """
    expected_prev: str | None = None
    for n, (seq, _pos, event_id, prev, _leaf) in enumerate(entries, start=1):
        if type(seq) is not int or seq != n or prev != expected_prev:
            return False
        expected_prev = event_id
    return True


def _check_chain(
    device: str,
    feed: dict[int, list[tuple[int, str, str | None, bytes]]],
    problems: list[tuple[int, Problem]],
    forked: list[str],
) -> None:
    """Check that the feed's seqs run 1..n without gaps and each ``prev`` links back."""
    expected = 1
    for seq in sorted(feed):
        entries = feed[seq]
        distinct = {e[1] for e in entries}
        if len(distinct) < len(entries):
            reason = "the same event is stored twice"
            problems.append(
                (entries[-1][0], Problem(device, seq, entries[-1][1], reason))
            )
        if len(distinct) > 1 and device not in forked:
            forked.append(device)
        if seq != expected:
            pos = entries[0][0]
            missing = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            reason = f"feed has a gap: seq {missing} missing"
            problems.append((pos, Problem(device, seq, entries[0][1], reason)))
            expected = seq
        previous_ids = {e[1] for e in feed.get(seq - 1, [])}
        for pos, event_id, prev, _raw in entries:
            if seq == 1 and prev is not None:
                reason = "first event of a feed must have no prev"
                problems.append((pos, Problem(device, seq, event_id, reason)))
            elif seq > 1 and previous_ids and prev not in previous_ids:
                reason = "prev does not match the previous event of the feed"
                problems.append((pos, Problem(device, seq, event_id, reason)))
        expected += 1


def _check_checkpoints(
    conn: sqlite3.Connection,
    leaves: dict[str, list[bytes]],
    problems: list[tuple[int, Problem]],
    devices: Collection[str] | None,
    forked: set[str],
    equivocations: list[Problem],
) -> tuple[int, dict[str, int]]:
    """Check each stored checkpoint's signature and its root against the stored feed.

    On a forked device a validly signed checkpoint of the *other* branch is
    equivocation evidence, kept and reported, not a storage failure.
    """
    trees = {device: MerkleTree(lv) for device, lv in leaves.items()}
    anchored: dict[str, int] = {}
    cur = conn.cursor()
    cur.row_factory = None
    where_sql, args = _device_filter(devices)
    rows = cur.execute(
        "SELECT pos, device, size, note FROM ledger_checkpoints"
        f"{where_sql} ORDER BY pos",
        args,
    ).fetchall()
    # Checkpoint problems sort after every event problem: events come first.
    offset = 1 << 62
    for pos, device, size, note in rows:
        try:
            cp = open_checkpoint(bytes(note))
        except LedgerIntegrityError as exc:
            problems.append(
                (
                    offset + pos,
                    Problem(str(device), None, None, f"checkpoint {pos}: {exc}"),
                )
            )
            continue
        if cp.device != device or cp.size != size:
            reason = f"checkpoint {pos}: indexed columns disagree with the signed note"
            problems.append((offset + pos, Problem(str(device), None, None, reason)))
            continue
        tree = trees.get(cp.device)
        have = tree.size if tree else 0
        if cp.size > have:
            reason = (
                f"checkpoint {pos}: signed size {cp.size} but only {have} events "
                "stored "
                "(the feed was truncated)"
            )
            problems.append((offset + pos, Problem(cp.device, None, None, reason)))
            continue
        root = tree.root(cp.size) if tree else None
        if root != cp.root and cp.device in forked:
            reason = (
                f"checkpoint {pos}: signed root of another branch at size {cp.size}"
            )
            equivocations.append(Problem(cp.device, None, None, reason))
            continue
        if root != cp.root:
            reason = (
                f"checkpoint {pos}: root does not match the stored feed "
                f"at size {cp.size}"
            )
            problems.append((offset + pos, Problem(cp.device, None, None, reason)))
            continue
        anchored[cp.device] = max(anchored.get(cp.device, 0), cp.size)
    return len(rows), anchored


SHORTER = "the ledger is shorter than its last checkpoint"


def _check_anchors(
    anchors: Sequence[Checkpoint],
    leaves: dict[str, list[bytes]],
    problems: list[tuple[int, Problem]],
    devices: Collection[str] | None,
) -> None:
    """Check the checkpoints kept outside the database against the stored feeds.

    These survive a deleted tail, an emptied table or a replaced database file,
    which the checkpoints stored inside the database cannot.
    """
    offset = 1 << 61
    for n, cp in enumerate(anchors):
        if devices is not None and cp.device not in devices:
            continue
        feed = leaves.get(cp.device, [])
        if len(feed) < cp.size:
            reason = (
                f"{SHORTER}: the checkpoint kept outside the database says "
                f"{cp.size} events, {len(feed)} stored"
            )
            problems.append((offset + n, Problem(cp.device, None, None, reason)))
        elif MerkleTree(feed).root(cp.size) != cp.root:
            reason = (
                "the stored feed differs from the checkpoint kept outside the "
                f"database at size {cp.size}"
            )
            problems.append((offset + n, Problem(cp.device, None, None, reason)))


def verify_ledger(
    conn: sqlite3.Connection,
    projectors: Sequence[Projector],
    *,
    progress: Callable[[int], None] | None = None,
    roots: Mapping[str, str] | None = None,
    own: str | None = None,
    anchors: Sequence[Checkpoint] = (),
    projections: bool = True,
) -> VerifyReport:
    """Check the database file, every event, chain link and checkpoint, and
    (with ``projections``) every projection table against a replay of the events.

    One pass over the events: each is hashed and parsed once, its signature
    checked by worker processes (:mod:`gawah.ledger.signatures`), and (with
    ``projections``) replayed into the projectors in a scratch database on this
    thread, while another thread runs SQLite's integrity check through a
    connection of its own (SQLite releases the GIL, and the workers share none
    with this thread, so the work spreads over two cores). The stored
    tables are then compared with the replay's inside SQLite. A damaged file is
    reported as such (and nothing else), as if the integrity check had run
    first.
    """
    damaged = _integrity_in_background(conn)
    try:
        with gc_paused():
            report = _verify_events(
                conn,
                projectors,
                progress=progress,
                roots=roots,
                own=own,
                anchors=anchors,
                projections=projections,
            )
    except Exception:
        # Reading a damaged file can fail anywhere; the integrity check says why.
        database = damaged()
        if database is None:
            raise
        return VerifyReport(events=0, devices=0, checkpoints=0, database=database)
    database = damaged()
    if database is not None:
        return VerifyReport(events=0, devices=0, checkpoints=0, database=database)
    return report


def _verify_events(
    conn: sqlite3.Connection,
    projectors: Sequence[Projector],
    *,
    progress: Callable[[int], None] | None,
    roots: Mapping[str, str] | None,
    own: str | None,
    anchors: Sequence[Checkpoint],
    projections: bool,
) -> VerifyReport:
    """:func:`verify_ledger` without the integrity check."""
    if not (projections and projectors):
        return verify_store(
            conn, progress=progress, roots=roots, own=own, anchors=anchors
        )
    schema = projection_schema(projectors)
    replay = Replay(projectors)
    try:
        report = verify_store(
            conn,
            progress=progress,
            roots=roots,
            own=own,
            anchors=anchors,
            replay=replay.feed,
        )
        if replay.failure is not None:
            tables: list[str] = [replay.failure]
        else:
            tables = _differing_tables(conn, replay, schema)
    finally:
        replay.close()
    return dataclasses.replace(report, tables=tuple(tables), projections_checked=True)


def _differing_tables(
    conn: sqlite3.Connection, replay: Replay, schema: dict[str, list[str]]
) -> list[str]:
    """The projection tables of ``conn`` that differ from the replay's.

    A database file is attached to the replay's and compared table by table
    (:meth:`Replay.differing`); one in memory, which no second connection can
    read, is digested on both sides. A file that cannot be read is a finding.
    """
    file = _database_file(conn)
    try:
        if file is not None:
            return replay.differing(file, schema)
        return differing(replay.digests(schema), stored_digests(conn, schema))
    except Exception as exc:  # a finding, never a traceback
        raise LedgerIntegrityError(
            f"the projection tables could not be read ({type(exc).__name__})"
        ) from None


def _integrity(conn: sqlite3.Connection) -> str | None:
    """SQLite's own integrity check: ``None`` when it says ok, else its first line."""
    try:
        rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def _integrity_in_background(conn: sqlite3.Connection) -> Callable[[], str | None]:
    """Start :func:`_integrity` in the background; return what waits for its
    answer (a failure to run it is itself the answer)."""
    wait = _in_background(conn, _integrity, "gawah-integrity")

    def answer() -> str | None:
        try:
            return wait()
        except sqlite3.Error as exc:  # the file could not even be opened
            return str(exc)
        except Exception as exc:  # handed over as a finding, never a traceback
            return f"the integrity check failed ({type(exc).__name__})"

    return answer


def _in_background(
    conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], _T], name: str
) -> Callable[[], _T]:
    """Run ``work`` on a thread named ``name`` through a read-only connection of
    its own to ``conn``'s database file; return what waits for its result (it
    may be called more than once; an exception ``work`` raised, or opening the
    connection, is raised there, on the waiting thread).

    Not memory-mapped: mapped, the integrity check took about 40 % less CPU, but
    a file truncated or unreadable under the mapping (a failing USB stick) stops
    the process with SIGBUS instead of an error verify can report.

    An in-memory database has no second connection: ``work`` then runs on
    ``conn`` when first waited for.
    """
    result: list[_T] = []
    failure: list[Exception] = []
    path = _database_file(conn)

    def run(connection: sqlite3.Connection) -> None:
        try:
            result.append(work(connection))
        except Exception as exc:  # handed to the waiting thread
            failure.append(exc)

    def in_thread(file: Path) -> None:
        try:
            own = sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            failure.append(exc)
            return
        try:
            run(own)
        finally:
            own.close()

    thread: threading.Thread | None = None
    if path is not None:
        thread = threading.Thread(
            target=in_thread, args=(path,), name=name, daemon=True
        )
        thread.start()

    def wait() -> _T:
        if thread is not None:
            thread.join()
        elif not result and not failure:
            run(conn)
        if failure:
            raise failure[0]
        if not result:
            raise RuntimeError(f"{name} stopped without an answer")
        return result[0]

    return wait


def _database_file(conn: sqlite3.Connection) -> Path | None:
    """The file of the connection's main database (``None`` when in memory)."""
    for row in conn.execute("PRAGMA database_list").fetchall():
        if row[1] == "main" and row[2]:
            return Path(str(row[2])).absolute()
    return None
