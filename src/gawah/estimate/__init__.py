"""gawah.estimate: multiple systems estimation (how many were never seen by any list).

Input is a :class:`CaptureHistories`; every estimator follows the
:class:`Estimator` protocol and returns a frozen :class:`MSEResult` (see
``gawah.estimate.result`` for the refusal contract).

Estimators are imported lazily (PEP 562) so that ``gawah --help`` and other
domains' commands do not pay for scipy and numba at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import Estimator, MSEResult

if TYPE_CHECKING:
    from gawah.estimate.chao import ChaoLowerBound
    from gawah.estimate.dga import DGA
    from gawah.estimate.factory import DEFAULT_METHOD, METHODS, build_estimator
    from gawah.estimate.lcmcr import LCMCR
    from gawah.estimate.loglinear import LogLinearMSE
    from gawah.estimate.people import (
        CATEGORIES,
        Documented,
        PersonRow,
        capture_histories,
        category_of,
        documented,
        table_of,
    )
    from gawah.estimate.petersen import PetersenMSE
    from gawah.estimate.plots import plot_estimate
    from gawah.estimate.stepwise import StepwiseMSE
    from gawah.estimate.stratified import StratifiedMSE, StratifiedResult

_LAZY = {
    "ChaoLowerBound": "gawah.estimate.chao",
    "DGA": "gawah.estimate.dga",
    "LCMCR": "gawah.estimate.lcmcr",
    "LogLinearMSE": "gawah.estimate.loglinear",
    "PetersenMSE": "gawah.estimate.petersen",
    "StepwiseMSE": "gawah.estimate.stepwise",
    "StratifiedMSE": "gawah.estimate.stratified",
    "StratifiedResult": "gawah.estimate.stratified",
    "DEFAULT_METHOD": "gawah.estimate.factory",
    "METHODS": "gawah.estimate.factory",
    "build_estimator": "gawah.estimate.factory",
    "CATEGORIES": "gawah.estimate.people",
    "Documented": "gawah.estimate.people",
    "PersonRow": "gawah.estimate.people",
    "capture_histories": "gawah.estimate.people",
    "category_of": "gawah.estimate.people",
    "documented": "gawah.estimate.people",
    "table_of": "gawah.estimate.people",
    "plot_estimate": "gawah.estimate.plots",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gawah.estimate' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "CATEGORIES",
    "DEFAULT_METHOD",
    "DGA",
    "LCMCR",
    "METHODS",
    "CaptureHistories",
    "ChaoLowerBound",
    "Documented",
    "Estimator",
    "LogLinearMSE",
    "MSEResult",
    "PersonRow",
    "PetersenMSE",
    "StepwiseMSE",
    "StratifiedMSE",
    "StratifiedResult",
    "build_estimator",
    "capture_histories",
    "category_of",
    "documented",
    "plot_estimate",
    "table_of",
]
