"""Linkage at scale: gawah's ``link csv`` and plain Splink, same rows, same machine.

    uv run python benchmarks/linkage_scale.py                       # 100,000 500,000 1,000,000
    uv run python benchmarks/linkage_scale.py --records 100000 --only gawah
    uv run python benchmarks/linkage_scale.py --records 1000000 --crowded
    uv run python benchmarks/linkage_scale.py --records 1000000 --data /tmp/lists
    uv run python benchmarks/linkage_scale.py --records 1000000 --cap 2400  # 40 min a tool
    uv run python benchmarks/linkage_scale.py --records 100000 --backend spark

``--data DIR`` keeps the generated lists in ``DIR/<records>`` (private,
FICTIONAL) and reuses them on the next run with the same size, population and
seed (generating a million rows takes minutes).

For each size, about ``records`` FICTIONAL rows over four lists are generated
(:func:`gawah.testing.linkage_data.generate_linked_lists`, a population of
records / 2.1 people, ``large_population=True``; ``spread=True`` unless
``--crowded``: most people from any district over three years) and written as
CSV files to a private temporary folder. Then, each in a fresh child process:

* **gawah**: the command a user runs, ``gawah link csv FILES --out OUT``
  (reading, validating, normalising, the model, clustering under constraints,
  the run summary and writing the output all count);
* **splink**: a plain Splink DuckDB model on the same rows, as a competent
  Splink user would write it for these columns (:func:`plain_splink`): one
  name column per row (full name, else given and family name; a "s/o" part
  is the father), Splink's own name comparisons on the whole name, its first
  and last word and the father's name, sex and district exact, the national
  id within two edits; u by random
  sampling, the prior from a deterministic rule, m by EM on two rules;
  connected components at 0.95.

With ``--backend spark`` (needs ``uv sync --extra spark`` and Java 17+),
also:

* **gawah (spark)**: ``gawah link csv FILES --out OUT --backend spark``, the
  same model on a local Spark (``gawah.linkage.spark``), its JVM started by
  the command and counted.

Printed per run: wall seconds, CPU seconds (user and system, with the
child's worker processes; the Spark run's JVM is a child too), the load
average when it ended, and peak resident memory of the child (``ru_maxrss``
from ``wait4``, which includes DuckDB's native memory; for the Spark run,
whose JVM is a second process, the peak of the sum of both, sampled every
0.2 s), and pairwise precision, recall and F1 against the generator's truth.
With both tools run, a last row gives gawah's wall and CPU time over
Splink's. The generation is not timed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEED = 19481210


def generate(records: int, directory: Path, *, spread: bool, seed: int) -> Path:
    """Write the lists as CSV files and the truth as ``truth.csv``; return the truth file."""
    from gawah.testing.linkage_data import generate_linked_lists

    data = generate_linked_lists(
        int(records / 2.1), seed=seed, large_population=True, spread=spread
    )
    for name, frame in data.lists.items():
        frame.to_csv(directory / f"{name}.csv", index=False)
    truth = directory / "truth.csv"
    data.truth.to_csv(truth, index=False)
    return truth


def _lists(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.csv") if p.stem != "truth")


def _c2(counts: pd.Series) -> int:
    a = counts.to_numpy(dtype=np.int64)
    return int((a * (a - 1) // 2).sum())


def score(clusters: Path, truth: Path) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of ``list,record_id,cluster_id`` against the truth."""
    found = pd.read_csv(clusters, dtype=str)
    true = pd.read_csv(truth, dtype=str)
    both = found.merge(true, on=["list", "record_id"], how="inner")
    predicted = _c2(both.groupby("cluster_id").size())
    actual = _c2(both.groupby("person_id").size())
    tp = _c2(both.groupby(["cluster_id", "person_id"]).size())
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def plain_splink(directory: Path, out: Path) -> None:
    """Plain Splink (DuckDB) on the list files; write ``list,record_id,cluster_id``."""
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    frames = []
    for path in _lists(directory):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)

        def clean(text: pd.Series) -> pd.Series:
            return text.str.lower().str.replace(r"[^\w\s]", " ", regex=True).str.split()

        # One name column whatever the list wrote ("X s/o Y" carries the father).
        whole = raw["full_name"].where(
            raw["full_name"] != "", raw["given_name"] + " " + raw["family_name"]
        )
        own = whole.str.split(r"\s+[sdw]/o\s+", n=1, regex=True, expand=True)
        father = raw["father_name"].where(raw["father_name"] != "", own.get(1, ""))
        words, father_words = clean(own[0].fillna("")), clean(father.fillna(""))
        where = raw["district"].where(
            raw["district"] != "",
            (raw["place"] + "," + raw["address"]).str.split(",").str[-1],
        )
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": path.stem + "/" + raw["record_id"],
                    "name": words.str.join(" "),
                    "first_name": words.str[0],
                    "surname": words.apply(lambda w: w[-1] if len(w) > 1 else None),
                    "father_name": father_words.str.join(" "),
                    "sex": raw["sex"].str.lower(),
                    "district": where.str.lower().str.strip(),
                    "national_id": raw["national_id"].str.replace(
                        r"\D", "", regex=True
                    ),
                }
            ).replace({"": None})
        )
    frame = pd.concat(frames, ignore_index=True)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("name").configure(term_frequency_adjustments=True),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("father_name"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("district").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("national_id", [1, 2]),
        ],
        # Tight rules, as Splink's guidance has them for a large job: each
        # rule's blocks stay small at a million rows (a name alone, or a
        # first name with a family name, makes blocks of thousands there).
        blocking_rules_to_generate_predictions=[
            block_on("name", "district"),
            block_on("name", "father_name"),
            block_on("first_name", "surname", "district"),
            block_on("first_name", "father_name", "district"),
            block_on("national_id"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    table = DuckDBAPI().register(frame, dataset_display_name="reports")
    linker = Linker(table, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "father_name", "district")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    # EM on two rules, each leaving the other's comparisons to be estimated.
    for rule in (
        block_on("name", "district"),
        block_on("father_name", "surname", "district"),
    ):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    ).as_pandas_dataframe()
    parts = clusters["unique_id"].str.split("/", n=1, expand=True)
    pd.DataFrame(
        {"list": parts[0], "record_id": parts[1], "cluster_id": clusters["cluster_id"]}
    ).to_csv(out, index=False)


def _gawah_command(directory: Path, out: Path, backend: str = "duckdb") -> list[str]:
    gawah = Path(sys.executable).with_name("gawah")
    files = [str(p) for p in _lists(directory)]
    extra = [] if backend == "duckdb" else ["--backend", backend]
    return [str(gawah), "link", "csv", *files, "--out", str(out), *extra]


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(int(stat[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run(
    command: list[str], cap: float | None = None, tree: bool = False
) -> dict[str, Any]:
    """Run ``command`` in a child; its wall and CPU seconds, peak RSS (GiB), exit code.

    CPU seconds (user + system, the child's and its worker processes') tell
    the work done on a shared machine, where wall time depends on the load.
    With ``tree``, the peak is of the child and its own children together
    (a JVM started by the child), sampled every 0.2 s.
    """
    start = time.perf_counter()
    # Its own process group, so that the cap stops its worker processes too.
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    timer = None
    if cap is not None:
        timer = threading.Timer(cap, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
    peak = 0
    # wait4 without blocking (not Popen.poll, which would reap the child and
    # lose its resource usage).
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG if tree else 0)
    while pid == 0:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if timer is not None:
        timer.cancel()
    if not tree:
        peak = usage.ru_maxrss * 1024  # KiB on Linux
    return {
        "seconds": time.perf_counter() - start,
        "cpu": usage.ru_utime + usage.ru_stime,
        "load": os.getloadavg()[0],
        "peak_gib": peak / 1024**3,
        "exit": os.waitstatus_to_exitcode(status),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--records", type=int, nargs="+", default=[100_000, 500_000, 1_000_000]
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--crowded", action="store_true", help="ten districts, two weeks"
    )
    parser.add_argument(
        "--only", choices=("gawah", "gawah (spark)", "splink"), default=None
    )
    parser.add_argument(
        "--backend",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: also gawah on a local Spark, beside DuckDB",
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="keep and reuse the lists here"
    )
    parser.add_argument(
        "--cap",
        type=float,
        default=None,
        help="stop a tool's run after this many seconds (reported as failed)",
    )
    args = parser.parse_args(argv)
    print(
        "| records | tool | seconds | CPU s | load | peak GiB | precision | recall "
        "| F1 |\n|---|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    for records in args.records:
        with tempfile.TemporaryDirectory(prefix="gawah-scale-") as tmp:
            directory = Path(tmp)
            kind = "crowded" if args.crowded else "spread"
            if args.data is not None:
                directory = args.data / f"{records}-{kind}-{args.seed}"
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            truth = directory / "truth.csv"
            if not truth.exists():
                truth = generate(
                    records, directory, spread=not args.crowded, seed=args.seed
                )
            n = sum(
                len(pd.read_csv(p, usecols=["record_id"])) for p in _lists(directory)
            )
            # Splink first: with --cap, the longer run is the one stopped last.
            tools = {
                "splink": [
                    sys.executable,
                    __file__,
                    "_splink",
                    str(directory),
                    str(directory / "splink.out"),
                ],
                "gawah": _gawah_command(directory, directory / "gawah.out"),
            }
            done: dict[str, dict[str, Any]] = {}
            if args.backend == "spark":
                tools["gawah (spark)"] = _gawah_command(
                    directory, directory / "gawah-spark.out", "spark"
                )
            for tool, command in tools.items():
                if args.only and tool != args.only:
                    continue
                out = Path(command[-1])
                got = run(command, args.cap, tree=tool == "gawah (spark)")
                if got["exit"] != 0 or not out.exists():
                    print(
                        f"| {n:,} | {tool} | failed (exit {got['exit']}) after "
                        f"{got['seconds']:.0f} s | {got['cpu']:.0f} | {got['load']:.1f} "
                        f"| {got['peak_gib']:.2f} | | | |",
                        flush=True,
                    )
                    continue
                done[tool] = got
                p, r, f1 = score(out, truth)
                print(
                    f"| {n:,} | {tool} | {got['seconds']:.1f} | {got['cpu']:.0f} "
                    f"| {got['load']:.1f} | {got['peak_gib']:.2f} "
                    f"| {p:.4f} | {r:.4f} | {f1:.4f} |",
                    flush=True,
                )
            if len(done) == 2:
                g, s = done["gawah"], done["splink"]
                print(
                    f"| {n:,} | gawah / splink | {g['seconds'] / s['seconds']:.1f}x "
                    f"| {g['cpu'] / s['cpu']:.1f}x | | | | | |",
                    flush=True,
                )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_splink":
        plain_splink(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main(sys.argv[1:])
