"""``gawah reports erase`` and ``gawah custodians`` (FICTIONAL data)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import nacl.public
import pytest

from gawah.cli import main
from gawah.registry import list_reports
from gawah.workspace import Workspace


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["gawah", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    folder = tmp_path / "ws"
    monkeypatch.setenv("GAWAH_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "250")
    # The device key is passphrase-protected, as by default.
    monkeypatch.setenv("GAWAH_PASSPHRASE", "FICTIONAL test passphrase")
    assert _run(["init"], monkeypatch, capsys)[0] == 0
    path = tmp_path / "l.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["Sr No", "Name", "Witness"], ["1", "FICTIONAL A", "Qzwit Erasable"]]
        )
    assert (
        _run(
            ["import", str(path), "--source", "press", "--new-source"],
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    return folder


def test_erase_then_verify(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Workspace.open(home) as ws:
        (report,) = list_reports(ws.conn)
    rid = report.report_id
    code, out = _run(
        ["reports", "show", rid, "--include-sensitive"], monkeypatch, capsys
    )
    assert code == 0
    assert "Qzwit Erasable" in out
    code, out = _run(["reports", "erase", rid], monkeypatch, capsys)
    assert code == 2  # --reason is required
    code, out = _run(
        ["reports", "erase", rid, "--reason", "FICTIONAL family request"],
        monkeypatch,
        capsys,
    )
    assert code == 0, out
    assert "1 data key(s) destroyed" in out
    code, out = _run(
        ["reports", "show", rid, "--include-sensitive"], monkeypatch, capsys
    )
    assert code == 0
    assert "Qzwit Erasable" not in out
    assert "FICTIONAL family request" in out
    assert _run(["ledger", "verify"], monkeypatch, capsys)[0] == 0
    code, out = _run(
        ["reports", "erase", "rep-nope", "--reason", "x"], monkeypatch, capsys
    )
    assert code == 2
    assert "no report" in out


def test_custodians_add_and_list(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, own = _run(["custodians", "key"], monkeypatch, capsys)
    assert code == 0
    assert len(own.strip()) == 64
    hq = bytes(nacl.public.PrivateKey.generate().public_key).hex()
    args = ["custodians", "add", hq, "--label", "FICTIONAL HQ"]
    assert _run(args, monkeypatch, capsys)[0] == 0
    code, out = _run(args, monkeypatch, capsys)
    assert code == 2
    assert "already" in out
    code, out = _run(["custodians", "add", "zz"], monkeypatch, capsys)
    assert code == 2
    assert "64 hexadecimal" in out
    code, out = _run(["custodians", "list"], monkeypatch, capsys)
    assert hq in out
    assert own.strip() in out
    assert "FICTIONAL HQ" in out
