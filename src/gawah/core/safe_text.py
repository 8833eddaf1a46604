"""Text that is safe to show: no terminal control codes, no spreadsheet formulas.

Names and notes come from lists that anyone can write. A name holding
``ESC [ 2 J`` clears the documenter's terminal (or worse: some terminals act on
title-setting and clipboard sequences); a cell beginning with ``=``, ``+``,
``-`` or ``@`` runs as a formula when an export is opened in a spreadsheet
(``=HYPERLINK(...)`` sends data away, ``=cmd|...`` runs programs). OWASP's
advice for CSV injection is followed: such a cell is prefixed with ``'`` so the
spreadsheet shows it as text.
"""

from __future__ import annotations

import re

__all__ = [
    "FORMULA_PREFIXES",
    "escape_json_controls",
    "neutralise_cell",
    "strip_controls",
]

# C0 controls except tab and newline, DEL, and C1 controls (U+0080-U+009F: a
# UTF-8 terminal may read U+009B as CSI, the start of an escape sequence).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: Cell beginnings a spreadsheet may treat as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab and newline are kept)."""
    return _CONTROLS.sub("", text)


def neutralise_cell(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula; others unchanged.

    A full-width ``＝`` and friends are read as ``=`` by some spreadsheets, so
    the check is made on the NFKC form too.
    """
    if not value:
        return value
    first = value[0]
    if first in FORMULA_PREFIXES or first in _WIDE_PREFIXES:
        return "'" + value
    return value


_WIDE_PREFIXES = frozenset("＝＋－＠")  # full-width = + - @


_JSON_RAW_CONTROLS = re.compile(r"[\x7f-\x9f]")


def escape_json_controls(text: str) -> str:
    """JSON text with DEL and C1 controls written as ``\\u`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but writes DEL
    and U+0080-U+009F as they are; escaped, the JSON means the same and cannot
    drive a terminal.
    """
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
