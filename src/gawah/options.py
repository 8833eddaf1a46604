"""Command-line options that every command group shares, defined once.

Each domain's ``cli.py`` annotates its parameters with these, so ``--home`` and
``--passphrase-file`` read and are documented the same way in every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
        help="Read the key passphrase from the first line of this file.",
        dir_okay=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of a table.")
]
