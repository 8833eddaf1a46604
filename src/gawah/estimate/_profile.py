"""One log-linear model: fit, Rcapture's fit statistics, profile-likelihood interval.

The point estimate is ``n + exp(intercept)`` from a Poisson fit to the 2^t - 1
observable cells (zero cells included). The interval is Rcapture's
multinomial profile likelihood (``closedpCI.t``): for a candidate total N the
unseen cell is set to ``N - n`` and the model refitted on all 2^t cells; the
interval holds the N whose log-likelihood is within ``qchisq(level, 1) / 2``
of the maximum. Like Rcapture, the upper end is first looked for up to
``3 x`` the estimate; we then look further (up to ``50 x``) and say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from gawah.estimate._glm import BatchFit, fit_poisson

__all__ = [
    "ModelFit",
    "ProfileCI",
    "ct_constant",
    "fit_chao_neg",
    "fit_model",
    "profile_interval",
]


@dataclass(frozen=True)
class ModelFit:
    """One model's fit with the numbers Rcapture reports for it."""

    estimate: float
    stderr: float
    deviance: float
    df: int
    aic: float
    bic: float
    info_fit: int  # 0 = clean, as Rcapture's infoFit
    warnings: tuple[str, ...]
    columns: np.ndarray  # columns of the design kept (Chao may drop some)
    intercept: float


@dataclass(frozen=True)
class ProfileCI:
    """Profile-likelihood interval and the curve it came from."""

    mle: float
    lower: float
    upper: float | None
    info: tuple[str, ...]
    curve_n: np.ndarray = field(repr=False)
    curve_loglik: np.ndarray = field(repr=False)


def fit_chao_neg(
    design: np.ndarray, y: np.ndarray, nca: int | None
) -> tuple[BatchFit, np.ndarray]:
    """Fit; for Chao models drop the first negative eta column until none is left."""
    cols = np.arange(design.shape[1])
    fit = fit_poisson(design, y)
    if nca is None:
        return fit, cols
    while True:
        beta = fit.beta[0]
        neg = [k for k in range(nca, cols.size) if beta[k] < 0]
        if not neg:
            return fit, cols
        fewer = np.delete(cols, neg[0])
        refit = fit_poisson(design[:, fewer], y)
        if not refit.finite[0]:
            return fit, cols
        fit, cols = refit, fewer


def fit_model(
    design: np.ndarray, y: np.ndarray, n: int, *, chao_nca: int | None = None
) -> ModelFit:
    """Fit one model to the observable cells as ``closedp.t``/``closedpCI.t`` do."""
    fit, cols = fit_chao_neg(design, y, chao_nca)
    x = design[:, cols]
    mask = np.ones((1, cols.size), dtype=bool)
    warnings: list[str] = []
    info: set[int] = set()
    if not fit.converged[0]:
        warnings.append("the fit did not converge")
        info.add(1)
    if fit.zero_rates[0]:
        warnings.append("fitted rates numerically 0 occurred")
        info.add(3)
    b0 = float(fit.beta[0, 0])
    with np.errstate(all="ignore"):
        e0 = math.exp(b0) if b0 < 700 else math.inf
        var0 = float(fit.cov[0, 0, 0])
        estimate = n + e0
        stderr = math.sqrt(max(e0 + e0 * e0 * var0, 0.0))
        bias = float(fit.bias(x, mask)[0])
    if not math.isfinite(bias) or abs(bias) > 0.1 * estimate:
        warnings.append("the asymptotic bias is large")
        info.add(1)
    aic = float(fit.aic(y)[0])
    rank = int(cols.size)
    return ModelFit(
        estimate=estimate,
        stderr=stderr,
        deviance=float(fit.deviance[0]),
        df=int(y.size - rank),
        aic=aic,
        bic=aic + (math.log(n) - 2.0) * rank,
        info_fit=int("".join(str(i) for i in sorted(info))) if info else 0,
        warnings=tuple(warnings),
        columns=cols,
        intercept=b0,
    )


def ct_constant(n0: float, total: float) -> float:
    """Rcapture's multinomial constant (Stirling form above 100 people).

    Except for 0 < n0 < 1, where Rcapture's Stirling form ``-0.5 log(n0 / N)``
    grows without bound as n0 nears 0 (Stirling's series does not hold below
    one): the profile likelihood then peaks at the number seen and the
    interval, e.g. [100.00004, 100.0018], excludes the model's own estimate
    (100.7). The exact form below is what the Stirling form approximates.
    """
    if total > 100 and not 0.0 < n0 < 1.0:
        if n0 in (0.0, 1.0):
            return -total + 0.5 * math.log(2 * math.pi * total)
        return n0 - total - 0.5 * math.log(n0 / total)
    log_n0 = n0 * math.log(n0) if n0 > 0 else 0.0
    return float(
        log_n0 + math.lgamma(total + 1) - total * math.log(total) - math.lgamma(n0 + 1)
    )


def profile_interval(
    design: np.ndarray,
    y: np.ndarray,
    n: int,
    estimate: float,
    *,
    level: float = 0.95,
    chao_nca: int | None = None,
    fmax: float = 3.0,
    fmax_extended: float = 50.0,
) -> ProfileCI:
    """Rcapture's multinomial profile-likelihood interval for N."""
    # Here, not at the top: scipy.optimize costs ~0.5 s to import, and the
    # checks and Chao's bound fit models without an interval.
    from scipy.optimize import brentq, minimize_scalar

    aug = np.vstack([design, np.eye(1, design.shape[1])])
    seen_n: list[float] = []
    seen_l: list[float] = []

    def loglik(total: float) -> float:
        n0 = max(total - n, 0.0)
        y_aug = np.append(y, n0)
        fit, _ = fit_chao_neg(aug, y_aug, chao_nca)
        value = -0.5 * float(fit.deviance[0]) + ct_constant(n0, n0 + n)
        seen_n.append(total)
        seen_l.append(value)
        return value

    opt = minimize_scalar(
        lambda v: -loglik(v),
        bounds=(n, 1.5 * estimate),
        method="bounded",
        options={"xatol": 1e-4},
    )
    n_max = float(opt.x)
    l_max = -float(opt.fun)
    cut = l_max - NormalDist().inv_cdf(0.5 + level / 2.0) ** 2 / 2.0  # chi2(1) quantile
    info: list[str] = []

    def f(v: float) -> float:
        return loglik(v) - cut

    if f(float(n)) < 0 < f(n_max):
        lower = float(brentq(f, n, n_max, xtol=1e-4))
    else:
        lower = float(n)
        info.append("the lower bound is set to the number observed")
    upper: float | None = None
    hi = fmax * estimate
    if n_max < hi and f(hi) < 0:
        upper = float(brentq(f, n_max, hi, xtol=1e-4))
    else:
        far = fmax_extended * estimate
        if f(far) < 0:
            upper = float(brentq(f, n_max, far, xtol=1e-4))
            info.append(f"the upper bound is beyond {fmax:g} x the estimate")
        else:
            info.append(f"the upper bound is beyond {fmax_extended:g} x the estimate")
    order = np.argsort(seen_n)
    return ProfileCI(
        mle=n_max,
        lower=lower,
        upper=upper,
        info=tuple(info),
        curve_n=np.asarray(seen_n)[order],
        curve_loglik=np.asarray(seen_l)[order],
    )
