"""``gawah custodians list | add | key``: who sealed values are wrapped to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as _e
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.options import HomeOption, PassFileOption, read_passphrase
from gawah.sealing.api import add_custodian, device_custodian_key, list_custodians
from gawah.workspace import Workspace

_out = terminal_console()

custodians_app = typer.Typer(
    name="custodians",
    help="The keys sensitive values are sealed to (this device and offline keys).",
    no_args_is_help=True,
)


def _open(home: Path | None, passphrase_file: Path | None) -> Workspace:
    return Workspace.open(
        resolve_home(home), passphrase=read_passphrase(passphrase_file)
    )


@custodians_app.command("list")
def list_command(
    home: HomeOption = None, passphrase_file: PassFileOption = None
) -> None:
    """List the custodian keys: this device, then the keys added to the workspace."""
    with _open(home, passphrase_file) as ws:
        own = device_custodian_key(ws)
        added = list_custodians(ws.conn)
    table = Table("public key (X25519)", "who", "added")
    table.add_row(own, "this device", "")
    for c in added:
        table.add_row(c.public_key, _e(c.label), f"{c.added_at} by {_e(c.added_by)}")
    _out.print(table)


@custodians_app.command("key")
def key_command(
    home: HomeOption = None, passphrase_file: PassFileOption = None
) -> None:
    """Print this device's custodian public key (to add it in another workspace)."""
    with _open(home, passphrase_file) as ws:
        typer.echo(device_custodian_key(ws))


@custodians_app.command("add")
def add_command(
    public_key: Annotated[
        str, typer.Argument(help="The custodian's X25519 public key (64 hex digits).")
    ],
    label: Annotated[
        str, typer.Option("--label", help="Whose key, e.g. 'HQ offline key'.")
    ] = "",
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Add a custodian: values sealed from now on can also be opened with its key."""
    with _open(home, passphrase_file) as ws:
        event = add_custodian(ws, public_key, label)
    _out.print(
        f"Custodian added (event {event.id[:16]}); values sealed from now on are "
        "wrapped to it. Values sealed earlier are not."
    )


def register(app: typer.Typer) -> None:
    """Add ``gawah custodians ...`` to the CLI."""
    app.add_typer(custodians_app, name="custodians")
