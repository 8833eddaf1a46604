"""docs/validation shows exactly what `python -m benchmarks.validate` last generated.

Cheap on purpose: the validation itself takes most of an hour, so this compares
each marked block of a page with the generated file kept beside the pages
(``benchmarks/validation/<section>.md``), which only the command writes.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "validation"
GENERATED = ROOT / "benchmarks" / "validation"

_BLOCK = re.compile(
    r"<!-- generated: (?P<name>[\w-]+) [^\n]*-->\n(?P<text>.*?)"
    r"<!-- end generated: (?P=name) -->",
    re.DOTALL,
)


def _sections() -> set[str]:
    """The names in ``benchmarks.validate.SECTIONS`` (the command's own registry)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return set(importlib.import_module("benchmarks.validate").SECTIONS)


def _blocks() -> dict[str, str]:
    found: dict[str, str] = {}
    for page in sorted(PAGES.glob("*.md")):
        for match in _BLOCK.finditer(page.read_text(encoding="utf-8")):
            assert match["name"] not in found, f"{match['name']} pasted twice"
            found[match["name"]] = match["text"]
    return found


def test_every_block_matches_its_generated_file() -> None:
    """A hand-edited table, or a run whose output was not pasted, fails here."""
    blocks = _blocks()
    assert blocks, "no generated blocks in docs/validation"
    for name, text in blocks.items():
        path = GENERATED / f"{name}.md"
        assert path.exists(), f"{name}: run `uv run python -m benchmarks.validate`"
        assert text == path.read_text(encoding="utf-8"), (
            f"docs/validation block {name} differs from {path.name}: "
            f"run `uv run python -m benchmarks.validate --only {name}`"
        )


def test_every_generated_file_and_section_is_shown() -> None:
    """Each section of the command has its block, and no generated file is orphaned."""
    blocks = set(_blocks())
    files = {p.stem for p in GENERATED.glob("*.md")}
    sections = _sections()
    assert sections, "no sections in benchmarks.validate.SECTIONS"
    assert blocks == files == sections


def test_every_table_outside_history_pages_is_generated() -> None:
    """A table typed by hand belongs on a labelled ``*-history.md`` page."""
    for page in sorted(PAGES.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if page.stem.endswith("-history"):
            assert "not regenerated" in text.split("\n## ")[0], (
                f"{page.name} must say at its top that its numbers are not regenerated"
            )
            continue
        outside = _BLOCK.sub("", text)
        rows = [ln for ln in outside.splitlines() if ln.startswith("|---")]
        assert not rows, (
            f"{page.name} has {len(rows)} table(s) outside generated blocks"
        )
