"""The key store: wrapped data keys and workspace secrets, beside the ledger.

``keys/data-keys.sqlite`` (mode 0600) is *not* part of the ledger and is not a
projection: ``gawah ledger rebuild`` leaves it alone, and deleting a row from it
is how a subject is erased (crypto-shredding). It holds nothing readable by
itself: every data key is wrapped to the custodians' public keys, every
workspace secret is sealed to this device's key.

Erasure: ``secure_delete`` makes SQLite overwrite deleted rows with zeros, and
the rollback journal (not WAL) is removed after each transaction. What a file
system or flash controller keeps of earlier blocks is out of reach of any
program; a remnant found there is still wrapped to the custodians.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import nacl.public

from gawah.sealing.crypto import WrappedKey

__all__ = ["KEY_STORE_FILE", "DataKeyStore"]

#: The key store's path inside a workspace folder.
KEY_STORE_FILE = Path("keys") / "data-keys.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS data_keys (
    key_id TEXT PRIMARY KEY, subject TEXT NOT NULL, ephemeral BLOB NOT NULL,
    wrapped TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS data_keys_subject ON data_keys (subject);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, sealed BLOB NOT NULL);
"""


class DataKeyStore:
    """Wrapped data keys by id and subject; secrets sealed to this device."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=DELETE")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the store's connection."""
        self._conn.close()

    @contextmanager
    def holding(self, cache_kib: int = 0) -> Iterator[None]:
        """One transaction around many :meth:`put_many` (a large import): they
        join it, and the keys become durable together when the block ends
        without an error (rolled back otherwise).

        Committing each batch rewrote, journal and fsync included, nearly every
        page of the key store's two indexes (ids and subjects are random); one
        transaction writes them once (an import's CPU time did not measurably
        change: the growth per row is the B-trees', docs/guides/import.md).
        ``cache_kib`` widens the page cache for the block (handed back after).
        """
        before = self._conn.execute("PRAGMA cache_size").fetchone()[0]
        if cache_kib:
            self._conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        try:
            with _Transaction(self._conn):
                yield
        finally:
            self._conn.execute(f"PRAGMA cache_size = {int(before)}")

    def put_many(self, keys: Iterable[WrappedKey]) -> None:
        """Store wrapped keys durably, all or none (inside :meth:`holding`: when
        that block commits)."""
        rows = [_row(k) for k in keys]
        with _Transaction(self._conn):
            self._conn.executemany(
                "INSERT OR REPLACE INTO data_keys VALUES (?, ?, ?, ?)", rows
            )

    def merge_many(self, keys: Iterable[WrappedKey]) -> int:
        """Store wrapped keys brought from another device, all or none; returns
        how many were new or gained a custodian.

        A key already held keeps its wrappings and gains the new ones; one held
        under another subject or session key is left as it is.
        """
        changed = 0
        with _Transaction(self._conn):
            for key in keys:
                held = self.get(key.key_id)
                if held is None:
                    merged = key
                elif (
                    held.subject != key.subject
                    or held.ephemeral != key.ephemeral
                    or key.wrapped.keys() <= held.wrapped.keys()
                ):
                    continue
                else:
                    merged = WrappedKey(
                        key.key_id,
                        key.subject,
                        key.ephemeral,
                        {**key.wrapped, **held.wrapped},
                    )
                self._conn.execute(
                    "INSERT OR REPLACE INTO data_keys VALUES (?, ?, ?, ?)",
                    _row(merged),
                )
                changed += 1
        return changed

    def get(self, key_id: str) -> WrappedKey | None:
        """The wrapped key with this id, or None (never stored, or erased)."""
        row = self._conn.execute(
            "SELECT subject, ephemeral, wrapped FROM data_keys WHERE key_id = ?",
            (key_id,),
        ).fetchone()
        if row is None:
            return None
        wrapped = {c: base64.b64decode(b) for c, b in json.loads(row[2]).items()}
        return WrappedKey(key_id, str(row[0]), bytes(row[1]), wrapped)

    def has_subject(self, subject: str) -> bool:
        """True when at least one data key of ``subject`` is still stored."""
        row = self._conn.execute(
            "SELECT 1 FROM data_keys WHERE subject = ? LIMIT 1", (subject,)
        ).fetchone()
        return row is not None

    def destroy(self, subjects: Iterable[str]) -> int:
        """Delete (and overwrite) every data key of these subjects; returns how many."""
        with _Transaction(self._conn):
            count = 0
            for subject in subjects:
                cursor = self._conn.execute(
                    "DELETE FROM data_keys WHERE subject = ?", (subject,)
                )
                count += cursor.rowcount
        return count

    def secret(self, name: str, private: nacl.public.PrivateKey) -> bytes | None:
        """A secret sealed to this device, opened with its private key; None if absent."""
        row = self._conn.execute(
            "SELECT sealed FROM secrets WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return bytes(nacl.public.SealedBox(private).decrypt(bytes(row[0])))

    def put_secret(self, name: str, value: bytes, public: bytes) -> None:
        """Store ``value`` sealed to ``public`` (this device's X25519 key)."""
        sealed = bytes(
            nacl.public.SealedBox(nacl.public.PublicKey(public)).encrypt(value)
        )
        with _Transaction(self._conn):
            self._conn.execute(
                "INSERT OR REPLACE INTO secrets VALUES (?, ?)", (name, sealed)
            )


def _row(key: WrappedKey) -> tuple[str, str, bytes, str]:
    wrapped = {c: base64.b64encode(b).decode("ascii") for c, b in key.wrapped.items()}
    return (key.key_id, key.subject, key.ephemeral, json.dumps(wrapped, sort_keys=True))


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``); joins an open one."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._outer = False

    def __enter__(self) -> None:
        self._outer = not self.conn.in_transaction
        if self._outer:
            self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._outer:
            self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
