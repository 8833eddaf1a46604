"""Two-list estimation: Chapman's bias-corrected Lincoln-Petersen estimator.

With two lists of sizes n1 and n2 and m people on both, and if being on one
list says nothing about being on the other (independence, which two lists
cannot test), ``N = (n1 + 1)(n2 + 1) / (m + 1) - 1`` (Chapman 1951) with
variance ``(n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)^2 (m + 2))``
(Seber 1970). The interval is log-normal on the unseen count (Chao 1987) so
it never goes below the number observed.

Exactly two lists are required (a :class:`gawah.errors.UserInputError`
otherwise: use ``CaptureHistories.drop_list``). Refusal: nobody on both lists.
"""

from __future__ import annotations

import math

from gawah.errors import UserInputError
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.chao import lognormal_interval
from gawah.estimate.result import MSEResult, check_level

__all__ = ["PetersenMSE"]

METHOD = "petersen"


class PetersenMSE:
    """Chapman's two-list estimator with a log-normal interval.

    Args:
        level: interval level.
        seed: recorded only; the method is deterministic.
    """

    def __init__(self, level: float = 0.95, seed: int | None = None) -> None:
        self.level = level
        self.seed = seed

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Estimate from two lists; refuses when they share nobody."""
        check_level(self.level)
        if captures.n_lists != 2:
            raise UserInputError(
                f"petersen needs exactly 2 lists, got {captures.n_lists}; choose two "
                "lists or use another method"
            )
        totals = captures.list_totals()
        n1, n2 = (totals[name] for name in captures.lists)
        m = int(captures.counts[captures.patterns.sum(axis=1) == 2].sum())
        n = captures.n_observed
        diag = {"n1": n1, "n2": n2, "m": m}
        if m == 0:
            return MSEResult.refusal(
                captures,
                method=METHOD,
                reason="nobody is on both lists, so two lists cannot say how many "
                "both missed",
                model="Chapman",
                level=self.level,
                seed=self.seed,
                diagnostics=diag,
            )
        estimate = (n1 + 1) * (n2 + 1) / (m + 1) - 1
        variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
        lower, upper = lognormal_interval(n, estimate, variance, self.level)
        return MSEResult.fitted(
            captures,
            estimate=estimate,
            lower=lower,
            upper=upper,
            level=self.level,
            method=METHOD,
            model="Chapman",
            seed=self.seed,
            diagnostics={**diag, "stderr": math.sqrt(variance)},
        )
