"""Importing a source list: read, check every row, record only what is new or changed.

The steps, in order:

1. read the file (CSV in any common encoding, or XLSX) and map its headers;
2. check every row and collect *all* problems (file line, column, value, reason);
3. if any row is bad and ``skip_invalid`` is off, stop: nothing is recorded;
   with ``skip_invalid`` the bad rows go to a reject file next to the list;
4. compare with what the registry holds for this source (key: source + record id,
   content hash): unchanged rows add nothing, changed rows get a new version;
5. append the events in one transaction (``Workspace.append_many``).
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import Progress

from gawah.core import open_private
from gawah.errors import ImportValidationError, UserInputError
from gawah.registry import queries
from gawah.registry.models import (
    REPORT_RECORDED,
    SOURCE_RECORDED,
    Source,
    report_payload,
)
from gawah.registry.reading import read_table
from gawah.registry.recording import source_id_for
from gawah.registry.rows import (
    ColumnMap,
    ImportIssue,
    ParsedRow,
    RowParser,
    load_map,
    locate_header,
)

if TYPE_CHECKING:
    from gawah.workspace import Workspace

_PROGRESS_THRESHOLD = 1000
_MAX_ISSUES_IN_MESSAGE = 10_000


class RowsInvalidError(ImportValidationError):
    """Rows failed validation; ``issues`` lists every problem found."""

    def __init__(
        self, file_name: str, issues: list[ImportIssue], bad_rows: int
    ) -> None:
        shown = issues[:_MAX_ISSUES_IN_MESSAGE]
        lines = [
            f"{file_name}: {bad_rows} row(s) have problems; nothing was imported "
            "(fix them, or use --skip-invalid to import the rest and write "
            "a reject file):",
            *(f"  {issue}" for issue in shown),
        ]
        if len(issues) > len(shown):
            lines.append(f"  ... and {len(issues) - len(shown)} more")
        super().__init__("\n".join(lines))
        self.issues = tuple(issues)


@dataclass(frozen=True)
class ImportReport:
    """What an import did: counts, every issue, statuses the vocabulary did not know."""

    file: Path
    file_sha256: str
    encoding: str
    source_id: str
    incident_id: str | None
    rows: int
    added: int
    changed: int
    unchanged: int
    rejected: int
    issues: tuple[ImportIssue, ...]
    unrecognised_status: dict[str, int]
    extra_columns: tuple[str, ...]
    reject_file: Path | None
    events: int
    dry_run: bool = False
    header_line: int = 1


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _reject_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


def _write_rejects(
    path: Path,
    headers: tuple[str, ...],
    rejected: list[tuple[int, tuple[str, ...], list[ImportIssue]]],
) -> None:
    """Write rejected rows as they were, with their line and reasons (UTF-8, BOM)."""
    with open_private(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "problems", *headers])
        for line, cells, issues in rejected:
            reasons = "; ".join(
                f"{i.column}: {i.reason}" if i.column else i.reason for i in issues
            )
            writer.writerow([line, reasons, *cells])


def import_list(
    ws: Workspace,
    path: Path | str,
    *,
    source: str,
    incident: str | None = None,
    mapping: ColumnMap | Path | str | None = None,
    skip_invalid: bool = False,
    progress: bool = False,
    sheet: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import one source list into the workspace (steps: the module docstring).

    Args:
        ws: an open workspace.
        path: the CSV or XLSX file.
        source: the source's name or id; a new source is recorded on first import.
        incident: the id of a recorded incident the reports belong to.
        mapping: a :class:`ColumnMap` or the path of a TOML map file.
        skip_invalid: import the good rows; write bad ones to
            ``<file>.rejected.csv``.
        progress: show a progress bar for lists over 1,000 rows.
        sheet: the XLSX sheet to read (default: the first).
        dry_run: check and compare, but record nothing and write no reject file;
            the report says what an import would do.

    Raises:
        RowsInvalidError: rows are bad and ``skip_invalid`` is off (nothing recorded).
        UserInputError: unreadable file, unknown incident, ambiguous headers.
    """
    path = Path(path)
    column_map = (
        mapping
        if isinstance(mapping, ColumnMap)
        else load_map(Path(mapping))
        if mapping
        else ColumnMap()
    )
    conn = ws.conn
    if incident is not None and queries.get_incident(conn, incident) is None:
        raise UserInputError(
            f"no incident with id {incident!r} (see `gawah incidents list`)"
        )
    source_id = source_id_for(source)
    existing_source = queries.get_source(conn, source_id)

    table = locate_header(read_table(path, sheet), column_map)
    file_sha = _file_sha256(path)
    parser = RowParser(
        table.headers,
        column_map,
        source_id=source_id,
        incident_id=incident,
        file_name=path.name,
        file_sha256=file_sha,
    )
    good: list[ParsedRow] = []
    rejected: list[tuple[int, tuple[str, ...], list[ImportIssue]]] = []
    unrecognised: Counter[str] = Counter()
    show = progress and len(table.rows) > _PROGRESS_THRESHOLD
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task(f"checking {path.name}", total=len(table.rows))
        for n, (line, cells) in enumerate(table.rows, start=1):
            result = parser.parse(line, cells)
            if isinstance(result, list):
                rejected.append((line, cells, result))
            else:
                good.append(result)
                if not result.report.status_recognised:
                    unrecognised[result.report.status_as_written] += 1
            if n % 500 == 0:
                bar.update(task, completed=n)
    issues = [issue for _, _, row_issues in rejected for issue in row_issues]
    if rejected and not skip_invalid:
        raise RowsInvalidError(path.name, issues, len(rejected))

    known = queries.report_versions(conn, source_id, incident)
    events: list[tuple[str, dict[str, Any]]] = []
    if existing_source is None:
        events.append((SOURCE_RECORDED, Source(source_id, source).to_payload()))
    added = changed = unchanged = 0
    for row in good:
        previous = known.get(row.record_id)
        if previous is None:
            added += 1
            events.append((REPORT_RECORDED, report_payload(row.report, row.sensitive)))
        elif previous[1] == row.content_hash:
            unchanged += 1
        else:
            changed += 1
            report = replace(row.report, version=previous[0] + 1)
            events.append((REPORT_RECORDED, report_payload(report, row.sensitive)))

    reject_file = None
    if rejected and not dry_run:
        reject_file = _reject_path(path)
        _write_rejects(reject_file, table.headers, rejected)
    if events and not dry_run:
        _append(ws, events, show)
    return ImportReport(
        file=path,
        file_sha256=file_sha,
        encoding=table.encoding,
        source_id=source_id,
        incident_id=incident,
        rows=len(table.rows),
        added=added,
        changed=changed,
        unchanged=unchanged,
        rejected=len(rejected),
        issues=tuple(issues),
        unrecognised_status=dict(unrecognised.most_common()),
        extra_columns=tuple(sorted(parser.extra_headers.values())),
        reject_file=reject_file,
        events=len(events),
        dry_run=dry_run,
        header_line=table.header_line,
    )


def _append(
    ws: Workspace, events: Iterable[tuple[str, dict[str, Any]]], show: bool
) -> None:
    batch = list(events)
    with Progress(disable=not show, transient=True) as bar:
        bar.add_task(f"signing and writing {len(batch)} events", total=None)
        ws.append_many(batch)
