"""Files gawah writes are private to their owner, whatever the umask.

Exports and rejected-row files can hold names, phone numbers and national ids:
they are created with mode 0600 (folders 0700) by passing the mode to
``os.open`` and then setting it with ``fchmod``/``chmod`` (the umask only
removes bits, and a permissive umask such as 0 must not widen them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def open_private(path: Path | str, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file truncated and made mode 0600.

    ``mode`` is ``"w"``/``"wb"`` (or ``"x"``/``"xb"`` to refuse an existing
    file); other keyword arguments go to :func:`os.fdopen` (``encoding``,
    ``newline``).
    """
    flags = os.O_WRONLY | os.O_CREAT
    flags |= os.O_EXCL if mode.startswith("x") else os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        return os.fdopen(fd, mode.replace("x", "w"), **kwargs)
    except BaseException:
        os.close(fd)
        raise


def make_private(path: Path | str) -> None:
    """Set a file to 0600, or a folder and everything under it to 0700/0600."""
    root = Path(path)
    if not root.is_dir():
        os.chmod(root, PRIVATE_FILE)
        return
    os.chmod(root, PRIVATE_DIR)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), PRIVATE_DIR)
        for name in files:
            os.chmod(os.path.join(folder, name), PRIVATE_FILE)


__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "make_private", "open_private"]
