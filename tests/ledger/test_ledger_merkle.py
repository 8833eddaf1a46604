"""RFC 6962 Merkle tree: published vectors, exhaustive proofs, corruption probes (S01, S02)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from pymerkle import InmemoryTree

from gawah.ledger import (
    MerkleFrontier,
    MerkleTree,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)
from gawah.ledger.merkle import EMPTY_ROOT, root_from_inclusion
from gawah.workspace import Workspace

# RFC 6962 reference vectors as published in transparency-dev/merkle proof/verify_test.go.
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
H96A = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H5F0 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H6B4 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
HBC1 = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
HCA8 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
HD37 = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
HFAC = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
H6E3 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
H0EB = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
HB08 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
# (1-based leaf, tree size, path)
INCLUSION = [
    (1, 8, [H96A, H5F0, H6B4]),
    (6, 8, [HBC1, HCA8, HD37]),
    (3, 3, [HFAC]),
    (2, 5, [H6E3, H5F0, HBC1]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [H96A, H5F0, H6B4]),
    (6, 8, [H0EB, HCA8, HD37]),
    (2, 5, [H5F0, HBC1]),
    (6, 7, [H0EB, HB08, HD37]),
]
SOME_HASH = bytes.fromhex(
    "abacaba000000000000000000000000000000000000000000060061e00123456"
)


def _tree(n: int) -> MerkleTree:
    return MerkleTree([leaf_hash(i.to_bytes(4, "big")) for i in range(n)])


def _inclusion_probes(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> list[tuple[int, int, bytes, list[bytes], bytes]]:
    """The transparency-dev corruption probes for one good inclusion proof."""
    p = list(path)
    probes = [
        (index - 1, size, leaf, p, root),
        (index + 1, size, leaf, p, root),
        (index ^ 2, size, leaf, p, root),
        (index, size * 2, leaf, p, root),
        (index, size // 2, leaf, p, root),
        (index, size, b"WrongLeaf", p, root),
        (index, size, leaf, p, EMPTY_ROOT),
        (index, size, leaf, p, SOME_HASH),
        (index, size, leaf, [*p, b""], root),
        (index, size, leaf, [*p, root], root),
        (index, size, leaf, [b"", *p], root),
        (index, size, leaf, [root, *p], root),
    ]
    for i in range(len(p)):
        wrong = list(p)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, leaf, wrong, root))
    if p:
        probes.append((index, size, leaf, p[:-1], root))
    if len(p) > 1:
        probes.append((index, size, leaf, [p[0], SOME_HASH, *p[1:]], root))
    return probes


def _consistency_probes(
    m: int, n: int, r1: bytes, r2: bytes, path: Sequence[bytes]
) -> list[tuple[int, int, bytes, bytes, list[bytes]]]:
    """The transparency-dev corruption probes for one good consistency proof."""
    p = list(path)
    probes = [
        (m - 1, n, r1, r2, p),
        (m + 1, n, r1, r2, p),
        (m ^ 2, n, r1, r2, p),
        (m, n * 2, r1, r2, p),
        (m, n // 2, r1, r2, p),
        (m, n, b"WrongRoot", r2, p),
        (m, n, r1, b"WrongRoot", p),
        (m, n, r2, r1, p),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*p, b""]),
        (m, n, r1, r2, [*p, r1]),
        (m, n, r1, r2, [*p, r2]),
        (m, n, r1, r2, [b"", *p]),
        (m, n, r1, r2, [r1, *p]),
        (m, n, r1, r2, [r2, *p]),
        (m, n, r1, r2, [p[0], *p]),
        (m, n, r1, r2, p[:-1]),
    ]
    for i in range(len(p)):
        wrong = list(p)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((m, n, r1, r2, wrong))
    return probes


class TestRFC6962Vectors:
    def test_roots_of_the_eight_reference_leaves(self) -> None:
        """The 8 published tree heads are reproduced (8/8)."""
        hashes = [leaf_hash(d) for d in LEAVES]
        tree = MerkleTree(hashes)
        got = [tree.root(n) for n in range(1, 9)]
        assert got == ROOTS
        assert [merkle_root(hashes[:n]) for n in range(1, 9)] == ROOTS

    def test_inclusion_vectors(self) -> None:
        """The 4 published inclusion paths match byte for byte and verify."""
        tree = MerkleTree([leaf_hash(d) for d in LEAVES])
        checked = 0
        for leaf, size, path in INCLUSION:
            want = [bytes.fromhex(h) for h in path]
            assert tree.inclusion_path(leaf - 1, size) == want
            assert verify_inclusion(
                leaf - 1, size, leaf_hash(LEAVES[leaf - 1]), want, ROOTS[size - 1]
            )
            checked += 1
        assert checked == 4

    def test_consistency_vectors(self) -> None:
        """The published consistency paths match byte for byte and verify."""
        tree = MerkleTree([leaf_hash(d) for d in LEAVES])
        checked = 0
        for m, n, path in CONSISTENCY:
            want = [bytes.fromhex(h) for h in path]
            assert tree.consistency_path(m, n) == want
            assert verify_consistency(m, n, ROOTS[m - 1], ROOTS[n - 1], want)
            checked += 1
        assert checked == 5

    def test_empty_tree_root(self) -> None:
        """The empty tree's head is SHA-256 of nothing."""
        assert merkle_root([]).hex().startswith("e3b0c442")

    def test_single_entry_edge_cases(self) -> None:
        """A one-leaf tree proves its leaf with an empty path and nothing else."""
        h = leaf_hash(b"data")
        assert verify_inclusion(0, 1, h, [], h)
        assert not verify_inclusion(0, 1, b"", [], h)
        assert not verify_inclusion(0, 1, h, [], b"")
        for index, size in ((0, 0), (1, 0), (2, 1)):
            assert not verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)

    def test_trivial_consistency_cases(self) -> None:
        """Equal sizes need equal roots and an empty proof; shrinking is refused."""
        r1, r2 = b"don't care 1", b"don't care 2"
        assert verify_consistency(0, 0, r1, r1, [])
        assert verify_consistency(0, 1, r1, r2, [])
        assert verify_consistency(1, 1, r2, r2, [])
        assert not verify_consistency(1, 1, r1, r2, [])
        assert not verify_consistency(1, 0, r1, r2, [])
        assert not verify_consistency(2, 1, r1, r2, [])
        assert not verify_consistency(1, 2, r1, r2, [])
        assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


class TestExhaustive:
    def test_every_inclusion_proof_up_to_256(self) -> None:
        """All inclusion proofs for every i < n <= 256 verify (32,896 proofs)."""
        tree = _tree(256)
        checked = 0
        for n in range(1, 257):
            root = tree.root(n)
            for i in range(n):
                path = tree.inclusion_path(i, n)
                assert root_from_inclusion(i, n, tree._leaves[i], path) == root
                checked += 1
        assert checked == 32_896

    def test_every_consistency_proof_up_to_128(self) -> None:
        """All consistency proofs for 1 <= m < n <= 128 verify (8,128 proofs)."""
        tree = _tree(128)
        roots = [tree.root(n) for n in range(129)]
        checked = 0
        for n in range(2, 129):
            for m in range(1, n):
                path = tree.consistency_path(m, n)
                assert verify_consistency(m, n, roots[m], roots[n], path)
                checked += 1
        assert checked == 8_128

    def test_roots_match_pymerkle_oracle(self) -> None:
        """Tree heads equal pymerkle's (an independent implementation) for n <= 1,024."""
        oracle = InmemoryTree(algorithm="sha256")
        data = [i.to_bytes(4, "big") for i in range(1024)]
        tree = MerkleTree([leaf_hash(d) for d in data])
        for d in data:
            oracle.append_entry(d)
        checked = 0
        for n in range(1, 1025):
            assert tree.root(n) == oracle.get_state(n)
            checked += 1
        assert checked == 1024


class TestCorruptionProbes:
    def test_no_corrupted_proof_is_accepted(self) -> None:
        """The transparency-dev probe set: 0 of >= 50,000 corrupted proofs accepted."""
        rng = random.Random(19481210)
        tree = _tree(96)
        probes = accepted = 0
        for n in range(1, 97):
            root = tree.root(n)
            for i in rng.sample(range(n), min(n, 12)):
                leaf = tree._leaves[i]
                path = tree.inclusion_path(i, n)
                assert verify_inclusion(i, n, leaf, path, root)
                for args in _inclusion_probes(i, n, leaf, path, root):
                    probes += 1
                    accepted += verify_inclusion(*args)
        for n in range(2, 97):
            for m in range(1, n):
                r1, r2 = tree.root(m), tree.root(n)
                path = tree.consistency_path(m, n)
                assert verify_consistency(m, n, r1, r2, path)
                for args in _consistency_probes(m, n, r1, r2, path):
                    probes += 1
                    accepted += verify_consistency(*args)
        assert probes >= 50_000
        assert accepted == 0

    @pytest.mark.slow
    def test_every_probe_of_every_proof(self) -> None:
        """All probes of all inclusion (n <= 256) and consistency (n <= 128) proofs."""
        tree = _tree(256)
        probes = accepted = 0
        for n in range(1, 257):
            root = tree.root(n)
            for i in range(n):
                leaf, path = tree._leaves[i], tree.inclusion_path(i, n)
                for args in _inclusion_probes(i, n, leaf, path, root):
                    probes += 1
                    accepted += verify_inclusion(*args)
        for n in range(2, 129):
            for m in range(1, n):
                r1, r2 = tree.root(m), tree.root(n)
                path = tree.consistency_path(m, n)
                for args in _consistency_probes(m, n, r1, r2, path):
                    probes += 1
                    accepted += verify_consistency(*args)
        assert probes >= 500_000
        assert accepted == 0


class TestFrontier:
    """The root of a growing tree, kept in O(log n) memory (checkpoints after imports)."""

    def test_reference_vectors(self) -> None:
        """RFC 6962's published roots for the first 1..8 leaves, one leaf at a time."""
        frontier = MerkleFrontier()
        assert frontier.root() == EMPTY_ROOT
        for leaf, root in zip(LEAVES, ROOTS, strict=True):
            frontier.add(leaf_hash(leaf))
            assert frontier.root() == root

    def test_equals_the_full_tree_at_every_size(self) -> None:
        """Every size from 0 to 1,100 (all shapes of the right edge), against the
        full tree's root and pymerkle's."""
        rng = random.Random(17)
        leaves = [rng.randbytes(rng.randrange(0, 40)) for _ in range(1100)]
        hashes = [leaf_hash(d) for d in leaves]
        tree = MerkleTree(hashes)
        frontier = MerkleFrontier()
        for n in range(len(hashes) + 1):
            assert frontier.size == n
            assert frontier.root() == tree.root(n) == merkle_root(hashes[:n])
            if n < len(hashes):
                frontier.add(hashes[n])
        reference = InmemoryTree(algorithm="sha256")
        for data in leaves:
            reference.append_entry(data)
        assert frontier.root() == reference.get_state()

    def test_keeps_one_head_per_bit_of_the_size(self) -> None:
        """A tree of 2**16 - 1 leaves is held as 16 heads, not as its leaves."""
        frontier = MerkleFrontier()
        leaf = leaf_hash(b"x")
        for _ in range((1 << 16) - 1):
            frontier.add(leaf)
        assert len(frontier._heads) == 16
        frontier.add(leaf)
        assert len(frontier._heads) == 1

    def test_feed_root_equals_the_feed_tree_with_a_fork(
        self, three_feeds: Workspace
    ) -> None:
        """A checkpoint's streamed root is the proofs' tree root, and a fork copy
        (a second event at a used seq) is left out of both."""
        from gawah.ledger.proofs import feed_root, feed_tree
        from gawah.testing.signer import FixedSigner, signed_feed

        signer = FixedSigner("field-b")
        fork = signed_feed(signer, [("report.recorded", {"record_id": "other"})])[0]
        assert three_feeds.ledger.receive(*fork) is not None
        conn = three_feeds.conn
        for device in three_feeds.ledger.devices():
            tree, _ids = feed_tree(conn, device)
            assert feed_root(conn, device) == (tree.size, tree.root())
        assert feed_root(conn, signer.device)[0] == 17
