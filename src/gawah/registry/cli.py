"""``gawah import | status | reports list | export csv | incidents | sources``.

Commands stay thin: open the workspace, call one registry function, render.
Sensitive values (national id, phone, witness identity) are printed only with
``--include-sensitive``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as _e
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import open_private, terminal_console
from gawah.core.safe_text import escape_json_controls
from gawah.errors import ImportValidationError, UserInputError
from gawah.options import (
    HomeOption,
    JsonOption,
    PassFileOption,
    check_output_file,
    read_passphrase,
)
from gawah.registry import queries
from gawah.registry.exporting import export_csv, report_row
from gawah.registry.importing import ImportReport, import_list, resolve_source
from gawah.registry.models import SOURCE_CONNECTIONS, SOURCE_KINDS, SOURCE_RELIABILITY
from gawah.registry.recording import record_incident, record_source, source_id_for
from gawah.registry.vocabularies import Status
from gawah.sealing import Opener, erase, erasures
from gawah.workspace import Workspace

_out = terminal_console()

Sensitive = Annotated[
    bool,
    typer.Option(
        "--include-sensitive",
        help="Also show national id, phone and witness identity (handle with care).",
    ),
]

reports_app = typer.Typer(name="reports", help="Look at reports.", no_args_is_help=True)
export_app = typer.Typer(
    name="export", help="Export the registry.", no_args_is_help=True
)
incidents_app = typer.Typer(
    name="incidents", help="Record and list incidents.", no_args_is_help=True
)
sources_app = typer.Typer(
    name="sources", help="Record and list sources.", no_args_is_help=True
)


def _open(home: Path | None, passphrase_file: Path | None) -> Workspace:
    return Workspace.open(
        resolve_home(home),
        passphrase=read_passphrase(passphrase_file, resolve_home(home)),
    )


@contextmanager
def _opener(ws: Workspace, wanted: bool) -> Iterator[Opener | None]:
    """An opener of sealed values when they were asked for (needs the unlocked key)."""
    if not wanted:
        yield None
        return
    with Opener(ws) as opener:
        yield opener


def _print_mapping(report: ImportReport) -> None:
    table = Table(title="Mapping (every column -> where it goes)")
    for column in ("column", "goes to", "why"):
        table.add_column(column)
    for header, place, why in report.mapping:
        shown = f"[yellow]{_e(place)}[/]" if "sealed" in place else _e(place)
        table.add_row(_e(header), shown, _e(why))
    _out.print(table)


def _print_import(report: ImportReport) -> None:
    if report.dry_run:
        _out.print("[bold]Dry run[/]: nothing was recorded. An import would give:")
        _print_mapping(report)
    release = f", release [bold]{_e(report.release)}[/]" if report.release else ""
    _out.print(
        f"[bold]{_e(report.file.name)}[/] ({report.encoding}) -> source "
        f"[bold]{_e(report.source_id)}[/]{release}: "
        f"{report.rows} rows, [green]{report.added} added[/], {report.changed} changed, "
        f"{report.unchanged} unchanged, [red]{report.rejected} rejected[/]"
        + (
            f", {report.dropped} dropped (kept; not in this list)"
            if report.dropped
            else ""
        )
    )
    if report.new_source and not report.dry_run:
        _out.print(f"New source recorded: [bold]{_e(report.source_id)}[/]")
    if report.header_line > 1:
        _out.print(f"Headers found on line {report.header_line}; lines above skipped.")
    if report.problems:
        _out.print("[red]Problems, by kind (count, then the first examples):[/]")
        for line in report.problems:
            _out.print(_e(line))
    if report.reject_file is not None:
        _out.print(
            f"Rejected rows and reasons written to [bold]{_e(str(report.reject_file))}[/]"
        )
    if report.unrecognised_status:
        _out.print(
            "[yellow]Statuses not in the vocabulary (kept as written, flagged):[/]"
        )
        for value, count in report.unrecognised_status.items():
            _out.print(f"  {_e(repr(value))}: {count}")
    if report.sensitive_columns:
        _out.print(
            "Treated as sensitive (sealed, shown only with --include-sensitive): "
            + _e(", ".join(report.sensitive_columns))
        )
    if report.detected_sensitive:
        _out.print(
            "[yellow]The values look like national ids or phone numbers, so treated "
            "as sensitive:[/] "
            + _e(", ".join(report.detected_sensitive))
            + " (map the column to another field in a map file if this is wrong)"
        )
    if report.extra_columns:
        _out.print(f"Kept as extra fields: {_e(', '.join(report.extra_columns))}")


def import_command(
    file: Annotated[Path, typer.Argument(help="The list: CSV (any encoding) or XLSX.")],
    source: Annotated[str, typer.Option("--source", help="Who made the list.")],
    incident: Annotated[
        str | None,
        typer.Option("--incident", help="Incident id the reports belong to."),
    ] = None,
    map_file: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="TOML map file: renames, drops, constants, missing-value codes, "
            "value maps, birth-year columns, sensitive columns.",
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX sheet to read (default: first).")
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "--check",
            help="Check the list, show the mapping and what would change; record nothing.",
        ),
    ] = False,
    map_out: Annotated[
        Path | None,
        typer.Option(
            "--map-out", help="Write the mapping used as an editable map file."
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Import good rows; write bad ones to a reject file."
        ),
    ] = False,
    new_source: Annotated[
        bool,
        typer.Option(
            "--new-source", help="The source is new: record it (else it must exist)."
        ),
    ] = False,
    release: Annotated[
        str | None,
        typer.Option(
            "--release",
            help="This list is that release of the source (e.g. 2024-09-21): "
            "it updates the source's reports and is kept in its history.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", help="The CSV's encoding (utf-8, cp1256, cp1252, utf-16...)."
        ),
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Import a source list: every row is checked; nothing is recorded if any is bad."""
    if map_out is not None:
        check_output_file(map_out, "--map-out")
    with _open(home, passphrase_file) as ws:
        report = import_list(
            ws,
            file,
            source=source,
            incident=incident,
            mapping=map_file,
            skip_invalid=skip_invalid,
            progress=True,
            sheet=sheet,
            dry_run=check,
            encoding=encoding,
            release=release,
            create_source=new_source,
        )
    if map_out is not None:
        with open_private(map_out, "w", encoding="utf-8") as fh:
            fh.write(report.map_text)
    _print_import(report)
    if map_out is not None:
        _out.print(
            f"Map file written to [bold]{_e(str(map_out))}[/] (edit, then --map)."
        )
    if report.dry_run and report.rejected and not skip_invalid:
        raise ImportValidationError(
            f"{report.rejected} row(s) have problems (above): "
            "an import would record nothing"
        )


def status(
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Summarise the workspace: events, devices, reports, persons and the state digest."""
    with _open(home, passphrase_file) as ws:
        c = queries.counts(ws.conn)
        devices = ws.ledger.devices()
        summary = {
            "home": str(ws.home),
            "events": ws.ledger.count(),
            "devices": len(devices),
            "device_keys": devices,
            "incidents": c.incidents,
            "sources": c.sources,
            "reports": c.reports,
            "persons": c.persons,
            "reports_by_status": c.by_status,
            "reports_by_source": c.by_source,
            "unrecognised_status": c.unrecognised_status,
            "state_digest": ws.ledger.state_digest(),
        }
    if as_json:
        typer.echo(
            escape_json_controls(
                json.dumps(summary, ensure_ascii=False, sort_keys=True)
            )
        )
        return
    table = Table(title=f"gawah workspace {summary['home']}", show_header=False)
    for key in ("events", "devices", "incidents", "sources", "reports", "persons"):
        table.add_row(key, str(summary[key]))
    table.add_row(
        "reports by status", ", ".join(f"{k} {v}" for k, v in c.by_status.items())
    )
    table.add_row(
        "reports by source", ", ".join(f"{k} {v}" for k, v in c.by_source.items())
    )
    table.add_row("unrecognised statuses", str(c.unrecognised_status))
    table.add_row("state digest", str(summary["state_digest"]))
    _out.print(table)


@reports_app.command("list")
def reports_list(
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source id.")
    ] = None,
    status_code: Annotated[
        str | None,
        typer.Option("--status", help="Only this status code, or 'unrecognised'."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many (0: all).")
    ] = 50,
    include_sensitive: Sensitive = False,
    as_json: JsonOption = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """List reports (one person as one source reported them)."""
    if status_code is not None and status_code != queries.UNRECOGNISED:
        codes = [s.value for s in Status]
        if status_code not in codes:
            raise UserInputError(
                f"unknown status {status_code!r}; use one of {', '.join(codes)}, unrecognised"
            )
    with _open(home, passphrase_file) as ws, _opener(ws, include_sensitive) as opener:
        persons = queries.person_of_report(ws.conn)
        rows = []
        for n, report in enumerate(
            queries.iter_reports(ws.conn, source=source, status=status_code), start=1
        ):
            if limit and n > limit:
                break
            rows.append(
                report_row(
                    ws.conn,
                    report,
                    include_sensitive=include_sensitive,
                    person_id=persons.get(report.report_id),
                    opener=opener,
                )
            )
        total = queries.counts(ws.conn).reports
    if as_json:
        typer.echo(escape_json_controls(json.dumps(rows, ensure_ascii=False)))
        return
    table = Table(title=f"reports ({len(rows)} shown, {total} in the registry)")
    columns = _list_columns(
        _out.width, include_sensitive, one_source=source is not None
    )
    for column in columns:
        # Ids are copied whole into `reports show`: never cut or wrapped; the
        # rest folds onto a second line rather than end in "…".
        if column == "report_id":
            table.add_column("report id", no_wrap=True, min_width=20)
        else:
            header = {"source_id": "source", "record_id": "record"}.get(column, column)
            # Codes and ids stay whole; free text (names, places) wraps at spaces.
            whole = column in _WHOLE_COLUMNS
            table.add_column(header, overflow="fold", no_wrap=whole)
    for row in rows:
        name = " ".join(str(row[k]) for k in ("given_name", "family_name") if row[k])
        name = str(row["full_name"] or name or row["name_urdu"])
        age = (
            row["age"]
            if row["age"] is not None
            else _range(row["age_min"], row["age_max"])
        )
        shown_status = str(row["status"])
        if not row["status_recognised"]:
            shown_status = f"[yellow]? {_e(str(row['status_as_written']))}[/]"
        cells = {**row, "name": name, "age": age, "status": shown_status}
        table.add_row(
            *("" if cells[c] is None else _cell(c, cells[c]) for c in columns)
        )
    _out.print(table)


@reports_app.command("show")
def reports_show(
    key: Annotated[
        str,
        typer.Argument(
            metavar="REPORT",
            help="The report id (rep-…) or the record id in its list, as "
            "`reports list` shows them.",
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option("--source", help="The source of a record id in several lists."),
    ] = None,
    include_sensitive: Sensitive = False,
    as_json: JsonOption = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Show one report with every value, its provenance and its person."""
    with _open(home, passphrase_file) as ws, _opener(ws, include_sensitive) as opener:
        report = queries.find_report(ws.conn, key, source)
        report_id = report.report_id
        row = report_row(
            ws.conn,
            report,
            include_sensitive=include_sensitive,
            person_id=queries.person_of_report(ws.conn).get(report_id),
            opener=opener,
        )
        gone = erasures(ws.conn, report_id)
    if gone:
        row["erased"] = (
            f"{gone[-1].recorded_at} by {gone[-1].author}: {gone[-1].reason}"
        )
    if report.provenance is not None:
        row["provenance_columns"] = dict(report.provenance.columns)
    if as_json:
        typer.echo(escape_json_controls(json.dumps(row, ensure_ascii=False)))
        return
    table = Table(title=f"report {report_id}", show_header=False)
    table.add_column(overflow="fold")
    table.add_column(overflow="fold")
    for field_name, value in row.items():
        if value not in (None, "", {}, False) or field_name in ("status", "sex"):
            table.add_row(field_name, _e(str(value)))
    _out.print(table)


@reports_app.command("erase")
def reports_erase(
    report_id: Annotated[str, typer.Argument(help="The report id (rep-…).")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="Why (on record, in the clear: name no one, e.g. 'request of "
            "the family, 2031-04-02').",
        ),
    ],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Erase a report's sensitive values for good (destroys its data keys).

    The report's other fields stay; the signed ledger is untouched and still
    verifies, and an erasure event records who, when and why.
    """
    with _open(home, passphrase_file) as ws:
        if queries.get_report(ws.conn, report_id) is None:
            raise UserInputError(f"no report with id {report_id!r}")
        if queries.get_sensitive_row_exists(ws.conn, report_id) and not (
            queries.is_sealed(ws.conn, report_id)
        ):
            raise UserInputError(
                "this report's sensitive values were recorded before sealing, in "
                "the clear: they cannot be erased from the ledger"
            )
        event, destroyed = erase(ws, report_id, reason)
    _out.print(
        f"Erased the sensitive values of {_e(report_id)}: {destroyed} data key(s) "
        f"destroyed; erasure recorded as event {event.id[:16]}."
    )


_WHOLE_COLUMNS = frozenset({"source_id", "record_id", "age", "sex", "status", "date"})


def _list_columns(
    width: int, include_sensitive: bool, *, one_source: bool = False
) -> list[str]:
    """The columns of ``reports list`` that fit ``width`` (80: ids, name, age, status).

    The report id comes first: it is what ``reports show`` and ``reports
    erase`` take. The source is left out when ``--source`` chose one. ``--json``
    always has every field.
    """
    columns = ["report_id", "source_id", "record_id", "name", "age", "status"]
    if one_source:
        columns.remove("source_id")
    if width >= 110:
        columns[4:4] = ["father_name", "sex"]
    if width >= 140:
        columns += ["date", "district"]
    if include_sensitive:
        columns += ["national_id", "phone"]
    return columns


def _cell(column: str, value: object) -> str:
    """Table cell text: user values escaped so Rich shows "[x]" as written."""
    return str(value) if column == "status" else _e(str(value))


def _range(low: object, high: object) -> str:
    if low is None and high is None:
        return ""
    return f"{'' if low is None else low}-{'' if high is None else high}"


@export_app.command("csv")
def export_csv_command(
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    include_sensitive: Sensitive = False,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Write cells exactly as recorded, for programs: a cell starting "
            "with = + - @ is then NOT made safe to open in a spreadsheet.",
        ),
    ] = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Export every report to CSV (UTF-8 with BOM); sensitive fields only if asked.

    Cells a spreadsheet would run as a formula (starting with = + - @, tab or
    CR) get a leading ' unless --raw is given.
    """
    check_output_file(out, "--out")
    with _open(home, passphrase_file) as ws, _opener(ws, include_sensitive) as opener:
        count = export_csv(
            ws.conn, out, include_sensitive=include_sensitive, raw=raw, opener=opener
        )
    note = " including SENSITIVE fields" if include_sensitive else ""
    _out.print(f"Wrote {count} reports to [bold]{_e(str(out))}[/]{note}.")


@incidents_app.command("add")
def incidents_add(
    title: Annotated[str, typer.Argument(help="What happened, in a few words.")],
    incident_id: Annotated[str | None, typer.Option("--id", help="Short id.")] = None,
    date: Annotated[str, typer.Option("--date", help="When (any common format).")] = "",
    place: Annotated[str, typer.Option("--place", help="Where.")] = "",
    district: Annotated[str, typer.Option("--district", help="District.")] = "",
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Record an incident; import lists into it with ``--incident ID``.

    An id already recorded is corrected: the new details replace the old ones.
    """
    with _open(home, passphrase_file) as ws:
        key = incident_id or (source_id_for(title) if title.strip() else "")
        before = queries.get_incident(ws.conn, key) if key else None
        incident = record_incident(
            ws,
            title,
            incident_id=incident_id,
            date=date,
            place=place,
            district=district,
        )
    if before is None or before == incident:
        _out.print(
            f"Recorded incident [bold]{_e(incident.incident_id)}[/]: "
            f"{_e(incident.title)}"
        )
        return
    # A reused id (or a title whose id another incident has) silently replaced
    # that incident's title, date and place, and with them its reports' incident.
    changed = [
        f"{name} {_e(repr(old or ''))} -> {_e(repr(new or ''))}"
        for name, old, new in (
            ("title", before.title, incident.title),
            ("date", before.date, incident.date),
            ("place", before.place, incident.place),
            ("district", before.district, incident.district),
        )
        if old != new
    ]
    _out.print(
        f"[yellow]Incident [bold]{_e(incident.incident_id)}[/] was already recorded; "
        f"its details are corrected:[/] {'; '.join(changed)} (a detail not given "
        "is now empty; give another --id for a new incident)"
    )


@incidents_app.command("list")
def incidents_list(
    home: HomeOption = None, passphrase_file: PassFileOption = None
) -> None:
    """List incidents."""
    with _open(home, passphrase_file) as ws:
        for i in queries.list_incidents(ws.conn):
            _out.print(_e(f"{i.incident_id}  {i.date or ''}  {i.place}  {i.title}"))


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    kind: Annotated[
        str, typer.Option("--kind", help=", ".join(SOURCE_KINDS))
    ] = "other",
    description: Annotated[str, typer.Option("--description")] = "",
    connection: Annotated[
        str, typer.Option("--connection", help=", ".join(SOURCE_CONNECTIONS))
    ] = "unknown",
    reliability: Annotated[
        str, typer.Option("--reliability", help=", ".join(SOURCE_RELIABILITY))
    ] = "unknown",
    group: Annotated[
        str,
        typer.Option("--group", help="Independence group shared with related sources."),
    ] = "",
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Record a source (or change what is known about it)."""
    with _open(home, passphrase_file) as ws:
        source = record_source(
            ws,
            name,
            kind=kind,
            description=description,
            connection=connection,
            reliability=reliability,
            independence_group=group,
        )
    _out.print(
        f"Recorded source [bold]{_e(source.source_id)}[/] ({source.kind}, "
        f"{source.connection}, {source.reliability}, group {_e(source.group)})"
    )


@sources_app.command("list")
def sources_list(
    home: HomeOption = None, passphrase_file: PassFileOption = None
) -> None:
    """List sources and how many reports each gave."""
    with _open(home, passphrase_file) as ws:
        by_source = queries.counts(ws.conn).by_source
        for s in queries.list_sources(ws.conn):
            n = by_source.get(s.source_id, 0)
            _out.print(
                _e(
                    f"{s.source_id}  {s.kind}  {s.reliability}  "
                    f"group {s.group}  {n} reports  {s.name}"
                )
            )


@sources_app.command("history")
def sources_history(
    name: Annotated[str, typer.Argument(help="The source's name or id.")],
    incident: Annotated[
        str | None, typer.Option("--incident", help="Only this incident's releases.")
    ] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Show the releases of a source's list: what each added, changed and dropped."""
    with _open(home, passphrase_file) as ws:
        source_id, _ = resolve_source(ws, name, create=False)
        releases = queries.source_releases(ws.conn, source_id, incident)
    if as_json:
        typer.echo(
            escape_json_controls(
                json.dumps([r.to_payload() for r in releases], ensure_ascii=False)
            )
        )
        return
    if not releases:
        _out.print(
            f"No releases of {_e(source_id)} recorded (import with --release NAME)."
        )
        return
    table = Table(title=f"releases of {source_id}")
    table.add_column("release", no_wrap=True)
    for column in ("rows", "added", "changed", "unchanged", "dropped"):
        table.add_column(column, justify="right")
    table.add_column("incident, file", overflow="fold")
    for r in releases:
        where = f"{r.incident_id}: {r.file_name}" if r.incident_id else r.file_name
        table.add_row(
            _e(r.release), str(r.rows), str(r.added), str(r.changed),
            str(r.unchanged), str(r.dropped), _e(where),
        )  # fmt: skip
    _out.print(table)


def register(app: typer.Typer) -> None:
    """Add the registry's commands to the CLI."""
    app.command("import")(import_command)
    app.command("status")(status)
    app.add_typer(reports_app, name="reports")
    app.add_typer(export_app, name="export")
    app.add_typer(incidents_app, name="incidents")
    app.add_typer(sources_app, name="sources")
