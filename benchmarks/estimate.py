"""Speed of the Bayesian estimators beside the R packages' timings.

Prints LCMCR Gibbs sweeps per second on kosovo.csv (K = 10, after compilation,
500 warm-up + 10,000 burn-in + 10,000 x 10 sweeps per chain; R's anchor counts
the 110,000 after its warm-up): per chain (wall and CPU clock) and aggregated
over one chain per core run in threads, then the wall time of a default fit
(4 chains) and dga model averaging on the five-list sets, each beside the R
figure stored in REFERENCE.json. The load average is printed first.

    uv run python benchmarks/estimate.py [--input tests/data/mse]

Timings on a shared machine are noisy: each figure is the best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from gawah.estimate import CaptureHistories
from gawah.estimate.dga import DGA
from gawah.estimate.lcmcr import LCMCR

_DEFAULT_INPUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"


def _best(repeat: int, run: Any, clock: Any = time.perf_counter) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        started = clock()
        out = run()
        best = min(best, clock() - started)
    return best, out


def main() -> None:
    """Run the benchmark and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", type=Path, default=_DEFAULT_INPUT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ref = json.loads((args.input / "REFERENCE.json").read_text(encoding="utf-8"))
    kosovo = CaptureHistories.from_csv(args.input / "kosovo.csv")

    LCMCR(chains=1, burnin=10, samples=10, thinning=1).fit(kosovo)  # compile / cache
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    one = LCMCR(chains=1)
    r_timing = ref["_timing"]["datasets"]["kosovo"]
    r_rate = r_timing["lcmcr_iter_per_s_median"]
    r_note = (
        f"R LCMCR 0.4.14 (one chain, idle, wall): {r_rate:,.0f} sweeps/s "
        f"({r_timing['lcmcr_total_s_median']:.2f} s)"
    )
    # Per chain: CPU seconds as well as wall seconds. On a shared machine the
    # wall clock also counts the time other jobs held the core (R's anchor was
    # idle), so the CPU line is the fair per-chain comparison.
    for label, clock in (("wall", time.perf_counter), ("CPU", time.process_time)):
        seconds, result = _best(args.repeat, lambda: one.fit(kosovo), clock)
        sweeps = result.diagnostics["sweeps"]
        print(
            f"LCMCR kosovo K=10, PER CHAIN, {label} clock: {sweeps / seconds:,.0f} "
            f"sweeps/s ({seconds:.2f} s for {sweeps:,}); {r_note} -> "
            f"{sweeps / seconds / r_rate:.2f}x"
        )
    # Aggregate: chains are the unit of parallelism (one RNG stream each, so
    # draws do not depend on threads); this is total sweeps over wall time.
    cores = os.cpu_count() or 1
    two = LCMCR(chains=cores, n_jobs=cores)
    seconds, result = _best(args.repeat, lambda: two.fit(kosovo))
    sweeps = result.diagnostics["sweeps"]
    print(
        f"LCMCR kosovo K=10, AGGREGATE over {cores} chains in {cores} threads, wall "
        f"clock: {sweeps / seconds:,.0f} sweeps/s ({seconds:.2f} s for {sweeps:,}); "
        f"{r_note} -> {sweeps / seconds / r_rate:.2f}x"
    )
    for jobs in (1, 2):
        fit = LCMCR(n_jobs=jobs)
        seconds, result = _best(args.repeat, lambda fit=fit: fit.fit(kosovo))
        print(
            f"LCMCR kosovo default fit (4 chains x 110,500 sweeps, n_jobs={jobs}): "
            f"{seconds:.2f} s wall, median {result.estimate:,.0f} "
            f"[{result.lower:,.0f}, {result.upper:,.0f}], R-hat "
            f"{result.diagnostics['rhat']:.3f}"
        )
    print(f"load average after LCMCR: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in ("madigan_york_5list", "us_western", "uk_dat_5", "netherlands_5"):
        data = CaptureHistories.from_csv(args.input / f"{name}.csv")
        dga = DGA(max_missing=ref[name]["dga_delta_2pow_minus_p"]["max_Nmissing"])
        seconds, result = _best(args.repeat, lambda dga=dga, data=data: dga.fit(data))
        r_seconds = ref[name]["dga_delta_2pow_minus_p"]["seconds"]
        print(
            f"dga {name} (5 lists, 822 graphs, N_missing <= "
            f"{result.diagnostics['max_missing']:,}): {seconds:.2f} s "
            f"(incl. the delta=1 comparison); R dga 2.0.2: {r_seconds:.2f} s"
        )


if __name__ == "__main__":
    main()
