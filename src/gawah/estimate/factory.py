"""The one estimator factory: what ``--method`` (CLI), the web and the demo mean.

Every place that shows a number builds its estimator here with the same
defaults, so the CLI, the dashboard and a release agree to the last digit.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from gawah.errors import UserInputError
from gawah.estimate.checks import Checked
from gawah.estimate.result import Estimator

__all__ = ["DEFAULT_CRITERION", "DEFAULT_METHOD", "METHODS", "build_estimator"]

METHODS = ("loglinear", "stepwise", "lcmcr", "dga", "chao", "petersen")
#: The method used when none is named (CLI, dashboard, demo, releases).
DEFAULT_METHOD = "loglinear"
#: How the default log-linear search weighs models: AIC weights, averaged
#: (model-averaged tail area interval), widened under heterogeneity. Chosen on
#: simulations and checked on crackdown families it was not tuned on
#: (docs/validation/estimation-defaults.md); ``--single`` keeps one model.
DEFAULT_CRITERION = "aic"
_CLASSES = {
    "loglinear": ("gawah.estimate.loglinear", "LogLinearMSE"),
    "stepwise": ("gawah.estimate.stepwise", "StepwiseMSE"),
    "chao": ("gawah.estimate.chao", "ChaoLowerBound"),
    "petersen": ("gawah.estimate.petersen", "PetersenMSE"),
    "lcmcr": ("gawah.estimate.lcmcr", "LCMCR"),
    "dga": ("gawah.estimate.dga", "DGA"),
}
#: Methods that sample (slow; they draw their own progress bar).
BAYESIAN = frozenset({"lcmcr", "dga"})


def build_estimator(
    method: str = DEFAULT_METHOD,
    *,
    model: str | None = None,
    criterion: str | None = None,
    average: bool | None = None,
    seed: int | None = None,
    chains: int | None = None,
    burnin: int | None = None,
    draws: int | None = None,
    progress: bool = False,
    narrow: bool = False,
) -> Estimator:
    """The estimator ``method`` names, with the shared defaults.

    Its results carry the warnings of :mod:`gawah.estimate.checks` beside the
    method's own.

    Args:
        method: one of :data:`METHODS`.
        model: a log-linear model (``M0``, ``Mth Chao``, ``[12,3]``...).
        criterion: ``aic`` or ``bic`` for the log-linear model search
            (None: :data:`DEFAULT_CRITERION`).
        average: model-averaged log-linear estimate (None: averaged unless a
            model is named; False: the single best model).
        seed: random seed (None: the estimator's fixed default).
        chains: LCMCR chains (at least 2).
        burnin: LCMCR burn-in sweeps per chain.
        draws: LCMCR draws kept per chain.
        progress: LCMCR shows a progress bar.
        narrow: keep the log-linear model's own interval when the lists show
            heterogeneity (default: widen it, :func:`gawah.estimate.checks.widened`).

    Raises:
        UserInputError: an unknown method, or an option the method does not take.
    """
    if method not in METHODS:
        raise UserInputError(
            f"unknown method {method!r}; choose one of {', '.join(METHODS)}"
        )
    if criterion is None:
        criterion = DEFAULT_CRITERION
    if criterion not in ("bic", "aic"):
        raise UserInputError(f"--criterion must be bic or aic, not {criterion!r}")
    if model is not None and method != "loglinear":
        raise UserInputError("--model applies to --method loglinear only")
    if average and method != "loglinear":
        raise UserInputError("--average applies to --method loglinear only")
    if average and model is not None:
        raise UserInputError("--average averages over the model search; drop --model")
    if average is None:
        average = method == "loglinear" and model is None
    sampler = {"chains": chains, "burnin": burnin, "samples": draws}
    if method != "lcmcr" and any(v is not None for v in sampler.values()):
        raise UserInputError("--chains, --burnin and --draws apply to --method lcmcr")
    module_name, class_name = _CLASSES[method]
    try:
        cls = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:  # pragma: no cover - build without it
        raise UserInputError(f"method {method} is not available in this build") from exc
    kwargs: dict[str, Any] = {}
    if seed is not None:
        kwargs["seed"] = seed
    if method == "loglinear":
        kwargs.update(model=model, criterion=criterion, average=average)
    if method == "lcmcr":
        kwargs["progress"] = progress
        kwargs.update({k: v for k, v in sampler.items() if v is not None})
    return Checked(cls(**kwargs), widen=not narrow)
