"""Capture histories: who was on which list, the only input every estimator reads.

A capture-history table has one 0/1 column per list and, optionally, a ``count``
column (the number of people with that pattern); without ``count`` every row is
one person. List columns are called ``in_<list>``; plain names are accepted for
tables that came from elsewhere (the R packages' data sets). When any column
starts with ``in_``, only those columns are lists and the others (ids, strata)
are ignored, so a per-person table from linkage can be passed as it is.

The object is frozen and canonical: identical patterns are merged, rows are
sorted, and nobody is recorded with the all-zero pattern (those people are the
unknown the estimators look for). Invalid input raises
:class:`gawah.errors.UserInputError` with one sentence the user can act on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gawah.core import sha256_hex
from gawah.errors import UserInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CaptureHistories"]

_PREFIX = "in_"
_COUNT_NAMES = ("count", "freq", "frequency")
#: What pandas' read_csv treats as missing by default (``keep_default_na``).
_NA_MARKERS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
    "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
    "nan", "null",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class CaptureHistories:
    """Observed capture patterns over ``lists`` and how many people have each.

    Attributes:
        lists: names of the lists, in column order.
        patterns: ``k x t`` array of 0/1 (uint8), one row per distinct observed
            pattern, rows sorted, no all-zero row.
        counts: ``k`` positive integers (int64), people per pattern.
    """

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray

    def __post_init__(self) -> None:
        lists = tuple(str(name) for name in self.lists)
        _check_names(lists)
        patterns = np.asarray(self.patterns)
        counts = np.asarray(self.counts)
        if patterns.ndim != 2 or patterns.shape[1] != len(lists):
            raise UserInputError(
                f"capture patterns must have one column per list ({len(lists)}); "
                f"got shape {patterns.shape}"
            )
        if counts.ndim != 1 or counts.shape[0] != patterns.shape[0]:
            raise UserInputError("there must be exactly one count per capture pattern")
        if patterns.size and not np.isin(patterns, (0, 1)).all():
            raise UserInputError("capture patterns may only contain 0 and 1")
        if counts.size and (
            not np.all(np.isfinite(counts.astype(float)))
            or np.any(counts != np.round(counts))
        ):
            raise UserInputError("counts must be whole numbers")
        if np.any(counts < 0):
            raise UserInputError("counts cannot be negative")
        patterns = patterns.astype(np.uint8)
        counts = counts.astype(np.int64)
        if np.any(patterns.sum(axis=1) == 0):
            raise UserInputError(
                "a row has 0 on every list: people seen by no list cannot be recorded "
                "(they are what the estimate is about)"
            )
        patterns, counts = _aggregate(patterns, counts)
        if counts.size == 0:
            raise UserInputError("the capture table holds nobody")
        patterns.setflags(write=False)
        counts.setflags(write=False)
        object.__setattr__(self, "lists", lists)
        object.__setattr__(self, "patterns", patterns)
        object.__setattr__(self, "counts", counts)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> CaptureHistories:
        """Read a capture table (aggregated with ``count``, or one row per person)."""
        names, list_cols, count_col = _layout([str(c) for c in frame.columns])
        for col in [*list_cols, *([count_col] if count_col else [])]:
            if frame[col].isna().all():
                raise UserInputError(f"column {col!r} is empty")
        values = _as_binary(frame[list_cols], list_cols)
        if count_col is None:
            counts = np.ones(len(frame), dtype=np.int64)
        else:
            counts = _as_counts(frame[count_col], count_col)
        return cls._from_values(names, values, counts)

    @classmethod
    def _from_values(
        cls, names: list[str], values: np.ndarray, counts: np.ndarray
    ) -> CaptureHistories:
        """Drop all-zero rows (refusing any that counts somebody) and build."""
        zero = values.sum(axis=1) == 0
        if np.any(zero & (counts > 0)):
            raise UserInputError(
                "a row has 0 on every list: people seen by no list cannot be recorded "
                "(they are what the estimate is about)"
            )
        keep = ~zero
        return cls(tuple(names), values[keep], counts[keep])

    @classmethod
    def from_csv(cls, path: str | Path) -> CaptureHistories:
        """Read a CSV capture-history table; unreadable files are a user error.

        Read with the standard library, not pandas (a second of start-up for
        ``gawah estimate FILE``); empty cells and pandas' default missing-value
        markers count as missing, as in :meth:`from_frame`.
        """
        path = Path(path)
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = [row for row in csv.reader(handle) if row]
        except FileNotFoundError as exc:
            raise UserInputError(f"no such file: {path}") from exc
        except IsADirectoryError as exc:
            raise UserInputError(f"{path} is a folder, not a CSV file") from exc
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UserInputError(f"cannot read {path} as CSV: {exc}") from exc
        if not rows:
            raise UserInputError(f"cannot read {path} as CSV: the file is empty")
        header, body = rows[0], rows[1:]
        for number, row in enumerate(body, start=2):
            if len(row) > len(header):
                raise UserInputError(
                    f"cannot read {path} as CSV: line {number} has {len(row)} "
                    f"fields, the header {len(header)}"
                )
        names, list_cols, count_col = _layout([h.strip() for h in header])
        width = len(header)
        cells = np.array(
            [row + [""] * (width - len(row)) for row in body], dtype=str
        ).reshape(len(body), width)
        missing = _member(cells, _NA_MARKERS)
        index = {h.strip(): j for j, h in enumerate(header)}
        for col in [*list_cols, *([count_col] if count_col else [])]:
            if missing[:, index[col]].all():
                raise UserInputError(f"column {col!r} is empty")
        values = np.empty((len(body), len(list_cols)), dtype=np.uint8)
        for k, col in enumerate(list_cols):
            # str.strip, not np.char.strip: numpy.char is a module to load.
            column = cells[:, index[col]].tolist()
            text = np.array([cell.strip() for cell in column], dtype=str)
            ok = _member(text, ("0", "1", "0.0", "1.0")) & ~missing[:, index[col]]
            if not ok.all():
                bad = str(cells[int(np.argmin(ok)), index[col]])
                raise UserInputError(
                    f"list column {col!r} must hold only 0 or 1; found {bad!r}"
                )
            values[:, k] = _member(text, ("1", "1.0"))
        if count_col is None:
            counts = np.ones(len(body), dtype=np.int64)
        else:
            j = index[count_col]
            try:
                numbers = np.array(
                    [
                        float("nan") if m else float(v)
                        for v, m in zip(cells[:, j], missing[:, j], strict=True)
                    ],
                    dtype=float,
                )
            except ValueError as exc:
                raise UserInputError(
                    f"column {count_col!r} must hold whole numbers"
                ) from exc
            counts = _whole_counts(numbers, count_col)
        return cls._from_values(names, values, counts)

    @classmethod
    def from_cell_counts(
        cls, lists: Sequence[str], cells: Sequence[int] | np.ndarray
    ) -> CaptureHistories:
        """Build from a full 2^t table in dga order (index = sum x_j 2^(j-1))."""
        t = len(lists)
        cells = np.asarray(cells)
        if cells.shape != (2**t,):
            raise UserInputError(
                f"expected {2**t} cells for {t} lists, got {cells.shape}"
            )
        index = np.arange(1, 2**t)
        patterns = (index[:, None] >> np.arange(t)[None, :]) & 1
        return cls(tuple(lists), patterns, cells[1:])

    # ------------------------------------------------------------------ views
    @property
    def n_lists(self) -> int:
        """Number of lists t."""
        return len(self.lists)

    @property
    def n_observed(self) -> int:
        """Number of distinct people seen on at least one list."""
        return int(self.counts.sum())

    def cell_counts(self) -> np.ndarray:
        """The full 2^t table, index sum x_j 2^(j-1) (list 1 fastest); cell 0 is 0."""
        t = self.n_lists
        cells = np.zeros(2**t, dtype=np.int64)
        index = self.patterns.astype(np.int64) @ (1 << np.arange(t, dtype=np.int64))
        np.add.at(cells, index, self.counts)
        return cells

    def list_totals(self) -> dict[str, int]:
        """People on each list."""
        totals = self.patterns.T.astype(np.int64) @ self.counts
        return {name: int(v) for name, v in zip(self.lists, totals, strict=True)}

    def digest(self) -> str:
        """sha256 of a canonical form that does not depend on list or row order."""
        order = sorted(range(self.n_lists), key=lambda j: self.lists[j])
        rows = sorted(
            ("".join(str(int(v)) for v in row[order]), int(c))
            for row, c in zip(self.patterns, self.counts, strict=True)
        )
        payload = {"lists": [self.lists[j] for j in order], "rows": rows}
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return sha256_hex(text.encode("utf-8"))

    def to_frame(self) -> pd.DataFrame:
        """Aggregated table with ``in_<list>`` columns and ``count``."""
        import pandas as pd

        data = {f"{_PREFIX}{n}": self.patterns[:, j] for j, n in enumerate(self.lists)}
        frame = pd.DataFrame(data)
        frame["count"] = self.counts
        return frame

    # ------------------------------------------------------------------ transforms
    def reorder(self, lists: Iterable[str]) -> CaptureHistories:
        """The same data with the columns in ``lists`` order (a permutation)."""
        order = list(lists)
        if sorted(order) != sorted(self.lists):
            raise UserInputError(
                f"reorder needs a permutation of {list(self.lists)}; got {order}"
            )
        idx = [self.lists.index(n) for n in order]
        return CaptureHistories(tuple(order), self.patterns[:, idx], self.counts)

    def drop_list(self, name: str) -> CaptureHistories:
        """The data without one list; people seen only on that list disappear."""
        if name not in self.lists:
            raise UserInputError(f"no list named {name!r}; lists: {list(self.lists)}")
        keep = [j for j, n in enumerate(self.lists) if n != name]
        patterns = self.patterns[:, keep]
        seen = patterns.sum(axis=1) > 0
        return CaptureHistories(
            tuple(self.lists[j] for j in keep), patterns[seen], self.counts[seen]
        )

    def without_empty_lists(self) -> tuple[CaptureHistories, list[str]]:
        """The data without the lists that recorded nobody, and their names.

        A list holding nobody carries no information on the others' overlaps,
        and a model or check that counts it as a list breaks (a log-linear
        term for a list with no one on it has no finite estimate). Two lists
        are always kept, so a refusal can still say why.
        """
        empty = [name for name, total in self.list_totals().items() if total == 0]
        kept = self
        dropped: list[str] = []
        for name in empty:
            if kept.n_lists <= 2:
                break
            kept = kept.drop_list(name)
            dropped.append(name)
        return kept, dropped

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaptureHistories):
            return NotImplemented
        return (
            self.lists == other.lists
            and np.array_equal(self.patterns, other.patterns)
            and np.array_equal(self.counts, other.counts)
        )

    def __hash__(self) -> int:
        return hash((self.lists, self.digest()))

    def __repr__(self) -> str:
        return (
            f"CaptureHistories(lists={self.lists!r}, patterns={len(self.counts)}, "
            f"n_observed={self.n_observed})"
        )


def _member(cells: np.ndarray, values: tuple[str, ...]) -> np.ndarray:
    """``np.isin`` for a few strings, by hand: ``np.isin`` sorts with
    ``np.unique``, which imports ``numpy.ma`` (0.1-0.4 s of ``gawah estimate
    FILE``'s start-up)."""
    out = np.zeros(cells.shape, dtype=bool)
    for value in values:
        out |= cells == value
    return out


def _check_names(lists: tuple[str, ...]) -> None:
    if len(lists) < 2:
        raise UserInputError(f"at least 2 lists are needed; got {len(lists)}")
    if any(name.strip() == "" for name in lists):
        raise UserInputError("a list has an empty name")
    if len(set(lists)) != len(lists):
        dupes = sorted({n for n in lists if lists.count(n) > 1})
        raise UserInputError(f"duplicate list name(s): {', '.join(dupes)}")


def _aggregate(
    patterns: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical patterns, drop zero counts, sort rows lexicographically."""
    if patterns.shape[0] == 0:
        return patterns.reshape(0, patterns.shape[1]), counts.reshape(0)
    uniq, inverse = np.unique(patterns, axis=0, return_inverse=True)
    summed = np.zeros(uniq.shape[0], dtype=np.int64)
    np.add.at(summed, inverse.reshape(-1), counts)
    keep = summed > 0
    return np.ascontiguousarray(uniq[keep]), summed[keep]


def _as_binary(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    out = np.empty((len(frame), len(columns)), dtype=np.uint8)
    for j, col in enumerate(columns):
        series = frame[col]
        text = series.astype(str).str.strip()
        ok = text.isin(["0", "1", "0.0", "1.0"]) & series.notna()
        if not ok.all():
            bad = series[~ok].iloc[0]
            raise UserInputError(
                f"list column {col!r} must hold only 0 or 1; found {bad!r}"
            )
        out[:, j] = text.isin(["1", "1.0"]).to_numpy()
    return out


def _layout(columns: list[str]) -> tuple[list[str], list[str], str | None]:
    """(list names, their columns, the count column) of a table's header."""
    if any(c.strip() == "" or c.startswith("Unnamed:") for c in columns):
        raise UserInputError("the table has a column without a name")
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise UserInputError(f"duplicate column(s): {', '.join(dupes)}")
    count_col = next((c for c in columns if c.lower() in _COUNT_NAMES), None)
    prefixed = [c for c in columns if c.startswith(_PREFIX)]
    if prefixed:
        list_cols = prefixed
        names = [c[len(_PREFIX) :] for c in prefixed]
    else:
        list_cols = [c for c in columns if c != count_col]
        names = list_cols
    if len(set(names)) != len(names):
        raise UserInputError("two columns name the same list")
    if len(list_cols) < 2:
        raise UserInputError(
            f"at least 2 lists are needed; found {len(list_cols)} list column(s)"
        )
    return names, list_cols, count_col


def _as_counts(series: pd.Series, name: str) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    return _whole_counts(values.to_numpy(dtype=float), name)


def _whole_counts(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` as int64 counts; missing, negative or fractional is a user error."""
    if not np.all(np.isfinite(array)):
        raise UserInputError(f"column {name!r} must hold whole numbers")
    if np.any(array < 0):
        raise UserInputError(f"column {name!r} has a negative count")
    if np.any(array != np.round(array)):
        raise UserInputError(f"column {name!r} must hold whole numbers")
    return array.astype(np.int64)
