"""Chao's (1987) lower bound: the floor for the total when capture varies by person.

If people differ in how likely they are to be recorded (heterogeneity), most
estimators overshoot or undershoot in unknown ways, but the number seen on
exactly one list (f1) and on exactly two (f2) still bound the unseen from
below: ``N >= n + f1^2 / (2 f2)`` (Chao 1987, Biometrics 43:783-791). It
needs only sparse data, which makes it a useful floor to quote beside a
model-based estimate. The interval is Chao's log-normal one, built so the
lower end never falls below the number observed:
``n + (N - n) / C`` to ``n + (N - n) C`` with
``C = exp(z sqrt(log(1 + var / (N - n)^2)))`` and
``var = f2 (r^4 / 4 + r^3 + r^2 / 2)``, ``r = f1 / f2``.

Refusal: nobody on exactly two lists (f2 = 0), where the bound is undefined.
"""

from __future__ import annotations

import math
from statistics import NormalDist  # not scipy: 0.4 s of CPU to import

from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import MSEResult, check_level

__all__ = ["ChaoLowerBound", "lognormal_interval"]

METHOD = "chao"


def lognormal_interval(
    n: int, estimate: float, variance: float, level: float
) -> tuple[float, float]:
    """Chao's log-normal interval on the unseen count ``estimate - n``."""
    unseen = estimate - n
    if unseen <= 0 or variance <= 0:
        return float(estimate), float(estimate)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    c = math.exp(z * math.sqrt(math.log(1 + variance / unseen**2)))
    return n + unseen / c, n + unseen * c


class ChaoLowerBound:
    """Chao (1987) lower bound from f1 and f2, with its log-normal interval.

    Args:
        level: interval level.
        seed: recorded only; the method is deterministic.
    """

    def __init__(self, level: float = 0.95, seed: int | None = None) -> None:
        self.level = level
        self.seed = seed

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Compute the bound; refuses when nobody is on exactly two lists."""
        check_level(self.level)
        k = captures.patterns.sum(axis=1)
        f1 = int(captures.counts[k == 1].sum())
        f2 = int(captures.counts[k == 2].sum())
        n = captures.n_observed
        diag = {"f1": f1, "f2": f2, "kind": "lower bound"}
        if f2 == 0:
            return MSEResult.refusal(
                captures,
                method=METHOD,
                reason="nobody is on exactly two lists (f2 = 0), so Chao's bound is "
                "undefined",
                model="Chao (1987) lower bound",
                level=self.level,
                seed=self.seed,
                diagnostics=diag,
            )
        r = f1 / f2
        estimate = n + f1 * f1 / (2 * f2)
        variance = f2 * (r**4 / 4 + r**3 + r**2 / 2)
        lower, upper = lognormal_interval(n, estimate, variance, self.level)
        return MSEResult.fitted(
            captures,
            estimate=estimate,
            lower=lower,
            upper=upper,
            level=self.level,
            method=METHOD,
            model="Chao (1987) lower bound",
            seed=self.seed,
            diagnostics={**diag, "stderr": math.sqrt(variance)},
        )
