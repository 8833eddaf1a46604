"""Start-up time of the command line: ``gawah --help`` and quick estimates.

Runs each command in a fresh process ``--repeat`` times, in rounds (every
command once per round, so all meet the same load), and prints the median wall
time and the median CPU time (user + system of the child). On a shared
machine the wall clock also counts time other jobs held the core, so the CPU
figure is the one that compares across runs; the load average is printed first.
Targets (issue 16): ``gawah --help`` at most 0.5 s, ``gawah estimate FILE``
with chao or stepwise at most 1 s.

When ``Rscript`` and the Rcapture package are found (``R_LIBS`` may name a
scratch library), Rcapture's ``closedp.t`` on the same file is timed the same
way, end to end, for a side-by-side figure.

Python's bytecode cache is on for the children, as in an installed program (R's
packages are byte-compiled when installed): ``PYTHONDONTWRITEBYTECODE`` is
removed from their environment and each command runs once, uncounted, before
it is timed, which writes the cache. Without a cache every run compiles typer,
rich, numpy and gawah from source, about three times the CPU;
``--without-bytecode`` measures that case (nothing cached is read or written).

``gawah`` is the installed program (``gawah.__main__:run``), run as a user
runs it; it pauses the garbage collector while modules load and, for ``gawah
estimate``, loads OpenBLAS with one thread (gawah/__main__.py says why).

With ``--breakdown`` it also prints where the CPU of ``gawah estimate FILE
--method chao`` goes: the interpreter, typer, gawah's command line, numpy, rich
(for the table) and the command itself, each as the step between cumulative
imports in fresh processes, made with the program's settings. (pydantic is not
on this path: typer is kept below 0.29, whose option coercion imports it.)

    uv run python benchmarks/startup.py [--repeat 5] [--without-bytecode] [--breakdown]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_KOSOVO = _ROOT / "tests" / "data" / "mse" / "kosovo.csv"
#: The installed program, as a user runs it (gawah.__main__:run, pyproject's
#: [project.scripts]); ``python -m gawah`` where no script is installed.
_SCRIPT = Path(sys.executable).with_name("gawah")
_GAWAH = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "gawah"]
_R_CLOSEDP = (
    "suppressMessages(library(Rcapture)); "
    "d <- read.csv(commandArgs(TRUE)[1]); "
    "print(closedp.t(d[, 1:4], dfreq = TRUE))"
)


def _time(
    commands: list[list[str]], repeat: int, env: dict[str, str]
) -> list[tuple[float, float]]:
    """Median (wall, CPU) seconds of each command, run in ``repeat`` rounds of one
    run each after an uncounted warm-up round; output discarded.

    Rounds, not one command ``repeat`` times then the next: a change in the
    machine's load falls on every command alike, so the medians compare as pairs.
    """
    walls: list[list[float]] = [[] for _ in commands]
    cpus: list[list[float]] = [[] for _ in commands]
    for argv in commands:
        subprocess.run(argv, capture_output=True, cwd=_ROOT, env=env)
    for _ in range(repeat):
        for k, argv in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                argv, capture_output=True, text=True, cwd=_ROOT, env=env
            )
            walls[k].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[k].append(
                after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            )
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return [
        (statistics.median(w), statistics.median(c))
        for w, c in zip(walls, cpus, strict=True)
    ]


#: What the program (gawah/__main__.py) sets before loading anything for
#: ``gawah estimate``: the garbage collector paused, one OpenBLAS thread.
_AS_THE_PROGRAM = (
    "import gc, os; gc.disable(); os.environ.setdefault('OPENBLAS_NUM_THREADS', '1'); "
)
#: Cumulative stages of ``gawah estimate kosovo.csv --method chao``: each line
#: imports what the one before did and more; the step is the difference.
_STAGES = (
    ("interpreter", "pass"),
    ("typer", _AS_THE_PROGRAM + "import typer"),
    ("gawah's command line", _AS_THE_PROGRAM + "import gawah.cli"),
    ("numpy", _AS_THE_PROGRAM + "import gawah.cli, numpy"),
    (
        "rich (the table)",
        _AS_THE_PROGRAM + "import gawah.cli, numpy, gawah.core.console, rich.table",
    ),
    (
        "the command (read, estimate, checks, table)",
        "import sys; sys.argv = ['gawah', 'estimate', sys.argv[1], '--method', "
        "'chao']; from gawah.__main__ import run; run()",
    ),
)


def _breakdown(python: list[str], repeat: int, env: dict[str, str]) -> None:
    """Where the CPU of a quick estimate goes: median CPU of each cumulative stage."""
    print("\n| stage of `gawah estimate kosovo.csv --method chao` | CPU s (step) |")
    print("|---|---|")
    previous = 0.0
    commands = [[*python, "-c", code, str(_KOSOVO)] for _label, code in _STAGES]
    timed = _time(commands, repeat, env)
    for (label, _code), (_wall, cpu) in zip(_STAGES, timed, strict=True):
        print(f"| {label} | {cpu - previous:+.2f} |")
        previous = cpu
    print(f"| total | {previous:.2f} |")


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
    parser.add_argument(
        "--without-bytecode",
        action="store_true",
        help="Python compiles every module on every run (no bytecode cache).",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="Also print where the CPU of a quick estimate goes, import by import.",
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    python = [sys.executable]
    empty = tempfile.TemporaryDirectory(prefix="no-pyc-")
    if args.without_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # An empty cache folder: no cached bytecode is found, none is written.
        env["PYTHONPYCACHEPREFIX"] = empty.name
    gawah = _GAWAH
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cache = "off" if args.without_bytecode else "on"
    print(
        f"median of {args.repeat} rounds after one warm-up, fresh process each; "
        f"Python bytecode cache {cache}\n"
    )
    print("| command | wall s | CPU s | target |")
    print("|---|---|---|---|")
    runs: list[tuple[str, list[str], str]] = [
        ("python -c pass (interpreter alone)", [*python, "-c", "pass"], ""),
        ("gawah --help", [*gawah, "--help"], "<= 0.5 s"),
    ]
    for method in ("chao", "stepwise", "loglinear"):
        runs.append(
            (
                f"gawah estimate kosovo.csv --method {method}",
                [*gawah, "estimate", str(_KOSOVO), "--method", method],
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
    timed = _time([argv for _label, argv, _target in runs], args.repeat, env)
    for (label, _argv, target), (wall, cpu) in zip(runs, timed, strict=True):
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {target} |")
    if args.breakdown:
        _breakdown(python, args.repeat, env)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    empty.cleanup()


if __name__ == "__main__":
    main()
