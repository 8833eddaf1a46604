"""``gawah init``, ``gawah ledger verify | rebuild | show`` and ``gawah devices``.

These commands work on a whole workspace (its ledger, devices and projections),
so they sit in the workspace layer, above the ledger they inspect.

Commands stay thin: resolve the home, call one function, render. Payloads are
never printed (they may hold witness details); ``show`` lists event metadata only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import UserInputError
from gawah.options import (
    HomeOption,
    JsonOption,
    PassFileOption,
    as_invoked,
    read_passphrase,
)
from gawah.workspace import Workspace

ledger_app = typer.Typer(
    name="ledger",
    help="Check and inspect the signed ledger.",
    no_args_is_help=True,
)

_out = terminal_console()


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr for long runs (over 10,000 events)."""
    if total <= 10_000:
        yield lambda _done: None
        return
    with Progress(console=terminal_console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _init_passphrase(
    passphrase_file: Path | None, prompt: bool, no_passphrase: bool
) -> str | None:
    """The passphrase for a new key: protected by default, never a hanging prompt."""
    secret = read_passphrase(passphrase_file)
    if no_passphrase:
        if secret is not None or prompt:
            raise UserInputError("--no-passphrase cannot be combined with a passphrase")
        return None
    if secret is not None:
        return secret
    if not sys.stdin.isatty():
        raise UserInputError(
            "the device key is protected by a passphrase by default and standard "
            "input is not a terminal: give --passphrase-file FILE (or "
            "$GAWAH_PASSPHRASE_FILE), or --no-passphrase for an unprotected key"
        )
    secret = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
    if not secret:
        raise UserInputError("the passphrase must not be empty")
    return str(secret)


def init(
    home: HomeOption = None,
    author: Annotated[
        str, typer.Option("--author", help="Your name, recorded with every event.")
    ] = "documenter",
    passphrase: Annotated[
        bool,
        typer.Option(
            "--passphrase",
            help="Ask for the key passphrase (the default when standard input is a "
            "terminal; asked twice, not echoed).",
        ),
    ] = False,
    passphrase_file: PassFileOption = None,
    no_passphrase: Annotated[
        bool,
        typer.Option(
            "--no-passphrase",
            help="Store the device key unprotected (anyone with the folder can sign).",
        ),
    ] = False,
    join: Annotated[
        str | None,
        typer.Option(
            "--join",
            help="Trust this authority's identity (`gawah devices id` on its device) "
            "instead of becoming an authority; it enrols this device.",
        ),
    ] = None,
) -> None:
    """Create a workspace: a folder with a new device signing key and a ledger."""
    secret = _init_passphrase(passphrase_file, passphrase, no_passphrase)
    folder = resolve_home(home)
    with Workspace.init(folder, author=author, passphrase=secret, join=join) as ws:
        identity = ws.identity
    _out.print(f"Created workspace [bold]{folder}[/] for author [bold]{author}[/].")
    _out.print(
        f"Device identity: {identity} "
        f"({'passphrase-protected' if secret else 'no passphrase'})"
    )
    if join is not None:
        _out.print(
            "Ask the authority to run: "
            + as_invoked(f'`gawah devices enrol {identity} --name "{author}"`')
        )


@ledger_app.command("verify")
def verify(
    home: HomeOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object.")
    ] = False,
) -> None:
    """Check everything the workspace shows (exit 3: something does not verify).

    The database file (SQLite integrity check), every event's hash, signature and
    device (enrolled, not revoked), chain links, checkpoints (also those kept
    outside the database), and every projection table against a replay of the
    events.
    """
    # Verification never signs: a checkpoint over tampered data would bless it.
    with (
        Workspace.open(
            resolve_home(home), checkpoint_on_close=False, check=False
        ) as ws,
        _progress("Verifying", ws.ledger.count()) as advance,
    ):
        report = ws.ledger.verify(progress=advance)
    if as_json:
        first = report.first_problem
        _out.print_json(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "devices": report.devices,
                    "checkpoints": report.checkpoints,
                    "forked_devices": list(report.forked_devices),
                    "equivocations": [str(p) for p in report.equivocations],
                    "unanchored": report.unanchored,
                    "database": report.database,
                    "tables": list(report.tables),
                    "problems": len(report.problems),
                    "first_problem": None
                    if first is None
                    else {
                        "device": first.device,
                        "seq": first.seq,
                        "event_id": first.event_id,
                        "reason": first.reason,
                    },
                }
            )
        )
    else:
        _out.print(
            f"{report.events} events from {report.devices} device(s), "
            f"{report.checkpoints} checkpoint(s) checked"
            + (", projection tables recomputed." if report.projections_checked else ".")
        )
        for table in report.tables:
            _out.print(
                f"[bold red]TABLE[/] {table}: differs from a replay of the events"
            )
        for device in report.forked_devices:
            _out.print(
                f"[bold yellow]FORKED[/] device {device[:16]}…: two different events "
                "share a sequence number; both are kept as evidence."
            )
        for problem in report.equivocations:
            _out.print(f"[bold yellow]EQUIVOCATION[/] {problem}")
        for device, count in report.unanchored.items():
            _out.print(
                f"device {device[:16]}…: {count} event(s) after the newest checkpoint "
                "(a truncation there needs an outside checkpoint to detect)."
            )
    report.raise_for_problems()
    if not as_json:
        _out.print("[bold green]Ledger intact.[/]")


@ledger_app.command("rebuild")
def rebuild(home: HomeOption = None, passphrase_file: PassFileOption = None) -> None:
    """Drop every projection and rebuild it by replaying all events in arrival order."""
    with Workspace.open(
        resolve_home(home),
        read_passphrase(passphrase_file, resolve_home(home)),
        check=False,
    ) as ws:
        total = ws.ledger.count()
        with _progress("Verifying", total) as advance:
            ws.ledger.verify(progress=advance, projections=False).raise_for_problems()
        with _progress("Replaying", total) as advance:
            count = ws.ledger.rebuild(progress=advance)
        ws.record_projections()
        names = ", ".join(p.name for p in ws.ledger.projectors) or "none"
    _out.print(f"Replayed {count} events into projections: {names}.")


@ledger_app.command("show")
def show(
    home: HomeOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show the last N events.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List recent events (kind, author, device, seq, time, id; never the payload)."""
    with Workspace.open(
        resolve_home(home), projectors=[], checkpoint_on_close=False
    ) as ws:
        total = ws.ledger.count()
        events = ws.ledger.log.latest(limit)
        checkpoints = ws.ledger.checkpoints()
    if as_json:
        for e in events:
            record = {
                "rowid": e.rowid,
                "id": e.id,
                "kind": e.kind,
                "author": e.author,
                "device": e.device,
                "seq": e.seq,
                "recorded_at": e.recorded_at,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table(
        title=f"Last {len(events)} of {total} events (recorded_at = device clock)"
    )
    for column in ("#", "kind", "author", "device", "seq", "recorded_at", "id"):
        table.add_column(column)
    for e in events:
        table.add_row(
            str(e.rowid),
            e.kind,
            e.author,
            e.device[:12] + "…",
            str(e.seq),
            e.recorded_at,
            e.id[:16] + "…",
        )
    _out.print(table)
    latest: dict[str, int] = {}
    for cp in checkpoints:
        latest[cp.device] = max(latest.get(cp.device, 0), cp.size)
    for device, size in sorted(latest.items()):
        _out.print(f"Newest checkpoint of device {device[:12]}…: size {size}")


devices_app = typer.Typer(
    name="devices",
    help="This device's identity; enrol and revoke the devices a workspace trusts.",
    no_args_is_help=True,
)


@devices_app.command("id")
def devices_id(home: HomeOption = None) -> None:
    """Print this device's public identity (to enrol it, or to encrypt to it)."""
    with Workspace.open(
        resolve_home(home), projectors=[], checkpoint_on_close=False
    ) as ws:
        identity = ws.identity
    typer.echo(identity)


@devices_app.command("enrol")
def devices_enrol(
    identity: Annotated[
        str, typer.Argument(help="The device's identity (`gawah devices id` there).")
    ],
    name: Annotated[
        str,
        typer.Option(
            "--name", help="The device's name: its events must carry it as author."
        ),
    ],
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="authority, custodian or documenter (repeatable; default documenter).",
        ),
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Enrol a device: its signed events are accepted from now on (signed event)."""
    folder = resolve_home(home)
    with Workspace.open(folder, read_passphrase(passphrase_file, folder)) as ws:
        ws.enrol_device(identity, name, role or ())
    _out.print(f"Enrolled device [bold]{escape(name)}[/].")


@devices_app.command("revoke")
def devices_revoke(
    name: Annotated[str, typer.Argument(help="The enrolled device's name.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Revoke a device: its events after those already held are refused."""
    folder = resolve_home(home)
    with Workspace.open(folder, read_passphrase(passphrase_file, folder)) as ws:
        event = ws.revoke_device(name, reason)
    after = event.payload["after_seq"]
    _out.print(
        f"Revoked device [bold]{escape(name)}[/]: events after seq {after} "
        "of its feed are refused."
    )


@devices_app.command("list")
def devices_list(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List the devices this workspace trusts (and those it revoked)."""
    with Workspace.open(
        resolve_home(home), projectors=[], checkpoint_on_close=False
    ) as ws:
        devices = ws.enrolled_devices()
        own = ws.device
    if as_json:
        for d in devices:
            typer.echo(
                json.dumps(
                    {
                        "name": d.name,
                        "identity": d.identity,
                        "roles": list(d.roles),
                        "root": d.root,
                        "this_device": d.device == own,
                        "revoked": d.revoked,
                        "revoked_after_seq": d.revoked_after,
                    },
                    ensure_ascii=False,
                )
            )
        return
    table = Table(title="Devices")
    table.add_column("name")
    table.add_column("identity", overflow="fold")  # copied whole, never cut
    table.add_column("roles")
    table.add_column("status")
    for d in devices:
        status = "root authority" if d.root else "enrolled"
        if d.revoked:
            status = f"revoked after seq {d.revoked_after}"
        if d.device == own:
            status += " (this device)"
        table.add_row(escape(d.name), d.identity, ", ".join(d.roles), status)
    _out.print(table)
    if not any(d.device == own for d in devices):
        _out.print("This device is not enrolled yet: an authority must enrol it.")


def register(app: typer.Typer) -> None:
    """Add ``gawah init`` and the ``gawah ledger`` and ``gawah devices`` groups."""
    app.command("init")(init)
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(devices_app, name="devices")


__all__ = ["devices_app", "ledger_app", "register"]
