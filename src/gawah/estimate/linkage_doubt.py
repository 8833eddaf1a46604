"""An interval that carries linkage doubt as well as sampling doubt.

Linkage decides who is one person; the estimate then treats those persons as
certain. But a pair of reports in the review band (say "Muhammad Akram, 34"
and "M. Akram, 35" with match probability 0.7) might be one person or two, and
each wrong call moves the count: a missed link adds a person seen on one list
(the estimate goes up), a false link removes one and adds an overlap (it goes
down). None of the R packages carries this doubt.

What we do (multiple imputation of the linkage, in the spirit of Sadinle's
2017 Bayesian record linkage and Rubin's multiple imputation):

1. Take the recorded persons, and within each its *cores*: the groups of its
   reports held together by certain links (above the review band, or a
   reviewer's "same person"; :func:`gawah.linkage.doubt_graph`).
2. Every undecided pair of the review band, and every pair the linkage kept
   below it (down to ``LinkOptions.doubt_low``, 0.05), links its two nodes
   (cores, or whole persons) with its match probability, drawn afresh in
   each clustering; the persons of a clustering are its connected groups.
   A split thus moves a whole core, a join joins two whole persons. (On
   the demo's scenarios, almost no pair below 0.05 is truly one person.)
3. Estimate on each clustering with the same estimator and selection.
4. Combine as a mixture: each draw's answer is turned into draws of N
   (posterior draws as they are; a frequentist interval as a two-piece
   log-normal on the unseen count ``N - n`` through the estimate and each
   interval end, as Chao's interval is built), pooled with equal weight per
   clustering. The combined interval is the central quantiles of the pool,
   the estimate its median.
5. A clustering whose estimator refuses is one under which the data do not
   bound the total: it counts beyond any upper end (and at its own count of
   persons seen at the lower end). When any refuses, more clusterings are
   drawn (up to four times as many) to measure their share; the upper end is
   bounded while that share stays within the upper tail (2.5 % for a 95 %
   interval), and the share is a warning. Beyond it, the result refuses.

Pairs never compared (blocking) or scored below ``doubt_low`` are taken as
certain non-matches: no draw can join them. Constraints (two records of one
distinct list, say) are not re-checked in a draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gawah.estimate.captures import CaptureHistories
from gawah.estimate.people import documented, documented_each, table_of
from gawah.estimate.result import Estimator, MSEResult
from gawah.linkage import join_keys, key_root

__all__ = ["LinkageDoubt", "clustering_draws", "combine", "with_linkage_doubt"]

_PER_DRAW = 400


@dataclass(frozen=True)
class LinkageDoubt:
    """The plain result, the result with linkage doubt, and what went into it."""

    plain: MSEResult
    combined: MSEResult
    draws: int
    pairs: int


def clustering_draws(
    persons: Mapping[str, str],
    pairs: Sequence[tuple[str, str, float]],
    n_draws: int,
    seed: int,
    cores: Sequence[Sequence[str]] | None = None,
) -> list[dict[str, str]]:
    """Plausible clusterings: report id -> person key, one dict per draw.

    The nodes are certain groups of reports: a person's ``cores`` when it has
    several, else the whole person. Each undecided pair links its two nodes
    with its match probability (the most probable pair when several join
    the same two nodes: they are not independent evidence), drawn afresh in
    every clustering; the persons of a draw are the connected groups. So a
    split moves a whole core, and a join joins two whole persons. Nodes of
    one recorded person that no pair connects stay together (the linkage
    joined them on grounds not in ``pairs``).

    Args:
        persons: the recorded clustering (report id -> person id).
        pairs: undecided pairs ``(report, report, match probability)``: the
            review band and the pairs kept below it.
        n_draws: how many clusterings to draw.
        seed: seeds the draws.
        cores: reports held together by certain links, for the persons that
            are not wholly so (:func:`gawah.linkage.doubt_graph`). None (a
            run that did not record them): each report of a pair inside a
            person is a node of its own, the rest of the person one node.
    """
    node = _nodes(persons, pairs, cores)
    edges: dict[tuple[str, str], float] = {}
    for a, b, p in pairs:
        if a not in node or b not in node or node[a] == node[b]:
            continue
        key = (min(node[a], node[b]), max(node[a], node[b]))
        edges[key] = max(edges.get(key, 0.0), p)
    # Nodes of one person with no pair between them: tied for certain.
    ties: list[tuple[str, str]] = []
    members: dict[str, set[str]] = {}
    for report, person in persons.items():
        members.setdefault(person, set()).add(node[report])
    owner = {n: persons[r] for r, n in node.items()}  # a node is one person's
    within: dict[str, str] = {}
    for u, v in edges:
        if owner[u] == owner[v]:
            join_keys(within, u, v)
    for nodes in members.values():
        roots = sorted({key_root(within, n) for n in nodes})
        ties.extend((roots[0], r) for r in roots[1:])
    keys = sorted(edges)
    probs = np.array([edges[k] for k in keys], dtype=float)
    rng = np.random.default_rng(seed)
    out: list[dict[str, str]] = []
    for _ in range(n_draws):
        parent: dict[str, str] = {}
        for u, v in ties:
            join_keys(parent, u, v)
        for i in np.flatnonzero(rng.random(len(keys)) < probs).tolist():
            join_keys(parent, *keys[i])
        out.append({r: key_root(parent, n) for r, n in node.items()})
    return out


def _nodes(
    persons: Mapping[str, str],
    pairs: Sequence[tuple[str, str, float]],
    cores: Sequence[Sequence[str]] | None,
) -> dict[str, str]:
    """Report -> its node: a core of its person, or the person."""
    node = {r: f"person:{p}" for r, p in persons.items()}
    if cores is None:
        cores = [
            [r]
            for a, b, _ in pairs
            if a in persons and b in persons and persons[a] == persons[b]
            for r in (a, b)
        ]
    for i, core in enumerate(cores):
        for r in core:
            if r in node:
                node[r] = f"core:{i}"
    return node


def _as_draws(result: MSEResult, rng: np.random.Generator) -> np.ndarray:
    """Draws of N standing for one clustering's answer.

    A frequentist answer becomes a two-piece log-normal on the unseen count:
    below the estimate its spread is set by the lower end, above it by the
    upper end, so each draw's own interval ends are its quantiles. (One spread
    averaged over both sides, as before, gave a lopsided interval such as
    ``95 [92, 189]`` a far heavier upper tail than its own: the pooled upper
    end then ran to thousands.)
    """
    if result.draws is not None and result.draws.size:
        pick = rng.choice(result.draws, size=_PER_DRAW, replace=True)
        return np.asarray(pick, dtype=float)
    assert result.estimate is not None
    n = float(result.n_observed)
    unseen = max(result.estimate - n, 0.5)
    z = 1.959963984540054 if result.level == 0.95 else _z(result.level)
    lo = (result.lower if result.lower is not None else result.estimate) - n
    hi = (result.upper if result.upper is not None else result.estimate) - n
    above = (np.log(hi) - np.log(unseen)) / z if hi > unseen else 0.0
    # A lower end at the observed count (nobody unseen) is "down to half a
    # person": the log scale cannot reach zero.
    below = (np.log(unseen) - np.log(min(max(lo, 0.5), unseen))) / z
    normal = rng.standard_normal(_PER_DRAW)
    spread = np.where(normal < 0.0, below, above)
    return n + unseen * np.exp(spread * normal)


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2.0)


def combine(results: Sequence[MSEResult], plain: MSEResult, seed: int) -> MSEResult:
    """Pool each clustering's answer into one mixture; see the module text.

    A clustering whose estimator refused is one under which the data do not
    bound the total: its share of the mixture lies beyond any upper end, and
    at its own count of persons seen at the lower end (nobody unseen). The
    upper end is bounded only while that share stays within the upper tail
    (2.5 % for a 95 % interval); the share is said in a warning.
    """
    rng = np.random.default_rng(seed)
    tail = (1.0 - plain.level) / 2.0
    refused = [r for r in results if r.refused]
    pools = [_as_draws(r, rng) for r in results if not r.refused]
    share = len(refused) / len(results) if results else 1.0
    seen = [r.n_observed for r in results]
    diagnostics: dict[str, Any] = {
        "linkage_draws": len(results),
        "linkage_refusals": len(refused),
        "n_observed_range": [min(seen), max(seen)] if seen else None,
        "draw_estimates": [r.estimate for r in results],
        "combination": "mixture over plausible clusterings "
        f"({_PER_DRAW} draws of N each)",
        "warnings": [],
    }
    if refused:
        diagnostics["warnings"].append(
            f"the estimator refused on {len(refused)} of {len(results)} plausible "
            f"clusterings ({share:.1%}): under them the data do not bound the "
            "total; they count as beyond the upper end"
        )
    if not pools:
        return _refusal(
            plain,
            "the estimator refused on every plausible clustering",
            diagnostics,
            seed,
        )
    if share > tail:
        reason = (
            f"the estimator refused on {len(refused)} of {len(results)} "
            f"plausible clusterings ({share:.1%}, more than the {tail:.1%} the "
            "upper end may leave out): with the linkage doubt, the upper end "
            "is not bounded"
        )
        return _refusal(plain, reason, diagnostics, seed)
    finite = np.concatenate(pools)
    low_side = np.concatenate(
        [finite, *(np.full(_PER_DRAW, float(r.n_observed)) for r in refused)]
    )
    lower = float(np.quantile(low_side, tail))
    # P(N > upper) = tail over the whole mixture, the refused share counted
    # above it: the finite part leaves out (tail - share) / (1 - share).
    upper = float(np.quantile(finite, 1.0 - (tail - share) / (1.0 - share)))
    # The median of the whole mixture, the refused share at the top.
    middle = 0.5 / (1.0 - share)
    estimate = float(np.quantile(finite, min(middle, 1.0)))
    return MSEResult(
        estimate=estimate,
        lower=min(lower, estimate),
        upper=max(upper, estimate),
        level=plain.level,
        method=plain.method,
        model=plain.model,
        n_observed=plain.n_observed,
        lists=plain.lists,
        seed=seed,
        input_digest=plain.input_digest,
        diagnostics=diagnostics,
    )


def _refusal(
    plain: MSEResult, reason: str, diagnostics: dict[str, Any], seed: int
) -> MSEResult:
    return MSEResult(
        estimate=None,
        lower=None,
        upper=None,
        level=plain.level,
        method=plain.method,
        model=plain.model,
        n_observed=plain.n_observed,
        lists=plain.lists,
        seed=seed,
        input_digest=plain.input_digest,
        diagnostics={**diagnostics, "reason": reason},
    )


def with_linkage_doubt(
    ws: Any,
    estimator: Estimator,
    *,
    incident: str | None = None,
    status: str | None = None,
    n_draws: int = 30,
    seed: int = 12345,
    max_draws: int | None = None,
) -> LinkageDoubt:
    """The estimate on the recorded persons and on plausible clusterings.

    ``n_draws`` clusterings are estimated; when any of them refuses, more
    are drawn, ``n_draws`` at a time up to ``max_draws`` (default four times
    ``n_draws``), so that whether refusing clusterings exceed the upper tail
    is decided on their measured share rather than on one draw in thirty.

    Args:
        ws: an open workspace after ``gawah link``.
        estimator: any estimator (build it with ``build_estimator``).
        incident: only this incident's reports.
        status: only persons of this category.
        n_draws: plausible clusterings to draw (at least).
        seed: seeds the clusterings and the mixture.
        max_draws: at most this many clusterings when some refuse.
    """
    from gawah.linkage import doubt_graph, review_queue
    from gawah.registry import person_of_report

    plain_caps = CaptureHistories.from_frame(
        table_of(documented(ws, incident), status, incident=incident)
    )
    plain = estimator.fit(plain_caps)
    band = [(r.report_l, r.report_r, r.match_probability) for r in review_queue(ws)]
    below = doubt_graph(ws)
    pairs = band + list(below.pairs if below is not None else ())
    cores = list(below.cores) if below is not None else None
    persons = person_of_report(getattr(ws, "conn", ws))
    cap = max(n_draws, max_draws if max_draws is not None else 4 * n_draws)
    assignments = clustering_draws(persons, pairs, cap, seed, cores)
    tail = (1.0 - plain.level) / 2.0
    results: list[MSEResult] = []
    while len(results) < cap:
        batch = assignments[len(results) : len(results) + max(n_draws, 1)]
        for doc in documented_each(ws, incident, batch):
            caps = CaptureHistories.from_frame(table_of(doc, status, incident=incident))
            results.append(estimator.fit(caps))
        refused = sum(r.refused for r in results)
        if refused == 0 or refused / cap > tail:
            break  # nothing to measure, or unbounded whatever the rest say
    combined = combine(results, plain, seed)
    return LinkageDoubt(plain, combined, len(results), len(pairs))
