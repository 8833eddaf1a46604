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
"""

from __future__ import annotations

import gc
import os
import sys

#: Commands whose numerical work never gains from BLAS threads.
_ONE_BLAS_THREAD = frozenset({"estimate"})


def run() -> None:
    """Start ``gawah``: settings for a short-lived process, then the command line."""
    gc.disable()
    if sys.argv[1:2] and sys.argv[1] in _ONE_BLAS_THREAD:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from gawah import cli

    cli.resume_collection_before_the_command = True
    cli.main()


if __name__ == "__main__":
    run()
