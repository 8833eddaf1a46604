"""``gawah estimate``: how many people no list recorded.

Thin: read the capture table (a CSV, or the linked persons of a workspace),
build one estimator, fit, render. ``--json`` prints exactly one JSON object;
a refusal is an answer (nulls, ``diagnostics.reason``, exit 0). Bad input is
a :class:`gawah.errors.UserInputError` (exit 2).
"""

from __future__ import annotations

import json
import time
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import UserInputError
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import Estimator, MSEResult

__all__ = ["METHODS", "build_estimator", "register"]

METHODS = ("loglinear", "stepwise", "lcmcr", "dga", "chao", "petersen")
_BAYES = {
    "lcmcr": ("gawah.estimate.lcmcr", "LCMCR"),
    "dga": ("gawah.estimate.dga", "DGA"),
}

_out = terminal_console()


def build_estimator(
    method: str,
    *,
    model: str | None = None,
    criterion: str = "bic",
    average: bool = False,
    seed: int | None = None,
    progress: bool = False,
) -> Estimator:
    """The estimator ``gawah estimate --method`` means, with the CLI's settings."""
    if method not in METHODS:
        raise UserInputError(
            f"unknown method {method!r}; choose one of {', '.join(METHODS)}"
        )
    if model is not None and method != "loglinear":
        raise UserInputError("--model applies to --method loglinear only")
    if average and method != "loglinear":
        raise UserInputError("--average applies to --method loglinear only")
    if method == "loglinear":
        from gawah.estimate.loglinear import LogLinearMSE

        return LogLinearMSE(
            model=model, criterion=criterion, average=average, seed=seed
        )
    if method == "stepwise":
        from gawah.estimate.stepwise import StepwiseMSE

        return StepwiseMSE(seed=seed)
    if method == "chao":
        from gawah.estimate.chao import ChaoLowerBound

        return ChaoLowerBound(seed=seed)
    if method == "petersen":
        from gawah.estimate.petersen import PetersenMSE

        return PetersenMSE(seed=seed)
    module_name, class_name = _BAYES[method]
    try:
        cls = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise UserInputError(f"method {method} is not available in this build") from exc
    kwargs: dict[str, Any] = {}
    if seed is not None:
        kwargs["seed"] = seed
    if method == "lcmcr":
        kwargs["progress"] = progress
    estimator: Estimator = cls(**kwargs)
    return estimator


def _captures_from_workspace(home: Path | None) -> CaptureHistories:
    """Capture histories of the persons linkage found in a workspace.

    Imported here, not at module level, so ``gawah estimate FILE.csv`` never pays
    for opening workspaces or loading the linkage stack.
    """
    from gawah.linkage import capture_histories
    from gawah.workspace import Workspace

    with Workspace.open(resolve_home(home), checkpoint_on_close=False) as ws:
        frame = capture_histories(ws)
    if frame is None or frame.empty or int(frame["count"].sum()) == 0:
        raise UserInputError(
            "the workspace has no linked persons yet: run `gawah link` first"
        )
    return CaptureHistories.from_frame(frame)


def _render(result: MSEResult, seconds: float) -> None:
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
    _out.print(table)
    single = result.diagnostics.get("single_model")
    if isinstance(single, dict) and single.get("estimate") is not None:
        _out.print(
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
        _out.print(models)
        if len(top) > 1 and top[0]["weight"] < 0.9 and result.model != "model average":
            _out.print(
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
    ] = "loglinear",
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Log-linear model: M0, Mt, Mth Chao... or [12,3]."
        ),
    ] = None,
    criterion: Annotated[
        str, typer.Option("--criterion", help="Model search criterion: bic or aic.")
    ] = "bic",
    average: Annotated[
        bool, typer.Option("--average", help="Model-averaged log-linear estimate.")
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
) -> None:
    """Estimate the total number of victims, seen and unseen, from overlapping lists."""
    if criterion not in ("bic", "aic"):
        raise UserInputError(f"--criterion must be bic or aic, not {criterion!r}")
    captures = (
        CaptureHistories.from_csv(file)
        if file is not None
        else _captures_from_workspace(home)
    )
    estimator = build_estimator(
        method,
        model=model,
        criterion=criterion,
        average=average,
        seed=seed,
        progress=not as_json,
    )
    start = time.perf_counter()
    if as_json or method in _BAYES:  # the Bayesian samplers draw their own progress
        result = estimator.fit(captures)
    else:
        with terminal_console(stderr=True).status(
            f"Fitting {method} models to {captures.n_lists} lists..."
        ):
            result = estimator.fit(captures)
    seconds = time.perf_counter() - start
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
        payload["seconds"] = round(seconds, 4)
        payload["diagnostics"] = data["diagnostics"]
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    _render(result, seconds)
    if plot is not None:
        _out.print(f"Figure written to {plot}")


def register(app: typer.Typer) -> None:
    """Add ``gawah estimate`` to the CLI."""
    app.command("estimate")(estimate)
