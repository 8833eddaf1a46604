"""Scale mechanics of linkage: worker processes, block keys, one memory budget."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest

from gawah.errors import GawahError
from gawah.linkage import classify, normalise
from gawah.linkage.classify import ModelOptions
from gawah.linkage.pipeline import LinkOptions, link_records
from gawah.testing.linkage_data import generate_linked_lists


def test_worker_processes_give_the_same_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks normalised by worker processes join into the frame one process builds."""
    data = generate_linked_lists(60, seed=3)
    reports = pd.concat(
        [f.assign(list=name) for name, f in data.lists.items()], ignore_index=True
    ).fillna("")
    alone = normalise._normalise_rows(reports, chunk=25)
    monkeypatch.setattr(normalise, "_PARALLEL_ROWS", 0)
    shared = normalise._normalise_rows(reports, chunk=25)
    assert len(reports) > 100  # several chunks, more than the workers at once
    pd.testing.assert_frame_equal(shared, alone)


def _reports(people: int, seed: int) -> pd.DataFrame:
    data = generate_linked_lists(people, seed=seed)
    reports = pd.concat(
        [f.assign(list=name) for name, f in data.lists.items()], ignore_index=True
    ).fillna("")
    return reports.assign(key=reports["list"] + "/" + reports["record_id"])


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
