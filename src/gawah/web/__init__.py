"""The web app: dashboard, register, person, entry, review and estimates pages.

``create_app(home)`` builds a FastAPI app over one workspace folder. Accounts
and sessions are local to the server (``web.sqlite``); role grants are ledger
events (``user.role_granted``). Every page has a JSON twin under ``/api``.
"""

from __future__ import annotations

from gawah.web.app import create_app
from gawah.web.auth import Right, Role

__all__ = ["Right", "Role", "create_app"]
