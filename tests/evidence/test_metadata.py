"""Identifying metadata is found wherever it hides; PDF working copies carry none."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from gawah.evidence import add_evidence, make_working_copy, sensitive_metadata
from gawah.evidence.ingest import blob_store
from gawah.testing.evidence_media import camera_exif, scene
from gawah.workspace import Workspace

XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description rdf:about="">'
    "<dc:creator><rdf:Seq><rdf:li>FICTIONAL Creator One</rdf:li>"
    "<rdf:li>FICTIONAL Creator Two</rdf:li></rdf:Seq></dc:creator>"
    '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">FICTIONAL Rights</rdf:li>'
    "</rdf:Alt></dc:rights>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)
#: Every identifying value planted in the test photo (FICTIONAL).
PLANTED = (
    "FICTIONAL Artist", "FICTIONAL Copyright Holder", "FICTIONAL-LENS-77",
    "FICTIONAL Owner", "FICTIONAL Person", "FICTIONAL XP Author", "FICTIONAL-SN-0001",
)  # fmt: skip


def identifying_jpeg() -> bytes:
    """A photo with GPS, serials, owner, artist, copyright, XP author and a comment."""
    exif = camera_exif()
    exif[0x013B] = "FICTIONAL Artist"
    exif[0x8298] = "FICTIONAL Copyright Holder"
    exif[0x9C9D] = "FICTIONAL XP Author\x00".encode("utf-16-le")
    sub = exif.get_ifd(0x8769)
    sub[0xA435] = "FICTIONAL-LENS-77"
    sub[0xA430] = "FICTIONAL Owner"
    sub[0x9286] = b"ASCII\x00\x00\x00Photo of FICTIONAL Person at home"
    buf = io.BytesIO()
    scene(12).save(buf, "JPEG", exif=exif, xmp=XMP.encode())
    return buf.getvalue()


def _stream(head: bytes, data: bytes) -> bytes:
    return head + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def pdf_with_photo(jpeg: bytes, xmp: str = XMP) -> bytes:
    """A one-page PDF showing ``jpeg`` byte for byte (DCTDecode), with an XMP packet."""
    with Image.open(io.BytesIO(jpeg)) as im:
        w, h = im.size
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>" % (w, h),
        _stream(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
            b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode" % (w, h),
            jpeg,
        ),
        _stream(b"<<", b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (w, h)),
        _stream(b"<< /Type /Metadata /Subtype /XML", xmp.encode()),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


class TestIdentifyingMetadata:
    def test_photo_fields_found(self, ws: Workspace, tmp_path: Path) -> None:
        """Copyright, XPAuthor, a UserComment and XMP lists are identifying."""
        path = tmp_path / "photo.jpg"
        path.write_bytes(identifying_jpeg())
        item = add_evidence(ws, path)
        secret = sensitive_metadata(ws.conn, item.digest)
        assert secret["copyright"] == "FICTIONAL Copyright Holder"
        assert secret["xp_author"] == "FICTIONAL XP Author"
        assert "FICTIONAL Person" in secret["user_comment"]
        assert secret["xmp_creator"] == "FICTIONAL Creator One; FICTIONAL Creator Two"
        assert secret["xmp_copyright"] == "FICTIONAL Rights"
        assert secret["lens_serial"] == "FICTIONAL-LENS-77"
        public = str(item.metadata)
        assert not any(value in public for value in PLANTED)

    def test_pdf_xmp_found(self, ws: Workspace, tmp_path: Path) -> None:
        """A PDF's own XMP packet is read: its creator list is identifying."""
        path = tmp_path / "doc.pdf"
        path.write_bytes(pdf_with_photo(identifying_jpeg()))
        item = add_evidence(ws, path)
        secret = sensitive_metadata(ws.conn, item.digest)
        assert secret["xmp_creator"] == "FICTIONAL Creator One; FICTIONAL Creator Two"
        assert item.metadata["page_count"] == 1


class TestPdfWorkingCopy:
    def test_copy_carries_no_embedded_metadata(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """The working copy of a PDF holding a camera photo has none of its metadata."""
        jpeg = identifying_jpeg()
        path = tmp_path / "doc.pdf"
        path.write_bytes(pdf_with_photo(jpeg))
        original = add_evidence(ws, path)
        store = blob_store(ws)
        assert b"FICTIONAL-LENS-77" in store.path_for(original.digest).read_bytes()
        copy = make_working_copy(ws, original.digest)
        data = store.path_for(copy.digest).read_bytes()
        for value in (*PLANTED, "FICTIONAL Creator", "Exif", "xmpmeta"):
            assert value.encode() not in data, value
        assert copy.metadata["page_count"] == 1
        assert sensitive_metadata(ws.conn, copy.digest) == {}
        assert store.path_for(original.digest).read_bytes() == path.read_bytes()

    def test_copy_shows_the_same_page(self, ws: Workspace, tmp_path: Path) -> None:
        """The re-rendered page looks like the original photo (mean error small)."""
        import numpy as np
        import pypdfium2 as pdfium  # type: ignore[import-untyped]

        jpeg = identifying_jpeg()
        path = tmp_path / "doc.pdf"
        path.write_bytes(pdf_with_photo(jpeg))
        copy = make_working_copy(ws, add_evidence(ws, path).digest)
        doc = pdfium.PdfDocument(str(blob_store(ws).path_for(copy.digest)))
        with Image.open(io.BytesIO(jpeg)) as im:
            want = np.asarray(im.convert("RGB"), dtype=float)
            page = doc[0].render(scale=1).to_pil().convert("RGB").resize(im.size)
        doc.close()
        assert np.abs(np.asarray(page, dtype=float) - want).mean() < 12
