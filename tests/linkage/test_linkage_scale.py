"""Scale mechanics of linkage: worker processes, block keys, one memory budget."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gawah.errors import GawahError
from gawah.linkage import classify, normalise
from gawah.linkage.classify import ModelOptions
from gawah.linkage.pipeline import LinkOptions, link_records
from gawah.testing.linkage_data import generate_linked_lists
from gawah.testing.real_lists import arab_releases, pakistani_lists


def test_worker_processes_give_the_same_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks normalised by worker processes join into the frame one process builds."""
    data = generate_linked_lists(60, seed=3)
    reports = data.reports()
    alone = normalise._normalise_rows(reports, chunk=25)
    monkeypatch.setattr(normalise, "_PARALLEL_ROWS", 0)
    monkeypatch.setattr(normalise, "_busy", lambda: False)
    shared = normalise._normalise_rows(reports, chunk=25)
    assert len(reports) > 100  # several chunks, more than the workers at once
    pd.testing.assert_frame_equal(shared, alone)


def test_a_chunk_with_an_empty_column_joins_without_a_warning() -> None:
    """A chunk that lacks a column's values (no ages in its rows) joins quietly, typed as one frame."""
    data = generate_linked_lists(30, seed=3)
    reports = data.reports()
    reports.loc[:19, ["age", "father_name", "place", "national_id", "phone"]] = ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunked = normalise._normalise_rows(reports, chunk=20)
    whole = normalise._normalise_rows(reports, chunk=len(reports))
    pd.testing.assert_frame_equal(chunked, whole)


def test_a_busy_machine_normalises_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no idle core, large inputs stay in-process (no worker pool is made)."""
    data = generate_linked_lists(20, seed=3)
    reports = data.reports()
    monkeypatch.setattr(normalise, "_PARALLEL_ROWS", 0)
    monkeypatch.setattr(normalise.os, "getloadavg", lambda: (50.0, 50.0, 50.0))

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker pool on a busy machine")

    monkeypatch.setattr(normalise, "ProcessPoolExecutor", no_pool)
    assert normalise._busy()
    assert len(normalise._normalise_rows(reports, chunk=10)) == len(reports)
    monkeypatch.setattr(normalise.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not normalise._busy()


def _reports(people: int, seed: int) -> pd.DataFrame:
    return generate_linked_lists(people, seed=seed).reports(keys=True)


def test_keyed_blocking_and_shared_budget_give_the_plain_clusters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scale path (block keys computed in DuckDB, a budget shared with
    Python, a private spill folder) links a small set as the plain path does."""
    reports = _reports(120, seed=11)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    plain = link_records(
        reports,
        options=LinkOptions(model=ModelOptions(max_block=None, memory_limit="64GB")),
    )
    # No block of this set reaches 300 reports: the keys admit the same pairs.
    scaled = link_records(reports, options=LinkOptions(model=ModelOptions()))
    assert len(plain.pairs) > len(reports) // 4  # the rules found links
    same = plain.records.merge(scaled.records, on="key", suffixes=("_a", "_b"))
    assert len(same) == len(reports)
    # One person per person: the partitions are equal (ids aside).
    assert same.groupby("person_id_a")["person_id_b"].nunique().max() == 1
    assert same.groupby("person_id_b")["person_id_a"].nunique().max() == 1
    pd.testing.assert_series_equal(
        plain.pairs.sort_values(["key_l", "key_r"])["match_probability"].reset_index(
            drop=True
        ),
        scaled.pairs.sort_values(["key_l", "key_r"])["match_probability"].reset_index(
            drop=True
        ),
    )
    # DuckDB's spill folder is the run's own and is gone after it.
    assert list(tmp_path.iterdir()) == []


def test_duckdb_gets_what_python_does_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """One budget: DuckDB's limit is the budget less this process's memory, floored."""
    monkeypatch.setattr(classify, "_resident_bytes", lambda: 1 << 30)
    got = classify.duckdb_memory_limit(ModelOptions(memory_limit="4GiB"))
    assert got == f"{(3 << 30) - classify._PYTHON_HEADROOM_BYTES >> 20}MiB"
    monkeypatch.setattr(classify, "_resident_bytes", lambda: 5 << 30)
    assert classify.duckdb_memory_limit(ModelOptions(memory_limit="4GB")) == (
        f"{classify._DUCKDB_FLOOR_BYTES >> 20}MiB"
    )
    with pytest.raises(GawahError):
        classify.duckdb_memory_limit(ModelOptions(memory_limit="lots"))


def test_a_killed_runs_spill_folder_is_removed_by_the_next(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A run killed by a signal leaves its spill folder; the next run removes it,
    and keeps the folder of a run still going."""
    import os
    import subprocess
    import sys

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = tmp_path / f"gawah-duckdb-{child.pid}-abc"
    live = tmp_path / f"gawah-duckdb-{os.getpid()}-def"
    other = tmp_path / "gawah-duckdb-notapid-ghi"
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "duckdb_temp_storage.tmp").write_bytes(b"names")
    classify._remove_stale_spills()
    assert not dead.exists()
    assert live.exists()
    assert other.exists()


def test_cheap_tests_before_edit_distances_keep_every_level() -> None:
    """The tests run before "one typing slip"'s and the chain's edit distances
    drop no pair those levels hold (DuckDB computes both forms on the same pairs)."""
    import random

    import duckdb

    from gawah.linkage import compare

    rng = random.Random(5)
    letters = "abdehiklmnorstu\u00e9"
    words = ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(300)]

    def slip(w: str) -> str:  # one edit of any kind, anywhere, or none
        i = rng.randrange(len(w) + 1)
        kind = rng.randrange(5)
        c = rng.choice(letters)
        if kind == 0:
            return w[:i] + c + w[i:]
        if kind == 1 and i < len(w):
            return w[:i] + w[i + 1 :]
        if kind == 2 and i < len(w):
            return w[:i] + c + w[i + 1 :]
        if kind == 3 and i + 1 < len(w):
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w

    pairs = [(w, slip(w)) for w in words for _ in range(5)]
    pairs += [(rng.choice(words), rng.choice(words)) for _ in range(2000)]
    frame = pd.DataFrame(pairs, columns=["name_exact_l", "name_exact_r"])
    con = duckdb.connect()
    con.register("p", frame)
    fast, plain = con.execute(
        "select count(*) filter (where length(name_exact_l) >= 4 and "
        f"{compare._ONE_EDIT_POSSIBLE} and "
        "damerau_levenshtein(name_exact_l, name_exact_r) <= 1), "
        "count(*) filter (where length(name_exact_l) >= 4 and "
        "damerau_levenshtein(name_exact_l, name_exact_r) <= 1) from p"
    ).fetchall()[0]
    assert plain > 500  # many pairs one slip apart
    assert fast == plain
    # The chain comparison: its first level, with and without the cheap test.
    seqs = [" ".join(rng.choices(words[:40], k=rng.randint(1, 6))) for _ in range(400)]
    chains = pd.DataFrame(
        [(a, b) for a in seqs[:60] for b in seqs[:60]], columns=["a", "b"]
    )
    con.register("c", chains)
    con.execute(
        "create table cp as select a as name_seq_l, b as name_seq_r, "
        "len(string_split(a, ' ')) as name_parts_l, len(string_split(b, ' ')) "
        "as name_parts_r, list_distinct(string_split(a, ' ')) as name_skels_l, "
        "list_distinct(string_split(b, ' ')) as name_skels_r from c"
    )
    # The columns the model table derives (name_skels_text, name_part1, ...).
    derived = [
        item
        for side in ("_l", "_r")
        for item in compare.token_set_columns_sql(side) + compare.chain_parts_sql(side)
        if "name_skels" in item or "name_seq" in item
    ]
    con.execute(f"create or replace table cp as select *, {', '.join(derived)} from cp")
    levels = compare.NameChainComparison().create_comparison_levels()
    first = levels[0].get_comparison_level("duckdb").sql_condition
    old = f"not coalesce(({compare.chain_disagrees()}), false)"
    differ, disagree = con.execute(
        f"select count(*) filter (where ({first}) is distinct from ({old})), "
        f"count(*) filter (where not ({old})) from cp"
    ).fetchall()[0]
    assert disagree > 0
    assert differ == 0


def test_the_handoff_of_link_csv_links_as_python_strings_did(tmp_path: Path) -> None:
    """``link csv``'s handoff for memory (lists read as Arrow strings, the
    normalised frame given to the model as an Arrow table and dropped before
    it runs, the constraint fields kept as compact columns, no pairs kept for
    linkage doubt) gives the persons, pairs and summary that the lists as
    Python strings, with the doubt pairs kept, give."""
    from gawah.linkage.files import read_lists
    from gawah.linkage.summary import run_summary

    data = generate_linked_lists(150, seed=17)
    paths = []
    for name, frame in data.lists.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    arrow = read_lists(paths)
    assert isinstance(arrow["full_name"].dtype, pd.StringDtype)
    plain = arrow.astype(object)  # as the lists were read before (dtype=str)
    assert plain["full_name"].map(type).eq(str).all()
    before = link_records(plain, options=LinkOptions())
    after = link_records(arrow, options=LinkOptions(doubt_low=None))
    pd.testing.assert_frame_equal(before.records, after.records)
    pd.testing.assert_frame_equal(before.pairs, after.pairs)
    assert before.low_pairs is not None
    assert len(before.low_pairs) > 0
    assert after.low_pairs is None
    assert before.fields is not None
    assert before.fields["cnic"].notna().any()
    summary = run_summary(after)
    assert summary["violations"] is not None
    assert summary == run_summary(before)


@pytest.mark.parametrize(
    "lists",
    [
        pytest.param(lambda: generate_linked_lists(300, seed=3), id="generated"),
        pytest.param(lambda: arab_releases(150, seed=2), id="arab-chains"),
        pytest.param(lambda: pakistani_lists(150, seed=4), id="pakistani"),
    ],
)
def test_the_model_table_normalised_a_chunk_at_a_time_is_the_whole_frames(
    monkeypatch: pytest.MonkeyPatch, lists: Any
) -> None:
    """Normalised in chunks (each held as Arrow until every row is counted), the
    model's table and the constraints' fields are those of the whole frame:
    the lists that write chains, the rarest tokens, the ages from birth years
    are decided on every row, not a chunk's."""
    from gawah.linkage.classify import model_table
    from gawah.linkage.pipeline import normalised_model_input

    reports = lists().reports()
    frame = normalise.normalise_frame(reports)
    frame["unique_id"] = range(len(frame))
    frame["list"] = reports["list"].astype(str).to_numpy()
    whole = model_table(frame)
    assert frame["rare1"].notna().any()
    # Chunks that split lists, and a last chunk shorter than the others.
    chunk = len(reports) // 7 + 3
    monkeypatch.setattr(normalise.normalise_chunks, "__defaults__", (chunk,))
    table, fields = normalised_model_input(reports, reports["list"].astype(str))
    assert table.num_rows == len(reports) > 3 * chunk
    for column in whole.column_names:
        assert table.column(column).equals(whole.column(column)), column
    pd.testing.assert_series_equal(
        fields["age_lo"], frame["age_lo"], check_names=False, check_index=False
    )
    assert fields["cnic"].isna().tolist() == frame["cnic"].isna().tolist()
    assert fields["list"].tolist() == frame["list"].tolist()


def test_normalising_leaves_no_value_cached_but_keeps_the_tables() -> None:
    """Once every chunk is finished, the per-value caches (names, dates, folding)
    are empty, so that their memory is DuckDB's; the tables read once stay."""
    from gawah.linkage import folding

    reports = pakistani_lists(40, seed=4).reports()
    chunks = normalise.normalise_chunks(reports, chunk=len(reports) // 3 + 1)
    parts = [next(chunks)]
    value_caches = (
        normalise.parse_name,
        normalise.fold_native,
        normalise.parse_age,
        folding.fold,
        folding.skeleton,
    )
    assert all(cached.cache_info().currsize > 0 for cached in value_caches)
    parts.extend(chunks)
    assert sum(len(part) for part in parts) == len(reports)
    assert [cached.cache_info().currsize for cached in value_caches] == [0] * 5
    assert normalise._native_fold_table.cache_info().currsize == 1
