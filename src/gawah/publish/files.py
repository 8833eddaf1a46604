"""The public data files of a release: CSV (UTF-8 with BOM), JSON and a Frictionless
data package whose columns carry HXL hashtags.

Every CSV has the header row, then the HXL hashtag row (the HXL standard's
layout, which ``libhxl`` and the HXL Proxy read as is); ``datapackage.json``
tells Frictionless tools to skip that second row (``commentRows``) and that
"fewer than N" in a count column means a withheld value (``missingValues``).
All bytes are deterministic: fixed column and row order, ``\\n`` line ends.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from gawah.core.safe_text import neutralise_cell
from gawah.publish.gather import STATUSES, ReleaseData

__all__ = ["HXL", "data_files", "dumps"]

#: The HXL hashtag of each published column.
HXL: Mapping[str, str] = {
    "name": "#affected+name",
    "name_urdu": "#affected+name+i_ur",
    "age": "#affected+age+num",
    "sex": "#affected+sex",
    "status": "#status",
    "date": "#date+occurred",
    "district": "#loc+district+name",
    "tehsil": "#loc+tehsil+name",
    "union_council": "#loc+union_council+name",
    "village": "#loc+village+name",
    "occupation": "#affected+occupation",
    "killed": "#affected+killed",
    "missing": "#affected+missing",
    "detained": "#affected+detained",
    "injured": "#affected+injured",
    "list": "#meta+source",
    "other_list": "#meta+source+other",
    "persons": "#affected+num",
}
_TYPES: Mapping[str, str] = {"age": "integer", "persons": "integer", "date": "string"}
_TITLES: Mapping[str, str] = {
    "name": "Name as the sources give it",
    "name_urdu": "Name in Urdu script",
    "age": "Age in years",
    "sex": "Sex as the sources give it",
    "status": "Gravest status any source reports (killed, missing, detained, injured)",
    "date": "Date of the harm (as precise as the sources give it)",
    "district": "District (place names coarsened to districts)",
}


def dumps(value: Any) -> bytes:
    """Deterministic, readable JSON (sorted keys, two-space indent, final newline)."""
    return (
        json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    ).encode("utf-8")


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerow([HXL[c] for c in header])
    for row in rows:
        # a cell starting with = + - @ is made inert for spreadsheets
        writer.writerow([neutralise_cell(str(v)) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _schema(columns: Sequence[str], counts: bool, threshold: int) -> dict[str, Any]:
    fields = []
    for c in columns:
        kind = "integer" if counts and c in STATUSES else _TYPES.get(c, "string")
        entry: dict[str, Any] = {"name": c, "type": kind, "hxl": HXL[c]}
        if c in _TITLES:
            entry["description"] = _TITLES[c]
        fields.append(entry)
    return {
        "fields": fields,
        "missingValues": ["", f"fewer than {threshold}"],
    }


def _resource(
    name: str,
    path: str,
    title: str,
    columns: Sequence[str],
    counts: bool,
    threshold: int,
) -> dict[str, Any]:
    return {
        "name": name,
        "path": path,
        "title": title,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "dialect": {"header": True, "headerRows": [1], "commentRows": [2]},
        "schema": _schema(columns, counts, threshold),
    }


def _count_rows(table: Mapping[str, Mapping[str, Any]]) -> list[list[object]]:
    return [[key, *(table[key][s].to_json() for s in STATUSES)] for key in table]


def data_files(data: ReleaseData, version: str) -> dict[str, bytes]:
    """The public data files of ``data``, by path inside the release."""
    threshold = data.policy.small_cell_threshold
    files: dict[str, bytes] = {}
    columns = list(data.columns)
    files["data/victims.csv"] = _csv(
        columns, [[r[c] for c in columns] for r in data.rows]
    )
    files["data/victims.json"] = dumps(
        {
            "incident": data.incident["id"],
            "columns": columns,
            "persons_not_named": data.receipt["persons_not_named"],
            "victims": [
                {
                    c: (int(r[c]) if c == "age" and r[c] else r[c] or None)
                    for c in columns
                }
                for r in data.rows
            ],
        }
    )
    resources = [
        _resource(
            "victims",
            "data/victims.csv",
            "Documented victims who may be named (one row per person)",
            columns,
            False,
            threshold,
        )
    ]
    if "district" in data.columns:
        header = ["district", *STATUSES]
        files["data/counts-by-district.csv"] = _csv(
            header, _count_rows(data.by_district)
        )
        resources.append(
            _resource(
                "counts-by-district",
                "data/counts-by-district.csv",
                "Documented persons by district and status (everyone, named or not)",
                header,
                True,
                threshold,
            )
        )
    if "date" in data.columns:
        header = ["date", *STATUSES]
        files["data/counts-by-date.csv"] = _csv(header, _count_rows(data.by_date))
        resources.append(
            _resource(
                "counts-by-date",
                "data/counts-by-date.csv",
                "Documented persons by date and status (everyone, named or not)",
                header,
                True,
                threshold,
            )
        )
    header = ["list", "other_list", "persons"]
    files["data/list-overlaps.csv"] = _csv(
        header,
        [[a, b, n] for a, row in data.overlaps.items() for b, n in row.items()],
    )
    resources.append(
        _resource(
            "list-overlaps",
            "data/list-overlaps.csv",
            "Persons on both lists (a list with itself: persons on that list)",
            header,
            False,
            threshold,
        )
    )
    files["datapackage.json"] = dumps(
        {
            "name": f"gawah-{data.incident['id']}",
            "title": data.incident["title"],
            "profile": "tabular-data-package",
            "description": (
                "Victims documented by gawah, redacted under the policy stated in "
                "release.json; HXL hashtags are the second row of every CSV."
            ),
            "version": version,
            "licenses": [
                {
                    "name": "CC-BY-4.0",
                    "path": "https://creativecommons.org/licenses/by/4.0/",
                    "title": "Creative Commons Attribution 4.0",
                }
            ],
            "resources": resources,
        }
    )
    return files
