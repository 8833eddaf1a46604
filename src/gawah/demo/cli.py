"""``gawah demo``: build, link and estimate the FICTIONAL demo workspace, then serve it.

One command from nothing to a browser: the workspace is built if missing
(:func:`gawah.demo.build_demo_workspace`), linked (:func:`gawah.linkage.link_workspace`)
if it has no persons yet, a few FICTIONAL public claims are recorded for the
dashboard, the estimate is computed, and an ``admin`` account gets a freshly
generated password that is printed once (there is no built-in default).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gawah.config import HOME_ENV
from gawah.core import terminal_console
from gawah.demo.building import DemoSummary, build_demo_workspace
from gawah.errors import UserInputError
from gawah.ledger import key_is_wrapped
from gawah.options import PassFileOption, as_invoked, read_passphrase
from gawah.workspace import CONFIG_FILE, KEY_FILE

DEMO_HOME = Path("gawah-demo")
DEMO_ADMIN = "admin"
_out = terminal_console()


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


def demo_claims(incident_id: str) -> list[Any]:
    """FICTIONAL public statements: a denial, a doctor's floor, a party's wide range."""
    from gawah.claims import Claim, Claimant, ClaimantKind, Publication, Stance

    day = dt.date(2031, 3, 14)
    rows = (
        ("Interior ministry spokesman", ClaimantKind.GOVERNMENT, 0, 0, Stance.DENIES, 1,
         "Not a single protester died; reports of deaths are propaganda.", ""),
        ("Police (Islamabad)", ClaimantKind.POLICE, 0, 0, Stance.DENIES, 2,
         "No live ammunition was used and nobody was killed.", ""),
        ("Dr. Saima Rauf, emergency ward", ClaimantKind.MEDICAL, 7, None, Stance.ASSERTS, 2,
         "At least seven bodies with gunshot wounds were brought to us.", ""),
        ("Movement spokesman", ClaimantKind.PARTY, 6, None, Stance.ESTIMATES, 3,
         "Six confirmed martyrs, and we fear over two hundred.", "over 200"),
        ("Human rights commission", ClaimantKind.NGO, 12, 40, Stance.ESTIMATES, 6,
         "Between twelve and forty people were killed.", ""),
    )  # fmt: skip
    return [
        Claim(
            incident_id=incident_id,
            claimant=Claimant(name=f"{name} (FICTIONAL)", kind=kind),
            category="killed",
            low=low,
            high=high,
            stance=stance,
            quote=quote,
            note=note,
            publication=Publication(outlet="FICTIONAL Daily Awaz"),
            said_on=day + dt.timedelta(days=days),
        )
        for name, kind, low, high, stance, days, quote, note in rows
    ]


def prepare(home: Path, passphrase: str | None = None) -> tuple[DemoSummary, str]:
    """Build, link, claim and estimate; return the summary and the admin password."""
    from gawah.claims import list_claims, record_claims
    from gawah.estimate import (
        CaptureHistories,
        build_estimator,
        documented,
        table_of,
    )
    from gawah.linkage import link_workspace
    from gawah.web import Role, add_account
    from gawah.workspace import Workspace

    summary = build_demo_workspace(home, passphrase=passphrase)
    print_summary(summary)
    with Workspace.open(home, passphrase) as ws:
        if summary.persons == 0:
            with _out.status("linking the four lists into persons…"):
                run = link_workspace(ws)
            _out.print(
                f"linked {run.n_reports} reports into [bold]{run.n_persons}[/] persons "
                f"({run.n_review} uncertain pairs wait for review) in {run.seconds:.1f} s"
            )
        if not list_claims(ws.conn, summary.incident_id):
            record_claims(ws, demo_claims(summary.incident_id))
        doc = documented(ws, summary.incident_id)
    # The dashboard's path: the same table and estimator as
    # `gawah estimate --home H --incident ID --status killed`.
    caps = CaptureHistories.from_frame(table_of(doc, "killed"))
    view = build_estimator().fit(caps)
    if view.estimate is not None:
        _out.print(
            f"killed: {doc.count('killed')} documented; estimated "
            f"[bold]{view.estimate:,.0f}[/] ({view.level:.0%} interval "
            f"{view.lower or 0:,.0f} to {view.upper or 0:,.0f}, {view.method})"
        )
    else:
        _out.print(
            f"killed: {doc.count('killed')} documented; no estimate: {view.reason}"
        )
    for warning in view.warnings:
        _out.print(f"[yellow]warning:[/] {warning}")
    password = add_account(
        home, DEMO_ADMIN, Role.ADMIN, by="gawah demo", passphrase=passphrase
    )
    return summary, password


def demo(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", help="Demo folder (default: $GAWAH_HOME or ./gawah-demo)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Prepare the workspace and stop.")
    ] = False,
    passphrase_file: PassFileOption = None,
) -> None:
    """Build, link and estimate a FICTIONAL demo workspace, then serve the web app.

    A new demo workspace's device key gets a generated passphrase, printed once.
    """
    started = time.perf_counter()
    where = demo_home(home)
    passphrase = read_passphrase(passphrase_file, where)
    generated = None
    if passphrase is None:
        if (where / CONFIG_FILE).exists():
            if key_is_wrapped(where / KEY_FILE):
                raise UserInputError(
                    f"the demo workspace {where} exists and its key is protected: "
                    "give --passphrase-file FILE (the passphrase printed when it was "
                    "built), or remove the folder to build a new one"
                )
        else:
            passphrase = generated = secrets.token_urlsafe(18)
    _, password = prepare(where, passphrase)
    if generated is not None:
        _out.print(f"\ndevice key passphrase (shown once): [bold]{generated}[/]")
        _out.print("(keep it: recording and serving this workspace need it)")
    _out.print(
        f"\nweb account [bold]{DEMO_ADMIN}[/], password (shown once): [bold]{password}[/]"
    )
    _out.print(f"ready in {time.perf_counter() - started:.1f} s")
    if no_serve:
        hint = " --passphrase-file FILE" if passphrase else ""
        command = f"`gawah serve --home {where}{hint} --admin-without-mfa`"
        _out.print(f"serve it with: {as_invoked(command)}", soft_wrap=True)
        return
    from gawah.web import serve_app

    _out.print(f"open [bold]http://{host}:{port}/[/]  (Ctrl-C to stop)")
    # FICTIONAL data on this machine: the demo admin logs in with a password only
    # (`gawah serve` asks admins for a second factor).
    serve_app(where, host, port, passphrase=passphrase, admin_mfa=False)


def register(app: typer.Typer) -> None:
    """Add ``gawah demo`` to the CLI."""
    app.command("demo")(demo)
