"""The ``gawah`` program (the installed script, ``python -m gawah``): process-wide
start-up settings, then :func:`gawah.cli.main`.

Kept apart from :func:`gawah.cli.main`, which tests call inside their own
process: what is set here is right for a process that runs one command and
exits, not for a test session.

* The garbage collector is paused while the command line and the command's
  modules load (typer, rich, numpy: objects that live until exit, no cycles
  worth looking for), then resumed with everything loaded so far frozen, just
  before the command runs. Collecting during start-up was about a tenth of the
  instructions of ``gawah estimate FILE --method chao`` (benchmarks/startup.py).
* ``gawah estimate`` loads numpy's OpenBLAS with one thread unless the user
  chose a number: its models are small (the log-linear and stepwise fits
  already limit BLAS to one thread while fitting, ``_glm.single_blas_thread``),
  so a second thread only spins at start-up, CPU that a quick estimate pays.
* ``gawah link`` takes Arrow's buffers from the C library's allocator
  (``ARROW_DEFAULT_MEMORY_POOL=system``) unless the user chose one: Arrow's
  own (mimalloc) kept about 30 MiB more resident through a run on the Gaza
  releases, freed buffers of the read lists and of normalisation that
  DuckDB's share of the memory budget then goes without; the CPU time was
  the same (docs/validation/linkage-history.md, "Memory held for nothing").
"""

from __future__ import annotations

import gc
import os
import sys

#: Commands whose numerical work never gains from BLAS threads.
_ONE_BLAS_THREAD = frozenset({"estimate"})
#: Commands whose Arrow buffers come from the C library's allocator.
_SYSTEM_ARROW_POOL = frozenset({"link"})


def run() -> None:
    """Start ``gawah``: settings for a short-lived process, then the command line."""
    gc.disable()
    if sys.argv[1:2] and sys.argv[1] in _ONE_BLAS_THREAD:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if sys.argv[1:2] and sys.argv[1] in _SYSTEM_ARROW_POOL:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    from gawah import cli

    cli.resume_collection_before_the_command = True
    cli.main()


if __name__ == "__main__":
    run()
