"""``gawah init`` and ``gawah ledger verify | rebuild | show``.

Commands stay thin: resolve the home, call one function, render. Payloads are
never printed (they may hold witness details); ``show`` lists event metadata only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import UserInputError
from gawah.options import HomeOption, PassFileOption
from gawah.workspace import PASSPHRASE_ENV, Workspace

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


def read_passphrase(passphrase_file: Path | None) -> str | None:
    """Return the passphrase from ``--passphrase-file``, else ``$GAWAH_PASSPHRASE``."""
    if passphrase_file is not None:
        try:
            text = passphrase_file.read_text(encoding="utf-8")
        except OSError:
            raise UserInputError(
                f"cannot read the passphrase file {passphrase_file}"
            ) from None
        line = text.splitlines()[0] if text else ""
        if not line:
            raise UserInputError("the passphrase file is empty")
        return line
    return os.environ.get(PASSPHRASE_ENV) or None


def init(
    home: HomeOption = None,
    author: Annotated[
        str, typer.Option("--author", help="Your name, recorded with every event.")
    ] = "documenter",
    passphrase: Annotated[
        bool,
        typer.Option(
            "--passphrase",
            help="Protect the device key with a passphrase (asked twice, not echoed).",
        ),
    ] = False,
    passphrase_file: PassFileOption = None,
) -> None:
    """Create a workspace: a folder with a new device signing key and a ledger."""
    secret = read_passphrase(passphrase_file)
    if passphrase and secret is None:
        secret = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
        if not secret:
            raise UserInputError("the passphrase must not be empty")
    folder = resolve_home(home)
    with Workspace.init(folder, author=author, passphrase=secret) as ws:
        device = ws.device
    _out.print(f"Created workspace [bold]{folder}[/] for author [bold]{author}[/].")
    _out.print(
        f"Device key: {device[:16]}… "
        f"({'passphrase-protected' if secret else 'no passphrase'})"
    )


@ledger_app.command("verify")
def verify(
    home: HomeOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object.")
    ] = False,
) -> None:
    """Re-hash every event, check signatures, chain links, checkpoints (exit 3: bad)."""
    # Verification never signs: a checkpoint over tampered data would bless it.
    with (
        Workspace.open(
            resolve_home(home), projectors=[], checkpoint_on_close=False
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
            f"{report.checkpoints} checkpoint(s) checked."
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
    with Workspace.open(resolve_home(home), read_passphrase(passphrase_file)) as ws:
        total = ws.ledger.count()
        with _progress("Verifying", total) as advance:
            ws.ledger.verify(progress=advance).raise_for_problems()
        with _progress("Replaying", total) as advance:
            count = ws.ledger.rebuild(progress=advance)
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
        start = max(0, total - limit)
        rows = ws.conn.execute(
            "SELECT pos FROM ledger_events ORDER BY pos LIMIT 1 OFFSET ?", (start,)
        ).fetchone()
        after = int(rows[0]) - 1 if rows else 0
        events = list(ws.ledger.events(after_rowid=after))
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


def register(app: typer.Typer) -> None:
    """Add ``gawah init`` and the ``gawah ledger`` group to the CLI."""
    app.command("init")(init)
    app.add_typer(ledger_app, name="ledger")


__all__ = ["ledger_app", "read_passphrase", "register"]
