"""Ledger throughput on this machine: durable appends, verification, a big import.

Run: ``uv run python benchmarks/ledger.py`` (about a minute; ``--events`` scales it).
Prints one line per measurement. All data is generated and FICTIONAL.

1. single durable appends/s (each one a COMMIT with a WAL fsync)
2. batched appends/s (one transaction, as imports do)
3. verify events/s over the batched ledger (hash, JSON, Ed25519, chain, checkpoints)
4. import of a 100,000-row CSV through ``gawah.registry.import_list``, if present
5. ``gawah ledger verify`` as the CLI runs it over that imported workspace (all
   projections): without and with the projection check (every projection
   recomputed from the events and compared table by table), and the quick check
   every command runs when it opens the workspace: when the database file is
   untouched since the last command, and when another process changed it; the
   verify's CPU on the calling thread bounds its speed on an idle machine (the
   signature checks run in worker processes and the integrity check on another
   thread, the rest holds the GIL)
6. with ``--parts``, where the full verify's CPU goes: each of its pieces run
   alone on that workspace (SQLite's integrity check, the events' content and
   signature checks, the replay into a scratch database, the replayed tables
   compared with the stored ones; and, not run by verify, the stored tables'
   digests of the quick check at open and SQLite's ``quick_check``), each
   projector's replay alone, the full verify again with Python's cyclic garbage
   collector running (verify pauses it), and per event: one Ed25519 check
   through PyNaCl (raw libsodium call and ``VerifyKey``) and through
   ``cryptography`` (OpenSSL), and parsing an event's JSON (the ledger's parser
   and ``json.loads``), and how many signatures a worker thread and a worker
   process check while the calling thread runs Python (the GIL)
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from unittest import mock

import nacl.bindings
import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gawah.ledger import verify_store
from gawah.ledger.bulk import gc_paused
from gawah.ledger.events import parse_json
from gawah.ledger.projections import Replay, projection_schema, stored_digests
from gawah.ledger.signatures import SignatureChecks
from gawah.workspace import DB_FILE, Workspace


def _payload(i: int) -> dict[str, object]:
    return {
        "record_id": f"BENCH-{i:07d}",
        "full_name": "FICTIONAL Muhammad Aslam s/o Abdul Rehman",
        "age": 20 + i % 50,
        "status": "injured",
        "district": "FICTIONAL District",
    }


def bench_single(folder: Path, count: int) -> float:
    """Durable single appends per second."""
    with Workspace.init(folder / "single", projectors=[]) as ws:
        start = time.perf_counter()
        for i in range(count):
            ws.append("bench.recorded", _payload(i))
        return count / (time.perf_counter() - start)


def bench_batch_and_verify(folder: Path, count: int) -> tuple[float, float, float]:
    """Batched appends/s, verified events/s (wall) and per CPU-second (all threads).

    The CPU figure is less sensitive to other jobs sharing the machine.
    """
    with Workspace.init(folder / "batch", projectors=[]) as ws:
        start = time.perf_counter()
        ws.append_many(("bench.recorded", _payload(i)) for i in range(count))
        appended = count / (time.perf_counter() - start)
        start, cpu = time.perf_counter(), _cpu()
        report = ws.ledger.verify()
        verified = report.events / (time.perf_counter() - start)
        per_cpu = report.events / (_cpu() - cpu)  # the signature workers' too
        if not report.ok:
            raise SystemExit(
                f"benchmark ledger does not verify: {report.first_problem}"
            )
    return appended, verified, per_cpu


def bench_import(folder: Path, rows: int) -> tuple[float, float] | None:
    """Wall and CPU seconds to import a generated CSV, or None if unavailable."""
    if rows <= 0:
        return None
    try:
        registry = importlib.import_module("gawah.registry")
        scenario = importlib.import_module("gawah.testing.scenario")
    except ImportError:
        return None
    import_list = getattr(registry, "import_list", None)
    write_big_csv = getattr(scenario, "write_big_csv", None)
    if import_list is None or write_big_csv is None:
        return None
    csv_path = write_big_csv(folder / "big.csv", rows)
    with Workspace.init(folder / "import") as ws:
        start, cpu = time.perf_counter(), time.process_time()
        import_list(ws, csv_path, source="FICTIONAL benchmark list")
        return time.perf_counter() - start, time.process_time() - cpu


def _rate(events: int, wall: float, cpu: float) -> str:
    return (
        f"{events / wall:,.0f} events/s ({events / cpu:,.0f} per CPU-second, "
        f"{cpu / wall:.2f} CPU-seconds per second)"
    )


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of any finished children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bench_full_verify(home: Path, collector: bool = False) -> list[str]:
    """Verify the imported workspace without and with the projection check
    (and, with ``collector``, with the garbage collector running, as it did
    before verify paused it)."""
    lines: list[str] = []
    runs = [("signatures, chains", False, False), ("+ projections", True, False)]
    if collector:
        runs.append(("+ projections, garbage collector running", True, True))
    with Workspace.open(home, check=False, checkpoint_on_close=False) as ws:
        for label, projections, running in runs:
            paused = nullcontext if running else gc_paused
            start, cpu, own = time.perf_counter(), _cpu(), time.thread_time()
            with mock.patch("gawah.ledger.verify.gc_paused", paused):
                report = ws.ledger.verify(projections=projections)
            wall, used = time.perf_counter() - start, _cpu() - cpu
            own = time.thread_time() - own
            if not report.ok:
                raise SystemExit(f"imported workspace does not verify: {report}")
            lines.append(
                f"verify ({label}), {report.events:,} events with all projections: "
                + _rate(report.events, wall, used)
                + f"; {own:.2f} s CPU on the calling thread (no other core can "
                f"take it: at most {report.events / own:,.0f} events/s on an idle "
                "machine)"
            )
    for label, touch in (
        ("database untouched since the last command: its fingerprint", False),
        ("database file touched: every table digested", True),
    ):
        if touch:
            os.utime(home / DB_FILE)  # as a write by another process would
        start, cpu = time.perf_counter(), time.process_time()
        Workspace.open(home, checkpoint_on_close=False).close()
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        lines.append(
            f"open with the quick check ({label}): {wall:.2f} s ({used:.2f} s CPU)"
        )
    return lines


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (every thread) of one call."""
    start, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - start, _cpu() - cpu


def _per_item(work: Callable[[], object], items: int) -> str:
    """CPU microseconds per item of a call (the calling thread only), the best
    of three runs (the first of a series pays for warming up)."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        work()
        best = min(best, time.thread_time() - start)
    return f"{best / items * 1e6:.1f} µs"


def _checks_beside_python(signed: list[tuple[bytes, bytes, bytes]]) -> list[str]:
    """Signatures one worker checks while this thread runs a CPU-second of Python,
    on a thread and in a process (:mod:`gawah.ledger.signatures` uses processes)."""
    lines: list[str] = []
    for processes in (False, True):
        with SignatureChecks(1, processes=processes, process_after=0) as checks:
            batches = [signed[i : i + 64] for i in range(0, len(signed), 64)]
            futures = [checks.submit(batch) for batch in batches]
            start, x = time.thread_time(), 0
            while time.thread_time() - start < 1.0:
                for _ in range(200):
                    x += len(parse_json(b'{"a": [1, 2, 3]}')["a"])
            done = sum(
                len(b) for b, f in zip(batches, futures, strict=True) if f.done()
            )
            where = "a process" if processes else "a thread"
            lines.append(
                f"signatures checked by {where} while the calling thread ran 1 "
                f"CPU-second of Python: {done:,} of {len(signed):,}"
            )
    return lines


def bench_parts(home: Path, sample: int = 5_000) -> list[str]:
    """Each piece of the full verify run alone, and per-event costs."""
    lines: list[str] = []
    with Workspace.open(home, check=False, checkpoint_on_close=False) as ws:
        conn, events = ws.conn, ws.ledger.count()
        projectors = ws.ledger.projectors
        schema = projection_schema(projectors)
        parsed = list(ws.ledger.events())
        replay = Replay(projectors)

        def replayed() -> None:
            for start in range(0, len(parsed), 4096):
                replay.feed(parsed[start : start + 4096])

        pieces: list[tuple[str, Callable[[], object]]] = [
            (
                "SQLite integrity check",
                lambda: conn.execute("PRAGMA integrity_check(5)").fetchall(),
            ),
            (
                "(not in verify, which needs the index contents checked) SQLite "
                "quick check",
                lambda: conn.execute("PRAGMA quick_check(5)").fetchall(),
            ),
            (
                "events: hash, JSON, fields, signatures (1 worker), chains, checkpoints",
                lambda: verify_store(conn, threads=1),
            ),
            ("events (parsed beforehand) replayed into a scratch database", replayed),
            (
                "the replayed tables compared with the stored ones",
                lambda: replay.differing(home / DB_FILE, schema),
            ),
            (
                "(not in verify: the quick check's) stored tables digested",
                lambda: stored_digests(conn, schema),
            ),
        ]
        for label, work in pieces:
            wall, used = _timed(work)
            lines.append(
                f"part: {label}: {used:.2f} s CPU ({used / events * 1e6:.0f} µs "
                f"per event), {wall:.2f} s wall"
            )
        for projector in projectors:  # where the replay goes
            alone = Replay([projector])
            used = time.thread_time()
            for start in range(0, len(parsed), 4096):
                alone.feed(parsed[start : start + 4096])
            used = time.thread_time() - used
            alone.close()
            lines.append(
                f"part of the replay: projector {projector.name!r} alone: "
                f"{used / events * 1e6:.1f} µs CPU per event"
            )
        rows = conn.execute(
            "SELECT raw, signature, device FROM ledger_events ORDER BY pos LIMIT ?",
            (sample,),
        ).fetchall()
    signed = [(bytes(r[0]), bytes(r[1]), bytes.fromhex(r[2])) for r in rows]
    n = len(signed)
    lines += _checks_beside_python([(s, r, k) for r, s, k in signed * 8])
    verify_keys = {k: nacl.signing.VerifyKey(k) for _, _, k in signed}
    openssl_keys = {k: Ed25519PublicKey.from_public_bytes(k) for _, _, k in signed}
    for label, work in (
        (
            "PyNaCl crypto_sign_open",
            lambda: [nacl.bindings.crypto_sign_open(s + r, k) for r, s, k in signed],
        ),
        (
            "PyNaCl VerifyKey.verify (one key object per device)",
            lambda: [verify_keys[k].verify(r, s) for r, s, k in signed],
        ),
        (
            "cryptography Ed25519PublicKey.verify (OpenSSL)",
            lambda: [openssl_keys[k].verify(s, r) for r, s, k in signed],
        ),
        (
            "JSON: gawah.ledger.events.parse_json",
            lambda: [parse_json(r) for r, _, _ in signed],
        ),
        ("JSON: json.loads", lambda: [json.loads(r) for r, _, _ in signed]),
    ):
        lines.append(f"per event ({n:,} events): {label}: {_per_item(work, n)} CPU")
    return lines


def main() -> None:
    """Run every measurement and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=500, help="single appends")
    parser.add_argument("--events", type=int, default=100_000, help="batched events")
    parser.add_argument("--import-rows", type=int, default=100_000, help="CSV rows")
    parser.add_argument(
        "--parts",
        action="store_true",
        help="also time each piece of the full verify alone (a few minutes more)",
    )
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at start"
    )
    with tempfile.TemporaryDirectory(prefix="gawah-bench-") as tmp:
        folder = Path(tmp)
        single = bench_single(folder, args.single)
        print(f"durable single appends: {single:,.0f} events/s ({args.single} appends)")
        batched, verified, per_cpu = bench_batch_and_verify(folder, args.events)
        print(
            f"durable batched appends: {batched:,.0f} events/s ({args.events:,} in one)"
        )
        print(
            f"verify: {verified:,.0f} events/s over {args.events:,} events "
            f"({per_cpu:,.0f} per CPU-second, {verified / per_cpu:.2f} CPU-seconds "
            "per second: below 2 when other jobs hold the cores)"
        )
        seconds = bench_import(folder, args.import_rows)
        if seconds is None:
            print(
                "import: skipped (--import-rows 0, or gawah.registry.import_list absent)"
            )
        else:
            print(
                f"import of a {args.import_rows:,}-row CSV: {seconds[0]:.1f} s "
                f"({seconds[1]:.1f} s CPU)"
            )
            for line in bench_full_verify(folder / "import", args.parts):
                print(line, flush=True)
            if args.parts:
                for line in bench_parts(folder / "import"):
                    print(line, flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} at the end")


if __name__ == "__main__":
    main()
