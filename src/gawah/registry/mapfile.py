"""Map files: how the columns of one real list become a registry's fields.

A map file is TOML (docs/guides/import.md). Every table is optional:

``[columns]``
    header -> canonical column (``"Victim Name" = "full_name"``).
``[drop]``
    ``columns = [...]``: headers to leave out entirely (not even kept as extras).
``[constants]``
    canonical column -> value for every row (``status = "killed"`` for a list of the dead).
``[missing]``
    header or column -> codes that mean "not known" (``age = ["-1"]``); the key
    ``"*"`` applies to every column.
``[values.<column>]``
    value -> value as the registry should read it (``[values.sex] m = "male"``).
``[status]``
    status spelling -> vocabulary code (``Shaheed = "killed"``).
``[birth_years]``
    ``columns = [...]``: in these columns a year (1880-2100) is a year of birth,
    not an age; it goes to ``dob`` (year precision).
``[sensitive]``
    ``columns = [...]``: headers whose values are sealed. A header mapped to
    ``record_id`` and marked here becomes a *sealed* record id: the value is
    sealed, the record id is its keyed digest (stable across releases, never shown).

:func:`dump_map` writes the mapping an import used in the same format, so
``gawah import --dry-run --map-out FILE`` gives an editable starting point.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gawah.errors import UserInputError
from gawah.registry.models import CANONICAL_COLUMNS

#: Codes lists commonly write for "not known" (suggested, never applied unasked).
COMMON_MISSING_CODES: tuple[str, ...] = (
    "-1", "unknown", "n/a", "na", "nil", "none", "-", "?", "not known",
    "نامعلوم", "غير معروف", "غير معروفة", "مجهول", "معلوم نہیں",
)  # fmt: skip


@dataclass(frozen=True)
class ColumnMap:
    """A map file, parsed (the tables: the module docstring)."""

    columns: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    sensitive: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    constants: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    birth_years: tuple[str, ...] = ()


def _headers(data: dict[str, Any], name: str, path: Path) -> tuple[str, ...]:
    """A list of headers, written ``name = [...]`` or ``[name] columns = [...]``."""
    marked = data.get(name, [])
    if isinstance(marked, dict):
        marked = marked.get("columns", [])
    if not isinstance(marked, list) or not all(isinstance(h, str) for h in marked):
        raise UserInputError(
            f"map file {path.name}: [{name}] columns must be a list of headers"
        )
    return tuple(marked)


def _table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise UserInputError(f"map file {path.name}: [{name}] must be a table")
    return value


def _canonical(target: str, where: str, path: Path) -> None:
    if target not in CANONICAL_COLUMNS:
        raise UserInputError(
            f"map file {path.name}: {where} names {target!r}, which is not a "
            "canonical column (see docs/guides/import.md)"
        )


#: The tables a map file may hold (the module docstring).
MAP_TABLES: tuple[str, ...] = (
    "columns", "drop", "constants", "missing", "values", "status", "birth_years",
    "sensitive",
)  # fmt: skip


def _check_tables(data: dict[str, Any], path: Path) -> None:
    """Refuse a table gawah does not read: a misspelt ``[colums]`` was skipped,
    so the import ran as if the map said nothing (a ``[sensitiv]`` mark too)."""
    for name in data:
        if name in MAP_TABLES:
            continue
        near = difflib.get_close_matches(name, MAP_TABLES, n=1, cutoff=0.6)
        hint = f"; did you mean [{near[0]}]?" if near else ""
        raise UserInputError(
            f"map file {path.name}: [{name}] is not a table gawah reads{hint} (the tables: "
            f"{', '.join(f'[{t}]' for t in MAP_TABLES)})"
        )


def parse_map(data: dict[str, Any], path: Path) -> ColumnMap:
    """Check a map file's tables (``path`` names it in errors)."""
    _check_tables(data, path)
    columns = {str(k): str(v) for k, v in _table(data, "columns", path).items()}
    for header, target in columns.items():
        _canonical(target, f"{header!r} maps to {target!r}, which", path)
    constants = {str(k): str(v) for k, v in _table(data, "constants", path).items()}
    for target in constants:
        _canonical(target, f"[constants] {target!r}", path)
    missing: dict[str, tuple[str, ...]] = {}
    for key, codes in _table(data, "missing", path).items():
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not all(
            isinstance(c, str | int) for c in codes
        ):
            raise UserInputError(
                f"map file {path.name}: [missing] {key!r} must be a list of codes"
            )
        missing[str(key)] = tuple(str(c) for c in codes)
    values: dict[str, dict[str, str]] = {}
    for key, table in _table(data, "values", path).items():
        if not isinstance(table, dict):
            raise UserInputError(
                f"map file {path.name}: [values.{key}] must be a table of value = value"
            )
        values[str(key)] = {str(k): str(v) for k, v in table.items()}
    status = {str(k): str(v) for k, v in _table(data, "status", path).items()}
    return ColumnMap(
        columns=columns,
        status=status,
        sensitive=_headers(data, "sensitive", path),
        drop=_headers(data, "drop", path),
        constants=constants,
        missing=missing,
        values=values,
        birth_years=_headers(data, "birth_years", path),
    )


def load_map(path: Path) -> ColumnMap:
    """Read a TOML map file; targets must be canonical columns."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserInputError(f"map file {path}: {exc}") from None
    return parse_map(data, path)


def _quote(text: str) -> str:
    # A JSON string is a TOML basic string (same escapes) for any text.
    return json.dumps(text, ensure_ascii=False)


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_quote(i) for i in items) + "]"


def dump_map(
    column_map: ColumnMap,
    *,
    notes: Mapping[str, str] | None = None,
    suggestions: Mapping[str, Iterable[str]] | None = None,
) -> str:
    """The map file text for ``column_map`` (TOML; ``notes``: header -> comment).

    ``suggestions`` (table name -> lines) are written as comments in their
    table, for the user to uncomment: what the dry run thinks may help but
    will not apply unasked.
    """
    notes = notes or {}
    hints = {k: list(v) for k, v in (suggestions or {}).items()}

    def suggested(table: str) -> list[str]:
        lines = hints.get(table, [])
        return ["# suggested:", *(f"# {line}" for line in lines)] if lines else []

    out = [
        "# gawah map file (docs/guides/import.md). Edit, then:",
        "#   gawah import FILE --source NAME --map THIS_FILE --dry-run",
        "",
        "[columns]",
    ]
    for header, target in column_map.columns.items():
        note = notes.get(header)
        out.append(
            f"{_quote(header)} = {_quote(target)}" + (f"  # {note}" if note else "")
        )
    out += ["", "[drop]", f"columns = {_list(column_map.drop)}", ""]
    out += ["[sensitive]", f"columns = {_list(column_map.sensitive)}", ""]
    out += ["[birth_years]", f"columns = {_list(column_map.birth_years)}"]
    out += [*suggested("birth_years"), "", "[constants]"]
    out += [f"{_quote(k)} = {_quote(v)}" for k, v in column_map.constants.items()]
    out += ["", "[missing]"]
    out += [f"{_quote(k)} = {_list(v)}" for k, v in column_map.missing.items()]
    out += [*suggested("missing"), "", "[status]"]
    out += [f"{_quote(k)} = {_quote(v)}" for k, v in column_map.status.items()]
    out += suggested("status")
    for column, table in column_map.values.items():
        out += ["", f"[values.{_quote(column)}]"]
        out += [f"{_quote(k)} = {_quote(v)}" for k, v in table.items()]
    return "\n".join(out) + "\n"
