"""What a more skewed heterogeneity model would buy under clear heterogeneity.

Usage::

    uv run python -m benchmarks.theta_tradeoff [--splits fresh,tune] [--thetas 2,1]

When Darroch's test finds heterogeneity clearly (p below
:data:`gawah.estimate.checks.HETERO_CLEAR`), the default's upper end is raised
to Rcapture's Mth Gamma3.5's (:func:`gawah.estimate.checks.widened`). On the
fresh simulation families the misses that remain are such tables, and the
Gamma models with other values of theta fit them about alike (Link 2003: the
overlaps show that capture varies, not by how much). This replays, on the
clearly heterogeneous tables of the chosen splits of
``benchmarks/mse_defaults.py``, the default's interval with its upper end
raised further to Mth Gamma<theta>'s for each theta asked for (when that
model is bounded: no higher than 50 times the number seen, as the default's
own widenings require), and prints per family and list count how many tables
each covers and the median width over N. The default's interval is the one
``build_estimator`` returns (FICTIONAL tables; the same seeds as the splits).
A rule is never chosen here: the script prints the price of each candidate
on tuning data.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field

from benchmarks.mse_defaults import METHODS, SPLITS

from gawah.estimate import CaptureHistories, build_estimator
from gawah.estimate.checks import HETERO_CLEAR, heterogeneity_test
from gawah.estimate.loglinear import LogLinearMSE

#: The default's own bound on a widening model (``checks._MTB_MAX_RATIO``).
_MAX_RATIO = 50
_TUNING = (
    "tune,heldout,crackdown,fresh,behaviour,closing,mixtures,latent,unseen,sealed_a"
)


@dataclass
class Replay:
    """The clearly heterogeneous tables of one family, as they stand and replayed."""

    lists: int
    covered: int = 0
    widths: list[float] = field(default_factory=list)
    covered_at: dict[str, int] = field(default_factory=dict)
    widths_at: dict[str, list[float]] = field(default_factory=dict)


def _default_interval(captures: CaptureHistories) -> tuple[float, float] | None:
    kwargs = dict(METHODS["loglinear-aic-average"])
    method = str(kwargs.pop("method"))
    estimator = build_estimator(method, **kwargs)  # type: ignore[arg-type]
    result = estimator.fit(captures)
    if result.refused or result.lower is None or result.upper is None:
        return None
    return float(result.lower), float(result.upper)


def main() -> None:
    """Replay the candidate upper ends and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splits", default=_TUNING)
    parser.add_argument("--reps", type=int, default=6)
    parser.add_argument("--thetas", default="2,1,0.5")
    parser.add_argument("--min-lists", type=int, default=4)
    args = parser.parse_args()
    thetas = args.thetas.split(",")
    replays: dict[tuple[str, str], Replay] = {}
    for split in args.splits.split(","):
        first, pool = SPLITS[split]
        for family, draw in pool.items():
            for rep in range(args.reps):
                captures, truth = draw(first + rep)
                if captures.n_lists < args.min_lists:
                    continue
                hetero = heterogeneity_test(captures)
                if hetero is None or hetero[1] >= HETERO_CLEAR:
                    continue
                interval = _default_interval(captures)
                if interval is None:
                    continue
                lower, upper = interval
                replay = replays.setdefault((split, family), Replay(captures.n_lists))
                replay.covered += lower <= truth <= upper
                replay.widths.append((upper - lower) / truth)
                for theta in thetas:
                    wide = LogLinearMSE(model=f"Mth Gamma{theta}").fit(captures)
                    raised = upper
                    if (
                        not wide.refused
                        and wide.upper is not None
                        and wide.upper <= _MAX_RATIO * captures.n_observed
                    ):
                        raised = max(upper, float(wide.upper))
                    replay.covered_at[theta] = replay.covered_at.get(theta, 0) + (
                        lower <= truth <= raised
                    )
                    replay.widths_at.setdefault(theta, []).append(
                        (raised - lower) / truth
                    )
            print(f"# done {split} {family}", flush=True)
    head = " | ".join(f"Gamma{t}: covered, width" for t in thetas)
    print(
        f"clearly heterogeneous tables (Darroch p < {HETERO_CLEAR}), "
        f"{args.min_lists} lists or more, {args.reps} seeds per family\n"
    )
    print(
        f"| split | family | lists | tables | now (Gamma3.5): covered, width | {head} |"
    )
    print("|---|---|---|---|---|" + "---|" * len(thetas))
    totals: dict[str, list[int]] = {}
    for (split, family), r in replays.items():
        n = len(r.widths)
        cells = " | ".join(
            f"{r.covered_at[t]}, {statistics.median(r.widths_at[t]):.2f}"
            for t in thetas
        )
        print(
            f"| {split} | {family} | {r.lists} | {n} | {r.covered}, "
            f"{statistics.median(r.widths):.2f} | {cells} |"
        )
        for key in ("all", str(r.lists) if r.lists < 5 else "5 or more"):
            row = totals.setdefault(key, [0, 0] + [0] * len(thetas))
            row[0] += n
            row[1] += r.covered
            for i, t in enumerate(thetas):
                row[2 + i] += r.covered_at[t]
    print(
        f"\n| lists | tables | covered now | {' | '.join(f'Gamma{t}' for t in thetas)} |"
    )
    print("|---|---|---|" + "---|" * len(thetas))
    for key in sorted(totals):
        row = totals[key]
        print(
            f"| {key} | {row[0]} | {row[1]} | " + " | ".join(map(str, row[2:])) + " |"
        )


if __name__ == "__main__":
    main()
