"""The Spark backend: the same model as DuckDB's, on a local Spark (FICTIONAL data).

The tests that start Spark need pyspark (`uv sync --extra spark`) and Java 17+;
without them they are skipped with the reason, unless GAWAH_REQUIRE_SPARK=1
(set by `.ci/run`), which makes a missing Spark a failure.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from _linkage_cli import Run
from splink.internals import comparison_level_library as cll
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from gawah.linkage import spark as spark_backend
from gawah.linkage.classify import ModelOptions
from gawah.linkage.compare import comparisons
from gawah.linkage.pipeline import LinkOptions, LinkResult, link_records
from gawah.linkage.spark import NotInSpark, spark_comparisons, spark_sql
from gawah.testing.linkage_data import generate_linked_lists


def _reports(people: int, seed: int) -> pd.DataFrame:
    return generate_linked_lists(people, seed=seed).reports(keys=True)


# ------------------------------------------------------------ no Spark needed


def test_every_level_has_a_spark_form() -> None:
    """Each comparison is translated level by level: DuckDB's list functions
    become Spark's, a string's length stays a length, Jaro-Winkler is Splink's."""
    translated = spark_comparisons(comparisons())
    assert [c["output_column_name"] for c in translated] == [
        c.get_comparison("duckdb").output_column_name for c in comparisons()
    ]
    sql = " ".join(
        level["sql_condition"] for c in translated for level in c["comparison_levels"]
    ).lower()
    for duckdb_only in ("list_has_all", "list_contains", "jaro_winkler_similarity"):
        assert duckdb_only not in sql
    assert "size(array_except(" in sql
    assert "locate(" in sql  # a token searched in a token set's text
    assert "bit_count(" in sql
    assert "jaro_winkler(" in sql
    # The same levels, labels and starting m as DuckDB's.
    for spark_c, creator in zip(translated, comparisons(), strict=True):
        duck = creator.get_comparison("duckdb").as_dict()
        strip = [
            {k: v for k, v in lv.items() if k != "sql_condition"}
            for lv in duck["comparison_levels"]
        ]
        assert strip == [
            {k: v for k, v in lv.items() if k != "sql_condition"}
            for lv in spark_c["comparison_levels"]
        ]


def test_list_and_string_lengths_are_told_apart() -> None:
    got = spark_sql(
        "len(name_skels_l) > 0 and length(name_exact_r) >= 4 and "
        "list_has_all(father_skels_l, father_skels_r)"
    )
    assert got == (
        "SIZE(name_skels_l) > 0 AND LENGTH(name_exact_r) >= 4 AND "
        "(SIZE(ARRAY_EXCEPT(father_skels_r, father_skels_l)) = 0)"
    )


class _Hamming(ComparisonCreator):
    """A comparison with a DuckDB function Spark lacks (``mismatches``)."""

    def __init__(self) -> None:
        super().__init__("name_seq")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        return [
            cll.NullLevel(self.col_expression),
            cll.CustomLevel("mismatches(name_seq_l, name_seq_r) <= 1", "one letter"),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "hamming"


def test_a_level_without_a_spark_form_is_refused_by_name() -> None:
    """Never a silently different model: the comparison and level are named."""
    with pytest.raises(NotInSpark) as err:
        spark_comparisons([_Hamming()])
    message = str(err.value)
    assert "'hamming'" in message
    assert "'one letter'" in message
    assert "mismatches" in message
    assert "--backend duckdb" in message


def _lists(tmp_path: Path, people: int = 40, seed: int = 4) -> list[str]:
    data = generate_linked_lists(people, seed=seed)
    files = []
    for name, frame in data.lists.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        files.append(str(path))
    return files


def _refused_stderr(gawah: Callable[..., Run], tmp_path: Path) -> str:
    """``link csv --backend spark`` refused: exit 2, no traceback, nothing written."""
    out = tmp_path / "clusters.csv"
    run = gawah(
        "link", "csv", *_lists(tmp_path), "--out", str(out), "--backend", "spark"
    )
    assert run.code == 2
    assert "Traceback" not in run.stderr
    assert not out.exists()
    return run.stderr


def test_without_pyspark_the_cli_says_how_to_install(
    gawah: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pyspark: exit 2, one line naming the extra; nothing written."""
    monkeypatch.setattr(spark_backend, "_has_pyspark", lambda: False)
    stderr = _refused_stderr(gawah, tmp_path)
    assert "pyspark is not installed" in stderr
    assert "uv sync --extra spark" in stderr


def test_without_java_the_cli_says_how_to_install(
    gawah: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark_backend, "_has_pyspark", lambda: True)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(spark_backend.shutil, "which", lambda *a, **k: None)
    stderr = _refused_stderr(gawah, tmp_path)
    assert "no Java runtime" in stderr
    assert "default-jre-headless" in stderr


def test_an_old_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = tmp_path / "java"
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019' >&2\n")
    java.chmod(0o700)
    monkeypatch.setattr(spark_backend, "_has_pyspark", lambda: True)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "none"))
    monkeypatch.setattr(spark_backend.shutil, "which", lambda *a, **k: str(java))
    assert spark_backend.spark_missing() == "Java 11 found, Spark needs 17 or newer"


def test_workspace_link_runs_the_spark_scorer(
    gawah: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gawah link run --backend spark` reaches the Spark scorer through
    LinkOptions, and the run records where the model ran. (The scorer is
    DuckDB's here, so that this runs without Spark.)"""
    from gawah.linkage import pipeline
    from gawah.linkage.classify import score_pairs
    from gawah.registry import import_list
    from gawah.testing.signer import fixed_seed
    from gawah.workspace import Workspace

    seen: list[str] = []

    def scorer(frame: pd.DataFrame, options: ModelOptions, **kw: object) -> object:
        seen.append(options.backend)
        return score_pairs(frame, options, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(spark_backend, "spark_missing", lambda: None)
    monkeypatch.setattr(pipeline, "score_pairs_spark", scorer)
    home = tmp_path / "ws"
    ws = Workspace.init(home, author="FICTIONAL tester", key_seed=fixed_seed("spark"))
    for path in _lists(tmp_path, people=30, seed=9)[:2]:
        import_list(ws, Path(path), source=Path(path).stem, skip_invalid=True)
    ws.close()
    run = gawah("link", "run", "--home", str(home), "--backend", "spark")
    assert run.code == 0, run.stderr
    assert seen == ["spark"]
    with Workspace.open(home) as ws:
        (summary,) = [
            json.loads(row)
            for (row,) in ws.conn.execute("SELECT summary FROM linkage_runs")
        ]
    assert "(Spark)" in summary["method"]


# ------------------------------------------------------------- on a local Spark


@pytest.fixture(scope="module")
def spark_ready() -> Iterator[None]:
    reason = spark_backend.spark_missing()
    if reason is not None:
        message = (
            f"Spark backend not testable here: {reason} ({spark_backend.INSTALL_HINT})"
        )
        if os.environ.get("GAWAH_REQUIRE_SPARK") == "1":
            pytest.fail(message + "; GAWAH_REQUIRE_SPARK=1 requires it")
        pytest.skip(message)
    yield
    spark_backend.stop_local_spark()


# Small enough that u is counted on every pair (u_min_count=None: each
# engine would otherwise stop at a chunk chosen by its own hash), large
# enough for every EM session to find pairs.
_PEOPLE = 120
_SAME_PAIRS = ModelOptions(memory_limit="2GB", u_min_count=None, u_chunks=1)


@pytest.fixture(scope="module")
def both(spark_ready: None) -> tuple[LinkResult, LinkResult, Path]:
    reports = _reports(_PEOPLE, seed=23)
    duck = link_records(reports, options=LinkOptions(model=_SAME_PAIRS))
    on_spark = link_records(
        reports,
        options=LinkOptions(model=replace(_SAME_PAIRS, backend="spark")),
    )
    assert spark_backend._LOCAL is not None
    return duck, on_spark, spark_backend._LOCAL.folder


def test_spark_gives_duckdbs_clusters(
    both: tuple[LinkResult, LinkResult, Path],
) -> None:
    duck, on_spark, _ = both
    assert duck.n_persons < len(duck.records)  # the lists do share people
    same = duck.records.merge(on_spark.records, on="key", suffixes=("_d", "_s"))
    assert len(same) == len(duck.records) == len(on_spark.records)
    assert same.groupby("person_id_d")["person_id_s"].nunique().max() == 1
    assert same.groupby("person_id_s")["person_id_d"].nunique().max() == 1


def test_spark_gives_duckdbs_pairs_on_the_same_side_of_every_threshold(
    both: tuple[LinkResult, LinkResult, Path],
) -> None:
    """The same pairs kept, each linked or not, and in the review band or not,
    alike: the same links and the same review queue."""
    duck, on_spark, _ = both
    key = ["key_l", "key_r"]
    d = duck.pairs.set_index(key).sort_index()
    s = on_spark.pairs.set_index(key).sort_index()
    assert len(d) > len(duck.records) // 4
    assert d.index.equals(s.index)
    options = duck.options
    for cut in (options.threshold, options.review_low, options.review_high):
        assert (
            (d["match_probability"] >= cut) == (s["match_probability"] >= cut)
        ).all()
    assert [c["output_column_name"] for c in duck.model["comparisons"]] == [
        c["output_column_name"] for c in on_spark.model["comparisons"]
    ]


def test_spark_folder_is_private_and_runs_leave_no_tables(
    both: tuple[LinkResult, LinkResult, Path],
) -> None:
    folder = both[2]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # A run's tables (the reports, their pairs) are dropped after it.
    assert spark_backend._LOCAL is not None
    spark = spark_backend._LOCAL.spark
    assert [t.name for t in spark.catalog.listTables() if t.isTemporary] == []
    assert list((folder / "checkpoints").iterdir()) == []


def test_stopping_removes_the_folder(spark_ready: None) -> None:
    folder = spark_backend._LOCAL.folder if spark_backend._LOCAL else None
    spark_backend.stop_local_spark()
    assert folder is not None
    assert not folder.exists()
