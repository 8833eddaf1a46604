"""Scrub: re-hash every blob and compare the store with the signed ledger events.

What was recorded is read from the signed events, never from the evidence
tables (anyone with the database file can edit a table; nobody without the
device key can sign an event). Every evidence event's Ed25519 signature is
checked, the events are folded into fresh in-memory tables, and those are
compared with the workspace's tables. Ways the store and tables can disagree
with the ledger, each reported by digest: a blob whose bytes no longer hash to
its name (*altered*), a blob a signed receipt records that is not there
(*missing*), a file no signed receipt records (*unknown*: planted, or left by a
crash between rename and commit), an item the tables list without any signed
receipt (*unsigned*: a row added, or its event removed), and tables that
differ from the signed events (*edited*: a row changed or deleted).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.signing

from gawah.evidence.ingest import blob_store
from gawah.evidence.model import CHAIN_KINDS, TIMESTAMPED, EvidenceWorkspace
from gawah.evidence.projection import PROJECTOR, TABLES


@dataclass(frozen=True, slots=True)
class StoreReport:
    """The outcome of a scrub; ``ok`` only if nothing disagrees."""

    checked: int
    altered: tuple[str, ...]
    missing: tuple[str, ...]
    unknown: tuple[str, ...]
    incomplete: tuple[str, ...] = ()  # interrupted ingests; never acknowledged
    unsigned: tuple[str, ...] = ()  # in the tables, no signed receipt in the ledger
    edited: tuple[str, ...] = ()  # tables differ from the signed events
    bad_events: tuple[str, ...] = ()  # evidence events whose signature fails

    @property
    def ok(self) -> bool:
        """True when every recorded blob is present and intact, and nothing else is.

        Incomplete uploads do not count: they were never acknowledged.
        """
        return not (
            self.altered
            or self.missing
            or self.unknown
            or self.unsigned
            or self.edited
            or self.bad_events
        )


def _signed_tables(ws: EvidenceWorkspace) -> tuple[sqlite3.Connection, list[str]]:
    """The evidence tables folded afresh from signature-checked events only."""
    fresh = sqlite3.connect(":memory:")
    PROJECTOR.create(fresh)
    events = [
        ev for kind in (*CHAIN_KINDS, TIMESTAMPED) for ev in ws.ledger.events(kind=kind)
    ]
    events.sort(key=lambda ev: int(ev.rowid))
    bad = []
    for ev in events:
        try:
            nacl.signing.VerifyKey(bytes.fromhex(ev.device)).verify(
                ev.raw, ev.signature
            )
        except (nacl.exceptions.BadSignatureError, ValueError):
            bad.append(ev.id)
            continue
        PROJECTOR.apply(fresh, ev)
    return fresh, bad


def _rows(conn: sqlite3.Connection, table: str) -> Counter[tuple[Any, ...]]:
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "seq"]
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
    return Counter(tuple(row) for row in rows)


def _compare(
    ws: EvidenceWorkspace, fresh: sqlite3.Connection
) -> tuple[set[str], set[str]]:
    """(digests with table rows but no signed receipt, digests whose rows differ)."""
    signed_items = {r[0] for r in fresh.execute("SELECT digest FROM evidence_items")}
    edited: set[str] = set()
    listed: set[str] = set()
    for table in TABLES:
        mine, theirs = _rows(ws.conn, table), _rows(fresh, table)
        key = 0  # digest, or event_id for timestamps: the first column
        if table != "evidence_timestamps":
            cols = [r[1] for r in ws.conn.execute(f"PRAGMA table_info({table})")]
            key = [c for c in cols if c != "seq"].index("digest")
        for row in (mine - theirs) + (theirs - mine):
            edited.add(str(row[key]))
        if table == "evidence_items":
            listed = {str(row[key]) for row in mine}
    unsigned = listed - signed_items
    return unsigned, edited - unsigned


def verify_store(
    ws: EvidenceWorkspace,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
    clean_incomplete: bool = False,
) -> StoreReport:
    """Re-hash every blob a signed receipt records; list every disagreement.

    Args:
        progress: called with 1 after each blob is hashed (for a progress bar).
        workers: hashing threads (``hashlib`` releases the GIL on large reads).
        clean_incomplete: delete temporary files of interrupted ingests
            (only while nothing else is ingesting into this workspace).
    """
    store = blob_store(ws)
    leftovers = store.incomplete()
    if clean_incomplete:
        for path in leftovers:
            path.unlink(missing_ok=True)
    fresh, bad_events = _signed_tables(ws)
    try:
        unsigned, edited = _compare(ws, fresh)
        recorded = {r[0] for r in fresh.execute("SELECT digest FROM evidence_items")}
    finally:
        fresh.close()
    on_disk = set(store.digests())
    missing = sorted(recorded - on_disk)
    unknown = sorted(
        (on_disk - recorded)
        | {str(p.relative_to(store.root)) for p in store.stray_files()}
    )
    present = sorted(recorded & on_disk)

    def check(digest: str) -> str | None:
        try:
            actual = store.rehash(digest)
        except OSError:
            actual = ""
        if progress is not None:
            progress(1)
        return None if actual == digest else digest

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        altered = [d for d in pool.map(check, present) if d is not None]
    return StoreReport(
        checked=len(present),
        altered=tuple(altered),
        missing=tuple(missing),
        unknown=tuple(unknown),
        incomplete=tuple(p.name for p in leftovers),
        unsigned=tuple(sorted(unsigned)),
        edited=tuple(sorted(edited)),
        bad_events=tuple(bad_events),
    )
