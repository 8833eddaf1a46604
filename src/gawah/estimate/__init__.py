"""gawah.estimate: multiple systems estimation (how many were never seen by any list).

Input is a :class:`CaptureHistories`; every estimator follows the
:class:`Estimator` protocol and returns a frozen :class:`MSEResult` (see
``gawah.estimate.result`` for the refusal contract).
"""

from gawah.estimate.captures import CaptureHistories
from gawah.estimate.chao import ChaoLowerBound
from gawah.estimate.loglinear import LogLinearMSE
from gawah.estimate.petersen import PetersenMSE
from gawah.estimate.result import Estimator, MSEResult
from gawah.estimate.stepwise import StepwiseMSE

__all__ = [
    "CaptureHistories",
    "ChaoLowerBound",
    "Estimator",
    "LogLinearMSE",
    "MSEResult",
    "PetersenMSE",
    "StepwiseMSE",
]
