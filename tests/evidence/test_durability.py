"""Acknowledged evidence survives kill -9, and streaming hashes any chunking (S07, S13)."""

from __future__ import annotations

import hashlib
import io
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.evidence.store import BlobStore
from gawah.workspace import Workspace

_CHILD = textwrap.dedent(
    """
    import io, os, sys
    from pathlib import Path
    from gawah.evidence import add_evidence
    from gawah.evidence.projection import PROJECTOR
    from gawah.workspace import Workspace
    ws = Workspace.open(Path(sys.argv[1]), projectors=[PROJECTOR])
    i = 0
    while True:
        data = os.urandom(200 + i % 3000)
        item = add_evidence(ws, io.BytesIO(data), name=f"FICTIONAL-{i}.bin")
        print("ACK", item.digest, flush=True)
        i += 1
    """
)


class _Dribble(io.RawIOBase):
    """A stream that hands out its bytes in the given, uneven read sizes."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.pos = data, sizes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        want = self.sizes[self.pos % len(self.sizes)] if self.sizes else len(b)
        n = min(len(b), max(1, want), len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


class TestStreaming:
    @settings(max_examples=40, deadline=None)
    @given(
        data=st.binary(min_size=1, max_size=300_000),
        sizes=st.lists(st.integers(1, 70_000), min_size=1, max_size=8),
    )
    def test_digest_independent_of_chunking(
        self, tmp_path_factory: object, data: bytes, sizes: list[int]
    ) -> None:
        """Short and uneven reads give the same digest and bytes as one read."""
        root = Path(tmp_path_factory.mktemp("dribble"))  # type: ignore[attr-defined]
        info = BlobStore(root).put(io.BufferedReader(_Dribble(data, sizes)))
        assert info.digest == hashlib.sha256(data).hexdigest()
        assert info.path.read_bytes() == data


class TestKill:
    def test_acknowledged_blobs_survive_kill_9(self, tmp_path: Path) -> None:
        """After kill -9 at random moments every acknowledged blob is stored and recorded."""
        home = tmp_path / "ws"
        Workspace.init(home, author="FICTIONAL documenter").close()
        rng = random.Random(19481210)
        acked: list[str] = []
        for _ in range(3):
            child = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(home)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            first = child.stdout.readline()  # wait until it is ingesting
            acked.append(first.split()[1])
            time.sleep(rng.uniform(0.1, 0.6))
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate()
            acked += [
                line.split()[1] for line in out.splitlines() if line.startswith("ACK")
            ]
        from gawah.evidence import get_evidence, verify_store

        with Workspace.open(home) as ws:
            for digest in acked:
                assert get_evidence(ws.conn, digest) is not None
            report = verify_store(ws, clean_incomplete=True)
            assert verify_store(ws).incomplete == ()
        assert report.altered == ()
        assert report.missing == ()
        assert len(acked) >= 3
