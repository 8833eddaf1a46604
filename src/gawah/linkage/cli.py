"""``gawah link``: link the workspace, review pairs, or link CSV files.

One group, three commands, and a shortcut::

    gawah link [run] [--home DIR]              link the workspace's reports into persons
    gawah link review [--home DIR]             decide the pairs the model is unsure about
    gawah link csv FILE.csv... --out OUT.csv   link list files, no workspace
    gawah link FILE.csv... --out OUT.csv       the same (a first argument that is not a
                                               command is taken as a file)

A file literally named ``run``, ``review`` or ``csv`` must be given as ``./run``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.options import HomeOption, PassFileOption, as_invoked, read_passphrase

if TYPE_CHECKING:  # the linkage stack (pandas, Splink, DuckDB) loads only when used
    from gawah.linkage.files import ColumnUse
    from gawah.linkage.pipeline import LinkOptions
    from gawah.linkage.review import ReviewPair
    from gawah.workspace import Workspace

_out = terminal_console()
_err = terminal_console(stderr=True)

Threshold = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        min=0.0,
        max=1.0,
        help="Match probability at which two reports are one person (default 0.7).",
    ),
]


class _LinkGroup(TyperGroup):
    """A group whose unknown first argument is a file for the CSV command."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["csv", *args]
        return super().resolve_command(ctx, args)


link_app = typer.Typer(
    name="link",
    cls=_LinkGroup,
    invoke_without_command=True,
    help=(
        "Link reports into persons (workspace), review unsure pairs, or link CSV "
        "files. Shortcut: `gawah link FILE.csv... --out clusters.csv` is "
        "`gawah link csv` (files first)."
    ),
)


def _open(home: Path | None, passphrase_file: Path | None) -> Workspace:
    from gawah.workspace import Workspace

    return Workspace.open(
        resolve_home(home),
        passphrase=read_passphrase(passphrase_file, resolve_home(home)),
    )


def _options(
    threshold: float | None,
    distinct: list[str] | None = None,
    lists: Iterable[object] = (),
    refit: bool = True,
    backend: str = "duckdb",
    doubt: bool = True,
) -> LinkOptions:
    """The run's options; ``distinct`` names must be lists of the run (else exit 2).

    ``doubt``: keep the pairs linkage doubt draws from (a workspace run
    records them for the estimate's interval); ``link csv`` has no estimate
    to give them to, and at a million reports they were most of the pairs
    fetched from the model.

    With ``backend="spark"``, pyspark and Java must be there (else exit 2,
    before any work).
    """
    from gawah.errors import UserInputError
    from gawah.linkage.classify import DEFAULT_MATCH_THRESHOLD, ModelOptions
    from gawah.linkage.pipeline import DEFAULT_DOUBT_LOW, LinkOptions

    if backend not in ("duckdb", "spark"):
        raise UserInputError(f"--backend {backend}: use duckdb or spark")
    if backend == "spark":
        from gawah.linkage.spark import require_spark

        require_spark()

    known = sorted({str(x) for x in lists})
    unknown = sorted(set(distinct or ()) - set(known))
    if unknown:
        raise UserInputError(
            f"--distinct {unknown[0]}: no such list (the lists are {', '.join(known)})"
        )
    return LinkOptions(
        threshold=DEFAULT_MATCH_THRESHOLD if threshold is None else threshold,
        distinct_lists=frozenset(distinct or ()),
        learn=refit,
        model=ModelOptions(backend=backend),
        doubt_low=DEFAULT_DOUBT_LOW if doubt else None,
    )


Refit = Annotated[
    bool,
    typer.Option(
        "--refit/--no-refit",
        help="Re-fit the scores on the reviewed decisions (a ridge-shrunk "
        "correction; on by default: it raised F1 after review on our tests). "
        "Decisions bind either way.",
    ),
]
Distinct = Annotated[
    list[str] | None,
    typer.Option(
        "--distinct",
        help="A list whose records are all different people (a ministry's "
        "deduplicated register): no person holds two of its records. Repeatable.",
    ),
]

Backend = Annotated[
    str,
    typer.Option(
        "--backend",
        help="Where the model runs: duckdb (in this process, the default) or "
        "spark (Splink on a local Spark, the same model; needs `uv sync --extra "
        "spark` and Java 17+).",
    ),
]


JsonFlag = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the run summary as JSON (persons per list, duplicates, "
        "lists per person, probability histogram, links not followed, pairs for "
        "review, constraint violations).",
    ),
]


def _run(
    home: Path | None,
    passphrase_file: Path | None,
    threshold: float | None,
    as_json: bool = False,
    distinct: list[str] | None = None,
    refit: bool = True,
    backend: str = "duckdb",
) -> None:
    from gawah.linkage.run import link_workspace
    from gawah.linkage.summary import summary_json
    from gawah.registry import list_sources

    with _open(home, passphrase_file) as ws:
        names = [s.name for s in list_sources(ws.conn)]
        options = _options(threshold, distinct, names, refit, backend)
        run = link_workspace(ws, progress=not as_json, options=options)
    if as_json:
        typer.echo(summary_json({**run.summary, "run_id": run.run_id}))
        return
    _print_summary(run.summary, f"Linked the workspace (run {run.run_id})")
    _out.print(
        f"linked [bold]{run.n_reports}[/] reports into [bold]{run.n_persons}[/] persons "
        f"in {run.seconds:.1f} s; [bold]{run.summary['review_pairs']}[/] pairs to "
        f"review (`gawah link review`). Run {run.run_id}."
    )


# Violating clusters listed in the terminal; --json lists them all.
_SHOWN_VIOLATIONS = 10
# Combinations of lists shown in the terminal (most persons first).
_SHOWN_OVERLAP = 16


def _print_summary(info: dict[str, Any], title: str) -> None:
    """The run summary as tables and a text histogram (the CLI's view of --json)."""
    from gawah.linkage.summary import text_histogram

    table = Table(title=title)
    table.add_column("list")
    table.add_column("records", justify="right")
    table.add_column("persons", justify="right")
    table.add_column("duplicates within list", justify="right")
    for name, row in info["lists"].items():
        table.add_row(
            name, str(row["records"]), str(row["persons"]), str(row["duplicates"])
        )
    table.add_row(
        "[bold]all[/]",
        str(info["records"]),
        f"[bold]{info['persons']}[/]",
        str(info["within_list_duplicates"]),
    )
    _out.print(table)
    shown = list(info.get("overlap", {}).items())
    if len(info["lists"]) > 1 and shown:
        _out.print("persons by the lists that name them:")
        for lists, count in shown[:_SHOWN_OVERLAP]:
            _out.print(f"  {count:>8,}  {lists}", markup=False, highlight=False)
        if len(shown) > _SHOWN_OVERLAP:
            _out.print(f"  ... {len(shown)} combinations; --json lists every one")
    histogram = info["probability_histogram"]
    _out.print(
        f"match probability of the scored pairs (pairs below "
        f"{histogram['kept_from']:.2f} are not kept):"
    )
    for line in text_histogram(histogram):
        _out.print(line, markup=False, highlight=False)
    if info.get("learned_from_decisions"):
        _out.print(
            f"scores re-fitted on [bold]{info['learned_from_decisions']}[/] reviewed "
            "decisions (gawah.linkage.learn)"
        )
    if "links_not_followed" in info:
        _out.print(
            f"links at or above the threshold {info['threshold']:.2f} not followed "
            "(a constraint, a conflict or the size limit kept the two reports "
            f"apart): [bold]{info['links_not_followed']}[/]"
        )
    low, high = info["review_band"]
    _out.print(
        f"pairs left for review ({low:.2f} <= p < {high:.2f}, undecided): "
        f"[bold]{info['review_pairs']}[/]"
    )
    violations = info.get("violations")
    if violations is None:
        return
    if not violations["clusters"]:
        _out.print("constraint violations: none")
        return
    counts = ", ".join(f"{k} {n}" for k, n in violations["counts"].items() if n)
    _out.print(
        f"[bold red]{violations['clusters']}[/] persons break a constraint ({counts}):"
    )
    for v in violations["list"][:_SHOWN_VIOLATIONS]:
        _out.print(
            f"  {v['person_id']}: {v['reason']} ({', '.join(v['records'])})",
            markup=False,
            highlight=False,
        )
    if len(violations["list"]) > _SHOWN_VIOLATIONS:
        _out.print(f"  ... {len(violations['list'])} in all; --json lists every one")


@link_app.callback()
def _default(
    ctx: typer.Context,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
    threshold: Threshold = None,
    as_json: JsonFlag = False,
    distinct: Distinct = None,
    refit: Refit = True,
    backend: Backend = "duckdb",
) -> None:
    """Without a command: link the workspace (same as `gawah link run`)."""
    if ctx.invoked_subcommand is None:
        _run(home, passphrase_file, threshold, as_json, distinct, refit, backend)


@link_app.command("run")
def run_command(
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
    threshold: Threshold = None,
    as_json: JsonFlag = False,
    distinct: Distinct = None,
    refit: Refit = True,
    backend: Backend = "duckdb",
) -> None:
    """Link every report of the workspace into persons; reviewed decisions always win."""
    _run(home, passphrase_file, threshold, as_json, distinct, refit, backend)


@link_app.command("csv")
def csv_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="List files (CSV); the list name is the file stem."),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Where to write list,record_id,cluster_id."),
    ],
    as_json: JsonFlag = False,
    threshold: Threshold = None,
    distinct: Distinct = None,
    refit: Refit = True,
    backend: Backend = "duckdb",
    review_out: Annotated[
        Path | None,
        typer.Option(
            "--review-out",
            help="Write the pairs left for review, most informative first, values "
            "side by side, with an empty `same` column to fill in (yes/no).",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Reviewed pairs (list_a, record_id_a, list_b, record_id_b, same "
            "yes/no; a filled-in --review-out file works): they bind, and with 20 "
            "or more matches re-estimate the model's m probabilities.",
        ),
    ] = None,
) -> None:
    """Link list files without a workspace; bad input writes nothing (exit 2)."""
    from gawah.linkage.files import (
        check_writable,
        read_labels,
        read_lists,
        write_clusters,
        write_review_pairs,
    )
    from gawah.linkage.pipeline import link_records
    from gawah.linkage.summary import run_summary, summary_json

    uses: list[ColumnUse] = []
    reports = read_lists(files, uses)  # validate every input before any work
    _print_column_uses(uses)
    decided = read_labels(labels, reports) if labels is not None else {}
    for path in (out, review_out):
        if path is not None:
            check_writable(path)
    options = _options(
        threshold, distinct, reports["list"].unique(), refit, backend, doubt=False
    )
    result = link_records(reports, options=options, decisions=decided)
    info = run_summary(
        result, reports, review_pairs=len(result.review_pairs(frozenset(decided)))
    )
    write_clusters(result, out)
    if review_out is not None:
        write_review_pairs(result, reports, review_out, decided)
    if as_json:
        typer.echo(summary_json(info))
        return
    _print_summary(info, f"Linked into {out}")
    if review_out is not None:
        _out.print(f"pairs to review written to {review_out}, most informative first")


def _print_column_uses(uses: Sequence[ColumnUse]) -> None:
    """Say, on stderr, where each column not named as linkage names it went.

    A list's own headers ("Name of Martyr", "ولدیت") are read by the import's
    table of headers; the documenter sees what was compared and what was not
    (an unknown header is otherwise silently left out of the comparison).
    A list whose headers are all linkage's own prints nothing.
    """
    shown = [u for u in uses if u.why != "its name"]
    if not shown:
        return
    table = Table(title="Columns read by their headers (stderr)")
    table.add_column("list")
    table.add_column("column")
    table.add_column("compared as")
    table.add_column("why")
    for use in shown:
        table.add_row(use.list_name, use.header, use.used_as or "not used", use.why)
    _err.print(table)


def _show(pair: ReviewPair, ws: Workspace, position: str) -> None:
    from gawah.registry import get_report

    left, right = get_report(ws.conn, pair.report_l), get_report(ws.conn, pair.report_r)
    table = Table(
        title=f"{position}  probability {pair.match_probability:.2f}  "
        f"weight {pair.match_weight:+.1f}"
    )
    table.add_column("")
    table.add_column(pair.report_l[:12])
    table.add_column(pair.report_r[:12])
    for fld in (
        "full_name",
        # Families' lists give the name in two columns and no full name.
        "given_name",
        "family_name",
        "name_urdu",
        "father_name",
        "age",
        "sex",
        "status",
        "date",
        "district",
        "village",
        "address",
    ):
        a = str(getattr(left, fld, "") or "")
        b = str(getattr(right, fld, "") or "")
        if a or b:
            table.add_row(fld, a, b)
    _out.print(table)
    why = Table(title="why (match weight per comparison)")
    why.add_column("comparison")
    why.add_column("level")
    why.add_column("weight", justify="right")
    for line in pair.explanation:
        colour = "green" if line.weight > 0 else "red" if line.weight < 0 else "dim"
        why.add_row(line.comparison, line.level, f"[{colour}]{line.weight:+.2f}[/]")
    _out.print(why)


@link_app.command("review")
def review_command(
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Your name (default: the workspace author).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Stop after this many pairs.")] = 50,
) -> None:
    """Decide, pair by pair, whether two reports describe the same person."""
    from gawah.linkage.review import decide, review_queue

    with _open(home, passphrase_file) as ws:
        queue = review_queue(ws)
        if not queue:
            _out.print(
                as_invoked(
                    "nothing to review: run `gawah link` first, or every pair is decided"
                )
            )
            return
        author = reviewer or str(getattr(ws, "author", "") or "reviewer")
        for i, pair in enumerate(queue[:limit], start=1):
            _show(pair, ws, f"pair {i} of {len(queue)}")
            answer = typer.prompt(
                "same person? [y]es / [n]o / [s]kip / [q]uit", default="s"
            )
            choice = answer.strip().lower()[:1]
            if choice == "q":
                break
            decision = {"y": "match", "n": "non_match"}.get(choice, "skip")
            decide(ws, pair, decision, author)
        _out.print(as_invoked("decisions recorded; run `gawah link` to apply them"))


def register(app: typer.Typer) -> None:
    """Add the ``link`` group to the gawah CLI."""
    app.add_typer(link_app, name="link")
