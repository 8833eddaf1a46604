"""Hierarchical log-linear models over t lists: enumeration, designs, names.

A hierarchical model is a set of interaction terms closed under taking
subsets (if it has lists 1,2,3 together it has every pair of them), always
with every main effect. Rcapture's ``closedpMS.t`` names a model by its
maximal terms, highest order first: ``[123,14,34]``. Columns are 0/1
products, so the intercept is the log of the expected count of people on no
list, and the estimate of the unseen is ``exp(intercept)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

__all__ = [
    "HierarchicalSpace",
    "cell_patterns",
    "model_name",
    "parse_model_name",
]

Term = tuple[int, ...]


def cell_patterns(t: int) -> np.ndarray:
    """The 2^t - 1 observable patterns in dga order (index sum x_j 2^(j-1))."""
    index = np.arange(1, 2**t)
    return ((index[:, None] >> np.arange(t)[None, :]) & 1).astype(float)


def model_name(terms: Sequence[Term]) -> str:
    """Rcapture's name of the model spanned by ``terms`` (0-based list indices)."""
    closed = set(terms)
    maximal = [
        term
        for term in closed
        if not any(len(o) > len(term) and set(term) <= set(o) for o in closed)
    ]
    labels = ["".join(str(j + 1) for j in term) for term in maximal]
    labels.sort(key=lambda s: (-len(s), s))
    return "[" + ",".join(labels) + "]"


def parse_model_name(name: str, t: int) -> tuple[Term, ...]:
    """All terms (closed under subsets, with every main effect) of a model name."""
    body = name.strip().strip("[]").replace(" ", "")
    gens = [g for g in body.split(",") if g]
    terms: set[Term] = {(j,) for j in range(t)}
    for gen in gens:
        if not gen.isdigit() or len(set(gen)) != len(gen):
            raise ValueError(f"bad term {gen!r} in model name {name!r}")
        idx = tuple(sorted(int(ch) - 1 for ch in gen))
        if any(j < 0 or j >= t for j in idx):
            raise ValueError(f"term {gen!r} names a list beyond {t}")
        for size in range(1, len(idx) + 1):
            terms.update(combinations(idx, size))
    return tuple(sorted(terms, key=lambda s: (len(s), s)))


@dataclass(frozen=True)
class HierarchicalSpace:
    """Every hierarchical model over ``t`` lists with terms up to ``max_order``."""

    t: int
    max_order: int

    def terms(self) -> list[Term]:
        """Candidate terms (columns after the intercept), by order then lexically."""
        out: list[Term] = []
        for size in range(1, self.max_order + 1):
            out.extend(combinations(range(self.t), size))
        return out

    def design(self) -> np.ndarray:
        """(2^t - 1) x (1 + #terms) matrix: intercept then 0/1 products."""
        patterns = cell_patterns(self.t)
        cols = [np.ones(patterns.shape[0])]
        cols.extend(patterns[:, list(term)].prod(axis=1) for term in self.terms())
        return np.column_stack(cols)

    def models(self) -> Iterator[tuple[Term, ...]]:
        """Each model as its full set of interaction terms (order >= 2)."""
        yield from self._grow(2, frozenset((j,) for j in range(self.t)), ())

    def _grow(
        self, size: int, present: frozenset[Term], chosen: tuple[Term, ...]
    ) -> Iterator[tuple[Term, ...]]:
        if size > self.max_order:
            yield chosen
            return
        candidates = [
            term
            for term in combinations(range(self.t), size)
            if all(sub in present for sub in combinations(term, size - 1))
        ]
        for k in range(len(candidates) + 1):
            for picked in combinations(candidates, k):
                if k == 0:
                    # nothing of this order: no higher order term can appear either
                    yield chosen
                    continue
                yield from self._grow(size + 1, present | set(picked), chosen + picked)

    def masks(self) -> tuple[np.ndarray, list[str]]:
        """Column masks (models x columns) and Rcapture names of every model."""
        terms = self.terms()
        position = {term: i + 1 for i, term in enumerate(terms)}
        base = np.zeros(1 + len(terms), dtype=bool)
        base[0] = True
        for j in range(self.t):
            base[position[(j,)]] = True
        rows: list[np.ndarray] = []
        names: list[str] = []
        for interactions in self.models():
            row = base.copy()
            for term in interactions:
                row[position[term]] = True
            rows.append(row)
            names.append(model_name([*((j,) for j in range(self.t)), *interactions]))
        return np.array(rows), names

    def mask_of(self, name: str) -> np.ndarray:
        """Column mask of a model given by its Rcapture name."""
        terms = self.terms()
        chosen = set(parse_model_name(name, self.t))
        if any(len(term) > self.max_order for term in chosen):
            raise ValueError(f"{name} has terms above order {self.max_order}")
        return np.array([True, *(term in chosen for term in terms)])
