"""Importing lists: encodings, XLSX, bad rows, reject files, idempotence, changes, maps."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from _registry_helpers import ListWriter, good_rows, sensitive_of

from gawah.errors import UserInputError
from gawah.registry import (
    RowsInvalidError,
    Sex,
    Status,
    counts,
    get_report,
    import_list,
    list_reports,
)
from gawah.registry.exporting import export_csv
from gawah.sealing import Opener
from gawah.workspace import Workspace


class TestEncodings:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le"])
    def test_urdu_survives(
        self, ws: Workspace, write_list: ListWriter, encoding: str
    ) -> None:
        """Urdu names and statuses come through every Unicode encoding intact."""
        path = write_list(good_rows(), encoding=encoding)
        result = import_list(ws, path, source="families")
        assert result.added == 3
        by_id = {r.record_id: r for r in list_reports(ws.conn)}
        assert by_id["1"].name_urdu == "محمد عثمان"
        assert by_id["2"].sex == Sex.FEMALE
        assert by_id["2"].status == Status.INJURED
        assert by_id["2"].status_as_written == "زخمی"

    def test_cp1252(self, ws: Workspace, write_list: ListWriter) -> None:
        """A Windows-1252 list (Excel on Windows) keeps its accented letters."""
        rows = [
            ["record_id", "full_name", "status", "notes"],
            ["1", "Zoë D’Souza", "Expired", "café owner – shot"],
            ["2", "René Masih", "Injured", "naïve witness"],
        ]
        path = write_list(rows, encoding="cp1252")
        result = import_list(ws, path, source="hospital")
        assert result.encoding == "cp1252"
        names = sorted(r.full_name for r in list_reports(ws.conn))
        assert names == ["René Masih", "Zoë D’Souza"]

    def test_cp1256_urdu(self, ws: Workspace, write_list: ListWriter) -> None:
        """An Urdu list saved as Windows-1256 (older Arabic-script software) survives."""
        rows = [["record_id", "name_urdu", "status"]]
        rows += [[str(i), "محمد عثمان خان", "شهيد"] for i in range(1, 6)]
        path = write_list(rows, encoding="cp1256")
        result = import_list(ws, path, source="families")
        assert result.encoding == "cp1256"
        assert {r.name_urdu for r in list_reports(ws.conn)} == {"محمد عثمان خان"}

    def test_xlsx(self, ws: Workspace, tmp_path: Path) -> None:
        """XLSX cells (numbers, real dates, Urdu) import like CSV text."""
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["record_id", "full_name", "name_urdu", "age", "date", "status"])
        sheet.append(
            [1, "Hamza Khan", "حمزہ خان", 31.0, dt.datetime(2031, 3, 14), "Shaheed"]
        )
        sheet.append([2, "Sana Malik", "ثنا ملک", "about 20", "Mar 2031", "لاپتہ"])
        path = tmp_path / "list.xlsx"
        book.save(path)
        result = import_list(ws, path, source="party")
        assert (result.added, result.encoding) == (2, "xlsx")
        first, second = list_reports(ws.conn)
        assert (first.record_id, first.age, first.date) == ("1", 31, "2031-03-14")
        assert first.name_urdu == "حمزہ خان"
        assert (second.status, second.date, second.age_min) == (
            Status.MISSING,
            "2031-03",
            15,
        )


class TestBadRows:
    def test_all_problems_reported_and_nothing_imported(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Every bad cell is reported with line, column, value and reason; no event."""
        rows = good_rows()
        rows[1][5] = "twenty-ish"  # age, line 2
        rows[2][7] = "31/02/2031"  # date, line 3
        rows[3][4] = "blue"  # sex, line 4
        rows[3][9] = "999"  # national_id, line 4
        path = write_list(rows)
        events_before = ws.ledger.count()
        with pytest.raises(RowsInvalidError) as info:
            import_list(ws, path, source="party")
        found = {(i.line, i.column, i.value) for i in info.value.issues}
        assert found == {
            (2, "age", "twenty-ish"),
            (3, "date", "31/02/2031"),
            (4, "sex", "blue"),
            (4, "national_id", "(withheld: sensitive)"),
        }
        assert "999" not in str(info.value)
        assert ws.ledger.count() == events_before
        assert counts(ws.conn).reports == 0

    def test_skip_invalid_writes_reject_file(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """With skip_invalid the good rows import and bad rows go to a reject file."""
        rows = good_rows()
        rows[2][5] = "ancient"
        path = write_list(rows)
        result = import_list(ws, path, source="party", skip_invalid=True)
        assert (result.added, result.rejected) == (2, 1)
        assert result.reject_file is not None
        with result.reject_file.open(encoding="utf-8-sig", newline="") as fh:
            rejected = list(csv.reader(fh))
        assert rejected[0][:3] == ["line", "problems", "record_id"]
        assert rejected[1][0] == "3"
        assert "age" in rejected[1][1]
        assert rejected[1][2:] == rows[2]

    def test_duplicate_record_id_is_bad(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Two rows with the same record id cannot both be the source's record."""
        rows = good_rows()
        rows[3][0] = "1"
        with pytest.raises(RowsInvalidError, match="repeats line 2"):
            import_list(ws, write_list(rows), source="party")

    def test_unknown_incident(self, ws: Workspace, write_list: ListWriter) -> None:
        """Importing into an incident that was never recorded is a user error."""
        with pytest.raises(UserInputError, match="no incident"):
            import_list(ws, write_list(good_rows()), source="party", incident="nope")

    @pytest.mark.parametrize("skip_invalid", [False, True])
    def test_unclosed_quote_is_refused_not_swallowing_the_rows_below(
        self, ws: Workspace, tmp_path: Path, skip_invalid: bool
    ) -> None:
        """A stray opening quote made the csv reader read every later row as one
        cell: six people became two reports, silently (FICTIONAL rows)."""
        path = tmp_path / "stray-quote.csv"
        path.write_text(
            'record_id,full_name,age\n1,Ali Khan,30\n2,"Bilal Ahmed,40\n'
            "3,Umar Farooq,50\n4,Zaid Shah,60\n",
            encoding="utf-8",
        )
        with pytest.raises(UserInputError, match=r"line 3: a quoted cell .* never"):
            import_list(ws, path, source="party", skip_invalid=skip_invalid)
        assert counts(ws.conn).reports == 0

    def test_closed_quotes_across_lines_still_read(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A quoted cell holding a line break, closed, is one cell, and the last
        row needs no line break after it."""
        path = tmp_path / "notes.csv"
        path.write_text(
            'record_id,full_name,notes\n1,Ali Khan,"seen at\nthe chowk"\n'
            '2,Bilal Ahmed,"x"',
            encoding="utf-8",
        )
        assert import_list(ws, path, source="party").added == 2
        notes = {r.record_id: r.notes for r in list_reports(ws.conn)}
        assert notes == {"1": "seen at\nthe chowk", "2": "x"}


class TestReimport:
    def test_same_file_adds_nothing(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Importing the same list twice records no new event."""
        path = write_list(good_rows())
        import_list(ws, path, source="party", incident="inc")
        events = ws.ledger.count()
        again = import_list(ws, path, source="party", incident="inc")
        assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
        assert ws.ledger.count() == events

    def test_changed_file_adds_only_changes(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A corrected row becomes version 2 of the same report; a new row is added."""
        rows = good_rows()
        import_list(ws, write_list(rows), source="party")
        before = {r.record_id: r for r in list_reports(ws.conn)}
        rows[2][6] = "Shaheed"  # the family learned she died
        rows.append(["4", "Naveed Awan", "", "", "M", "19", "Lapata", "", "", "", ""])
        events = ws.ledger.count()
        result = import_list(ws, write_list(rows, name="v2.csv"), source="party")
        assert (result.added, result.changed, result.unchanged) == (1, 1, 2)
        assert ws.ledger.count() == events + 2
        after = {r.record_id: r for r in list_reports(ws.conn)}
        assert after["2"].report_id == before["2"].report_id
        assert (after["2"].version, after["2"].status) == (2, Status.KILLED)
        assert after["1"] == before["1"]
        assert len(after) == 4

    def test_rows_without_ids_are_keyed_by_content(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Without a record_id column, identical rows stay separate and re-import is idempotent."""
        rows = [["full_name", "status"], ["Ali Khan", "killed"], ["Ali Khan", "killed"]]
        path = write_list(rows)
        assert import_list(ws, path, source="press").added == 2
        assert import_list(ws, path, source="press").added == 0


class TestMappingAndFlags:
    def test_map_file_renames_headers_and_statuses(
        self, ws: Workspace, write_list: ListWriter, tmp_path: Path
    ) -> None:
        """A map file renames headers and adds status spellings."""
        rows = [
            ["Sr.", "Patient Name", "S/O", "Outcome", "Ward"],
            ["7", "Imran Butt", "Akram", "Shifted to lockup", "Surgical"],
        ]
        map_file = tmp_path / "map.toml"
        map_file.write_text(
            '[columns]\n"Sr." = "record_id"\n"Patient Name" = "full_name"\n'
            '[status]\n"Shifted to lockup" = "arrested_held"\n',
            encoding="utf-8",
        )
        result = import_list(ws, write_list(rows), source="hospital", mapping=map_file)
        (report,) = list_reports(ws.conn)
        assert (report.record_id, report.full_name, report.father_name) == (
            "7",
            "Imran Butt",
            "Akram",
        )
        assert report.status == Status.ARRESTED_HELD
        assert report.extra == {"Ward": "Surgical"}
        assert result.extra_columns == ("Ward",)
        assert report.provenance is not None
        assert report.provenance.columns["full_name"] == "Patient Name"

    def test_map_to_unknown_column_is_refused(self, tmp_path: Path) -> None:
        """A map file naming a column gawah does not have fails before any import."""
        from gawah.registry import load_map

        map_file = tmp_path / "map.toml"
        map_file.write_text('[columns]\n"X" = "shoe_size"\n', encoding="utf-8")
        with pytest.raises(UserInputError, match="shoe_size"):
            load_map(map_file)

    @pytest.mark.parametrize(
        ("text", "named"),
        [
            ('[colums]\n"Naam" = "full_name"\n', "did you mean [columns]?"),
            ('[sensitiv]\ncolumns = ["Uncle"]\n', "did you mean [sensitive]?"),
            ('"Naam" = "full_name"\n', "[Naam] is not a table"),  # above [columns]
        ],
    )
    def test_map_table_gawah_does_not_read_is_refused(
        self, tmp_path: Path, text: str, named: str
    ) -> None:
        """A misspelt table used to be skipped: the import ran as if the map
        said nothing, a sensitive mark included."""
        from gawah.registry import load_map

        map_file = tmp_path / "map.toml"
        map_file.write_text(text, encoding="utf-8")
        with pytest.raises(UserInputError, match="not a table gawah reads") as info:
            load_map(map_file)
        assert named in str(info.value)

    def test_unknown_status_kept_and_flagged(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """An unknown status is imported verbatim, flagged, and counted in the report."""
        rows = [["record_id", "status"], ["1", "Under investigation"], ["2", "Expired"]]
        result = import_list(ws, write_list(rows), source="press")
        assert result.unrecognised_status == {"Under investigation": 1}
        flagged = list_reports(ws.conn, status="unrecognised")
        assert [(r.status, r.status_as_written) for r in flagged] == [
            (Status.UNKNOWN, "Under investigation")
        ]
        assert counts(ws.conn).unrecognised_status == 1


class TestSensitive:
    def test_kept_apart_and_out_of_exports(
        self, ws: Workspace, write_list: ListWriter, tmp_path: Path
    ) -> None:
        """National id and phone live in their own table and leave only when asked."""
        import_list(ws, write_list(good_rows()), source="party")
        report = next(r for r in list_reports(ws.conn) if r.record_id == "1")
        secret = sensitive_of(ws, report.report_id)
        assert secret is not None
        assert (secret.national_id, secret.phone) == ("1234512345671", "03001234567")
        columns = {c[1] for c in ws.conn.execute("PRAGMA table_info(registry_reports)")}
        assert not columns & {"national_id", "phone", "witness_name", "witness_contact"}
        plain = tmp_path / "plain.csv"
        export_csv(ws.conn, plain)
        text = plain.read_text(encoding="utf-8-sig")
        assert "1234512345671" not in text
        assert "03001234567" not in text
        assert "محمد عثمان" in text
        full = tmp_path / "full.csv"
        with Opener(ws) as opener:
            export_csv(ws.conn, full, include_sensitive=True, opener=opener)
        assert "1234512345671" in full.read_text(encoding="utf-8-sig")
        assert get_report(ws.conn, report.report_id) == report


class TestExtraColumns:
    def test_repeated_and_blank_headers_are_all_kept(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Unknown columns with the same or no header each keep their value."""
        rows = [["record_id", "Remarks 2", "Remarks 2", ""], ["1", "a", "b", "c"]]
        import_list(ws, write_list(rows), source="press")
        (report,) = list_reports(ws.conn)
        assert report.extra == {"Remarks 2": "a", "Remarks 2_2": "b", "column_4": "c"}


class TestIncidents:
    def test_same_record_ids_in_two_incidents(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A source's lists for two incidents may reuse row numbers without clashing."""
        from gawah.registry import record_incident

        record_incident(ws, "FICTIONAL second incident", incident_id="inc2")
        path = write_list(good_rows())
        import_list(ws, path, source="hospital", incident="inc")
        second = import_list(ws, path, source="hospital", incident="inc2")
        assert (second.added, second.changed) == (3, 0)
        assert len(list_reports(ws.conn, incident="inc")) == 3
        assert len(list_reports(ws.conn, incident="inc2")) == 3


class TestCheckAndSheets:
    def test_dry_run_records_nothing(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A dry run reports what an import would add and records no event."""
        path = write_list(good_rows())
        events = ws.ledger.count()
        result = import_list(ws, path, source="party", dry_run=True)
        assert (result.added, result.dry_run) == (3, True)
        assert ws.ledger.count() == events
        assert import_list(ws, path, source="party").added == 3

    def test_sheet_by_name(self, ws: Workspace, tmp_path: Path) -> None:
        """--sheet picks a named sheet; an unknown name lists the sheets."""
        book = openpyxl.Workbook()
        first = book.active
        assert first is not None
        first.title = "Summary"
        first.append(["total", "12"])
        victims = book.create_sheet("Victims")
        victims.append(["record_id", "full_name", "status"])
        victims.append(["1", "Gul Khan", "Shaheed"])
        path = tmp_path / "book.xlsx"
        book.save(path)
        assert import_list(ws, path, source="party", sheet="Victims").added == 1
        with pytest.raises(UserInputError, match="Summary, Victims"):
            import_list(ws, path, source="party", sheet="Dead")


class TestWorkbookSheets:
    def test_a_cover_sheet_first_is_refused_naming_the_other_sheets(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A workbook opening on a notes sheet imported "0 rows" and said
        nothing of the list on its second sheet (FICTIONAL rows)."""
        book = openpyxl.Workbook()
        book.active.title = "Notes"
        book.active.append(["List compiled by FICTIONAL volunteers"])
        victims = book.create_sheet("Victims")
        victims.append(["record_id", "full_name", "age"])
        victims.append(["1", "FICTIONAL Ali Khan", "30"])
        path = tmp_path / "two-sheets.xlsx"
        book.save(path)
        with pytest.raises(UserInputError, match=r"other sheets: Victims .*--sheet"):
            import_list(ws, path, source="party")
        assert import_list(ws, path, source="party", sheet="Victims").added == 1


class TestTitleRows:
    def test_title_lines_above_headers_are_skipped(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A list that starts with a title and a date line still finds its headers."""
        rows = [
            ["FICTIONAL list of martyrs and injured", "", ""],
            ["compiled 20 March 2031", "", ""],
            ["", "", ""],
            ["Sr No", "Name", "Condition"],
            ["1", "Gul Khan", "Shaheed"],
            ["2", "Noor Bibi", "Zakhmi"],
        ]
        result = import_list(ws, write_list(rows), source="party")
        assert (result.header_line, result.added) == (4, 2)
        first = next(r for r in list_reports(ws.conn) if r.record_id == "1")
        assert (first.full_name, first.status) == ("Gul Khan", Status.KILLED)
        assert first.provenance is not None
        assert first.provenance.line == 5
