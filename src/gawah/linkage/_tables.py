"""Read the shipped linkage tables (``data/*.tsv``) once, at first use."""

from __future__ import annotations

from functools import cache
from importlib import resources


def rows(name: str) -> list[list[str]]:
    """Return the tab-separated rows of ``data/<name>``, comments and blanks skipped."""
    text = resources.files("gawah.linkage").joinpath("data", name).read_text("utf-8")
    out: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append(line.split("\t"))
    return out


@cache
def variant_map(name: str) -> dict[str, str]:
    """Map every spelling in a ``canonical<TAB>a|b|c`` table to its canonical form."""
    mapping: dict[str, str] = {}
    for row in rows(name):
        canonical = row[0].strip()
        mapping[canonical] = canonical
        if len(row) > 1:
            for variant in row[1].split("|"):
                if variant.strip():
                    mapping[variant.strip()] = canonical
    return mapping
