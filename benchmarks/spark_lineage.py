"""How Splink's Spark backend breaks lineage: the CPU of one small link per method.

    uv run --extra spark python benchmarks/spark_lineage.py
    uv run --extra spark python benchmarks/spark_lineage.py --people 120 --methods persist checkpoint

Each method runs in a fresh child process (a JVM of its own): the link of
``--people`` FICTIONAL generated people (:func:`gawah.testing.linkage_data.
generate_linked_lists`, seed 23, the Spark test module's data and options) on
the local Spark, with Splink's ``break_lineage_method`` set to the method.
It prints, per method, the wall time, Python's and the JVM's CPU, the Spark
jobs run and the persons and pairs found (the same for every method, or the
methods do not give one model). gawah uses "checkpoint"
(:mod:`gawah.linkage.spark`): with "persist" a cached table keeps its whole
lineage, and every query of the EM sessions is analysed over it.

Needs pyspark (``--extra spark``) and Java 17+.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

_CHILD_FLAG = "--child"


def _jvm_cpu_seconds() -> float:
    """CPU of the local Spark's JVM so far (from /proc), 0 if it is not running."""
    from pyspark import SparkContext

    gateway: Any = SparkContext._gateway
    if gateway is None:
        return 0.0
    with open(f"/proc/{gateway.proc.pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(people: int, method: str) -> None:
    """One link with ``method``; prints one JSON line."""
    from splink.internals.spark import database_api

    from gawah.linkage import spark as spark_backend
    from gawah.linkage.classify import ModelOptions
    from gawah.linkage.pipeline import LinkOptions, link_records
    from gawah.testing.linkage_data import generate_linked_lists

    make_api = database_api.SparkAPI.__init__

    def with_method(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["break_lineage_method"] = method
        make_api(self, *args, **kwargs)

    database_api.SparkAPI.__init__ = with_method  # type: ignore[method-assign]
    reports = generate_linked_lists(people, seed=23).reports(keys=True)
    options = ModelOptions(
        memory_limit="2GB", u_min_count=None, u_chunks=1, backend="spark"
    )
    spark_backend.local_spark(options)  # started before the clock: the same for all
    wall, cpu, jvm = time.perf_counter(), time.process_time(), _jvm_cpu_seconds()
    result = link_records(reports, options=LinkOptions(model=replace(options)))
    assert spark_backend._LOCAL is not None
    context = spark_backend._LOCAL.spark.sparkContext
    print(
        json.dumps(
            {
                "method": method,
                "wall": time.perf_counter() - wall,
                "python_cpu": time.process_time() - cpu,
                "jvm_cpu": _jvm_cpu_seconds() - jvm,
                "jobs": len(context.statusTracker().getJobIdsForGroup()),
                "persons": result.n_persons,
                "pairs": len(result.pairs),
            }
        ),
        flush=True,
    )
    spark_backend.stop_local_spark()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument(
        "--methods", nargs="+", default=["persist", "checkpoint", "parquet"]
    )
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| method | wall s | JVM CPU s | Python CPU s | jobs | persons | pairs |")
    print("|---|---|---|---|---|---|---|")
    for method in args.methods:
        done = subprocess.run(
            [sys.executable, __file__, _CHILD_FLAG, str(args.people), method],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {method} | {row['wall']:.1f} | {row['jvm_cpu']:.1f} | "
            f"{row['python_cpu']:.1f} | {row['jobs']} | {row['persons']} | "
            f"{row['pairs']} |",
            flush=True,
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == _CHILD_FLAG:
        child(int(sys.argv[2]), sys.argv[3])
    else:
        main(sys.argv[1:])
