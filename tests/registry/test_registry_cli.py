"""The CLI: status JSON, listing and export without sensitive fields, clear errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _registry_helpers import ListWriter, good_rows

from gawah.cli import main


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["gawah", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def home(
    tmp_path: Path,
    write_list: ListWriter,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    folder = tmp_path / "cli-ws"
    monkeypatch.setenv("GAWAH_HOME", str(folder))
    assert _run(["init", "--no-passphrase"], monkeypatch, capsys)[0] == 0
    path = write_list(good_rows())
    code, out, _ = _run(
        ["import", str(path), "--source", "Party", "--new-source"], monkeypatch, capsys
    )
    assert code == 0, out
    return folder


class TestCli:
    def test_status_json(
        self,
        home: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """status --json is one object with the counts and the ledger's digest."""
        code, out, _ = _run(["status", "--json"], monkeypatch, capsys)
        assert code == 0
        status = json.loads(out)
        assert status["events"] == 4  # source + 3 reports
        assert status["devices"] == 1
        assert (status["reports"], status["persons"], status["sources"]) == (3, 0, 1)
        assert len(status["state_digest"]) == 64
        assert status["reports_by_status"] == {
            "arrested_held": 1,
            "injured": 1,
            "killed": 1,
        }

    def test_list_and_export_hide_sensitive(
        self,
        home: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """reports list and export csv never print a CNIC or phone unless asked."""
        secrets = ("1234512345671", "03001234567", "12345-1234567-1")
        for args in (["reports", "list"], ["reports", "list", "--json"]):
            code, out, err = _run(args, monkeypatch, capsys)
            assert code == 0
            assert not any(s in out + err for s in secrets)
        out_file = tmp_path / "export.csv"
        code, out, _ = _run(
            ["export", "csv", "--out", str(out_file)], monkeypatch, capsys
        )
        assert code == 0
        assert not any(s in out_file.read_text(encoding="utf-8-sig") for s in secrets)
        code, out, _ = _run(
            ["reports", "list", "--json", "--include-sensitive"], monkeypatch, capsys
        )
        assert "1234512345671" in out
        listed = json.loads(
            _run(
                ["reports", "list", "--json", "--source", "party"], monkeypatch, capsys
            )[1]
        )
        assert [r["record_id"] for r in listed] == ["1", "2", "3"]

    @pytest.mark.parametrize("where", ["missing/out.csv", "."])
    def test_output_file_that_cannot_be_written_exit_2_before_any_work(
        self,
        home: Path,
        tmp_path: Path,
        write_list: ListWriter,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        where: str,
    ) -> None:
        """export --out and import --map-out into a missing folder (or onto a
        folder) failed as "unexpected FileNotFoundError: the workspace may be
        damaged" (exit 1), the import's reports already recorded."""
        target = str(tmp_path / where)
        code, _, err = _run(["export", "csv", "--out", target], monkeypatch, capsys)
        assert (code, "--out" in err, "damaged" in err) == (2, True, False)
        rows = good_rows()
        rows[1][0] = "4"  # a new record: an import would add it
        path = write_list(rows)
        args = ["import", str(path), "--source", "party", "--map-out", target]
        code, _, err = _run(args, monkeypatch, capsys)
        assert (code, "--map-out" in err, "damaged" in err) == (2, True, False)
        code, out, _ = _run(["status", "--json"], monkeypatch, capsys)
        assert json.loads(out)["reports"] == 3  # nothing recorded

    def test_incident_added_again_under_its_id_says_what_it_replaced(
        self,
        home: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Reusing an id replaced the incident's title, date and place while
        printing "Recorded incident", as for a new one (FICTIONAL incidents)."""
        first = ["incidents", "add", "FICTIONAL raid", "--id", "raid"]
        code, out, _ = _run([*first, "--date", "2031-03-14"], monkeypatch, capsys)
        assert (code, "Recorded incident" in out) == (0, True)
        code, out, _ = _run([*first, "--date", "2031-03-14"], monkeypatch, capsys)
        assert "already recorded" not in out  # the same details again
        again = ["incidents", "add", "FICTIONAL march", "--id", "raid"]
        code, out, _ = _run(again, monkeypatch, capsys)
        out = " ".join(out.split())
        assert code == 0
        assert "already recorded" in out
        assert "'FICTIONAL raid' -> 'FICTIONAL march'" in out
        assert "date '2031-03-14' -> ''" in out

    def test_bad_rows_exit_2_with_every_problem(
        self,
        home: Path,
        write_list: ListWriter,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A list with bad rows fails with exit 2 and names each line; no traceback."""
        rows = good_rows()
        rows[1][5] = "ancient"
        rows[3][7] = "someday"
        path = write_list(rows, name="bad.csv")
        code, _, err = _run(
            ["import", str(path), "--source", "press", "--new-source"],
            monkeypatch,
            capsys,
        )
        assert code == 2
        assert "line 2" in err
        assert "line 4" in err
        assert "Traceback" not in err

    def test_unknown_status_filter_is_user_error(
        self,
        home: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """An unknown --status code gives exit 2 and the list of valid codes."""
        code, _, err = _run(
            ["reports", "list", "--status", "dead-ish"], monkeypatch, capsys
        )
        assert code == 2
        assert "arrested_held" in err

    def test_skip_invalid_flag(
        self,
        home: Path,
        write_list: ListWriter,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--skip-invalid imports the good rows and names the reject file."""
        rows = good_rows()
        rows[2][5] = "ancient"
        path = write_list(rows, name="press.csv")
        code, _, _ = _run(
            [
                "import",
                str(path),
                "--source",
                "press",
                "--skip-invalid",
                "--new-source",
            ],
            monkeypatch,
            capsys,
        )
        assert code == 0
        assert (path.parent / "press.rejected.csv").exists()
        status = json.loads(_run(["status", "--json"], monkeypatch, capsys)[1])
        assert status["reports_by_source"]["press"] == 2

    def test_show_one_report(
        self,
        home: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """reports show prints one report with provenance; the phone only when asked."""
        listed = json.loads(_run(["reports", "list", "--json"], monkeypatch, capsys)[1])
        first = next(r for r in listed if r["record_id"] == "1")
        code, out, _ = _run(
            ["reports", "show", first["report_id"], "--json"], monkeypatch, capsys
        )
        shown = json.loads(out)
        assert code == 0
        assert (shown["name_urdu"], shown["file_line"]) == ("محمد عثمان", 2)
        assert "phone" not in shown
        out = _run(
            ["reports", "show", first["report_id"], "--json", "--include-sensitive"],
            monkeypatch,
            capsys,
        )[1]
        assert json.loads(out)["phone"] == "03001234567"
        assert _run(["reports", "show", "rep-none"], monkeypatch, capsys)[0] == 2

    def test_list_shows_the_ids_show_takes(
        self,
        home: Path,
        write_list: ListWriter,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The table's report id and record id both open the report in `show`."""
        monkeypatch.setenv("COLUMNS", "80")
        code, table, _ = _run(["reports", "list"], monkeypatch, capsys)
        assert code == 0
        listed = json.loads(_run(["reports", "list", "--json"], monkeypatch, capsys)[1])
        usman = next(r for r in listed if r["record_id"] == "1")
        assert usman["report_id"] in table  # whole, never cut
        for key in (usman["report_id"], "1"):
            code, out, err = _run(
                ["reports", "show", key, "--json"], monkeypatch, capsys
            )
            assert code == 0, err
            assert json.loads(out)["report_id"] == usman["report_id"]
        # the same record id in a second list needs --source
        path = write_list(good_rows())
        assert (
            _run(
                ["import", str(path), "--source", "Press", "--new-source"],
                monkeypatch,
                capsys,
            )[0]
            == 0
        )
        code, _, err = _run(["reports", "show", "1"], monkeypatch, capsys)
        assert code == 2
        assert "--source" in err
        code, out, _ = _run(
            ["reports", "show", "1", "--source", "party", "--json"], monkeypatch, capsys
        )
        assert code == 0
        assert json.loads(out)["report_id"] == usman["report_id"]

    def test_list_fits_80_columns_without_cutting_words(
        self,
        home: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """At 80 columns no line is wider and no value ends in an ellipsis."""
        monkeypatch.setenv("COLUMNS", "80")
        code, table, _ = _run(["reports", "list"], monkeypatch, capsys)
        assert code == 0
        assert max(len(line) for line in table.splitlines()) <= 80
        assert "…" not in table
        assert "Usman" in table


class TestNoWorkspace:
    def test_status_without_workspace(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """status on a folder without a workspace is a one-line user error (exit 2)."""
        monkeypatch.setenv("GAWAH_HOME", str(tmp_path / "nothing-here"))
        code, _, err = _run(["status"], monkeypatch, capsys)
        assert code == 2
        assert "Traceback" not in err

    def test_values_that_look_like_markup_print_as_written(
        self,
        home: Path,
        write_list: ListWriter,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A name or status with square brackets is shown verbatim, not as Rich markup."""
        path = write_list(
            [["record_id", "full_name", "status"], ["9", "[b]Ali", "[red]x"]]
        )
        code, out, _ = _run(
            ["import", str(path), "--source", "odd", "--new-source"],
            monkeypatch,
            capsys,
        )
        assert code == 0
        assert "'[red]x'" in out
        code, out, _ = _run(
            [
                "reports",
                "show",
                json.loads(
                    _run(
                        ["reports", "list", "--json", "--source", "odd"],
                        monkeypatch,
                        capsys,
                    )[1]
                )[0]["report_id"],
            ],
            monkeypatch,
            capsys,
        )
        assert "[b]Ali" in out
