"""The RFC 6962 Merkle tree: hashes, roots, inclusion and consistency proofs.

Leaf hash ``SHA256(0x00 || d)``, node hash ``SHA256(0x01 || left || right)``; the
tree over ``n`` leaves splits at the largest power of two below ``n`` (RFC 6962
section 2.1). Verification follows the iterative algorithms of RFC 9162 sections
2.1.3.2 and 2.1.4.2, which check the proof length implicitly, so a proof with a
missing, extra or altered element is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree, ``SHA256()``."""


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (for ``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the tree head over ``leaf_hashes``.

    Pairs neighbours level by level and carries a lone last node up unchanged,
    which yields the same tree as RFC 6962's largest-power-of-two split.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    sha = hashlib.sha256
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        level = [
            sha(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if odd is not None:
            level.append(odd)
    return level[0]


class MerkleFrontier:
    """The root of a growing tree in ``O(log n)`` memory: leaves are added in order.

    Keeps one head per complete subtree on the tree's right edge (the "compact
    range" of RFC 9162 section 2.1.1 terms: at most one per bit of the size), so
    a checkpoint over a million-event feed holds about twenty hashes, not the
    feed's tree. Written here because it is a few lines over :func:`node_hash`;
    :meth:`root` equals :func:`merkle_root` over the same leaves.
    """

    def __init__(self) -> None:
        self._size = 0
        self._heads: list[bytes] = []  # subtree heads, largest (leftmost) first

    @property
    def size(self) -> int:
        """Number of leaves added."""
        return self._size

    def add(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        head = leaf
        size = self._size
        heads = self._heads
        # Each trailing 1 bit of the old size is a complete subtree of the same
        # height as ``head``: merge them, as a binary counter carries.
        while size & 1:
            head = node_hash(heads.pop(), head)
            size >>= 1
        heads.append(head)
        self._size += 1

    def root(self) -> bytes:
        """The tree head over the leaves added so far (RFC 6962)."""
        if not self._heads:
            return EMPTY_ROOT
        root = self._heads[-1]
        for head in reversed(self._heads[:-1]):
            root = node_hash(head, root)
        return root


class MerkleTree:
    """A tree over a fixed list of leaf hashes that answers proofs for any prefix.

    Subtree heads are memoised, so many proofs over one tree cost little.
    """

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._leaves = list(leaf_hashes)
        self._levels: list[list[bytes]] = []
        self._memo: dict[tuple[int, int], bytes] = {}

    def _perfect_levels(self) -> list[list[bytes]]:
        """Heads of every aligned complete subtree, built once, level by level.

        ``levels[j][i]`` covers leaves ``i * 2**j`` to ``(i + 1) * 2**j``: hashing
        each level in one pass costs far less than a memoised recursion.
        """
        if not self._levels:
            sha = hashlib.sha256
            level = self._leaves
            levels = [level]
            while len(level) > 1:
                level = [
                    sha(b"\x01" + level[i] + level[i + 1]).digest()
                    for i in range(0, len(level) - 1, 2)
                ]
                levels.append(level)
            self._levels = levels
        return self._levels

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._leaves)

    def _head(self, start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            return self._perfect_levels()[width.bit_length() - 1][start // width]
        key = (start, end)
        cached = self._memo.get(key)
        if cached is None:
            k = _split(end - start)
            cached = node_hash(self._head(start, start + k), self._head(start + k, end))
            self._memo[key] = cached
        return cached

    def root(self, size: int | None = None) -> bytes:
        """Return the head of the first ``size`` leaves (all leaves by default)."""
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ValueError("tree size out of range")
        return EMPTY_ROOT if n == 0 else self._head(0, n)

    def inclusion_path(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the audit path of leaf ``index`` (0-based) in the first ``size``."""
        n = self.size if size is None else size
        if not 0 <= index < n <= self.size:
            raise ValueError("leaf index or tree size out of range")
        path: list[bytes] = []
        start, end = 0, n
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self._head(start + k, end))
                end = start + k
            else:
                path.append(self._head(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_path(
        self, old_size: int, new_size: int | None = None
    ) -> list[bytes]:
        """Prove that the first ``old_size`` leaves prefix the first ``new_size``."""
        n = self.size if new_size is None else new_size
        if not 0 <= old_size <= n <= self.size:
            raise ValueError("tree sizes out of range")
        if old_size in (0, n):
            return []
        path: list[bytes] = []
        m, start, end, complete = old_size, 0, n, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                path.append(self._head(start + k, end))
                end = start + k
            else:
                path.append(self._head(start, start + k))
                m -= k
                start += k
                complete = False
        if not complete:
            path.append(self._head(start, end))
        path.reverse()
        return path


def root_from_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes]
) -> bytes | None:
    """Return the root that ``path`` implies for ``leaf`` at ``index``, or ``None``."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """Tell whether ``path`` proves leaf hash ``leaf`` at ``index`` under ``root``."""
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    path: Sequence[bytes],
) -> bool:
    """Tell whether ``path`` proves tree ``old_root`` is a prefix of ``new_root``."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not path
    if old_size == new_size:
        return not path and old_root == new_root
    if not path:
        return False
    nodes = list(path)
    if old_size & (old_size - 1) == 0:
        nodes.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
