"""Date of birth as a field: parsed, stored, shown, exported, given to linkage."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from _registry_helpers import ListWriter

from gawah.cli import main
from gawah.registry import RowsInvalidError, import_list, list_reports
from gawah.registry.models import CANONICAL_COLUMNS
from gawah.registry.rows import ColumnMap, RowParser, _content_hash
from gawah.workspace import Workspace

ROWS = [
    ["record_id", "full_name", "Date of Birth"],
    ["1", "FICTIONAL A", "14/03/1987"],
    ["2", "FICTIONAL B", "1990-07"],
    ["3", "FICTIONAL C", "1975"],
    ["4", "FICTIONAL D", ""],
]


def test_full_partial_and_year(ws: Workspace, write_list: ListWriter) -> None:
    import_list(ws, write_list(ROWS), source="s")
    got = {r.record_id: (r.dob, r.dob_precision) for r in list_reports(ws.conn)}
    assert {k: (d, p and p.value) for k, (d, p) in got.items()} == {
        "1": ("1987-03-14", "day"),
        "2": ("1990-07", "month"),
        "3": ("1975", "year"),
        "4": (None, None),
    }


def test_bad_dob_is_a_bad_row(ws: Workspace, write_list: ListWriter) -> None:
    with pytest.raises(RowsInvalidError, match="Date of Birth"):
        import_list(
            ws, write_list([*ROWS, ["5", "FICTIONAL E", "31/02/1980"]]), source="s"
        )


def test_hash_is_the_one_dob_had_as_an_extra_column() -> None:
    """A list imported when dob was an extra column is not recorded again."""
    parser = RowParser(
        ("record_id", "full_name", "dob"), ColumnMap(), source_id="s",
        incident_id=None, file_name="f", file_sha256="x",
    )  # fmt: skip
    row = parser.parse(2, ("1", "FICTIONAL A", "1987"))
    assert not isinstance(row, list)
    values = dict.fromkeys(CANONICAL_COLUMNS, "")
    values |= {"record_id": "1", "full_name": "FICTIONAL A"}
    assert row.content_hash == _content_hash(None, values, {"dob": "1987"})


def test_shown_exported_and_linked(
    tmp_path: Path,
    write_list: ListWriter,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GAWAH_HOME", str(tmp_path / "cli"))

    def run(*args: str) -> str:
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        assert code == 0, out.err
        return out.out

    run("init", "--no-passphrase")
    run("import", str(write_list(ROWS)), "--source", "s", "--new-source")
    listed = json.loads(run("reports", "list", "--json"))
    first = next(r for r in listed if r["record_id"] == "1")
    shown = json.loads(run("reports", "show", str(first["report_id"]), "--json"))
    assert (shown["dob"], shown["dob_precision"]) == ("1987-03-14", "day")
    assert "1987-03-14" in run("reports", "show", str(first["report_id"]))
    out = tmp_path / "export.csv"
    run("export", "csv", "--out", str(out))
    with out.open(encoding="utf-8-sig") as fh:
        exported = {r["record_id"]: r["dob"] for r in csv.DictReader(fh)}
    assert exported == {"1": "1987-03-14", "2": "1990-07", "3": "1975", "4": ""}

    from gawah.linkage.run import reports_frame

    with Workspace.open(tmp_path / "cli") as ws:
        frame = reports_frame(ws)
    assert sorted(frame["dob"].fillna("")) == ["", "1975", "1987-03-14", "1990-07"]
