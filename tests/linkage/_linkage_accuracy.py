"""Pairwise precision, recall and F1 of a clustering against the truth."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


def pairs_of(frame: pd.DataFrame, key: str, group: str) -> set[tuple[str, str]]:
    """Every pair of keys sharing a group value, smaller key first."""
    out: set[tuple[str, str]] = set()
    for _, members in frame.groupby(group)[key]:
        ms = sorted(members)
        out.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1 :])
    return out


def score(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> Scores:
    """Pairwise scores; a clustering with no pairs has precision 1 by convention."""
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return Scores(p, r, 2 * p * r / (p + r) if p + r else 0.0)
