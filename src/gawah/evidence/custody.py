"""Chain of custody and working copies.

Custody is a sequence of ledger events about one digest: received, derived,
linked to a report or incident, transferred, viewed, exported. A working copy
(faces blurred, metadata stripped for publication) is a *new* blob with its own
digest and an ``evidence.derived`` event naming its original; the original's
bytes are never touched (Berkeley Protocol: evidentiary copy vs working copy).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, BinaryIO

from PIL import Image, ImageFilter

from gawah.errors import UserInputError
from gawah.evidence.ingest import Pipeline, blob_store
from gawah.evidence.media import DEFAULT_MAX_PIXELS, open_image_checked
from gawah.evidence.model import (
    CUSTODY_ACTIONS,
    DERIVED,
    LINKED,
    EvidenceItem,
    EvidenceWorkspace,
    LedgerEvent,
)
from gawah.evidence.queries import get_evidence

Region = tuple[int, int, int, int]


def _require(ws: EvidenceWorkspace, digest: str) -> EvidenceItem:
    item = get_evidence(ws.conn, digest)
    if item is None:
        raise UserInputError(
            f"no evidence with digest {digest[:16]}... in this workspace"
        )
    return item


def open_blob(ws: EvidenceWorkspace, digest: str) -> BinaryIO:
    """Open the stored bytes of a recorded blob for reading.

    Record that someone looked at it with ``record_custody(ws, digest, "viewed")``.
    """
    _require(ws, digest)
    try:
        return blob_store(ws).open(digest)
    except FileNotFoundError as exc:
        from gawah.errors import EvidenceIntegrityError

        raise EvidenceIntegrityError(
            f"blob {digest[:16]}... is recorded but missing from the store"
        ) from exc


def record_custody(
    ws: EvidenceWorkspace,
    digest: str,
    action: str,
    *,
    to: str | None = None,
    method: str | None = None,
    report_id: str | None = None,
    incident_id: str | None = None,
    person_id: str | None = None,
    note: str | None = None,
) -> LedgerEvent:
    """Record one custody step (``linked``, ``transferred`` or ``viewed``) for a blob.

    Raises:
        UserInputError: unknown blob or action, a transfer without ``to``, a
            link without a report, incident or person (a person in the register).
    """
    kind = CUSTODY_ACTIONS.get(action)
    if kind is None:
        raise UserInputError(
            f"custody action must be one of {', '.join(sorted(CUSTODY_ACTIONS))}"
        )
    _require(ws, digest)
    payload: dict[str, Any] = {"digest": digest, "note": note}
    if kind == LINKED:
        if not (report_id or incident_id or person_id):
            raise UserInputError("a link needs a report, incident or person id")
        payload |= {
            "report_id": report_id,
            "incident_id": incident_id,
            "person_id": person_id,
        }
    elif action == "transferred":
        if not to:
            raise UserInputError("a transfer needs the person or body it went to")
        payload |= {"to": to, "method": method}
    event: LedgerEvent = ws.append(kind, payload)
    return event


def _box_blur(im: Image.Image, regions: Sequence[Region]) -> Image.Image:
    out = im.copy()
    w, h = out.size
    for x0, y0, x1, y1 in regions:
        box = (max(0, x0), max(0, y0), min(w, x1), min(h, y1))
        if box[0] >= box[2] or box[1] >= box[3]:
            raise UserInputError(
                f"blur region {x0},{y0},{x1},{y1} is outside the image"
            )
        radius = max(8, (box[2] - box[0] + box[3] - box[1]) // 8)
        out.paste(out.crop(box).filter(ImageFilter.BoxBlur(radius)), box[:2])
    return out


def make_working_copy(
    ws: EvidenceWorkspace,
    digest: str,
    *,
    blur_regions: Sequence[Region] = (),
    note: str | None = None,
) -> EvidenceItem:
    """Store a metadata-free copy of an image, with ``blur_regions`` box-blurred.

    The copy is re-encoded (PNG, lossless) without EXIF/XMP, so GPS and serials
    cannot leak through it; it is linked to the original by ``evidence.derived``.
    """
    original = _require(ws, digest)
    if original.kind != "image":
        raise UserInputError("working copies can be made of images only (for now)")
    store = blob_store(ws)
    pipeline = Pipeline()
    with open_image_checked(store.path_for(digest), DEFAULT_MAX_PIXELS) as im:
        clean = Image.new(
            im.mode if im.mode in {"RGB", "RGBA", "L"} else "RGB", im.size
        )
        clean.paste(im.convert(clean.mode))
    clean = _box_blur(clean, blur_regions)
    buf = io.BytesIO()
    clean.save(buf, "PNG")
    buf.seek(0)
    operation = "blur+strip-metadata" if blur_regions else "strip-metadata"
    with store.stage(buf) as staged:
        metadata = pipeline.reader.read(staged.path, "image/png")
        fingerprint = pipeline.fingerprinter.fingerprint(staged.path, metadata)
        blob = staged.commit()
    stem = original.original_name.rsplit(".", 1)[0]
    payload: dict[str, Any] = {
        "digest": blob.digest,
        "size": blob.size,
        "media_type": "image/png",
        "original_name": f"{stem}.working.png",
        "derived_from": digest,
        "operation": operation,
        "parameters": {"blur_regions": [list(r) for r in blur_regions]},
        "note": note,
        "metadata": metadata.public_payload(),
        "fingerprint": fingerprint.payload() if fingerprint else None,
    }
    try:
        ws.append(DERIVED, payload)
    except BaseException:
        if blob.created:
            blob.path.unlink(missing_ok=True)
        raise
    item = get_evidence(ws.conn, blob.digest)
    assert item is not None
    return item
