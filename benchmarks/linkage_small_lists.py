"""Small lists that give only names, fathers' names, ages and sex.

Usage::

    uv run python benchmarks/linkage_small_lists.py [--sizes 12 40 150 600]

A list of the dead from the first days of a crackdown often holds no district,
date, date of birth or national id: a name, a father's name, an age. This cuts
the generated Pakistani lists (:func:`gawah.testing.real_lists.pakistani_lists`,
FICTIONAL; hospital, party, press, families) to those columns, links each size
with ``gawah link csv`` in a child process, and prints pairwise precision and
recall and the persons found against the people listed. Each size has its own
seed (11, 12, ...), so the sizes are different crackdowns.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from gawah.testing.real_lists import pakistani_lists

#: What such a list gives (the generator's other columns are dropped).
KEPT = (
    "record_id",
    "sex",
    "age",
    "age_min",
    "age_max",
    "full_name",
    "given_name",
    "family_name",
    "father_name",
    "name_urdu",
)


def _pairs(frame: pd.DataFrame, column: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for _, group in frame.groupby(column):
        found |= set(itertools.combinations(sorted(group["key"]), 2))
    return found


def measure(people: int, seed: int, folder: Path) -> str:
    """Link one generated crackdown cut to names, fathers, ages and sex."""
    lists = pakistani_lists(n_people=people, seed=seed)
    truth = lists.truth_by_key().set_index("key")["person_id"]
    paths = []
    for name, frame in lists.lists.items():
        path = folder / f"{name}.csv"
        frame[[c for c in KEPT if c in frame]].to_csv(path, index=False)
        paths.append(path)
    out = folder / "clusters.csv"
    subprocess.run(
        ["gawah", "link", "csv", *map(str, paths), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    clusters = pd.read_csv(out, dtype=str)
    clusters["key"] = clusters["list"] + "/" + clusters["record_id"]
    clusters["person"] = clusters["key"].map(truth)
    predicted, true = _pairs(clusters, "cluster_id"), _pairs(clusters, "person")
    hits = len(predicted & true)
    precision = hits / len(predicted) if predicted else float("nan")
    return (
        f"| {people} | {len(clusters)} | {len(true)} | {len(predicted)} | "
        f"{precision:.3f} | {hits / len(true):.3f} | "
        f"{clusters['cluster_id'].nunique()} / {clusters['person'].nunique()} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 40, 150, 600])
    args = parser.parse_args()
    print(
        "| people | reports | true pairs | linked pairs | precision | recall | persons / people |"
    )
    print("|---|---|---|---|---|---|---|")
    for seed, people in enumerate(args.sizes, start=11):
        with tempfile.TemporaryDirectory() as folder:
            print(measure(people, seed, Path(folder)), flush=True)


if __name__ == "__main__":
    main()
