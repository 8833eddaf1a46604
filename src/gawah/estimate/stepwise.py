"""Stepwise log-linear MSE for many lists, as SparseMSE's ``estimatepopulation.0``.

Sparse data (many lists, few people, empty overlaps) break an exhaustive
search, so Chan, Silverman and Vincent grow the model one pair of lists at a
time:

1. Start from main effects only (a Poisson GLM over all 2^t - 1 observable
   cells, zero cells included).
2. For every pair not yet in the model, compare the observed overlap n* of
   the two lists with its fitted mean mu: two-sided Poisson p-value
   ``min(P(X <= n*), P(X >= n*))``.
3. Take the smallest p-value (ties: the first pair in (1,2), (1,3)... order),
   provided the enlarged model passes the existence and identifiability check:
   a linear program (Fienberg-Rinaldo) asks whether some strictly positive
   table has the same sufficient statistics as the data (if not, the MLE is
   infinite), and the design must have full rank. Add it if p < ``pthresh``.
4. Stop when no pair qualifies.

A pair whose overlap is empty is fitted as a structural zero (its cells are
removed), as SparseMSE does. The interval is SparseMSE's: log-normal on the
intercept, ``n + exp(qnorm(q, b0, se(b0)))``; the estimate is ``n + exp(b0)``.
Only the argmin of step 3 matters, so candidates are checked in p-value order
and the linear program runs for as few of them as possible.
"""

from __future__ import annotations

import math
from itertools import combinations
from statistics import NormalDist
from typing import Any

import numpy as np

from gawah.errors import UserInputError
from gawah.estimate._glm import fit_poisson, poisson_deviance, single_blas_thread
from gawah.estimate._hierarchical import cell_patterns
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import MSEResult, check_level

__all__ = ["StepwiseMSE", "exists_and_identifiable"]

METHOD = "stepwise"
MAX_LISTS = 15

Pair = tuple[int, int]


def _model_cells(
    patterns: np.ndarray, y: np.ndarray, pairs: list[Pair]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Pair]]:
    """Design, counts and kept rows; empty-overlap pairs become structural zeros."""
    keep = np.ones(patterns.shape[0], dtype=bool)
    effective: list[Pair] = []
    for i, j in pairs:
        both = patterns[:, i] * patterns[:, j]
        if float(np.dot(both, y)) == 0:
            keep &= both == 0
        else:
            effective.append((i, j))
    rows = patterns[keep]
    cols = [np.ones(rows.shape[0]), *rows.T]
    cols.extend(rows[:, i] * rows[:, j] for i, j in effective)
    return np.column_stack(cols), y[keep], keep, effective


def _gamma_regularized(a: float, x: float) -> tuple[float, float]:
    """Regularized incomplete gamma ``(P(a, x), Q(a, x))`` for ``a > 0``.

    Written by hand (series for ``x < a + 1``, Lentz's continued fraction
    otherwise; Press et al., Numerical Recipes, 6.2) because the only library
    that has it here, ``scipy.special``, costs ~0.45 s of CPU to import, half
    of ``gawah estimate FILE --method stepwise``. The smaller of P and Q is
    always the one computed directly, so small tails keep their relative
    precision; ``tests/estimate/test_stepwise.py`` checks both against scipy.
    """
    if x <= 0.0:
        return 0.0, 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        denom = a
        for _ in range(100_000):
            denom += 1.0
            term *= x / denom
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        p = total * math.exp(log_front)
        return p, 1.0 - p
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-17:
            break
    q = h * math.exp(log_front)
    return 1.0 - q, q


def poisson_two_sided(count: float, mean: float) -> float:
    """``min(P(X <= count), P(X >= count))`` for X ~ Poisson(mean), as SparseMSE."""
    # P(X <= k) = Q(k + 1, mean); P(X >= k) = P(k, mean) (and 1 for k < 1).
    lower_tail = _gamma_regularized(count + 1.0, mean)[1]
    upper_tail = 1.0 if count < 1 else _gamma_regularized(float(count), mean)[0]
    return min(lower_tail, upper_tail)


def exists_and_identifiable(
    patterns: np.ndarray, y: np.ndarray, pairs: list[Pair]
) -> int:
    """SparseMSE's ``checkident``: 0 fine, +1 MLE infinite, +2 not identifiable."""
    design, counts, _, _ = _model_cells(patterns, y, pairs)
    nobs, npar = design.shape
    # rank of X equals rank of X'X (P x P, cheap even for 2^15 cells)
    rank_def = npar - int(np.linalg.matrix_rank(design.T @ design, hermitian=True))
    if np.all(counts > 0):
        # The data are such a table themselves (every kept cell positive), so
        # the linear program below would find s >= min(counts) > 0: skip it,
        # and with it the import of scipy.optimize (~0.5 s at start-up).
        return 2 * int(rank_def > 0)
    from scipy import sparse
    from scipy.optimize import linprog

    target = design.T @ counts
    # Fienberg-Rinaldo: is there a table m > 0 with the data's sufficient
    # statistics? Written as m = u + s (u >= 0), maximise s subject to
    # X'(u + s) = X'y; the MLE is finite iff the optimum is positive. This
    # is SparseMSE's linear program with the inequalities substituted away.
    xt = sparse.csr_matrix(design.T)
    a_eq = sparse.hstack([xt, sparse.csr_matrix(design.sum(axis=0).reshape(-1, 1))])
    cost = np.zeros(nobs + 1)
    cost[-1] = -1.0
    res = linprog(
        cost, A_eq=a_eq.tocsr(), b_eq=target, bounds=(0, None), method="highs"
    )
    infinite = (not res.success) or (-float(res.fun) <= 1e-9)
    return int(infinite) + 2 * int(rank_def > 0)


class StepwiseMSE:
    """SparseMSE's stepwise log-linear estimator (up to 15 lists).

    Args:
        pthresh: p-value a pair must beat to enter the model (SparseMSE: 0.02).
        level: interval level (central, log-normal on the intercept).
        seed: recorded only; the method is deterministic.
    """

    def __init__(
        self, pthresh: float = 0.02, level: float = 0.95, seed: int | None = None
    ) -> None:
        self.pthresh = pthresh
        self.level = level
        self.seed = seed

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Grow the model pair by pair and estimate; see the module docstring."""
        with single_blas_thread():
            return self._fit_all(captures)

    def _fit_all(self, captures: CaptureHistories) -> MSEResult:
        check_level(self.level)
        if not 0 <= self.pthresh <= 1:
            raise UserInputError(f"pthresh must be in [0, 1], not {self.pthresh}")
        t = captures.n_lists
        if t > MAX_LISTS:
            return self._refuse(
                captures, f"{t} lists are more than the {MAX_LISTS} this method handles"
            )
        patterns = cell_patterns(t)
        y = captures.cell_counts()[1:].astype(float)
        if not np.any(captures.patterns.sum(axis=1) >= 2):
            return self._refuse(
                captures,
                "no one appears on more than one list, so the lists say nothing about "
                "who was missed",
            )
        if exists_and_identifiable(patterns, y, []) != 0:
            return self._refuse(
                captures,
                "even the independence model has no finite estimate for these lists",
            )
        pairs: list[Pair] = []
        candidates = list(combinations(range(t), 2))
        observed = {
            p: float(np.dot(patterns[:, p[0]] * patterns[:, p[1]], y))
            for p in candidates
        }
        fitted = self._fit(patterns, y, pairs)
        steps: list[dict[str, Any]] = []
        eta_full: np.ndarray | None = None
        while True:
            design, counts, keep, _ = fitted
            start = None if eta_full is None else eta_full[keep]
            eta = fitted_eta(design, counts, start)
            eta_full = np.full(patterns.shape[0], -np.inf)
            eta_full[keep] = eta
            mu = np.exp(eta)
            rows = patterns[keep]
            pvals: list[tuple[float, int, Pair]] = []
            for index, (i, j) in enumerate(candidates):
                if (i, j) in pairs:
                    continue
                lam = float(np.dot(mu, rows[:, i] * rows[:, j]))
                nstar = observed[(i, j)]
                p = poisson_two_sided(nstar, lam)
                pvals.append((p, index, (i, j)))
            pvals.sort()
            chosen: Pair | None = None
            for p, _, pair in pvals:
                if p >= self.pthresh:
                    break
                if exists_and_identifiable(patterns, y, [*pairs, pair]) == 0:
                    chosen = pair
                    steps.append(
                        {"pair": self._pair_label(pair, captures), "p_value": p}
                    )
                    break
            if chosen is None:
                break
            pairs.append(chosen)
            fitted = self._fit(patterns, y, pairs)
        return self._estimate(captures, patterns, y, pairs, steps)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _pair_label(pair: Pair, captures: CaptureHistories) -> str:
        return ":".join(sorted((captures.lists[pair[0]], captures.lists[pair[1]])))

    @staticmethod
    def _fit(
        patterns: np.ndarray, y: np.ndarray, pairs: list[Pair]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Pair]]:
        return _model_cells(patterns, y, pairs)

    def _refuse(self, captures: CaptureHistories, reason: str) -> MSEResult:
        return MSEResult.refusal(
            captures,
            method=METHOD,
            reason=reason,
            level=self.level,
            seed=self.seed,
            diagnostics={"pthresh": self.pthresh},
        )

    def _estimate(
        self,
        captures: CaptureHistories,
        patterns: np.ndarray,
        y: np.ndarray,
        pairs: list[Pair],
        steps: list[dict[str, Any]],
    ) -> MSEResult:
        design, counts, _, effective = _model_cells(patterns, y, pairs)
        fit = fit_poisson(design, counts)
        b0 = float(fit.beta[0, 0])
        se = math.sqrt(float(fit.cov[0, 0, 0]))
        n = captures.n_observed
        alpha = (1 - self.level) / 2
        labels = sorted(self._pair_label(p, captures) for p in pairs)
        model = "main effects" + "".join(f" + {label}" for label in labels)
        diag: dict[str, Any] = {
            "pthresh": self.pthresh,
            "steps": steps,
            "intercept": b0,
            "intercept_se": se,
            "converged": bool(fit.converged[0]),
            "structural_zero_pairs": sorted(
                self._pair_label(p, captures) for p in pairs if p not in effective
            ),
            "interval_method": "log-normal on the intercept (SparseMSE)",
        }
        if not fit.converged[0] or not math.isfinite(b0) or not math.isfinite(se):
            return MSEResult.refusal(
                captures,
                method=METHOD,
                reason="the selected model did not converge",
                model=model,
                level=self.level,
                seed=self.seed,
                diagnostics=diag,
            )
        return MSEResult.fitted(
            captures,
            estimate=n + math.exp(b0),
            lower=n + math.exp(b0 + se * NormalDist().inv_cdf(alpha)),
            upper=n + math.exp(b0 + se * NormalDist().inv_cdf(1 - alpha)),
            level=self.level,
            method=METHOD,
            model=model,
            seed=self.seed,
            diagnostics=diag,
        )


def fitted_eta(
    design: np.ndarray, counts: np.ndarray, eta0: np.ndarray | None = None
) -> np.ndarray:
    """Linear predictor of the Poisson fit (R's ``predict`` on the link scale).

    With ``eta0`` (the previous step's fit on the same rows) IRLS starts there,
    which takes a few iterations instead of R's cold start from ``y + 0.1``;
    the maximum is the same. Only the p-values use this; the reported estimate
    comes from the cold start, as in SparseMSE.
    """
    if eta0 is None:
        fit = fit_poisson(design, counts)
        return np.asarray(design @ fit.beta[0])
    eta = eta0.copy()
    mu = np.exp(eta)
    dev_old = float(poisson_deviance(counts, mu))
    for _ in range(25):
        z = eta + (counts - mu) / mu
        xw = design.T * mu
        beta = np.linalg.solve(xw @ design, xw @ z)
        eta = design @ beta
        mu = np.exp(eta)
        dev = float(poisson_deviance(counts, mu))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
            break
        dev_old = dev
    return np.asarray(eta)
