"""``gawah evidence ...`` (with ``gawah evidence timestamp`` over the ledger).

Commands stay thin: open the workspace, call one function of
:mod:`gawah.evidence`, render with Rich. Sensitive metadata (GPS, serials) is
printed only with ``show --sensitive``, on the owner's own screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import EvidenceIntegrityError, UserInputError
from gawah.evidence.custody import record_custody
from gawah.evidence.export import export_package
from gawah.evidence.ingest import Receipt, add_evidence_many
from gawah.evidence.package_check import check_package
from gawah.evidence.queries import (
    custody_history,
    get_evidence,
    list_evidence,
    near_duplicate_groups,
    resolve_digest,
    sensitive_metadata,
    withheld_receipts,
)
from gawah.evidence.sources import erase_sources
from gawah.evidence.timestamp import load_ca, request_timestamp
from gawah.evidence.verify import verify_store
from gawah.evidence.working_copy import make_working_copy
from gawah.options import HomeOption, PassFileOption, as_invoked, read_passphrase
from gawah.sealing import Opener
from gawah.workspace import Workspace

evidence_app = typer.Typer(
    name="evidence",
    help="Evidence files kept byte-exact, with chain of custody and court export.",
    no_args_is_help=True,
)
_out = terminal_console()
_err = terminal_console(stderr=True)

ReportOpt = Annotated[str | None, typer.Option("--report", help="Report id.")]
IncidentOpt = Annotated[str | None, typer.Option("--incident", help="Incident id.")]
#: Custody details that identify a person (who handed a file over, to whom).
CUSTODY_IDENTITIES = frozenset({"received_from", "to"})
WITHHELD = "(withheld)"
DigestArg = Annotated[
    str, typer.Argument(help="SHA-256 of the blob (or a unique prefix).")
]


def _table(*columns: str) -> Table:
    """A table whose first column (a digest) is never cut or wrapped."""
    table = Table()
    table.add_column(columns[0], no_wrap=True, min_width=16)
    for column in columns[1:]:
        table.add_column(column)
    return table


def _open(
    home: Path | None, passphrase_file: Path | None, *, check: bool = True
) -> Workspace:
    folder = resolve_home(home)
    return Workspace.open(folder, read_passphrase(passphrase_file, folder), check=check)


@contextmanager
def _opener(ws: Workspace, include_sensitive: bool) -> Iterator[Opener | None]:
    """An opener of sealed custody details, only on the owner's view."""
    if not include_sensitive:
        yield None
        return
    with Opener(ws) as opener:
        yield opener


@evidence_app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help="Files to store.")],
    report: ReportOpt = None,
    incident: IncidentOpt = None,
    source: Annotated[
        str | None, typer.Option(help="How it arrived (channel).")
    ] = None,
    received_from: Annotated[
        str | None, typer.Option("--received-from", help="Who handed it over.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    received_at: Annotated[
        str | None,
        typer.Option("--received-at", help="When it was handed over, if not now."),
    ] = None,
    allow_damaged: Annotated[
        bool, typer.Option(help="Store undecodable files too, flagged 'damaged'.")
    ] = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Store files content-addressed and record who handed them over, how and when."""
    table = _table("sha256", "type", "size", "name", "flags")
    receipt = Receipt(report, incident, source, received_from, note, received_at)
    with (
        _open(home, passphrase_file) as ws,
        Progress(console=_err, transient=True) as bar,
    ):
        task = bar.add_task("storing", total=len(files))

        def done(path: Path, error: UserInputError | None) -> None:
            if error is not None:
                _err.print(f"[bold red]not stored:[/] {path.name}: {error}")
            bar.advance(task)

        items, refused = add_evidence_many(
            ws, files, receipt, allow_damaged=allow_damaged, on_file=done
        )
    for item in items:
        flags = ", ".join(item.flags)
        size = f"{item.size:,}"
        table.add_row(item.digest, item.media_type, size, item.original_name, flags)
    if items:
        _out.print(table)
        _out.print(f"saved {len(items)} file(s); originals were not modified")
    if refused:
        raise UserInputError(f"{len(refused)} file(s) were not stored (see above)")


IncludeSensitiveOpt = Annotated[
    bool,
    typer.Option(
        "--include-sensitive",
        help="Also show who handed files over, to whom, where, and notes.",
    ),
]


@evidence_app.command("list")
def list_(
    report: ReportOpt = None,
    incident: IncidentOpt = None,
    include_sensitive: IncludeSensitiveOpt = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """List stored evidence, optionally for one report or incident.

    Who handed each file over is withheld unless --include-sensitive is given.
    """
    with _open(home, passphrase_file) as ws, _opener(ws, include_sensitive) as opener:
        items = list_evidence(
            ws.conn,
            report,
            incident,
            include_sensitive=include_sensitive,
            opener=opener,
        )
        sealed = set() if include_sensitive else withheld_receipts(ws.conn)
    table = _table("sha256", "type", "name", "received", "from", "flags")
    for i in items:
        flags = ", ".join(i.flags)
        origin = (
            f"copy of {i.derived_from[:12]}"
            if i.derived_from
            else WITHHELD
            if i.digest in sealed
            else (i.received_from or "")
            if include_sensitive or not i.received_from
            else WITHHELD
        )
        table.add_row(
            i.digest[:16], i.media_type, i.original_name, i.received_at, origin, flags
        )
    _out.print(table)


@evidence_app.command("show")
def show(
    digest: DigestArg,
    sensitive: Annotated[
        bool,
        typer.Option(
            help="Also print GPS, serials, names and who handed it over "
            "(owner's view only)."
        ),
    ] = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Show one item's metadata (sensitive fields only when asked)."""
    with _open(home, passphrase_file) as ws, _opener(ws, sensitive) as opener:
        full = resolve_digest(ws.conn, digest)
        item = get_evidence(ws.conn, full, include_sensitive=sensitive, opener=opener)
        assert item is not None
        secret = sensitive_metadata(ws.conn, item.digest) if sensitive else {}
        if item.received_from:
            secret["received from"] = item.received_from
        if item.note:
            secret["note"] = item.note
    _out.print(f"[bold]{item.original_name}[/]  {item.digest}")
    _out.print(f"{item.media_type}, {item.size:,} bytes, received {item.received_at}")
    for key, value in sorted(item.metadata.items()):
        _out.print(f"  {key}: {value}")
    for key, value in sorted(secret.items()):
        _out.print(f"  [yellow]{key} (sensitive)[/]: {value}")


@evidence_app.command("history")
def history(
    digest: DigestArg,
    include_sensitive: IncludeSensitiveOpt = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Print the chain of custody of one blob, oldest first.

    Who handed it over and to whom are withheld unless --include-sensitive is given.
    """
    with _open(home, passphrase_file) as ws, _opener(ws, include_sensitive) as opener:
        entries = custody_history(
            ws.conn,
            resolve_digest(ws.conn, digest),
            include_sensitive=include_sensitive,
            opener=opener,
        )
    table = Table("when (device clock)", "action", "by", "details", "event")
    for e in entries:
        detail = ", ".join(
            f"{k}={v if include_sensitive or k not in CUSTODY_IDENTITIES else WITHHELD}"
            for k, v in sorted(e.detail.items())
            if v and k not in {"digest", "size", "details_ref"}
        )
        if e.detail.get("details_ref") and not include_sensitive:
            detail += f"{', ' if detail else ''}identities={WITHHELD}"
        table.add_row(e.recorded_at, e.action, e.author, detail, e.event_id[:12])
    _out.print(table)


@evidence_app.command("custody")
def custody(
    digest: DigestArg,
    action: Annotated[str, typer.Argument(help="linked, transferred or viewed.")],
    to: Annotated[str | None, typer.Option(help="Who received it (transfers).")] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Who handed it over (transfers; default: you)."),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it was handed over, if not now.")
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="Where it was handed over (transfers).")
    ] = None,
    method: Annotated[str | None, typer.Option(help="How it was handed over.")] = None,
    report: ReportOpt = None,
    incident: IncidentOpt = None,
    person: Annotated[
        str | None, typer.Option("--person", help="Person id (links only).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Record a custody step: linked to a report, incident or person; transferred; viewed.

    Who, to whom, where and notes are kept out of exports and listings unless
    asked; how (--method) and when (--at) are public.
    """
    with _open(home, passphrase_file) as ws:
        full = resolve_digest(ws.conn, digest)
        ev = record_custody(
            ws, full, action, to=to, method=method, report_id=report, incident_id=incident,
            person_id=person, note=note, from_=from_, at=at, place=place,
        )  # fmt: skip
    _out.print(f"recorded {action} for {full[:16]} in event {ev.id[:12]}")


@evidence_app.command("erase-sources")
def erase_sources_cmd(
    digest: DigestArg,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (recorded with who and when).")
    ],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Erase for good who handed one item over, to whom, where, and notes.

    Destroys the keys of its sealed custody details: the signed events stay
    (the ledger still verifies) but nobody can read those details again.
    """
    with _open(home, passphrase_file) as ws:
        full = resolve_digest(ws.conn, digest)
        event = erase_sources(ws, full, reason)
    _out.print(
        f"custody details of {full[:16]} erased (event {event.id[:12]}); "
        "copies of the ledger elsewhere still need their keys destroyed there"
    )


@evidence_app.command("working-copy")
def working_copy(
    digest: DigestArg,
    blur: Annotated[
        list[str] | None, typer.Option(help="Region x0,y0,x1,y1 to blur (repeatable).")
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Make a metadata-free copy (images: regions blurred); the original stays."""
    regions = []
    for text in blur or []:
        try:
            x0, y0, x1, y1 = (int(v) for v in text.split(","))
        except ValueError:
            raise UserInputError(
                "a blur region is four integers: x0,y0,x1,y1"
            ) from None
        regions.append((x0, y0, x1, y1))
    with _open(home, passphrase_file) as ws:
        item = make_working_copy(
            ws, resolve_digest(ws.conn, digest), blur_regions=regions
        )
    _out.print(f"working copy {item.digest} of {item.derived_from}")


@evidence_app.command("duplicates")
def duplicates(home: HomeOption = None, passphrase_file: PassFileOption = None) -> None:
    """List groups of files that show the same scene (re-encoded, resized, cropped)."""
    with _open(home, passphrase_file) as ws:
        groups = near_duplicate_groups(ws.conn)
        names = {i.digest: i.original_name for i in list_evidence(ws.conn)}
    for n, g in enumerate(groups, 1):
        _out.print(f"[bold]group {n}[/] ({len(g)} files, count once as corroboration)")
        for d in g:
            _out.print(f"  {d[:16]}  {names.get(d, '')}")
    if not groups:
        _out.print("no near-duplicates found")


@evidence_app.command("verify")
def verify(
    clean: Annotated[
        bool, typer.Option(help="Delete leftovers of interrupted ingests (.incoming).")
    ] = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Re-hash every blob against the ledger; exit 3 if anything disagrees."""
    # Like `gawah ledger verify`, it opens without the quick check: it is the
    # deeper check, and names each item that disagrees with the signed events.
    with (
        _open(home, passphrase_file, check=False) as ws,
        Progress(console=_err, transient=True) as bar,
    ):
        task = bar.add_task("re-hashing", total=None)
        report = verify_store(
            ws, progress=lambda n: bar.advance(task, n), clean_incomplete=clean
        )
    for label, digests, meaning in (
        ("ALTERED", report.altered, "its bytes no longer hash to its name"),
        ("MISSING", report.missing, "a signed receipt records it; it is not stored"),
        ("UNKNOWN", report.unknown, "stored, but no signed receipt records it"),
        ("UNSIGNED", report.unsigned, "listed in the tables without a signed receipt"),
        ("EDITED", report.edited, "the tables differ from the signed events"),
        ("BAD EVENT", report.bad_events, "the event's signature does not verify"),
    ):
        for d in digests:
            _out.print(f"{label}  {d}  ({meaning})")
    _out.print(
        f"checked {report.checked} blob(s) against the signed events: "
        f"{len(report.altered)} altered, {len(report.missing)} missing, "
        f"{len(report.unknown)} unknown, {len(report.unsigned)} without a signed "
        f"receipt, {len(report.edited)} with edited tables, "
        f"{len(report.bad_events)} bad event(s)"
    )
    if report.edited or report.unsigned:
        _out.print(
            as_invoked(
                "the evidence tables were changed outside gawah: `gawah ledger verify`,"
                " then `gawah ledger rebuild` restores them from the signed events"
            )
        )
    if report.incomplete:
        done = "deleted" if clean else "left (delete with --clean)"
        _out.print(
            f"{len(report.incomplete)} unfinished upload(s) from an interrupted "
            f"ingest, never acknowledged: {done}"
        )
    if not report.ok:
        raise EvidenceIntegrityError(
            "the evidence store or tables do not match the signed ledger events"
        )


@evidence_app.command("export")
def export(
    to: Annotated[
        Path, typer.Option("--to", help="New or empty folder for the package.")
    ],
    report: ReportOpt = None,
    incident: IncidentOpt = None,
    include_sensitive: Annotated[
        bool, typer.Option(help="Include GPS, serials and names (default: left out).")
    ] = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Write a court package: files, manifest with proofs, VERIFY.md, a verifier."""
    with _open(home, passphrase_file) as ws:
        result = export_package(
            ws,
            to,
            report_id=report,
            incident_id=incident,
            include_sensitive=include_sensitive,
        )
    _out.print(
        f"exported {result.items} file(s) and {result.events} signed event(s) to "
        f"{result.path}; manifest sha256 {result.manifest_sha256}"
    )
    _out.print("check it with: python3 verify_package.py (see VERIFY.md)")
    if result.originals_with_sensitive:
        _err.print(
            f"[yellow]warning:[/] {result.originals_with_sensitive} original file(s) "
            "carry GPS, serial numbers or names inside their own bytes; the package "
            "holds them unchanged. If the recipient must not see these, export "
            + as_invoked("working copies instead (`gawah evidence working-copy`).")
        )


@evidence_app.command("check-package")
def check_package_cmd(
    package: Annotated[
        Path, typer.Argument(help="Folder written by `evidence export`.")
    ],
    device: Annotated[
        list[str] | None,
        typer.Option(help="Device key obtained independently (repeatable)."),
    ] = None,
    tsa_ca: Annotated[
        Path | None,
        typer.Option(help="CA certificate of the time-stamping authority (PEM)."),
    ] = None,
) -> None:
    """Check an export package with gawah's own ledger code; exit 3 on any problem."""
    roots = load_ca(tsa_ca) if tsa_ca is not None else None
    problems = check_package(package, {d.lower() for d in device or []}, roots)
    for problem in problems:
        _out.print(f"FAIL  {problem}")
    if problems:
        raise EvidenceIntegrityError(f"{len(problems)} problem(s) in the package")
    _out.print(
        "all checks passed (files, keys, signatures, checkpoints, proofs, export "
        "statement, receipts, timestamps)"
    )


@evidence_app.command("timestamp")
def timestamp(
    tsa: Annotated[str, typer.Option("--tsa", help="URL of an RFC 3161 TSA.")],
    ca_file: Annotated[
        Path,
        typer.Option(
            "--ca-file", help="PEM/DER CA certificate you trust for that TSA."
        ),
    ],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Get an RFC 3161 token over the ledger's latest checkpoint ("existed no later than").

    The token is kept as an evidence event, so it belongs to this group; the
    ledger's own commands (``gawah ledger …``) never change the ledger.
    """
    with _open(home, passphrase_file) as ws:
        rec = request_timestamp(ws, tsa, ca_file)
    _out.print(
        f"the ledger up to event {rec.size} existed no later than {rec.gen_time} "
        f"(token from {rec.tsa_url}, event {rec.event_id[:12]}); this is not a capture time"
    )


def register(app: typer.Typer) -> None:
    """Add the ``gawah evidence`` group."""
    app.add_typer(evidence_app, name="evidence")
