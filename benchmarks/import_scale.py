"""Import at scale: rows per second and peak memory of ``import_list``.

Run: ``uv run python benchmarks/import_scale.py`` (100,000 rows; add
``--rows 100000 1000000`` for both sizes: the million takes minutes). Each size
is imported into a fresh workspace in its own process, so the peak resident
memory printed is that import's own (``ru_maxrss``: reading, checking,
sealing, signing and writing, with every projection). All data is generated
and FICTIONAL (``gawah.testing.scenario.big_list_rows``, party-list style).

``--segments N`` also prints the CPU time of the pass that checks every row
(read, checked, sealed and held until the last row is checked), then of each N
events as they are written (signed and stored, with every projection): whether
the time per row grows with the ledger.

``--profile`` runs the smallest size under cProfile, timed by the process's CPU
clock (other jobs on a shared machine do not count), and prints how that time
splits between the import's stages and how much of it SQLite's statements take
(cProfile slows Python code more than C code, so the shares are a guide to
where the time goes, not a measurement).

Target (issue 17): 1,000,000 rows in at most 5 minutes with at most 1 GB peak.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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


#: The stages of an import: (label, file the function is in, function).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("read and check rows (registry)", "registry/rows.py", "parse"),
    ("payloads, sealing (registry)", "registry/models.py", "report_payload"),
    ("payloads held (registry)", "registry/staging.py", "add"),
    ("payloads handed back in order", "registry/staging.py", "in_order"),
    ("canonical JSON of events (ledger)", "ledger/events.py", "encode_event"),
    ("signatures (ledger, 2 threads)", "ledger/_writing.py", "signed"),
    ("events re-read for projectors", "ledger/events.py", "from_stored"),
    ("registry tables", "registry/projection.py", "apply_many"),
    ("web search index", "web/projection.py", "apply_many"),
    ("sync tables", "sync/projection.py", "apply_many"),
)


#: SQLite's own work: the statements' time (C code, barely slowed by cProfile).
SQLITE_CALLS = ("execute", "executemany", "executescript")


def _stages(profile: cProfile.Profile) -> None:
    """Print each stage's cumulative CPU time and its share of the import."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(v[3] for v in stats.values())
    print(f"  profiled: {total:.1f} s of CPU in all (cProfile inflates Python code)")
    for label, path, name in STAGES:
        cumulative = sum(
            v[3]
            for (file, _, func), v in stats.items()
            if func == name and file.replace("\\", "/").endswith(path)
        )
        print(f"  {label:<36} {cumulative:7.1f} s  {cumulative / total:5.1%}")
    sqlite = sum(
        v[2]
        for (_, _, func), v in stats.items()
        if any(func == f"<method '{call}' of 'sqlite3.Connection' objects>"
               or func == f"<method '{call}' of 'sqlite3.Cursor' objects>"
               for call in SQLITE_CALLS)
    )  # fmt: skip
    print(
        f"  {'SQLite statements, all stages':<36} {sqlite:7.1f} s  {sqlite / total:5.1%}"
    )


def _io() -> dict[str, int]:
    """This process's read and write calls and bytes so far (Linux; else empty).

    SQLite reads a page from the file (or its WAL) only when its page cache
    misses: the read calls per segment show whether the B-trees written still
    fit in the cache.
    """
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return {}
    fields = dict(line.split(": ") for line in text.splitlines())
    return {k: int(fields[k]) for k in ("syscr", "syscw", "rchar", "wchar")}


def _io_delta(before: dict[str, int], after: dict[str, int]) -> str:
    if not before or not after:
        return ""
    d = {k: after[k] - before[k] for k in before}
    return (
        f"; reads {d['syscr']:>8,} ({d['rchar'] / 2**20:6.0f} MiB), "
        f"writes {d['syscw']:>8,} ({d['wchar'] / 2**20:6.0f} MiB)"
    )


def _wal_mib(home: Path | None) -> str:
    from gawah.workspace import DB_FILE

    if home is None:
        return ""
    wal = home / f"{DB_FILE}-wal"
    return f", WAL {wal.stat().st_size / 2**20:6.0f} MiB" if wal.exists() else ""


def _segments(every: int, home: list[Path]) -> None:
    """Print the CPU time of each ``every`` events the import hands the ledger,
    with its file reads and writes and the WAL's size (``home[0]``: the
    workspace, set once it exists)."""
    from gawah.workspace import Workspace

    append_many = Workspace.append_many

    def timed(items: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[Any]:
        start = last = time.process_time()
        io = _io()
        for n, item in enumerate(items, 1):
            if n == 1:
                last = time.process_time()
                print(
                    f"  every row checked, sealed and held {last - start:6.1f} s CPU"
                    f"{_io_delta(io, _io())}",
                    flush=True,
                )
                io = _io()
            yield item
            if n % every == 0:
                now = time.process_time()
                print(
                    f"  events {n - every + 1:>9,}-{n:<9,} {now - last:6.1f} s CPU "
                    f"({now - start:7.1f} s in all){_io_delta(io, _io())}"
                    f"{_wal_mib(home[0] if home else None)}",
                    flush=True,
                )
                last, io = now, _io()

    def counted(self: Workspace, items: Any, **options: Any) -> Any:
        return append_many(self, timed(items), **options)

    Workspace.append_many = counted  # type: ignore[method-assign]


def one(
    rows: int, folder: Path, profile: bool = False, segments: int | None = None
) -> None:
    """Import ``rows`` rows into a fresh workspace (in this process) and print."""
    from gawah.registry import import_list
    from gawah.testing.signer import fixed_seed
    from gawah.workspace import Workspace

    if segments:
        _segments(segments, [folder / "ws"])

    path = write_list(folder / f"FICTIONAL-{rows}.csv", rows)
    size = path.stat().st_size
    ws = Workspace.init(
        folder / "ws", author="FICTIONAL benchmark", key_seed=fixed_seed("scale")
    )
    profiler = cProfile.Profile(time.process_time) if profile else None
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        report = import_list(ws, path, source="FICTIONAL party")
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        closing = time.process_time()
        ws.close()
        closing = time.process_time() - closing
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{rows:>9,} rows ({size / 2**20:6.1f} MiB): {report.added:,} added in "
        f"{wall:7.1f} s wall, {cpu:7.1f} s CPU -> {rows / wall:8,.0f} rows/s; "
        f"peak RSS {peak_mib:7,.0f} MiB; closing the workspace (checkpoint, "
        f"projection digests) {closing:5.1f} s CPU",
        flush=True,
    )
    if profiler is not None:
        _stages(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile", action="store_true", help="profile the smallest size: stages"
    )
    parser.add_argument(
        "--segments", type=int, help="print the CPU time of each N events written"
    )
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as folder:
            one(args.one, Path(folder), args.profile, args.segments)
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"import_list at scale on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.1f} at start (each size in its own process)"
    )
    smallest = min(args.rows)
    for rows in args.rows:
        extra = ["--profile"] if args.profile and rows == smallest else []
        if args.segments:
            extra += ["--segments", str(args.segments)]
        command = [sys.executable, __file__, "--one", str(rows), *extra]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
