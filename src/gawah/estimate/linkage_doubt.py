"""An interval that carries linkage doubt as well as sampling doubt.

Linkage decides who is one person; the estimate then treats those persons as
certain. But a pair of reports in the review band (say "Muhammad Akram, 34"
and "M. Akram, 35" with match probability 0.7) might be one person or two, and
each wrong call moves the count: a missed link adds a person seen on one list
(the estimate goes up), a false link removes one and adds an overlap (it goes
down). None of the R packages carries this doubt.

What we do (multiple imputation of the linkage, in the spirit of Sadinle's
2017 Bayesian record linkage and Rubin's multiple imputation):

1. Take the recorded persons as the starting clustering. Pairs a reviewer
   decided stay as decided (they are already binding in the clustering).
2. For each undecided pair in the review band, with match probability ``p``:
   if the two reports are in one person, split the second off on its own
   with probability ``1 - p``; if they are in two persons, join the two with
   probability ``p``. Splits first, then joins. Each such draw is a plausible
   clustering.
3. Estimate on each clustering with the same estimator and selection.
4. Combine as a mixture: each draw's answer is turned into draws of N
   (posterior draws as they are; a frequentist interval as a two-piece
   log-normal on the unseen count ``N - n`` through the estimate and each
   interval end, as Chao's interval is built), pooled with equal weight per clustering. The
   combined interval is the central quantiles of the pool, the estimate its
   median. A clustering whose estimator refuses counts against the interval
   (as nobody unseen at the lower end, unbounded at the upper end); if that
   leaves the upper end unbounded, the combined result refuses.

Pairs below the review band are taken as certain non-matches and pairs above
it as certain matches: the band is where the linkage model itself says it is
unsure. The clustering draws ignore transitivity beyond a pair (a split moves
one report, not a sub-cluster); that is a simplification, said here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gawah.estimate.captures import CaptureHistories
from gawah.estimate.people import documented, documented_each, table_of
from gawah.estimate.result import Estimator, MSEResult

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
) -> list[dict[str, str]]:
    """Plausible clusterings: report id -> person key, one dict per draw.

    Args:
        persons: the recorded clustering (report id -> person id).
        pairs: undecided review pairs ``(report, report, match probability)``.
        n_draws: how many clusterings to draw.
        seed: seeds the draws.
    """
    rng = np.random.default_rng(seed)
    ordered = sorted(pairs)
    out: list[dict[str, str]] = []
    for _ in range(n_draws):
        current = dict(persons)
        flips = rng.random(len(ordered))
        joins: list[tuple[str, str]] = []
        for (a, b, p), u in zip(ordered, flips, strict=True):
            if a not in current or b not in current:
                continue
            if current[a] == current[b]:
                if u >= p:
                    current[b] = f"split:{b}"
            elif u < p:
                joins.append((a, b))
        parent: dict[str, str] = {}  # union-find over person keys
        for a, b in joins:
            ra, rb = _find(parent, current[a]), _find(parent, current[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        out.append({r: _find(parent, p) for r, p in current.items()})
    return out


def _find(parent: dict[str, str], x: str) -> str:
    while parent.get(x, x) != x:
        x = parent[x]
    return x


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
    """Pool each clustering's answer into one mixture; see the module text."""
    rng = np.random.default_rng(seed)
    tail = (1.0 - plain.level) / 2.0
    refused = [r for r in results if r.refused]
    pools = [_as_draws(r, rng) for r in results if not r.refused]
    floor = float(min((r.n_observed for r in results), default=plain.n_observed))
    low_side = np.concatenate([*pools, np.full(_PER_DRAW * len(refused), floor)])
    high_side = np.concatenate([*pools, np.full(_PER_DRAW * len(refused), np.inf)])
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
    if not pools:
        return _refusal(
            plain,
            "the estimator refused on every plausible clustering",
            diagnostics,
            seed,
        )
    lower = float(np.quantile(low_side, tail))
    with np.errstate(invalid="ignore"):
        upper = float(np.quantile(high_side, 1.0 - tail))
    if not np.isfinite(upper):
        reason = (
            f"the estimator refused on {len(refused)} of {len(results)} "
            "plausible clusterings: with the linkage doubt, the upper end "
            "is not bounded"
        )
        return _refusal(plain, reason, diagnostics, seed)
    if refused:
        diagnostics["warnings"].append(
            f"the estimator refused on {len(refused)} of {len(results)} plausible "
            "clusterings; they count against the interval, which widens it"
        )
    estimate = float(np.median(np.concatenate(pools)))
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
) -> LinkageDoubt:
    """The estimate on the recorded persons and on ``n_draws`` plausible clusterings.

    Args:
        ws: an open workspace after ``gawah link``.
        estimator: any estimator (build it with ``build_estimator``).
        incident: only this incident's reports.
        status: only persons of this category.
        n_draws: plausible clusterings to draw.
        seed: seeds the clusterings and the mixture.
    """
    from gawah.linkage import review_queue
    from gawah.registry import person_of_report

    plain_caps = CaptureHistories.from_frame(
        table_of(documented(ws, incident), status, incident=incident)
    )
    plain = estimator.fit(plain_caps)
    pairs = [(r.report_l, r.report_r, r.match_probability) for r in review_queue(ws)]
    persons = person_of_report(getattr(ws, "conn", ws))
    results: list[MSEResult] = []
    assignments = clustering_draws(persons, pairs, n_draws, seed)
    for doc in documented_each(ws, incident, assignments):
        caps = CaptureHistories.from_frame(table_of(doc, status, incident=incident))
        results.append(estimator.fit(caps))
    combined = combine(results, plain, seed)
    return LinkageDoubt(plain, combined, n_draws, len(pairs))
