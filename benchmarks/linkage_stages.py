"""Where ``gawah link csv`` spends its time: CPU and wall seconds per stage.

    uv run python benchmarks/linkage_stages.py LIST.csv [LIST.csv ...] --out OUT.csv

Runs the command a user runs (``gawah link csv``) in this process, with the
pipeline's stages and Splink's training and scoring calls wrapped by timers,
and prints to stderr, as each stage ends: its wall seconds, this process's
CPU seconds so far (user and system, DuckDB's threads included; normalisation
workers, when used, are counted at the end as children), and resident memory (now and
at its peak).
Use the lists ``benchmarks/linkage_scale.py --data DIR`` keeps.
"""

from __future__ import annotations

import functools
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

T0 = time.perf_counter()
_depth = [0]


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _now_gib() -> float:
    """Resident memory now (Linux), which after a stage may be well below the peak."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1024**3


def wrap(owner: Any, name: str) -> None:
    """Replace ``owner.name`` by a timed version of it."""
    inner: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(inner)
    def timed(*args: Any, **kwargs: Any) -> Any:
        _depth[0] += 1
        start = time.perf_counter()
        cpu = _cpu()
        result: Any = None
        try:
            result = inner(*args, **kwargs)
            return result
        finally:
            _depth[0] -= 1
            said = f" -> {result}" if isinstance(result, str) else ""
            print(
                f"{'  ' * _depth[0]}{name}{said}: "
                f"{time.perf_counter() - start:.1f} s wall, "
                f"{_cpu() - cpu:.1f} s CPU (at {time.perf_counter() - T0:.0f} s; "
                f"now {_now_gib():.2f}, peak {_peak_gib():.2f} GiB)",
                file=sys.stderr,
                flush=True,
            )

    setattr(owner, name, timed)


def main(argv: list[str]) -> None:
    from splink.internals.linker_components.inference import LinkerInference
    from splink.internals.linker_components.training import LinkerTraining

    import gawah.linkage.classify as classify
    import gawah.linkage.files as files
    import gawah.linkage.pipeline as pipeline
    import gawah.linkage.summary as summary
    from gawah.cli import main as gawah_main

    wrap(files, "read_lists")
    for name in ("normalised_model_input", "score_pairs", "cluster_pairs"):
        wrap(pipeline, name)
    for name in ("_linker", "duckdb_memory_limit", "_estimate", "_conflicts"):
        wrap(classify, name)
    for name in (
        "estimate_probability_two_random_records_match",
        "estimate_u_using_random_sampling",
        "estimate_parameters_using_expectation_maximisation",
    ):
        wrap(LinkerTraining, name)
    for name in ("predict", "compute_blocked_pairs_for_predict"):
        wrap(LinkerInference, name)
    wrap(summary, "run_summary")
    wrap(files, "write_clusters")
    sys.argv = ["gawah", "link", "csv", *argv]
    try:
        gawah_main()
    except SystemExit as stop:
        if stop.code:
            raise
    finally:
        print(
            f"total: {time.perf_counter() - T0:.1f} s wall, {_cpu():.1f} s CPU "
            f"(+ {_cpu(resource.RUSAGE_CHILDREN):.1f} s in worker processes), "
            f"peak {_peak_gib():.2f} GiB",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
