"""Inclusion and consistency proofs for one device feed's Merkle tree.

A feed's tree has one leaf per ``seq``: the first-arrived event at that seq (a
fork's second copy is kept as evidence but is not in the tree).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from gawah.errors import UserInputError
from gawah.ledger.events import Event, blob
from gawah.ledger.merkle import (
    MerkleFrontier,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Proof that one event is leaf ``index`` of its device feed's tree of ``size``."""

    device: str
    event_id: str
    index: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root: bytes

    def verify(self, root: bytes | None = None) -> bool:
        """Check the proof against ``root`` (e.g. from a checkpoint you trust)."""
        want = self.root if root is None else root
        return verify_inclusion(self.index, self.size, self.leaf_hash, self.path, want)


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """Proof that a device feed's tree of ``old_size`` is a prefix of ``new_size``."""

    device: str
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: tuple[bytes, ...]

    def verify(
        self, old_root: bytes | None = None, new_root: bytes | None = None
    ) -> bool:
        """Check the proof, by default against the roots it carries."""
        return verify_consistency(
            self.old_size,
            self.new_size,
            self.old_root if old_root is None else old_root,
            self.new_root if new_root is None else new_root,
            self.path,
        )


def feed_size(conn: sqlite3.Connection, device: str) -> int:
    """Number of positions in a device feed (a forked seq counts once)."""
    row = conn.execute(
        "SELECT count(DISTINCT seq) FROM ledger_events WHERE device = ?", (device,)
    ).fetchone()
    return int(row[0])


def feed_entries(
    conn: sqlite3.Connection, device: str
) -> Iterator[tuple[int, str, bytes]]:
    """(seq, id, Merkle leaf hash) of every stored event of a device feed, by seq
    and then arrival (a fork's events share a seq), read in chunks, not parsed."""
    cur = conn.cursor()
    cur.row_factory = None
    cur.execute(
        "SELECT seq, id, raw FROM ledger_events WHERE device = ? ORDER BY seq, pos",
        (device,),
    )
    while rows := cur.fetchmany(4096):
        for seq, event_id, raw in rows:
            yield int(seq), str(event_id), leaf_hash(blob(raw))


def _feed_leaves(conn: sqlite3.Connection, device: str) -> Iterator[tuple[str, bytes]]:
    """(id, leaf hash) of each position of the feed: a forked seq's first arrival."""
    last = 0
    for seq, event_id, leaf in feed_entries(conn, device):
        if seq != last:
            last = seq
            yield event_id, leaf


def feed_tree(conn: sqlite3.Connection, device: str) -> tuple[MerkleTree, list[str]]:
    """The feed's tree and the id of the event at each leaf."""
    ids: list[str] = []
    hashes: list[bytes] = []
    for event_id, leaf in _feed_leaves(conn, device):
        ids.append(event_id)
        hashes.append(leaf)
    return MerkleTree(hashes), ids


def feed_root(conn: sqlite3.Connection, device: str) -> tuple[int, bytes]:
    """The feed's tree size and root, read in one pass in bounded memory.

    The same leaves as :func:`feed_tree`, folded into a :class:`MerkleFrontier`
    as they are read: signing a checkpoint after a million-row import holds no
    list of leaves and no tree.
    """
    frontier = MerkleFrontier()
    for _event_id, leaf in _feed_leaves(conn, device):
        frontier.add(leaf)
    return frontier.size, frontier.root()


def inclusion_proof(
    conn: sqlite3.Connection, event: Event, size: int | None = None
) -> InclusionProof:
    """Prove an event's place in its feed's tree (of ``size``, default: current).

    Raises:
        UserInputError: the event is a fork copy, or ``size`` does not contain it.
    """
    tree, ids = feed_tree(conn, event.device)
    if event.id not in ids:
        raise UserInputError("this event is a fork copy and is not in its feed's tree")
    index = ids.index(event.id)
    n = tree.size if size is None else size
    if not index < n <= tree.size:
        raise UserInputError(f"tree size {n} does not contain event at index {index}")
    return InclusionProof(
        device=event.device,
        event_id=event.id,
        index=index,
        size=n,
        leaf_hash=leaf_hash(event.raw),
        path=tuple(tree.inclusion_path(index, n)),
        root=tree.root(n),
    )


def consistency_proof(
    conn: sqlite3.Connection, device: str, old: int, new: int | None = None
) -> ConsistencyProof:
    """Prove the feed's tree of size ``old`` is a prefix of size ``new``.

    Raises:
        UserInputError: the sizes are outside the feed.
    """
    tree, _ids = feed_tree(conn, device)
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


class Proofs:
    """The proofs over the feeds of one workspace database (``Ledger.proofs``)."""

    def __init__(self, conn: sqlite3.Connection, event: Callable[[str], Event]) -> None:
        """``event`` finds a stored event by id (the log's)."""
        self._conn = conn
        self._event = event

    def inclusion(self, event_id: str, size: int | None = None) -> InclusionProof:
        """Prove an event's place in its feed's tree (of ``size``, default: current).

        Raises:
            UserInputError: no such event, a fork copy, or ``size`` does not
                contain it.
        """
        return inclusion_proof(self._conn, self._event(event_id), size)

    def consistency(
        self, device: str, old: int, new: int | None = None
    ) -> ConsistencyProof:
        """Prove the feed's tree of size ``old`` is a prefix of size ``new``."""
        return consistency_proof(self._conn, device, old, new)
