"""``gawah publish``: write a signed, redacted, reproducible release; check one.

Thin: parse, call :func:`gawah.publish.publish` or the checks of
:mod:`gawah.publish.verify`, render. A release that fails a check is exit 3
with the file named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import IntegrityError, UserInputError
from gawah.options import HomeOption, PassFileOption, read_passphrase

__all__ = ["publish_app", "register"]

_out = terminal_console()
_err = terminal_console(stderr=True)

publish_app = typer.Typer(
    help="Publish a signed, redacted, reproducible release of an incident; check one.",
    no_args_is_help=True,
    invoke_without_command=True,
)


@publish_app.callback()
def publish_cmd(
    ctx: typer.Context,
    incident: Annotated[
        str | None, typer.Option("--incident", help="The incident to publish.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="New or empty folder for the release.", file_okay=False
        ),
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Report languages: en, ur or en,ur.")
    ] = "en,ur",
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="TOML policy: fields, small_cell_threshold, unnamed_column "
            "(default: name, age, sex, status, date, district; threshold 5).",
            dir_okay=False,
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also write report.pdf (WeasyPrint).")
    ] = True,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Write a release: report, PDF twin, public data, receipt, signed manifest."""
    if ctx.invoked_subcommand is not None:
        return
    if incident is None or out is None:
        raise UserInputError(
            "give --incident ID and --out DIR (or: gawah publish verify DIR)"
        )
    from gawah.publish.policy import load_policy
    from gawah.publish.release import publish
    from gawah.publish.report import parse_languages
    from gawah.workspace import Workspace

    langs = parse_languages(lang)
    chosen = load_policy(policy)
    folder = resolve_home(home)
    with Workspace.open(folder, read_passphrase(passphrase_file, folder)) as ws:
        result = publish(ws, incident, out, chosen, langs, with_pdf=pdf)
    _out.print(
        f"released {result.files} files to {result.path}: {result.named} persons "
        f"named, {result.not_named} counted but not named, {result.cells_withheld} "
        f"small cell(s) withheld; release.json sha256 {result.manifest_sha256}"
    )
    _out.print("check it with: python3 verify_release.py (see VERIFY.md)")


@publish_app.command("verify")
def verify_cmd(
    folder: Annotated[
        Path, typer.Argument(help="The release folder.", file_okay=False)
    ],
    device: Annotated[
        list[str] | None,
        typer.Option("--device", help="A device key you obtained independently."),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Also recompute the release from this workspace and compare.",
        ),
    ] = None,
) -> None:
    """Check a release's signature and hashes (exit 3 names the file); --home recomputes it."""
    from gawah.publish.verify import check_release, recompute

    problems = check_release(folder, tuple(d.lower() for d in device or ()))
    if not problems and home is not None:
        from gawah.workspace import Workspace

        with Workspace.open(resolve_home(home), checkpoint_on_close=False) as ws:
            problems = recompute(ws, folder)
    for p in problems[1:]:
        _err.print(f"  {p}", highlight=False, soft_wrap=True)
    if problems:
        raise IntegrityError(f"the release does not check out: {problems[0]}")
    what = "recomputed from the workspace, byte for byte" if home else "checked"
    _out.print(f"OK: {folder} is signed and every file matches ({what})")


def register(app: typer.Typer) -> None:
    """Add the ``gawah publish`` group."""
    app.add_typer(publish_app, name="publish")
