"""Rcapture's standard closed-population models (``closedp.t``) as designs.

M0 (one capture probability), Mt (one per list), Mh (heterogeneous people)
and Mth (both). Heterogeneity enters through a function of k, the number of
lists a person is on: Chao's lower bound (columns ``max(k - j + 1, 0)`` for
j = 3..t, negative coefficients dropped), Poisson2 (``2^k - 1``), Darroch
(``k^2 / 2``) and Gamma3.5 (``-log(3.5 + k) + log 3.5``; ``Gamma<theta>`` for
another theta, as Rcapture's ``h = "Gamma", h.control = list(theta = ...)``: a
smaller theta, a more skewed spread of capture chances). Behavioural models
(Mb, Mbh) are left out on purpose: the order of MSE lists means nothing.
"""

from __future__ import annotations

import re

import numpy as np

from gawah.errors import UserInputError
from gawah.estimate._hierarchical import cell_patterns

__all__ = ["STANDARD_MODELS", "canonical_model", "standard_design"]

STANDARD_MODELS = (
    "M0",
    "Mt",
    "Mh Chao",
    "Mh Poisson2",
    "Mh Darroch",
    "Mh Gamma3.5",
    "Mth Chao",
    "Mth Poisson2",
    "Mth Darroch",
    "Mth Gamma3.5",
)
_KEYS = {re.sub(r"[^a-z0-9.]", "", m.lower()): m for m in STANDARD_MODELS}
_GAMMA = re.compile(r"^(mh|mth)gamma(\d+(?:\.\d+)?)$")


def canonical_model(name: str) -> str | None:
    """The standard model ``name`` refers to (``Mth_Chao``, ``mth chao (LB)``...)."""
    key = re.sub(r"[^a-z0-9.]", "", name.lower().replace("(lb)", ""))
    key = key.replace("gamma35", "gamma3.5").replace("poisson", "poisson")
    if key.endswith("gamma"):
        key += "3.5"
    if key.endswith("poisson"):
        key += "2"
    if key in _KEYS:
        return _KEYS[key]
    other = _GAMMA.match(key)
    if other is None or float(other[2]) <= 0:
        return None
    return f"{'Mth' if other[1] == 'mth' else 'Mh'} Gamma{float(other[2]):g}"


def standard_design(model: str, t: int) -> tuple[np.ndarray, int | None]:
    """Design (intercept first) over the 2^t - 1 cells, and Chao's ``nca``."""
    patterns = cell_patterns(t)
    k = patterns.sum(axis=1)
    ones = np.ones((patterns.shape[0], 1))
    parts = model.split(" ")
    base = parts[0]
    het = parts[1] if len(parts) > 1 else None
    if het is not None and t < 3:
        raise UserInputError(f"model {model} needs at least 3 lists")
    core = (
        np.column_stack([ones, k])
        if base in ("M0", "Mh")
        else np.hstack([ones, patterns])
    )
    nca: int | None = None
    if het is None:
        return core, None
    if het == "Chao":
        extra = np.column_stack([np.maximum(k - j + 1, 0) for j in range(3, t + 1)])
        nca = core.shape[1]
    elif het == "Poisson2":
        extra = (2.0**k - 1)[:, None]
    elif het == "Darroch":
        extra = (k**2 / 2)[:, None]
    elif het.startswith("Gamma"):
        theta = float(het.removeprefix("Gamma"))
        extra = (-np.log(theta + k) + np.log(theta))[:, None]
    else:  # pragma: no cover - guarded by canonical_model
        raise UserInputError(f"unknown heterogeneity {het}")
    return np.hstack([core, extra]), nca
