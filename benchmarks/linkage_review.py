"""Learning from review: F1 after 0, 100, 300 and 1,000 reviewed pairs. FICTIONAL data only.

    uv run python benchmarks/linkage_review.py                       # report seeds
    uv run python benchmarks/linkage_review.py --generator gawah.testing.real_lists:pakistani_lists
    uv run python benchmarks/linkage_review.py --penalty 1 --strategies informative

A simulated reviewer (the oracle: the generator's truth) answers the review
queue in sessions of ``--batch`` pairs; after each session the lists are
linked again with every decision so far (decisions bind, and with learning on
they re-fit the scores, ``gawah.linkage.learn``). The queue is ordered by one
of three strategies:

* ``probability``: most probable first (gawah's order before learning);
* ``uncertainty``: match probability nearest 0.5 first;
* ``informative``: uncertainty weighted by how many waiting pairs share the
  comparison pattern (``gawah.linkage.learn.priority``, the default order);
* ``change``: the probability that the answer contradicts the current
  clustering (the match probability for two reports in different persons,
  one minus it for two in one person), most likely first;
* ``change-pattern``: that probability in place of the uncertainty in
  ``informative``'s formula.

It prints pairwise F1 after each budget (when the queue runs dry first, the
number of pairs actually reviewed is given in brackets) and the mean over
seeds. ``--generator module:function`` takes any generator called as
``function(n_people, seed=seed)`` that returns ``.lists`` (name -> frame of
canonical columns) and ``.true_pairs()`` (pairs of ``list/record_id`` keys,
smaller first), as ``gawah.testing.linkage_data.generate_linked_lists`` does.

Tuning seeds (penalty, priority formula, the re-fit's threshold): the
Pakistani lists of ``gawah.testing.real_lists`` (``--generator
gawah.testing.real_lists:pakistani_lists``), seeds 1, 2, 3. Held out: its
seeds 4 and 5 (``python -m benchmarks.validate --only linkage-review``), and
the older generator (the default ``--generator``). The learning-off row
("off") is decisions that only bind.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gawah.linkage import LinkOptions, LinkResult, link_records
from gawah.linkage.learn import (
    DEFAULT_PENALTY,
    entropy,
    order_by_priority,
    patterns,
)

Oracle = set[tuple[str, str]]


def _generator(spec: str) -> Callable[..., Any]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "generate_linked_lists")  # type: ignore[no-any-return]


def _reports(data: Any) -> pd.DataFrame:
    reports = pd.concat(
        [f.assign(list=n) for n, f in data.lists.items()], ignore_index=True
    )
    reports["key"] = reports["list"] + "/" + reports["record_id"].astype(str)
    return reports


def f1(result: LinkResult, truth: Oracle) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of the clusters."""
    predicted: set[tuple[str, str]] = set()
    for _, members in result.records.groupby("person_id")["key"]:
        ms = sorted(members)
        predicted.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1 :])
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def queue(
    result: LinkResult, decided: dict[tuple[str, str], bool], strategy: str
) -> pd.DataFrame:
    """The undecided pairs of the review band, in the strategy's order."""
    band = result.review_pairs(frozenset(decided))
    if strategy == "probability":
        return band  # review_pairs: most probable first
    if strategy == "uncertainty":
        return band.assign(
            _h=entropy(band["match_probability"].to_numpy())
        ).sort_values(
            ["_h", "key_l", "key_r"], ascending=[False, True, True], kind="mergesort"
        )
    if strategy in ("change", "change-pattern"):
        return _by_change(result, band, pattern=strategy == "change-pattern")
    return order_by_priority(band)


def _by_change(
    result: LinkResult, band: pd.DataFrame, *, pattern: bool
) -> pd.DataFrame:
    """The band ordered by how likely an answer is to move the clusters."""
    if band.empty:
        return band
    person = dict(zip(result.records["key"], result.records["person_id"], strict=True))
    together = np.array(
        [
            person[a] == person[b]
            for a, b in zip(band["key_l"], band["key_r"], strict=True)
        ]
    )
    p = band["match_probability"].to_numpy()
    score = np.where(together, 1 - p, p)
    if pattern:
        # learn.priority's formula, score for entropy: h * log2(1 + n) / (1 + k)
        frame = pd.DataFrame({"g": patterns(band).to_numpy(), "s": score})
        n = frame["g"].map(frame["g"].value_counts()).to_numpy(dtype=float)
        k = (
            frame.assign(i=np.arange(len(frame)))
            .sort_values(["s", "i"], ascending=[False, True])
            .groupby("g", sort=False)
            .cumcount()
            .sort_index()
            .to_numpy()
        )
        score = score * np.log2(1 + n) / (1 + k)
    return (
        band.assign(_s=score)
        .sort_values(
            ["_s", "match_probability", "key_l", "key_r"],
            ascending=[False, False, True, True],
            kind="mergesort",
        )
        .drop(columns="_s")
    )


def curve(
    reports: pd.DataFrame,
    truth: Oracle,
    *,
    strategy: str,
    learn: bool,
    penalty: float,
    budgets: list[int],
    batch: int,
) -> list[tuple[int, float]]:
    """(pairs reviewed, F1) at each budget."""
    options = LinkOptions(learn=learn, learn_penalty=penalty)
    decided: dict[tuple[str, str], bool] = {}
    result = link_records(reports, options=options)
    out: list[tuple[int, float]] = []
    for budget in budgets:
        while len(decided) < budget:
            todo = queue(result, decided, strategy)
            if todo.empty:
                break
            take = min(batch, budget - len(decided))
            for a, b in zip(todo["key_l"][:take], todo["key_r"][:take], strict=True):
                decided[(a, b)] = (a, b) in truth
            result = link_records(reports, options=options, decisions=decided)
        out.append((len(decided), f1(result, truth)[2]))
    return out


def calibration(result: LinkResult, truth: Oracle) -> list[tuple[str, int, float]]:
    """Per slice of the review band: pairs, and the share that is one person.

    The re-fit's threshold rests on this (``gawah.linkage.learn``, "Where
    the threshold falls").
    """
    pairs = result.pairs
    p = pairs["match_probability"].to_numpy()
    same = np.array(
        [(a, b) in truth for a, b in zip(pairs["key_l"], pairs["key_r"], strict=True)]
    )
    out = []
    for lo, hi in ((0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.95)):
        inside = (p >= lo) & (p < hi)
        share = float(same[inside].mean()) if inside.any() else float("nan")
        out.append((f"{lo}-{hi}", int(inside.sum()), share))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--generator", default="gawah.testing.linkage_data:generate_linked_lists"
    )
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--budgets", type=int, nargs="+", default=[0, 100, 300, 1000])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--penalty", type=float, default=DEFAULT_PENALTY)
    parser.add_argument(
        "--strategies", nargs="+", default=["informative", "uncertainty", "probability"]
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the learning-off row"
    )
    parser.add_argument(
        "--calibration",
        action="store_true",
        help="only print, per slice of the model's review band, the share of true pairs",
    )
    args = parser.parse_args()
    generate = _generator(args.generator)
    if args.calibration:
        print(f"generator {args.generator}, {args.people:,} people, no decisions")
        print("| seed | model probability | pairs | one person |")
        print("|---|---|---|---|")
        for seed in args.seeds:
            data = generate(args.people, seed=seed)
            result = link_records(_reports(data))
            for band, n, share in calibration(result, set(data.true_pairs())):
                print(f"| {seed} | {band} | {n:,} | {share:.3f} |", flush=True)
        return
    runs = [(s, True) for s in args.strategies]
    if not args.no_baseline:
        runs.append((args.strategies[0], False))
    header = " | ".join(f"F1 after {b:,}" for b in args.budgets)
    print(
        f"generator {args.generator}, {args.people:,} people, penalty {args.penalty}, "
        f"sessions of {args.batch} pairs"
    )
    print(f"| seed | records | order | learning | {header} | seconds |")
    print("|" + "---|" * (5 + len(args.budgets)))
    results: dict[tuple[str, bool], list[list[float]]] = {}
    for seed in args.seeds:
        data = generate(args.people, seed=seed)
        reports, truth = _reports(data), set(data.true_pairs())
        for strategy, learn in runs:
            started = time.perf_counter()
            points = curve(
                reports,
                truth,
                strategy=strategy,
                learn=learn,
                penalty=args.penalty,
                budgets=args.budgets,
                batch=args.batch,
            )
            seconds = time.perf_counter() - started
            results.setdefault((strategy, learn), []).append([f for _, f in points])
            cells = " | ".join(
                f"{f:.4f}" + ("" if n == b else f" ({n})")
                for (n, f), b in zip(points, args.budgets, strict=True)
            )
            print(
                f"| {seed} | {len(reports):,} | {strategy} | {'on' if learn else 'off'} "
                f"| {cells} | {seconds:.0f} |",
                flush=True,
            )
    print()
    print(f"mean over seeds {', '.join(map(str, args.seeds))}:")
    print(f"| order | learning | {header} |")
    print("|" + "---|" * (2 + len(args.budgets)))
    for (strategy, learn), rows in results.items():
        means = np.mean(np.array(rows), axis=0)
        print(
            f"| {strategy} | {'on' if learn else 'off'} | "
            + " | ".join(f"{m:.4f}" for m in means)
            + " |"
        )


if __name__ == "__main__":
    main()
