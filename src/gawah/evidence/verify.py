"""Scrub: re-hash every blob and compare the store with what the ledger recorded.

Three ways the store can disagree with the ledger, each reported by digest:
a blob whose bytes no longer hash to its name (*altered*), a recorded blob
that is not there (*missing*), and a file the ledger never recorded
(*unknown*: planted, or left by a crash between rename and commit).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gawah.evidence.ingest import blob_store
from gawah.evidence.model import EvidenceWorkspace
from gawah.evidence.queries import recorded_digests


@dataclass(frozen=True, slots=True)
class StoreReport:
    """The outcome of a scrub; ``ok`` only if nothing disagrees."""

    checked: int
    altered: tuple[str, ...]
    missing: tuple[str, ...]
    unknown: tuple[str, ...]
    incomplete: tuple[str, ...] = ()  # interrupted ingests; never acknowledged

    @property
    def ok(self) -> bool:
        """True when every recorded blob is present and intact, and nothing else is.

        Incomplete uploads do not count: they were never acknowledged.
        """
        return not (self.altered or self.missing or self.unknown)


def verify_store(
    ws: EvidenceWorkspace,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
    clean_incomplete: bool = False,
) -> StoreReport:
    """Re-hash every recorded blob; list altered, missing and unknown blobs.

    Args:
        progress: called with 1 after each blob is hashed (for a progress bar).
        workers: hashing threads (``hashlib`` releases the GIL on large reads).
        clean_incomplete: delete temporary files of interrupted ingests
            (only while nothing else is ingesting into this workspace).
    """
    store = blob_store(ws)
    leftovers = store.incomplete()
    if clean_incomplete:
        for path in leftovers:
            path.unlink(missing_ok=True)
    recorded = recorded_digests(ws.conn)
    on_disk = set(store.digests())
    missing = sorted(recorded - on_disk)
    unknown = sorted(
        (on_disk - recorded)
        | {str(p.relative_to(store.root)) for p in store.stray_files()}
    )
    present = sorted(recorded & on_disk)

    def check(digest: str) -> str | None:
        try:
            actual = store.rehash(digest)
        except OSError:
            actual = ""
        if progress is not None:
            progress(1)
        return None if actual == digest else digest

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        altered = [d for d in pool.map(check, present) if d is not None]
    return StoreReport(
        checked=len(present),
        altered=tuple(altered),
        missing=tuple(missing),
        unknown=tuple(unknown),
        incomplete=tuple(p.name for p in leftovers),
    )
