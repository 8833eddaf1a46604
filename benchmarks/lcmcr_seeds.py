"""LCMCR with the default settings over many seeds: refusals and spread.

Usage: ``uv run python benchmarks/lcmcr_seeds.py [--dataset kosovo] [--seeds 20]``

R's LCMCR answers Kosovo for every seed; gawah's default (4 chains, sampling on
until R-hat <= 1.1 and 400 effective draws, up to 4 x 10,000 draws a chain)
should too. Prints one line per seed, then the number of refusals, the spread
of the medians and the rounds used.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gawah.estimate import LCMCR, CaptureHistories

MSE_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"


def main() -> None:
    """Fit every seed and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="kosovo")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    caps = CaptureHistories.from_csv(MSE_DIR / f"{args.dataset}.csv")
    medians, refused, rounds = [], 0, []
    for seed in range(1, args.seeds + 1):
        started = time.perf_counter()
        result = LCMCR(seed=seed).fit(caps)
        seconds = time.perf_counter() - started
        diag = result.diagnostics
        rounds.append(int(diag["settings"]["rounds"]))
        if result.refused:
            refused += 1
            print(f"seed {seed:3d}: refused ({result.reason}) {seconds:.1f} s")
            continue
        assert result.estimate is not None
        medians.append(result.estimate)
        print(
            f"seed {seed:3d}: {result.estimate:,.0f} [{result.lower:,.0f}, "
            f"{result.upper:,.0f}] R-hat {diag['rhat']:.3f} ESS {diag['ess']:,.0f} "
            f"rounds {rounds[-1]} warnings {len(result.warnings)} {seconds:.1f} s"
        )
    print(f"\n{args.dataset}: {refused} of {args.seeds} seeds refused")
    if medians:
        spread = (max(medians) - min(medians)) / statistics.median(medians)
        print(
            f"medians {min(medians):,.0f} to {max(medians):,.0f} "
            f"(spread {spread:.1%} of their median)"
        )
    print(f"rounds used: {dict(sorted((r, rounds.count(r)) for r in set(rounds)))}")


if __name__ == "__main__":
    main()
