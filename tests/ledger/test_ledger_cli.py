"""The ``gawah init`` and ``gawah ledger`` commands, run as a user would."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gawah.workspace import Workspace


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def gawah(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """Run the real CLI entry point in-process (error mapping and exit codes included).

    Output is whitespace-normalised because Rich wraps long lines.
    """
    from gawah.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Run(code, " ".join(out.out.split()), " ".join(out.err.split()))

    return run


class TestInit:
    def test_init_then_verify(self, tmp_path: Path, gawah: Callable[..., Run]) -> None:
        """init creates a workspace; verify exits 0 with a summary."""
        home = tmp_path / "ws"
        done = gawah(
            "init", "--home", str(home), "--author", "FICTIONAL Amna", "--no-passphrase"
        )
        assert done.returncode == 0, done.stderr
        assert (home / "gawah.sqlite").exists()
        with Workspace.open(home, projectors=[]) as ws:
            ws.append_many([("toy.a", {"secret_phone": "0300-0000000"})] * 3)
        done = gawah("ledger", "verify", "--home", str(home))
        assert done.returncode == 0, done.stderr
        assert "3 events from 1 device" in done.stdout
        assert "intact" in done.stdout

    def test_init_with_passphrase_file_never_prints_keys(
        self, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """A passphrase-protected init prints neither the passphrase nor the key."""
        home = tmp_path / "ws"
        secret = tmp_path / "pass.txt"
        secret.write_text("FICTIONAL passphrase 123\n")
        done = gawah("init", "--home", str(home), "--passphrase-file", str(secret))
        assert done.returncode == 0, done.stderr
        record = json.loads((home / "keys" / "device.key").read_text())
        sealed = record["sealed_seed"]
        output = done.stdout + done.stderr
        assert "FICTIONAL passphrase" not in output
        assert sealed not in output
        assert "passphrase-protected" in output

    def test_missing_workspace_exit_code(
        self, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """verify on a folder without a workspace exits 2 with one line, no traceback."""
        done = gawah("ledger", "verify", "--home", str(tmp_path / "none"))
        assert done.returncode == 2
        assert "gawah init" in done.stderr
        assert "Traceback" not in done.stderr


class TestVerifyCommand:
    def test_tampered_ledger_exits_3_naming_the_event(
        self, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """A flipped byte makes verify exit 3 naming device, seq and what failed."""
        home = tmp_path / "ws"
        with Workspace.init(home, projectors=[]) as ws:
            events = ws.append_many([("toy.a", {"i": i}) for i in range(5)])
            device = ws.device
        target = events[2]
        raw = bytearray(target.raw)
        raw[-3] ^= 0x01
        ws2 = Workspace.open(home, projectors=[], checkpoint_on_close=False)
        ws2.conn.execute(
            "UPDATE ledger_events SET raw = ? WHERE id = ?", (bytes(raw), target.id)
        )
        ws2.close()
        done = gawah("ledger", "verify", "--home", str(home))
        assert done.returncode == 3
        assert f"device {device[:16]}" in done.stderr
        assert "seq 3" in done.stderr
        assert "do not hash to the event id" in done.stderr
        assert "Traceback" not in done.stderr

    def test_show_lists_metadata_not_payloads(
        self, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """ledger show prints kinds and ids but never payload values."""
        home = tmp_path / "ws"
        with Workspace.init(home, projectors=[]) as ws:
            ws.append("report.recorded", {"phone": "FICTIONAL-0300-1234567"})
        done = gawah("ledger", "show", "--home", str(home), "--json")
        assert done.returncode == 0, done.stderr
        record, _end = json.JSONDecoder().raw_decode(done.stdout)
        assert record["kind"] == "report.recorded"
        assert "FICTIONAL-0300" not in done.stdout
        assert base64.b64encode(b"FICTIONAL-0300").decode() not in done.stdout

    def test_show_limit_lists_the_newest_events_oldest_first(
        self, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """ledger show --limit 2 lists the last two events, in arrival order."""
        home = tmp_path / "ws"
        with Workspace.init(home, projectors=[]) as ws:
            ids = [ws.append("note.added", {"n": n}).id for n in range(5)]
        done = gawah("ledger", "show", "--home", str(home), "--json", "--limit", "2")
        assert done.returncode == 0, done.stderr
        decoder, text, shown = json.JSONDecoder(), done.stdout, []
        while text.strip():  # JSON lines (the fixture joins them with spaces)
            record, end = decoder.raw_decode(text.strip())
            shown.append(record["id"])
            text = text.strip()[end:]
        assert shown == ids[-2:]
