"""Checks for projectors: batched apply must leave what per-event apply leaves.

A projector's optional ``apply_many`` (see :func:`gawah.ledger.events.project`)
must leave exactly the tables that ``apply`` on each event in order would; the
registry's and the web's tests compare the two over many orders of events.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Protocol

from gawah.ledger import Event, Projector

Tables = dict[str, list[tuple[object, ...]]]


class BatchProjector(Projector, Protocol):
    """A projector with the optional bulk apply."""

    def apply_many(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        """Fold a chunk of events as ``apply`` on each in order would."""
        ...


def dump_tables(conn: sqlite3.Connection, tables: Iterable[str]) -> Tables:
    """Every row of each table, sorted (row order in a table carries no meaning)."""
    return {
        table: sorted(
            (tuple(row) for row in conn.execute(f"SELECT * FROM {table}")), key=repr
        )
        for table in tables
    }


def one_by_one_and_batched(
    projector: BatchProjector, events: Sequence[Event], tables: Iterable[str]
) -> tuple[Tables, Tables]:
    """The tables ``projector`` leaves in fresh in-memory databases after
    ``apply`` on each event in order, and after one ``apply_many`` of them all."""
    one, many = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    try:
        projector.create(one)
        projector.create(many)
        for event in events:
            projector.apply(one, event)
        projector.apply_many(many, list(events))
        names = tuple(tables)
        return dump_tables(one, names), dump_tables(many, names)
    finally:
        one.close()
        many.close()
