"""Review: the pairs the model is unsure about, explained, and the decisions on them.

The queue is the latest run's pairs whose match probability lies between the
review thresholds and that no one has decided, the most informative first
(:func:`gawah.linkage.learn.priority`: the most uncertain, weighted by how many
waiting pairs share its comparison pattern). Each pair carries the
per-comparison match weights that add up to its score, so a reviewer sees
*why* (same father, age ranges overlap, different district ...). A decision
is a ``link.decided`` ledger event; match and non-match decisions bind every
later run, whatever the model says.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import pandas as pd

from gawah.errors import UserInputError
from gawah.linkage.classify import comparison_names, level_weights
from gawah.linkage.projection import DECISIONS, LINK_DECIDED
from gawah.registry import get_report
from gawah.workspace import Workspace


@dataclass(frozen=True, slots=True)
class ComparisonWeight:
    """One line of an explanation: a comparison, the level reached, its weight."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class ReviewPair:
    """Two reports that may be the same person, and why the model is unsure."""

    report_l: str
    report_r: str
    match_probability: float
    match_weight: float
    explanation: tuple[ComparisonWeight, ...]
    skipped: bool = False


def explain(pairs: pd.DataFrame, model: dict[str, Any]) -> list[list[ComparisonWeight]]:
    """Explanations of scored pairs: per comparison, the level reached and its weight.

    The level is the model level whose weight matches the pair's weight for
    that comparison; a frequency adjustment (a common or rare name, district
    or status) is its own line.
    """
    levels = level_weights(model)
    names = comparison_names(list(pairs.columns))
    out: list[list[ComparisonWeight]] = []
    for values in pairs.to_dict("records"):
        lines: list[ComparisonWeight] = []
        for name in names:
            weight = float(values[f"mw_{name}"])
            options = levels.get(name, [])
            label = (
                min(options, key=lambda lv: abs(lv[1] - weight))[0] if options else ""
            )
            lines.append(ComparisonWeight(name, label, round(weight, 3)))
            adj = values.get(f"mw_tf_adj_{name}")
            if adj is not None and adj == adj and abs(float(adj)) > 1e-9:
                lines.append(
                    ComparisonWeight(
                        name, _FREQUENCY.get(name, "frequency"), round(float(adj), 3)
                    )
                )
        learned = values.get("learned_weight")
        if learned is not None and learned == learned and abs(float(learned)) > 1e-9:
            lines.append(
                ComparisonWeight(
                    REVIEW_LINE, "learned from decisions", round(float(learned), 3)
                )
            )
        out.append(lines)
    return out


# The explanation line of the correction learned from reviewed decisions.
REVIEW_LINE = "review"

# The line that explains a comparison's term-frequency adjustment.
_FREQUENCY = {
    "name": "name frequency",
    "place": "district frequency",
    "status": "status frequency",
}
_FREQUENCY_LEVELS = frozenset({*_FREQUENCY.values(), "frequency"})


def decisions(conn: sqlite3.Connection) -> dict[tuple[str, str], bool]:
    """Binding decisions: (report, report) smaller first -> same person?"""
    return {
        (str(a), str(b)): d == "match"
        for a, b, d in conn.execute(
            "SELECT report_l, report_r, decision FROM linkage_decisions "
            "WHERE decision != 'skip'"
        )
    }


def pattern_of(
    explanation: tuple[ComparisonWeight, ...],
) -> tuple[tuple[str, str], ...]:
    """A pair's comparison pattern: the level reached on each comparison.

    Frequency adjustments and the learned correction are left out: they are
    not levels (the same pattern as :func:`gawah.linkage.learn.patterns`).
    """
    return tuple(
        (line.comparison, line.level)
        for line in explanation
        if line.comparison != REVIEW_LINE and line.level not in _FREQUENCY_LEVELS
    )


def review_queue(ws: Workspace) -> list[ReviewPair]:
    """The pairs waiting for review, most informative first, skipped pairs last.

    Informative: :func:`gawah.linkage.learn.priority` (uncertainty weighted by
    how many waiting pairs share the comparison pattern); ties, most probable
    first.
    """
    from gawah.linkage.learn import priority

    decided = {
        (str(a), str(b)): str(d)
        for a, b, d in ws.conn.execute(
            "SELECT report_l, report_r, decision FROM linkage_decisions"
        )
    }
    out: list[ReviewPair] = []
    for a, b, p, w, expl in ws.conn.execute(
        "SELECT report_l, report_r, match_probability, match_weight, explanation "
        "FROM linkage_candidates ORDER BY match_probability DESC, report_l, report_r"
    ):
        state = decided.get((str(a), str(b)))
        if state in ("match", "non_match"):
            continue
        lines = tuple(
            ComparisonWeight(str(c), str(lv), float(wt))
            for c, lv, wt in json.loads(expl)
        )
        out.append(
            ReviewPair(str(a), str(b), float(p), float(w), lines, state == "skip")
        )
    scores = priority(
        [r.match_probability for r in out], [pattern_of(r.explanation) for r in out]
    )
    # The rows came most probable first; a stable sort keeps that for ties.
    order = sorted(range(len(out)), key=lambda i: (out[i].skipped, -scores[i]))
    return [out[i] for i in order]


def decide(
    ws: Workspace,
    pair: ReviewPair | tuple[str, str],
    decision: str,
    author: str,
) -> None:
    """Record a reviewer's decision on a pair as a ``link.decided`` event.

    Args:
        ws: the open workspace.
        pair: the pair (a :class:`ReviewPair` or two report ids).
        decision: ``match``, ``non_match`` or ``skip``.
        author: the reviewer's user name.
    """
    if decision not in DECISIONS:
        raise UserInputError(
            f"decision must be one of {', '.join(DECISIONS)}; got {decision!r}"
        )
    a, b = (pair.report_l, pair.report_r) if isinstance(pair, ReviewPair) else pair
    if a == b:
        raise UserInputError("a report cannot be paired with itself")
    left, right = sorted((str(a), str(b)))
    if get_report(ws.conn, left) is None or get_report(ws.conn, right) is None:
        raise UserInputError("both reports of a decision must exist in the workspace")
    ws.append(
        LINK_DECIDED,
        {"report_l": left, "report_r": right, "decision": decision, "reviewer": author},
    )


@dataclass(frozen=True, slots=True)
class DoubtGraph:
    """What a plausible clustering may change, beyond the review band.

    ``pairs``: undecided pairs below the review band, down to the run's
    ``doubt_low`` (``(report, report, match probability)``). ``cores``: the
    reports of persons not all held together by certain links, grouped by
    those links (see :func:`gawah.linkage.run.doubt_record`).
    """

    pairs: tuple[tuple[str, str, float], ...]
    cores: tuple[tuple[str, ...], ...]


def doubt_graph(ws: Workspace) -> DoubtGraph | None:
    """The latest run's pairs below the review band and persons' certain cores.

    None when the latest run did not record them (a run before they were kept).
    """
    row = ws.conn.execute("SELECT body FROM linkage_doubt").fetchone()
    if row is None:
        return None
    body = json.loads(row[0])
    decided = {
        (str(a), str(b))
        for a, b, d in ws.conn.execute(
            "SELECT report_l, report_r, decision FROM linkage_decisions"
        )
        if d in ("match", "non_match")
    }
    pairs = tuple(
        (str(a), str(b), float(p))
        for a, b, p in body.get("pairs", [])
        if (str(a), str(b)) not in decided
    )
    cores = tuple(tuple(str(r) for r in core) for core in body.get("cores", []))
    return DoubtGraph(pairs, cores)
