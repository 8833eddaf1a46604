"""`gawah link csv` on lists shaped as real lists are (all rows FICTIONAL).

Real lists head their columns as their compilers wrote them ("Name of
Martyr", "F/Name", "ولدیت", "العمر"), end in a spreadsheet's empty rows and
columns, and carry national ids and phones. CSV mode once read only gawah's
own column names: a list headed "Name" was refused, and "Age (years)" or
"ولدیت" were silently left out of the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _linkage_cli import Run

from gawah.linkage.files import ColumnUse, read_list
from gawah.linkage.normalise import (
    canonical_cnic,
    canonical_sex,
    parse_age,
    parse_dob,
)

Gawah = Callable[..., Run]

PEOPLE = (  # name, father, age, district, CNIC, phone, date of birth
    ("Muhammad Asif", "Ghulam Rasool", "25", "Rawalpindi", "3740512345671", "03001234567", "1999-03-14"),
    ("Sajid Hussain", "Abdul Majeed", "34", "Kohat", "1420198765431", "03211234567", "1990-11-02"),
    ("Naseem Bibi", "Allah Ditta", "41", "Jhelum", "3720111122223", "03331234567", "1983-06-25"),
    ("Imran Khan Afridi", "Gul Zaman", "19", "Khyber", "1710122233345", "03451234567", "2005-01-05"),
    ("Rukhsana Parveen", "Muhammad Sharif", "52", "Lahore", "3520233344456", "03121234567", "1972-08-17"),
)  # fmt: skip


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def _martyrs(folder: Path) -> Path:
    """A party's list: its own headers, a phone, and Excel's trailing empties."""
    rows = [
        [str(i), n, f, f"{a} years", d, c, p, dob, ""]
        for i, (n, f, a, d, c, p, dob) in enumerate(PEOPLE, start=1)
    ]
    rows += [[""] * 9, [""] * 9]
    header = ["Sr No", "Name of Martyr", "F/Name", "Age (years)", "City", "CNIC",
              "Contact", "DOB", ""]  # fmt: skip
    return _write(folder / "party.csv", header, rows)


def _urdu(folder: Path) -> Path:
    """A hospital's list headed in Urdu; the same people, fewer of them."""
    urdu = ("محمد آصف", "ساجد حسین", "نسیم بی بی")
    fathers = ("غلام رسول", "عبدالمجید", "اللہ دتہ")
    rows = [
        [u, f, f"{a} سال", c[:5] + "-" + c[5:12] + "-" + c[12], dob]
        for u, f, (_, _, a, _, c, _, dob) in zip(urdu, fathers, PEOPLE, strict=False)
    ]
    return _write(
        folder / "hospital.csv", ["نام", "ولدیت", "عمر", "شناختی کارڈ", "DOB"], rows
    )


def test_common_headers_are_read_and_reported(tmp_path: Path) -> None:
    uses: list[ColumnUse] = []
    frame = read_list(_martyrs(tmp_path), uses)
    where = {u.header: u.used_as for u in uses}
    assert where == {
        "Sr No": "record_id", "Name of Martyr": "full_name", "F/Name": "father_name",
        "Age (years)": "age", "City": "district", "CNIC": "national_id",
        "Contact": None, "DOB": "dob",
    }  # fmt: skip
    assert "phone" not in frame.columns
    assert "contact" in frame.columns
    # The two empty rows at the end are not reports; the empty column is gone.
    assert frame["record_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert not [c for c in frame.columns if "unnamed" in c]


def test_urdu_headers_are_read(tmp_path: Path) -> None:
    frame = read_list(_urdu(tmp_path))
    assert {"name_urdu", "father_name", "age", "national_id", "dob"} <= set(
        frame.columns
    )


def test_a_list_headed_name_links_and_prints_no_id(
    tmp_path: Path, gawah: Gawah
) -> None:
    out, review = tmp_path / "clusters.csv", tmp_path / "review.csv"
    names = _write(
        tmp_path / "names.csv",
        ["Name", "S/O", "Age", "Date of Birth"],
        [[n, f, a, dob] for n, f, a, _, _, _, dob in PEOPLE[:3]],
    )
    result = gawah(
        "link", "csv", str(_martyrs(tmp_path)), str(names), str(_urdu(tmp_path)),
        "--out", str(out), "--review-out", str(review),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "Name of Martyr" in result.stderr
    assert "ولدیت" in result.stderr
    clusters = pd.read_csv(out, dtype=str)
    person = dict(zip(clusters["list"] + "/" + clusters["record_id"],
                      clusters["cluster_id"], strict=True))  # fmt: skip
    # The same people on the party's and the names list are one person each;
    # different people stay apart.
    for i in ("1", "2", "3"):
        assert person[f"party/{i}"] == person[f"names/{i}"]
    assert len({person[f"party/{i}"] for i in ("1", "2", "3", "4", "5")}) == 5
    printed = result.stdout + result.stderr + out.read_text() + review.read_text()
    for _, _, _, _, cnic, phone, _ in PEOPLE:
        assert cnic not in printed
        assert cnic[5:12] not in printed
        assert phone not in printed


def test_a_list_without_a_name_says_what_it_has(tmp_path: Path, gawah: Gawah) -> None:
    details = _write(tmp_path / "details.csv", ["Details", "Age"], [["x", "3"]])
    result = gawah("link", "csv", str(details), "--out", str(tmp_path / "o.csv"))
    assert result.code == 2
    assert "its columns: Details, Age" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_gawah_own_headers_print_no_column_table(tmp_path: Path, gawah: Gawah) -> None:
    own = _write(tmp_path / "own.csv", ["record_id", "full_name"], [["1", "Ali Raza"]])
    result = gawah("link", "csv", str(own), "--out", str(tmp_path / "o.csv"))
    assert result.code == 0, result.stderr
    assert "Columns read by their headers" not in result.stderr


@pytest.mark.parametrize(
    ("written", "sex"),
    [("ذكر", "m"), ("أنثى", "f"), ("انثى", "f"), ("عورت", "f"), ("لڑکی", "f"),
     ("مؤنث", "f"), ("Male", "m"), ("F", "f")],
)  # fmt: skip
def test_sex_as_arabic_and_urdu_lists_write_it(written: str, sex: str) -> None:
    """Read in CSV mode as written; once only the romanised "mrd" was known."""
    assert canonical_sex(written) == sex


@pytest.mark.parametrize("written", ["3.74051E+12", "4.02346E+08", "3.74051e12"])
def test_ids_a_spreadsheet_wrote_in_scientific_notation_are_not_compared(
    written: str,
) -> None:
    """Their first digits are all that is left, shared by many people's ids."""
    assert canonical_cnic(written) is None
    assert canonical_cnic("37405-1234567-1") == "3740512345671"


@pytest.mark.parametrize("written", ["2031/03/14", "2031.03.14", "2031/3/14"])
def test_dates_of_birth_year_first_with_slashes(written: str) -> None:
    """Pandas read "2031/03/14" day first, as 3 December."""
    assert parse_dob(written).iso == "2031-03-14"


@pytest.mark.parametrize(
    ("written", "years"),
    [("3 months", (0, 0)), ("6 ماہ", (0, 0)), ("18 months", (1, 1)),
     ("2 years 3 months", (2, 2)), ("25 سنة", (25, 25))],
)  # fmt: skip
def test_an_infant_aged_in_months_is_not_that_many_years(
    written: str, years: tuple[int, int]
) -> None:
    """ "3 months" was read as 3 years old, against another list's 0."""
    age = parse_age(written)
    assert (age.low, age.high) == years


def test_a_list_writing_dates_month_first_is_read_month_first(tmp_path: Path) -> None:
    """ "03/14/1999" shows the list writes month first: "11/02/1990" is 2 November."""
    path = _write(
        tmp_path / "us.csv",
        ["Name", "Date of Birth"],
        [["Muhammad Asif", "03/14/1999"], ["Sajid Hussain", "11/02/1990"]],
    )
    uses: list[ColumnUse] = []
    frame = read_list(path, uses)
    assert [parse_dob(v).iso for v in frame["date_of_birth"]] == [
        "1999-03-14", "1990-11-02",
    ]  # fmt: skip
    assert any("month first" in u.why for u in uses)


def test_a_list_writing_dates_day_first_is_left_day_first(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pk.csv",
        ["Name", "DOB"],
        [["Muhammad Asif", "14/03/1999"], ["Sajid Hussain", "02/11/1990"]],
    )
    frame = read_list(path)
    assert [parse_dob(v).iso for v in frame["dob"]] == ["1999-03-14", "1990-11-02"]


def test_small_lists_of_names_fathers_and_ages_link(
    tmp_path: Path, gawah: Gawah
) -> None:
    """Two short lists with no district, date, date of birth or id: the rules
    that estimate how rare a match is found nothing, the prior fell to 1e-4,
    and identical reports scored 0.12, so nobody was linked (15 reports of 9
    people were 15 persons). One name and one father now set the prior."""
    people = [
        ("Muhammad Asif", "Ghulam Rasool", "25", "M"),
        ("Sajid Hussain", "Abdul Majeed", "34", "M"),
        ("Naseem Bibi", "Allah Ditta", "41", "F"),
        ("Imran Khan", "Gul Zaman", "19", "M"),
        ("Rukhsana Parveen", "Muhammad Sharif", "52", "F"),
        ("Bilal Ahmed", "Nazir Ahmed", "23", "M"),
        ("Zahid Iqbal", "Muhammad Iqbal", "30", "M"),
        ("Shahid Mehmood", "Sher Khan", "45", "M"),
    ]
    header = ["Name", "Father Name", "Age", "Gender"]
    party = _write(tmp_path / "party.csv", header, [list(p) for p in people])
    press_rows = [
        [n.replace("Muhammad", "M."), f, str(int(a) + (n[0] == "S")), s]
        for n, f, a, s in people[:6]
    ] + [["Tariq Aziz", "Abdul Aziz", "28", "M"]]
    press = _write(tmp_path / "press.csv", header, press_rows)
    out = tmp_path / "clusters.csv"
    result = gawah("link", "csv", str(party), str(press), "--out", str(out))
    assert result.code == 0, result.stderr
    clusters = pd.read_csv(out, dtype=str)
    person = dict(zip(clusters["list"] + "/" + clusters["record_id"],
                      clusters["cluster_id"], strict=True))  # fmt: skip
    for i in range(1, 7):
        assert person[f"party/{i}"] == person[f"press/{i}"], i
    assert clusters["cluster_id"].nunique() == 9
