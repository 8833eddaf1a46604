"""Taking evidence in: one function, numbered steps, and nothing written on failure.

The pipeline has three typed roles, each one method (STYLE.md item 8):
``Sniffer.sniff``, ``MetadataReader.read`` and ``Fingerprinter.fingerprint``;
the blob store stages and commits the bytes. :func:`add_evidence` runs them in
order. Unlike an archiver that logs and carries on, every failed step raises a
``UserInputError`` and the staged bytes are deleted: no partial blob, no event.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from gawah.errors import UserInputError
from gawah.evidence.media import (
    DEFAULT_MAX_PIXELS,
    MediaMetadata,
    open_image_checked,
    read_metadata,
    sniff,
)
from gawah.evidence.model import RECEIVED, SENSITIVE, EvidenceItem, EvidenceWorkspace
from gawah.evidence.perceptual import Fingerprint, image_fingerprint, video_fingerprint
from gawah.evidence.queries import get_evidence
from gawah.evidence.sources import custody_details
from gawah.evidence.store import DEFAULT_MAX_BYTES, BlobInfo, BlobStore, sync_folders

_BATCH_WORKERS = 8
#: Environment variable overriding the largest file accepted, in bytes.
MAX_BYTES_ENV = "GAWAH_EVIDENCE_MAX_BYTES"
# Bidirectional controls make "gpj.exe" display as "exe.jpg" (CVE-2021-42574 class).
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MAX_NAME_BYTES = 255
# Zero-width (non-)joiners are ordinary in Urdu, Persian and Indic spellings.
_JOINERS = {"\u200c", "\u200d"}


class UnsafeNameError(UserInputError):
    """A file name could hide a path or disguise its extension; nothing was stored."""


def sanitise_name(name: str) -> str:
    """Return a file name safe to record and show, or raise :class:`UnsafeNameError`.

    A name is refused (not silently changed) when it holds a path (``/``, ``\\``,
    ``..``), control characters or bidirectional overrides, so the record never
    shows a name different from what the documenter saw.
    """
    text = unicodedata.normalize("NFC", name).strip()
    if not text or text in {".", ".."}:
        raise UnsafeNameError("the file name is empty; nothing was stored")
    if "/" in text or "\\" in text:
        raise UnsafeNameError(
            "the file name contains a path (/ or \\); give a plain file name"
        )
    if any(c in _BIDI for c in text):
        raise UnsafeNameError(
            "the file name contains right-to-left override characters that disguise "
            "its extension; rename the file and add it again; nothing was stored"
        )
    if any(unicodedata.category(c) in {"Cc", "Cf"} and c not in _JOINERS for c in text):
        raise UnsafeNameError(
            "the file name contains control characters; nothing was stored"
        )
    if len(text.encode("utf-8")) > _MAX_NAME_BYTES:
        raise UnsafeNameError(f"the file name is longer than {_MAX_NAME_BYTES} bytes")
    return text


class Sniffer(Protocol):
    """Says what the bytes are."""

    def sniff(self, path: Path) -> str:
        """Return the media type of the file at ``path``."""
        ...


class MetadataReader(Protocol):
    """Reads metadata and refuses files that cannot be decoded."""

    def read(self, path: Path, media_type: str) -> MediaMetadata:
        """Return the file's metadata; raise ``UserInputError`` if it is damaged."""
        ...


class Fingerprinter(Protocol):
    """Computes a perceptual fingerprint for near-duplicate detection."""

    def fingerprint(self, path: Path, metadata: MediaMetadata) -> Fingerprint | None:
        """Return the fingerprint, or ``None`` for kinds without one."""
        ...


@dataclass(frozen=True, slots=True)
class PuremagicSniffer:
    """Media type from magic bytes (puremagic), text detection as a fallback."""

    def sniff(self, path: Path) -> str:
        """Return the media type of the file at ``path``."""
        return sniff(path)


@dataclass(frozen=True, slots=True)
class StandardMetadataReader:
    """Pillow for images, PyAV for video and audio, pypdf for PDF."""

    max_pixels: int = DEFAULT_MAX_PIXELS

    def read(self, path: Path, media_type: str) -> MediaMetadata:
        """Return the file's metadata; raise ``UserInputError`` if it is damaged."""
        return read_metadata(path, media_type, self.max_pixels)


@dataclass(frozen=True, slots=True)
class PerceptualFingerprinter:
    """imagehash phash of images and of about one video frame a second."""

    max_pixels: int = DEFAULT_MAX_PIXELS

    def fingerprint(self, path: Path, metadata: MediaMetadata) -> Fingerprint | None:
        """Return the fingerprint, or ``None`` for kinds without one."""
        if metadata.kind == "image" and "no-metadata-reader" not in metadata.flags:
            with open_image_checked(path, self.max_pixels) as im:
                return image_fingerprint(im)
        if metadata.kind == "video":
            import av

            from gawah.evidence.media import DamagedMediaError

            try:
                return video_fingerprint(path)
            except av.error.FFmpegError as exc:
                raise DamagedMediaError(
                    "the video cannot be decoded (truncated or corrupt); "
                    "nothing was stored"
                ) from exc
        return None


def _max_bytes_default() -> int:
    env = os.environ.get(MAX_BYTES_ENV)
    if env:
        try:
            return int(env)
        except ValueError as exc:
            raise UserInputError(f"{MAX_BYTES_ENV} must be a number of bytes") from exc
    return DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The roles :func:`add_evidence` runs; swap one to test or extend it."""

    sniffer: Sniffer = field(default_factory=PuremagicSniffer)
    reader: MetadataReader = field(default_factory=StandardMetadataReader)
    fingerprinter: Fingerprinter = field(default_factory=PerceptualFingerprinter)
    max_bytes: int = field(default_factory=_max_bytes_default)


def blob_store(ws: EvidenceWorkspace, max_bytes: int | None = None) -> BlobStore:
    """The workspace's blob store (``<home>/evidence``)."""
    return BlobStore(Path(ws.home) / "evidence", max_bytes or _max_bytes_default())


@contextmanager
def _as_stream(source: Path | str | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(source, str | Path):
        try:
            fh = Path(source).open("rb")  # noqa: SIM115 (closed by the with below)
        except IsADirectoryError as exc:
            raise UserInputError(
                f"{Path(source).name} is a folder, not a file"
            ) from exc
        except OSError as exc:
            raise UserInputError(
                f"cannot read {Path(source).name}: {exc.strerror}"
            ) from exc
        with fh:
            yield fh
    else:
        yield source


@dataclass(frozen=True, slots=True)
class _Prepared:
    blob: BlobInfo
    events: list[tuple[str, dict[str, Any]]]
    #: who handed it over, and notes: sealed into a side event by ``_record``
    identifying: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Receipt:
    """Who handed files over, how, and what they belong to (shared by a batch)."""

    report_id: str | None = None
    incident_id: str | None = None
    source: str | None = None
    received_from: str | None = None
    note: str | None = None
    handed_over_at: str | None = None  # when it was handed over, as told (a claim)


def _prepare(
    store: BlobStore,
    path_or_stream: Path | str | BinaryIO,
    name: str | None,
    receipt: Receipt,
    allow_damaged: bool,
    p: Pipeline,
    sync_dirs: bool,
) -> _Prepared:
    """Steps 1-6 of :func:`add_evidence`: a committed blob and its events."""
    # 1 - the name is checked before any byte is read
    if name is None:
        if not isinstance(path_or_stream, str | Path):
            raise UserInputError("a stream needs a file name to record")
        name = Path(path_or_stream).name
    clean = sanitise_name(name)
    # 2 - stream into a staged blob: hashed and counted as it arrives
    with _as_stream(path_or_stream) as stream, store.stage(stream) as staged:
        # 3 - what the bytes are
        media_type = p.sniffer.sniff(staged.path)
        # 4 - metadata, never written into the file
        try:
            metadata = p.reader.read(staged.path, media_type)
            # 5 - perceptual fingerprint for near-duplicates
            fingerprint = p.fingerprinter.fingerprint(staged.path, metadata)
        except UserInputError:
            if not allow_damaged:
                raise
            metadata = MediaMetadata(
                media_type=media_type, kind="other", flags=("damaged",)
            )
            fingerprint = None
        # 6 - the bytes become durable under their digest
        blob = staged.commit(sync_dirs=sync_dirs)
    payload: dict[str, Any] = {
        "digest": blob.digest,
        "size": blob.size,
        "media_type": media_type,
        "original_name": clean,
        "source": receipt.source,
        "handed_over_at": receipt.handed_over_at,
        "report_id": receipt.report_id,
        "incident_id": receipt.incident_id,
        "metadata": metadata.public_payload(),
        "fingerprint": fingerprint.payload() if fingerprint else None,
    }
    events: list[tuple[str, dict[str, Any]]] = [(RECEIVED, payload)]
    if metadata.sensitive:
        events.append(
            (SENSITIVE, {"digest": blob.digest, "fields": metadata.sensitive_payload()})
        )
    identifying = {"received_from": receipt.received_from, "note": receipt.note}
    return _Prepared(blob, events, identifying)


def _with_details(ws: EvidenceWorkspace, p: _Prepared) -> list[tuple[str, Any]]:
    """The item's events with who handed it over and notes sealed into a side
    event (:mod:`gawah.evidence.sources`); done here, on the thread that owns
    the workspace connection, not in the ``_prepare`` workers."""
    ref, details = custody_details(ws, p.blob.digest, p.identifying)
    kind, payload = p.events[0]
    events = [(kind, payload | {"details_ref": ref}), *p.events[1:]]
    if details is not None:
        events.insert(1, details)
    return events


def _record(ws: EvidenceWorkspace, prepared: list[_Prepared]) -> None:
    """Step 7: append all events in one transaction, or remove the new blobs."""
    try:
        ws.append_many([e for p in prepared for e in _with_details(ws, p)])
    except BaseException:
        for p in prepared:
            if p.blob.created:
                p.blob.path.unlink(missing_ok=True)
        raise


def add_evidence(
    ws: EvidenceWorkspace,
    path_or_stream: Path | str | BinaryIO,
    *,
    name: str | None = None,
    report_id: str | None = None,
    incident_id: str | None = None,
    source: str | None = None,
    received_from: str | None = None,
    note: str | None = None,
    handed_over_at: str | None = None,
    allow_damaged: bool = False,
    pipeline: Pipeline | None = None,
) -> EvidenceItem:
    """Store one file as evidence and record it in the ledger; durable on return.

    Steps: 1 - check the name; 2 - stream into a staged blob (hash, size limit);
    3 - sniff the media type; 4 - read metadata (refuses damaged files and
    bombs unless ``allow_damaged``); 5 - fingerprint; 6 - commit the blob
    (fsync, rename, fsync dir); 7 - append the events in one transaction;
    if that fails, a newly created blob is removed again.

    Args:
        path_or_stream: a path, or an open binary stream (then ``name`` is required).
        name: the original file name to record (default: the path's name).
        source: how it arrived (a channel or collection, e.g. "field team 3").
        received_from: who handed it over, as the documenter describes them;
            kept with ``note`` in a side event out of exports and listings
            unless asked (:mod:`gawah.evidence.sources`).
        handed_over_at: when it was handed over, if not now (recorded as told;
            the event's own time is when gawah stored it).
        allow_damaged: store a file that cannot be decoded, flagged ``damaged``.

    Raises:
        UserInputError: empty, oversize, damaged, bomb, unsafe name (nothing stored).
    """
    p = pipeline or Pipeline()
    receipt = Receipt(
        report_id, incident_id, source, received_from, note, handed_over_at
    )
    store = blob_store(ws, p.max_bytes)
    prepared = _prepare(store, path_or_stream, name, receipt, allow_damaged, p, True)
    # 7 - the events; an unrecorded new blob would be an "unknown blob", so undo it
    _record(ws, [prepared])
    item = get_evidence(ws.conn, prepared.blob.digest)
    assert item is not None  # the projection ran inside the append
    return item


def add_evidence_many(
    ws: EvidenceWorkspace,
    paths: Sequence[Path],
    receipt: Receipt = Receipt(),
    *,
    allow_damaged: bool = False,
    pipeline: Pipeline | None = None,
    on_file: Callable[[Path, UserInputError | None], None] | None = None,
) -> tuple[list[EvidenceItem], list[tuple[Path, UserInputError]]]:
    """Store many files with one ledger transaction; refused files are listed, not fatal.

    Each file goes through steps 1-6 of :func:`add_evidence` (a refused file
    leaves nothing); the folders are fsynced once and all receipts are appended
    in one transaction (step 7), so the batch is acknowledged as a whole.

    Args:
        on_file: called after each file with its error, or ``None`` if it
            was accepted (recorded when the batch is appended).

    Returns:
        The stored items, and the refused files with their errors.
    """
    p = pipeline or Pipeline()
    store = blob_store(ws, p.max_bytes)
    prepared: list[_Prepared] = []
    refused: list[tuple[Path, UserInputError]] = []

    def one(path: Path) -> _Prepared | UserInputError:
        try:
            return _prepare(store, path, None, receipt, allow_damaged, p, False)
        except UserInputError as exc:
            return exc

    # fsync waits on the disk with the GIL released: several files at once let
    # the file system merge their journal commits.
    with ThreadPoolExecutor(max_workers=_BATCH_WORKERS) as pool:
        try:
            for path, outcome in zip(paths, pool.map(one, paths), strict=True):
                error = outcome if isinstance(outcome, UserInputError) else None
                if isinstance(outcome, UserInputError):
                    refused.append((path, outcome))
                else:
                    prepared.append(outcome)
                if on_file is not None:  # progress, and the reason a file was refused
                    on_file(path, error)
            folders = list(
                dict.fromkeys(f for prep in prepared for f in prep.blob.folders)
            )
            list(pool.map(lambda f: sync_folders([f]), folders))
        except BaseException:
            for prep in prepared:  # nothing is acknowledged: leave no unknown blobs
                if prep.blob.created:
                    prep.blob.path.unlink(missing_ok=True)
            raise
    _record(ws, prepared)
    items = []
    for prep in prepared:
        item = get_evidence(ws.conn, prep.blob.digest)
        assert item is not None
        items.append(item)
    return items, refused
