"""Where a workspace lives and the settings every command shares."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = Path("gawah-data")
HOME_ENV = "GAWAH_HOME"


def resolve_home(home: Path | None) -> Path:
    """Return the workspace folder: ``--home``, else ``$GAWAH_HOME``, else ``./gawah-data``."""
    if home is not None:
        return home
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    return DEFAULT_HOME
