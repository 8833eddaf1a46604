"""Helpers of the write path: transactions, parallel signing, received-event checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import nacl.bindings
import nacl.exceptions

from gawah.errors import LedgerIntegrityError
from gawah.ledger.events import Event, Signer

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
        raise LedgerIntegrityError(
            f"received event {event.id[:16]}… has a bad signature"
        ) from None
    return event


_PART = 1024


def checked_many(items: Sequence[tuple[bytes, bytes]]) -> list[Event]:
    """:func:`checked` over many events; large batches on two threads.

    libsodium releases the GIL during signature checks, as in :func:`signed`, so
    one thread parses while the other checks a signature. The batch is cut into
    parts of :data:`_PART` that the two threads take in turn (a thread slowed by
    other jobs on the machine takes fewer); the events come back in order.
    """
    if len(items) < 512:
        keys: dict[str, bytes] = {}
        return [checked(raw, signature, keys) for raw, signature in items]

    def check_part(part: Sequence[tuple[bytes, bytes]]) -> list[Event]:
        keys: dict[str, bytes] = {}
        return [checked(raw, signature, keys) for raw, signature in part]

    parts = [items[i : i + _PART] for i in range(0, len(items), _PART)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return [event for part in pool.map(check_part, parts) for event in part]
