"""What a statistician needs after every run, as one dictionary.

Persons per list and the duplicates each list held, how many persons each
combination of lists names (the capture histories a multiple systems
estimate starts from), the histogram of the match probabilities of the scored
pairs, the links above the threshold that clustering did not follow (refused
by a constraint, a conflict or the size limit: what the constraints changed),
the pairs left for review, and the clusters that break a constraint
(:mod:`~gawah.linkage.constraints`). The
CLI prints it as tables (``gawah link run``, ``gawah link csv``) or as JSON
(``--json``). National ids are compared, never shown: a violation names
records by list and record id only.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from gawah.linkage.constraints import KINDS, constraint_violations
from gawah.linkage.pipeline import LinkResult

# Histogram bins are this wide, on the probability scale.
BIN_WIDTH = 0.1


def probability_histogram(result: LinkResult) -> dict[str, Any]:
    """Counts of scored pairs per probability bin, from the lowest probability kept.

    A run keeps only pairs at or above ``min(review_low, threshold)``; lower
    bins would be empty for that reason alone, so they are not shown.
    """
    low = min(result.options.review_low, result.options.threshold)
    start = math.floor(round(low / BIN_WIDTH, 9)) * BIN_WIDTH
    n_bins = max(1, round((1.0 - start) / BIN_WIDTH))
    edges = np.round(np.linspace(start, 1.0, n_bins + 1), 6)
    probabilities = result.pairs["match_probability"].to_numpy(dtype=float)
    counts, _ = np.histogram(probabilities, bins=edges)
    return {
        "kept_from": low,
        "edges": [float(e) for e in edges],
        "counts": [int(c) for c in counts],
    }


def overlap(result: LinkResult) -> dict[str, int]:
    """Persons per combination of lists that name them (``"a + b"``), most first."""
    records = result.records
    lists = records["list"].astype(str)
    names = sorted(set(lists))
    if len(names) <= 62:
        # Each person's set of lists as a bit mask (list k is bit k, the lists
        # in sorted order), counted per mask: a Python function per person
        # took seconds at a million reports.
        bit = dict(zip(names, (np.int64(1) << np.arange(len(names))), strict=True))
        pairs = pd.DataFrame(
            {"p": records["person_id"].to_numpy(), "b": lists.map(bit).to_numpy()}
        ).drop_duplicates()
        masks = pairs.groupby("p", sort=False)["b"].sum().value_counts()
        counts = pd.Series(
            masks.to_numpy(),
            index=[
                " + ".join(n for k, n in enumerate(names) if int(mask) >> k & 1)
                for mask in masks.index
            ],
        )
    else:
        counts = (
            records.groupby("person_id")["list"]
            .agg(lambda s: " + ".join(sorted(set(map(str, s)))))
            .value_counts()
        )
    return {
        str(k): int(v)
        for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    }


def links_not_followed(result: LinkResult) -> int:
    """Scored pairs at or above the threshold whose two reports are different persons.

    Clustering refused them: a constraint (sexes, ages, a distinct list, a
    list repeating itself), a conflict, a reviewed decision or the size limit.
    """
    pairs = result.pairs
    strong = pairs[pairs["match_probability"] >= result.options.threshold]
    if strong.empty:
        return 0
    person = dict(zip(result.records["key"], result.records["person_id"], strict=True))
    left = strong["key_l"].map(person)
    right = strong["key_r"].map(person)
    return int((left != right).sum())


def run_summary(
    result: LinkResult,
    reports: pd.DataFrame | None = None,
    *,
    review_pairs: int | None = None,
) -> dict[str, Any]:
    """The run's counts, histogram, review load and constraint violations.

    Args:
        result: the linkage result.
        reports: the linked reports (canonical import columns, one row per
            row of ``result.records``, same order), for the constraint check
            when ``result.fields`` is None; without either no violations are
            reported (``violations`` is None).
        review_pairs: the number of pairs left for review, if the caller
            knows better than the band of ``result`` (decided pairs removed).
    """
    records = result.records
    per_list = records.groupby("list")["person_id"].agg(["size", "nunique"])
    lists = {
        str(name): {
            "records": int(row["size"]),
            "persons": int(row["nunique"]),
            "duplicates": int(row["size"] - row["nunique"]),
        }
        for name, row in per_list.iterrows()
    }
    out: dict[str, Any] = {
        "records": len(records),
        "persons": result.n_persons,
        "lists": lists,
        "within_list_duplicates": sum(v["duplicates"] for v in lists.values()),
        "overlap": overlap(result),
        "probability_histogram": probability_histogram(result),
        "links_not_followed": links_not_followed(result),
        "review_pairs": (
            len(result.review_pairs()) if review_pairs is None else review_pairs
        ),
        "learned_from_decisions": (
            0 if result.learned is None else result.learned.n_labels
        ),
        "threshold": result.options.threshold,
        "review_band": [result.options.review_low, result.options.review_high],
        "violations": None,
    }
    if result.fields is not None:
        out["violations"] = _violations(result, result.fields)
    elif reports is not None:
        out["violations"] = _violations(result, reports)
    return out


def _violations(result: LinkResult, reports: pd.DataFrame) -> dict[str, Any]:
    frame = reports.reset_index(drop=True)
    records = result.records.reset_index(drop=True)
    found = constraint_violations(frame, records["person_id"].tolist())
    # Impossible persons first; two records of one list may be a list's own
    # duplicate (many lists hold some), so it comes last.
    found.sort(key=lambda v: (KINDS.index(v.kind), v.cluster))
    labels = (records["list"] + "/" + records["record_id"]).tolist()
    counts = Counter(v.kind for v in found)
    return {
        "clusters": len({v.cluster for v in found}),
        "counts": {k: int(counts.get(k, 0)) for k in KINDS},
        "list": [
            {
                "person_id": v.cluster,
                "kind": v.kind,
                "reason": v.reason,
                "records": [labels[int(i)] for i in v.members],
            }
            for v in found
        ],
    }


def summary_json(info: dict[str, Any]) -> str:
    """A summary as JSON text."""
    return json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False)


def text_histogram(histogram: dict[str, Any], width: int = 40) -> list[str]:
    """The histogram as lines of text bars: ``0.30-0.40  ####   123``."""
    counts: list[int] = histogram["counts"]
    edges: list[float] = histogram["edges"]
    top = max(counts) if counts else 0
    lines = []
    for k, count in enumerate(counts):
        bar = "#" * (math.ceil(width * count / top) if top and count else 0)
        lines.append(f"{edges[k]:.2f}-{edges[k + 1]:.2f}  {bar:<{width}} {count:>7,}")
    return lines
