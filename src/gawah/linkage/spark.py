"""The Spark backend: the same model, run by Splink's ``SparkAPI`` on a local Spark.

Chosen with ``ModelOptions(backend="spark")`` (``gawah link --backend spark``).
Nothing of the model is defined twice: the comparisons are
:func:`gawah.linkage.compare.comparisons`, written in DuckDB's SQL and
translated here, level by level, to Spark's with sqlglot (the translator
Splink itself uses for its dialects), plus the few rewrites sqlglot does not
make (:func:`spark_sql`); the blocking keys are
:func:`gawah.linkage.blocking.add_block_keys`, computed by DuckDB on this
machine before the reports go to Spark; training and its corrections are
:func:`gawah.linkage.classify._estimate`, and clustering stays gawah's own,
in Python, on the pairs collected from Spark. A level that uses a DuckDB
function with no Spark counterpart stops the run with one message naming it
(:class:`NotInSpark`), never a silently different model.

Spark runs in this process's machine (``local[threads]``), its JVM heap
taken from the run's one memory budget (``ModelOptions.memory_limit``), its
temporary, spill and checkpoint files in a folder of its own (0700, removed
when the process ends; each run's checkpoints when the run ends), its log
(errors only) in that folder, not on the terminal. One session serves every
run of a process: a JVM takes tens of seconds to start.
"""

from __future__ import annotations

import atexit
import dataclasses
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import sqlglot
from sqlglot import exp

from gawah.errors import GawahError, UserInputError
from gawah.linkage.blocking import add_block_keys
from gawah.linkage.classify import (
    _LIST_COLUMNS,
    ModelOptions,
    ScoredPairs,
    _bytes,
    _estimate,
    _groups,
    _ordered,
    _resident_bytes,
    _settings,
    _too_big,
    create_model_table,
    duckdb_memory_limit,
    model_table,
)

BACKENDS = ("duckdb", "spark")
INSTALL_HINT = (
    "install pyspark with `uv sync --extra spark` (or `pip install 'gawah[spark]'`) "
    "and a Java runtime, 17 or newer (Debian: `apt-get install default-jre-headless`)"
)
# Spark's own oldest Java (Spark 4 needs 17).
_MIN_JAVA = 17
# Functions Spark knows that sqlglot does not: the string similarities
# Splink registers from its jar (splink.backends.spark.similarity_jar_location),
# and Spark's own bit_count (the same count of set bits as DuckDB's).
_SPARK_UDFS = frozenset(
    {
        "jaro_winkler",
        "jaro_sim",
        "damerau_levenshtein",
        "jaccard",
        "cosine_distance",
        "bit_count",
    }
)
# Left to Java besides the heap: its own code, threads and buffers.
_JVM_OVERHEAD_BYTES = 1 << 29
_HEAP_FLOOR_BYTES = 1 << 30

_log = logging.getLogger(__name__)


class NotInSpark(GawahError):
    """A comparison level uses SQL that has no Spark form; link with DuckDB."""


def spark_missing() -> str | None:
    """Why the Spark backend cannot run on this machine (one phrase), or None."""
    if not _has_pyspark():
        return "pyspark is not installed"
    java = _java()
    if java is None:
        return "no Java runtime found (no `java` on PATH or in JAVA_HOME)"
    version = _java_version(java)
    if version is not None and version < _MIN_JAVA:
        return f"Java {version} found, Spark needs {_MIN_JAVA} or newer"
    return None


def require_spark() -> None:
    """Raise a one-line :class:`UserInputError` (exit 2) unless Spark can run here."""
    reason = spark_missing()
    if reason is not None:
        raise UserInputError(f"--backend spark: {reason}; {INSTALL_HINT}")


def _has_pyspark() -> bool:
    return importlib.util.find_spec("pyspark") is not None


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java")


def _java_version(java: str) -> int | None:
    """The major version ``java -version`` reports (``"17.0.15"``, ``"1.8.0"``)."""
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


# ---------------------------------------------------------------- translation


def spark_sql(condition: str, arrays: Iterable[str] = _LIST_COLUMNS) -> str:
    """One comparison level's condition, written for DuckDB, in Spark's SQL.

    sqlglot translates the SQL (quoting, ``list_contains``, ``date_diff``,
    ``split_part``); three rewrites it does not make, each giving what
    DuckDB gives, nulls included:

    * ``list_has_all(a, b)`` (every element of ``b`` is in ``a``):
      ``size(array_except(b, a)) = 0``;
    * ``len(x)`` of a list column (``arrays``, without ``_l``/``_r``):
      ``size(x)`` (sqlglot reads ``len`` as a string's length);
    * ``jaro_winkler_similarity``: Splink's ``jaro_winkler``.

    Raises:
        NotInSpark: a function left that neither sqlglot nor Splink's jar
            gives Spark (named in the message).
    """
    lists = frozenset(arrays)

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_has_all":
            whole, part = node.expressions
            missing = exp.func("array_except", part.copy(), whole.copy())
            return exp.Paren(
                this=exp.EQ(
                    this=exp.ArraySize(this=missing), expression=exp.Literal.number(0)
                )
            )
        if (
            isinstance(node, exp.Length)
            and isinstance(node.this, exp.Column)
            and re.sub(r"_[lr]$", "", node.this.name) in lists
        ):
            return exp.ArraySize(this=node.this.copy())
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(
                this="jaro_winkler",
                expressions=[node.this.copy(), node.expression.copy()],
            )
        return node

    tree = sqlglot.parse_one(condition, read="duckdb").transform(rewrite)
    unknown = sorted(
        {
            f.name
            for f in tree.find_all(exp.Anonymous)
            if f.name.lower() not in _SPARK_UDFS
        }
    )
    if unknown:
        raise NotInSpark(f"function {', '.join(unknown)} has no Spark translation")
    return tree.sql(dialect="spark")


def spark_comparisons(creators: Sequence[Any]) -> list[dict[str, Any]]:
    """The model's comparisons (as built for DuckDB) with every condition in Spark's SQL.

    Each comparison is rendered by Splink for DuckDB (its levels, labels,
    starting m, term-frequency settings, null and fixed levels), then each
    condition translated; the result is Splink's dictionary form of the same
    comparison, which Splink reads for any backend.
    """
    out: list[dict[str, Any]] = []
    for creator in creators:
        comparison = creator.get_comparison("duckdb").as_dict()
        for level in comparison["comparison_levels"]:
            sql = level["sql_condition"]
            if sql.strip().upper() == "ELSE":
                continue
            try:
                level["sql_condition"] = spark_sql(sql)
            except (NotInSpark, sqlglot.errors.SqlglotError) as exc:
                raise NotInSpark(
                    f"the Spark backend cannot run comparison "
                    f"{comparison['output_column_name']!r}, level "
                    f"{level.get('label_for_charts', sql)!r}: {exc}; "
                    "link with --backend duckdb"
                ) from exc
        out.append(comparison)
    return out


def _spark_settings(options: ModelOptions, table: pa.Table) -> Any:
    settings = _settings(options, table)
    translated: list[Any] = spark_comparisons(settings.comparisons)
    return dataclasses.replace(settings, comparisons=translated)


# ------------------------------------------------------------------ session


@dataclasses.dataclass
class _Local:
    """The process's local Spark and its private folder."""

    spark: Any
    folder: Path

    @property
    def checkpoints(self) -> Path:
        return self.folder / "checkpoints"


_LOCAL: _Local | None = None

_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d %p %c: %m%n
"""


def _heap(options: ModelOptions) -> str:
    """The JVM heap: the run's budget less what Python holds and Java's own overhead."""
    left = (
        _bytes(options.memory_limit)
        - _resident_bytes()
        - _JVM_OVERHEAD_BYTES
        - (1 << 29)  # Python's later work: the pairs collected, clustering
    )
    return f"{max(left, _HEAP_FLOOR_BYTES) // (1 << 20)}m"


def local_spark(options: ModelOptions) -> Any:
    """The process's local SparkSession, started on first use (then reused)."""
    global _LOCAL
    if _LOCAL is not None:
        return _LOCAL.spark
    require_spark()
    from pyspark import SparkConf, SparkContext, java_gateway
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    folder = Path(tempfile.mkdtemp(prefix="gawah-spark-"))  # 0700: holds names
    for sub in ("local", "tmp", "warehouse", "checkpoints"):
        (folder / sub).mkdir()
    log = folder / "spark.log"
    props = folder / "log4j2.properties"
    props.write_text(_LOG4J.format(log=log), encoding="utf-8")
    threads = max(1, int(options.threads))
    conf = (
        SparkConf()
        .setMaster(f"local[{threads}]")
        .setAppName("gawah-link")
        .set("spark.driver.memory", _heap(options))
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.local.dir", str(folder / "local"))
        .set("spark.sql.warehouse.dir", str(folder / "warehouse"))
        .set(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile=file:{props} -Djava.io.tmpdir={folder / 'tmp'}",
        )
        .set("spark.jars", similarity_jar_location())
        # Few, larger partitions: one machine, not a cluster.
        .set("spark.sql.shuffle.partitions", str(4 * threads))
        .set("spark.default.parallelism", str(4 * threads))
        .set("spark.sql.execution.arrow.pyspark.enabled", "true")
        # size(NULL) is NULL, as DuckDB's len(NULL) (the translation relies on it).
        .set("spark.sql.legacy.sizeOfNull", "false")
    )
    try:
        with open(folder / "jvm.log", "wb") as jvm:  # the JVM's own start-up chatter
            launch: Any = java_gateway.launch_gateway  # untyped in pyspark
            gateway = launch(conf, popen_kwargs={"stdout": jvm, "stderr": jvm})
        context = SparkContext(conf=conf, gateway=gateway)
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise UserInputError(
            f"--backend spark: Spark did not start ({type(exc).__name__}); "
            f"{INSTALL_HINT}"
        ) from exc
    context.setLogLevel("ERROR")
    context.setCheckpointDir(str(folder / "checkpoints"))
    _LOCAL = _Local(SparkSession(context), folder)
    atexit.register(stop_local_spark)
    return _LOCAL.spark


def stop_local_spark() -> None:
    """Stop the process's local Spark and remove its folder (also run at exit)."""
    global _LOCAL
    if _LOCAL is None:
        return
    local, _LOCAL = _LOCAL, None
    from pyspark import SparkContext

    try:
        local.spark.stop()
        # The JVM too (pyspark keeps it for the next context): it exits when
        # its standard input closes. A later run starts a fresh one, with its
        # own folder.
        gateway: Any = SparkContext._gateway
        if gateway is not None:
            gateway.shutdown()
            proc = getattr(gateway, "proc", None)
            if proc is not None:
                proc.stdin.close()
                proc.wait(timeout=60)
            SparkContext._gateway = None
            SparkContext._jvm = None
    finally:
        shutil.rmtree(local.folder, ignore_errors=True)


def _clear_run(spark: Any) -> None:
    """Drop a run's cached tables, views and checkpoint files (they hold names)."""
    spark.catalog.clearCache()
    for table in spark.catalog.listTables():
        if table.isTemporary:
            spark.catalog.dropTempView(table.name)
    if _LOCAL is not None:
        shutil.rmtree(_LOCAL.checkpoints, ignore_errors=True)
        _LOCAL.checkpoints.mkdir()


# ------------------------------------------------------------------ scoring


def _keyed(table: pa.Table, options: ModelOptions) -> pa.Table:
    """The model's columns, derived columns and blocking keys, computed by DuckDB here."""
    spill = tempfile.mkdtemp(prefix="gawah-duckdb-")
    try:
        con = duckdb.connect()
        con.execute(f"SET threads = {int(options.threads)}")
        con.execute("SET memory_limit = ?", [duckdb_memory_limit(options)])
        con.execute("SET temp_directory = ?", [spill])
        con.register("gawah_model_input", table)
        create_model_table(con, "gawah_model_input", "gawah_model_table")
        con.unregister("gawah_model_input")
        keyed_table = "gawah_model_table"
        if options.max_block is not None:
            add_block_keys(
                con, "gawah_model_table", "gawah_blocked_input", options.max_block
            )
            keyed_table = "gawah_blocked_input"
        keyed: pa.Table = con.table(keyed_table).to_arrow_table()
        con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    # DuckDB's hashes are unsigned 64-bit, a type Spark lacks: the same bits
    # read as signed keep every key apart (only equality is asked of them).
    for i, column in enumerate(keyed.schema):
        if pa.types.is_uint64(column.type):
            signed = keyed.column(i).cast(pa.int64(), safe=False)
            keyed = keyed.set_column(i, column.name, signed)
    return keyed


def score_pairs_spark(
    frame: pd.DataFrame | pa.Table,
    options: ModelOptions,
    *,
    threshold: float = 0.01,
    conflicts_below: float | None = None,
    link_threshold: float = 0.0,
    joined: Iterable[tuple[int, int]] = (),
) -> ScoredPairs:
    """:func:`gawah.linkage.classify.score_pairs`, on Spark (same arguments, same result)."""
    require_spark()
    from py4j.protocol import Py4JError
    from splink import Linker, SparkAPI

    # Splink reports training details as log warnings; gawah explains its own.
    logging.getLogger("splink").setLevel(logging.ERROR)
    table = model_table(frame)
    n = table.num_rows
    settings = _spark_settings(options, table)
    keyed = _keyed(table, options)
    del table
    spark = local_spark(options)
    try:
        make_api: Any = SparkAPI  # untyped in Splink
        # Intermediate tables checkpointed into this run's private folder
        # (removed when the run ends): each later query starts from them.
        # With "persist" the cached tables kept their whole lineage, so every
        # query of the EM sessions was analysed over a plan that grew with the
        # run: a link of 120 people took 465 s of the JVM's CPU against 215 s
        # checkpointed, the same pairs and persons (benchmarks/spark_lineage.py).
        api = make_api(spark_session=spark, break_lineage_method="checkpoint")
        table = api.register(
            spark.createDataFrame(keyed), dataset_display_name="reports"
        )
        linker = Linker(table, settings, log_level=None)
        _estimate(linker, n, options)
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        scored = spark.table(predictions.physical_name)
        keep = [
            c
            for c in scored.columns
            if c in ("unique_id_l", "unique_id_r", "match_weight", "match_probability")
            or c.startswith("mw_")
        ]
        pairs = _ordered(scored.select(*keep).toPandas())
        if conflicts_below is None:
            conflicts = pairs.iloc[:0][["unique_id_l", "unique_id_r"]]
        else:
            groups = _groups(n, pairs, link_threshold, joined)
            conflicts = _ordered(
                _conflicts(
                    linker, spark, blocked.physical_name, groups, conflicts_below
                )
            )
        model = linker.misc.save_model_to_json(overwrite=True)
    except Py4JError as exc:
        if "OutOfMemoryError" in str(exc):
            raise _too_big(n, options) from exc
        raise
    finally:
        _clear_run(spark)
    return ScoredPairs(
        pairs.reset_index(drop=True), model, conflicts.reset_index(drop=True)
    )


def _conflicts(
    linker: Any, spark: Any, blocked: str, groups: pd.DataFrame, below: float
) -> pd.DataFrame:
    """classify._conflicts on Spark: blocked pairs inside one group scored below ``below``."""
    schema = "unique_id long, grp long"
    spark.createDataFrame(
        groups.astype("int64") if len(groups) else [], schema=schema
    ).createOrReplaceTempView("gawah_groups")
    inside = spark.sql(
        f"""
        SELECT b.* FROM {blocked} b
        JOIN gawah_groups gl ON b.join_key_l = gl.unique_id
        JOIN gawah_groups gr ON b.join_key_r = gr.unique_id
        WHERE gl.grp = gr.grp
        """
    )
    table = linker._db_api.register(inside)
    linker.table_management.register_blocked_pairs_for_predict(table)
    scored = linker.inference.predict(warning_mode="never")
    out: pd.DataFrame = (
        spark.table(scored.physical_name)
        .where(f"match_probability < {float(below)!r}")
        .select("unique_id_l", "unique_id_r")
        .toPandas()
    )
    return out
