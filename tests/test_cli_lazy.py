"""The root command builds domain commands lazily, and says the same as if it did not.

Run in a fresh interpreter: the test process has long imported every domain.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import typer
    from typer.testing import CliRunner
    from gawah import cli

    HEAVY = ("pandas", "scipy", "numba", "pydantic", "imagehash", "numpy")
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    runner = CliRunner()
    lazy = runner.invoke(cli.app, ["--help"], prog_name="gawah", env=env).output
    heavy = sorted(m for m in HEAVY if m in sys.modules)
    cli.load_all()
    eager = runner.invoke(cli.app, ["--help"], prog_name="gawah", env=env).output

    # What the domains register when asked directly, not through the table.
    fresh = typer.Typer()
    domains = dict.fromkeys(d for ds, _ in cli.COMMANDS.values() for d in ds)
    for domain in domains:
        __import__(f"gawah.{domain}.cli", fromlist=["register"]).register(fresh)
    registered = list(typer.main.get_group(fresh).commands)
    print(json.dumps({"lazy": lazy, "eager": eager, "heavy": heavy,
                      "registered": registered, "table": list(cli.COMMANDS)}))
    """
)


@pytest.fixture(scope="module")
def probe() -> dict[str, object]:
    """Help rendered lazily then eagerly, in one fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True
    )
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_help_is_lazy_and_says_what_the_commands_say(probe: dict[str, object]) -> None:
    """`gawah --help` imports no heavy library and matches the fully built help."""
    out = probe
    assert out["heavy"] == []
    assert out["lazy"] == out["eager"]
    assert "estimate" in str(out["lazy"])


def test_table_names_every_registered_command(probe: dict[str, object]) -> None:
    """No domain registers a command the lazy table misses (or the other way)."""
    out = probe
    assert sorted(out["registered"]) == sorted(out["table"])  # type: ignore[type-var]


def test_running_a_command_builds_it() -> None:
    """A lazily listed command runs for real (its own --help, a sub-command)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv = ['gawah', 'evidence', 'timestamp', '--help'];"
            "from gawah.cli import main; main()",
        ],
        capture_output=True,
        text=True,
        env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "RFC 3161" in done.stdout
