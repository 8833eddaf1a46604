"""Helpers of the write path: transactions, parallel signing, received-event checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import nacl.bindings
import nacl.exceptions

from gawah.errors import LedgerIntegrityError
from gawah.ledger.events import Event, Signer
from gawah.ledger.signatures import SignatureChecks, Signed, device_public_key

Row = tuple[str, str, str, int, bytes, bytes]
"""A stored event row: id, kind, device, seq, raw, signature."""


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``); joins an open transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._outer = False

    def __enter__(self) -> None:
        self._outer = not self._conn.in_transaction
        if self._outer:
            self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._outer:
            return
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")


def signed(signer: Signer, rows: list[tuple[str, str, str, int, bytes]]) -> list[Row]:
    """Sign a chunk of encoded events; large chunks are signed on two threads.

    libsodium releases the GIL, so two threads use both cores of a small machine.
    """
    if len(rows) < 256:
        return [(*row, signer.sign(row[4])) for row in rows]
    half = len(rows) // 2

    def sign_part(part: list[tuple[str, str, str, int, bytes]]) -> list[bytes]:
        return [signer.sign(row[4]) for row in part]

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(sign_part, [rows[:half], rows[half:]])
    return [(*row, sig) for row, sig in zip(rows, first + second, strict=True)]


def checked(
    raw: bytes, signature: bytes, keys: dict[str, bytes] | None = None
) -> Event:
    """Parse a received event and check its signature by its own device key.

    ``keys`` caches device keys (hex to bytes) across calls.
    """
    event = Event.from_stored(raw, signature)
    try:
        key = None if keys is None else keys.get(event.device)
        if key is None:
            key = bytes.fromhex(event.device)
            if keys is not None:
                keys[event.device] = key
        nacl.bindings.crypto_sign_open(event.signature + event.raw, key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        raise _bad_signature(event) from None
    return event


_PART = 1024


def checked_many(items: Sequence[tuple[bytes, bytes]]) -> list[Event]:
    """:func:`checked` over many events, the signatures checked beside the parsing.

    This thread parses each event (its JSON, fields and id) and hands the
    signatures over in batches of :data:`_PART` to
    :class:`~gawah.ledger.signatures.SignatureChecks`, whose worker processes
    check them on the other core meanwhile (two threads that both parsed and
    checked, as before, waited on each other for the GIL around every check).
    The first event in order that is malformed or badly signed is the one
    reported, as :func:`checked` on each in turn would.
    """
    if len(items) < 512:
        keys: dict[str, bytes] = {}
        return [checked(raw, signature, keys) for raw, signature in items]
    events: list[Event] = []
    public: dict[str, bytes | None] = {}
    pending: list[tuple[list[int], list[Signed], Future[list[bool]]]] = []
    unsigned: int | None = None  # the first event whose device is not a key
    malformed: LedgerIntegrityError | None = None
    with SignatureChecks(2) as checks:
        where: list[int] = []
        batch: list[Signed] = []
        for raw, signature in items:
            try:
                event = Event.from_stored(raw, signature)
            except LedgerIntegrityError as exc:
                malformed = exc  # reported unless a signature before it is bad
                break
            key = public.get(event.device, b"")
            if key == b"":
                key = public[event.device] = device_public_key(event.device)
            if key is None:
                unsigned = len(events)
                events.append(event)
                break
            where.append(len(events))
            events.append(event)
            batch.append((event.signature, event.raw, key))
            if len(batch) == _PART:
                pending.append((where, batch, checks.submit(batch)))
                where, batch = [], []
        if batch:
            pending.append((where, batch, checks.submit(batch)))
        for where, batch, future in pending:
            verdicts = SignatureChecks.answer(future, batch)
            for index, good in zip(where, verdicts, strict=True):
                if not good:
                    raise _bad_signature(events[index])
    if unsigned is not None:
        raise _bad_signature(events[unsigned])
    if malformed is not None:
        raise malformed
    return events


def _bad_signature(event: Event) -> LedgerIntegrityError:
    return LedgerIntegrityError(f"received event {event.id[:16]}… has a bad signature")
