"""The linkage pipeline, one function, its stages in HRDAG's order.

:func:`link_records` runs, for a table of reports:

1. normalise every report (:mod:`~gawah.linkage.normalise`);
2. block and compare candidate pairs, fit the model, score
   (:mod:`~gawah.linkage.blocking`, :mod:`~gawah.linkage.compare`,
   :mod:`~gawah.linkage.classify`); with reviewed decisions, a correction
   fitted on them re-scores the pairs (:mod:`~gawah.linkage.learn`);
3. cluster at the threshold, reviewed decisions first
   (:mod:`~gawah.linkage.cluster`);
4. name the persons, carrying ids over from the previous run;
5. collect the pairs between the review threshold and the match threshold
   that no one has decided yet (:mod:`~gawah.linkage.review`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from gawah.linkage.classify import (
    DEFAULT_MATCH_THRESHOLD,
    DEFAULT_REVIEW_HIGH,
    DEFAULT_REVIEW_LOW,
    ModelOptions,
    model_table,
    return_freed_memory,
    score_pairs,
)
from gawah.linkage.cluster import (
    ATTACH_THRESHOLD,
    DISTINCT_THRESHOLD,
    OTHER_HOME_THRESHOLD,
    SAME_LIST_THRESHOLD,
    WITHIN_LIST_THRESHOLD,
    Constraints,
    carry_over,
    cluster_pairs,
)
from gawah.linkage.learn import DEFAULT_PENALTY, LearnedCorrection, rescore
from gawah.linkage.normalise import normalise_chunks
from gawah.linkage.spark import score_pairs_spark

#: Pairs down to this match probability are kept for the interval with
#: linkage doubt (docs/validation/estimation-defaults.md, "Linkage doubt").
DEFAULT_DOUBT_LOW = 0.05


@dataclass(frozen=True, slots=True)
class LinkOptions:
    """Thresholds and model options of one linkage run (defaults documented)."""

    threshold: float = DEFAULT_MATCH_THRESHOLD
    review_low: float = DEFAULT_REVIEW_LOW
    review_high: float = DEFAULT_REVIEW_HIGH
    max_cluster_size: int | None = None
    # A scored pair below this probability may not be joined through others.
    conflict_below: float | None = 0.05
    model: ModelOptions = field(default_factory=ModelOptions)
    # Lists whose records are distinct people (a ministry's deduplicated
    # register): no person may hold two records of one of them.
    distinct_lists: frozenset[str] = frozenset()
    # Links between records of two distinct lists count from this probability
    # (cluster.DISTINCT_THRESHOLD); None: from the threshold.
    distinct_threshold: float | None = DISTINCT_THRESHOLD
    # Whether clustering refuses what cannot be one human (cluster.Constraints).
    constraints: bool = True
    # A link between two lists that puts two records of one list together
    # must be this probable, and no link joins groups that both hold records
    # of the same two lists (cluster.SAME_LIST_THRESHOLD); None: no such rule.
    same_list_threshold: float | None = SAME_LIST_THRESHOLD
    # With that rule, every two records of one list in a person must have a
    # direct link of at least this (cluster.WITHIN_LIST_THRESHOLD); None: no such rule.
    within_list_threshold: float | None = WITHIN_LIST_THRESHOLD
    # With that rule, a join that repeats a list must be more probable than
    # the other persons its two records could join, together
    # (cluster.OTHER_HOME_THRESHOLD); None: no such rule.
    other_home_threshold: float | None = OTHER_HOME_THRESHOLD
    # A report left alone joins the person it most probably belongs to when
    # that posterior reaches this (cluster.ATTACH_THRESHOLD); None: never.
    attach: float | None = ATTACH_THRESHOLD
    # Reviewed decisions re-fit the scores (gawah.linkage.learn): on/off, the
    # ridge penalty, and the lowest model probability the re-fit may move
    # (pairs below it are not kept, so cannot be raised). On by default: on
    # the held-out seeds of the four-list generator it adds 0.006 F1 after
    # 100 decisions and 0.009 after 300 to decisions that only bind, on the
    # older generator 0.024 and 0.035 (docs/validation/linkage.md, "Learning
    # from review"). Decisions bind either way.
    learn: bool = True
    learn_penalty: float = DEFAULT_PENALTY
    learn_from: float = 0.05
    # Pairs from this probability up to the review band are kept aside (not
    # clustered, not reviewed) for the interval with linkage doubt
    # (gawah.estimate.linkage_doubt), which may join them; None: none kept.
    doubt_low: float | None = DEFAULT_DOUBT_LOW


@dataclass(frozen=True)
class LinkResult:
    """The outcome of a run: one row per report with its person, and the scored pairs."""

    records: pd.DataFrame = field(repr=False)  # key, list, record_id, person_id
    pairs: pd.DataFrame = field(repr=False)  # key_l < key_r, match_probability, ...
    model: dict[str, Any] = field(repr=False)
    options: LinkOptions
    # The correction fitted on reviewed decisions (gawah.linkage.learn), if any.
    learned: LearnedCorrection | None = field(default=None, repr=False)
    # Per report, the fields constraints are checked on (list, sex, age_lo,
    # age_hi, cnic; gawah.linkage.constraints), in memory only.
    fields: pd.DataFrame | None = field(default=None, repr=False)
    # Pairs scored from ``options.doubt_low`` up to where clustering keeps
    # pairs (key_l < key_r, match_probability): unclustered, for linkage doubt.
    low_pairs: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def n_persons(self) -> int:
        """How many distinct persons the reports describe."""
        return int(self.records["person_id"].nunique())

    def review_pairs(
        self, decided: frozenset[tuple[str, str]] = frozenset()
    ) -> pd.DataFrame:
        """Undecided pairs whose probability lies between the two thresholds."""
        p = self.pairs
        band = p[
            (p["match_probability"] >= self.options.review_low)
            & (p["match_probability"] < self.options.review_high)
        ]
        if decided:
            keep = [
                (a, b) not in decided
                for a, b in zip(band["key_l"], band["key_r"], strict=True)
            ]
            band = band[keep]
        return band.sort_values("match_probability", ascending=False)


def _max_size(records: pd.DataFrame, options: LinkOptions) -> int:
    if options.max_cluster_size is not None:
        return options.max_cluster_size
    # A person is named at most a few times per list; allow three per list.
    return max(10, 3 * int(records["list"].nunique()))


# The normalised fields clustering's constraints and the run summary read.
_FIELD_COLUMNS = ("sex", "age_lo", "age_hi", "dob", "cnic", "list")


def normalised_model_input(
    reports: pd.DataFrame, lists: Any
) -> tuple[pa.Table, pd.DataFrame]:
    """The model's Arrow table of the reports, and the fields the constraints read.

    Normalised a chunk at a time (:func:`~gawah.linkage.normalise.normalise_chunks`),
    each chunk kept only as the model's Arrow columns: at a million reports
    the normalised frame as Python objects took some 1.4 GB, and what Python
    freed of it stayed with its allocator, leaving DuckDB its 1 GB floor
    (the blocked pairs spilled to disk). ``lists`` holds each report's list
    name, in order.

    The fields (``sex, age_lo, age_hi, dob, cnic, list``) are those
    :meth:`Constraints.from_frame` and the run summary (``LinkResult.fields``)
    read; the national ids and dates of birth as Arrow strings.
    """
    # Each list's name once, not a string per report.
    codes, uniques = pd.factorize(pd.Series(lists, index=reports.index))
    names = np.asarray(uniques, dtype=object)
    chunks = []
    for part in normalise_chunks(reports):
        rows = part.index.to_numpy()
        part["unique_id"] = rows
        part["list"] = names[codes[rows]]
        chunks.append(model_table(part))
        del part
    return_freed_memory()
    table = pa.concat_tables(chunks)
    fields = table.select(list(_FIELD_COLUMNS)).to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype()}.get
    )
    text = pd.ArrowDtype(pa.string())
    for column in ("dob", "cnic"):
        fields[column] = pd.Series(
            pd.arrays.ArrowExtensionArray(table.column(column)), index=fields.index
        ).astype(text)
    return table, fields


def link_records(
    reports: pd.DataFrame,
    *,
    options: LinkOptions | None = None,
    decisions: Mapping[tuple[str, str], bool] | None = None,
    previous: Mapping[str, str] | None = None,
) -> LinkResult:
    """Link reports into persons.

    Args:
        reports: canonical import columns plus ``key`` (unique) and ``list``.
        options: thresholds and model options.
        decisions: reviewed pairs of keys (smaller first): ``True`` same person.
        previous: key -> person id of the previous run, for stable ids.

    Returns:
        A :class:`LinkResult`.
    """
    options = options or LinkOptions()
    decisions = decisions or {}
    reports = reports.reset_index(drop=True)
    keys = reports["key"].astype(str).tolist()
    # 1 - normalise, into the model's table and the constraints' fields
    table, frame = normalised_model_input(reports, reports["list"].astype(str))
    n_reports = table.num_rows
    constraints = (
        Constraints.from_frame(
            frame,
            options.distinct_lists,
            options.same_list_threshold,
            options.within_list_threshold,
            options.other_home_threshold,
        )
        if options.constraints
        else None
    )
    fields = frame.drop(columns=["dob"])
    del frame
    # Made only for decisions: at a million reports the index is some 100 MB.
    index = {k: i for i, k in enumerate(keys)} if decisions else {}
    by_id = {
        (min(index[a], index[b]), max(index[a], index[b])): same
        for (a, b), same in decisions.items()
        if a in index and b in index
    }
    del index
    # 2 - block, compare, classify; re-fit on reviewed decisions
    link_from = options.threshold
    if options.distinct_lists and options.distinct_threshold is not None:
        link_from = min(link_from, options.distinct_threshold)
    keep_from = min(options.review_low, link_from)
    if options.attach is not None:
        keep_from = min(keep_from, options.attach)
    learning = options.learn and bool(by_id)
    score = score_pairs_spark if options.model.backend == "spark" else score_pairs
    score_from = min(keep_from, options.learn_from) if learning else keep_from
    if options.doubt_low is not None:
        score_from = min(score_from, options.doubt_low)
    scored = score(
        table,
        options.model,
        threshold=score_from,
        conflicts_below=options.conflict_below,
        # A re-fit raises pairs of the review band over the threshold: the
        # conflicts that could then be chained over are those of its groups.
        link_threshold=keep_from if learning else link_from,
        joined=[pair for pair, same in by_id.items() if same],
    )
    scored_pairs, learned = scored.pairs, None
    if learning:
        scored_pairs, learned = rescore(
            scored.pairs,
            by_id,
            options.learn_penalty,
            below=options.review_high,
            threshold=options.threshold,
        )
    # Clustering sees the pairs it saw before pairs were kept for linkage
    # doubt (the posteriors of attaching count every pair it is given).
    below = scored_pairs["match_probability"] < keep_from
    low = scored_pairs[below]
    if options.doubt_low is not None:
        low = low[low["match_probability"] >= options.doubt_low]
    scored_pairs = scored_pairs[~below].reset_index(drop=True)
    conflicts = zip(
        scored.conflicts["unique_id_l"].tolist(),
        scored.conflicts["unique_id_r"].tolist(),
        strict=True,
    )
    # 3 - cluster
    label = cluster_pairs(
        n_reports,
        scored_pairs,
        threshold=options.threshold,
        decisions=by_id,
        max_size=_max_size(reports, options),
        conflicts=conflicts,
        constraints=constraints,
        distinct_threshold=options.distinct_threshold,
        attach=options.attach,
    )
    # 4 - name the persons
    members: dict[str, list[str]] = {}
    for k, lab in zip(keys, label.tolist(), strict=True):
        members.setdefault(str(lab), []).append(k)
    ids = carry_over(members, previous or {})
    records = pd.DataFrame(
        {
            "key": keys,
            "list": reports["list"].astype(str),
            "record_id": reports["record_id"].astype(str),
            "person_id": [ids[str(lab)] for lab in label.tolist()],
        }
    )
    key_arr = pd.Series(keys)
    kept = scored_pairs
    pairs = kept.assign(
        key_l=key_arr.iloc[kept["unique_id_l"]].to_numpy(),
        key_r=key_arr.iloc[kept["unique_id_r"]].to_numpy(),
    )
    swap = pairs["key_l"] > pairs["key_r"]
    pairs.loc[swap, ["key_l", "key_r"]] = pairs.loc[swap, ["key_r", "key_l"]].to_numpy()
    key_low = low.assign(
        key_l=key_arr.iloc[low["unique_id_l"]].to_numpy(),
        key_r=key_arr.iloc[low["unique_id_r"]].to_numpy(),
    )[["key_l", "key_r", "match_probability"]]
    swap = key_low["key_l"] > key_low["key_r"]
    key_low.loc[swap, ["key_l", "key_r"]] = key_low.loc[
        swap, ["key_r", "key_l"]
    ].to_numpy()
    return LinkResult(
        records,
        pairs,
        scored.model,
        options,
        learned,
        fields,
        key_low.reset_index(drop=True) if options.doubt_low is not None else None,
    )
