"""The installed ``gawah`` program (gawah.__main__) sets up a short-lived process:
the garbage collector paused while modules load and resumed before the command
runs, one OpenBLAS thread for ``gawah estimate``. ``gawah.cli.main`` called inside
another process (as tests do) changes neither.

Each case runs in a fresh interpreter: the settings are process-wide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_KOSOVO = Path(__file__).parent / "data" / "mse" / "kosovo.csv"

#: Wraps the command that runs so that it records the process's state at that
#: moment, then runs ``gawah ARGS`` through ENTRY and prints what it saw.
_PROBE = textwrap.dedent(
    """
    import gc, json, os, sys
    from gawah import cli

    seen = {}
    build = cli._build

    def spying_build(name):
        seen["collecting_while_loading"] = gc.isenabled()
        command = build(name)
        callback = command.callback

        def recorded(*args, **kwargs):
            seen["collecting_in_command"] = gc.isenabled()
            seen["frozen_in_command"] = gc.get_freeze_count() > 0
            seen["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
            seen["numpy_loaded_before_command"] = "numpy" in sys.modules
            return callback(*args, **kwargs)

        command.callback = recorded
        return command

    cli._build = spying_build
    entry = sys.argv[1]
    sys.argv = ["gawah", *json.loads(sys.argv[2])]
    try:
        if entry == "program":
            from gawah.__main__ import run
            run()
        else:
            cli.main()
    except SystemExit as exc:
        assert not exc.code, exc.code
    seen["collecting_after"] = gc.isenabled()
    print("\\n" + json.dumps(seen))
    """
)


def _probe(entry: str, args: list[str], **env: str) -> dict[str, object]:
    """What ``gawah ARGS`` run through ``entry`` ("program" or "main") saw."""
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, entry, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, **env},
    )
    seen: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return seen


def test_program_collects_again_before_the_command_runs() -> None:
    """Paused while typer, rich and numpy load; on (start-up frozen) in the command."""
    seen = _probe("program", ["estimate", str(_KOSOVO), "--method", "chao", "--json"])
    assert seen["collecting_while_loading"] is False
    assert seen["collecting_in_command"] is True
    assert seen["frozen_in_command"] is True
    assert seen["collecting_after"] is True


def test_estimate_loads_openblas_with_one_thread_unless_told_otherwise() -> None:
    """Set before numpy loads; a number the user chose is kept."""
    args = ["estimate", str(_KOSOVO), "--method", "chao", "--json"]
    seen = _probe("program", args)
    assert seen["blas_threads"] == "1"
    assert seen["numpy_loaded_before_command"] is True  # so it was set in time
    assert _probe("program", args, OPENBLAS_NUM_THREADS="2")["blas_threads"] == "2"


def test_other_commands_keep_blas_threads() -> None:
    """Only ``gawah estimate`` asks for one thread."""
    seen = _probe("program", ["evidence", "--help"])
    assert "blas_threads" not in seen  # --help runs no command callback
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; sys.argv = ['gawah', 'evidence', '--help'];"
            "from gawah.__main__ import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"},
    )
    assert done.stdout.splitlines()[-1] == "None"


@pytest.mark.parametrize("method", ["chao", "stepwise"])
def test_main_inside_another_process_leaves_its_settings_alone(method: str) -> None:
    """Called as a function, main() neither pauses nor freezes the collector and
    sets no BLAS threads."""
    seen = _probe("main", ["estimate", str(_KOSOVO), "--method", method, "--json"])
    assert seen["collecting_while_loading"] is True
    assert seen["collecting_in_command"] is True
    assert seen["frozen_in_command"] is False
    assert seen["blas_threads"] is None


def _environment_after(args: list[str], name: str, **env: str) -> str:
    """The environment variable ``name`` once ``gawah ARGS`` (through the program) has run."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import os, sys; sys.argv = ['gawah', *{args!r}];"
            "from gawah.__main__ import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            f"print(os.environ.get({name!r}))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k != name}, **env},
    )
    return done.stdout.splitlines()[-1]


def test_link_takes_arrow_buffers_from_the_system_allocator() -> None:
    """Set for ``gawah link`` before pyarrow loads; a pool the user chose is kept;
    other commands leave Arrow's own allocator."""
    pool = "ARROW_DEFAULT_MEMORY_POOL"
    assert _environment_after(["link", "--help"], pool) == "system"
    assert (
        _environment_after(["link", "--help"], pool, **{pool: "mimalloc"}) == "mimalloc"
    )
    assert _environment_after(["evidence", "--help"], pool) == "None"
