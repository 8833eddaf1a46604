"""Working copies: new blobs made from an original, which is never touched.

Berkeley Protocol: the evidentiary copy stays byte-exact; anything made for
review or publication (faces blurred, metadata stripped) is a separate object
with its own digest and an ``evidence.derived`` event naming its original.

* image: re-encoded as PNG without EXIF/XMP, given regions box-blurred;
* PDF: every page re-rendered (PDFium) into a picture, re-encoded as JPEG
  without metadata, joined into a new document (embedded photos' EXIF, XMP,
  hidden text and attachments do not survive);
* video/audio: streams remuxed packet for packet (no re-encoding, so nothing
  is lost) into a new container without container or stream tags.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from gawah.errors import UserInputError
from gawah.evidence.custody import require_item
from gawah.evidence.ingest import Pipeline, blob_store
from gawah.evidence.media import DEFAULT_MAX_PIXELS, open_image_checked
from gawah.evidence.model import DERIVED, EvidenceItem, EvidenceWorkspace
from gawah.evidence.queries import get_evidence

Region = tuple[int, int, int, int]


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


def _image_copy(path: Path, regions: Sequence[Region]) -> tuple[bytes, str, str]:
    with open_image_checked(path, DEFAULT_MAX_PIXELS) as im:
        mode = im.mode if im.mode in {"RGB", "RGBA", "L"} else "RGB"
        clean = Image.new(mode, im.size)
        clean.paste(im.convert(mode))
    buf = io.BytesIO()
    _box_blur(clean, regions).save(buf, "PNG")
    return buf.getvalue(), "image/png", "png"


#: Resolution of re-rendered PDF pages, and the most pixels one page may have.
PDF_DPI = 150
_PDF_PAGE_PIXELS = 25_000_000


def _pdf_copy(path: Path) -> tuple[bytes, str, str]:
    """Re-render every page as a picture and build a new PDF from the pictures.

    Copying pages would carry along whatever they hold: embedded photos with
    their EXIF (GPS, serials, owner), XMP packets, hidden text, attachments,
    scripts. Rendering with PDFium (pypdfium2) keeps only what a reader sees;
    each page becomes a JPEG written by Pillow without metadata, and pypdf joins
    the one-page PDFs. The copy is not searchable: it is for showing.
    """
    import pypdfium2 as pdfium  # type: ignore[import-untyped]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise UserInputError(f"the PDF cannot be rendered: {exc}") from exc
    try:
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            scale = min(PDF_DPI / 72, (_PDF_PAGE_PIXELS / max(1.0, w * h)) ** 0.5)
            picture = page.render(scale=scale, draw_annots=True).to_pil()
            page.close()
            one = io.BytesIO()
            picture.convert("RGB").save(one, "PDF", resolution=72 * scale, quality=85)
            writer.add_page(PdfReader(one).pages[0])
    finally:
        doc.close()
    writer.add_metadata({"/Producer": ""})  # pypdf's default producer, emptied
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), "application/pdf", "pdf"


def _av_copy(path: Path, kind: str) -> tuple[bytes, str, str]:
    import av

    buf = io.BytesIO()
    fmt, media, ext = (
        ("mp4", "video/mp4", "mp4")
        if kind == "video"
        else ("matroska", "audio/x-matroska", "mka")
    )
    try:
        with av.open(str(path)) as src, av.open(buf, "w", format=fmt) as dst:
            dst.metadata.clear()
            mapping = {}
            for st in src.streams:
                if st.type in {"video", "audio"}:
                    out = dst.add_stream_from_template(st)
                    out.metadata.clear()
                    mapping[st.index] = out
            for packet in src.demux(list(src.streams)):
                if packet.dts is None or packet.stream.index not in mapping:
                    continue
                packet.stream = mapping[packet.stream.index]
                dst.mux(packet)
    except (av.error.FFmpegError, ValueError) as exc:
        raise UserInputError(
            f"cannot remux this {kind} without re-encoding: {exc}"
        ) from exc
    return buf.getvalue(), media, ext


def make_working_copy(
    ws: EvidenceWorkspace,
    digest: str,
    *,
    blur_regions: Sequence[Region] = (),
    note: str | None = None,
) -> EvidenceItem:
    """Store a metadata-free copy of a blob (images: ``blur_regions`` box-blurred).

    Raises:
        UserInputError: unknown blob, a kind without working copies, blur
            regions on something that is not an image, a region outside it.
    """
    original = require_item(ws, digest)
    store = blob_store(ws)
    path = store.path_for(digest)
    if blur_regions and original.kind != "image":
        raise UserInputError("regions can be blurred in images only")
    if original.kind == "image":
        data, media_type, ext = _image_copy(path, blur_regions)
    elif original.kind == "pdf":
        data, media_type, ext = _pdf_copy(path)
    elif original.kind in {"video", "audio"}:
        data, media_type, ext = _av_copy(path, original.kind)
    else:
        raise UserInputError(f"no working copies for {original.media_type} files")
    operation = "blur+strip-metadata" if blur_regions else "strip-metadata"
    pipeline = Pipeline()
    with store.stage(io.BytesIO(data)) as staged:
        metadata = pipeline.reader.read(staged.path, media_type)
        fingerprint = pipeline.fingerprinter.fingerprint(staged.path, metadata)
        blob = staged.commit()
    stem = original.original_name.rsplit(".", 1)[0]
    payload: dict[str, Any] = {
        "digest": blob.digest,
        "size": blob.size,
        "media_type": media_type,
        "original_name": f"{stem}.working.{ext}",
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
