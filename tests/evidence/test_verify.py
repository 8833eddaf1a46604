"""Scrub: every altered, missing or unknown blob is reported (SECURITY.md S13)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import stat
from pathlib import Path

from gawah.evidence import verify_store
from gawah.evidence.ingest import blob_store
from gawah.evidence.model import RECEIVED
from gawah.evidence.store import BlobInfo
from gawah.workspace import Workspace


def _fill(ws: Workspace, n: int, seed: int) -> list[str]:
    """Store ``n`` small random blobs and record them in one transaction."""
    rng = random.Random(seed)
    store = blob_store(ws)
    events = []
    for _ in range(n):
        data = rng.randbytes(rng.randint(1, 512))
        digest = hashlib.sha256(data).hexdigest()
        path = store.path_for(digest)  # written directly: the scrub is under test
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        info = BlobInfo(digest, len(data), path, created=True)
        meta = {"kind": "other", "media_type": "application/octet-stream"}
        events.append(
            (
                RECEIVED,
                {
                    "digest": info.digest,
                    "size": info.size,
                    "media_type": "application/octet-stream",
                    "original_name": f"FICTIONAL-{info.digest[:8]}.bin",
                    "metadata": meta,
                },
            )
        )
    ws.append_many(events)
    return [payload["digest"] for _, payload in events]


def _flip_one_byte(path: Path, rng: random.Random) -> None:
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    i = rng.randrange(len(data))
    data[i] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


class TestVerifyStore:
    def test_intact_store_is_ok(self, ws: Workspace) -> None:
        """A store whose blobs all match the ledger verifies clean."""
        digests = _fill(ws, 50, seed=1)
        report = verify_store(ws)
        assert report.ok
        assert report.checked == len(set(digests))

    def test_one_flipped_byte_in_each_of_1000_blobs(self, ws: Workspace) -> None:
        """Flipping one bit in each of 1,000 random blobs reports exactly those 1,000."""
        digests = sorted(set(_fill(ws, 1100, seed=2)))
        rng = random.Random(3)
        victims = rng.sample(digests, 1000)
        store = blob_store(ws)
        for d in victims:
            _flip_one_byte(store.path_for(d), rng)
        report = verify_store(ws)
        assert sorted(report.altered) == sorted(victims)
        assert report.missing == ()
        assert report.unknown == ()
        assert not report.ok

    def test_missing_and_unknown_reported(self, ws: Workspace) -> None:
        """A deleted blob is missing; a planted file and an unrecorded blob are unknown."""
        digests = _fill(ws, 5, seed=4)
        store = blob_store(ws)
        store.path_for(digests[0]).unlink()
        planted = store.put(io.BytesIO(b"FICTIONAL planted"))
        stray = store.path_for(digests[1]).parent / "readme.txt"
        stray.write_text("FICTIONAL")
        report = verify_store(ws)
        assert report.missing == (digests[0],)
        assert planted.digest in report.unknown
        assert any(u.endswith("readme.txt") for u in report.unknown)
        assert report.altered == ()
