"""Sensitive columns recognised as lists write them (all data FICTIONAL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _registry_helpers import ListWriter, sensitive_of

from gawah.errors import UserInputError
from gawah.registry import get_report, import_list, list_reports
from gawah.registry.exporting import export_csv
from gawah.registry.rows import ColumnMap, looks_sensitive, plan_columns
from gawah.workspace import Workspace

# Headers seen on real lists (the values below are invented).
REAL_WORLD = {
    "CNIC Number": "national_id",
    "CNIC No.": "national_id",
    "C.N.I.C #": "national_id",
    "NIC": "national_id",
    "ID Card No": "national_id",
    "National ID": "national_id",
    "شناختی کارڈ نمبر": "national_id",
    "Mobile No": "phone",
    "Cell #": "phone",
    "Contact Number": "phone",
    "موبائل نمبر": "phone",
    "رابطہ": "phone",
    "Witness": "witness_name",
    "Informant": "witness_name",
    "Reported By": "witness_name",
    "Source Person": "witness_name",
    "گواہ کا نام": "witness_name",
    "Witness Contact": "witness_contact",
    "Informant Phone": "witness_contact",
}


@pytest.mark.parametrize(("header", "target"), sorted(REAL_WORLD.items()))
def test_real_world_headers_are_sensitive(header: str, target: str) -> None:
    plan = plan_columns(("Name", header), ColumnMap())
    assert plan.columns == {0: "full_name", 1: target}
    assert plan.sensitive_headers(("Name", header)) == (header,)


@pytest.mark.parametrize(
    "header", ["Exact Address", "Home Address", "House No.", "گھر کا پتہ"]
)
def test_exact_address_is_kept_sensitive_under_its_header(header: str) -> None:
    plan = plan_columns(("Name", header), ColumnMap())
    assert plan.columns == {0: "full_name"}
    assert plan.sensitive_other == {1: header}


def test_ordinary_headers_stay_ordinary() -> None:
    headers = ("Name", "Address", "District", "Remarks", "Occupation")
    plan = plan_columns(headers, ColumnMap())
    assert plan.sensitive_headers(headers) == ()


def test_cell_patterns() -> None:
    assert looks_sensitive(["35202-1234567-1", "", "3520212345671"])
    assert looks_sensitive(["0300-1234567", "+92 321 7654321", "(0333)1112223"])
    assert not looks_sensitive(["0300-1234567", "Rwp", "Lahore"])  # one in three
    assert not looks_sensitive(["12", "2031-03-26", "", "1234567"])
    assert not looks_sensitive(["", ""])


def test_canary_headers_import_sealed_apart(
    ws: Workspace, write_list: ListWriter
) -> None:
    """Fourteen real-world headers: none of their values reaches extra or the export."""
    headers = ["Sr No", "Name", "CNIC Number", "Mobile No", "Witness", "Informant",
               "شناختی کارڈ نمبر", "موبائل نمبر", "Reported By", "Contact No",
               "Exact Address", "Remarks", "Col X"]  # fmt: skip
    row = ["1", "FICTIONAL Person", "11111-2222222-3", "0300-1112223", "Wit Nessone",
           "Info Rmant", "44444-5555555-6", "0321-4445556", "Repo Rter", "0333-7778889",
           "House 9 FICTIONAL Street", "none", "0345-0001112"]  # fmt: skip
    path = write_list([headers, row])
    result = import_list(ws, path, source="families")
    assert result.added == 1
    assert set(result.sensitive_columns) == set(headers) - {"Sr No", "Name", "Remarks"}
    assert result.detected_sensitive == ("Col X",)
    assert result.extra_columns == ()
    (report,) = list_reports(ws.conn)
    assert report.extra == {}
    secret = sensitive_of(ws, report.report_id)
    assert secret is not None
    assert secret.national_id == "1111122222223"
    assert secret.phone == "0300-1112223"
    assert secret.witness_name == "Wit Nessone"
    assert secret.other["Informant"] == "Info Rmant"
    assert secret.other["Col X"] == "0345-0001112"
    assert secret.other["Exact Address"] == "House 9 FICTIONAL Street"
    assert get_report(ws.conn, report.report_id) is not None
    out = path.with_name("out.csv")
    export_csv(ws.conn, out)
    text = out.read_text("utf-8-sig")
    for value in [*row[2:11], *row[12:], "1111122222223"]:
        assert value not in text


def test_map_file_marks_a_column_sensitive(
    ws: Workspace, write_list: ListWriter, tmp_path: Path
) -> None:
    map_file = tmp_path / "map.toml"
    map_file.write_text('[sensitive]\ncolumns = ["Address", "Uncle"]\n', "utf-8")
    path = write_list(
        [["Sr No", "Name", "Address", "Uncle"], ["1", "FICTIONAL A", "Hut 4", "Bro"]]
    )
    result = import_list(ws, path, source="families", mapping=map_file)
    assert result.sensitive_columns == ("Address", "Uncle")
    (report,) = list_reports(ws.conn)
    assert report.address == ""
    assert report.extra == {}
    secret = sensitive_of(ws, report.report_id)
    assert secret is not None
    assert secret.other == {"Address": "Hut 4", "Uncle": "Bro"}


@pytest.mark.parametrize(
    "map_text",
    [
        '[sensitive]\ncolumns = ["Uncle name"]\n',  # the file says "Uncle's name"
        '[columns]\n"Mobile Number" = "phone"\n',  # the file says "Mob."
    ],
)
def test_map_marking_a_header_the_list_lacks_is_refused(
    ws: Workspace, write_list: ListWriter, tmp_path: Path, map_text: str
) -> None:
    """A sensitive mark that matched no header used to be ignored: the column
    it meant was imported in the clear as an extra field, and nothing said so."""
    map_file = tmp_path / "map.toml"
    map_file.write_text(map_text, "utf-8")
    path = write_list(
        [
            ["Sr No", "Name", "Uncle's name", "Mob."],
            ["1", "FICTIONAL A", "FICTIONAL Uncle", "FICTIONAL-42"],
        ]
    )
    with pytest.raises(UserInputError, match="no such header") as info:
        import_list(ws, path, source="families", mapping=map_file, dry_run=True)
    assert "Uncle's name" in str(info.value)  # the headers it could have meant
    with pytest.raises(UserInputError, match="no such header"):
        import_list(ws, path, source="families", mapping=map_file)
    assert list_reports(ws.conn) == []


def test_second_phone_column_is_kept_not_refused(
    ws: Workspace, write_list: ListWriter
) -> None:
    path = write_list(
        [["Sr No", "Name", "Mobile", "Contact"], ["1", "FICTIONAL B", "0300", "0301"]]
    )
    import_list(ws, path, source="families")
    (report,) = list_reports(ws.conn)
    secret = sensitive_of(ws, report.report_id)
    assert secret is not None
    assert (secret.phone, secret.other) == ("0300", {"Contact": "0301"})
