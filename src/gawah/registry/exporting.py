"""Exporting the registry: reports as plain rows for CSV and JSON.

Sensitive values are added only when the caller passes ``include_sensitive``;
the default export is safe to hand to a colleague (it is not yet a redacted
*publication*: see ``gawah.publish`` for that).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from gawah.core import open_private
from gawah.core.safe_text import neutralise_cell
from gawah.registry.models import SENSITIVE_COLUMNS, Report
from gawah.registry.queries import get_sensitive, iter_reports, person_of_report

if TYPE_CHECKING:
    from gawah.sealing import Opener

#: Report fields exported as columns, in order (``extra`` and provenance follow).
EXPORT_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Report) if f.name not in ("extra", "provenance")
)


def report_row(
    conn: sqlite3.Connection,
    report: Report,
    *,
    include_sensitive: bool = False,
    person_id: str | None = None,
    opener: Opener | None = None,
) -> dict[str, str | int | bool | dict[str, str] | None]:
    """One report as a flat mapping (enum values as their codes).

    Sealed sensitive values need ``opener`` (:class:`gawah.sealing.Opener`).
    """
    row: dict[str, str | int | bool | dict[str, str] | None] = {
        name: getattr(report, name) for name in EXPORT_FIELDS
    }
    for key in ("sex", "status", "date_precision", "dob_precision"):
        value = row[key]
        row[key] = None if value is None else str(value)
    row["person_id"] = person_id
    row["extra"] = dict(report.extra)
    prov = report.provenance
    row["file_name"] = prov.file_name if prov else None
    row["file_line"] = prov.line if prov else None
    if include_sensitive:
        secret = get_sensitive(conn, report.report_id, opener)
        for name in SENSITIVE_COLUMNS:
            row[name] = getattr(secret, name) if secret else None
        row["sensitive_other"] = dict(secret.other) if secret else {}
    return row


def export_csv(
    conn: sqlite3.Connection,
    path: Path,
    *,
    include_sensitive: bool = False,
    raw: bool = False,
    opener: Opener | None = None,
) -> int:
    """Write every report to ``path`` (UTF-8 with BOM, so Excel shows Urdu); returns rows.

    Unknown columns of the imported lists are kept in one ``extra`` JSON column.
    Unless ``raw``, a text cell a spreadsheet would run as a formula is
    neutralised with a leading ``'`` (:func:`gawah.core.safe_text.neutralise_cell`).
    """
    persons = person_of_report(conn)
    columns = [*EXPORT_FIELDS, "person_id", "extra", "file_name", "file_line"]
    if include_sensitive:
        columns += [*SENSITIVE_COLUMNS, "sensitive_other"]
    count = 0
    with open_private(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for report in iter_reports(conn):
            row = report_row(
                conn,
                report,
                include_sensitive=include_sensitive,
                person_id=persons.get(report.report_id),
                opener=opener,
            )
            for key in ("extra", "sensitive_other"):
                if key in row:
                    row[key] = json.dumps(row[key], ensure_ascii=False, sort_keys=True)
            cells = {k: "" if v is None else v for k, v in row.items()}
            if not raw:
                cells = {
                    k: neutralise_cell(v) if isinstance(v, str) else v
                    for k, v in cells.items()
                }
            writer.writerow(cells)
            count += 1
    return count
