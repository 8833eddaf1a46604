"""Inclusion and consistency proofs for one device feed's Merkle tree."""

from __future__ import annotations

from dataclasses import dataclass

from gawah.ledger.merkle import verify_consistency, verify_inclusion


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
