"""Importing a source list: read, check every row, record only what is new or changed.

The steps (each a function below):

1. open the file (CSV in any common encoding, or XLSX) and map its headers
   (:func:`import_list`); rows are streamed, never held in memory whole;
2. one pass over the rows (:func:`_events`): check each row, compare it with
   what the registry holds for this source (key: source + incident + record id,
   content hash) and make the payload of a new or changed row, sealed, held in
   a :class:`~gawah.registry.staging.SortedStage`;
3. problems are counted by kind (:class:`IssueSummary`) over every row; if any
   row is bad and ``skip_invalid`` is off, the pass raises at the end and the
   transaction rolls back before any report was signed: nothing is recorded.
   With ``skip_invalid`` the bad rows go to a reject file next to the list;
   otherwise the held payloads become events in report-id order, which
   ``Workspace.append_many`` signs and writes in *one* transaction;
4. a ``source.released`` event closes the transaction when the import names a
   release of the source (what it added, changed and dropped).

A dry run (:func:`_check_rows`) makes the same pass without events.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.progress import Progress

from gawah.core import open_private
from gawah.errors import ImportValidationError, UserInputError
from gawah.ledger import DeferredIndexes, gc_paused
from gawah.registry import queries
from gawah.registry.mapfile import ColumnMap, load_map
from gawah.registry.models import (
    REPORT_RECORDED,
    SOURCE_RECORDED,
    SOURCE_RELEASED,
    Release,
    Source,
    report_payload,
)
from gawah.registry.reading import StreamedTable, Table, open_table
from gawah.registry.recording import source_id_for
from gawah.registry.rows import ImportIssue, ParsedRow, RowParser, locate_header
from gawah.registry.staging import SortedStage, as_parsed
from gawah.sealing import Sealer

if TYPE_CHECKING:
    from gawah.workspace import Workspace

_PROGRESS_BYTES = 200_000
_KEPT_ISSUES = 10_000
_EXAMPLES = 3
_SEAL_BATCH = 2048


@dataclass
class IssueSummary:
    """Problems grouped by kind: a count and the first examples of each."""

    bad_rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[ImportIssue]] = field(default_factory=dict)
    kept: list[ImportIssue] = field(default_factory=list)

    def add(self, issues: Sequence[ImportIssue]) -> None:
        """Count one bad row's issues."""
        self.bad_rows += 1
        for issue in issues:
            kind = issue.kind
            self.counts[kind] += 1
            shown = self.examples.setdefault(kind, [])
            if len(shown) < _EXAMPLES:
                shown.append(issue)
            if len(self.kept) < _KEPT_ISSUES:
                self.kept.append(issue)

    def lines(self) -> list[str]:
        """Per kind, most frequent first: the count, then the first examples."""
        out: list[str] = []
        for kind, count in self.counts.most_common():
            out.append(f"  {count} × {kind}")
            out += [f"      {issue}" for issue in self.examples[kind]]
        return out


class RowsInvalidError(ImportValidationError):
    """Rows failed validation; ``issues`` lists the problems (the first 10,000),
    ``summary`` groups all of them by kind."""

    def __init__(self, file_name: str, summary: IssueSummary) -> None:
        lines = [
            f"{file_name}: {summary.bad_rows} row(s) have problems; nothing was "
            "imported. Fix them (a map file can declare missing-value codes, value "
            "spellings and birth-year columns; `gawah import --dry-run` shows the "
            "mapping), or use --skip-invalid to import the rest and write a reject file:",
            *summary.lines(),
        ]
        super().__init__("\n".join(lines))
        self.issues = tuple(summary.kept)
        self.summary = summary


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
    #: Every column: (header, where it goes, why) — ``gawah import --dry-run``.
    mapping: tuple[tuple[str, str, str], ...] = ()
    #: Problems grouped by kind: (kind, count, first examples).
    problems: tuple[str, ...] = ()
    #: The source's reports (this incident) that this list no longer has.
    dropped: int = 0
    #: The release of the source this list is (``--release``), if named.
    release: str | None = None
    #: The map the import used, as a map file (``--map-out``).
    map_text: str = ""
    #: True when the import recorded the source (its first list).
    new_source: bool = False


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _reject_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


class _RejectWriter:
    """Bad rows as they were, with their line and reasons (UTF-8, BOM), written
    while the rows are checked; nothing is created until the first bad row."""

    def __init__(self, path: Path | None, headers: tuple[str, ...]) -> None:
        self.path = path
        self.headers = headers
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def write(
        self, line: int, cells: tuple[str, ...], issues: list[ImportIssue]
    ) -> None:
        if self.path is None:
            return
        if self._writer is None:
            self._fh = open_private(self.path, "w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow(["line", "problems", *self.headers])
        reasons = "; ".join(
            f"{i.column}: {i.reason}" if i.column else i.reason for i in issues
        )
        self._writer.writerow([line, reasons, *cells])

    def close(self) -> Path | None:
        if self._fh is None:
            return None
        self._fh.close()
        return self.path

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            if self.path is not None:
                self.path.unlink(missing_ok=True)


@dataclass
class _Check:
    """What the first pass found."""

    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    dropped: int = 0
    summary: IssueSummary = field(default_factory=IssueSummary)
    unrecognised: Counter[str] = field(default_factory=Counter)


def _column_map(mapping: ColumnMap | Path | str | None) -> ColumnMap:
    if isinstance(mapping, ColumnMap):
        return mapping
    return load_map(Path(mapping)) if mapping else ColumnMap()


def _check_incident(ws: Workspace, incident: str | None) -> None:
    if incident is not None:
        queries.require_incident(ws.conn, incident)


def resolve_source(ws: Workspace, source: str, *, create: bool) -> tuple[str, bool]:
    """The source's id and whether it is new; an unknown name is refused unless
    ``create``, with the nearest known names ("did you mean")."""
    source_id = source_id_for(source)
    if queries.get_source(ws.conn, source_id) is not None:
        return source_id, False
    if not create:
        known = queries.list_sources(ws.conn)
        names = {s.source_id: s.name for s in known}
        near = difflib.get_close_matches(source_id, list(names), n=3, cutoff=0.6)
        hint = (
            " Did you mean " + " or ".join(repr(names[n]) for n in near) + "?"
            if near
            else ""
        )
        raise UserInputError(
            f"no source {source!r} yet.{hint} To start a new source, add "
            "--new-source (or record it first with `gawah sources add`)"
        )
    return source_id, True


def _progress(show: bool) -> Progress:
    return Progress(disable=not show, transient=True)


def _rows(
    table: Table | StreamedTable,
    parser: RowParser,
    known: dict[str, tuple[int, str]],
    found: _Check,
    rejects: _RejectWriter | None,
) -> Iterator[tuple[ParsedRow, tuple[int, str] | None]]:
    """Every good row with what the registry holds for its record id; counts
    rows, additions, changes, problems and the source's reports not listed."""
    # Good rows' record ids are unique (a repeated id is a bad row; rows
    # without ids get "-2", "-3"...), so each known report is found at most
    # once: the dropped ones are counted without holding every id of the list.
    found_known = 0
    for line, cells in table.iter_rows():
        found.rows += 1
        result = parser.parse(line, cells)
        if isinstance(result, list):
            found.summary.add(result)
            if rejects is not None:
                rejects.write(line, cells, result)
            continue
        previous = known.get(result.record_id)
        if previous is None:
            found.added += 1
        else:
            found_known += 1
            if previous[1] == result.content_hash:
                found.unchanged += 1
            else:
                found.changed += 1
        if not result.report.status_recognised:
            found.unrecognised[result.report.status_as_written] += 1
        yield result, previous
    found.dropped = len(known) - found_known


def _check_rows(
    table: Table | StreamedTable,
    parser: RowParser,
    known: dict[str, tuple[int, str]],
) -> _Check:
    """A dry run: check every row and compare it with the registry."""
    found = _Check()
    for _ in _rows(table, parser, known, found, None):
        pass
    return found


def _events(
    table: Table | StreamedTable,
    parser: RowParser,
    known: dict[str, tuple[int, str]],
    found: _Check,
    *,
    rejects: _RejectWriter | None,
    sealer: Sealer | None,
    head: list[tuple[str, dict[str, Any]]],
    tail: Callable[[], list[tuple[str, dict[str, Any]]]],
    written: list[int],
    stage: SortedStage,
    indexes: _Deferral | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The events of new and changed rows, made while the ledger consumes them
    inside its transaction; every payload is as a JSON parser makes it
    (``plain_json``, which spares the ledger a parse of each event).

    First every row is checked and the payload of each new or changed one is
    made, sealed, and held in ``stage``; only then are the events handed over,
    in report-id order (:mod:`gawah.registry.staging` says why). A bad row
    (without ``rejects``: ``skip_invalid`` off) stops the payloads but not the
    checking, and at the end :class:`RowsInvalidError` rolls the whole
    transaction back before any report was signed: nothing is recorded.
    Wrapped data keys reach the key store in batches, inside one key-store
    transaction that commits before the ledger's does (a refused or crashed
    import leaves no keys or unused keys, never unreadable values).
    ``written[0]`` counts the events made. A large import defers the
    projections' read-only indexes (``indexes``) while its reports are written.
    """
    pending = 0
    # The key store stays in one transaction while the rows are sealed; it
    # commits before the events are handed over, so before the ledger's COMMIT.
    with contextlib.nullcontext() if sealer is None else sealer.holding():
        for row, previous in _rows(table, parser, known, found, rejects):
            if found.summary.bad_rows and rejects is None:
                continue  # refused in the end: seal nothing more, keep checking
            if previous is not None and previous[1] == row.content_hash:
                continue
            report = (
                row.report
                if previous is None
                else replace(row.report, version=previous[0] + 1)
            )
            stage.add(report.report_id, report_payload(report, row.sensitive, sealer))
            pending += 1
            if sealer is not None and pending >= _SEAL_BATCH:
                sealer.flush()
                pending = 0
        if found.summary.bad_rows and rejects is None:
            raise RowsInvalidError(parser.file_name, found.summary)
        if sealer is not None:
            sealer.flush()
    for kind, payload in head:
        written[0] += 1
        yield kind, as_parsed(payload)
    if indexes is not None and written[0] + stage.count >= indexes.after:
        indexes.deferred.drop()
    for payload in stage.in_order():
        written[0] += 1
        yield REPORT_RECORDED, payload
    if indexes is not None and indexes.deferred.dropped:
        indexes.deferred.restore()
    for kind, payload in tail():
        written[0] += 1
        yield kind, as_parsed(payload)


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
    encoding: str | None = None,
    release: str | None = None,
    create_source: bool = True,
) -> ImportReport:
    """Import one source list into the workspace (steps: the module docstring).

    Args:
        ws: an open workspace.
        path: the CSV or XLSX file.
        source: the source's name or id.
        incident: the id of a recorded incident the reports belong to.
        mapping: a :class:`ColumnMap` or the path of a TOML map file.
        skip_invalid: import the good rows; write bad ones to
            ``<file>.rejected.csv``.
        progress: show a progress bar for large lists.
        sheet: the XLSX sheet to read (default: the first).
        dry_run: check and compare, but record nothing and write no reject file;
            the report says what an import would do and which mapping it used.
        seal: encrypt sensitive values to the workspace's custodians (the
            default; ``False`` only to measure what sealing costs, or in tests).
        encoding: the CSV's text encoding (default: detected; refused if unclear).
        release: this list is that release of the source ("2024-09-21"):
            recorded with what it added, changed and dropped.
        create_source: record an unknown source on its first list (the CLI asks
            for ``--new-source``); when False an unknown source is refused.

    Raises:
        RowsInvalidError: rows are bad and ``skip_invalid`` is off (nothing recorded).
        UserInputError: unreadable file, unknown incident or source, ambiguous headers.
    """
    path = Path(path)
    column_map = _column_map(mapping)
    _check_incident(ws, incident)
    source_id, new_source = resolve_source(ws, source, create=create_source)
    table = locate_header(open_table(path, sheet, encoding), column_map)
    show = progress and path.stat().st_size > _PROGRESS_BYTES
    with Sealer(ws) if seal else _NoSealer() as sealer:
        return _import_table(
            ws, _Target(path, _file_sha256(path), source, source_id, incident,
                        new_source, release),
            table, column_map, sealer if seal else None, skip_invalid, show, dry_run,
        )  # fmt: skip


class _NoSealer:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass(frozen=True)
class _Target:
    """Where an import's rows go, and what file they came from."""

    path: Path
    file_sha: str
    source: str
    source_id: str
    incident: str | None
    new_source: bool
    release: str | None = None


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
    _check_incident(ws, incident)
    source_id, new_source = resolve_source(ws, source, create=True)
    cells = [tuple(str(c) for c in row) for row in rows]
    table = Table(
        tuple(headers), tuple((n + 2, row) for n, row in enumerate(cells)), "utf-8"
    )
    digest = hashlib.sha256(
        json.dumps([list(headers), cells], ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    target = _Target(Path(name), digest, source, source_id, incident, new_source)
    with Sealer(ws) as sealer:
        return _import_table(
            ws, target, table, ColumnMap(), sealer, False, False, False
        )


def _parser(
    target: _Target,
    table: Table | StreamedTable,
    column_map: ColumnMap,
    sealer: Sealer | None,
) -> RowParser:
    parser = RowParser(
        table.headers,
        column_map,
        source_id=target.source_id,
        incident_id=target.incident,
        file_name=target.path.name,
        file_sha256=target.file_sha,
        rows=[cells for _, cells in table.sample()],
        keyed=None if sealer is None else sealer.keyed_digest,
        release=target.release or "",
    )
    return parser


#: SQLite's page cache while a list is written, in KiB (SQLite's default is
#: 2 MiB, sized for embedded devices). Every report lands in about ten B-trees
#: keyed by hashes and names, i.e. at random places; with the default cache
#: nearly every insert re-reads its pages, and an import slowed as it grew
#: (200,000 rows: 14 % less CPU with 256 MiB). The memory goes back afterwards.
_IMPORT_CACHE_KIB = 262_144


#: An import this large (in events written) defers the projections' read-only
#: indexes (:class:`gawah.ledger.DeferredIndexes`): about ten of them are keyed
#: by names and hashes, and their scattered inserts made the time per row grow
#: with the workspace. They are dropped before the reports are written when
#: the import writes this many events *and* more than the ledger held before
#: it, so rebuilding them (one
#: sort per index, over old and new rows) costs at most about twice what
#: sorting its own rows would: a small import into a large workspace keeps them.
_DEFER_INDEXES_AFTER = 20_000


@dataclass(frozen=True)
class _Deferral:
    """When an import drops the read-only indexes, and the handle that does."""

    deferred: DeferredIndexes
    after: int


@contextlib.contextmanager
def _page_cache(conn: sqlite3.Connection) -> Iterator[None]:
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


def _import_table(
    ws: Workspace,
    target: _Target,
    table: Table | StreamedTable,
    column_map: ColumnMap,
    sealer: Sealer | None,
    skip_invalid: bool,
    show: bool,
    dry_run: bool,
) -> ImportReport:
    known = queries.report_versions(ws.conn, target.source_id, target.incident)
    parser = _parser(target, table, column_map, sealer)
    if dry_run:
        with _progress(show) as bar:
            bar.add_task("checking rows", total=None)
            found = _check_rows(table, parser, known)
        return _report(target, table, parser, found, column_map, None, 0, True)
    rejects = (
        _RejectWriter(_reject_path(target.path), table.headers)
        if skip_invalid
        else None
    )
    head: list[tuple[str, dict[str, Any]]] = []
    if target.new_source:
        head.append(
            (SOURCE_RECORDED, Source(target.source_id, target.source).to_payload())
        )
    found = _Check()
    written = [0]
    head_event = ws.ledger.head()  # its position: the events held, in O(1)
    held = 0 if head_event is None else head_event[0]
    indexes = _Deferral(
        DeferredIndexes(ws.conn, ws.ledger.projectors),
        max(_DEFER_INDEXES_AFTER, held + 1),
    )
    try:
        # gc_paused: the cyclic collector walked every object the import holds
        # again and again and found nothing (its reports make no cycles): 5 % of
        # a 50,000-row import's CPU time (docs/guides/import.md).
        with (
            _progress(show) as bar,
            _page_cache(ws.conn),
            SortedStage(ws.home) as stage,
            gc_paused(),
        ):
            stream = _events(
                table, parser, known, found, rejects=rejects, sealer=sealer,
                head=head, tail=lambda: _release_events(ws, target, found),
                written=written, stage=stage, indexes=indexes,
            )  # fmt: skip
            bar.add_task("checking, signing and writing", total=None)
            ws.append_many(stream, keep=False, plain_json=True)
    except BaseException:
        if rejects is not None:
            rejects.discard()
        raise
    reject_file = None if rejects is None else rejects.close()
    return _report(
        target, table, parser, found, column_map, reject_file, written[0], False
    )


def _release_events(
    ws: Workspace, target: _Target, found: _Check
) -> list[tuple[str, dict[str, Any]]]:
    """A ``source.released`` event when the import names a release that changes
    something or was not recorded yet (importing it again records nothing)."""
    if not target.release:
        return []
    already = any(
        r.release == target.release
        for r in queries.source_releases(ws.conn, target.source_id, target.incident)
    )
    if already and not (found.added or found.changed):
        return []
    release = Release(
        source_id=target.source_id,
        release=target.release,
        incident_id=target.incident,
        file_name=target.path.name,
        file_sha256=target.file_sha,
        rows=found.rows,
        added=found.added,
        changed=found.changed,
        unchanged=found.unchanged,
        dropped=found.dropped,
        rejected=found.summary.bad_rows,
    )
    return [(SOURCE_RELEASED, release.to_payload())]


def _report(
    target: _Target,
    table: Table | StreamedTable,
    parser: RowParser,
    found: _Check,
    column_map: ColumnMap,
    reject_file: Path | None,
    events: int,
    dry_run: bool,
) -> ImportReport:
    from gawah.registry.mapfile import dump_map

    examples = [i for shown in found.summary.examples.values() for i in shown]
    used, suggestions = parser.map_used(column_map, examples)
    return ImportReport(
        file=target.path,
        file_sha256=target.file_sha,
        encoding=table.encoding,
        source_id=target.source_id,
        incident_id=target.incident,
        rows=found.rows,
        added=found.added,
        changed=found.changed,
        unchanged=found.unchanged,
        rejected=found.summary.bad_rows,
        issues=tuple(found.summary.kept),
        unrecognised_status=dict(found.unrecognised.most_common()),
        extra_columns=tuple(sorted(parser.extra_headers.values())),
        reject_file=reject_file,
        events=events,
        dry_run=dry_run,
        header_line=table.header_line,
        sensitive_columns=parser.sensitive_headers,
        detected_sensitive=parser.plan.detected,
        mapping=tuple(parser.describe()),
        problems=tuple(found.summary.lines()),
        dropped=found.dropped,
        release=target.release,
        map_text=dump_map(
            used,
            notes={h: f"{place}: {why}" for h, place, why in parser.describe() if why},
            suggestions={
                **suggestions,
                "status": [
                    f'{json.dumps(v, ensure_ascii=False)} = "..."  # {n} row(s): '
                    "a status code (docs/reference/vocabularies.md)"
                    for v, n in found.unrecognised.most_common(20)
                ],
            },
        ),
        new_source=target.new_source,
    )
