"""Poisson log-linear multiple systems estimation, as Rcapture computes it.

``LogLinearMSE()`` searches every hierarchical model that contains all main
effects (interactions up to order t-1 for t <= 5 lists, pairs only for 6
lists, as ``closedpMS.t``), keeps the fits Rcapture would keep (``infoFit ==
0``: converged, no fitted rate numerically 0, asymptotic bias under 10% of
N), and picks the lowest BIC, where Rcapture's BIC is ``AIC + (log n - 2) x
rank`` with n the number of people seen. The interval is the multinomial
profile likelihood of ``closedpCI.t``.

Choosing one model hides how much the answer depends on the choice (on the
Kosovo lists the runner-up is 0.08 BIC worse and says 12,741 instead of
10,357), so the result lists the top models with their BIC weights, and
``average=True`` gives a model-averaged estimate with a model-averaged tail
area (MATA) interval (Turek & Fletcher 2012): each model's interval is turned
into a log-normal distribution of the unseen count, and the interval ends are
where the weight-mixed tail areas reach (1 - level) / 2. The average takes the
models that carry 99% of the weight: the best 20 with their profile intervals,
the rest (thousands with 5 or 6 lists) with a Wald interval on log(N - n).

``model=`` selects one model instead: a standard Rcapture model (``M0``,
``Mt``, ``Mh Chao``, ``Mh Poisson2``, ``Mh Darroch``, ``Mh Gamma3.5`` and the
same four for ``Mth``) or a hierarchical model by name (``[123,14,34]``,
lists numbered in column order).

Refusals (no number, ``diagnostics["reason"]``): no person on two lists (the
overlap is the whole information), no model that fits cleanly, a requested
model whose fit raised a warning or put the unseen count at zero (a boundary
solution), more than 6 lists without a model, or an
upper bound beyond 50 times the estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri  # not scipy.stats: 1.4 s to import

from gawah.errors import UserInputError
from gawah.estimate._glm import fit_poisson_batch, single_blas_thread
from gawah.estimate._hierarchical import (
    HierarchicalSpace,
    model_name,
    parse_model_name,
)
from gawah.estimate._profile import (
    ModelFit,
    ct_constant,
    fit_chao_neg,
    fit_model,
    profile_interval,
)
from gawah.estimate._standard import canonical_model, standard_design
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import MSEResult, check_level

__all__ = ["LogLinearMSE", "profile_curve"]

METHOD = "loglinear"
#: An averaged upper end beyond this many times the estimate is no bound
#: (as a single model's profile interval, ``_profile``).
_MAX_UPPER_RATIO = 50
#: Models of a model average whose interval is the profile likelihood's.
_PROFILED = 20


@dataclass(frozen=True)
class _Spec:
    """A model to fit: its design over the observable cells and how to name it."""

    rcapture_name: str
    label: str
    design: np.ndarray
    chao_nca: int | None


def _term_label(term: tuple[int, ...], lists: tuple[str, ...]) -> str:
    return ":".join(sorted(lists[j] for j in term))


def _label(name: str, lists: tuple[str, ...]) -> str:
    """List-order-free description of a hierarchical model, e.g. ``ABA:EXH + HRW``."""
    terms = parse_model_name(name, len(lists))
    maximal = [
        s for s in terms if not any(len(o) > len(s) and set(s) <= set(o) for o in terms)
    ]
    labels = sorted(
        (_term_label(s, lists) for s in maximal), key=lambda x: (-x.count(":"), x)
    )
    return " + ".join(labels)


def _spec_for(model: str, lists: tuple[str, ...]) -> _Spec:
    t = len(lists)
    standard = canonical_model(model)
    if standard is not None:
        design, nca = standard_design(standard, t)
        return _Spec(standard, standard, design, nca)
    try:
        terms = parse_model_name(model, t)
    except ValueError as exc:
        raise UserInputError(
            f"unknown log-linear model {model!r}: use M0, Mt, Mh Chao, Mh Poisson2, "
            "Mh Darroch, Mh Gamma3.5, Mth ... or a hierarchical name like [12,3]"
        ) from exc
    order = max(len(s) for s in terms)
    if order >= t:
        raise UserInputError(f"{model}: the {t}-way interaction cannot be estimated")
    space = HierarchicalSpace(t, order)
    mask = space.mask_of(model)
    name = _canonical_name(terms)
    return _Spec(name, _label(name, lists), space.design()[:, mask], None)


def _canonical_name(terms: tuple[tuple[int, ...], ...]) -> str:
    return model_name(list(terms))


class LogLinearMSE:
    """Poisson log-linear MSE: BIC/AIC search, standard models, model averaging.

    Args:
        model: ``None`` to search hierarchical models, else a model name.
        criterion: ``"bic"`` (Rcapture's definition) or ``"aic"``.
        average: report the model-averaged estimate and MATA interval.
        level: interval level.
        top: how many best models to list in ``diagnostics["top_models"]``.
        seed: recorded only; the method is deterministic.
    """

    def __init__(
        self,
        model: str | None = None,
        criterion: str = "bic",
        average: bool = False,
        level: float = 0.95,
        top: int = 5,
        seed: int | None = None,
    ) -> None:
        self.model = model
        self.criterion = criterion
        self.average = average
        self.level = level
        self.top = top
        self.seed = seed

    def _check(self) -> None:
        if self.criterion not in ("bic", "aic"):
            raise UserInputError(
                f"criterion must be bic or aic, not {self.criterion!r}"
            )
        check_level(self.level)
        if self.average and self.model is not None:
            raise UserInputError(
                "average=True averages over the model search; drop model="
            )

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Fit the log-linear model(s); see the module docstring for refusals."""
        self._check()
        with single_blas_thread():
            return self._fit_checked(captures)

    def _fit_checked(self, captures: CaptureHistories) -> MSEResult:
        base: dict[str, Any] = {"criterion": self.criterion}
        captures, dropped = captures.without_empty_lists()
        if dropped:
            base["dropped_empty_lists"] = dropped
        if not np.any(captures.patterns.sum(axis=1) >= 2):
            return self._refuse(
                captures,
                "no one appears on more than one list, so the lists say nothing about "
                "who was missed (the maximum likelihood estimate does not exist)",
                base,
            )
        if self.model is not None:
            return self._fit_one(captures, _spec_for(self.model, captures.lists), base)
        return self._search(captures, base)

    # ------------------------------------------------------------------ helpers
    def _refuse(
        self,
        captures: CaptureHistories,
        reason: str,
        diagnostics: dict[str, Any],
        model: str | None = None,
    ) -> MSEResult:
        return MSEResult.refusal(
            captures,
            method=METHOD,
            reason=reason,
            model=model,
            level=self.level,
            seed=self.seed,
            diagnostics=diagnostics,
        )

    def _result(
        self,
        captures: CaptureHistories,
        estimate: float,
        lower: float,
        upper: float,
        model: str,
        diagnostics: dict[str, Any],
    ) -> MSEResult:
        return MSEResult.fitted(
            captures,
            estimate=estimate,
            lower=lower,
            upper=upper,
            level=self.level,
            method=METHOD,
            model=model,
            seed=self.seed,
            diagnostics=diagnostics,
        )

    def _fit_one(
        self, captures: CaptureHistories, spec: _Spec, base: dict[str, Any]
    ) -> MSEResult:
        y = captures.cell_counts()[1:].astype(float)
        n = captures.n_observed
        fit = fit_model(spec.design, y, n, chao_nca=spec.chao_nca)
        diag = {**base, **_fit_stats(fit), "rcapture_model": spec.rcapture_name}
        if fit.info_fit != 0 or not math.isfinite(fit.estimate):
            diag["unvalidated_estimate"] = fit.estimate
            return self._refuse(
                captures,
                f"model {spec.label} does not fit cleanly ({'; '.join(fit.warnings)}), "
                "so its number cannot be trusted",
                diag,
                spec.label,
            )
        if fit.estimate - n < 1e-3:
            diag["unvalidated_estimate"] = fit.estimate
            return self._refuse(
                captures,
                f"model {spec.label} puts the number never seen at zero, the edge of "
                "what is possible: the fit is degenerate, not evidence that nobody "
                "was missed",
                diag,
                spec.label,
            )
        design = (
            spec.design if spec.chao_nca is not None else spec.design[:, fit.columns]
        )
        ci = profile_interval(
            design, y, n, fit.estimate, level=self.level, chao_nca=spec.chao_nca
        )
        diag["profile_mle"] = ci.mle
        if ci.info:
            diag["interval_notes"] = list(ci.info)
        if ci.upper is None:
            diag["unvalidated_estimate"] = fit.estimate
            return self._refuse(
                captures,
                "the data put no upper limit on the total under this model "
                "(the likelihood stays flat beyond 50 times the estimate)",
                diag,
                spec.label,
            )
        return self._result(
            captures, fit.estimate, ci.lower, ci.upper, spec.label, diag
        )

    def _search(self, captures: CaptureHistories, base: dict[str, Any]) -> MSEResult:
        t = captures.n_lists
        if t > 6:
            return self._refuse(
                captures,
                f"{t} lists are too many for an exhaustive log-linear search; use the "
                "stepwise method or merge lists",
                base,
            )
        max_order = 2 if t == 6 else max(t - 1, 1)
        space = HierarchicalSpace(t, max_order)
        masks, names = space.masks()
        design = space.design()
        y = captures.cell_counts()[1:].astype(float)
        n = captures.n_observed
        batch = fit_poisson_batch(design, y, masks)
        with np.errstate(all="ignore"):
            e0 = np.exp(np.minimum(batch.beta[:, 0], 700.0))
            estimates = n + e0
            bias = batch.bias(design, masks)
            aic = batch.aic(y)
            bic = aic + (math.log(n) - 2.0) * batch.rank
            crit = bic if self.criterion == "bic" else aic
            other = aic if self.criterion == "bic" else bic
            stderr = np.sqrt(np.maximum(e0 + e0**2 * batch.cov[:, 0, 0], 0.0))
        valid = (
            batch.converged
            & ~batch.zero_rates
            & np.isfinite(estimates)
            & np.isfinite(bias)
            & (np.abs(bias) <= 0.1 * estimates)
        )
        diag: dict[str, Any] = {
            **base,
            "max_order": max_order,
            "n_models": len(names),
            "n_models_ok": int(valid.sum()),
        }
        if not valid.any():
            return self._refuse(
                captures,
                "no log-linear model fits these lists cleanly (every fit failed to "
                "converge or put a cell at zero): the data cannot support an estimate",
                diag,
            )
        order = np.argsort(np.where(valid, crit, np.inf), kind="stable")
        order = order[valid[order]]
        rel = crit[order] - crit[order[0]]
        weights = np.exp(-0.5 * rel)
        weights /= weights.sum()
        diag["top_models"] = [
            {
                "model": _label(names[i], captures.lists),
                "rcapture_model": names[i],
                "estimate": float(estimates[i]),
                "stderr": float(stderr[i]),
                self.criterion: float(crit[i]),
                "weight": float(w),
            }
            for i, w in zip(order[: self.top], weights[: self.top], strict=False)
        ]
        # The model the other criterion picks: when it says something the
        # interval excludes, the choice of criterion matters (checks.py warns).
        alt = int(np.argmin(np.where(valid, other, np.inf)))
        diag["other_criterion_best"] = {
            "criterion": "aic" if self.criterion == "bic" else "bic",
            "model": _label(names[alt], captures.lists),
            "estimate": float(estimates[alt]),
        }
        best = _Spec(
            names[order[0]],
            _label(names[order[0]], captures.lists),
            design[:, masks[order[0]]],
            None,
        )
        single = self._fit_one(captures, best, diag)
        if not self.average:
            return single
        with np.errstate(all="ignore"):
            log_sd = np.sqrt(batch.cov[:, 0, 0])
        return self._average(
            captures,
            design,
            masks,
            names,
            (order, weights),
            (batch.beta[:, 0], log_sd),
            single,
            diag,
        )

    def _average(
        self,
        captures: CaptureHistories,
        design: np.ndarray,
        masks: np.ndarray,
        names: list[str],
        ranked: tuple[np.ndarray, np.ndarray],
        wald: tuple[np.ndarray, np.ndarray],
        single: MSEResult,
        diag: dict[str, Any],
    ) -> MSEResult:
        """Average the models that carry 99% of the weight.

        The :data:`_PROFILED` best get their profile likelihood interval;
        the rest (thousands with 6 lists, where the weight spreads thin) a
        Wald interval on the log of the number unseen, from the batch fit.
        Averaging only the best 20 models, as before, left out most of the
        weight on six lists (2.5% kept on an independent six-list table) and
        gave an interval as narrow as one spurious model's: two of six
        independent six-list tables missed, unwarned (behaviour split).
        """
        order, weights = ranked
        y = captures.cell_counts()[1:].astype(float)
        n = captures.n_observed
        keep = int(np.searchsorted(np.cumsum(weights), 0.99)) + 1
        z = float(ndtri(0.5 + self.level / 2))
        # weight, N, and the log-normal of N - n: mean and sd of its log
        parts: list[tuple[float, float, float, float]] = []
        for i, w in zip(order[_PROFILED:keep], weights[_PROFILED:keep], strict=True):
            log_unseen, sd = float(wald[0][i]), float(wald[1][i])
            if not (math.isfinite(sd) and sd > 0.0):
                return self._refuse(
                    captures,
                    f"model {_label(names[i], captures.lists)} carries weight "
                    f"{w:.2g} but its standard error is not finite, so the average "
                    "has no interval",
                    diag,
                    "model average",
                )
            parts.append((float(w), n + math.exp(log_unseen), log_unseen, sd))
        profiled: list[tuple[float, float, float, float]] = []
        for i, w in zip(
            order[: min(keep, _PROFILED)], weights[: min(keep, _PROFILED)], strict=True
        ):
            x = design[:, masks[i]]
            fit = fit_model(x, y, n)
            ci = profile_interval(x, y, n, fit.estimate, level=self.level)
            if ci.upper is None:
                return self._refuse(
                    captures,
                    f"model {_label(names[i], captures.lists)} carries weight "
                    f"{w:.2f} but has no upper limit, so the average has none either",
                    diag,
                    "model average",
                )
            lo_u = max(ci.lower - n, 1e-9)
            hi_u = max(ci.upper - n, lo_u * (1 + 1e-9))
            mu = 0.5 * (math.log(lo_u) + math.log(hi_u))
            sd = max((math.log(hi_u) - math.log(lo_u)) / (2 * z), 1e-9)
            profiled.append((float(w), fit.estimate, mu, sd))
        parts = profiled + parts
        ws = np.array([p[0] for p in parts])
        ws /= ws.sum()
        est = float(np.dot(ws, [p[1] for p in parts]))
        mus = np.array([p[2] for p in parts])
        sds = np.array([max(p[3], 1e-9) for p in parts])
        lower, upper = _mata(mus, sds, ws, n, self.level)
        if not (math.isfinite(upper) and upper <= _MAX_UPPER_RATIO * est):
            return self._refuse(
                captures,
                "models that carry weight in the average put no upper limit on the "
                f"total (the averaged upper end is beyond {_MAX_UPPER_RATIO} times "
                "the estimate)",
                diag,
                "model average",
            )
        diag = {
            **diag,
            "averaged_models": keep,
            "profiled_models": min(keep, _PROFILED),
            "averaged_weight": float(weights[:keep].sum()),
            "single_model": {
                "model": single.model,
                "estimate": single.estimate,
                "lower": single.lower,
                "upper": single.upper,
            },
            "interval_method": (
                "model-averaged tail area (MATA), log-normal per model (profile "
                f"interval for the best {_PROFILED}, Wald on log N - n for the rest)"
            ),
        }
        return self._result(captures, est, lower, upper, "model average", diag)


def _fit_stats(fit: ModelFit) -> dict[str, Any]:
    return {
        "stderr": fit.stderr,
        "deviance": fit.deviance,
        "df": fit.df,
        "aic": fit.aic,
        "bic": fit.bic,
        "info_fit": fit.info_fit,
        "warnings": list(fit.warnings),
    }


def _mata(
    mu: np.ndarray, sd: np.ndarray, ws: np.ndarray, n: int, level: float
) -> tuple[float, float]:
    """MATA interval ends from the models' log-normals of N - n (log mean, log sd).

    Solved on the log scale of N - n, so a model with a huge standard error
    cannot overflow the bracket.
    """
    from scipy.optimize import brentq  # local: ~0.5 s to import, only intervals need it

    def tail(x: float, target: float) -> float:
        return float(np.dot(ws, ndtr((x - mu) / sd))) - target

    alpha = (1 - level) / 2
    lo_bracket = float((mu - 10 * sd).min())
    hi_bracket = float((mu + 10 * sd).max())
    lower = float(brentq(tail, lo_bracket, hi_bracket, args=(alpha,), xtol=1e-9))
    upper = float(brentq(tail, lo_bracket, hi_bracket, args=(1 - alpha,), xtol=1e-9))
    with np.errstate(over="ignore"):
        return n + float(np.exp(lower)), n + float(np.exp(upper))


def profile_curve(
    captures: CaptureHistories, result: MSEResult, points: int = 80
) -> tuple[np.ndarray, np.ndarray]:
    """Profile log-likelihood of N under ``result``'s model, for plotting."""
    name = result.diagnostics.get("rcapture_model")
    if name is None or result.estimate is None or result.upper is None:
        raise UserInputError("this result has no single log-linear model to profile")
    spec = _spec_for(str(name), captures.reorder(result.lists).lists)
    n = captures.n_observed
    y = captures.cell_counts()[1:].astype(float)
    if result.lists != captures.lists:
        y = captures.reorder(result.lists).cell_counts()[1:].astype(float)
    aug = np.vstack([spec.design, np.eye(1, spec.design.shape[1])])
    lo = max(float(n), result.lower or n) - 0.2 * (result.upper - (result.lower or n))
    hi = result.upper + 0.2 * (result.upper - (result.lower or n))
    grid = np.linspace(max(lo, n), hi, points)
    values = []
    for total in grid:
        fit, _ = fit_chao_neg(aug, np.append(y, total - n), spec.chao_nca)
        values.append(-0.5 * float(fit.deviance[0]) + ct_constant(total - n, total))
    return grid, np.asarray(values)
