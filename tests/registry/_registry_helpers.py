"""Small FICTIONAL lists shared by the registry tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

ListWriter = Callable[..., Path]

HEADERS = ["record_id", "full_name", "father_name", "name_urdu", "sex", "age", "status"]
HEADERS += ["date", "district", "national_id", "phone"]


def good_rows() -> list[list[str]]:
    """Three valid FICTIONAL rows with canonical headers."""
    return [
        HEADERS,
        ["1", "Muhammad Usman", "Tariq", "محمد عثمان", "M", "25", "Expired",
         "26/03/2031", "Rwp", "12345-1234567-1", "03001234567"],
        ["2", "Ayesha Bibi", "Aslam", "عائشہ", "عورت", "about 40", "زخمی",
         "Mar 2031", "Pindi", "", ""],
        ["3", "Mohd Bilal", "", "", "male", "25-30", "Giraftar", "2031-03-26",
         "D.I. Khan", "", ""],
    ]  # fmt: skip
