"""Small FICTIONAL lists shared by the registry tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gawah.registry import SensitiveFields, get_sensitive
from gawah.sealing import Opener
from gawah.workspace import Workspace

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


def sensitive_of(ws: Workspace, report_id: str) -> SensitiveFields | None:
    """The opened sensitive values of a report (with the workspace's device key)."""
    with Opener(ws) as opener:
        return get_sensitive(ws.conn, report_id, opener)
