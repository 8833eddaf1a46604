"""Court export: the stand-alone verifier passes a good package and catches tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
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
from gawah.evidence.export import _write_openssl_files, _write_sums, export_package
from gawah.evidence.package_check import check_package
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


def _make_package(d: Path, tsa: Any) -> Path:
    """Report R-1: a photo, its blurred copy and a PDF, a transfer, a timestamp."""
    d.mkdir(parents=True, exist_ok=True)
    with Workspace.init(d / "ws", author="FICTIONAL documenter") as ws:
        (d / "photo.jpg").write_bytes(image_bytes(scene(31), exif=camera_exif()))
        (d / "report.pdf").write_bytes(minimal_pdf())
        photo = add_evidence(ws, d / "photo.jpg", received_from="FICTIONAL witness")
        request_timestamp(ws, tsa.url, tsa.ca_file)
        add_evidence(ws, d / "report.pdf", report_id="R-1")
        copy = make_working_copy(ws, photo.digest, blur_regions=[(0, 0, 50, 50)])
        record_custody(ws, copy.digest, "linked", report_id="R-1")
        record_custody(ws, photo.digest, "transferred", to="FICTIONAL lawyer")
        record_custody(ws, photo.digest, "viewed")
        result = export_package(ws, d / "pkg", report_id="R-1")
        assert result.items == 3
        # the photo (GPS) and the PDF (author) carry metadata in their own bytes
        assert result.originals_with_sensitive == 2
        assert custody_history(ws.conn, photo.digest)[-1].action == "exported"
    return d / "pkg"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, local_tsa: Any) -> Path:
    return _make_package(tmp_path_factory.mktemp("export"), local_tsa)


@pytest.fixture(scope="module")
def forged(tmp_path_factory: pytest.TempPathFactory, local_tsa: Any) -> Path:
    """The same files exported by another device: a package re-signed with another key."""
    return _make_package(tmp_path_factory.mktemp("forged"), local_tsa)


def _manifest(pkg: Path) -> dict[str, Any]:
    return json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))


def _sums(pkg: Path) -> None:
    """Rewrite SHA256SUMS over the package as it is now (a careful forger would)."""
    (pkg / "SHA256SUMS").unlink()
    _write_sums(pkg)


def _save(pkg: Path, m: dict[str, Any]) -> None:
    """Write a changed manifest and every file derived from it, consistently."""
    (pkg / "manifest.json").write_text(json.dumps(m, indent=2), encoding="utf-8")
    for folder in ("events", "checkpoints", "timestamps"):
        shutil.rmtree(pkg / folder, ignore_errors=True)
    _write_openssl_files(pkg, m)
    _sums(pkg)


def _event(m: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e for e in m["events"] if e["kind"] == kind)


def _flip_file_byte(pkg: Path) -> None:
    f = pkg / _manifest(pkg)["items"][0]["file"]
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01
    f.write_bytes(bytes(data))


def _remove_file(pkg: Path) -> None:
    (pkg / _manifest(pkg)["items"][1]["file"]).unlink()


def _remove_file_and_its_sum(pkg: Path) -> None:
    (pkg / _manifest(pkg)["items"][1]["file"]).unlink()
    _sums(pkg)


def _add_file(pkg: Path) -> None:
    (pkg / "files" / "extra_FICTIONAL.txt").write_text("FICTIONAL planted file")


def _add_listed_file(pkg: Path) -> None:
    _add_file(pkg)
    _sums(pkg)


def _edit_sums(pkg: Path) -> None:
    lines = (pkg / "SHA256SUMS").read_text().splitlines()
    lines[0] = ("0" if lines[0][0] != "0" else "1") + lines[0][1:]
    (pkg / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def _edit_metadata(pkg: Path) -> None:
    m = _manifest(pkg)
    item = next(i for i in m["items"] if i["media_type"] == "image/jpeg")
    item["metadata"]["capture_time"] = "2024:11:27 09:00:00"
    _save(pkg, m)


def _swap_file_and_manifest(pkg: Path) -> None:
    m = _manifest(pkg)
    forged = b"FICTIONAL forged document"
    item = m["items"][0]
    (pkg / item["file"]).write_bytes(forged)
    item["digest"], item["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    _save(pkg, m)


def _edit_event(pkg: Path) -> None:
    m = _manifest(pkg)
    ev = _event(m, "evidence.transferred")
    ev["raw"] = ev["raw"].replace('"method":null', '"method":"FICTIONAL courier"')
    _save(pkg, m)


def _edit_event_file(pkg: Path) -> None:
    ev = _event(_manifest(pkg), "evidence.transferred")
    path = pkg / "events" / f"{ev['id']}.json"
    path.write_text(ev["raw"].replace('"method":null', '"method":"FICTIONAL courier"'))
    _sums(pkg)


def _edit_checkpoint_sig_file(pkg: Path) -> None:
    path = next((pkg / "checkpoints").glob("*.sig"))
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))
    _sums(pkg)


def _resign_event_with_other_key(pkg: Path) -> None:
    m = _manifest(pkg)
    ev = _event(m, "evidence.transferred")
    key = DeviceKey.generate()
    obj = json.loads(ev["raw"])
    obj["device"] = key.device
    obj["payload"]["method"] = "FICTIONAL courier"
    raw = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    old_id = ev["id"]
    ev["raw"], ev["id"] = raw, hashlib.sha256(raw.encode()).hexdigest()
    ev["signature"] = key.sign(raw.encode()).hex()
    for other in m["events"]:  # the statement cannot be changed: it is signed
        assert old_id not in other["id"]
    _save(pkg, m)


def _drop_kind(pkg: Path, kind: str) -> None:
    m = _manifest(pkg)
    m["events"] = [e for e in m["events"] if e["kind"] != kind]
    _save(pkg, m)


def _drop_receipt(pkg: Path) -> None:
    _drop_kind(pkg, "evidence.received")


def _drop_transfer(pkg: Path) -> None:
    _drop_kind(pkg, "evidence.transferred")


def _remove_item_with_its_events(pkg: Path) -> None:
    m = _manifest(pkg)
    pdf = next(i for i in m["items"] if i["media_type"] == "application/pdf")
    m["items"] = [i for i in m["items"] if i is not pdf]
    m["events"] = [e for e in m["events"] if pdf["digest"] not in e["raw"]
                   or e["kind"] == "evidence.exported"]  # fmt: skip
    (pkg / pdf["file"]).unlink()
    _save(pkg, m)


def _add_item(pkg: Path) -> None:
    m = _manifest(pkg)
    extra = dict(m["items"][1], file="files/FICTIONAL_extra_copy.pdf")
    shutil.copy(pkg / m["items"][1]["file"], pkg / extra["file"])
    m["items"].append(extra)
    _save(pkg, m)


def _reorder_events(pkg: Path) -> None:
    m = _manifest(pkg)
    i = m["events"].index(_event(m, "evidence.transferred"))
    j = m["events"].index(_event(m, "evidence.viewed"))
    m["events"][i], m["events"][j] = m["events"][j], m["events"][i]
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


def _earlier_gen_time(pkg: Path) -> None:
    m = _manifest(pkg)
    m["timestamps"][0]["gen_time"] = "2019-01-01T00:00:00+00:00"
    _save(pkg, m)


def _corrupt_tsa_signature(pkg: Path) -> None:
    m = _manifest(pkg)
    token = bytearray(base64.b64decode(m["timestamps"][0]["token"]))
    token[-3] ^= 0x01  # inside the authority's signature value, at the very end
    m["timestamps"][0]["token"] = base64.b64encode(bytes(token)).decode()
    _save(pkg, m)


def _path_escapes_package(pkg: Path) -> None:
    m = _manifest(pkg)
    outside = pkg.parent / "outside.bin"
    shutil.copy(pkg / m["items"][0]["file"], outside)
    m["items"][0]["file"] = str(outside)  # same bytes, but not in the package
    _save(pkg, m)


def _edit_pinned_key(pkg: Path) -> None:
    text = (pkg / "VERIFY.md").read_text()
    (pkg / "VERIFY.md").write_text(
        re.sub(r"device-key: [0-9a-f]{64}", "device-key: " + "ab" * 32, text)
    )
    _sums(pkg)


def _other_key_verify_md_kept(pkg: Path, forged: Path) -> None:
    """The whole package re-signed by another device; VERIFY.md still pins ours."""
    verify_md = (pkg / "VERIFY.md").read_bytes()
    shutil.rmtree(pkg)
    shutil.copytree(forged, pkg)
    (pkg / "VERIFY.md").write_bytes(verify_md)
    _sums(pkg)


def _other_key_everything_rewritten(pkg: Path, forged: Path) -> None:
    """The whole package re-signed by another device, VERIFY.md included."""
    shutil.rmtree(pkg)
    shutil.copytree(forged, pkg)


def _simple(fn: Callable[[Path], None]) -> Callable[[Path, Path], None]:
    return lambda pkg, _forged: fn(pkg)


#: Every case of issue 20 and more; each must fail both verifiers.
TAMPERS: dict[str, Callable[[Path, Path], None]] = {
    "changed file byte": _simple(_flip_file_byte),
    "removed file": _simple(_remove_file),
    "removed file and its SHA256SUMS line": _simple(_remove_file_and_its_sum),
    "file path escapes the package": _simple(_path_escapes_package),
    "added file": _simple(_add_file),
    "added file listed in SHA256SUMS": _simple(_add_listed_file),
    "edited SHA256SUMS": _simple(_edit_sums),
    "changed metadata in manifest": _simple(_edit_metadata),
    "swapped file and manifest digest": _simple(_swap_file_and_manifest),
    "changed event": _simple(_edit_event),
    "edited events/ file": _simple(_edit_event_file),
    "edited checkpoints/ signature file": _simple(_edit_checkpoint_sig_file),
    "event re-signed by another key": _simple(_resign_event_with_other_key),
    "dropped receipt event": _simple(_drop_receipt),
    "dropped transfer event": _simple(_drop_transfer),
    "removed item with its events": _simple(_remove_item_with_its_events),
    "added item": _simple(_add_item),
    "reordered events": _simple(_reorder_events),
    "bad inclusion proof": _simple(_bad_proof),
    "bad checkpoint signature": _simple(_bad_checkpoint_signature),
    "checkpoint root changed": _simple(_checkpoint_root_changed),
    "timestamp moved to another checkpoint": _simple(_timestamp_checkpoint_changed),
    "timestamp time edited earlier": _simple(_earlier_gen_time),
    "corrupted authority signature": _simple(_corrupt_tsa_signature),
    "pinned key edited in VERIFY.md": _simple(_edit_pinned_key),
    "package re-signed with another key": _other_key_verify_md_kept,
}
#: Caught only with ``--device``: nothing inside a package can tell its key is not
#: the organisation's when every file, VERIFY.md included, is rewritten.
NEEDS_DEVICE = {
    "package re-signed with another key, VERIFY.md rewritten": (
        _other_key_everything_rewritten
    ),
}


def _device(pkg: Path) -> str:
    return str(_manifest(pkg)["devices"][0])


def _both(pkg: Path, *extra: str) -> tuple[bool, bool, str]:
    """(stand-alone fails, gawah's check fails, stand-alone output)."""
    out = run_verifier(pkg, *extra)
    assert out.returncode in (0, 3), out.stderr
    trusted = {extra[1]} if extra else None
    return out.returncode == 3, bool(check_package(pkg, trusted)), out.stdout


class TestExportPackage:
    def test_good_package_verifies(self, package: Path) -> None:
        """An untouched package passes every check, including the timestamp."""
        out = run_verifier(package, "--device", _device(package))
        assert out.returncode == 0, out.stdout
        assert "ALL CHECKS PASSED" in out.stdout
        assert "existed no later than" in out.stdout
        assert check_package(package, {_device(package)}) == []

    def test_printed_time_is_the_signed_time(self, package: Path) -> None:
        """The time printed is the genTime inside the authority's signed token."""
        from rfc3161_client import decode_timestamp_response

        token = base64.b64decode(_manifest(package)["timestamps"][0]["token"])
        signed = decode_timestamp_response(token).tst_info.gen_time
        out = run_verifier(package).stdout
        assert f"existed no later than {signed.isoformat()[:19]}" in out

    def test_verifier_runs_on_python_3_9_syntax(self) -> None:
        """The stand-alone verifier parses as Python 3.9 (recipients' old machines)."""
        import ast

        ast.parse(VERIFIER.read_text(encoding="utf-8"), feature_version=(3, 9))

    def test_layout_and_sha256sums(self, package: Path) -> None:
        """SHA256SUMS lists every other file; openssl-ready files are present."""
        check = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=package, capture_output=True,
            check=False, text=True,
        )  # fmt: skip
        assert check.returncode == 0, check.stdout
        listed = {
            line[66:] for line in (package / "SHA256SUMS").read_text().splitlines()
        }
        on_disk = {
            p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()
        }
        assert listed == on_disk - {"SHA256SUMS"}
        m = _manifest(package)
        text = (package / "VERIFY.md").read_text(encoding="utf-8")
        assert f"    device-key: {_device(package)}" in text
        assert all(i["digest"] in text for i in m["items"])
        assert len(list((package / "events").glob("*.sig"))) == len(m["events"])
        assert (package / "checkpoints" / f"{_device(package)}.pub.pem").is_file()
        assert (package / "timestamps" / "1.tsr").is_file()

    def test_statement_lists_every_event(self, package: Path) -> None:
        """The signed export event names each item's full history, receipt first."""
        m = _manifest(package)
        export = next(e for e in m["events"] if e["id"] == m["export_event"])
        contents = json.loads(export["raw"])["payload"]["contents"]
        assert [c["digest"] for c in contents] == [i["digest"] for i in m["items"]]
        kinds = {e["id"]: e["kind"] for e in m["events"]}
        jpeg = next(i["digest"] for i in m["items"] if i["media_type"] == "image/jpeg")
        photo = next(c for c in contents if c["digest"] == jpeg)
        # its GPS, who handed it over, to whom it was transferred
        assert photo["withheld"] == 3
        assert [kinds[e] for e in photo["events"]] == [
            "evidence.received", "evidence.derived", "evidence.transferred",
            "evidence.viewed",
        ]  # fmt: skip

    def test_sensitive_metadata_left_out_by_default(self, package: Path) -> None:
        """No GPS or serial number appears anywhere in a default package."""
        for path in package.rglob("*"):
            if path.is_file() and path.suffix in {".json", ".md"}:
                text = path.read_text(encoding="utf-8")
                assert "FICTIONAL-SN-0001" not in text
                assert "Dr. Fictional" not in text
                assert "FICTIONAL witness" not in text  # who handed it over
                assert "FICTIONAL lawyer" not in text  # the transfer's recipient

    def test_verifier_short_enough_to_read(self) -> None:
        """The stand-alone verifier stays short enough to read before trusting it."""
        assert len(VERIFIER.read_text(encoding="utf-8").splitlines()) < 600

    def test_trusted_device_option(self, package: Path) -> None:
        """--device with the right key passes; with another key it fails."""
        assert run_verifier(package, "--device", _device(package)).returncode == 0
        assert run_verifier(package, "--device", "ab" * 32).returncode == 3
        assert check_package(package, {"ab" * 32})

    def test_other_tsa_ca_refused(self, package: Path, local_tsa: Any) -> None:
        """A timestamp checked against a CA that did not issue the TSA fails."""
        other = str(local_tsa.other_ca_file)
        assert run_verifier(package, "--tsa-ca", other).returncode == 3
        assert run_verifier(package, "--tsa-ca", str(local_tsa.ca_file)).returncode == 0


class TestTamperCatalogue:
    @pytest.mark.parametrize("tamper", ["untouched", *TAMPERS])
    def test_both_verifiers_agree(
        self, package: Path, forged: Path, tmp_path: Path, tamper: str
    ) -> None:
        """Both verifiers fail on every tampered package, with or without --device."""
        copy = tmp_path / "pkg"
        shutil.copytree(package, copy)
        if tamper != "untouched":
            TAMPERS[tamper](copy, forged)
        for extra in ((), ("--device", _device(package))):
            standalone, own, out = _both(copy, *extra)
            assert standalone == own, out
            assert standalone == (tamper != "untouched"), out
            if standalone:
                assert "FAIL" in out

    @pytest.mark.parametrize("tamper", sorted(NEEDS_DEVICE))
    def test_rewritten_package_caught_with_device(
        self, package: Path, forged: Path, tmp_path: Path, tamper: str
    ) -> None:
        """A package rewritten whole by another key fails once the key is pinned."""
        copy = tmp_path / "pkg"
        shutil.copytree(package, copy)
        NEEDS_DEVICE[tamper](copy, forged)
        assert _both(copy)[:2] == (False, False)  # internally consistent
        assert _both(copy, "--device", _device(package))[:2] == (True, True)

    def test_catalogue_covers_issue_20(self) -> None:
        """At least the 21 cases of issue 20 are in the catalogue."""
        assert len(TAMPERS) + len(NEEDS_DEVICE) >= 21


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


class TestVerifyMdCommands:
    def test_commands_work_as_written(self, package: Path, tmp_path: Path) -> None:
        """Every shell block of VERIFY.md runs as pasted and passes on a good package."""
        copy = tmp_path / "pkg"
        shutil.copytree(package, copy)
        blocks = _shell_blocks((copy / "VERIFY.md").read_text(encoding="utf-8"))
        assert len(blocks) == 5
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        outputs = []
        for block in blocks:
            run = subprocess.run(
                ["bash", "-c", block], cwd=copy, capture_output=True, text=True,
                env=env, check=False,
            )  # fmt: skip
            assert run.returncode == 0, (block, run.stdout, run.stderr)
            outputs.append(run.stdout + run.stderr)
        assert "no file missing or added" in outputs[0]
        assert "every event: hash and signature OK" in outputs[1]
        assert _device(package) in outputs[2]
        assert "Verification: OK" in outputs[3]
        assert "ALL CHECKS PASSED" in outputs[4]

    def test_event_loop_catches_an_edited_event(
        self, package: Path, tmp_path: Path
    ) -> None:
        """The loop over all events fails when one event file is edited."""
        copy = tmp_path / "pkg"
        shutil.copytree(package, copy)
        _edit_event_file(copy)
        block = _shell_blocks((copy / "VERIFY.md").read_text(encoding="utf-8"))[1]
        run = subprocess.run(
            ["bash", "-c", block], cwd=copy, capture_output=True, text=True, check=False
        )
        assert run.returncode != 0
        assert "FAIL" in run.stdout


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
        add_evidence(ws, photo, report_id="R-4", received_from="FICTIONAL witness")
        export_package(ws, tmp_path / "out", report_id="R-4", include_sensitive=True)
        text = (tmp_path / "out" / "manifest.json").read_text()
        assert "FICTIONAL-SN-0001" in text
        assert "FICTIONAL witness" in text
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
