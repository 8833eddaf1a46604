"""Shared primitives: canonical JSON, hashing and device-clock time."""

from gawah.core.canonical import canonical_json
from gawah.core.clock import Clock, fixed_clock, utc_now_iso
from gawah.core.console import terminal_console
from gawah.core.files import make_private, open_private
from gawah.core.hashing import sha256_bytes, sha256_hex

__all__ = [
    "Clock",
    "canonical_json",
    "fixed_clock",
    "make_private",
    "open_private",
    "sha256_bytes",
    "sha256_hex",
    "terminal_console",
    "utc_now_iso",
]
