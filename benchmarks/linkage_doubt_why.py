"""Why the interval with linkage doubt misses on the demo scenarios (FICTIONAL).

Usage: ``uv run python benchmarks/linkage_doubt_why.py [--seeds 20310314,1,2,3,4,5]``

For each scenario seed: builds and links the demo workspace, then uses the
scenario's ground truth (which report belongs to which fictional person) to
split the error of the "killed" count into its parts. Prints per seed:

* ``true killed``: victims the scenario killed;
* ``true clustering``: persons counted killed (gravest status of their
  reports) when the reports are grouped by their true person, and the default
  estimate on that table: what a perfect linkage would give. The gap between
  it and the truth is the reports' status (a report calling a wounded person
  killed) and the estimator, not the linkage;
* ``linked``: persons counted killed as linked, and the excess over the true
  clustering;
* ``split`` / ``merged``: true persons spread over several linked persons,
  and linked persons holding reports of several true persons;
* ``joins in band`` / ``below``: of the report pairs that would repair the
  splits (same true person, different linked persons), how many the review
  band holds, and how many more the pairs kept below it (down to
  ``LinkOptions.doubt_low``): the joins a clustering draw can make at all;
* ``band calibration``: over the review pairs, the mean match probability the
  model gave and the share that truly are one person; ``below``: the same
  over the pairs kept below the band.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

from gawah.demo import build_demo_workspace
from gawah.estimate import build_estimator
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.people import documented, table_of
from gawah.linkage import doubt_graph, link_workspace, review_queue
from gawah.registry import iter_reports, list_sources, person_of_report
from gawah.testing.scenario import generate
from gawah.workspace import Workspace


def _fmt(est: float | None, lo: float | None, hi: float | None) -> str:
    if est is None or lo is None or hi is None:
        return "refused"
    return f"{est:,.0f} [{lo:,.0f}, {hi:,.0f}]"


def main() -> None:
    """Run every seed and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="20310314,1,2,3,4,5")
    args = parser.parse_args()
    print(
        "| scenario seed | true killed | true clustering: killed, estimate | "
        "linked: killed (excess) | split / merged persons | joins in band / below | "
        "band calibration (mean p / share true) | below |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for seed in (int(s) for s in args.seeds.split(",")):
        scenario = generate(seed=seed)
        truth_killed = sum(1 for v in scenario.victims if v.status == "killed")
        true_person = {
            (source.name, row["record_id"]): pid
            for source in scenario.lists
            for row, pid in zip(source.rows, source.person_ids, strict=True)
        }
        with tempfile.TemporaryDirectory(prefix="gawah-why-") as tmp:
            home = Path(tmp) / "ws"
            summary = build_demo_workspace(home, seed=seed)
            with Workspace.open(home) as ws:
                link_workspace(ws)
                names = {s.source_id: s.name for s in list_sources(ws.conn)}
                truth = {
                    r.report_id: true_person[(names[r.source_id], r.record_id)]
                    for r in iter_reports(ws.conn, incident=summary.incident_id)
                }
                linked = {
                    k: v for k, v in person_of_report(ws.conn).items() if k in truth
                }
                pairs = [
                    (p.report_l, p.report_r, p.match_probability)
                    for p in review_queue(ws)
                ]
                graph = doubt_graph(ws)
                low_pairs = list(graph.pairs) if graph is not None else []
                estimator = build_estimator()
                on_truth = table_of(
                    documented(ws, summary.incident_id, assignment=truth),
                    "killed",
                    incident=summary.incident_id,
                )
                as_linked = table_of(
                    documented(ws, summary.incident_id),
                    "killed",
                    incident=summary.incident_id,
                )
        caps_truth = CaptureHistories.from_frame(on_truth)
        fit = estimator.fit(caps_truth)
        killed_linked = CaptureHistories.from_frame(as_linked).n_observed
        by_true: dict[str, set[str]] = defaultdict(set)
        by_linked: dict[str, set[str]] = defaultdict(set)
        for report, person in linked.items():
            by_true[truth[report]].add(person)
            by_linked[person].add(truth[report])
        split = sum(1 for ps in by_true.values() if len(ps) > 1)
        merged = sum(1 for ts in by_linked.values() if len(ts) > 1)
        needed = set()
        for report_a, person_a in linked.items():
            for report_b, person_b in linked.items():
                if (
                    report_a < report_b
                    and truth[report_a] == truth[report_b]
                    and person_a != person_b
                ):
                    needed.add((truth[report_a], frozenset((person_a, person_b))))
        band = {
            frozenset((linked.get(a), linked.get(b)))
            for a, b, _ in pairs
            if a in linked and b in linked
        }
        joinable = sum(1 for _, key in needed if key in band)
        below = {
            frozenset((linked.get(a), linked.get(b)))
            for a, b, _ in low_pairs
            if a in linked and b in linked
        }
        reach = sum(1 for _, key in needed if key not in band and key in below)
        in_pairs = [(a, b, p) for a, b, p in pairs if a in truth and b in truth]
        mean_p = sum(p for _, _, p in in_pairs) / max(len(in_pairs), 1)
        share = sum(truth[a] == truth[b] for a, b, _ in in_pairs) / max(
            len(in_pairs), 1
        )
        in_low = [(a, b, p) for a, b, p in low_pairs if a in truth and b in truth]
        low_p = sum(p for _, _, p in in_low) / max(len(in_low), 1)
        low_share = sum(truth[a] == truth[b] for a, b, _ in in_low) / max(
            len(in_low), 1
        )
        print(
            f"| {seed} | {truth_killed} | {caps_truth.n_observed}, "
            f"{_fmt(fit.estimate, fit.lower, fit.upper)} | {killed_linked} "
            f"({killed_linked - caps_truth.n_observed:+d}) | {split} / {merged} | "
            f"{joinable} / {reach} of {len(needed)} | {mean_p:.2f} / {share:.2f} "
            f"({len(in_pairs)} pairs) | {low_p:.2f} / {low_share:.2f} "
            f"({len(in_low)} pairs) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
