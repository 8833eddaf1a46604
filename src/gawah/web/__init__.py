"""The web app: dashboard, register, person, entry, review and estimates pages.

``create_app(home)`` builds a FastAPI app over one workspace folder. Accounts
and sessions are local to the server (``web.sqlite``); role grants are ledger
events (``user.role_granted``). Every page has a JSON twin under ``/api``.

FastAPI is imported only when :func:`create_app` is first used: the workspace
imports :mod:`gawah.web.projection` for every command, and must stay quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gawah.web.auth import Right, Role
from gawah.web.projection import is_fictional, label_fictional

if TYPE_CHECKING:
    from gawah.web.accounts import add_account
    from gawah.web.app import create_app
    from gawah.web.cli import serve_app

__all__ = [
    "Right",
    "Role",
    "add_account",
    "create_app",
    "is_fictional",
    "label_fictional",
    "serve_app",
]

# Public name -> defining module, imported on first use (PEP 562).
_SOURCES = {
    "add_account": "gawah.web.accounts",
    "create_app": "gawah.web.app",
    "serve_app": "gawah.web.cli",
}


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        from importlib import import_module

        return getattr(import_module(_SOURCES[name]), name)
    raise AttributeError(name)
