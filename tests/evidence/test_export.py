"""Court export: the stand-alone verifier passes a good package and catches tampering."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gawah.errors import UserInputError
from gawah.evidence import (
    add_evidence,
    custody_history,
    make_working_copy,
    record_custody,
)
from gawah.evidence.export import export_package
from gawah.evidence.timestamp import request_timestamp
from gawah.ledger import DeviceKey
from gawah.testing.evidence_media import camera_exif, image_bytes, minimal_pdf, scene
from gawah.workspace import Workspace

VERIFIER = Path(__file__).parents[2] / "src/gawah/evidence/verifier/verify_package.py"


def run_verifier(pkg: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(pkg / "verify_package.py"), str(pkg), *extra],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, local_tsa: Any) -> Path:
    """A package for report R-1: a photo, its blurred copy and a PDF, with a timestamp."""
    d = tmp_path_factory.mktemp("export")
    with Workspace.init(d / "ws", author="FICTIONAL documenter") as ws:
        (d / "photo.jpg").write_bytes(image_bytes(scene(31), exif=camera_exif()))
        (d / "report.pdf").write_bytes(minimal_pdf())
        photo = add_evidence(ws, d / "photo.jpg", received_from="FICTIONAL witness")
        request_timestamp(ws, local_tsa.url, local_tsa.ca_file)
        add_evidence(ws, d / "report.pdf", report_id="R-1")
        copy = make_working_copy(ws, photo.digest, blur_regions=[(0, 0, 50, 50)])
        record_custody(ws, copy.digest, "linked", report_id="R-1")
        record_custody(ws, photo.digest, "transferred", to="FICTIONAL lawyer")
        result = export_package(ws, d / "pkg", report_id="R-1")
        assert result.items == 3
        assert (
            result.originals_with_sensitive == 2
        )  # the photo (GPS) and the PDF (author)
        assert custody_history(ws.conn, photo.digest)[-1].action == "exported"
    return d / "pkg"


def _manifest(pkg: Path) -> dict[str, Any]:
    return json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))


def _save(pkg: Path, m: dict[str, Any]) -> None:
    (pkg / "manifest.json").write_text(json.dumps(m, indent=2), encoding="utf-8")


def _flip_file_byte(pkg: Path) -> None:
    f = pkg / _manifest(pkg)["items"][0]["file"]
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01
    f.write_bytes(bytes(data))


def _remove_file(pkg: Path) -> None:
    (pkg / _manifest(pkg)["items"][1]["file"]).unlink()


def _edit_metadata(pkg: Path) -> None:
    m = _manifest(pkg)
    item = next(i for i in m["items"] if i["media_type"] == "image/jpeg")
    item["metadata"]["capture_time"] = "2024:11:27 09:00:00"
    _save(pkg, m)


def _swap_file_and_manifest(pkg: Path) -> None:
    import hashlib

    m = _manifest(pkg)
    forged = b"FICTIONAL forged document"
    item = m["items"][0]
    (pkg / item["file"]).write_bytes(forged)
    item["digest"], item["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    _save(pkg, m)


def _edit_event(pkg: Path) -> None:
    m = _manifest(pkg)
    ev = next(e for e in m["events"] if e["kind"] == "evidence.transferred")
    ev["raw"] = ev["raw"].replace("FICTIONAL lawyer", "FICTIONAL someone else")
    _save(pkg, m)


def _resign_event_with_other_key(pkg: Path) -> None:
    import hashlib

    m = _manifest(pkg)
    ev = next(e for e in m["events"] if e["kind"] == "evidence.transferred")
    key = DeviceKey.generate()
    obj = json.loads(ev["raw"])
    obj["device"] = key.device
    obj["payload"]["to"] = "FICTIONAL someone else"
    raw = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    ev["raw"], ev["id"] = raw, hashlib.sha256(raw.encode()).hexdigest()
    ev["signature"] = key.sign(raw.encode()).hex()
    _save(pkg, m)


def _drop_receipt(pkg: Path) -> None:
    m = _manifest(pkg)
    m["events"] = [e for e in m["events"] if e["kind"] != "evidence.received"]
    _save(pkg, m)


def _bad_proof(pkg: Path) -> None:
    m = _manifest(pkg)
    path = m["events"][0]["proof"]["path"]
    path[0] = ("0" if path[0][0] != "0" else "1") + path[0][1:]
    _save(pkg, m)


def _bad_checkpoint_signature(pkg: Path) -> None:
    m = _manifest(pkg)
    body, _, sig_line = m["checkpoints"][0].partition("\n\n")
    prefix, _, b64 = sig_line.rstrip("\n").rpartition(" ")
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    m["checkpoints"][0] = f"{body}\n\n{prefix} {base64.b64encode(raw).decode()}\n"
    _save(pkg, m)


def _checkpoint_root_changed(pkg: Path) -> None:
    m = _manifest(pkg)
    lines = m["checkpoints"][0].split("\n")
    lines[2] = base64.b64encode(b"\x00" * 32).decode()
    m["checkpoints"][0] = "\n".join(lines)
    _save(pkg, m)


def _timestamp_checkpoint_changed(pkg: Path) -> None:
    m = _manifest(pkg)
    m["timestamps"][0]["checkpoint"] = m["checkpoints"][0]
    _save(pkg, m)


def _path_escapes_package(pkg: Path) -> None:
    m = _manifest(pkg)
    outside = pkg.parent / "outside.bin"
    shutil.copy(pkg / m["items"][0]["file"], outside)
    m["items"][0]["file"] = str(outside)  # same bytes, but not in the package
    _save(pkg, m)


TAMPERS: dict[str, Callable[[Path], None]] = {
    "file path escapes the package": _path_escapes_package,
    "changed file": _flip_file_byte,
    "removed file": _remove_file,
    "changed metadata in manifest": _edit_metadata,
    "swapped file and manifest digest": _swap_file_and_manifest,
    "changed event": _edit_event,
    "event re-signed by another key": _resign_event_with_other_key,
    "dropped receipt event": _drop_receipt,
    "bad inclusion proof": _bad_proof,
    "bad checkpoint signature": _bad_checkpoint_signature,
    "checkpoint root changed": _checkpoint_root_changed,
    "timestamp moved to another checkpoint": _timestamp_checkpoint_changed,
}


class TestExportPackage:
    def test_good_package_verifies(self, package: Path) -> None:
        """An untouched package passes every check, including the timestamp."""
        out = run_verifier(package)
        assert out.returncode == 0, out.stdout
        assert "ALL CHECKS PASSED" in out.stdout
        assert "existed no later than" in out.stdout

    def test_layout_and_sha256sums(self, package: Path) -> None:
        """Files, SHA256SUMS, VERIFY.md and openssl-ready files are present and agree."""
        if shutil.which("sha256sum"):
            check = subprocess.run(
                ["sha256sum", "-c", "SHA256SUMS"],
                cwd=package,
                capture_output=True,
                check=False,
            )
            assert check.returncode == 0
        m = _manifest(package)
        text = (package / "VERIFY.md").read_text(encoding="utf-8")
        assert "sha256sum -c SHA256SUMS" in text
        assert "existed no later than" in text
        assert all(i["digest"] in text for i in m["items"])
        assert len(list((package / "events").glob("*.sig"))) == len(m["events"])
        assert (package / "timestamps" / "1.tsr").is_file()

    def test_sensitive_metadata_left_out_by_default(self, package: Path) -> None:
        """No GPS or serial number appears anywhere in a default package."""
        for path in package.rglob("*"):
            if path.is_file() and path.suffix in {".json", ".md"}:
                text = path.read_text(encoding="utf-8")
                assert "FICTIONAL-SN-0001" not in text
                assert "Dr. Fictional" not in text

    def test_verifier_under_300_lines(self) -> None:
        """The stand-alone verifier stays short enough to read before trusting it."""
        assert len(VERIFIER.read_text(encoding="utf-8").splitlines()) < 300

    def test_trusted_device_option(self, package: Path) -> None:
        """--device with the right key passes; with another key every event fails."""
        device = json.loads(_manifest(package)["events"][0]["raw"])["device"]
        assert run_verifier(package, "--device", device).returncode == 0
        assert run_verifier(package, "--device", "ab" * 32).returncode == 3

    @pytest.mark.parametrize("tamper", sorted(TAMPERS))
    def test_tampering_is_caught(
        self, package: Path, tmp_path: Path, tamper: str
    ) -> None:
        """Each kind of tampering makes the verifier fail with exit status 3."""
        copy = tmp_path / "pkg"
        shutil.copytree(package, copy)
        TAMPERS[tamper](copy)
        out = run_verifier(copy)
        assert out.returncode == 3, out.stdout
        assert "FAIL" in out.stdout


class TestSecondVerifier:
    @pytest.mark.parametrize("tamper", ["untouched", *sorted(TAMPERS)])
    def test_both_verifiers_agree(
        self, package: Path, tmp_path: Path, tamper: str
    ) -> None:
        """gawah's own package check and the stand-alone verifier agree on each case (S31)."""
        from gawah.evidence.package_check import check_package

        copy = tmp_path / "pkg"
        shutil.copytree(package, copy)
        if tamper != "untouched":
            TAMPERS[tamper](copy)
        standalone_fails = run_verifier(copy).returncode == 3
        assert bool(check_package(copy)) == standalone_fails
        assert standalone_fails == (tamper != "untouched")


class TestExportRefusals:
    def test_non_empty_target_refused(
        self, ws: Workspace, photo: Path, tmp_path: Path
    ) -> None:
        """A target folder with files in it is refused and left as it was."""
        add_evidence(ws, photo, report_id="R-2")
        target = tmp_path / "busy"
        target.mkdir()
        (target / "keep.txt").write_text("FICTIONAL")
        with pytest.raises(UserInputError, match="not an empty folder"):
            export_package(ws, target, report_id="R-2")
        assert [p.name for p in target.iterdir()] == ["keep.txt"]

    def test_altered_blob_aborts_export(
        self, ws: Workspace, photo: Path, tmp_path: Path
    ) -> None:
        """A blob that fails its re-hash stops the export and leaves no folder."""
        from gawah.errors import EvidenceIntegrityError
        from gawah.evidence.ingest import blob_store

        item = add_evidence(ws, photo, report_id="R-3")
        blob = blob_store(ws).path_for(item.digest)
        blob.chmod(0o600)
        blob.write_bytes(blob.read_bytes() + b"\x00")
        with pytest.raises(EvidenceIntegrityError):
            export_package(ws, tmp_path / "out", report_id="R-3")
        assert not (tmp_path / "out").exists()
        assert [p for p in tmp_path.iterdir() if "partial" in p.name] == []

    def test_sensitive_included_on_request(
        self, ws: Workspace, photo: Path, tmp_path: Path
    ) -> None:
        """With include_sensitive the GPS event is exported and still verifies."""
        add_evidence(ws, photo, report_id="R-4")
        export_package(ws, tmp_path / "out", report_id="R-4", include_sensitive=True)
        assert "FICTIONAL-SN-0001" in (tmp_path / "out" / "manifest.json").read_text()
        assert run_verifier(tmp_path / "out").returncode == 0


class TestPortableNames:
    def test_long_and_windows_unsafe_names(self) -> None:
        """Export file names drop characters Windows forbids and stay short."""
        from gawah.evidence.export import _portable_name

        assert _portable_name('a:b?"c".jpg') == "a_b__c_.jpg"
        long = "ب" * 120 + ".mp4"
        out = _portable_name(long)
        assert out.endswith(".mp4")
        assert len(out.encode()) <= 180
