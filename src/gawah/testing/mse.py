"""Simulated multi-list capture data with a known total (all FICTIONAL).

Estimators are only trustworthy if they find a number we already know. This
generator builds a population of ``n_total`` people, gives each a latent class
(capture heterogeneity: some people are far likelier to be documented than
others), records each on each list independently given the class, and can add
direct list dependence (list B is likelier to record someone list A recorded,
as when one NGO copies another). The people never seen are counted, not shown:
the capture table holds only the seen, exactly as real data do.

Usage::

    from gawah.testing.mse import simulate_captures
    sim = simulate_captures(2000, class_weights=[0.7, 0.3],
                            capture_probs=[[0.1, 0.15, 0.2, 0.1],
                                           [0.5, 0.6, 0.4, 0.5]], seed=1)
    sim.captures  # CaptureHistories; sim.n_total == 2000
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gawah.estimate import CaptureHistories

__all__ = ["ListDependence", "SimulatedCaptures", "simulate_captures"]


@dataclass(frozen=True)
class ListDependence:
    """List ``target`` records people already on list ``source`` with ``odds_ratio``.

    An odds ratio above 1 is positive dependence (referrals, copying), which
    makes overlaps look large and two-list estimates too small; below 1 is
    negative dependence (lists that cover different groups).
    """

    source: int
    target: int
    odds_ratio: float


@dataclass(frozen=True)
class SimulatedCaptures:
    """A simulated capture table and the truth behind it."""

    captures: CaptureHistories
    n_total: int
    n_unseen: int
    class_sizes: tuple[int, ...]

    def to_frame(self, **constants: str) -> pd.DataFrame:
        """Aggregated ``in_<list>``/``count`` table, plus constant columns (strata)."""
        frame = self.captures.to_frame()
        for name, value in constants.items():
            frame[name] = value
        return frame


def simulate_captures(
    n_total: int,
    *,
    class_weights: Sequence[float],
    capture_probs: Sequence[Sequence[float]],
    dependence: Sequence[ListDependence] = (),
    lists: Sequence[str] | None = None,
    seed: int = 0,
) -> SimulatedCaptures:
    """Simulate who of ``n_total`` people each list records.

    Args:
        n_total: true population size N.
        class_weights: probability of each latent class (normalised here).
        capture_probs: ``K x J`` capture probability of list j for class k.
        dependence: direct list dependences, applied in the order given
            (each ``target`` must come after its ``source`` in list order).
        lists: list names; ``L1..LJ`` by default.
        seed: seeds ``numpy.random.default_rng``.

    Returns:
        The capture table of the people seen at least once, with the truth.
    """
    probs = np.asarray(capture_probs, dtype=float)
    weights = np.asarray(class_weights, dtype=float)
    if probs.ndim != 2 or probs.shape[0] != weights.size:
        raise ValueError("capture_probs must be K x J with K = len(class_weights)")
    if np.any((probs < 0) | (probs > 1)) or np.any(weights < 0):
        raise ValueError("probabilities must lie in [0, 1]")
    n_lists = probs.shape[1]
    names = list(lists) if lists is not None else [f"L{j + 1}" for j in range(n_lists)]
    if len(names) != n_lists:
        raise ValueError("one name per list is needed")
    for dep in dependence:
        if not 0 <= dep.source < dep.target < n_lists or dep.odds_ratio <= 0:
            raise ValueError("each dependence needs source < target and odds_ratio > 0")
    rng = np.random.default_rng(seed)
    classes = rng.choice(weights.size, size=n_total, p=weights / weights.sum())
    p_person = probs[classes]  # n_total x J
    seen = np.zeros((n_total, n_lists), dtype=np.uint8)
    for j in range(n_lists):
        p = p_person[:, j].copy()
        for dep in dependence:
            if dep.target == j:
                odds = p / np.maximum(1.0 - p, 1e-12)
                boosted = odds * dep.odds_ratio
                on_source = seen[:, dep.source] == 1
                p[on_source] = boosted[on_source] / (1.0 + boosted[on_source])
        seen[:, j] = rng.random(n_total) < p
    observed = seen.sum(axis=1) > 0
    captures = CaptureHistories(
        tuple(names), seen[observed], np.ones(int(observed.sum()), dtype=np.int64)
    )
    sizes = np.bincount(classes, minlength=weights.size)
    return SimulatedCaptures(
        captures=captures,
        n_total=int(n_total),
        n_unseen=int(n_total - observed.sum()),
        class_sizes=tuple(int(s) for s in sizes),
    )
