"""Named people found in an article, written as a source list the registry can import.

The extractor does not record people: it writes a CSV in the registry's canonical
columns, a documenter checks it, and ``gawah import`` records the rows that stay.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from gawah.claims.model import Category, VictimProposal
from gawah.core import open_private
from gawah.errors import UserInputError

#: The registry status for each claim category a victim's sentence can carry.
_STATUS = {
    Category.KILLED: "killed",
    Category.INJURED: "injured",
    Category.ARRESTED: "arrested_held",
    Category.MISSING: "missing",
}
COLUMNS = ("full_name", "age", "place", "status", "notes")


def write_victims_csv(
    victims: Iterable[VictimProposal], path: Path, *, origin: str = ""
) -> int:
    """Write one row per named person; returns the number of rows.

    ``notes`` keeps the supporting sentence (and ``origin``, e.g. the article's
    file name) so that a reviewer can see why the row exists.
    """
    rows = [
        {
            "full_name": v.name,
            "age": "" if v.age is None else str(v.age),
            "place": v.place,
            "status": _STATUS.get(v.category, "unknown") if v.category else "unknown",
            "notes": f"{origin}: {v.quote}" if origin else v.quote,
        }
        for v in victims
    ]
    try:
        with open_private(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise UserInputError(f"cannot write {path}: {exc.strerror}") from None
    return len(rows)
