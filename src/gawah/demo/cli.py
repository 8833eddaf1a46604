"""``gawah demo``: build the FICTIONAL demo workspace and show what it holds.

Kept small on purpose: later steps (link, estimate, serve) are added here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gawah.config import HOME_ENV
from gawah.demo.building import DemoSummary, build_demo_workspace

DEMO_HOME = Path("gawah-demo")
_out = Console()


def demo_home(home: Path | None) -> Path:
    """``--home``, else ``$GAWAH_HOME``, else ``./gawah-demo``."""
    if home is not None:
        return home
    env = os.environ.get(HOME_ENV)
    return Path(env) if env else DEMO_HOME


def print_summary(summary: DemoSummary) -> None:
    """Render the demo summary with Rich."""
    verb = "Built" if summary.created else "Found"
    _out.print(
        f"[bold]{verb} the FICTIONAL demo workspace[/] at [bold]{summary.home}[/] "
        f"(incident [bold]{summary.incident_id}[/], "
        f"{summary.true_victims} fictional victims in the ground truth)"
    )
    table = Table(title="Source lists (FICTIONAL)")
    for column in ("source", "rows", "added now", "file"):
        table.add_column(column)
    for item in summary.lists:
        table.add_row(item.source_id, str(item.rows), str(item.added), str(item.path))
    _out.print(table)
    _out.print(
        f"{summary.reports} reports, {summary.persons} persons linked, "
        f"{summary.events} signed events; state digest {summary.state_digest[:16]}…"
    )
    _out.print(f"Try: gawah status --home {summary.home}")


def demo(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", help="Demo folder (default: $GAWAH_HOME or ./gawah-demo)."
        ),
    ] = None,
) -> None:
    """Build a FICTIONAL demo workspace (a crackdown, four source lists) and summarise it."""
    print_summary(build_demo_workspace(demo_home(home)))


def register(app: typer.Typer) -> None:
    """Add ``gawah demo`` to the CLI."""
    app.command("demo")(demo)
