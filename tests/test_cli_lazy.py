"""The root command builds domain commands lazily, and says the same as if it did not.

Run in a fresh interpreter: the test process has long imported every domain.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import typer
    from typer.testing import CliRunner
    from gawah import cli

    HEAVY = ("pandas", "scipy", "numba", "pydantic", "imagehash", "numpy", "duckdb",
             "splink", "statsmodels", "fastapi", "nacl", "cryptography", "matplotlib",
             "markdown_it", "pygments", "rich.markdown", "rich.traceback")
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


_MODULES_AFTER = textwrap.dedent(
    """
    import contextlib, io, json, sys
    for name in sys.argv[2:]:
        __import__(name)
    sys.argv = ["gawah", *json.loads(sys.argv[1])]
    from gawah.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit as exc:
            assert not exc.code, exc.code
    print(json.dumps({"output": out.getvalue(), "modules": sorted(sys.modules)}))
    """
)


def _run_cli(args: list[str], preload: tuple[str, ...] = ()) -> dict[str, object]:
    """Output of ``gawah ARGS`` and every module imported, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, json.dumps(args), *preload],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "PATH": "/usr/bin"},
    )
    out: dict[str, object] = json.loads(done.stdout)
    return out


_KOSOVO = Path(__file__).parent / "data" / "mse" / "kosovo.csv"
#: Libraries a quick estimate from a file has no use for (issue 16: ``gawah estimate
#: FILE`` faster than Rscript end to end): the heavy ones cost 0.1 s to 1 s of
#: start-up each, sqlite3 and rich's live display 5-10 ms. pydantic is here because
#: typer 0.29 and later coerce every option through a pydantic ``TypeAdapter``
#: (0.2-0.3 s); pyproject keeps typer below 0.29.
_NOT_FOR_A_QUICK_ESTIMATE = (
    "pandas", "scipy", "numba", "statsmodels", "duckdb", "splink", "matplotlib",
    "fastapi", "nacl", "cryptography", "markdown_it", "pygments", "pydantic",
    "pydantic_core", "sqlite3", "rich.live",
)  # fmt: skip


@pytest.mark.parametrize("method", ["chao", "stepwise"])
def test_quick_estimate_from_a_file_imports_no_heavy_library(method: str) -> None:
    """Chao and stepwise on a CSV answer without pandas, scipy, numba, pydantic, a
    database or the web (nor rich's live display: the spinner shows only on a
    terminal)."""
    out = _run_cli(["estimate", str(_KOSOVO), "--method", method])
    assert "estimated total" in str(out["output"])
    modules = set(out["modules"])  # type: ignore[call-overload]
    imported = [m for m in _NOT_FOR_A_QUICK_ESTIMATE if m in modules]
    assert imported == []


@pytest.mark.parametrize("method", ["chao", "stepwise"])
def test_quick_estimate_as_json_loads_no_rich(method: str) -> None:
    """With --json nothing is drawn: rich (console, table, markup) stays unloaded,
    and the CSV's cells are stripped without loading numpy.char."""
    out = _run_cli(["estimate", str(_KOSOVO), "--method", method, "--json"])
    assert json.loads(str(out["output"]))["estimate"] > 4400
    modules = set(out["modules"])  # type: ignore[call-overload]
    assert sorted(m for m in modules if m == "rich" or m.startswith("rich.")) == []
    assert "numpy.char" not in modules


def test_help_renders_the_same_without_typers_unused_imports() -> None:
    """Typer's help module loaded with stand-ins says exactly what it says with the
    real rich.markdown and rich.traceback, and the stand-ins import them on use."""
    light = _run_cli(["--help"])
    real = _run_cli(["--help"], preload=("rich.markdown", "rich.traceback"))
    assert light["output"] == real["output"]
    assert "typer.rich_utils" in light["modules"]  # type: ignore[operator]
    assert "markdown_it" not in light["modules"]  # type: ignore[operator]
    assert "markdown_it" in real["modules"]  # type: ignore[operator]


def test_stand_ins_become_the_real_classes_on_use() -> None:
    """A Markdown or Traceback that typer builds is rich's own object."""
    script = textwrap.dedent(
        """
        import sys
        import gawah.cli
        import typer.rich_utils as typer_rich
        assert "rich.markdown" not in sys.modules
        made = typer_rich.Markdown("# title")
        import rich.markdown, rich.traceback
        assert type(made) is rich.markdown.Markdown
        try:
            raise ValueError("x")
        except ValueError as exc:
            tb = typer_rich.Traceback.from_exception(ValueError, exc, exc.__traceback__)
        assert type(tb) is rich.traceback.Traceback
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("error", "code", "said"),
    [
        ("sqlite3.OperationalError('database is locked')", 1, "cannot be used now"),
        ("sqlite3.DatabaseError('file is not a database')", 3, "is damaged"),
        ("RuntimeError('boom')", 1, "unexpected RuntimeError"),
    ],
)
def test_database_errors_keep_their_message_without_importing_sqlite3(
    error: str, code: int, said: str
) -> None:
    """main() still maps SQLite's errors (exit 1 locked, 3 damaged) and any other
    to one line, now that gawah.cli leaves importing sqlite3 to the workspace."""
    script = textwrap.dedent(
        f"""
        import sqlite3, sys
        import gawah.cli
        def fail() -> None:
            raise {error}
        gawah.cli.app = fail
        gawah.cli.main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "PATH": "/usr/bin"},
    )
    assert done.returncode == code, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr
