"""Chain of custody and working copies; the projection is a pure fold of the ledger."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gawah.errors import UserInputError
from gawah.evidence import (
    add_evidence,
    custody_history,
    get_evidence,
    list_evidence,
    make_working_copy,
    open_blob,
    record_custody,
    sensitive_metadata,
)
from gawah.sealing import Opener
from gawah.workspace import Workspace


class TestCustody:
    def test_history_in_order(self, ws: Workspace, photo: Path) -> None:
        """Received, linked, transferred and viewed appear in the order recorded."""
        item = add_evidence(
            ws,
            photo,
            received_from="FICTIONAL witness",
            source="field team",
            handed_over_at="2024-11-27 morning",
        )
        record_custody(ws, item.digest, "linked", incident_id="INC-1")
        record_custody(
            ws, item.digest, "transferred", to="FICTIONAL lawyer", method="USB",
            from_="FICTIONAL documenter", at="2024-11-28 noon", place="FICTIONAL office",
        )  # fmt: skip
        record_custody(ws, item.digest, "viewed", note="FICTIONAL review")
        chain = custody_history(
            ws.conn, item.digest, include_sensitive=True, opener=Opener(ws)
        )
        assert [c.action for c in chain] == [
            "received",
            "linked",
            "transferred",
            "viewed",
        ]
        assert chain[0].detail["received_from"] == "FICTIONAL witness"
        assert chain[0].detail["handed_over_at"] == "2024-11-27 morning"
        transfer = chain[2].detail
        assert (transfer["from"], transfer["to"]) == (
            "FICTIONAL documenter", "FICTIONAL lawyer",
        )  # fmt: skip
        assert (transfer["handed_over_at"], transfer["place"], transfer["method"]) == (
            "2024-11-28 noon", "FICTIONAL office", "USB",
        )  # fmt: skip
        assert chain[3].detail["note"] == "FICTIONAL review"
        assert get_evidence(ws.conn, item.digest).incident_ids == ("INC-1",)  # type: ignore[union-attr]
        assert [i.digest for i in list_evidence(ws.conn, incident_id="INC-1")] == [
            item.digest
        ]

    def test_sources_kept_out_of_public_events(
        self, ws: Workspace, photo: Path
    ) -> None:
        """Who handed over, to whom, where and notes are in side events only."""
        item = add_evidence(
            ws, photo, received_from="FICTIONAL witness", note="FICTIONAL note 1"
        )
        record_custody(
            ws, item.digest, "transferred", to="FICTIONAL lawyer",
            from_="FICTIONAL courier", place="FICTIONAL cafe", note="FICTIONAL note 2",
        )  # fmt: skip
        secrets = ("FICTIONAL witness", "FICTIONAL lawyer", "FICTIONAL courier",
                   "FICTIONAL cafe", "FICTIONAL note")  # fmt: skip
        for ev in ws.ledger.events():  # side events included: they are sealed
            text = ev.raw.decode()
            assert not any(s in text for s in secrets), ev.kind
        unsealed = custody_history(ws.conn, item.digest, include_sensitive=True)
        assert not any(s in str(e.detail) for e in unsealed for s in secrets)
        hidden = custody_history(ws.conn, item.digest)
        assert not any(s in str(e.detail) for e in hidden for s in secrets)
        listed = list_evidence(ws.conn)[0]
        assert (listed.received_from, listed.note) == (None, None)
        owner = get_evidence(
            ws.conn, item.digest, include_sensitive=True, opener=Opener(ws)
        )
        assert owner is not None
        assert owner.received_from == "FICTIONAL witness"
        assert owner.note == "FICTIONAL note 1"

    def test_rebuild_keeps_custody_details(self, ws: Workspace, photo: Path) -> None:
        """The side events fold back into the same details after a rebuild."""
        item = add_evidence(ws, photo, received_from="FICTIONAL witness")
        ws.ledger.rebuild()
        owner = get_evidence(
            ws.conn, item.digest, include_sensitive=True, opener=Opener(ws)
        )
        assert owner is not None
        assert owner.received_from == "FICTIONAL witness"

    @pytest.mark.parametrize(
        ("action", "kwargs"),
        [("deleted", {}), ("transferred", {}), ("linked", {})],
    )
    def test_invalid_custody_refused(
        self, ws: Workspace, photo: Path, action: str, kwargs: dict[str, str]
    ) -> None:
        """Unknown actions, transfers without a recipient, links without a target are refused."""
        item = add_evidence(ws, photo)
        before = ws.ledger.count()
        with pytest.raises(UserInputError):
            record_custody(ws, item.digest, action, **kwargs)  # type: ignore[arg-type]
        assert ws.ledger.count() == before

    def test_link_to_person(self, ws: Workspace, photo: Path) -> None:
        """A blob linked to a person in the register is listed for that person."""
        item = add_evidence(ws, photo)
        record_custody(ws, item.digest, "linked", person_id="P-FICTIONAL-1")
        assert [
            i.digest for i in list_evidence(ws.conn, person_id="P-FICTIONAL-1")
        ] == [item.digest]
        assert list_evidence(ws.conn, person_id="P-other") == []
        linked = get_evidence(ws.conn, item.digest)
        assert linked is not None
        assert linked.person_ids == ("P-FICTIONAL-1",)

    def test_unknown_digest_refused(self, ws: Workspace) -> None:
        """Custody cannot be recorded for a blob the ledger does not know."""
        with pytest.raises(UserInputError, match="no evidence"):
            record_custody(ws, "ab" * 32, "viewed")

    def test_open_blob_reads_original(self, ws: Workspace, photo: Path) -> None:
        """open_blob returns the stored bytes unchanged."""
        item = add_evidence(ws, photo)
        with open_blob(ws, item.digest) as fh:
            assert fh.read() == photo.read_bytes()

    def test_rebuild_reproduces_tables(self, ws: Workspace, photo: Path) -> None:
        """Dropping and replaying the projection gives the same items and chains."""
        item = add_evidence(ws, photo, report_id="R-9")
        record_custody(ws, item.digest, "viewed")
        copy = make_working_copy(ws, item.digest)
        before = (list_evidence(ws.conn), custody_history(ws.conn, item.digest))
        secret = sensitive_metadata(ws.conn, item.digest)
        ws.ledger.rebuild()
        assert (list_evidence(ws.conn), custody_history(ws.conn, item.digest)) == before
        assert sensitive_metadata(ws.conn, item.digest) == secret
        assert get_evidence(ws.conn, copy.digest) is not None


class TestWorkingCopy:
    def test_copy_is_new_blob_original_untouched(
        self, ws: Workspace, photo: Path
    ) -> None:
        """A blurred copy is a new blob linked to its original, whose bytes do not change."""
        item = add_evidence(ws, photo)
        original_bytes = photo.read_bytes()
        copy = make_working_copy(ws, item.digest, blur_regions=[(50, 50, 200, 150)])
        assert copy.digest != item.digest
        assert copy.derived_from == item.digest
        assert copy.operation == "blur+strip-metadata"
        with open_blob(ws, item.digest) as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == item.digest
        assert fh.closed
        assert original_bytes == photo.read_bytes()
        actions = [c.action for c in custody_history(ws.conn, item.digest)]
        assert actions == ["received", "derived"]

    def test_copy_has_no_metadata_and_region_is_blurred(
        self, ws: Workspace, photo: Path
    ) -> None:
        """The copy carries no EXIF (no GPS, no serial) and the region loses detail."""
        item = add_evidence(ws, photo)
        region = (50, 50, 200, 150)
        copy = make_working_copy(ws, item.digest, blur_regions=[region])
        with open_blob(ws, copy.digest) as fh:
            im = Image.open(fh)
            im.load()
        assert len(im.getexif()) == 0
        assert sensitive_metadata(ws.conn, copy.digest) == {}
        with open_blob(ws, item.digest) as fh:
            orig = Image.open(fh).convert("RGB")
            orig.load()
        inner = (60, 60, 190, 140)

        def roughness(img: Image.Image) -> float:
            a = np.asarray(img.crop(inner).convert("L"), dtype=float)
            return float(np.abs(np.diff(a, axis=1)).mean())

        assert roughness(im) < roughness(orig) / 2
        outside = (0, 0, 40, 40)
        a = np.asarray(im.convert("RGB").crop(outside), dtype=int)
        b = np.asarray(orig.crop(outside), dtype=int)
        assert np.abs(a - b).max() <= 1

    def test_region_outside_refused(self, ws: Workspace, photo: Path) -> None:
        """A blur region entirely outside the picture is an error, nothing stored."""
        item = add_evidence(ws, photo)
        before = ws.ledger.count()
        with pytest.raises(UserInputError, match="outside"):
            make_working_copy(ws, item.digest, blur_regions=[(5000, 5000, 6000, 6000)])
        assert ws.ledger.count() == before

    def test_video_copy_drops_location_keeps_streams(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A video's working copy loses its location tag, keeps its frames, still matches."""
        from gawah.evidence import near_duplicate_groups
        from gawah.testing.evidence_media import write_video

        path = write_video(
            tmp_path / "clip.mp4",
            seed=8,
            seconds=2,
            metadata={"location": "+33.68+073.04/"},
        )
        item = add_evidence(ws, path)
        assert "gps" in sensitive_metadata(ws.conn, item.digest)
        copy = make_working_copy(ws, item.digest)
        assert copy.kind == "video"
        assert sensitive_metadata(ws.conn, copy.digest) == {}
        assert copy.metadata["duration_s"] == pytest.approx(
            item.metadata["duration_s"], abs=0.2
        )
        assert near_duplicate_groups(ws.conn) == [sorted([item.digest, copy.digest])]

    def test_pdf_copy_drops_author(self, ws: Workspace, tmp_path: Path) -> None:
        """A PDF's working copy has the same pages and no author or title."""
        from gawah.testing.evidence_media import minimal_pdf

        path = tmp_path / "r.pdf"
        path.write_bytes(minimal_pdf())
        item = add_evidence(ws, path)
        copy = make_working_copy(ws, item.digest)
        assert sensitive_metadata(ws.conn, copy.digest) == {}
        assert copy.metadata["page_count"] == 1
        assert "title" not in copy.metadata

    def test_unsupported_kinds_refused(self, ws: Workspace, tmp_path: Path) -> None:
        """Blurring a non-image, or copying a kind without a copier, is refused."""
        path = tmp_path / "t.txt"
        path.write_text("FICTIONAL")
        item = add_evidence(ws, path)
        with pytest.raises(UserInputError, match="images only"):
            make_working_copy(ws, item.digest, blur_regions=[(0, 0, 1, 1)])
        with pytest.raises(UserInputError, match="no working copies"):
            make_working_copy(ws, item.digest)


class TestOriginalsNeverWritten:
    def test_operations_leave_blobs_untouched(
        self, ws: Workspace, photo: Path, tmp_path: Path
    ) -> None:
        """Viewing, copying, verifying and exporting never change a stored original (S13)."""
        from gawah.evidence import verify_store
        from gawah.evidence.export import export_package

        item = add_evidence(ws, photo, report_id="R-S13")
        blobs = sorted((ws.home / "evidence" / "sha256").rglob("*"))
        before = {
            p: (p.stat().st_mtime_ns, p.stat().st_mode) for p in blobs if p.is_file()
        }
        with open_blob(ws, item.digest) as fh:
            fh.read()
        record_custody(ws, item.digest, "viewed")
        make_working_copy(ws, item.digest, blur_regions=[(0, 0, 30, 30)])
        assert verify_store(ws).ok
        export_package(ws, tmp_path / "pkg", report_id="R-S13")
        after = {p: (p.stat().st_mtime_ns, p.stat().st_mode) for p in before}
        assert after == before
        assert all(not mode & 0o222 for _, mode in after.values())
