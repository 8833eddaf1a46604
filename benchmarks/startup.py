"""Start-up time of the command line: ``gawah --help`` and quick estimates.

Runs each command in a fresh process ``--repeat`` times and prints the median
wall time and the median CPU time (user + system of the child). On a shared
machine the wall clock also counts time other jobs held the core, so the CPU
figure is the one that compares across runs; the load average is printed first.
Targets (issue 16): ``gawah --help`` at most 0.5 s, ``gawah estimate FILE``
with chao or stepwise at most 1 s.

When ``Rscript`` and the Rcapture package are found (``R_LIBS`` may name a
scratch library), Rcapture's ``closedp.t`` on the same file is timed the same
way, end to end, for a side-by-side figure.

    uv run python benchmarks/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_KOSOVO = _ROOT / "tests" / "data" / "mse" / "kosovo.csv"
_GAWAH = [sys.executable, "-c", "from gawah.cli import main; main()"]
_R_CLOSEDP = (
    "suppressMessages(library(Rcapture)); "
    "d <- read.csv(commandArgs(TRUE)[1]); "
    "print(closedp.t(d[, 1:4], dfreq = TRUE))"
)


def _time(argv: list[str], repeat: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``argv`` run ``repeat`` times; output discarded."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=_ROOT)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return statistics.median(walls), statistics.median(cpus)


def _has_rcapture() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('Rcapture', quietly=TRUE))"],
        capture_output=True,
    )
    return probe.returncode == 0


def main() -> None:
    """Time every command and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"median of {args.repeat} runs, fresh process each\n")
    print("| command | wall s | CPU s | target |")
    print("|---|---|---|---|")
    runs: list[tuple[str, list[str], str]] = [
        ("python -c pass (interpreter alone)", [sys.executable, "-c", "pass"], ""),
        ("gawah --help", [*_GAWAH, "--help"], "<= 0.5 s"),
    ]
    for method in ("chao", "stepwise", "loglinear"):
        runs.append(
            (
                f"gawah estimate kosovo.csv --method {method}",
                [*_GAWAH, "estimate", str(_KOSOVO), "--method", method],
                "<= 1 s" if method in ("chao", "stepwise") else "",
            )
        )
    if _has_rcapture():
        runs.append(
            (
                "Rscript Rcapture closedp.t kosovo.csv",
                ["Rscript", "-e", _R_CLOSEDP, str(_KOSOVO)],
                "",
            )
        )
    else:
        print("(Rscript with Rcapture not found: no R line)")
    for label, argv, target in runs:
        wall, cpu = _time(argv, args.repeat)
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {target} |", flush=True)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
