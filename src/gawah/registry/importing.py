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
import json
from collections import Counter
from collections.abc import Iterable, Sequence
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
from gawah.registry.reading import Table, read_table
from gawah.registry.recording import source_id_for
from gawah.registry.rows import (
    ColumnMap,
    ImportIssue,
    ParsedRow,
    RowParser,
    load_map,
    locate_header,
)
from gawah.sealing import Sealer

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
    #: Headers whose values were kept as sensitive (never listed or exported unless asked).
    sensitive_columns: tuple[str, ...] = ()
    #: Of those, the unrecognised headers treated as sensitive because their cells
    #: look like national ids or phone numbers.
    detected_sensitive: tuple[str, ...] = ()


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
    seal: bool = True,
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
        seal: encrypt sensitive values to the workspace's custodians (the
            default; ``False`` only to measure what sealing costs, or in tests).

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
    sealer = Sealer(ws) if seal else None
    try:
        return _import_table(
            ws, path, table, column_map, source, source_id, incident,
            existing_source is None, file_sha, sealer, skip_invalid, progress, dry_run,
        )  # fmt: skip
    finally:
        if sealer is not None:
            sealer.close()


def import_rows(
    ws: Workspace,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    source: str,
    incident: str | None = None,
    name: str = "entry",
) -> ImportReport:
    """Import rows held in memory (a form's entry) exactly as :func:`import_list`
    would import them from a file, without writing them to any file first.

    ``name`` stands for the file name in provenance; the "file" digest is the
    SHA-256 of the rows' canonical JSON. Bad rows are refused (nothing recorded).

    Raises:
        RowsInvalidError: a row is bad.
        UserInputError: unknown incident, ambiguous headers.
    """
    conn = ws.conn
    if incident is not None and queries.get_incident(conn, incident) is None:
        raise UserInputError(
            f"no incident with id {incident!r} (see `gawah incidents list`)"
        )
    source_id = source_id_for(source)
    existing_source = queries.get_source(conn, source_id)
    cells = [tuple(str(c) for c in row) for row in rows]
    table = Table(
        tuple(headers), tuple((n + 2, row) for n, row in enumerate(cells)), "utf-8"
    )
    digest = hashlib.sha256(
        json.dumps([list(headers), cells], ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    with Sealer(ws) as sealer:
        return _import_table(
            ws, Path(name), table, ColumnMap(), source, source_id, incident,
            existing_source is None, digest, sealer, False, False, False,
        )  # fmt: skip


def _import_table(
    ws: Workspace,
    path: Path,
    table: Table,
    column_map: ColumnMap,
    source: str,
    source_id: str,
    incident: str | None,
    new_source: bool,
    file_sha: str,
    sealer: Sealer | None,
    skip_invalid: bool,
    progress: bool,
    dry_run: bool,
) -> ImportReport:
    conn = ws.conn
    parser = RowParser(
        table.headers,
        column_map,
        source_id=source_id,
        incident_id=incident,
        file_name=path.name,
        file_sha256=file_sha,
        rows=[cells for _, cells in table.rows],
        keyed=None if sealer is None else sealer.keyed_digest,
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
    if new_source:
        events.append((SOURCE_RECORDED, Source(source_id, source).to_payload()))
    added = changed = unchanged = 0
    for row in good:
        previous = known.get(row.record_id)
        if previous is None:
            added += 1
            events.append(
                (REPORT_RECORDED, report_payload(row.report, row.sensitive, sealer))
            )
        elif previous[1] == row.content_hash:
            unchanged += 1
        else:
            changed += 1
            report = replace(row.report, version=previous[0] + 1)
            events.append(
                (REPORT_RECORDED, report_payload(report, row.sensitive, sealer))
            )

    reject_file = None
    if rejected and not dry_run:
        reject_file = _reject_path(path)
        _write_rejects(reject_file, table.headers, rejected)
    if events and not dry_run:
        if sealer is not None:
            sealer.flush()  # the keys are stored before the events that need them
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
        sensitive_columns=parser.sensitive_headers,
        detected_sensitive=parser.plan.detected,
    )


def _append(
    ws: Workspace, events: Iterable[tuple[str, dict[str, Any]]], show: bool
) -> None:
    batch = list(events)
    with Progress(disable=not show, transient=True) as bar:
        bar.add_task(f"signing and writing {len(batch)} events", total=None)
        ws.append_many(batch)
