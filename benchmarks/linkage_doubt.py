"""Does the interval with linkage doubt cover the truth where the plain one misses?

Usage: ``uv run python benchmarks/linkage_doubt.py [--seeds 20310314,1,2,3] [--draws 30]``

For each seed, builds the FICTIONAL demo workspace from that scenario (the
first seed is the demo's own), links it, and estimates the killed with the
default estimator (the one the CLI and the dashboard build) twice: on the recorded persons (plain) and over plausible
clusterings drawn from the review band and the pairs kept below it
(gawah.estimate.linkage_doubt; more than ``--draws`` when some refuse). The
truth is the number of victims the scenario killed. Prints one row per seed
(with how many clusterings were estimated and how many the estimator refused)
and how often each interval covers the truth.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from gawah.demo import build_demo_workspace
from gawah.estimate import DEFAULT_METHOD, build_estimator
from gawah.estimate.linkage_doubt import with_linkage_doubt
from gawah.linkage import link_workspace
from gawah.testing.scenario import generate
from gawah.workspace import Workspace


def _fmt(lo: float | None, est: float | None, hi: float | None) -> str:
    if est is None or lo is None or hi is None:
        return "refused"
    return f"{est:,.0f} [{lo:,.0f}, {hi:,.0f}]"


def main() -> None:
    """Run every seed and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="20310314,1,2,3,4,5")
    parser.add_argument("--draws", type=int, default=30)
    parser.add_argument("--method", default=DEFAULT_METHOD)
    # None: the default of build_estimator (the AIC model average for the
    # log-linear method), so the plain interval is the one a user is shown.
    parser.add_argument(
        "--average", action=argparse.BooleanOptionalAction, default=None
    )
    args = parser.parse_args()
    print(
        "| scenario seed | true killed | persons documented | pairs drawn from | plain | "
        "with linkage doubt | clusterings (refused) | plain covers | "
        "with doubt covers | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    plain_hits = doubt_hits = runs = 0
    for seed in (int(s) for s in args.seeds.split(",")):
        truth = sum(1 for v in generate(seed=seed).victims if v.status == "killed")
        with tempfile.TemporaryDirectory(prefix="gawah-doubt-") as tmp:
            home = Path(tmp) / "ws"
            summary = build_demo_workspace(home, seed=seed)
            with Workspace.open(home) as ws:
                link_workspace(ws)
                started = time.perf_counter()
                out = with_linkage_doubt(
                    ws,
                    build_estimator(args.method, average=args.average),
                    incident=summary.incident_id,
                    status="killed",
                    n_draws=args.draws,
                    seed=seed,
                )
                seconds = time.perf_counter() - started
        p, c = out.plain, out.combined
        p_cov = p.lower is not None and p.lower <= truth <= (p.upper or 0)
        c_cov = c.lower is not None and c.lower <= truth <= (c.upper or 0)
        runs += 1
        plain_hits += p_cov
        doubt_hits += c_cov
        print(
            f"| {seed} | {truth} | {p.n_observed} | {out.pairs} | "
            f"{_fmt(p.lower, p.estimate, p.upper)} | {_fmt(c.lower, c.estimate, c.upper)} | "
            f"{out.draws} ({c.diagnostics.get('linkage_refusals', 0)}) | "
            f"{'yes' if p_cov else 'no'} | {'yes' if c_cov else 'no'} | {seconds:.1f} |",
            flush=True,
        )
    print(
        f"\nplain interval covers {plain_hits} of {runs}; with linkage doubt {doubt_hits} of {runs}"
    )


if __name__ == "__main__":
    main()
