"""The ``gawah evidence`` commands (with ``gawah evidence timestamp``), end to end."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gawah.testing.evidence_media import image_bytes, png_bomb, scene


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str  # stdout and stderr, whitespace-normalised (Rich wraps lines)


class Cli:
    """The real entry point in-process, with its error mapping and exit codes."""

    def __init__(
        self, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch
    ) -> None:
        self.capsys, self.mp = capsys, mp

    def invoke(self, _app: object, args: list[str]) -> Run:
        from gawah.cli import main

        self.capsys.readouterr()
        self.mp.setattr(sys, "argv", ["gawah", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = self.capsys.readouterr()
        return Run(code, " ".join((out.out + " " + out.err).split()))


app = None
runner: Cli


@pytest.fixture(autouse=True)
def _runner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    global runner
    runner = Cli(capsys, monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "ws"
    result = runner.invoke(
        app, ["init", "--home", str(h), "--author", "FICTIONAL doc", "--no-passphrase"]
    )
    assert result.exit_code == 0, result.output
    return h


def _add(home: Path, *files: Path, extra: tuple[str, ...] = ()) -> Run:
    return runner.invoke(
        app, ["evidence", "add", *map(str, files), "--home", str(home), *extra]
    )


def _digest(home: Path, name: str) -> str:
    from gawah.evidence import list_evidence
    from gawah.workspace import Workspace

    with Workspace.open(home) as ws:
        return next(i.digest for i in list_evidence(ws.conn) if i.original_name == name)


class TestEvidenceCli:
    def test_add_list_history(self, home: Path, photo: Path) -> None:
        """add stores and prints the digest; history shows the receipt and the transfer."""
        result = _add(
            home, photo, extra=("--report", "R-1", "--received-from", "FICTIONAL")
        )
        assert result.exit_code == 0, result.output
        digest = _digest(home, "photo.jpg")
        assert digest in result.output
        custody = runner.invoke(
            app,
            ["evidence", "custody", digest[:12], "transferred", "--to", "FICTIONAL lawyer",
             "--home", str(home)],
        )  # fmt: skip
        assert custody.exit_code == 0, custody.output
        hist = runner.invoke(app, ["evidence", "history", digest, "--home", str(home)])
        assert hist.exit_code == 0
        assert "received" in hist.output
        assert "transferred" in hist.output
        listed = runner.invoke(
            app, ["evidence", "list", "--report", "R-1", "--home", str(home)]
        )
        assert digest[:16] in listed.output
        for command in ("list", "history"):
            args = ["evidence", command] + ([digest] if command == "history" else [])
            plain = runner.invoke(app, [*args, "--home", str(home)])
            full = runner.invoke(
                app, [*args, "--include-sensitive", "--home", str(home)]
            )
            assert "FICTIONAL" not in plain.output.replace("FICTIONAL doc", "")
            assert "FICTIONAL" in full.output.replace("FICTIONAL doc", "")

    def test_custody_identities_withheld_unless_asked(
        self, home: Path, photo: Path
    ) -> None:
        """list and history hide who handed a file over, and to whom, by default."""
        _add(home, photo, extra=("--received-from", "FICTIONAL Handover"))
        digest = _digest(home, "photo.jpg")
        runner.invoke(
            app,
            ["evidence", "custody", digest[:12], "transferred", "--to", "FICTIONAL Lawyer",
             "--home", str(home)],
        )  # fmt: skip
        for command in (["list"], ["history", digest]):
            base = ["evidence", *command, "--home", str(home)]
            plain = runner.invoke(app, base)
            assert plain.exit_code == 0, plain.output
            assert "FICTIONAL Handover" not in plain.output
            assert "FICTIONAL Lawyer" not in plain.output
            full = runner.invoke(app, [*base, "--include-sensitive"])
            assert "FICTIONAL Handover" in full.output

    def test_withheld_identities_are_marked_not_blank(
        self, home: Path, photo: Path, tmp_path: Path
    ) -> None:
        """list showed an empty "from" and history left the receipt's sealed
        details out, as if nobody had handed the file over; the guide says
        "(withheld)". A file handed over by no one named stays blank."""
        _add(home, photo, extra=("--received-from", "FICTIONAL Handover"))
        other = tmp_path / "note.txt"
        other.write_text("FICTIONAL statement\n", encoding="utf-8")
        _add(home, other)
        listed = runner.invoke(app, ["evidence", "list", "--home", str(home)])
        assert "note.txt" in listed.output
        assert listed.output.count("(withheld)") == 1  # photo.jpg's, not note.txt's
        digest = _digest(home, "photo.jpg")
        hist = runner.invoke(app, ["evidence", "history", digest, "--home", str(home)])
        assert "identities=(withheld)" in hist.output
        plain = _digest(home, "note.txt")
        hist = runner.invoke(app, ["evidence", "history", plain, "--home", str(home)])
        assert "(withheld)" not in hist.output

    def test_show_hides_sensitive_unless_asked(self, home: Path, photo: Path) -> None:
        """show prints GPS and serial only with --sensitive."""
        _add(home, photo)
        digest = _digest(home, "photo.jpg")
        plain = runner.invoke(app, ["evidence", "show", digest, "--home", str(home)])
        assert "FICTIONAL-SN-0001" not in plain.output
        full = runner.invoke(
            app, ["evidence", "show", digest, "--sensitive", "--home", str(home)]
        )
        assert "FICTIONAL-SN-0001" in full.output

    def test_bad_files_reported_good_ones_kept(
        self, home: Path, photo: Path, tmp_path: Path
    ) -> None:
        """A bomb and an empty file are refused with exit 2 while a good file is stored."""
        (tmp_path / "bomb.png").write_bytes(png_bomb())
        (tmp_path / "empty.txt").write_bytes(b"")
        result = _add(home, photo, tmp_path / "bomb.png", tmp_path / "empty.txt")
        assert result.exit_code == 2
        assert "decompression bomb" in result.output
        assert "empty" in result.output
        assert _digest(home, "photo.jpg")

    def test_verify_exit_3_on_flipped_byte(self, home: Path, photo: Path) -> None:
        """verify exits 0 on a clean store and 3 after one byte of a blob changes."""
        _add(home, photo)
        ok = runner.invoke(app, ["evidence", "verify", "--home", str(home)])
        assert ok.exit_code == 0, ok.output
        digest = _digest(home, "photo.jpg")
        blob = home / "evidence" / "sha256" / digest[:2] / digest[2:4] / digest
        os.chmod(blob, stat.S_IRUSR | stat.S_IWUSR)
        data = bytearray(blob.read_bytes())
        data[10] ^= 0xFF
        blob.write_bytes(bytes(data))
        bad = runner.invoke(app, ["evidence", "verify", "--home", str(home)])
        assert bad.exit_code == 3
        assert f"ALTERED {digest}" in bad.output

    def _sql(self, home: Path, sql: str, *args: object) -> None:
        """Edit the evidence tables behind gawah's back, as someone with the file could."""
        from gawah.workspace import Workspace

        with Workspace.open(home) as ws:
            ws.conn.execute(sql, args)
            ws.conn.commit()

    def test_deleted_row_and_blob_caught(
        self, home: Path, photo: Path, tmp_path: Path
    ) -> None:
        """Deleting an item's row and blob is exit 3 naming it missing; export says why."""
        _add(home, photo, extra=("--report", "R-9"))
        digest = _digest(home, "photo.jpg")
        self._sql(home, "DELETE FROM evidence_items WHERE digest = ?", digest)
        blob = home / "evidence" / "sha256" / digest[:2] / digest[2:4] / digest
        blob.unlink()
        bad = runner.invoke(app, ["evidence", "verify", "--home", str(home)])
        assert bad.exit_code == 3, bad.output
        assert f"MISSING {digest} (a signed receipt records it" in bad.output
        assert "Traceback" not in bad.output
        out = tmp_path / "pkg"
        exp = runner.invoke(
            app, ["evidence", "export", "--report", "R-9", "--to", str(out),
                  "--home", str(home)],
        )  # fmt: skip
        assert exp.exit_code in (2, 3), exp.output
        assert "Traceback" not in exp.output
        assert not out.exists()

    def test_missing_blob_of_listed_item_stops_export(
        self, home: Path, photo: Path, tmp_path: Path
    ) -> None:
        """A blob missing from the store stops an export with exit 3 and a sentence."""
        _add(home, photo, extra=("--report", "R-8"))
        digest = _digest(home, "photo.jpg")
        (home / "evidence" / "sha256" / digest[:2] / digest[2:4] / digest).unlink()
        exp = runner.invoke(
            app, ["evidence", "export", "--report", "R-8", "--to",
                  str(tmp_path / "pkg"), "--home", str(home)],
        )  # fmt: skip
        assert exp.exit_code == 3, exp.output
        assert "missing from the store" in exp.output
        assert "Traceback" not in exp.output

    def test_edited_table_caught(self, home: Path, photo: Path) -> None:
        """Editing who handed a file over in the table is exit 3, EDITED."""
        _add(home, photo, extra=("--received-from", "FICTIONAL source"))
        digest = _digest(home, "photo.jpg")
        self._sql(
            home,
            "UPDATE evidence_items SET received_from = 'FICTIONAL other' WHERE digest = ?",
            digest,
        )
        bad = runner.invoke(app, ["evidence", "verify", "--home", str(home)])
        assert bad.exit_code == 3, bad.output
        assert f"EDITED {digest}" in bad.output

    def test_row_without_event_caught(self, home: Path, photo: Path) -> None:
        """A table row no signed receipt backs (its event removed) is exit 3, UNSIGNED."""
        _add(home, photo)
        digest = _digest(home, "photo.jpg")
        fake = "f" * 64
        self._sql(
            home,
            "INSERT INTO evidence_items SELECT ?, size, media_type, kind, original_name, "
            "event_id, received_at, received_by, received_from, source, note, metadata, "
            "derived_from, operation FROM evidence_items WHERE digest = ?",
            fake,
            digest,
        )
        bad = runner.invoke(app, ["evidence", "verify", "--home", str(home)])
        assert bad.exit_code == 3, bad.output
        assert f"UNSIGNED {fake}" in bad.output

    def test_duplicates_and_working_copy(self, home: Path, tmp_path: Path) -> None:
        """A resized copy is listed as a duplicate; a working copy is made from the original."""
        (tmp_path / "a.jpg").write_bytes(image_bytes(scene(41)))
        (tmp_path / "b.jpg").write_bytes(image_bytes(scene(41).resize((160, 120))))
        _add(home, tmp_path / "a.jpg", tmp_path / "b.jpg")
        dup = runner.invoke(app, ["evidence", "duplicates", "--home", str(home)])
        assert "group 1 (2 files" in dup.output
        digest = _digest(home, "a.jpg")
        wc = runner.invoke(
            app,
            [
                "evidence",
                "working-copy",
                digest,
                "--blur",
                "0,0,40,40",
                "--home",
                str(home),
            ],
        )
        assert wc.exit_code == 0, wc.output
        assert f"of {digest}" in wc.output

    def test_export(self, home: Path, photo: Path, tmp_path: Path) -> None:
        """export writes a package for a report and says how to check it."""
        _add(home, photo, extra=("--incident", "INC-7"))
        out = tmp_path / "pkg"
        result = runner.invoke(
            app,
            [
                "evidence",
                "export",
                "--incident",
                "INC-7",
                "--to",
                str(out),
                "--home",
                str(home),
            ],
        )
        assert result.exit_code == 0, result.output
        assert (out / "manifest.json").is_file()
        assert (out / "verify_package.py").is_file()
        import json

        device = json.loads((out / "manifest.json").read_text())["devices"][0]
        good = runner.invoke(
            app, ["evidence", "check-package", str(out), "--device", device]
        )
        assert good.exit_code == 0, good.output
        other = runner.invoke(
            app, ["evidence", "check-package", str(out), "--device", "ab" * 32]
        )
        assert other.exit_code == 3
        assert "key you did not give" in other.output

    def test_evidence_timestamp(self, home: Path, photo: Path, local_tsa: Any) -> None:
        """evidence timestamp stores a token and says "no later than", not capture time."""
        _add(home, photo)
        result = runner.invoke(
            app,
            ["evidence", "timestamp", "--tsa", local_tsa.url, "--ca-file",
             str(local_tsa.ca_file), "--home", str(home)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "no later than" in result.output
        assert "not a capture time" in result.output
