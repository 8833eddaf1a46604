"""The content-addressed blob store: streaming hash, limits, atomic commit."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gawah.errors import UserInputError
from gawah.evidence.store import BlobStore, EmptyFileError, OversizeError, check_digest


class _Endless(io.RawIOBase):
    """A stream that never ends, counting what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = len(b)
        b[:n] = b"\xab" * n
        self.read_bytes += n
        return n


class TestBlobStore:
    def test_digest_and_path_follow_content(self, tmp_path: Path) -> None:
        """A blob is stored under the SHA-256 of its bytes at sha256/ab/cd/<digest>."""
        data = os.urandom(3 * 1024 * 1024 + 17)  # spans several chunks
        store = BlobStore(tmp_path)
        info = store.put(io.BytesIO(data))
        want = hashlib.sha256(data).hexdigest()
        assert info.digest == want
        assert info.size == len(data)
        assert info.created
        assert info.path == tmp_path / "sha256" / want[:2] / want[2:4] / want
        assert info.path.read_bytes() == data

    def test_same_bytes_stored_once(self, tmp_path: Path) -> None:
        """Putting identical bytes twice keeps one blob and reports it as existing."""
        store = BlobStore(tmp_path)
        first = store.put(io.BytesIO(b"FICTIONAL testimony"))
        second = store.put(io.BytesIO(b"FICTIONAL testimony"))
        assert first.created
        assert not second.created
        assert list(store.digests()) == [first.digest]

    def test_committed_blob_is_read_only(self, tmp_path: Path) -> None:
        """Committed originals carry no write permission bits."""
        info = BlobStore(tmp_path).put(io.BytesIO(b"x"))
        mode = info.path.stat().st_mode
        assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)

    def test_oversize_stops_reading_and_leaves_nothing(self, tmp_path: Path) -> None:
        """An endless stream is cut at the limit; no blob or temporary file remains."""
        store = BlobStore(tmp_path, max_bytes=10 * 1024 * 1024)
        endless = _Endless()
        with pytest.raises(OversizeError, match="limit"):
            store.put(endless)  # type: ignore[arg-type]
        assert endless.read_bytes <= 10 * 1024 * 1024 + 4 * 1024 * 1024
        assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    def test_empty_refused(self, tmp_path: Path) -> None:
        """Zero bytes are refused and leave no temporary file."""
        with pytest.raises(EmptyFileError):
            BlobStore(tmp_path).put(io.BytesIO(b""))
        assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    def test_staged_but_not_committed_is_removed(self, tmp_path: Path) -> None:
        """Leaving a staging block without commit deletes the staged bytes."""
        store = BlobStore(tmp_path)
        with store.stage(io.BytesIO(b"abc")) as staged:
            assert staged.path.exists()
        assert not staged.path.exists()
        assert not store.has(staged.digest)

    def test_digest_names_are_checked(self, tmp_path: Path) -> None:
        """A digest that could be a path (../) is refused before touching the disk."""
        with pytest.raises(UserInputError):
            BlobStore(tmp_path).path_for("../" + "a" * 61)
        assert check_digest("a" * 64) == "a" * 64

    def test_stray_files_are_listed(self, tmp_path: Path) -> None:
        """A file not at its digest's place is reported as stray."""
        store = BlobStore(tmp_path)
        info = store.put(io.BytesIO(b"abc"))
        planted = info.path.parent / "notes.txt"
        planted.write_text("FICTIONAL")
        assert list(store.stray_files()) == [planted]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
class TestDurabilityOrder:
    def test_fsync_file_rename_fsync_dir(self, tmp_path: Path) -> None:
        """Syscalls run in the order write -> fsync(file) -> rename -> fsync(dir) (S08c)."""
        script = textwrap.dedent(
            f"""
            import io
            from pathlib import Path
            from gawah.evidence.store import BlobStore
            print("BEGIN", flush=True)
            BlobStore(Path({str(tmp_path)!r})).put(io.BytesIO(b"FICTIONAL" * 1000))
            """
        )
        out = subprocess.run(
            ["strace", "-f", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2,write",
             sys.executable, "-c", script],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        trace = out.stderr[out.stderr.index("BEGIN") :]
        calls = [
            name
            for line in trace.splitlines()
            for name in ("fsync", "rename")
            if f"{name}(" in line or f"{name}at(" in line or f"{name}at2(" in line
        ]
        assert calls[:3] == ["fsync", "rename", "fsync"], calls
