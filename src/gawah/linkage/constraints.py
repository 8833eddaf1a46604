"""Constraints: what no single person can be, and the clusters that break it.

One person cannot be recorded as a man and as a woman, with ages decades
apart, with two different national ids, or twice by one list (a list's
records are its own distinct entries). These definitions are shared: the run
summary reports the clusters that break them (:func:`constraint_violations`);
clustering (:class:`gawah.linkage.cluster.Constraints`) refuses the joins that
would break the first two, and the last for lists declared distinct. Two
national ids are the model's evidence, not a refusal (a child may carry the
father's CNIC), and most lists do hold a few duplicates of their own, so the
summary reports those as questions, not errors.

A record's constraint fields are ``list``, ``sex`` (``m``/``f``/missing),
``age_lo``/``age_hi`` (an age range in years, or missing; not trusted for an
undated record of a list that dates most of its records:
:func:`trusted_age_bounds`), ``cnic`` (the digits of a national id, or
missing) and, optionally, ``dob``: the columns of
:func:`gawah.linkage.normalise.normalise_frame`, or :func:`constraint_fields`
of the canonical import columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from gawah.linkage.normalise import (
    age_from_notes,
    canonical_cnic,
    canonical_sex,
    parse_age,
)

# Two age ranges more than this many years apart cannot be one person's ages
# at about the same date. Lists misjudge ages by years, not decades: between
# the two Gaza releases 0.4 % of true pairs differ by ten years or more and
# 0.06 % by twenty or more. Clustering refuses such a join
# (gawah.linkage.cluster); the run summary reports any cluster that has one.
AGE_GAP_YEARS = 20
# National ids one typing error apart (one digit wrong, missing or added, or
# two neighbours swapped: optimal string alignment distance 1) may be one id.
ID_TYPO_DISTANCE = 1
# In a list that writes a date of birth for more than this share of its
# records, the age of a record without one constrains nothing: such a list
# works its ages out from the dates, and an undated record's age is often a
# placeholder (on the tuning half of the Gaza releases, one release gave
# many undated records the age 20 or 0, and 23 true pairs were kept apart as
# "ages decades apart"). The model still weighs that age (its age levels
# tell pairs with both dates written from the others, gawah.linkage.compare.AgeRangeComparison);
# only the refusal is dropped. Lists without dates of birth (most Pakistani
# lists) keep every age as a constraint. "More than half" is the plain
# reading of "most", not a tuned value.
DATED_LIST_SHARE = 0.5

KINDS = ("sex", "age", "national_id", "same_list")
_EXPLAIN = {
    "sex": "recorded as both sexes",
    "age": f"ages more than {AGE_GAP_YEARS} years apart",
    "national_id": "two different national ids",
    "same_list": "two records of one list (a duplicate within the list?)",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """A cluster that cannot be one person, and why.

    ``members`` are the index labels (in the records frame) of the records
    that break the constraint, not the whole cluster.
    """

    cluster: str
    kind: str
    members: tuple[Any, ...]

    @property
    def reason(self) -> str:
        """The constraint in words ("recorded as both sexes" ...)."""
        return _EXPLAIN[self.kind]


def constraint_fields(reports: pd.DataFrame) -> pd.DataFrame:
    """The constraint fields of reports given in the canonical import columns.

    Reads ``list``, ``sex``, ``age``/``age_min``/``age_max`` (else an age
    written in ``notes``) and ``national_id``; keeps the index.
    """

    def col(name: str) -> list[Any]:
        if name in reports.columns:
            return [None if _missing(v) else v for v in reports[name].tolist()]
        return [None] * len(reports)

    ages = []
    for age, lo, hi, notes in zip(
        col("age"), col("age_min"), col("age_max"), col("notes"), strict=True
    ):
        parsed = parse_age(age, lo, hi)
        if parsed.low is None and notes is not None:
            parsed = parse_age(age_from_notes(str(notes)))
        ages.append((parsed.low, parsed.high))
    return pd.DataFrame(
        {
            "list": [str(v) if v is not None else "" for v in col("list")],
            "sex": [canonical_sex(None if v is None else str(v)) for v in col("sex")],
            "age_lo": pd.array([a for a, _ in ages], dtype="Int64"),
            "age_hi": pd.array([b for _, b in ages], dtype="Int64"),
            "cnic": [
                canonical_cnic(None if v is None else str(v))
                for v in col("national_id")
            ],
            "dob": [None if v is None else str(v) for v in col("dob")],
        },
        index=reports.index,
    )


def trusted_age_bounds(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each record's age range as floats, NaN where unknown or not trusted.

    Not trusted: the age of a record without a date of birth in a list that
    dates more than :data:`DATED_LIST_SHARE` of its records (often a
    placeholder). One rule for clustering, which refuses no join on such an
    age, and for the run summary, which must not report the persons that
    clustering rightly formed as "ages decades apart".
    """
    lo = pd.to_numeric(frame["age_lo"], errors="coerce").to_numpy(float)
    hi = pd.to_numeric(frame["age_hi"], errors="coerce").to_numpy(float)
    if "dob" in frame.columns:
        lists = (
            frame["list"].astype(str)
            if "list" in frame.columns
            else pd.Series("", index=frame.index)
        )
        dated = frame["dob"].notna()
        share = dated.groupby(lists).transform("mean")
        placeholder = (~dated & (share > DATED_LIST_SHARE)).to_numpy()
        lo[placeholder] = np.nan
        hi[placeholder] = np.nan
    return lo, hi


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value != value or str(value) == ""


def ids_differ(a: str | None, b: str | None) -> bool:
    """Two national ids that cannot be one id, even allowing one typing error."""
    if not a or not b:
        return False
    return bool(
        OSA.distance(a, b, score_cutoff=ID_TYPO_DISTANCE + 1) > ID_TYPO_DISTANCE
    )


def ages_apart(
    lo_a: int | None, hi_a: int | None, lo_b: int | None, hi_b: int | None
) -> bool:
    """Two age ranges more than :data:`AGE_GAP_YEARS` apart."""
    if _missing(lo_a) or _missing(lo_b):
        return False
    hi_a = lo_a if _missing(hi_a) else hi_a
    hi_b = lo_b if _missing(hi_b) else hi_b
    return bool(max(int(lo_a), int(lo_b)) - min(int(hi_a), int(hi_b)) > AGE_GAP_YEARS)  # type: ignore[arg-type]


def incompatible(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The constraints two records break if they were one person (empty: none).

    ``a`` and ``b`` hold the constraint fields (module docstring).
    """
    out: list[str] = []
    sa, sb = a.get("sex"), b.get("sex")
    if not _missing(sa) and not _missing(sb) and sa != sb:
        out.append("sex")
    if ages_apart(a.get("age_lo"), a.get("age_hi"), b.get("age_lo"), b.get("age_hi")):
        out.append("age")
    if ids_differ(a.get("cnic") or None, b.get("cnic") or None):
        out.append("national_id")
    la, lb = a.get("list"), b.get("list")
    if not _missing(la) and la == lb:
        out.append("same_list")
    return out


def constraint_violations(
    records_frame: pd.DataFrame, clusters: Sequence[Any] | pd.Series
) -> list[Violation]:
    """Every cluster that breaks a constraint, once per constraint it breaks.

    Args:
        records_frame: one row per record with the constraint fields (module
            docstring); a frame without ``age_lo`` is read as canonical import
            columns through :func:`constraint_fields`.
        clusters: the cluster of each row, in the frame's row order.

    Returns:
        Violations ordered by cluster, then kind (the order of :data:`KINDS`).
    """
    frame = (
        records_frame
        if "age_lo" in records_frame.columns
        else constraint_fields(records_frame)
    )
    if len(clusters) != len(frame):
        raise ValueError("one cluster label per record is needed")
    # Vectorised over integer cluster codes (a million records hold hundreds
    # of thousands of clusters); only clusters with two different ids are
    # looked at one by one.
    rows = frame.reset_index(drop=True)
    index = np.asarray(frame.index)
    codes, names = pd.factorize(pd.Series(list(clusters), dtype=object))
    found: list[Violation] = []
    sex = rows["sex"].where(rows["sex"].notna() & (rows["sex"] != ""))
    with_sex = pd.DataFrame({"c": codes, "s": sex}).dropna()
    mixed = with_sex[with_sex.groupby("c")["s"].transform("nunique") > 1]
    for c, members in _by_cluster(mixed["c"].to_numpy(), mixed.index.to_numpy()):
        found.append(Violation(str(names[c]), "sex", tuple(index[members])))
    trusted_lo, trusted_hi = trusted_age_bounds(rows)
    lo = pd.Series(trusted_lo, index=rows.index)
    hi = pd.Series(trusted_hi, index=rows.index).fillna(lo)
    ages = pd.DataFrame({"c": codes, "lo": lo, "hi": hi}).dropna()
    if not ages.empty:
        by = ages.groupby("c")
        gap = by["lo"].max() - by["hi"].min()
        far = gap[gap > AGE_GAP_YEARS].index
        if len(far):
            oldest = by["lo"].idxmax()[far]
            youngest = by["hi"].idxmin()[far]
            for c in far:
                pair = (index[youngest[c]], index[oldest[c]])
                found.append(Violation(str(names[c]), "age", pair))
    if "cnic" in rows.columns:
        ids = pd.DataFrame({"c": codes, "v": rows["cnic"]})
        ids = ids[ids["v"].notna() & (ids["v"].astype(str) != "")]
        several = ids[ids.groupby("c")["v"].transform("nunique") > 1]
        for code, values in several.groupby("c")["v"]:
            ids_of = [(int(i), str(v)) for i, v in values.items()]  # type: ignore[call-overload]
            differ = _different_ids(ids_of)
            if differ is not None:
                found.append(
                    Violation(
                        str(names[int(code)]),  # type: ignore[arg-type]
                        "national_id",
                        (index[differ[0]], index[differ[1]]),
                    )
                )
    lists = pd.DataFrame({"c": codes, "l": rows["list"].astype(str)})
    lists = lists[lists["l"] != ""]
    twice = lists[lists.duplicated(["c", "l"], keep=False)]
    for c, members in _by_cluster(twice["c"].to_numpy(), twice.index.to_numpy()):
        found.append(Violation(str(names[c]), "same_list", tuple(index[members])))
    found.sort(key=lambda v: (v.cluster, KINDS.index(v.kind)))
    return found


def _by_cluster(
    codes: np.ndarray, positions: np.ndarray
) -> list[tuple[int, np.ndarray]]:
    """Positions grouped by cluster code (numpy sort and split, not a groupby)."""
    if len(codes) == 0:
        return []
    order = np.argsort(codes, kind="stable")
    codes, positions = codes[order], positions[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return [
        (int(codes[s]), part)
        for s, part in zip(starts, np.split(positions, starts[1:]), strict=True)
    ]


def _different_ids(ids: list[tuple[int, str]]) -> tuple[int, int] | None:
    for k, (i, a) in enumerate(ids):
        for j, b in ids[k + 1 :]:
            if ids_differ(a, b):
                return i, j
    return None
