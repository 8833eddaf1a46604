"""The ``gawah`` command: one Typer app, one command group per domain.

Each domain owns its commands in ``gawah/<domain>/cli.py`` and exposes
``register(app)``; this module only assembles them and turns
:class:`gawah.errors.GawahError` into one clear line and its exit code.
"""

from __future__ import annotations

import sys
from importlib import import_module

import typer
from rich.markup import escape

from gawah.core import terminal_console
from gawah.errors import GawahError

app = typer.Typer(
    name="gawah",
    help="gawah (witness): record, preserve, reconcile and count the victims of a crackdown.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

# Domains whose ``cli`` module adds commands to the app, in the order of --help.
_DOMAINS = (
    "ledger",
    "registry",
    "evidence",
    "sealing",
    "linkage",
    "estimate",
    "claims",
    "sync",
    "publish",
    "web",
    "demo",
)

for _domain in _DOMAINS:
    try:
        _module = import_module(f"gawah.{_domain}.cli")
    except ModuleNotFoundError as exc:
        if exc.name != f"gawah.{_domain}.cli":
            raise
        continue
    _module.register(app)

_err = terminal_console(stderr=True)


def main() -> None:
    """Run the CLI; a deliberate error becomes one line on stderr and its exit code.

    Typer's standalone mode already turns usage errors into a short message and
    exit 2; only our own :class:`GawahError` needs translating here.
    """
    try:
        app()
    except GawahError as exc:
        # soft_wrap: one line even in a narrow terminal or a pipe (rich wraps at 80).
        _err.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
