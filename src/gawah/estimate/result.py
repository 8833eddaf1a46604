"""The result every estimator returns, and the estimator protocol.

Contract (the same for every method):

* An estimator's ``__init__`` only stores settings (scikit-learn style); all
  checks happen in ``fit``.
* ``fit(captures)`` returns a frozen :class:`MSEResult`. It is deterministic
  given the settings (including ``seed``) and does not depend on the order of
  the lists.
* **Refusal is a result, not an exception.** When the data cannot support an
  estimate (no overlap between lists, the MLE does not exist, the sampler did
  not converge...), ``fit`` returns a result whose ``estimate``, ``lower`` and
  ``upper`` are ``None`` and whose ``diagnostics["reason"]`` says why, in one
  sentence a documenter can read. A result without a number and without a
  reason cannot be built; a NaN or infinite estimate becomes a refusal that
  says so.
* **Warnings** (Monte Carlo error, sparse cells, estimates at a boundary...)
  are plain sentences in ``diagnostics["warnings"]``, shown as the top-level
  ``warnings`` list of the JSON and by every view of the number. Code that prefers an exception calls
  :meth:`MSEResult.raise_if_refused`, which raises
  :class:`gawah.errors.NotEstimable` carrying that reason.
* Settings that make no sense (an unknown model name, a level outside (0, 1))
  raise :class:`gawah.errors.UserInputError` from ``fit``.

Timing is not part of a result's identity: diagnostics keys in
:data:`VOLATILE_DIAGNOSTICS` (``seconds``, ``iterations_per_second``) are kept
in JSON but ignored by ``==``, so "fitting twice equals fitting once" holds.

Bayesian methods may attach ``draws`` (posterior draws of N) so that strata can
be summed draw by draw; JSON keeps them only when asked (``to_json(draws=True)``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gawah.errors import NotEstimable, UserInputError
from gawah.estimate.captures import CaptureHistories

__all__ = ["VOLATILE_DIAGNOSTICS", "Estimator", "MSEResult"]

VOLATILE_DIAGNOSTICS = frozenset({"seconds", "iterations_per_second"})


def _plain(value: Any) -> Any:
    """Turn numpy scalars, tuples and mappings into plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def _opt_float(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def check_level(level: float) -> None:
    """Refuse an interval level outside (0, 1): every estimator's one shared check.

    Raises:
        UserInputError: the level cannot describe an interval.
    """
    if not 0.0 < level < 1.0:
        raise UserInputError(f"level must be between 0 and 1, not {level}")


@dataclass(frozen=True, eq=False)
class MSEResult:
    """An estimate of the total population (seen + unseen) with its interval.

    ``estimate``/``lower``/``upper`` are ``None`` when the method refused;
    ``diagnostics["reason"]`` then says why.
    """

    estimate: float | None
    lower: float | None
    upper: float | None
    level: float
    method: str
    model: str | None
    n_observed: int
    lists: tuple[str, ...]
    seed: int | None
    input_digest: str
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    draws: np.ndarray | None = None

    def __post_init__(self) -> None:
        diagnostics = dict(self.diagnostics)
        if _opt_float(self.estimate) is None and not diagnostics.get("reason"):
            if self.estimate is None:
                raise ValueError("a refusal needs a reason (diagnostics['reason'])")
            # A NaN or infinite estimate is not a number anyone may quote.
            diagnostics["reason"] = (
                f"the fit gave no finite estimate ({self.estimate}): the model "
                "cannot describe these lists; try another method"
            )
            object.__setattr__(self, "lower", None)
            object.__setattr__(self, "upper", None)
        object.__setattr__(self, "diagnostics", diagnostics)
        object.__setattr__(self, "estimate", _opt_float(self.estimate))
        object.__setattr__(self, "lower", _opt_float(self.lower))
        object.__setattr__(self, "upper", _opt_float(self.upper))
        object.__setattr__(self, "level", float(self.level))
        object.__setattr__(self, "n_observed", int(self.n_observed))
        object.__setattr__(self, "lists", tuple(str(x) for x in self.lists))
        if self.seed is not None:
            object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(
            self, "diagnostics", MappingProxyType(_plain(dict(self.diagnostics)))
        )
        if self.draws is not None:
            draws = np.array(self.draws, dtype=float).reshape(-1)
            draws.setflags(write=False)
            object.__setattr__(self, "draws", draws)

    # ------------------------------------------------------------------ builders
    @classmethod
    def fitted(
        cls,
        captures: CaptureHistories,
        *,
        estimate: float | None,
        lower: float | None,
        upper: float | None,
        method: str,
        model: str | None,
        level: float,
        seed: int | None,
        diagnostics: Mapping[str, Any] | None = None,
        draws: np.ndarray | None = None,
    ) -> MSEResult:
        """A result; ``n_observed``, lists and digest come from ``captures``.

        ``estimate`` is ``None`` only for a refusal (use :meth:`refusal`).

        Taking them from the capture table that was fitted (and never from the
        caller) keeps every estimator's result keyed the same way.
        """
        return cls(
            estimate=estimate,
            lower=lower,
            upper=upper,
            level=level,
            method=method,
            model=model,
            n_observed=captures.n_observed,
            lists=captures.lists,
            seed=seed,
            input_digest=captures.digest(),
            diagnostics=dict(diagnostics or {}),
            draws=draws,
        )

    @classmethod
    def refusal(
        cls,
        captures: CaptureHistories,
        *,
        method: str,
        reason: str,
        model: str | None = None,
        level: float = 0.95,
        seed: int | None = None,
        diagnostics: Mapping[str, Any] | None = None,
    ) -> MSEResult:
        """A result that gives no number, with the reason in ``diagnostics``."""
        return cls.fitted(
            captures,
            estimate=None,
            lower=None,
            upper=None,
            method=method,
            model=model,
            level=level,
            seed=seed,
            diagnostics={**(diagnostics or {}), "reason": reason},
        )

    # ------------------------------------------------------------------ views
    @property
    def refused(self) -> bool:
        """True when the method declined to give a number."""
        return self.estimate is None

    @property
    def reason(self) -> str | None:
        """Why the method refused (``None`` when it gave a number)."""
        reason = self.diagnostics.get("reason")
        return None if reason is None else str(reason)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Plain sentences a reader must see beside the number (may be empty)."""
        return tuple(str(w) for w in self.diagnostics.get("warnings") or ())

    @property
    def notes(self) -> tuple[str, ...]:
        """How the number was made, beside it (e.g. an interval widened for heterogeneity).

        Not cautions: a note says what the method already did about a feature
        of the lists, a warning that the number may still be wrong.
        """
        return tuple(str(w) for w in self.diagnostics.get("notes") or ())

    @property
    def interval(self) -> tuple[float | None, float | None]:
        """``(lower, upper)`` at ``level``."""
        return (self.lower, self.upper)

    def raise_if_refused(self) -> MSEResult:
        """Return self, or raise :class:`NotEstimable` with the reason."""
        if self.refused:
            raise NotEstimable(self.reason or "no estimate")
        return self

    def summary(self) -> str:
        """A few lines a documenter can quote: what was done and what came out."""
        head = f"{self.method}" + (f" ({self.model})" if self.model else "")
        lines = [
            f"Multiple systems estimate: {head}",
            f"Lists: {', '.join(self.lists)}; people seen on at least one list: "
            f"{self.n_observed:,}",
        ]
        if self.refused:
            lines.append(f"No estimate: {self.reason}")
        else:
            assert self.estimate is not None
            ci = ""
            if self.lower is not None and self.upper is not None:
                ci = (
                    f" ({self.level:.0%} interval {self.lower:,.0f} to "
                    f"{self.upper:,.0f})"
                )
            lines.append(f"Estimated total: {self.estimate:,.0f}{ci}")
            lines.append(
                "Estimated never seen by any list: "
                f"{self.estimate - self.n_observed:,.0f}"
            )
        if self.seed is not None:
            lines.append(f"Seed: {self.seed}")
        lines.append(f"Input digest: {self.input_digest}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ JSON
    def to_dict(self, *, draws: bool = False) -> dict[str, Any]:
        """Plain JSON-able dict; draws are summarised unless ``draws=True``."""
        out: dict[str, Any] = {
            "method": self.method,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "n_observed": self.n_observed,
            "lists": list(self.lists),
            "model": self.model,
            "seed": self.seed,
            "input_digest": self.input_digest,
            "warnings": list(self.warnings),
            "diagnostics": _plain(dict(self.diagnostics)),
        }
        if self.draws is not None:
            if draws:
                out["draws"] = [float(v) for v in self.draws]
            else:
                out["draws_summary"] = {
                    "n": int(self.draws.size),
                    "mean": float(np.mean(self.draws)),
                    "median": float(np.median(self.draws)),
                }
        return out

    def to_json(self, *, draws: bool = False) -> str:
        """JSON text; ``from_json`` restores an equal result (draws if included)."""
        return json.dumps(self.to_dict(draws=draws), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MSEResult:
        """Inverse of :meth:`to_dict`."""
        draws = data.get("draws")
        return cls(
            estimate=data["estimate"],
            lower=data["lower"],
            upper=data["upper"],
            level=data["level"],
            method=data["method"],
            model=data.get("model"),
            n_observed=data["n_observed"],
            lists=tuple(data["lists"]),
            seed=data.get("seed"),
            input_digest=data["input_digest"],
            diagnostics=data.get("diagnostics", {}),
            draws=None if draws is None else np.asarray(draws, dtype=float),
        )

    @classmethod
    def from_json(cls, text: str) -> MSEResult:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    def without_draws(self) -> MSEResult:
        """The same result without posterior draws (what JSON keeps by default)."""
        data = self.to_dict()
        data.pop("draws_summary", None)
        return MSEResult.from_dict(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MSEResult):
            return NotImplemented
        if self._identity() != other._identity():
            return False
        if self.draws is None or other.draws is None:
            return self.draws is None and other.draws is None
        return bool(np.array_equal(self.draws, other.draws))

    def _identity(self) -> dict[str, Any]:
        data = self.to_dict()
        data["diagnostics"] = {
            k: v
            for k, v in data["diagnostics"].items()
            if k not in VOLATILE_DIAGNOSTICS
        }
        return data

    def __hash__(self) -> int:
        return hash(json.dumps(self._identity(), sort_keys=True))


@runtime_checkable
class Estimator(Protocol):
    """Anything that turns capture histories into an :class:`MSEResult`.

    ``__init__`` stores settings only; ``fit`` does the work and never mutates
    the estimator, so fitting twice gives the same result.
    """

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Estimate the total population from ``captures``."""
        ...
