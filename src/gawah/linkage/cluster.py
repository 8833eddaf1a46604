"""Cluster: turn scored pairs into persons.

Best-first linkage with constraints. Candidate edges are taken from the most
to the least probable above the threshold; two groups are joined unless

* a reviewed "not the same person" decision separates a member of each,
* the model scored a member of each as clearly different people (a
  *conflict*: a chain must not join what a direct comparison splits), or
* the joined group would be larger than ``max_size`` (an implausible person:
  usually a chain of common names, "Muhammad Ali" to "Muhammad Ali Khan" to
  "Ali Khan", each step plausible, the whole not).

Reviewed "same person" decisions are applied first, whatever the model says.
Without constraints this is connected components (single linkage), the
usual Splink clustering.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd


class _Groups:
    """Union-find with member sets and cannot-link sets per root."""

    def __init__(self, n: int, cannot: Iterable[tuple[int, int]]) -> None:
        self.parent = np.arange(n)
        self.members: dict[int, set[int]] = {}
        self.forbidden: dict[int, set[int]] = {}
        for a, b in cannot:
            self.forbidden.setdefault(a, set()).add(b)
            self.forbidden.setdefault(b, set()).add(a)

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[x] != root:
            self.parent[x], x = root, int(self.parent[x])
        return root

    def size(self, root: int) -> int:
        return len(self.members.get(root, ())) or 1

    def union(self, a: int, b: int, max_size: int | None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if max_size is not None and self.size(ra) + self.size(rb) > max_size:
            return False
        ma = self.members.get(ra, {ra})
        mb = self.members.get(rb, {rb})
        fa = self.forbidden.get(ra, set())
        fb = self.forbidden.get(rb, set())
        if fa & mb or fb & ma:
            return False
        if len(ma) < len(mb):
            ra, rb, ma, mb, fa, fb = rb, ra, mb, ma, fb, fa
        self.parent[rb] = ra
        self.members[ra] = ma | mb
        self.members.pop(rb, None)
        if fa or fb:
            self.forbidden[ra] = fa | fb
        self.forbidden.pop(rb, None)
        return True


def cluster_pairs(
    n_records: int,
    pairs: pd.DataFrame,
    *,
    threshold: float,
    decisions: Mapping[tuple[int, int], bool] | None = None,
    max_size: int | None = None,
    conflicts: Iterable[tuple[int, int]] = (),
) -> np.ndarray:
    """Assign a cluster label (the smallest member's index) to each of ``n_records``.

    Args:
        n_records: records are the integers ``0 .. n_records - 1``.
        pairs: ``unique_id_l``, ``unique_id_r``, ``match_probability``.
        threshold: edges below this probability are ignored.
        decisions: reviewed pairs, ``True`` same person, ``False`` different.
        max_size: largest plausible cluster; ``None`` for no limit.
        conflicts: pairs the model scored as clearly different people: no
            chain of other links may join them.

    Returns:
        An integer array: records with equal labels are one person.
    """
    decisions = decisions or {}
    cannot = [p for p, same in decisions.items() if not same]
    cannot += [p for p in conflicts if p not in decisions]
    groups = _Groups(n_records, cannot)
    for (a, b), same in sorted(decisions.items()):
        if same:
            groups.union(a, b, None)
    strong = pairs[pairs["match_probability"] >= threshold]
    left = strong["unique_id_l"].to_numpy()
    right = strong["unique_id_r"].to_numpy()
    # Most probable first; equal probabilities (common: same names, same
    # fields) by id, so that the result does not depend on the order in
    # which the database returned the pairs.
    order = np.lexsort((right, left, -strong["match_probability"].to_numpy()))
    left, right = left[order], right[order]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if (min(a, b), max(a, b)) in decisions:
            continue  # a reviewed pair: the decision already stands
        groups.union(a, b, max_size)
    roots = np.array([groups.find(i) for i in range(n_records)], dtype=np.int64)
    smallest = pd.Series(np.arange(n_records)).groupby(roots).transform("min")
    return smallest.to_numpy()


def person_id(member_keys: Iterable[str]) -> str:
    """A stable person id: the hash of the smallest member's ``list/record_id`` key.

    A cluster keeps its id across relinks as long as its smallest member does.
    """
    smallest = min(member_keys)
    return "p-" + hashlib.sha256(smallest.encode("utf-8")).hexdigest()[:16]


def carry_over(
    clusters: Mapping[str, list[str]], previous: Mapping[str, str]
) -> dict[str, str]:
    """Give new clusters the ids of the previous run where they overlap most.

    Args:
        clusters: new cluster label -> member keys.
        previous: member key -> person id of the previous run.

    Returns:
        New cluster label -> person id. Each previous id goes to at most one
        new cluster (the one sharing most members with it, ties to the larger
        share); clusters with no previous member get :func:`person_id`.
    """
    candidates: list[tuple[int, float, str, str]] = []
    for label, members in clusters.items():
        counts: dict[str, int] = {}
        for key in members:
            if key in previous:
                counts[previous[key]] = counts.get(previous[key], 0) + 1
        for old, count in counts.items():
            candidates.append((count, count / len(members), label, old))
    out: dict[str, str] = {}
    used: set[str] = set()
    for _, _, label, old in sorted(
        candidates, key=lambda c: (-c[0], -c[1], c[2], c[3])
    ):
        if label in out or old in used:
            continue
        out[label] = old
        used.add(old)
    for label, members in clusters.items():
        if label not in out:
            pid = person_id(members)
            while pid in used:
                pid = person_id([pid])
            out[label] = pid
            used.add(pid)
    return out
