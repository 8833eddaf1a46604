"""Import at scale: rows per second and peak memory of ``import_list``.

Run: ``uv run python benchmarks/import_scale.py`` (100,000 rows; add
``--rows 100000 1000000`` for both sizes: the million takes minutes). Each size
is imported into a fresh workspace in its own process, so the peak resident
memory printed is that import's own (``ru_maxrss``: reading, checking,
sealing, signing and writing, with every projection). All data is generated
and FICTIONAL (``gawah.testing.scenario.big_list_rows``, party-list style).

Target (issue 17): 1,000,000 rows in at most 5 minutes with at most 1 GB peak.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gawah.testing.scenario import big_list_rows


def write_list(path: Path, rows: int) -> Path:
    """A FICTIONAL list of ``rows`` rows, written as it is generated."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for row in big_list_rows(rows, seed=3):
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path


def one(rows: int, folder: Path) -> None:
    """Import ``rows`` rows into a fresh workspace (in this process) and print."""
    from gawah.registry import import_list
    from gawah.testing.signer import fixed_seed
    from gawah.workspace import Workspace

    path = write_list(folder / f"FICTIONAL-{rows}.csv", rows)
    size = path.stat().st_size
    ws = Workspace.init(
        folder / "ws", author="FICTIONAL benchmark", key_seed=fixed_seed("scale")
    )
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        report = import_list(ws, path, source="FICTIONAL party")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        ws.close()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{rows:>9,} rows ({size / 2**20:6.1f} MiB): {report.added:,} added in "
        f"{wall:7.1f} s wall, {cpu:7.1f} s CPU -> {rows / wall:8,.0f} rows/s; "
        f"peak RSS {peak_mib:7,.0f} MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as folder:
            one(args.one, Path(folder))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"import_list at scale on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.1f} at start (each size in its own process)"
    )
    for rows in args.rows:
        subprocess.run([sys.executable, __file__, "--one", str(rows)], check=True)


if __name__ == "__main__":
    main()
