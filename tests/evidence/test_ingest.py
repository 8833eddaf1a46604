"""Taking evidence in: metadata, sensitivity, originals untouched, bad input refused."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from gawah.errors import UserInputError
from gawah.evidence import (
    DamagedMediaError,
    DecompressionBombError,
    EmptyFileError,
    OversizeError,
    Pipeline,
    UnsafeNameError,
    add_evidence,
    custody_history,
    get_evidence,
    list_evidence,
    sensitive_metadata,
)
from gawah.sealing import Opener
from gawah.testing.evidence_media import (
    image_bytes,
    minimal_pdf,
    png_bomb,
    scene,
    write_video,
)
from gawah.workspace import Workspace


def _nothing_stored(ws: Workspace, events_before: int) -> None:
    assert ws.ledger.count() == events_before
    blobs = [p for p in (ws.home / "evidence").rglob("*") if p.is_file()]
    assert blobs == []


class TestAddEvidence:
    def test_photo_metadata_and_sensitive_split(
        self, ws: Workspace, photo: Path
    ) -> None:
        """EXIF capture time and device go in the receipt; GPS and serial only in their own event."""
        item = add_evidence(ws, photo, report_id="R-1", received_from="FICTIONAL nurse")
        assert item.media_type == "image/jpeg"
        assert item.metadata["capture_time"] == "2024:11:26 21:14:03"
        assert item.metadata["device_make"] == "FictionalPhone"
        assert item.metadata["sensitive_fields"] == ["device_serial", "gps"]
        received = [e for e in ws.ledger.events() if e.kind == "evidence.received"]
        assert b"FICTIONAL-SN-0001" not in received[0].raw
        assert b"33.68" not in received[0].raw
        secret = sensitive_metadata(ws.conn, item.digest)
        assert secret["device_serial"] == "FICTIONAL-SN-0001"
        assert secret["gps"].startswith("33.684")
        assert item.report_ids == ("R-1",)

    def test_original_file_never_modified(self, ws: Workspace, photo: Path) -> None:
        """The source file keeps its bytes and modification time; the blob equals it."""
        before = (photo.read_bytes(), photo.stat().st_mtime_ns)
        item = add_evidence(ws, photo)
        assert (photo.read_bytes(), photo.stat().st_mtime_ns) == before
        blob = (
            ws.home
            / "evidence"
            / "sha256"
            / item.digest[:2]
            / item.digest[2:4]
            / item.digest
        )
        assert blob.read_bytes() == before[0]
        assert item.digest == hashlib.sha256(before[0]).hexdigest()

    def test_type_sniffed_from_bytes_not_extension(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A PNG named .jpg is recorded as image/png."""
        path = tmp_path / "looks-like.jpg"
        path.write_bytes(image_bytes(scene(3), "PNG"))
        assert add_evidence(ws, path).media_type == "image/png"

    def test_stripped_photo_is_flagged(self, ws: Workspace, tmp_path: Path) -> None:
        """A photo without EXIF or XMP is flagged metadata-missing and no-capture-time."""
        path = tmp_path / "forwarded.jpg"
        path.write_bytes(image_bytes(scene(4)))
        item = add_evidence(ws, path)
        assert {"metadata-missing", "no-capture-time"} <= set(item.flags)

    def test_video_container_metadata(self, ws: Workspace, tmp_path: Path) -> None:
        """Duration, codec and creation time are read; an embedded location is sensitive."""
        path = write_video(
            tmp_path / "clip.mp4",
            seed=5,
            seconds=2,
            metadata={
                "creation_time": "2024-11-26T21:14:03Z",
                "location": "+33.68+073.04/",
            },
        )
        item = add_evidence(ws, path)
        assert item.kind == "video"
        assert item.media_type.startswith("video/")
        assert item.metadata["duration_s"] == pytest.approx(2.0, abs=0.2)
        assert item.metadata["capture_time"].startswith("2024-11-26T21:14:03")
        assert any(c.startswith("video:") for c in item.metadata["codecs"])
        assert sensitive_metadata(ws.conn, item.digest)["gps"].startswith("+33.68")

    def test_pdf_metadata_author_sensitive(self, ws: Workspace, tmp_path: Path) -> None:
        """PDF title and page count are recorded; the author is sensitive."""
        path = tmp_path / "report.pdf"
        path.write_bytes(minimal_pdf())
        item = add_evidence(ws, path)
        assert item.metadata["title"] == "FICTIONAL medical report"
        assert item.metadata["page_count"] == 1
        assert sensitive_metadata(ws.conn, item.digest) == {"author": "Dr. Fictional"}

    def test_stream_with_name(self, ws: Workspace) -> None:
        """A stream (web upload) is stored under the name given with it."""
        item = add_evidence(ws, io.BytesIO(b"FICTIONAL testimony\n"), name="t.txt")
        assert item.original_name == "t.txt"
        assert item.media_type == "text/plain"

    def test_second_receipt_adds_custody_not_item(
        self, ws: Workspace, photo: Path
    ) -> None:
        """The same bytes from a second person are one item with two receipts."""
        a = add_evidence(ws, photo, received_from="FICTIONAL A")
        add_evidence(ws, photo, received_from="FICTIONAL B")
        assert len(list_evidence(ws.conn)) == 1
        receipts = [
            c
            for c in custody_history(
                ws.conn, a.digest, include_sensitive=True, opener=Opener(ws)
            )
            if c.action == "received"
        ]
        assert [c.detail["received_from"] for c in receipts] == [
            "FICTIONAL A",
            "FICTIONAL B",
        ]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


class TestBadInput:
    @pytest.mark.parametrize(
        ("name", "make", "error"),
        [
            ("empty.jpg", lambda p: b"", EmptyFileError),
            ("cut.jpg", lambda p: _truncated(image_bytes(scene(1))), DamagedMediaError),
            (
                "cut.png",
                lambda p: _truncated(image_bytes(scene(1), "PNG")),
                DamagedMediaError,
            ),
            ("cut.pdf", lambda p: _truncated(minimal_pdf()), DamagedMediaError),
            ("bomb.png", lambda p: png_bomb(), DecompressionBombError),
            (
                "cut.mp4",
                lambda p: _truncated(
                    write_video(p / "v.mp4", seed=1, seconds=2).read_bytes()
                ),
                DamagedMediaError,
            ),
        ],
    )
    def test_refused_and_nothing_left(
        self, ws: Workspace, tmp_path: Path, name: str, make: object, error: type
    ) -> None:
        """Empty, truncated and bomb files raise a clear error and leave no blob or event."""
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        path = tmp_path / name
        path.write_bytes(make(scratch))  # type: ignore[operator]
        before = ws.ledger.count()
        with pytest.raises(error) as info:
            add_evidence(ws, path)
        assert "nothing was stored" in str(info.value)
        _nothing_stored(ws, before)

    def test_bomb_caught_by_explicit_pixel_limit(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A configurable pixel limit refuses images below Pillow's own bomb threshold."""
        from gawah.evidence.ingest import (
            PerceptualFingerprinter,
            StandardMetadataReader,
        )

        path = tmp_path / "big.png"
        path.write_bytes(image_bytes(scene(1, (400, 300)), "PNG"))
        small = Pipeline(
            reader=StandardMetadataReader(max_pixels=100_000),
            fingerprinter=PerceptualFingerprinter(max_pixels=100_000),
        )
        with pytest.raises(DecompressionBombError):
            add_evidence(ws, path, pipeline=small)
        _nothing_stored(ws, ws.ledger.count())

    def test_oversize_limit_enforced(self, ws: Workspace, tmp_path: Path) -> None:
        """A file above the configured byte limit is refused while streaming."""
        path = tmp_path / "big.bin"
        path.write_bytes(b"\x00" * 5000)
        before = ws.ledger.count()
        with pytest.raises(OversizeError):
            add_evidence(ws, path, pipeline=Pipeline(max_bytes=4096))
        _nothing_stored(ws, before)

    @pytest.mark.parametrize(
        "name",
        [
            "../../etc/passwd",
            "a/b.jpg",
            "..\\x.jpg",
            "photo\u202egpj.exe",
            "x\x00.jpg",
            "..",
        ],
    )
    def test_unsafe_names_refused(self, ws: Workspace, name: str) -> None:
        """Path traversal, RTL override and control characters in a name are refused."""
        before = ws.ledger.count()
        with pytest.raises(UnsafeNameError):
            add_evidence(ws, io.BytesIO(b"FICTIONAL"), name=name)
        _nothing_stored(ws, before)

    def test_urdu_name_with_joiners_accepted(self, ws: Workspace) -> None:
        """Urdu names keep their zero-width non-joiner and are recorded unchanged."""
        name = "ویڈیو\u200cکلپ ۲۶ نومبر.txt"
        item = add_evidence(ws, io.BytesIO(b"FICTIONAL"), name=name)
        assert item.original_name == name

    def test_damaged_kept_when_allowed(self, ws: Workspace, tmp_path: Path) -> None:
        """With allow_damaged a truncated file is stored and flagged, bytes intact."""
        data = _truncated(image_bytes(scene(2)))
        path = tmp_path / "cut.jpg"
        path.write_bytes(data)
        item = add_evidence(ws, path, allow_damaged=True)
        assert "damaged" in item.flags
        assert item.digest == hashlib.sha256(data).hexdigest()

    def test_failed_append_removes_new_blob(self, ws: Workspace, photo: Path) -> None:
        """If the ledger refuses the event, the freshly stored blob is removed again."""

        class Refusing:
            def __getattr__(self, name: str) -> object:
                return getattr(ws, name)

            def append_many(self, items: object) -> list[object]:
                raise RuntimeError("FICTIONAL disk full")

        with pytest.raises(RuntimeError):
            add_evidence(Refusing(), photo)  # type: ignore[arg-type]
        assert [p for p in (ws.home / "evidence").rglob("*") if p.is_file()] == []
        assert (
            get_evidence(ws.conn, hashlib.sha256(photo.read_bytes()).hexdigest())
            is None
        )

    def test_missing_file_is_user_error(self, ws: Workspace, tmp_path: Path) -> None:
        """A path that does not exist is a user error naming the file."""
        with pytest.raises(UserInputError, match=r"nope\.jpg"):
            add_evidence(ws, tmp_path / "nope.jpg")


class TestBatch:
    def test_batch_stores_good_lists_refused(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A batch stores the good files in one transaction and lists the refused ones."""
        from gawah.evidence import Receipt, add_evidence_many

        good = []
        for i in range(5):
            p = tmp_path / f"note-{i}.txt"
            p.write_text(f"FICTIONAL statement {i}")
            good.append(p)
        bad = tmp_path / "bomb.png"
        bad.write_bytes(png_bomb())
        seen: list[tuple[str, bool]] = []
        items, refused = add_evidence_many(
            ws,
            [*good[:2], bad, *good[2:]],
            Receipt(report_id="R-5", received_from="FICTIONAL courier"),
            on_file=lambda p, e: seen.append((p.name, e is None)),
        )
        assert [i.original_name for i in items] == [p.name for p in good]
        assert [p for p, _ in refused] == [bad]
        assert ("bomb.png", False) in seen
        assert len(seen) == 6
        assert [i.digest for i in list_evidence(ws.conn, report_id="R-5")] == [
            i.digest for i in items
        ]
        blobs = [p for p in (ws.home / "evidence").rglob("*") if p.is_file()]
        assert len(blobs) == 5


class TestUnreadableFormats:
    def test_heic_kept_without_metadata(self, ws: Workspace, tmp_path: Path) -> None:
        """An image type Pillow cannot read (HEIC) is stored as-is and flagged, not refused."""
        path = tmp_path / "IMG_0001.HEIC"
        path.write_bytes(
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
        )
        item = add_evidence(ws, path)
        assert item.media_type == "image/heif"
        assert "no-metadata-reader" in item.flags
        assert get_evidence(ws.conn, item.digest) is not None

    def test_truncated_jpeg_still_refused(self, ws: Workspace, tmp_path: Path) -> None:
        """A type Pillow reads that fails to decode is still refused as damaged."""
        path = tmp_path / "cut.jpg"
        path.write_bytes(image_bytes(scene(5))[:300])
        with pytest.raises(DamagedMediaError):
            add_evidence(ws, path)


class TestXmp:
    def test_xmp_gps_and_creator_are_sensitive(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """GPS and the creator's name found only in XMP are sensitive; the capture time is read."""
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            'exif:DateTimeOriginal="2024-11-26T21:14:03" exif:GPSLatitude="33,41.06N" '
            'exif:GPSLongitude="73,2.87E" tiff:Model="FICTIONAL cam">'
            "<dc:creator>FICTIONAL Person</dc:creator>"
            "</rdf:Description></rdf:RDF></x:xmpmeta>"
        )
        buf = io.BytesIO()
        scene(9).save(buf, "JPEG", xmp=xmp.encode())
        path = tmp_path / "xmp.jpg"
        path.write_bytes(buf.getvalue())
        item = add_evidence(ws, path)
        assert item.metadata["capture_time"] == "2024-11-26T21:14:03"
        assert item.metadata["device_model"] == "FICTIONAL cam"
        assert "gps-present" in item.flags
        secret = sensitive_metadata(ws.conn, item.digest)
        assert secret["xmp_gps_lat"] == "33,41.06N"
        assert secret["owner_name"] == "FICTIONAL Person"
        received = next(e for e in ws.ledger.events() if e.kind == "evidence.received")
        assert b"FICTIONAL Person" not in received.raw
