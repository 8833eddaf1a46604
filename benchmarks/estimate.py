"""Speed of the Bayesian estimators beside the R packages' timings.

Prints LCMCR Gibbs sweeps per second (K = 10, after compilation, 500 warm-up +
10,000 burn-in + 10,000 x 10 sweeps per chain, more if the chains go on
sampling; R counts the 110,000 after its warm-up) per chain, wall and CPU clock
from the same runs, on Kosovo (4 lists), the UK (6) and New Orleans (8)
(``--lcmcr-sets``); then on Kosovo aggregated over one chain per core run in
threads, and the wall time of a default fit
(4 chains) and dga model averaging on the five-list sets, each beside the R
figure stored in REFERENCE.json. The load average is printed first.

When ``Rscript`` with the LCMCR, dga and Rcapture packages is found (``R_LIBS``
may name a scratch library built from the packages' public sources; nothing of
it is kept in the repository), the same fits run in R at the same moment and
each gawah line is followed by the paired R line and the ratio: LCMCR sweeps
per second on one chain for each of those sets (R's ``system.time`` of
``lcmCR`` + ``lcmCR_PostSampl`` with the same settings), dga on the five-list sets (``bma.cr`` on the same
grid) and the Rcapture log-linear search (``closedpMS.t``) on Kosovo. Each R
figure is the best of ``--repeat`` runs in one R process, wall (elapsed) and
CPU (user + system) seconds.

    uv run python benchmarks/estimate.py [--input tests/data/mse] [--lcmcr-only]

``--lcmcr-only`` stops after the per-chain LCMCR lines (R runs only its LCMCR
fits then): the paired sampler figures in a few minutes, without the dga
fits that take R minutes on the larger grids.

Timings on a shared machine are noisy: each figure is the best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from gawah.estimate import CaptureHistories
from gawah.estimate.dga import DGA
from gawah.estimate.lcmcr import LCMCR

_DEFAULT_INPUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"
# Per-chain LCMCR timings: Kosovo (4 lists), the UK (6) and New Orleans (8).
_LCMCR_SETS = ("kosovo", "uk_dat", "new_orleans")


def _best_both(repeat: int, run: Any) -> tuple[float, float, Any]:
    """Best wall and best CPU seconds over ``repeat`` runs, and the last result."""
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = run()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, out


def _best(repeat: int, run: Any, clock: Any = time.perf_counter) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        started = clock()
        out = run()
        best = min(best, clock() - started)
    return best, out


_R_SCRIPT = r"""
suppressMessages({library(LCMCR); library(dga); library(Rcapture)})
args <- commandArgs(TRUE); dir <- args[1]; repeat_n <- as.integer(args[2])
best <- function(label, f) {
  el <- Inf; cpu <- Inf
  for (i in seq_len(repeat_n)) {
    t <- system.time(f())
    el <- min(el, t[["elapsed"]]); cpu <- min(cpu, t[["user.self"]] + t[["sys.self"]])
  }
  cat(label, el, cpu, "\n")
}
lcmcr_sets <- strsplit(args[3], ",")[[1]]
for (name in lcmcr_sets) {
  e <- read.csv(file.path(dir, paste0(name, ".csv"))); ls <- setdiff(names(e), "count")
  cap <- e[rep(seq_len(nrow(e)), e$count), ls]
  cap[] <- lapply(cap, function(x) factor(x, levels = c("0", "1")))
  best(paste0("lcmcr_", name), function() {
    s <- lcmCR(cap, tabular = FALSE, in_list_label = "1", not_in_list_label = "0",
               K = 10, a_alpha = 0.25, b_alpha = 0.25, buffer_size = 10000,
               thinning = 10, seed = 12345, verbose = FALSE)
    lcmCR_PostSampl(s, burnin = 10000, samples = 10000, thinning = 10, output = FALSE)
  })
}
d <- read.csv(file.path(dir, "kosovo.csv"))
best("closedpMS_kosovo", function() closedpMS.t(d, dfreq = TRUE))
for (name in args[-(1:3)]) {
  parts <- strsplit(name, ":")[[1]]
  e <- read.csv(file.path(dir, paste0(parts[1], ".csv"))); ls <- setdiff(names(e), "count")
  p <- length(ls); Y <- numeric(2^p)
  Y[as.matrix(e[, ls]) %*% 2^(0:(p - 1)) + 1] <- e$count
  Y <- array(Y, dim = rep(2, p))
  utils::data(list = paste0("graphs", p), package = "dga", envir = environment())
  graphs <- get(paste0("graphs", p))
  best(paste0("dga_", parts[1]), function()
    bma.cr(Y, 0:as.integer(parts[2]), 2^-p, graphs))
}
"""


def _r_timings(
    folder: Path,
    repeat: int,
    lcmcr_sets: list[str],
    dga_grids: dict[str, int],
    lcmcr_only: bool = False,
) -> dict[str, Any]:
    """Best (wall, CPU) seconds of the paired R fits, or {} without R and its packages."""
    if shutil.which("Rscript") is None:
        return {}
    probe = subprocess.run(
        [
            "Rscript",
            "-e",
            "quit(status = !all(sapply(c('LCMCR', 'dga', 'Rcapture'), "
            "requireNamespace, quietly = TRUE)))",
        ],
        capture_output=True,
    )
    if probe.returncode != 0:
        return {}
    done = subprocess.run(
        [
            "Rscript",
            "-e",
            _R_SCRIPT.split('best("closedpMS_kosovo"')[0] if lcmcr_only else _R_SCRIPT,
            str(folder),
            str(repeat),
            ",".join(lcmcr_sets),
            *(f"{name}:{grid}" for name, grid in dga_grids.items()),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, Any] = {}
    for line in done.stdout.splitlines():
        label, wall, cpu = line.split()
        out[label] = (float(wall), float(cpu))
    return out


def main() -> None:
    """Run the benchmark and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", type=Path, default=_DEFAULT_INPUT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lcmcr-only", action="store_true")
    parser.add_argument(
        "--lcmcr-sets",
        default=",".join(_LCMCR_SETS),
        help="datasets timed per chain beside R (comma-separated)",
    )
    args = parser.parse_args()
    ref = json.loads((args.input / "REFERENCE.json").read_text(encoding="utf-8"))
    kosovo = CaptureHistories.from_csv(args.input / "kosovo.csv")
    five = ("madigan_york_5list", "us_western", "uk_dat_5", "netherlands_5")
    grids = {n: int(ref[n]["dga_delta_2pow_minus_p"]["max_Nmissing"]) for n in five}
    print(f"load average before R: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sets = [name for name in args.lcmcr_sets.split(",") if name]
    paired = _r_timings(args.input, args.repeat, sets, grids, args.lcmcr_only)
    if paired:
        for name in sets:
            wall, cpu = paired[f"lcmcr_{name}"]
            print(
                f"R LCMCR {name}, same moment, one chain: {110_000 / wall:,.0f} "
                f"sweeps/s wall ({wall:.2f} s), {110_000 / cpu:,.0f} sweeps/s CPU "
                f"({cpu:.2f} s)"
            )
    else:
        print("(Rscript with LCMCR, dga and Rcapture not found: no paired R lines)")

    LCMCR(chains=2, burnin=10, samples=10, thinning=1).fit(kosovo)  # compile / cache
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    # Per chain: two chains (the fewest LCMCR accepts) one after the other in one
    # thread, so sweeps over seconds is the rate of one chain.
    one = LCMCR(chains=2, n_jobs=1)
    r_timing = ref["_timing"]["datasets"]["kosovo"]
    r_rate = r_timing["lcmcr_iter_per_s_median"]
    r_note = (
        f"; R LCMCR 0.4.14 (one chain, idle, wall): {r_rate:,.0f} sweeps/s "
        f"({r_timing['lcmcr_total_s_median']:.2f} s)"
    )
    for name in sets:
        data = CaptureHistories.from_csv(args.input / f"{name}.csv")
        # Per chain: CPU seconds as well as wall seconds, from the same runs. On a
        # shared machine the wall clock also counts the time other jobs held the
        # core (R's anchor was idle), so the CPU line is the fair comparison.
        wall, cpu, result = _best_both(args.repeat, lambda data=data: one.fit(data))
        sweeps = result.diagnostics["sweeps"]
        for label, seconds in (("wall", wall), ("CPU", cpu)):
            rate = sweeps / seconds
            anchor = f"{r_note} -> {rate / r_rate:.2f}x" if name == "kosovo" else ""
            print(
                f"LCMCR {name} ({len(data.lists)} lists) K=10, PER CHAIN, {label} "
                f"clock: {rate:,.0f} sweeps/s ({seconds:.2f} s for {sweeps:,}){anchor}"
            )
            if paired:
                r_seconds = paired[f"lcmcr_{name}"][0 if label == "wall" else 1]
                ratio = rate / (110_000 / r_seconds)
                print(
                    f"  paired, same moment: R {110_000 / r_seconds:,.0f} sweeps/s "
                    f"{label} -> gawah {ratio:.2f}x R per chain"
                )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.lcmcr_only:
        return
    # Aggregate: chains are the unit of parallelism (one RNG stream each, so
    # draws do not depend on threads); this is total sweeps over wall time.
    cores = os.cpu_count() or 1
    two = LCMCR(chains=cores, n_jobs=cores)
    seconds, result = _best(args.repeat, lambda: two.fit(kosovo))
    sweeps = result.diagnostics["sweeps"]
    print(
        f"LCMCR kosovo K=10, AGGREGATE over {cores} chains in {cores} threads, wall "
        f"clock: {sweeps / seconds:,.0f} sweeps/s ({seconds:.2f} s for {sweeps:,})"
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
    if paired:
        from gawah.estimate import LogLinearMSE

        seconds, _ = _best(args.repeat, lambda: LogLinearMSE().fit(kosovo))
        r_wall = paired["closedpMS_kosovo"][0]
        print(
            f"log-linear BIC search kosovo: gawah {seconds:.2f} s (search and "
            f"interval); paired R closedpMS.t (search only) {r_wall:.2f} s wall"
        )
    for name in five:
        data = CaptureHistories.from_csv(args.input / f"{name}.csv")
        dga = DGA(max_missing=ref[name]["dga_delta_2pow_minus_p"]["max_Nmissing"])
        seconds, result = _best(args.repeat, lambda dga=dga, data=data: dga.fit(data))
        r_seconds = ref[name]["dga_delta_2pow_minus_p"]["seconds"]
        print(
            f"dga {name} (5 lists, 822 graphs, N_missing <= "
            f"{result.diagnostics['max_missing']:,}): {seconds:.2f} s "
            f"(incl. the delta=1 comparison); R dga 2.0.2: {r_seconds:.2f} s"
            + (
                f"; paired R bma.cr now: {paired['dga_' + name][0]:.2f} s wall"
                if paired
                else ""
            )
        )


if __name__ == "__main__":
    main()
