"""What an offline exchange costs: bundle size, export and import speed.

Run: ``uv run python benchmarks/sync.py`` (a few minutes at 100,000 rows;
``--rows`` scales it). All data is generated and FICTIONAL.

1. a list of ``--rows`` reports (with sealed phone numbers) is imported on an
   enrolled device;
2. ``export_bundle`` writes every event to the authority: seconds, events/s;
3. the bundle's size is compared with the same events' signed bytes and
   signatures concatenated and zstd-compressed at the same level (target: at
   most 1.2 times);
4. ``import_bundle`` verifies and stores the bundle in the authority's workspace:
   seconds and events/s (target: at least 20,000 events/s), and how much of it is
   the projections (the registry, search index... updating on the same events).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import zstandard

from gawah.registry import import_list
from gawah.sync import export_bundle, import_bundle
from gawah.sync.bundle import LEVEL
from gawah.testing.scenario import big_list_rows
from gawah.workspace import Workspace


def write_list(path: Path, rows: int) -> Path:
    """A FICTIONAL list; every row has a phone number (sealed on import)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for i, row in enumerate(big_list_rows(rows, seed=7)):
            row = dict(row)
            row["phone"] = f"03{i % 50:02d}-{i:07d}"
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of its finished children
    (``ledger verify`` checks signatures in worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _rate(label: str, events: int, wall: float, cpu: float) -> None:
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(
        f"{label}: {events:,} events in {wall:.2f} s wall ({events / wall:,.0f}/s), "
        f"{cpu:.2f} s CPU ({events / cpu:,.0f}/s per CPU second)"
    )


def main() -> None:
    """Run the measurements and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="reports in the list")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cpu(s), load {load:.1f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        hq = Workspace.init(root / "hq", author="FICTIONAL HQ")
        team = Workspace.init(root / "team", author="FICTIONAL team", join=hq.identity)
        hq.enrol_device(team.identity, "FICTIONAL team")
        enrolment = root / "enrolment.gawah"
        export_bundle(hq, [team.identity], enrolment)
        import_bundle(team, enrolment)
        start = time.perf_counter()
        import_list(
            team, write_list(root / "list.csv", args.rows), source="FICTIONAL list"
        )
        print(
            f"setup: imported {args.rows:,} rows in {time.perf_counter() - start:.1f} s"
        )

        bundle = root / "all.gawah"
        wall, cpu = time.perf_counter(), _cpu()
        exported = export_bundle(team, [hq.identity], bundle)
        events = exported.events
        _rate("export", events, wall, cpu)

        raw = b"".join(e.raw + e.signature for e in team.ledger.events())
        baseline = len(zstandard.ZstdCompressor(level=LEVEL).compress(raw))
        size = bundle.stat().st_size
        print(
            f"size: bundle {size:,} bytes; raw events + signatures {len(raw):,} bytes, "
            f"zstd level {LEVEL} {baseline:,} bytes; "
            f"ratio {size / baseline:.3f} (target <= 1.2)"
        )

        wall, cpu = time.perf_counter(), _cpu()
        imported = import_bundle(hq, bundle)
        _rate("import (verify, store, update projections)", events, wall, cpu)
        assert imported.new_events == events - 1  # the enrolment was held already
        wall, cpu = time.perf_counter(), _cpu()
        import_bundle(hq, bundle)
        _rate("re-import (verify everything, nothing new)", events, wall, cpu)
        wall, cpu = time.perf_counter(), _cpu()
        report = hq.ledger.verify(projections=False)
        _rate(
            "for comparison, ledger verify (no projections)", report.events, wall, cpu
        )
        print("targets: import verifies >= 20,000 events/s (wall, an idle machine)")
        assert hq.ledger.state_digest() == team.ledger.state_digest()
        hq.close()
        team.close()


if __name__ == "__main__":
    main()
