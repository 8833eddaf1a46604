"""Checking a release: gawah's own checks and the shipped verifier agree, and say which file."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gawah.publish import check_release

from .conftest import INCIDENT, Gawah


def _copy(release: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(release, out)
    return out


def _shipped(folder: Path, *args: str) -> tuple[int, str]:
    """Run the verifier the release ships, as a reader without gawah would."""
    done = subprocess.run(
        [sys.executable, str(folder / "verify_release.py"), str(folder), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


class TestGoodRelease:
    def test_every_check_passes(self, release: Path, gawah: Gawah) -> None:
        assert check_release(release) == []
        code, out = _shipped(release)
        assert code == 0, out
        code, out, err = gawah("publish", "verify", str(release))
        assert code == 0, err
        assert "OK" in out

    def test_the_pinned_device_must_be_the_signer(self, release: Path) -> None:
        other = "ab" * 32
        assert [p.file for p in check_release(release, (other,))] == ["release.json"]
        code, out = _shipped(release, "--device", other)
        assert code == 3
        assert "did not name" in out


@pytest.mark.parametrize(
    "name",
    ["data/victims.csv", "index.html", "report.pdf", "fonts/OFL-noto-naskh-arabic.txt"],
)
def test_a_flipped_byte_is_caught_and_the_file_named(
    release: Path, tmp_path: Path, gawah: Gawah, name: str
) -> None:
    folder = _copy(release, tmp_path)
    _flip(folder / name, len((folder / name).read_bytes()) // 2)
    assert [str(p) for p in check_release(folder)] == [
        f"{name}: SHA-256 differs from the signed manifest"
    ]
    code, out = _shipped(folder)
    assert code == 3
    assert f"FAIL  {name}:" in out
    code, _, err = gawah("publish", "verify", str(folder))
    assert code == 3
    assert name in err


def test_a_changed_manifest_breaks_the_signature(release: Path, tmp_path: Path) -> None:
    folder = _copy(release, tmp_path)
    manifest = folder / "release.json"
    manifest.write_bytes(
        manifest.read_bytes().replace(
            b'"small_cell_threshold": 5', b'"small_cell_threshold": 1'
        )
    )
    assert [p.file for p in check_release(folder)] == ["release.json.sig"]
    code, out = _shipped(folder)
    assert code == 3
    assert "release.json.sig" in out


def test_an_added_or_missing_file_is_named(release: Path, tmp_path: Path) -> None:
    folder = _copy(release, tmp_path)
    (folder / "data" / "extra.csv").write_text("name\nsomeone\n")
    (folder / "datapackage.json").unlink()
    found = sorted(str(p) for p in check_release(folder))
    assert found == [
        "data/extra.csv: not listed in the signed manifest",
        "datapackage.json: missing",
    ]
    code, out = _shipped(folder)
    assert code == 3
    assert "data/extra.csv" in out
    assert "datapackage.json" in out


class TestRecompute:
    def test_the_workspace_recomputes_the_same_release(
        self, release: Path, home: Path, tmp_path: Path, gawah: Gawah
    ) -> None:
        """--home rebuilds every file (PDF included) and finds them equal.

        The release is the session's (written by ``gawah publish`` from the
        workspace ``home`` copies), so no second PDF is typeset to compare with.
        """
        folder = _copy(release, tmp_path)
        assert (folder / "report.pdf").is_file()  # so the PDF is recomputed too
        code, out, err = gawah("publish", "verify", str(folder), "--home", str(home))
        assert code == 0, err
        assert "byte for byte" in out

    def test_a_workspace_that_moved_on_is_told_apart(
        self, home: Path, tmp_path: Path, gawah: Gawah
    ) -> None:
        """After a new claim the recomputed release differs, and the files are named."""
        from gawah.claims import Category, Claim, Claimant, record_claim
        from gawah.workspace import Workspace

        code, _, err = gawah(
            "publish", "--home", str(home), "--incident", INCIDENT,
            "--out", str(tmp_path / "r"), "--no-pdf",
        )  # fmt: skip
        assert code == 0, err
        with Workspace.open(home) as ws:
            record_claim(
                ws,
                Claim(
                    incident_id=INCIDENT,
                    claimant=Claimant(name="FICTIONAL hospital spokesman"),
                    category=Category.INJURED,
                    low=70,
                    said_on=dt.date(2031, 3, 18),
                ),
            )
        code, _, err = gawah(
            "publish", "verify", str(tmp_path / "r"), "--home", str(home)
        )
        assert code == 3
        assert "recomputed from the workspace" in err
        assert "index.html" in err or "release-data.json" in err


def test_a_malformed_manifest_is_a_failure_not_a_crash(
    release: Path, tmp_path: Path
) -> None:
    """Odd shapes in release.json (a file entry that is text, no ledger) fail cleanly."""
    import json

    folder = _copy(release, tmp_path)
    manifest = json.loads((folder / "release.json").read_bytes())
    manifest["files"]["index.html"] = "not an object"
    manifest["ledger"] = ["not", "an", "object"]
    (folder / "release.json").write_text(json.dumps(manifest))
    found = {p.file for p in check_release(folder)}
    assert {"release.json.sig", "release.json", "index.html"} <= found
    code, out = _shipped(folder)
    assert code == 3
    assert "FAIL  index.html" in out
    assert "Traceback" not in out
