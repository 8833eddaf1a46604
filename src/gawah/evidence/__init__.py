"""Evidence: files kept byte-exact under their SHA-256, with a chain of custody.

The Python API the CLI and the web use (see ``docs/explanation/evidence.md``)::

    item = add_evidence(ws, path_or_stream, name=..., report_id=..., received_from=...)
    list_evidence(ws.conn, report_id=None, incident_id=None) -> list[EvidenceItem]
    get_evidence(ws.conn, digest) -> EvidenceItem | None
    open_blob(ws, digest) -> BinaryIO
    custody_history(ws.conn, digest) -> list[CustodyEntry]
    record_custody(ws, digest, "viewed" | "transferred" | "linked", ...)
"""

from gawah.evidence.custody import open_blob, record_custody
from gawah.evidence.ingest import (
    Pipeline,
    Receipt,
    UnsafeNameError,
    add_evidence,
    add_evidence_many,
    sanitise_name,
)
from gawah.evidence.media import (
    DamagedMediaError,
    DecompressionBombError,
    MediaMetadata,
)
from gawah.evidence.model import CustodyEntry, EvidenceItem
from gawah.evidence.perceptual import Fingerprint, near_duplicate
from gawah.evidence.queries import (
    custody_history,
    get_evidence,
    list_evidence,
    near_duplicate_groups,
    sensitive_metadata,
)
from gawah.evidence.sources import erase_sources
from gawah.evidence.store import BlobStore, EmptyFileError, OversizeError
from gawah.evidence.verify import StoreReport, verify_store
from gawah.evidence.working_copy import make_working_copy

__all__ = [
    "BlobStore",
    "CustodyEntry",
    "DamagedMediaError",
    "DecompressionBombError",
    "EmptyFileError",
    "EvidenceItem",
    "Fingerprint",
    "MediaMetadata",
    "OversizeError",
    "Pipeline",
    "Receipt",
    "StoreReport",
    "UnsafeNameError",
    "add_evidence",
    "add_evidence_many",
    "custody_history",
    "erase_sources",
    "get_evidence",
    "list_evidence",
    "make_working_copy",
    "near_duplicate",
    "near_duplicate_groups",
    "open_blob",
    "record_custody",
    "sanitise_name",
    "sensitive_metadata",
    "verify_store",
]
