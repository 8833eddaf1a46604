"""Estimate per stratum (district, sex, age band, period), then add up.

Capture probabilities differ between strata (a district with many NGOs is
better documented than one without), and pooling such strata biases MSE; the
usual remedy is to estimate within strata and sum. The sum needs an honest
interval too:

* Bayesian estimators (LCMCR, DGA) return posterior draws of N; strata are
  independent, so the posterior of the total is the draw-by-draw sum.
* Frequentist estimators have no draws: each stratum's capture table is
  resampled (multinomial on its observed patterns), refitted, and the sums of
  the refitted estimates give a percentile bootstrap interval.

A stratum where fewer than three lists recorded anyone cannot separate list
dependence from the unseen; it is still fitted, with a warning in the
diagnostics, and if its estimator refuses the total is refused as well (a sum
with a missing term is not a total).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from gawah.core import sha256_hex
from gawah.errors import UserInputError
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import Estimator, MSEResult, check_level

__all__ = ["StratifiedMSE", "StratifiedResult"]

_MIN_INFORMATIVE = 3


@dataclass(frozen=True)
class StratifiedResult:
    """The combined total and each stratum's own result (keyed by stratum label)."""

    combined: MSEResult
    strata: Mapping[str, MSEResult]

    def summary(self) -> str:
        """The total, then one line per stratum."""
        lines = [self.combined.summary(), "", "By stratum:"]
        for label, res in self.strata.items():
            if res.refused:
                lines.append(f"  {label}: no estimate ({res.reason})")
            else:
                lines.append(
                    f"  {label}: {res.estimate:,.0f} [{res.lower:,.0f}, "
                    f"{res.upper:,.0f}] from {res.n_observed:,} seen"
                )
        return "\n".join(lines)


class StratifiedMSE:
    """Fit ``estimator`` within each stratum and combine the strata.

    Args:
        estimator: any :class:`~gawah.estimate.Estimator`.
        strata: the column (or columns) that define the strata.
        n_boot: bootstrap replicates for estimators without posterior draws.
        level: probability of the combined interval.
        seed: seeds the bootstrap and the pairing of posterior draws.
    """

    def __init__(
        self,
        estimator: Estimator,
        strata: str | Sequence[str],
        n_boot: int = 200,
        level: float = 0.95,
        seed: int = 12345,
    ) -> None:
        self.estimator = estimator
        self.strata = strata
        self.n_boot = n_boot
        self.level = level
        self.seed = seed

    def fit(self, frame: pd.DataFrame) -> StratifiedResult:
        """Split ``frame`` (``in_<list>`` columns, optional ``count``) by stratum."""
        columns = [self.strata] if isinstance(self.strata, str) else list(self.strata)
        missing = [c for c in columns if c not in frame.columns]
        if not columns or missing:
            raise UserInputError(f"no stratum column(s): {', '.join(missing) or '-'}")
        check_level(self.level)
        started = time.perf_counter()
        captures: dict[str, CaptureHistories] = {}
        warnings: list[str] = []
        for key, part in frame.groupby(columns, sort=True, dropna=False):
            keys = key if isinstance(key, tuple) else (key,)
            label = "/".join(str(k) for k in keys)
            table = CaptureHistories.from_frame(part.drop(columns=columns))
            for name, total in table.list_totals().items():
                if total == 0 and table.n_lists > 2:
                    table = table.drop_list(name)
            if table.n_lists < _MIN_INFORMATIVE:
                warnings.append(
                    f"stratum {label}: only {table.n_lists} lists recorded anyone "
                    f"({', '.join(table.lists)}); fewer than 3 informative lists "
                    "cannot separate list dependence from the unseen"
                )
            captures[label] = table
        if not captures:
            raise UserInputError("the table holds no rows to stratify")
        results = {label: self.estimator.fit(c) for label, c in captures.items()}
        combined = self._combine(captures, results, warnings)
        diag = dict(combined.diagnostics)
        diag["seconds"] = time.perf_counter() - started
        combined = replace(combined, diagnostics=diag)
        return StratifiedResult(combined=combined, strata=results)

    def _combine(
        self,
        captures: Mapping[str, CaptureHistories],
        results: Mapping[str, MSEResult],
        warnings: list[str],
    ) -> MSEResult:
        first = next(iter(results.values()))
        lists = tuple(sorted({n for c in captures.values() for n in c.lists}))
        n_obs = sum(c.n_observed for c in captures.values())
        digest = _digest(captures)
        diag: dict[str, Any] = {
            "strata": list(results),
            "stratum_estimates": {k: r.estimate for k, r in results.items()},
            "warnings": warnings,
        }
        common: dict[str, Any] = {
            "level": self.level,
            "method": f"stratified {first.method}",
            "model": first.model
            if len({r.model for r in results.values()}) == 1
            else "per stratum",
            "n_observed": n_obs,
            "lists": lists,
            "seed": self.seed,
            "input_digest": digest,
        }
        refused = [k for k, r in results.items() if r.refused]
        if refused:
            diag["reason"] = "no estimate in stratum " + "; ".join(
                f"{k} ({results[k].reason})" for k in refused
            )
            return MSEResult(
                estimate=None, lower=None, upper=None, diagnostics=diag, **common
            )
        tail = (1.0 - self.level) / 2.0
        rng = np.random.default_rng(self.seed)
        if all(r.draws is not None for r in results.values()):
            draws = _sum_draws([r.draws for r in results.values()], rng)  # type: ignore[misc]
            diag["combination"] = "sum of posterior draws"
            estimate = float(np.median(draws))
            lower, upper = np.quantile(draws, [tail, 1.0 - tail])
            keep: np.ndarray | None = draws
        else:
            draws = self._bootstrap(captures, rng)
            diag["combination"] = f"percentile bootstrap ({self.n_boot} replicates)"
            refused_boot = int(np.isnan(draws).sum())
            diag["bootstrap_refusals"] = refused_boot
            estimate = float(sum(r.estimate or 0.0 for r in results.values()))
            keep = None
            # A refused replicate is counted against the interval, never dropped:
            # as the least it could be (nobody unseen) for the lower end, and as
            # unbounded for the upper end. Dropping them would narrow the interval.
            low_side = np.where(np.isnan(draws), float(n_obs), draws)
            high_side = np.where(np.isnan(draws), np.inf, draws)
            lower = float(np.quantile(low_side, tail))
            with np.errstate(invalid="ignore"):
                upper = float(np.quantile(high_side, 1.0 - tail))
            if not np.isfinite(upper):
                diag["reason"] = (
                    f"{refused_boot} of {draws.size} bootstrap replicates gave no "
                    f"estimate (about {tail:.1%} or more): the data do not bound the "
                    "upper end of the interval, so no total is given"
                )
                return MSEResult(
                    estimate=None, lower=None, upper=None, diagnostics=diag, **common
                )
            if refused_boot:
                warnings.append(
                    f"{refused_boot} of {draws.size} bootstrap replicates gave no "
                    "estimate; they count against the interval (as nobody unseen "
                    "at the lower end, as unbounded at the upper end), which widens it"
                )
        return MSEResult(
            estimate=estimate,
            lower=float(lower),
            upper=float(upper),
            diagnostics=diag,
            draws=keep,
            **common,
        )

    def _bootstrap(
        self, captures: Mapping[str, CaptureHistories], rng: np.random.Generator
    ) -> np.ndarray:
        totals = np.zeros(int(self.n_boot))
        for b in range(int(self.n_boot)):
            for table in captures.values():
                counts = rng.multinomial(
                    table.n_observed, table.counts / table.counts.sum()
                )
                keep = counts > 0
                resampled = CaptureHistories(
                    table.lists, table.patterns[keep], counts[keep]
                )
                if np.isnan(totals[b]):
                    continue  # keep drawing, so replicate b+1 sees the same stream
                est = self.estimator.fit(resampled).estimate
                totals[b] = np.nan if est is None else totals[b] + est
        return totals


def _sum_draws(draws: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Draw-by-draw sum; strata with more draws are subsampled at random."""
    size = min(d.size for d in draws)
    total = np.zeros(size)
    for d in draws:
        pick = d if d.size == size else rng.choice(d, size=size, replace=False)
        total += rng.permutation(pick)
    return total


def _digest(captures: Mapping[str, CaptureHistories]) -> str:
    text = "|".join(f"{k}:{c.digest()}" for k, c in sorted(captures.items()))
    return sha256_hex(text.encode("utf-8"))
