"""Rendering and parsing helpers of ``gawah claims`` (kept apart to keep the CLI thin)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from gawah.claims._urdu import is_urdu
from gawah.claims.model import Extraction
from gawah.core import terminal_console
from gawah.errors import UserInputError

_err = terminal_console(stderr=True)


def proposals_table(extraction: Extraction) -> Table:
    """One row per proposal; the offsets let a reviewer find the sentence in the text."""
    table = Table(title=f"{len(extraction.claims)} proposed claims")
    for col in ("#", "category", "bounds", "stance", "claimant", "figure", "sentence"):
        table.add_column(col)
    for i, p in enumerate(extraction.claims, 1):
        table.add_row(
            str(i),
            p.category.value,
            p.bounds + (f" ({escape(p.note)})" if p.note else ""),
            p.stance.value,
            escape(f"{p.claimant.name} ({p.claimant.kind.value})")
            if p.claimant
            else "",
            escape(p.figure),
            f"{p.sentence_start}-{p.sentence_end}",
        )
    return table


def warn_if_unread(text: str) -> None:
    """The rules read English and Urdu; say so rather than silently proposing nothing."""
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(1 for ch in letters if ch.isascii())
    if letters and latin / len(letters) < 0.5 and not is_urdu(text):
        _err.print(
            "[yellow]warning:[/] this text is mostly neither English nor Urdu; the "
            "extractor reads English and Urdu only, so figures in it will be missed."
        )


def pick(text: str, count: int) -> set[int]:
    """The proposal numbers of ``--accept 1,3,4``, checked against how many there are."""
    picked: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            continue
        if not part.strip().isdigit() or not 1 <= int(part) <= count:
            raise UserInputError(f"--accept {text!r}: numbers from 1 to {count}")
        picked.add(int(part))
    return picked
