"""The checkpoints a ledger keeps: its own, signed as its feed grows, and its peers'.

Each is a signed note (:mod:`gawah.ledger.checkpoint`) stored verbatim in
``ledger_checkpoints`` and, once committed, also outside the database
(:class:`gawah.ledger.anchors.StateFile`), so that a shortened or missing
database is detected.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from gawah.errors import LedgerIntegrityError, UserInputError, WorkspaceError
from gawah.ledger._writing import Transaction
from gawah.ledger.anchors import StateFile
from gawah.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from gawah.ledger.devices import Registry
from gawah.ledger.events import Signer
from gawah.ledger.proofs import feed_root, feed_size


class Checkpoints:
    """Signing, storing and reading the checkpoints of one workspace database."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.RLock,
        *,
        signer: Signer | None,
        state: StateFile | None,
        registry: Callable[[], Registry] | None,
    ) -> None:
        """``registry`` gives the trust state when the workspace checks devices
        (a checkpoint of a device it does not know is refused)."""
        self._conn = conn
        self._lock = lock
        self._signer = signer
        self._state = state
        self._registry = registry

    def stored(self, device: str | None = None) -> list[Checkpoint]:
        """Stored checkpoints (of one device, or all), oldest first, re-verified."""
        sql = "SELECT note FROM ledger_checkpoints"
        args: tuple[str, ...] = ()
        if device is not None:
            sql += " WHERE device = ?"
            args = (device,)
        rows = self._conn.execute(sql + " ORDER BY pos", args).fetchall()
        return [open_checkpoint(bytes(r[0])) for r in rows]

    def newest(self, device: str | None = None) -> Checkpoint:
        """The newest checkpoint of a feed (own feed by default), signing one for
        the own feed when it grew since the last.

        Raises:
            UserInputError: a foreign device has no stored checkpoint.
        """
        own = None if self._signer is None else self._signer.device
        target = device or own
        if target is None:
            raise WorkspaceError("this workspace has no device key")
        if target == own:
            with self._lock, Transaction(self._conn):
                cp = self.sign_locked(target)
            self.remember([cp])
            return cp
        found = self.stored(target)
        if not found:
            raise UserInputError(f"no checkpoint stored for device {target[:16]}…")
        return max(found, key=lambda cp: cp.size)

    def sign_locked(self, device: str) -> Checkpoint:
        """Sign and store a checkpoint of the own feed unless the newest covers it
        (inside the caller's transaction; not yet kept outside the database)."""
        if self._signer is None:
            raise WorkspaceError("this workspace was opened without a signing key")
        row = self._conn.execute(
            "SELECT note FROM ledger_checkpoints WHERE device = ?"
            " ORDER BY size DESC, pos DESC LIMIT 1",
            (device,),
        ).fetchone()
        size = feed_size(self._conn, device)
        if row is not None:
            latest = open_checkpoint(bytes(row[0]))
            if latest.size >= size:
                return latest
        size, root = feed_root(self._conn, device)
        cp = sign_checkpoint(self._signer, size, root)
        self._insert(cp)
        return cp

    def add(self, note: bytes) -> Checkpoint:
        """Store a checkpoint signed by another device (kept verbatim)."""
        cp = open_checkpoint(note)
        own = None if self._signer is None else self._signer.device
        with self._lock, Transaction(self._conn):
            registry = self._registry
            if registry is not None and cp.device != own:
                reason = _refusal(registry(), cp)
                if reason is not None:
                    raise LedgerIntegrityError(
                        f"checkpoint refused: {reason}; nothing was stored"
                    )
            self._insert(cp)
        self.remember([cp])
        return cp

    def remember(self, checkpoints: list[Checkpoint]) -> None:
        """Keep committed checkpoints outside the database too (after COMMIT:
        a rolled-back checkpoint must never look like a lost tail)."""
        if self._state is not None and checkpoints:
            self._state.remember(checkpoints)

    def kept(self) -> list[Checkpoint]:
        """The checkpoints kept outside the database (none without a state file)."""
        return self._state.checkpoints() if self._state is not None else []

    def _insert(self, cp: Checkpoint) -> None:
        self._conn.execute(
            "INSERT INTO ledger_checkpoints (device, size, note) VALUES (?, ?, ?)",
            (cp.device, cp.size, cp.note),
        )


def _refusal(registry: Registry, cp: Checkpoint) -> str | None:
    """Why a peer's checkpoint is not accepted (None when it is)."""
    known = registry.devices.get(cp.device)
    if known is None:
        return "signed by a device that is not enrolled in this workspace"
    if known.revoked_after is not None and cp.size > known.revoked_after:
        return (
            f"signed by a revoked device for {cp.size} events, beyond the "
            f"{known.revoked_after} trusted before its revocation"
        )
    return None


__all__ = ["Checkpoints"]
