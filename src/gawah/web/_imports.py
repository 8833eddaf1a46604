"""Reports enter through the registry's own import path, so one set of checks applies.

A single report typed into the entry form is written as a one-row CSV and
imported like any list: the same parser validates it and the same provenance
is recorded. Uploaded files are streamed to a private temporary folder under a
sanitised name (never the user's path) and removed afterwards.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gawah.errors import UserInputError
from gawah.registry import (
    ImportIssue,
    ImportReport,
    RowsInvalidError,
    import_list,
    import_rows,
    iter_reports,
    source_id_for,
)
from gawah.workspace import Workspace

MAX_UPLOAD = 20 * 1024 * 1024
ALLOWED = (".csv", ".xlsx")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
ENTRY_COLUMNS = (
    "record_id", "full_name", "name_urdu", "father_name", "sex", "age", "status", "date",
    "place", "village", "district", "occupation", "cause", "notes", "national_id",
    "phone", "witness_name", "witness_contact",
)  # fmt: skip
SENSITIVE = frozenset({"national_id", "phone", "witness_name", "witness_contact"})


class UploadTooLargeError(UserInputError):
    """The upload exceeds :data:`MAX_UPLOAD` bytes."""


@dataclass(frozen=True)
class Issue:
    """One validation problem, as shown next to a field or in the upload report."""

    line: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What an import did; ``issues`` set and ``imported`` False when refused."""

    imported: bool
    file_name: str
    rows: int
    added: int
    changed: int
    unchanged: int
    rejected: int
    issues: tuple[Issue, ...]
    unrecognised_status: dict[str, int]
    extra_columns: tuple[str, ...]
    message: str
    report_ids: tuple[str, ...] = ()
    #: Headers whose values were sealed (names only, never values).
    sensitive_columns: tuple[str, ...] = ()
    #: Of those, the ones treated as sensitive because the cells look like ids/phones.
    detected_sensitive: tuple[str, ...] = ()


def safe_name(name: str | None) -> str:
    """A file name safe to create in our temp folder, keeping a harmless original."""
    base = _SAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(
        "._"
    )
    base = base[-80:]
    if not base.lower().endswith(ALLOWED):
        raise UserInputError("upload a .csv or .xlsx file")
    return base


def _issues(raw: Iterable[ImportIssue], show_sensitive: bool) -> tuple[Issue, ...]:
    return tuple(
        Issue(
            line=int(i.line),
            column=str(i.column),
            value=str(i.value)
            if show_sensitive or str(i.column) not in SENSITIVE
            else "(hidden)",
            reason=str(i.reason),
        )
        for i in raw
    )


def run_import(
    ws: Workspace,
    path: Path,
    *,
    source: str,
    incident: str | None,
    skip_invalid: bool,
    show_sensitive: bool,
) -> Outcome:
    """Import ``path`` with the registry; a validation refusal becomes an Outcome."""
    return _outcome(
        path.name,
        lambda: import_list(
            ws,
            path,
            source=source,
            incident=incident or None,
            skip_invalid=skip_invalid,
        ),
        show_sensitive,
    )


def _outcome(
    file_name: str, run: Callable[[], ImportReport], show_sensitive: bool
) -> Outcome:
    try:
        rep = run()
    except RowsInvalidError as exc:
        issues = _issues(exc.issues, show_sensitive)
        bad = len({i.line for i in issues})
        return Outcome(
            imported=False,
            file_name=file_name,
            rows=0,
            added=0,
            changed=0,
            unchanged=0,
            rejected=bad,
            issues=issues,
            unrecognised_status={},
            extra_columns=(),
            message=f"{bad} row(s) have problems; nothing was imported.",
        )
    return Outcome(
        imported=True,
        file_name=file_name,
        rows=rep.rows,
        added=rep.added,
        changed=rep.changed,
        unchanged=rep.unchanged,
        rejected=rep.rejected,
        issues=_issues(rep.issues, show_sensitive),
        unrecognised_status=dict(rep.unrecognised_status),
        extra_columns=tuple(rep.extra_columns),
        sensitive_columns=rep.sensitive_columns,
        detected_sensitive=rep.detected_sensitive,
        message=f"{rep.added} added, {rep.changed} changed, {rep.unchanged} unchanged"
        + (f", {rep.rejected} rejected" if rep.rejected else "")
        + ".",
    )


def import_entry(
    ws: Workspace, values: Mapping[str, str], *, source: str, incident: str | None
) -> Outcome:
    """Record one report typed into the form, through the registry's checks."""
    row = {c: values.get(c, "").strip() for c in ENTRY_COLUMNS}
    row["record_id"] = "web-" + uuid.uuid4().hex[:16]
    # In memory: typed sensitive values never touch a temporary file.
    outcome = _outcome(
        "web-entry.csv",
        lambda: import_rows(
            ws,
            ENTRY_COLUMNS,
            [[row[c] for c in ENTRY_COLUMNS]],
            source=source,
            incident=incident or None,
            name="web-entry.csv",
        ),
        show_sensitive=True,
    )
    if outcome.imported:
        found = [
            r.report_id
            for r in iter_reports(ws.conn, source=source_id_for(source))
            if r.record_id == row["record_id"]
        ]
        return dataclasses.replace(outcome, report_ids=tuple(found))
    return outcome


async def save_upload(
    chunks: AsyncIterator[bytes], folder: Path, name: str, *, limit: int = MAX_UPLOAD
) -> Path:
    """Stream an upload to ``folder/name``, refusing more than ``limit`` bytes."""
    path = folder / safe_name(name)
    size = 0
    with path.open("wb") as fh:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise UploadTooLargeError(f"the file is larger than {limit >> 20} MB")
            fh.write(chunk)
    if size == 0:
        raise UserInputError("the file is empty")
    if path.suffix.lower() == ".xlsx":
        with path.open("rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise UserInputError(
                    "this .xlsx file is not a spreadsheet (wrong content)"
                )
    return path
