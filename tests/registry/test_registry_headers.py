"""Headers of real-world-shaped lists map to the registry's columns (FICTIONAL lists).

Lists of the dead in Pakistan and Palestine head their columns in English,
Urdu or Arabic, after what happened ("Name of Martyr") and after their forms
("F/Name", "Age (years)", "ولدیت"). Each header below was left as an extra
field before it was in the table of common headers, so the report lost its
father, age, sex or home, and linkage compared less than the list said.
"""

from __future__ import annotations

import pytest

from gawah.registry.rows import ColumnMap, plan_columns

COMMON = {
    "Name of Martyr": "full_name",
    "Martyr Name": "full_name",
    "Name of Deceased": "full_name",
    "F/Name": "father_name",
    "Father/Husband Name": "father_name",
    "Parentage": "father_name",
    "D/O": "father_name",
    "S/O, D/O": "father_name",
    "Age (years)": "age",
    "Age in Years": "age",
    "City": "district",
    "Date of Death": "date",
    "ولدیت": "father_name",
    "والد کا نام": "father_name",
    "عمر": "age",
    "جنس": "sex",
    "ضلع": "district",
    "تحصیل": "tehsil",
    "تاریخ وفات": "date",
    "اسم الأب": "father_name",
    "العمر": "age",
    "الجنس": "sex",
    "المحافظة": "district",
    "تاريخ الوفاة": "date",
}


@pytest.mark.parametrize(("header", "target"), sorted(COMMON.items()))
def test_common_headers_of_lists_of_the_dead(header: str, target: str) -> None:
    plan = plan_columns(("Sr No", header), ColumnMap())
    assert plan.columns == {0: "record_id", 1: target}
    assert plan.why[1] == "a common header"


@pytest.mark.parametrize("header", ["رقم الهوية", "ID No", "ID Number"])
def test_identity_number_headers_are_sealed_not_read_as_cnic(header: str) -> None:
    """Sealed by its header, whatever its cells (no sample here); a Palestinian
    id has 9 digits: read as a CNIC, every row would be refused."""
    plan = plan_columns(("Name", header), ColumnMap())
    assert plan.columns == {0: "full_name"}
    assert plan.sensitive_other == {1: header}


def test_an_arabic_phone_header_is_sensitive() -> None:
    plan = plan_columns(("الاسم", "رقم الجوال"), ColumnMap())
    assert plan.columns == {0: "name_urdu", 1: "phone"}


@pytest.mark.parametrize(
    "headers",
    [("Name", "City", "District"), ("Name", "District", "City"),
     ("Name", "Date of Death", "Date"), ("Name", "Name of Martyr")],
)  # fmt: skip
def test_a_common_header_beside_the_column_it_names_is_kept_not_refused(
    headers: tuple[str, ...],
) -> None:
    """A list with both "City" and "District" is imported: the column named
    as gawah names it wins, the other is kept as an extra field, saying why."""
    plan = plan_columns(headers, ColumnMap())
    extra = next(i for i in range(len(headers)) if i not in plan.columns)
    assert plan.why[extra].startswith("a common header for ")
    assert sorted(plan.columns.values()) == sorted(set(plan.columns.values()))
    kept = {headers[i] for i in plan.columns}
    assert kept & {"District", "Date", "Name"}
