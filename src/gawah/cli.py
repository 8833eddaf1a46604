"""The ``gawah`` command: one Typer app, one command group per domain.

Each domain owns its commands in ``gawah/<domain>/cli.py`` and exposes
``register(app)``; this module only assembles them and turns
:class:`gawah.errors.GawahError` into one clear line and its exit code.
"""

from __future__ import annotations

import gc
import os
import sys
import types
from collections.abc import Sequence
from importlib import import_module
from importlib.machinery import ModuleSpec, PathFinder
from typing import TYPE_CHECKING, Any, cast

import typer
import typer.main
from typer import _click
from typer.core import TyperCommand, TyperGroup

from gawah.errors import GawahError, IntegrityError
from gawah.options import as_invoked

if TYPE_CHECKING:
    # Not at run time: importlib.abc loads importlib.resources and tempfile (a
    # few ms of every start-up) for two base classes the import system does not
    # require; the finder below is one by its methods.
    from importlib.abc import Loader

#: Every top-level command: name -> (domains whose ``cli.register`` builds it,
#: the first paragraph of its help, shown by ``gawah --help`` without importing
#: the domain). In the order of ``--help``. Adding a group is one line here, e.g.
#: ``"sync": (("sync",), "Exchange work offline ..."),``; the help must be the
#: command's own first paragraph (tests/test_cli_lazy.py compares them).
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "init": (
        ("workspace",),
        "Create a workspace: a folder with a new device signing key and a ledger.",
    ),
    "import": (
        ("registry",),
        "Import a source list: every row is checked; nothing is recorded if any is bad.",
    ),
    "status": (
        ("registry",),
        "Summarise the workspace: events, devices, reports, persons and the state digest.",
    ),
    "estimate": (
        ("estimate",),
        "Estimate the total number of victims, seen and unseen, from overlapping lists.",
    ),
    "serve": (
        ("web",),
        "Serve the web app: dashboard, register, entry, review, estimates.",
    ),
    "demo": (
        ("demo",),
        "Build, link and estimate a FICTIONAL demo workspace, then serve the web app.",
    ),
    "ledger": (("workspace",), "Check and inspect the signed ledger."),
    "devices": (
        ("workspace",),
        "This device's identity; enrol and revoke the devices a workspace trusts.",
    ),
    "reports": (("registry",), "Look at reports."),
    "export": (("registry",), "Export the registry."),
    "incidents": (("registry",), "Record and list incidents."),
    "sources": (("registry",), "Record and list sources."),
    "evidence": (
        ("evidence",),
        "Evidence files kept byte-exact, with chain of custody and court export.",
    ),
    "custodians": (
        ("sealing",),
        "The keys sensitive values are sealed to (this device and offline keys).",
    ),
    "link": (
        ("linkage",),
        "Link reports into persons (workspace), review unsure pairs, or link CSV files.\n"
        "Shortcut: `gawah link FILE.csv... --out clusters.csv` is `gawah link csv` "
        "(files first).",
    ),
    "claims": (
        ("claims",),
        "Public figures: who said how many, when; and proposals from news text.",
    ),
    "sync": (
        ("sync",),
        "Exchange work with other devices offline (signed, encrypted bundles).",
    ),
    "publish": (
        ("publish",),
        "Publish a signed, redacted, reproducible release of an incident; check one.",
    ),
    "users": (("web",), "Accounts of the web app (local to this server)."),
}

#: What ``typer.rich_utils`` imports at its top but gawah never uses: Markdown
#: renders help only in ``rich_markup_mode="markdown"`` (gawah's is "rich") and
#: Traceback only pretty exceptions (disabled). With markdown-it, pygments and
#: attrs behind them they cost more CPU than the rest of ``gawah --help``.
_UNUSED_BY_TYPER_HELP = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _Deferred(type):
    """A stand-in class whose first use (a call, an attribute) imports the real one."""

    _origin: str

    def _real(cls) -> Any:
        return getattr(import_module(cls._origin), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real(), name)


class _LightTyperHelp:
    """Loads ``typer.rich_utils`` (help and usage errors) without its unused imports.

    While typer's module runs, ``rich.markdown`` and ``rich.traceback`` are stand-in
    modules whose classes are :class:`_Deferred`; they are removed right after, so
    any other ``import rich.markdown`` gets the real module. Typer's own code
    renders the help, unchanged (tests/test_cli_lazy.py compares the two).
    """

    def __init__(self) -> None:
        self._loader: Loader | None = None

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)  # once is enough
        spec = PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            # A loader by its methods (create_module, exec_module), not by class.
            self._loader, spec.loader = spec.loader, cast("Loader", self)
        return spec

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        assert self._loader is not None  # set by find_spec
        stand_ins: dict[str, types.ModuleType] = {}
        for name, class_name in _UNUSED_BY_TYPER_HELP.items():
            if name not in sys.modules:
                stand_ins[name] = types.ModuleType(name)
                deferred = _Deferred(class_name, (), {"_origin": name})
                setattr(stand_ins[name], class_name, deferred)
        sys.modules.update(stand_ins)
        try:
            self._loader.exec_module(module)
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]


if "typer.rich_utils" not in sys.modules:
    sys.meta_path.insert(0, _LightTyperHelp())

# Real commands built so far (name -> command), and the domains registered.
_built: dict[str, _click.Command] = {}
_registered: set[str] = set()


def _build(name: str) -> _click.Command:
    """The real command ``name``: import its domains' CLIs and register them once."""
    if name not in _built:
        sub = typer.Typer()
        todo = [d for d in COMMANDS[name][0] if d not in _registered]
        for domain in todo:
            import_module(f"gawah.{domain}.cli").register(sub)
        _registered.update(todo)
        _built.update(typer.main.get_group(sub).commands)
    return _built[name]


def load_all() -> _click.Command:
    """The whole command tree, every domain imported (docs generator, tests)."""
    for name in COMMANDS:
        _build(name)
    return typer.main.get_command(app)


class _LazyGroup(TyperGroup):
    """The root group: imports a domain's CLI only when one of its commands runs.

    ``gawah --help`` lists every command from :data:`COMMANDS` (a stand-in with
    the same short help); resolving a command name builds the real one. This
    keeps start-up free of pydantic, imagehash, pandas and scipy, which the
    domain CLIs import when their modules load.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_domains, short) in COMMANDS.items():
            self.commands[name] = _built.get(name) or TyperCommand(
                name=name, help=short
            )

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0] in COMMANDS:
            self.commands[args[0]] = _build(args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="gawah",
    cls=_LazyGroup,
    help="gawah (witness): record, preserve, reconcile and count the victims of a crackdown.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


#: Set by the ``gawah`` program (:mod:`gawah.__main__`), which pauses the garbage
#: collector while modules load; the root callback resumes it, after the command's
#: modules are imported and before the command runs. Callers of :func:`main`
#: inside a longer process (tests) leave it False and the collector alone.
resume_collection_before_the_command = False


@app.callback()
def _root() -> None:
    # No docstring: it would compete with the app's help. Runs after the command
    # is resolved (its modules imported), before the command itself.
    if resume_collection_before_the_command:
        gc.freeze()  # what start-up loaded lives until exit: never scan it again
        gc.enable()


def _say_error(message: str, *, soft_wrap: bool = False) -> None:
    """One error line on standard error (rich markup; the caller escapes data)."""
    from gawah.core import terminal_console  # rich: only on the way to an error

    # soft_wrap: one line even in a narrow terminal or a pipe (rich wraps at 80).
    terminal_console(stderr=True).print(message, highlight=False, soft_wrap=soft_wrap)


def _escape(text: str) -> str:
    """``text`` shown literally in rich markup.

    rich is imported here, on the way to an error, not with this module: a
    quick estimate printed as JSON never loads it.
    """
    from rich.markup import escape

    return escape(text)


def main() -> None:
    """Run the CLI; a deliberate error becomes one line on stderr and its exit code.

    Typer's standalone mode already turns usage errors into a short message and
    exit 2; our own :class:`GawahError` is translated here. Damaged data must
    not surface as a traceback either: SQLite reporting a damaged file is exit 3,
    and any other unexpected error is one line naming its type (exit 1; set
    ``GAWAH_DEBUG=1`` for the traceback). Messages never quote data.
    """
    try:
        app()
    except GawahError as exc:
        _say_error(
            f"[bold red]error:[/] {_escape(as_invoked(str(exc)))}", soft_wrap=True
        )
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("GAWAH_DEBUG"):
            raise
        message, code = _database_error(exc) or (
            f"[bold red]error:[/] unexpected {type(exc).__name__}: the workspace may be"
            + as_invoked(
                " damaged, run `gawah ledger verify` (GAWAH_DEBUG=1 shows the details)"
            ),
            1,
        )
        _say_error(message)
        sys.exit(code)


def _database_error(exc: Exception) -> tuple[str, int] | None:
    """The message and exit code of an SQLite error; None for any other error.

    sqlite3 is not imported for this: a command that opened no workspace (a
    quick estimate from a file) cannot have raised its errors and need not load
    it (5 ms of start-up).
    """
    if "sqlite3" not in sys.modules:
        return None
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError):  # locked, read-only, disk full...
        return (
            "[bold red]error:[/] the workspace database cannot be used now "
            f"({_escape(str(exc))})",
            1,
        )
    if isinstance(exc, sqlite3.DatabaseError):  # malformed pages, not a database
        return (
            "[bold red]error:[/] the workspace database is damaged "
            f"({_escape(str(exc))}):" + as_invoked(" run `gawah ledger verify`"),
            IntegrityError.exit_code,
        )
    return None
