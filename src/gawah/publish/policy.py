"""The publication policy: which fields leave the workspace, and how counts are protected.

A policy is a small TOML file (``--policy FILE``); every key is optional::

    fields = ["name", "age", "sex", "status", "date", "district"]
    small_cell_threshold = 5          # counts 1..4 are shown as "fewer than 5"
    unnamed_column = "do_not_name"    # a list column: this person asked not to be named
    unnamed_values = ["yes", "y", "true", "1", "x"]

Only the fields in :data:`PUBLISHABLE` may be chosen. Identifiers, phones,
witnesses, exact addresses and free text are never published, whatever the
policy says: they are not in that set.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gawah.errors import UserInputError

__all__ = [
    "DEFAULT_FIELDS",
    "LOCATION_FIELDS",
    "NEVER_PUBLISHED",
    "PUBLISHABLE",
    "Policy",
    "load_policy",
]

#: Fields a policy may publish (location finer than district only when named).
PUBLISHABLE: tuple[str, ...] = (
    "name",
    "name_urdu",
    "age",
    "sex",
    "status",
    "date",
    "district",
    "tehsil",
    "union_council",
    "village",
    "occupation",
)
DEFAULT_FIELDS: tuple[str, ...] = ("name", "age", "sex", "status", "date", "district")
#: Places finer than a district: published only when the policy lists them.
LOCATION_FIELDS: tuple[str, ...] = ("tehsil", "union_council", "village")
#: Report fields that never leave the workspace, and why (the receipt prints these).
NEVER_PUBLISHED: Mapping[str, str] = {
    "record_id": "an identifier of the source's own register",
    "national_id": "a sensitive identifier (sealed)",
    "phone": "contact details (sealed)",
    "witness_name": "witness identity (sealed)",
    "witness_contact": "witness contact details (sealed)",
    "address": "an exact address",
    "place": "an exact place",
    "father_name": "identifies relatives",
    "cause": "free text that cannot be checked for names",
    "circumstances": "free text that cannot be checked for names",
    "notes": "free text that cannot be checked for names",
}
_TRUE = ("yes", "y", "true", "1", "x")


@dataclass(frozen=True)
class Policy:
    """What a release may contain (see the module docstring)."""

    fields: tuple[str, ...] = DEFAULT_FIELDS
    small_cell_threshold: int = 5
    unnamed_column: str = "do_not_name"
    unnamed_values: tuple[str, ...] = _TRUE
    source: str = field(default="default", compare=False)

    def __post_init__(self) -> None:
        unknown = [f for f in self.fields if f not in PUBLISHABLE]
        if unknown:
            raise UserInputError(
                f"the policy names fields that cannot be published: {', '.join(unknown)} "
                f"(choose from {', '.join(PUBLISHABLE)})"
            )
        if len(set(self.fields)) != len(self.fields):
            raise UserInputError("the policy names a field twice")
        if not 1 <= self.small_cell_threshold <= 1000:
            raise UserInputError("small_cell_threshold must be between 1 and 1000")
        if not self.unnamed_column.strip():
            raise UserInputError("unnamed_column must not be empty")

    def to_dict(self) -> dict[str, Any]:
        """The policy as the manifest and the receipt state it."""
        return {
            "fields": list(self.fields),
            "small_cell_threshold": self.small_cell_threshold,
            "unnamed_column": self.unnamed_column,
            "unnamed_values": list(self.unnamed_values),
        }

    def asked_not_to_be_named(self, extra: Mapping[str, str]) -> bool:
        """Whether a report's extra columns say the person asked not to be named."""
        wanted = self.unnamed_column.strip().casefold()
        values = {v.casefold() for v in self.unnamed_values}
        return any(
            k.strip().casefold() == wanted and v.strip().casefold() in values
            for k, v in extra.items()
        )


def load_policy(path: Path | None) -> Policy:
    """Read a policy file (None: the default policy).

    Raises:
        UserInputError: the file cannot be read, is not TOML, or names unknown
            keys or fields.
    """
    if path is None:
        return Policy()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserInputError(f"cannot read the policy {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise UserInputError(f"the policy {path} is not valid TOML") from None
    known = {"fields", "small_cell_threshold", "unnamed_column", "unnamed_values"}
    extra = sorted(set(data) - known)
    if extra:
        raise UserInputError(f"unknown policy keys: {', '.join(extra)}")
    try:
        return Policy(
            fields=tuple(str(f) for f in data.get("fields", DEFAULT_FIELDS)),
            small_cell_threshold=int(data.get("small_cell_threshold", 5)),
            unnamed_column=str(data.get("unnamed_column", "do_not_name")),
            unnamed_values=tuple(str(v) for v in data.get("unnamed_values", _TRUE)),
            source=Path(path).name,
        )
    except (TypeError, ValueError):
        raise UserInputError(
            f"the policy {path} has a value of the wrong type"
        ) from None
