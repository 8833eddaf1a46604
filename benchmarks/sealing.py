"""What sealing costs: importing a list with every row carrying sensitive values.

Run: ``uv run python benchmarks/sealing.py`` (a few minutes at 100,000 rows;
``--rows`` scales it). All data is generated and FICTIONAL.

1. per-value cost of the primitives: libsodium sealed box per value vs. the
   sealing session (one ephemeral key, a precomputed box per custodian);
2. import of the same list (every row with national id, phone and witness)
   into a fresh workspace, without sealing and with it, in alternating order;
   prints wall and CPU seconds and the sealed/unsealed ratio (target: at most 1.3).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import tempfile
import time
from pathlib import Path

import nacl.public
import nacl.utils

from gawah.registry import import_list
from gawah.sealing import SealingSession
from gawah.testing.scenario import big_list_rows
from gawah.workspace import Workspace


def write_list(path: Path, rows: int) -> Path:
    """A FICTIONAL list where every row has a national id, a phone and a witness."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for i, row in enumerate(big_list_rows(rows, seed=5)):
            row = dict(row)
            row["national_id"] = f"{35000 + i % 999:05d}-{i:07d}-{i % 9 + 1}"
            row["phone"] = f"03{i % 50:02d}-{i:07d}"
            row["witness_name"] = f"FICTIONAL Witness {i}"
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path


def primitives(count: int) -> tuple[float, float]:
    """Microseconds per value: sealed box, and the session's precomputed box."""
    key = nacl.public.PrivateKey.generate()
    sealed_box = nacl.public.SealedBox(key.public_key)
    start = time.perf_counter()
    for _ in range(count):
        sealed_box.encrypt(nacl.utils.random(32))
    per_sealed_box = (time.perf_counter() - start) / count * 1e6
    session = SealingSession([bytes(key.public_key)])
    start = time.perf_counter()
    for i in range(count):
        session.seal(f"rep-{i}", b'{"national_id":"3520212345671"}')
    per_session = (time.perf_counter() - start) / count * 1e6
    return per_sealed_box, per_session


def import_once(folder: Path, csv_path: Path, seal: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one import into a fresh workspace."""
    with Workspace.init(folder) as ws:
        start, cpu = time.perf_counter(), time.process_time()
        import_list(ws, csv_path, source="FICTIONAL benchmark list", seal=seal)
        return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    """Run the measurements and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the list")
    parser.add_argument("--rounds", type=int, default=1, help="imports per mode")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at start"
    )
    box, session = primitives(10_000)
    print(
        f"sealed box per value: {box:.1f} us; sealing session per value: {session:.1f} us"
    )
    with tempfile.TemporaryDirectory(prefix="gawah-bench-") as tmp:
        folder = Path(tmp)
        csv_path = write_list(folder / "list.csv", args.rows)
        times: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        for n in range(args.rounds):
            for seal in (False, True) if n % 2 == 0 else (True, False):
                times[seal].append(
                    import_once(folder / f"ws-{n}-{seal}", csv_path, seal)
                )
        for seal in (False, True):
            wall = min(t[0] for t in times[seal])
            cpu = min(t[1] for t in times[seal])
            label = "sealed" if seal else "unsealed"
            print(
                f"import {args.rows:,} rows {label}: {wall:.1f} s wall, {cpu:.1f} s CPU "
                f"(best of {args.rounds})"
            )
        wall_ratio = min(t[0] for t in times[True]) / min(t[0] for t in times[False])
        cpu_ratio = min(t[1] for t in times[True]) / min(t[1] for t in times[False])
        print(f"sealed / unsealed: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU")


if __name__ == "__main__":
    main()
