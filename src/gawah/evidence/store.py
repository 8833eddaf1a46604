"""The content-addressed blob store: evidence bytes kept exactly as received.

A blob lives at ``<root>/sha256/ab/cd/<digest>``; its name *is* its SHA-256, so
the same bytes are stored once and any change to them is visible by re-hashing.
Bytes arrive through :meth:`BlobStore.stage`, which streams them into a temporary
file in ``<root>/sha256/.incoming`` (same file system, so the final rename is
atomic) while hashing and counting; nothing appears under its digest until the
caller has checked the staged file and calls :meth:`StagedBlob.commit`.
The durability order is write -> fsync(file) -> rename -> fsync(dir), and only
then may the caller record the ledger event and acknowledge (SECURITY.md S08c).
Committed blobs are made read-only: the store never rewrites an original.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from gawah.errors import UserInputError

#: Default largest blob accepted (bytes); a store may be opened with another limit.
DEFAULT_MAX_BYTES = 16 * 1024**3
#: Read size while streaming: large buffers keep hashing near ``sha256sum`` speed.
CHUNK_BYTES = 4 * 1024 * 1024
_SMALL_BYTES = 256 * 1024
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


class OversizeError(UserInputError):
    """A file is larger than the store's configured limit; nothing was stored."""


class EmptyFileError(UserInputError):
    """A file has no bytes at all; nothing was stored."""


def check_digest(digest: str) -> str:
    """Return ``digest`` if it is 64 lowercase hex characters, else raise.

    Digests reach the store from the command line and the web, so they are
    checked before they become a path (no ``../`` can hide in one).
    """
    if not _DIGEST_RE.fullmatch(digest):
        raise UserInputError(
            "an evidence digest is 64 lowercase hexadecimal characters"
        )
    return digest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What the store knows about one committed blob."""

    digest: str
    size: int
    path: Path
    created: bool  # False when identical bytes were already stored
    folders: tuple[Path, ...] = ()  # folders whose entries changed (to fsync)


def sync_folders(folders: Iterable[Path]) -> None:
    """fsync each folder once, so renames and new entries survive power loss."""
    for folder in dict.fromkeys(folders):
        _fsync_dir(folder)


class StagedBlob:
    """Bytes hashed and on disk in a temporary file, not yet under their digest.

    Use as a context manager: leaving the block without :meth:`commit`
    deletes the temporary file, so a failed check leaves nothing behind.
    """

    def __init__(
        self, store: BlobStore, tmp_path: Path, digest: str, size: int
    ) -> None:
        self._store = store
        self.path = tmp_path
        self.digest = digest
        self.size = size
        self._done = False

    def commit(self, sync_dirs: bool = True) -> BlobInfo:
        """Move the bytes under their digest durably and make them read-only.

        Args:
            sync_dirs: fsync the folders touched now; a batch passes ``False``
                and calls :func:`sync_folders` once before acknowledging.
        """
        if self._done:
            raise RuntimeError("staged blob already committed or discarded")
        final = self._store.path_for(self.digest)
        self._done = True
        if final.exists():
            self.path.unlink(missing_ok=True)
            return BlobInfo(self.digest, self.size, final, created=False)
        touched = [final.parent]
        for folder in (final.parent.parent, final.parent):
            if not folder.is_dir():
                folder.mkdir(parents=True, exist_ok=True)
                touched.append(folder.parent)
        os.chmod(self.path, stat.S_IRUSR | stat.S_IRGRP)
        os.replace(self.path, final)
        if sync_dirs:
            sync_folders(touched)
        return BlobInfo(
            self.digest, self.size, final, created=True, folders=tuple(touched)
        )

    def discard(self) -> None:
        """Delete the temporary file (idempotent)."""
        if not self._done:
            self._done = True
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> StagedBlob:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


class BlobStore:
    """Evidence bytes under ``root``, addressed by SHA-256, never modified.

    Args:
        root: the ``evidence`` folder of a workspace.
        max_bytes: the largest blob accepted; enforced while streaming, so an
            oversize upload is refused before it fills the disk.
    """

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._blobs = self.root / "sha256"
        self._incoming = self._blobs / ".incoming"

    def path_for(self, digest: str) -> Path:
        """Where the blob with ``digest`` lives (whether or not it exists)."""
        d = check_digest(digest)
        return self._blobs / d[:2] / d[2:4] / d

    def has(self, digest: str) -> bool:
        """Whether a blob with ``digest`` is stored."""
        return self.path_for(digest).is_file()

    def open(self, digest: str) -> BinaryIO:
        """Open a stored blob for reading; ``FileNotFoundError`` if absent."""
        return self.path_for(digest).open("rb")

    def stage(self, stream: BinaryIO, max_bytes: int | None = None) -> StagedBlob:
        """Stream ``stream`` into a temporary file, hashing and counting as it goes.

        Raises:
            EmptyFileError: the stream had no bytes.
            OversizeError: more than ``max_bytes`` arrived (the rest is not read).
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        self._incoming.mkdir(parents=True, exist_ok=True)
        fd, name = _mkstemp(self._incoming)
        tmp = Path(name)
        try:
            digest, size = _copy_hashing(stream, fd, limit)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        if size == 0:
            tmp.unlink(missing_ok=True)
            raise EmptyFileError("the file is empty (0 bytes); nothing was stored")
        return StagedBlob(self, tmp, digest, size)

    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> BlobInfo:
        """Stage and commit in one step (no checks in between)."""
        with self.stage(stream, max_bytes) as staged:
            return staged.commit()

    def digests(self) -> Iterator[str]:
        """Every digest-named file under the store, in sorted order."""
        if not self._blobs.is_dir():
            return
        for first in sorted(self._blobs.iterdir()):
            if not first.is_dir() or first.name.startswith("."):
                continue
            for second in sorted(first.iterdir()):
                if second.is_dir():
                    yield from sorted(p.name for p in second.iterdir() if p.is_file())

    def stray_files(self) -> Iterator[Path]:
        """Files in the store that are not where a digest would put them."""
        if not self._blobs.is_dir():
            return
        for path in sorted(self._blobs.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(self._blobs).parts
            ok = (
                len(rel) == 3
                and _DIGEST_RE.fullmatch(rel[2]) is not None
                and rel[0] == rel[2][:2]
                and rel[1] == rel[2][2:4]
            )
            if not ok and rel[0] != ".incoming":
                yield path

    def incomplete(self) -> list[Path]:
        """Temporary files left in ``.incoming`` by an interrupted ingest.

        They were never acknowledged and never recorded; deleting them loses
        nothing. Only call this while no ingest is running.
        """
        if not self._incoming.is_dir():
            return []
        return sorted(p for p in self._incoming.iterdir() if p.is_file())

    def rehash(self, digest: str) -> str:
        """SHA-256 of the stored bytes now (to compare with the recorded digest)."""
        with self.open(digest) as fh:
            return hash_stream(fh)


def hash_stream(stream: BinaryIO) -> str:
    """Hex SHA-256 of everything left in ``stream``, read in large chunks."""
    h = hashlib.sha256()
    while chunk := stream.read(CHUNK_BYTES):
        h.update(chunk)
    return h.hexdigest()


def _mkstemp(folder: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(dir=folder, prefix="in-", suffix=".part")


def _copy_hashing(stream: BinaryIO, fd: int, limit: int) -> tuple[str, int]:
    """Copy ``stream`` to ``fd``; return (hex SHA-256, size); stop past ``limit``.

    Writing happens on a second thread while this one hashes the same chunk
    (both release the GIL), with two buffers in turn, so the copy costs
    little more than the hash alone.
    """
    h = hashlib.sha256()
    # Small files (most testimony, photos) go straight through, without
    # allocating large buffers or starting a writer thread.
    head = stream.read(_SMALL_BYTES)
    if len(head) < _SMALL_BYTES:
        size = 0
        data = head
        while data:
            size += len(data)
            if size > limit:
                raise OversizeError(
                    f"the file is larger than the limit of {limit:,} bytes; "
                    "nothing was stored"
                )
            h.update(data)
            _write_all(fd, memoryview(data))
            data = stream.read(_SMALL_BYTES)
        return h.hexdigest(), size
    if len(head) > limit:
        raise OversizeError(
            f"the file is larger than the limit of {limit:,} bytes; nothing was stored"
        )
    h.update(head)
    _write_all(fd, memoryview(head))
    size = len(head)
    bufs = [bytearray(CHUNK_BYTES), bytearray(CHUNK_BYTES)]
    pending: list[Future[None] | None] = [None, None]
    readinto = getattr(stream, "readinto", None)
    with ThreadPoolExecutor(max_workers=1) as writer:
        try:
            i = 0
            while True:
                previous = pending[i]
                if previous is not None:
                    previous.result()
                view = memoryview(bufs[i])
                if readinto is not None:
                    n = readinto(view)
                else:
                    data = stream.read(CHUNK_BYTES)
                    n = len(data)
                    view[:n] = data
                if not n:
                    break
                size += n
                if size > limit:
                    raise OversizeError(
                        f"the file is larger than the limit of {limit:,} bytes; "
                        "nothing was stored"
                    )
                chunk = view[:n]
                pending[i] = writer.submit(_write_all, fd, chunk)
                h.update(chunk)
                i ^= 1
        finally:
            for fut in pending:
                if fut is not None:
                    fut.result()
    return h.hexdigest(), size


def _write_all(fd: int, chunk: memoryview) -> None:
    while chunk:
        written = os.write(fd, chunk)
        chunk = chunk[written:]
