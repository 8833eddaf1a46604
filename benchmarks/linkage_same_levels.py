"""Do two versions of the comparisons give every blocked pair the same levels?

    uv run python -m benchmarks.linkage_same_levels LIST.csv [LIST.csv ...] [--against REV]
    uv run python -m benchmarks.linkage_same_levels --dataset gaza [--way both]
    uv run python -m benchmarks.linkage_same_levels --dataset arab --seed 4
    uv run python -m benchmarks.linkage_same_levels --dataset pakistani --seed 4

A rewrite of :mod:`gawah.linkage.compare` meant to be faster must not change
any result. This script checks the strongest form of that: the comparison
vector (each comparison's level) of every pair the model scores. It reads
the lists as ``gawah link csv`` does (or one of ``benchmarks.linkage_real``'s
datasets), normalises them, builds the model's input table and blocked pairs
as the model does (:func:`gawah.linkage.classify._linker`), then evaluates,
over all those pairs in one DuckDB query per comparison, the levels of this
working tree's comparisons and those of ``compare.py`` at git revision
``--against`` (default ``main``), and prints per comparison how many pairs
differ (any difference is a bug), with the CPU seconds each version's levels
took (this process, DuckDB's threads included; the pairs are read from the
same tables either way) and the pairs per level.

The levels alone decide the model: with equal comparison vectors, Splink's
training and scoring see the same data, so the fitted model and every
probability are the same. Only counts are printed, never a name (Gaza is
real data: ``../shared``, measure only). Exits 1 when any pair differs.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def old_compare(revision: str) -> types.ModuleType:
    """``gawah.linkage.compare`` as it was at ``revision`` (a module of its own)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:src/gawah/linkage/compare.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"compare_at_{revision}")
    exec(compile(source, f"{revision}:compare.py", "exec"), module.__dict__)
    return module


def load_reports(args: argparse.Namespace) -> pd.DataFrame:
    """The reports as ``gawah link csv`` (files) or ``linkage_real`` (datasets) gives them."""
    if args.dataset is None:
        from gawah.linkage.files import read_lists

        return read_lists([Path(p) for p in args.lists])
    from benchmarks import linkage_real

    if args.dataset == "gaza":
        return linkage_real.gaza(args.way).reports
    if args.dataset == "arab":
        return linkage_real.arab(args.seed, args.way).reports
    return linkage_real.pakistani(args.seed).reports


def _pairs_sql(columns: list[str]) -> str:
    """Every blocked pair with each model column of both reports (``c_l``, ``c_r``)."""
    sides = ", ".join(
        f'{side}."{c}" as "{c}_{side}"' for c in columns for side in ("l", "r")
    )
    return (
        f"select {sides} from gawah_check_pairs b "
        "join gawah_blocked_input l on l.unique_id = b.join_key_l "
        "join gawah_blocked_input r on r.unique_id = b.join_key_r"
    )


def _profile(con: Any, comparison: Any, columns: list[str]) -> None:
    """Print the CPU seconds of the comparison's CASE cut after each level.

    DuckDB evaluates a level only for the pairs no earlier level took, so the
    growth from one cut to the next is what that level costs.
    """
    whens = [
        level._when_then_comparison_vector_value_sql
        for level in comparison.comparison_levels
        if not level._is_else_level
    ]
    last = 0.0
    for k in range(1, len(whens) + 1):
        case = "CASE " + " ".join(whens[:k]) + " ELSE -9 END as g"
        cpu = _cpu()
        con.execute(
            f"select g, count(*) from (select {case} from ({_pairs_sql(columns)})) group by all"
        ).fetchall()
        spent = _cpu() - cpu
        label = comparison.comparison_levels[k - 1].label_for_charts
        print(
            f"  {comparison.output_column_name} to level {k - 1:2d} {spent:6.1f} s (+{spent - last:5.1f}) {label}"
        )
        last = spent


def check(reports: pd.DataFrame, revision: str, profile: tuple[str, ...] = ()) -> int:
    """Print the per-comparison differences; return how many pairs differ in all."""
    from gawah.linkage.classify import ModelOptions, _linker, model_table
    from gawah.linkage.normalise import normalise_frame

    reports = reports.reset_index(drop=True)
    frame = normalise_frame(reports)
    frame["unique_id"] = range(len(frame))
    frame["list"] = reports["list"].astype(str).to_numpy()
    spill = tempfile.mkdtemp(prefix="gawah-levels-")
    try:
        linker = _linker(model_table(frame), ModelOptions(), spill)
        con: Any = linker._db_api._con  # type: ignore[attr-defined]
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        con.execute(
            "create table gawah_check_pairs as select join_key_l, join_key_r "
            f"from {blocked.physical_name}"
        )
        (n_pairs,) = con.execute("select count(*) from gawah_check_pairs").fetchone()
        print(f"{len(frame):,} reports, {n_pairs:,} blocked pairs")
        columns = [
            c
            for c in con.execute("select * from gawah_blocked_input limit 0").df()
            if not c.startswith("blk")
        ]
        new = {c.output_column_name: c for c in linker._settings_obj.comparisons}
        exclude = frozenset(
            {"list"} if "list" not in new else set()
        )  # one list: no "list" comparison
        old = old_compare(revision)
        total = 0
        for creator in old.comparisons(exclude):
            before = creator.get_comparison("duckdb")
            after = new[before.output_column_name]
            before.column_info_settings = after.column_info_settings
            cases = {"old": before._case_statement, "new": after._case_statement}
            gamma = after._gamma_column_name
            seconds = {}
            counts = {}
            for version, case in cases.items():
                cpu = _cpu()
                counts[version] = dict(
                    con.execute(
                        f"select {gamma}, count(*) from (select {case} from "
                        f"({_pairs_sql(columns)})) group by all order by 1"
                    ).fetchall()
                )
                seconds[version] = _cpu() - cpu
            (differ,) = con.execute(
                f"select count(*) from (select {cases['old'].replace(gamma, 'g_old')}, "
                f"{cases['new'].replace(gamma, 'g_new')} from ({_pairs_sql(columns)})) "
                "where g_old is distinct from g_new"
            ).fetchone()
            total += differ
            print(
                f"{before.output_column_name:7s} differ {differ:>9,}  "
                f"CPU old {seconds['old']:6.1f} s  new {seconds['new']:6.1f} s  "
                f"levels {counts['new']}"
                + ("" if counts["old"] == counts["new"] else f" (old {counts['old']})")
            )
        # What reading a column costs, for every pair and both sides: lists
        # are copied through the join, text is not.
        for column in ("name_seq", "name_skels", "father_skels"):
            cpu = _cpu()
            con.execute(
                f'select count(*) filter (where "{column}_l" = "{column}_r") '
                f"from ({_pairs_sql([column])})"
            ).fetchall()
            print(f"reading {column} for every pair: {_cpu() - cpu:.1f} s CPU")
        for name in profile:
            _profile(con, new[name], columns)
        con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    print("identical" if total == 0 else f"{total:,} pair levels DIFFER")
    return total


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "lists", nargs="*", help="list CSV files, as for gawah link csv"
    )
    parser.add_argument("--dataset", choices=("gaza", "arab", "pakistani"))
    parser.add_argument("--way", default="both", choices=("both", "ar-lat", "lat-ar"))
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--against", default="main", help="git revision (default main)")
    parser.add_argument(
        "--profile",
        nargs="*",
        default=[],
        help="comparisons (name, chain, ...) whose levels to time one by one",
    )
    args = parser.parse_args(argv)
    if (args.dataset is None) == (not args.lists):
        parser.error("give list files or --dataset, not both")
    sys.exit(1 if check(load_reports(args), args.against, tuple(args.profile)) else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
