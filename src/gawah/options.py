"""Command-line options that every command group shares, defined once.

Each domain's ``cli.py`` annotates its parameters with these, so ``--home`` and
``--passphrase-file`` read and are documented the same way in every command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from gawah.errors import UserInputError

PASSPHRASE_ENV = "GAWAH_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)
PASSPHRASE_FILE_ENV = "GAWAH_PASSPHRASE_FILE"  # noqa: S105 (a variable name)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home", help="Workspace folder (default: $GAWAH_HOME or ./gawah-data)."
    ),
]
PassFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="Read the key passphrase from the first line of this file "
        "(default: $GAWAH_PASSPHRASE_FILE).",
        dir_okay=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of a table.")
]


def check_output_file(path: Path, option: str) -> None:
    """Refuse, before any work, an output file that cannot be written there.

    Found only when the file was opened, a missing folder surfaced as an
    unexpected error saying the workspace may be damaged (exit 1), after the
    work was done, and after an import had already been recorded.
    """
    if path.is_dir():
        raise UserInputError(f"{option} {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise UserInputError(
            f"{option} {path}: the folder {path.parent} does not exist"
        )


def program_name() -> str:
    """How the user runs gawah: ``uv run gawah`` inside ``uv run``, else ``gawah``.

    A checkout has no ``gawah`` on the PATH (the README runs ``uv run gawah``),
    so a hint naming the next command must name it the way it was typed. uv
    sets ``UV_RUN_RECURSION_DEPTH`` for every process it runs.
    """
    return "uv run gawah" if os.environ.get("UV_RUN_RECURSION_DEPTH") else "gawah"


def as_invoked(text: str) -> str:
    """``text`` with every quoted command (`` `gawah …` ``) as the user runs gawah."""
    name = program_name()
    return text if name == "gawah" else text.replace("`gawah ", f"`{name} ")


def read_passphrase(
    passphrase_file: Path | None, home: Path | None = None
) -> str | None:
    """The key passphrase: ``--passphrase-file``, else ``$GAWAH_PASSPHRASE_FILE``,
    else ``$GAWAH_PASSPHRASE``; else, when ``home`` holds a passphrase-protected
    key and standard input is a terminal, asked once (not echoed); else ``None``
    (a command that then needs to sign says what to pass: it never waits on a
    prompt nobody can answer).

    Raises:
        UserInputError: the file cannot be read or its first line is empty.
    """
    found = _given_passphrase(passphrase_file)
    if found is not None or home is None or not sys.stdin.isatty():
        return found
    from gawah.ledger import key_is_wrapped

    key = home / "keys" / "device.key"
    if not key.exists() or not key_is_wrapped(key):
        return None
    secret = typer.prompt("Passphrase", hide_input=True, default="", show_default=False)
    return str(secret) or None


def _given_passphrase(passphrase_file: Path | None) -> str | None:
    if passphrase_file is None:
        from_env = os.environ.get(PASSPHRASE_FILE_ENV)
        passphrase_file = Path(from_env) if from_env else None
    if passphrase_file is not None:
        try:
            text = passphrase_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise UserInputError(
                f"cannot read the passphrase file {passphrase_file}"
            ) from None
        line = text.splitlines()[0] if text else ""
        if not line:
            raise UserInputError("the passphrase file is empty")
        return line
    return os.environ.get(PASSPHRASE_ENV) or None
