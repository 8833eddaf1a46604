"""``gawah estimate``: how many people no list recorded.

Thin: read the capture table (a CSV, or the linked persons of a workspace),
build one estimator, fit, render. ``--json`` prints exactly one JSON object;
a refusal is an answer (nulls, ``diagnostics.reason``, exit 0). Bad input is
a :class:`gawah.errors.UserInputError` (exit 2).
"""

# No ``from __future__ import annotations``: typer reads the parameters' types
# with typing.get_type_hints, which would compile each string annotation, twice
# per start-up; evaluated once here they cost less (benchmarks/startup.py).
import json
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gawah.config import resolve_home
from gawah.errors import UserInputError
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.factory import (
    BAYESIAN,
    DEFAULT_CRITERION,
    DEFAULT_METHOD,
    METHODS,
    build_estimator,
)
from gawah.estimate.result import MSEResult
from gawah.options import check_output_file

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["METHODS", "build_estimator", "register"]


@cache
def _out(*, stderr: bool = False) -> "Console":
    """The console of standard output (or error), made on first use: ``--json``
    never loads rich."""
    from gawah.core import terminal_console

    return terminal_console(stderr=stderr)


def _captures_from_workspace(
    home: Path | None, incident: str | None, status: str | None
) -> CaptureHistories:
    """Capture histories of the linked persons of a workspace (the dashboard's table).

    Imported here, not at module level, so ``gawah estimate FILE.csv`` never pays
    for opening workspaces or loading the registry.
    """
    from gawah.estimate.people import capture_histories
    from gawah.workspace import Workspace

    with Workspace.open(resolve_home(home), checkpoint_on_close=False) as ws:
        frame = capture_histories(ws, incident=incident, status=status)
    return CaptureHistories.from_frame(frame)


def _with_linkage_doubt(
    home: Path | None,
    estimator: Any,
    incident: str | None,
    status: str | None,
    n_draws: int,
    seed: int | None,
) -> MSEResult:
    from gawah.estimate.linkage_doubt import with_linkage_doubt
    from gawah.workspace import Workspace

    with Workspace.open(resolve_home(home), checkpoint_on_close=False) as ws:
        out = with_linkage_doubt(
            ws,
            estimator,
            incident=incident,
            status=status,
            n_draws=n_draws,
            seed=12345 if seed is None else seed,
        )
    return out.combined


def _render_doubt(result: MSEResult) -> None:
    draws = result.diagnostics.get("linkage_draws")
    if result.refused:
        _out().print(
            f"With linkage doubt ({draws} clusterings): no estimate: {result.reason}"
        )
    else:
        assert result.estimate is not None
        _out().print(
            f"With linkage doubt ({draws} plausible clusterings): "
            f"[bold]{result.estimate:,.0f}[/] ({result.level:.0%} interval "
            f"{result.lower:,.0f} to {result.upper:,.0f})"
        )
    for warning in result.warnings:
        _out().print(f"[yellow]Warning:[/] {warning}")


def _render(result: MSEResult, seconds: float) -> None:
    from rich.table import Table

    table = Table(title="Multiple systems estimate", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row(
        "method", result.method + (f" ({result.model})" if result.model else "")
    )
    table.add_row("lists", ", ".join(result.lists))
    table.add_row("seen on at least one list", f"{result.n_observed:,}")
    if result.refused:
        table.add_row("estimate", "[bold red]no estimate[/]")
        table.add_row("why", str(result.reason))
    else:
        assert result.estimate is not None
        table.add_row("estimated total", f"[bold]{result.estimate:,.0f}[/]")
        if result.lower is not None and result.upper is not None:
            table.add_row(
                f"{result.level:.0%} interval",
                f"{result.lower:,.0f} to {result.upper:,.0f}",
            )
        table.add_row(
            "never seen (estimated)", f"{result.estimate - result.n_observed:,.0f}"
        )
    if result.seed is not None:
        table.add_row("seed", str(result.seed))
    table.add_row("seconds", f"{seconds:.2f}")
    _out().print(table)
    for warning in result.warnings:
        _out().print(f"[yellow]Warning:[/] {warning}")
    for note in result.notes:
        _out().print(f"Note: {note}")
    single = result.diagnostics.get("single_model")
    if isinstance(single, dict) and single.get("estimate") is not None:
        _out().print(
            f"Best single model: {single['model']}: {single['estimate']:,.0f} "
            f"({single['lower']:,.0f} to {single['upper']:,.0f})"
        )
    top = result.diagnostics.get("top_models")
    if top:
        models = Table(
            title="Best models (weights: share of the evidence among clean fits)"
        )
        models.add_column("model")
        models.add_column("estimate", justify="right")
        crit = "bic" if "bic" in top[0] else "aic"
        models.add_column(crit.upper(), justify="right")
        models.add_column("weight", justify="right")
        for row in top:
            models.add_row(
                str(row["model"]),
                f"{row['estimate']:,.0f}",
                f"{row[crit]:.2f}",
                f"{row['weight']:.2f}",
            )
        _out().print(models)
        if len(top) > 1 and top[0]["weight"] < 0.9 and result.model != "model average":
            _out().print(
                "[yellow]Other models fit almost as well and give different numbers; "
                "consider --average.[/]"
            )


def estimate(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Capture-history CSV (0/1 column per list, optional count). "
            "Without it: the linked persons of the workspace.",
            dir_okay=False,
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help=f"One of: {', '.join(METHODS)}.")
    ] = DEFAULT_METHOD,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Log-linear model: M0, Mt, Mth Chao... or [12,3]."
        ),
    ] = None,
    criterion: Annotated[
        str | None,
        typer.Option(
            "--criterion",
            help=f"Model search criterion: aic or bic (default {DEFAULT_CRITERION}).",
        ),
    ] = None,
    average: Annotated[
        bool | None,
        typer.Option(
            "--average/--single",
            help="Log-linear: average the models that fit about as well (the "
            "default) or keep the single best one.",
        ),
    ] = None,
    narrow: Annotated[
        bool,
        typer.Option(
            "--narrow",
            help="Keep the log-linear model's own interval. By default its upper "
            "end is raised to Mth Gamma3.5's when the lists show heterogeneity (on "
            "three lists also when the estimate sits at Chao's lower bound), to Mth "
            "Gamma0.5's on four or more lists when a rarely recorded class cannot be "
            "ruled out, and the interval is stretched to model Mtb's under a "
            "behavioural response.",
        ),
    ] = False,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object.")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Write a PNG: likelihood/posterior of N and overlaps."
        ),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Workspace folder (used when no FILE is given)."),
    ] = None,
    incident: Annotated[
        str | None,
        typer.Option("--incident", help="Only this incident's reports (workspace)."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Only persons whose gravest status is killed, injured, detained "
            "or missing (workspace).",
        ),
    ] = None,
    chains: Annotated[
        int | None,
        typer.Option("--chains", help="LCMCR: independent chains (at least 2)."),
    ] = None,
    burnin: Annotated[
        int | None, typer.Option("--burnin", help="LCMCR: burn-in sweeps per chain.")
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option("--draws", help="LCMCR: draws of N kept per chain (at first)."),
    ] = None,
    linkage_draws: Annotated[
        int,
        typer.Option(
            "--linkage-draws",
            help="Workspace: also estimate over this many plausible clusterings "
            "drawn from the review band, and show the interval with linkage doubt.",
            min=0,
        ),
    ] = 0,
) -> None:
    """Estimate the total number of victims, seen and unseen, from overlapping lists."""
    estimator = build_estimator(
        method,
        model=model,
        criterion=criterion,
        average=average,
        seed=seed,
        narrow=narrow,
        chains=chains,
        burnin=burnin,
        draws=draws,
        progress=not as_json,
    )
    if file is not None and (
        incident is not None or status is not None or linkage_draws
    ):
        raise UserInputError(
            "--incident, --status and --linkage-draws work on a workspace, not a FILE"
        )
    if plot is not None:
        check_output_file(plot, "--plot")
    captures = (
        CaptureHistories.from_csv(file)
        if file is not None
        else _captures_from_workspace(home, incident, status)
    )
    start = time.perf_counter()
    # The Bayesian samplers draw their own progress. The spinner shows only on a
    # terminal; elsewhere rich would still import its live display and run a
    # refresh thread for nothing. Text, not markup: no emoji table to load.
    # With --json rich is not loaded at all.
    err = None if as_json or method in BAYESIAN else _out(stderr=True)
    if err is None or not err.is_terminal:
        result = estimator.fit(captures)
    else:
        from rich.text import Text

        with err.status(
            Text(f"Fitting {method} models to {captures.n_lists} lists...")
        ):
            result = estimator.fit(captures)
    seconds = time.perf_counter() - start
    doubt = (
        _with_linkage_doubt(home, estimator, incident, status, linkage_draws, seed)
        if linkage_draws
        else None
    )
    if plot is not None:
        from gawah.estimate.plots import plot_estimate

        plot_estimate(captures, result, plot)
    if as_json:
        data = result.to_dict()
        payload = {
            key: data[key]
            for key in (
                "method",
                "estimate",
                "lower",
                "upper",
                "level",
                "n_observed",
                "lists",
                "model",
                "seed",
            )
        }
        payload["warnings"] = data["warnings"]
        payload["notes"] = list(result.notes)
        payload["seconds"] = round(seconds, 4)
        payload["diagnostics"] = data["diagnostics"]
        if doubt is not None:
            payload["with_linkage_doubt"] = doubt.to_dict()
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    _render(result, seconds)
    if doubt is not None:
        _render_doubt(doubt)
    if plot is not None:
        _out().print(f"Figure written to {plot}")


def register(app: typer.Typer) -> None:
    """Add ``gawah estimate`` to the CLI."""
    app.command("estimate")(estimate)
