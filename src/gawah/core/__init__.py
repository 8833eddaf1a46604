"""Shared primitives: canonical JSON, hashing and device-clock time.

Imported lazily (PEP 562): ``gawah --help`` needs only the console, not the
JSON encoders (orjson, rfc8785) behind :func:`canonical_json`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gawah.core.canonical import canonical_json
    from gawah.core.clock import Clock, fixed_clock, utc_now_iso
    from gawah.core.console import terminal_console
    from gawah.core.files import make_private, open_private
    from gawah.core.hashing import sha256_bytes, sha256_hex
    from gawah.core.json_text import text_encoder

_LAZY = {
    "canonical_json": "gawah.core.canonical",
    "Clock": "gawah.core.clock",
    "fixed_clock": "gawah.core.clock",
    "utc_now_iso": "gawah.core.clock",
    "terminal_console": "gawah.core.console",
    "make_private": "gawah.core.files",
    "open_private": "gawah.core.files",
    "sha256_bytes": "gawah.core.hashing",
    "sha256_hex": "gawah.core.hashing",
    "text_encoder": "gawah.core.json_text",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gawah.core' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "Clock",
    "canonical_json",
    "fixed_clock",
    "make_private",
    "open_private",
    "sha256_bytes",
    "sha256_hex",
    "terminal_console",
    "text_encoder",
    "utc_now_iso",
]
