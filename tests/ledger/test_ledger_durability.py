"""Durability (S07, S08a): no acknowledged event is lost, and every ack follows an fsync."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gawah.ledger import verify_store
from gawah.workspace import DB_FILE, Workspace

RUNS = 50

# The writer acknowledges an event only after append()/append_many() returned,
# i.e. after COMMIT; every third step is a batch of 3 (all-or-nothing).
WRITER = r"""
import os, sys
from gawah.workspace import Workspace
ws = Workspace.open(sys.argv[1], projectors=[])
limit, run = int(sys.argv[2]), sys.argv[3]
os.write(1, b"READY\n")
step = 0
while limit == 0 or step < limit:
    step += 1
    if step % 3 == 0:
        events = ws.append_many(
            ("durability.probe", {"run": run, "step": step, "part": j}) for j in range(3)
        )
    else:
        events = [ws.append("durability.probe", {"run": run, "step": step, "part": 0})]
    os.write(1, ("ACK " + " ".join(e.id for e in events) + "\n").encode())
"""


def _writer(home: Path, limit: int, run: str = "0") -> list[str]:
    return [sys.executable, "-c", WRITER, str(home), str(limit), run]


def _acked_ids(output: bytes) -> Iterator[str]:
    for line in output.decode().split("\n")[:-1]:  # a cut-off last line is not an ack
        if line.startswith("ACK "):
            yield from line.split()[1:]


def _kill_runs(home: Path, runs: int, seed: int) -> tuple[int, int]:
    """SIGKILL the writer at random moments; check nothing acknowledged is lost."""
    rng = random.Random(seed)
    acked: set[str] = set()
    for run in range(runs):
        child = subprocess.Popen(_writer(home, 0, str(run)), stdout=subprocess.PIPE)
        assert child.stdout is not None
        assert child.stdout.readline() == b"READY\n"
        time.sleep(rng.uniform(0.0, 0.5))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        acked.update(_acked_ids(out))
        conn = sqlite3.connect(home / DB_FILE)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {r[0] for r in conn.execute("SELECT id FROM ledger_events")}
            assert acked <= stored, f"{len(acked - stored)} acknowledged events lost"
            report = verify_store(conn, threads=1)
            assert report.ok, report.problems[:3]
            steps: dict[tuple[str, int], int] = {}
            for (raw,) in conn.execute("SELECT raw FROM ledger_events"):
                payload = json.loads(raw)["payload"]
                key = (payload["run"], payload["step"])
                steps[key] = steps.get(key, 0) + 1
            partial = [k for k, n in steps.items() if n != (3 if k[1] % 3 == 0 else 1)]
            assert not partial, f"partial batches: {partial[:5]}"
        finally:
            conn.close()
    return runs, len(acked)


class TestCrashDurability:
    def test_sigkill_loses_no_acknowledged_event(self, tmp_path: Path) -> None:
        """50 SIGKILLs mid-write: 0 acked events lost, integrity ok, ledger verifies."""
        homes = []
        for name in ("a", "b"):
            Workspace.init(tmp_path / name, projectors=[]).close()
            homes.append(tmp_path / name)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(
                pool.map(_kill_runs, homes, [RUNS // 2, RUNS - RUNS // 2], [1, 2])
            )
        assert sum(runs for runs, _ in results) == RUNS
        assert sum(acked for _, acked in results) > RUNS


_SYNC = re.compile(r"\b(fsync|fdatasync)\((\d+)<([^>]*)>\)\s*=\s*0")
_ACK = re.compile(r'\bwrite\(1<[^>]*>, "ACK ')


class TestFsyncDiscipline:
    @pytest.mark.skipif(
        shutil.which("strace") is None,
        reason="strace is not installed (.ci/run installs it with apt)",
    )
    def test_every_ack_follows_a_wal_fsync(self, tmp_path: Path) -> None:
        """Under strace, each of 60 acks is preceded by an fsync of the WAL (S08a)."""
        home = tmp_path / "ws"
        Workspace.init(home, projectors=[]).close()
        trace = tmp_path / "trace.txt"
        probe = subprocess.run(
            ["strace", "-f", "-o", os.devnull, "true"], capture_output=True, check=False
        )
        if probe.returncode != 0:
            pytest.skip(f"strace cannot trace here: {probe.stderr.decode()[:200]}")
        subprocess.run(
            [
                "strace",
                "-f",
                "-y",
                "-e",
                "trace=fsync,fdatasync,write",
                "-o",
                str(trace),
                *_writer(home, 60),
            ],
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=120,
        )
        acks = synced_acks = 0
        wal_synced = False
        for line in trace.read_text().splitlines():
            sync = _SYNC.search(line)
            if sync and sync.group(3).endswith("-wal"):
                wal_synced = True
            elif _ACK.search(line):
                acks += 1
                synced_acks += wal_synced
                wal_synced = False
        assert acks == 60
        assert synced_acks == acks
