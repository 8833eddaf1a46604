"""Classify: score candidate pairs with a Fellegi-Sunter model fitted by Splink.

No labelled data are needed. The prior (how often two random reports are the
same person) comes from near-certain deterministic rules; u probabilities from
random pairs (almost all non-matches); m probabilities by expectation
maximisation on two blocking rules, each leaving the other comparisons free.
Reviewed decisions do not re-estimate m: they are a sample of the review band,
not of matches (see :mod:`~gawah.linkage.learn`, which corrects the scores from
them instead). DuckDB runs in-process, on this machine's cores.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals import comparison_level as _comparison_level

from gawah.errors import GawahError
from gawah.linkage.blocking import (
    add_block_keys,
    blocking_rules,
    identity_training_rule,
    training_rules,
)
from gawah.linkage.compare import (
    DATED_AGE,
    STARTING_M,
    UNORDERED_LEVELS,
    comparisons,
    derived_columns_sql,
)

# A pair whose match probability reaches this is the same person, absent review.
# 0.5 ("more likely than not") scored a little higher on the tuning halves, but
# on the whole Gaza releases, with their 2,644 reports that carry no id (and
# often no age), it let chains through them: F1 0.880 against 0.942 at 0.7
# (docs/validation/linkage.md). A lower bar is a reviewer's choice.
DEFAULT_MATCH_THRESHOLD = 0.7
# Undecided pairs in [low, high) go to the review queue.
DEFAULT_REVIEW_LOW = 0.3
DEFAULT_REVIEW_HIGH = 0.95
# EM on few pairs drives some m probabilities to about 0 (a level no match
# happened to reach); below this, the level's starting m stands instead, so
# that one comparison cannot veto a pair on too little evidence.
_PROBABILITY_FLOOR = 0.005
# Splink needs a floor for the EM prior when no deterministic rule finds anything.
_FALLBACK_PRIOR = 1e-4

_MODEL_COLUMNS = (
    "unique_id",
    "name_exact",
    "name_seq",
    "name_first",
    "name_last",
    "name_parts",
    "name_core",
    "name_core_set",
    "name_init",
    "name_key",
    "name_skels",
    "name_skel",
    "name_flat",
    "father_key",
    "father_skels",
    "father_skel",
    "age_lo",
    "age_hi",
    "dob",
    "dob_year",
    "sex",
    "status",
    "date",
    "district",
    "tehsil",
    "union_council",
    "village",
    "cnic",
    "rare1",
    "rare2",
    "father_rare",
    "week",
    "list",
)


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """How the model is built; the defaults are the documented ones."""

    exclude: frozenset[str] = frozenset()
    seed: int = 19481210
    threads: int = 2
    u_max_pairs: float = 1e6
    em_max_pairs: float | None = 5e6
    # The run's memory ceiling, shared: DuckDB may use what this process
    # does not already hold when the model starts (at least
    # ``_DUCKDB_FLOOR_BYTES``), and spills beyond it to a private temporary
    # folder, removed at the end.
    memory_limit: str = "4GB"
    # Ceiling for DuckDB's spill files: a job too big fails instead of filling the disk.
    max_temp_size: str = "16GB"
    # Inside a block (reports sharing a rule's key) of more reports than
    # this, the rule compares only those that also share the district, then
    # the week, then the day (blocking.block_keys_sql); None: rules whole.
    # 300 kept 99.8 % of the true pairs of the spread 300,000 (all rules
    # whole: 99.99 %) with 40 % of the pairs, in an ad hoc count of the benchmark lists.
    max_block: int | None = 300
    # Where the model runs: "duckdb" in this process, or "spark", Splink's
    # SparkAPI on a local Spark (the same model: gawah.linkage.spark).
    backend: str = "duckdb"
    # Splink's u sampling (its defaults): the pairs are counted in chunks
    # until every level has this many; None: every chunk. Which pairs fall
    # in which chunk is each engine's hash, so only with None (and a sample
    # of every pair) do DuckDB and Spark count the same pairs.
    u_min_count: int | None = 100
    u_chunks: int = 10


@dataclass(frozen=True, slots=True)
class ScoredPairs:
    """The scored candidate pairs and the model that scored them."""

    # unique_id_l < unique_id_r, match_weight, match_probability, mw_<comparison>
    pairs: pd.DataFrame = field(repr=False)
    model: dict[str, Any] = field(repr=False)  # Splink's settings JSON with m/u
    conflicts: pd.DataFrame = field(repr=False)  # unique_id_l, unique_id_r scored apart


def _settings(options: ModelOptions, table: pa.Table) -> SettingsCreator:
    lists = pc.count_distinct(table.column("list")).as_py()
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        # One list only: "same list" would hold for every pair and say nothing.
        comparisons=cast(
            Any,
            comparisons(
                options.exclude | (frozenset({"list"}) if lists < 2 else frozenset())
            ),
        ),
        blocking_rules_to_generate_predictions=cast(
            Any, blocking_rules(options.max_block)
        ),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


# DuckDB gets at least this much, whatever Python holds (below it, every
# query spills); and this much of the budget is left to Python's own work
# while DuckDB runs (the pairs fetched into pandas, clustering).
_DUCKDB_FLOOR_BYTES = 1 << 30
_PYTHON_HEADROOM_BYTES = 1 << 29
_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}  # fmt: skip


def _bytes(size: str) -> int:
    """``"4GB"``, ``"3.5 GiB"`` or ``"512MB"`` as bytes (DuckDB's units)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]I?B|B)?\s*", size.upper())
    if m is None:
        raise GawahError(f"memory size {size!r}: use a number and KB, MB or GB")
    return int(float(m.group(1)) * _UNITS[m.group(2) or ""])


def _resident_bytes() -> int:
    """This process's resident memory now (Linux); 0 where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def return_freed_memory() -> None:
    """Collect cycles and give the C heap's free pages back to the system (glibc).

    Python returns what a dropped frame held to the C library's heap, which
    keeps most of it resident (``malloc_trim`` hands it back); until then,
    :func:`duckdb_memory_limit` would count it as Python's. Elsewhere
    (no glibc) this only collects.
    """
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def duckdb_memory_limit(options: ModelOptions) -> str:
    """DuckDB's share of ``options.memory_limit``: what Python does not hold now.

    One budget for the process: DuckDB's own ``memory_limit`` counts only its
    buffers, so at a million reports DuckDB's 4 GB on top of Python's frames
    took the process to 6.3 GB. What Python has freed (the normalised frame,
    dropped by the pipeline) is given back first, so that it counts for DuckDB.
    """
    return_freed_memory()
    left = _bytes(options.memory_limit) - _resident_bytes() - _PYTHON_HEADROOM_BYTES
    return f"{max(left, _DUCKDB_FLOOR_BYTES) // (1 << 20)}MiB"


def _linker(table: pa.Table, options: ModelOptions, spill: str) -> Linker:
    # Splink reports training details as log warnings; gawah explains its own.
    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(options.threads)}")
    con.execute("SET memory_limit = ?", [duckdb_memory_limit(options)])
    con.execute("SET temp_directory = ?", [spill])
    con.execute("SET max_temp_directory_size = ?", [options.max_temp_size])
    api = DuckDBAPI(connection=con)
    con.register("gawah_model_input", table)
    create_model_table(con, "gawah_model_input", "gawah_model_table")
    con.unregister("gawah_model_input")
    source = "gawah_model_table"
    if options.max_block is not None:
        add_block_keys(
            con, "gawah_model_table", "gawah_blocked_input", options.max_block
        )
        con.execute("DROP TABLE gawah_model_table")
        source = "gawah_blocked_input"
    splink_table = api.register(con.table(source), dataset_display_name="reports")
    # Splink's settings validation only logs warnings about columns missing
    # from the input, which the model table always has (and gawah silences
    # Splink's warnings); it parsed every comparison's SQL, half a second a run.
    return Linker(
        splink_table,
        _settings(options, table),
        log_level=None,
        validate_settings=False,
    )


def create_model_table(con: Any, source: str, target: str) -> None:
    """Create table ``target``: ``source``'s reports in ``unique_id`` order, with derived columns.

    The derived columns are those the comparisons read instead of the token
    lists, the chains' text and the dates' text
    (:func:`gawah.linkage.compare.derived_columns_sql`), computed here once
    per report rather than for both sides of every pair.
    """
    derived = ", ".join(derived_columns_sql())
    con.execute(
        f"CREATE TABLE {target} AS SELECT *, {derived} FROM {source} ORDER BY unique_id"
    )


# The model's columns that hold lists of strings; every other is text or an integer.
_LIST_COLUMNS = frozenset({"name_skels", "father_skels"})
_INT_COLUMNS = frozenset(
    {"unique_id", "name_parts", "age_lo", "age_hi", "dob_year", "week"}
)


def model_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """The model's columns as an Arrow table with their types stated.

    The pipeline hands the model this table rather than the normalised frame,
    and drops the frame first: at a million reports the frame's Python
    strings and lists took some 1.4 GB, its Arrow columns a fifth of that,
    and what Python frees is what DuckDB may use (:func:`duckdb_memory_limit`).
    A table already made (``pa.Table``) passes through, its columns selected.

    DuckDB types a pandas column from a sample of its rows, and a sample of
    only empty lists (no father named in the first thousand reports) types
    it NULL[]; reading every row instead took minutes at a million rows.
    Stating the types costs nothing and reads the same values (BIGINT,
    VARCHAR, VARCHAR[]).
    """

    def kind(column: str) -> pa.DataType:
        if column in _LIST_COLUMNS:
            return pa.list_(pa.string())
        return pa.int64() if column in _INT_COLUMNS else pa.string()

    if isinstance(frame, pa.Table):
        return frame.select(list(_MODEL_COLUMNS))
    # Straight from the columns (NaN and NA read as null): half the time of
    # going through Python lists first.
    return pa.table(
        {c: pa.array(frame[c], type=kind(c), from_pandas=True) for c in _MODEL_COLUMNS}
    )


def _em_session(
    linker: Linker, rule: Any, options: ModelOptions, *, last: bool = False
) -> None:
    """One EM session, keeping the comparisons the session could not estimate.

    Splink 5.0.0 returns, after a session, only the comparisons that session
    estimated (those outside its blocking rule); we put the others back with
    the values they had, so that every session adds to one model.

    ``last``: no session follows, so a rule without pairs is skipped before
    Splink prepares it (:func:`_has_pairs`). Splink's preparation of a session
    that then finds no pairs leaves the prior it started from adjusted to the
    rule, the start of the next session's EM: only the last may be skipped
    with the same model.
    """
    settings = linker._settings_obj
    before = settings.core_model_settings.copy()  # type: ignore[no-untyped-call]
    # Splink 5.0.0's EM can end a session on an m of exactly 0 (a level no
    # match reached), which its own validator then rejects, losing the whole
    # session; we let it through and floor such values below.
    validate = _comparison_level._validate_m_u_probability
    _comparison_level._validate_m_u_probability = _no_check
    try:
        if not last or _has_pairs(linker, rule):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule,
                estimate_without_term_frequencies=True,
                max_pairs=options.em_max_pairs,
            )
    except Exception as exc:  # a rule that finds no pairs in this data: skip it
        logging.getLogger(__name__).debug("EM rule skipped: %s", exc)
    finally:
        _comparison_level._validate_m_u_probability = validate
    after = {c.output_column_name: c for c in settings.core_model_settings.comparisons}
    settings.core_model_settings.comparisons = [
        after.get(c.output_column_name, c) for c in before.comparisons
    ]
    for comparison in settings.core_model_settings.comparisons:
        starting = STARTING_M.get(comparison.output_column_name, [])
        levels = comparison._comparison_levels_excluding_null
        for k, level in enumerate(levels):
            value = level._m_probability
            if isinstance(value, float) and value < _PROBABILITY_FLOOR:
                # EM saw (almost) no match at this level: no evidence either
                # way, so the starting value stands rather than a veto.
                level._m_probability = (
                    starting[k] if k < len(starting) else _PROBABILITY_FLOOR
                )


# Comparisons whose levels run from the closest agreement to the farthest.
_ORDERED = frozenset({"name", "father", "age", "place", "date"})


def _monotone(linker: Linker) -> None:
    """Make closer agreement never count against a pair more than farther agreement.

    EM on few pairs can give "dates 2 days apart" a lower Bayes factor than
    "dates a month apart"; for ordered comparisons we raise such a level's m
    until its Bayes factor equals the next farther level's (isotonic in the
    Bayes factor, a constraint of the model, not a fit to labels).
    """
    for comparison in linker._settings_obj.core_model_settings.comparisons:
        if comparison.output_column_name not in _ORDERED:
            continue
        ordered = [
            level
            for level in comparison._comparison_levels_excluding_null
            if level.label_for_charts not in UNORDERED_LEVELS
        ]
        # The age levels of dated pairs are a run of their own (compare.DATED_AGE).
        runs = [
            [lv for lv in ordered if lv.label_for_charts.startswith(DATED_AGE)],
            [lv for lv in ordered if not lv.label_for_charts.startswith(DATED_AGE)],
        ]
        for levels in runs:
            _raise_nearer(levels)


def _raise_nearer(levels: list[Any]) -> None:
    """Raise a level's m to the Bayes factor of the next farther one (levels nearest first)."""
    for near, far in zip(levels[-2::-1], levels[:0:-1], strict=False):
        m_near, u_near = near._m_probability, near._u_probability
        m_far, u_far = far._m_probability, far._u_probability
        values = (m_near, u_near, m_far, u_far)
        if not all(isinstance(v, float) and v > 0 for v in values):
            continue
        if m_near / u_near < m_far / u_far:
            near._m_probability = min(1.0, m_far / u_far * u_near)


def _cap_disagreement(linker: Linker) -> None:
    """Keep "the names share nothing" rare among matches: at most its starting m.

    EM has no label for "the same person"; where a family's members share
    father, place and age (brothers, twins), it can learn a class of "same
    family" instead, in which different names are common. Two reports of one
    person whose names share no part and no close spelling are a data error,
    rarer than the starting value says (0.5%); above it, EM is describing
    relatives.
    """
    for comparison in linker._settings_obj.core_model_settings.comparisons:
        if comparison.output_column_name != "name":
            continue
        last = comparison._comparison_levels_excluding_null[-1]
        cap = STARTING_M["name"][-1]
        if isinstance(last._m_probability, float) and last._m_probability > cap:
            last._m_probability = cap


def _no_check(
    value: float | str | None, param_name: str, level_not_observed_text: str
) -> None:
    return None


@contextmanager
def _exact_levels_read_once() -> Iterator[None]:
    """Splink's tests of "is this level an exact match", answered once per level.

    Splink 5.0.0 asks, for every level of every comparison, whether it is an
    exact match (parsing and simplifying its SQL with sqlglot) at the start
    of each EM session and again for each term-frequency level of a
    prediction: a second of CPU a run on the Gaza releases, for answers that
    depend only on the level's SQL. Memoised for the duration, then Splink's
    own properties are put back.
    """
    level_class = _comparison_level.ComparisonLevel
    originals: dict[str, property] = {
        name: getattr(level_class, name)
        for name in ("_is_exact_match", "_exact_match_colnames")
    }
    memo: dict[tuple[str, str, str], Any] = {}

    def once(prop: property, name: str) -> property:
        def read(level: Any) -> Any:
            key = (name, level.sqlglot_dialect, level.sql_condition)
            if key not in memo:
                memo[key] = cast(Any, prop.fget)(level)
            return memo[key]

        return property(read)

    for name, prop in originals.items():
        setattr(level_class, name, once(prop, name))
    try:
        yield
    finally:
        for name, prop in originals.items():
            setattr(level_class, name, prop)


def _has_pairs(linker: Linker, rule: Any) -> bool:
    """Whether ``rule`` admits any pair of the linker's reports (DuckDB; elsewhere: True).

    An EM session on a rule without pairs fails after Splink has prepared it
    (half a second on the Gaza releases, which hold no national id for the
    identity rule); asked first, the last session is skipped at once.
    """
    db_api = linker._db_api
    if not isinstance(db_api, DuckDBAPI):
        return True
    con = db_api._con
    (source,) = [t.physical_name for t in linker._input_tables_dict.values()]
    condition = rule.get_blocking_rule("duckdb").blocking_rule_sql
    [(found,)] = con.execute(
        f"SELECT EXISTS (SELECT 1 FROM {source} l JOIN {source} r "
        f"ON ({condition}) AND l.unique_id < r.unique_id)"
    ).fetchall()
    return bool(found)


def _estimate(linker: Linker, n: int, options: ModelOptions) -> None:
    with _exact_levels_read_once():
        _estimate_model(linker, n, options)


def _estimate_model(linker: Linker, n: int, options: ModelOptions) -> None:
    training = linker.training
    deterministic: list[Any] = [
        block_on("cnic"),
        # Ordered name skeletons, so that the rules find pairs in any script.
        block_on("name_seq", "father_key", "district"),
        block_on("name_seq", "date", "district"),
        block_on("name_seq", "dob"),
    ]
    try:
        training.estimate_probability_two_random_records_match(
            deterministic, recall=0.6
        )
    except Exception as exc:  # Splink raises bare errors on data with no such pairs
        logging.getLogger(__name__).debug("prior not estimated: %s", exc)
    prior = linker._settings_obj._probability_two_random_records_match
    if not 0 < prior < 1:
        # Lists with no district, date, date of birth or id (names, fathers,
        # ages: a small list of the dead often holds no more). One name and
        # one father is the evidence such lists have; without a father,
        # one name. Only when the rules above find nothing, so lists that
        # carry those fields keep the prior they had.
        for fallback in (block_on("name_seq", "father_key"), block_on("name_seq")):
            try:
                training.estimate_probability_two_random_records_match(
                    [fallback], recall=0.6
                )
            except Exception as exc:  # as above: no such pairs
                logging.getLogger(__name__).debug("prior not estimated: %s", exc)
            prior = linker._settings_obj._probability_two_random_records_match
            if 0 < prior < 1:
                break
    if not 0 < prior < 1:  # no deterministic match at all: a small prior
        linker._settings_obj._probability_two_random_records_match = _FALLBACK_PRIOR
    sampled = min(options.u_max_pairs, n * (n - 1) / 2)
    training.estimate_u_using_random_sampling(
        max_pairs=sampled,
        seed=options.seed,
        min_count_per_level=options.u_min_count,
        num_chunks=options.u_chunks,
    )
    prior = linker._settings_obj._probability_two_random_records_match
    for rule in training_rules():
        _em_session(linker, rule, options)
    _monotone(linker)
    _cap_disagreement(linker)
    # Last, and not capped: pairs sharing an id and a date of birth.
    _em_session(linker, identity_training_rule(), options, last=True)
    # An EM session leaves behind the match rate *inside its blocking rule*
    # (a third of pairs sharing a name skeleton are one person), not among all
    # pairs; the prior from the deterministic rules stands.
    linker._settings_obj._probability_two_random_records_match = prior
    _monotone(linker)


_SPILL_PREFIX = "gawah-duckdb-"


def _remove_stale_spills() -> None:
    """Remove spill folders left by runs that were killed (their process is gone).

    Only this user's folders named ``gawah-duckdb-<pid>-*`` whose process no
    longer exists; a live run's folder (this or another process) is kept.
    """
    base = Path(tempfile.gettempdir())
    for folder in base.glob(f"{_SPILL_PREFIX}*-*"):
        pid = folder.name[len(_SPILL_PREFIX) :].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)  # raises when no such process exists
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # another user's process, or the folder is gone
            continue


def score_pairs(
    frame: pd.DataFrame | pa.Table,
    options: ModelOptions | None = None,
    *,
    threshold: float = 0.01,
    conflicts_below: float | None = None,
    link_threshold: float = 0.0,
    joined: Iterable[tuple[int, int]] = (),
) -> ScoredPairs:
    """Fit the model on ``frame`` (output of ``normalise_frame`` plus ``unique_id`` and ``list``) and score.

    Args:
        frame: normalised reports with an integer ``unique_id`` column, or
            their :func:`model_table` (what the pipeline passes, having
            dropped the frame so that DuckDB may use the memory).
        options: model options (comparisons excluded, seed, threads).
        threshold: keep pairs with at least this match probability, with
            their per-comparison weights.
        conflicts_below: also return, as ids only, the blocked pairs scored
            below this (evidence of two different people, for clustering).
        link_threshold: only conflicts inside one group of records joined by
            pairs at or above this (or by ``joined``) are returned: clustering
            can never put two records of different groups together, so their
            conflicts cannot matter (and at scale they are most blocked pairs).
        joined: pairs that will be joined whatever the model says (reviewed
            "same person" decisions).

    Returns:
        Pairs with ``unique_id_l < unique_id_r``, ``match_weight``,
        ``match_probability``, and per comparison its match weight ``mw_<c>``
        (``mw_tf_adj_name`` is the extra weight of a rare or common name).
    """
    options = options or ModelOptions()
    # DuckDB's spill files go to a folder of this run's own (0700), removed
    # at the end: they hold the reports' names. A run killed by a signal
    # skips that ``finally``; its folder carries its process id, and the next
    # run removes the folders of processes that are gone.
    _remove_stale_spills()
    spill = tempfile.mkdtemp(prefix=f"{_SPILL_PREFIX}{os.getpid()}-")
    try:
        with _exact_levels_read_once():
            return _score_pairs(
                model_table(frame),
                options,
                spill,
                threshold=threshold,
                conflicts_below=conflicts_below,
                link_threshold=link_threshold,
                joined=joined,
            )
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _score_pairs(
    table: pa.Table,
    options: ModelOptions,
    spill: str,
    *,
    threshold: float,
    conflicts_below: float | None,
    link_threshold: float,
    joined: Iterable[tuple[int, int]],
) -> ScoredPairs:
    n = table.num_rows
    try:
        linker = _linker(table, options, spill)
    except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
        raise _too_big(n, options) from exc
    con = linker._db_api._con  # type: ignore[attr-defined]
    try:
        _estimate(linker, n, options)
        # Blocked pairs are materialised once (ids only) and scored twice:
        # all of them, keeping those above ``threshold``; then those inside
        # a group, for conflicts. Keeping every scored pair instead held
        # 37 million rows of comparison columns at 100,000 reports.
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        table = predictions.physical_name
        keep = [
            c
            for c in con.execute(f"SELECT * FROM {table} LIMIT 0").df().columns
            if c in ("unique_id_l", "unique_id_r", "match_weight", "match_probability")
            or c.startswith("mw_")
        ]
        pairs = _ordered(
            con.execute(f"SELECT {', '.join(map(_quoted, keep))} FROM {table}").df()
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        if conflicts_below is None:
            conflicts = pairs.iloc[:0][["unique_id_l", "unique_id_r"]]
        else:
            groups = _groups(n, pairs, link_threshold, joined)
            conflicts = _ordered(
                _conflicts(linker, blocked.physical_name, groups, conflicts_below)
            )
    except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
        raise _too_big(n, options) from exc
    model = linker.misc.save_model_to_json(overwrite=True)
    con.close()
    return ScoredPairs(
        pairs.reset_index(drop=True), model, conflicts.reset_index(drop=True)
    )


def _too_big(n: int, options: ModelOptions) -> GawahError:
    return GawahError(
        f"linking {n:,} reports needs more memory or disk than allowed "
        f"(memory {options.memory_limit}, spill {options.max_temp_size}); "
        "see docs/explanation/linkage.md, 'Larger jobs'"
    )


def _groups(
    n: int,
    pairs: pd.DataFrame,
    link_threshold: float,
    joined: Iterable[tuple[int, int]],
) -> pd.DataFrame:
    """Records that links could chain together: ``unique_id, grp`` for groups of 3 or more.

    A group of two has one pair, the one that joins it, so it holds no conflict.
    """
    strong = pairs[pairs["match_probability"] >= link_threshold]
    extra = np.array(list(joined), dtype=np.int64).reshape(-1, 2)
    left = np.concatenate([strong["unique_id_l"].to_numpy(np.int64), extra[:, 0]])
    right = np.concatenate([strong["unique_id_r"].to_numpy(np.int64), extra[:, 1]])
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    in_group = np.bincount(label)[label] >= 3
    ids = np.flatnonzero(in_group)
    return pd.DataFrame({"unique_id": ids, "grp": label[ids]})


def _conflicts(
    linker: Linker, blocked: str, groups: pd.DataFrame, below: float
) -> pd.DataFrame:
    """The blocked pairs inside one group that the model scores below ``below``."""
    con = linker._db_api._con  # type: ignore[attr-defined]
    con.register("gawah_groups", groups)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE gawah_grouped_pairs AS
        SELECT b.* FROM {blocked} b
        JOIN gawah_groups gl ON b.join_key_l = gl.unique_id
        JOIN gawah_groups gr ON b.join_key_r = gr.unique_id
        WHERE gl.grp = gr.grp
        """
    )
    con.unregister("gawah_groups")
    table = linker._db_api.register(con.table("gawah_grouped_pairs"))
    linker.table_management.register_blocked_pairs_for_predict(table)
    scored = linker.inference.predict(warning_mode="never")
    out: pd.DataFrame = con.execute(
        f"SELECT unique_id_l, unique_id_r FROM {scored.physical_name} "
        "WHERE match_probability < ?",
        [below],
    ).df()
    scored.drop_table_from_database_and_remove_from_cache()
    return out


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _ordered(pairs: pd.DataFrame) -> pd.DataFrame:
    swap = pairs["unique_id_l"] > pairs["unique_id_r"]
    if swap.any():
        pairs = pairs.copy()
        pairs.loc[swap, ["unique_id_l", "unique_id_r"]] = pairs.loc[
            swap, ["unique_id_r", "unique_id_l"]
        ].to_numpy()
    return pairs


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """Per comparison, each non-null level's label and match weight (log2 m/u)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for comparison in model.get("comparisons", []):
        levels: list[tuple[str, float]] = []
        for lv in comparison["comparison_levels"]:
            if lv.get("is_null_level"):
                levels.append((lv.get("label_for_charts", "missing"), 0.0))
                continue
            m, u = lv.get("m_probability"), lv.get("u_probability")
            weight = math.log2(m / u) if m and u else 0.0
            levels.append((lv.get("label_for_charts", ""), weight))
        out[comparison["output_column_name"]] = levels
    return out


def comparison_names(columns: Sequence[str]) -> list[str]:
    """The comparison names present in a scored-pairs frame, in model order."""
    return [
        c[3:] for c in columns if c.startswith("mw_") and not c.startswith("mw_tf_adj")
    ]
