"""What this device remembers of past exchanges (``sync-exchanges.json``).

Each export and each import adds one record: the bundle id, the other devices
(identities), and how far each feed reached — what a recipient holds after
importing an export of ours, or what a sender held when it exported to us.
``gawah sync export --since last`` sends only the events past what every
recipient is known to hold. The file lives beside the ledger (mode 0600), is
written atomically, and holds no event content: ids, identities, counts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gawah.core import open_private
from gawah.errors import UserInputError

EXCHANGES_FILE = "sync-exchanges.json"
_FORMAT = "gawah-sync-exchanges-1"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One bundle sent or received."""

    bundle_id: str
    direction: str  # "sent" or "received"
    peers: tuple[str, ...]  # identities of the other devices
    feeds: dict[str, int]  # device hex key -> feed size the peers hold
    at: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in the file."""
        return {
            "bundle_id": self.bundle_id,
            "direction": self.direction,
            "peers": list(self.peers),
            "feeds": dict(sorted(self.feeds.items())),
            "at": self.at,
        }


class Exchanges:
    """Read and append to one workspace's exchange records."""

    def __init__(self, home: Path) -> None:
        self.path = home / EXCHANGES_FILE

    def all(self) -> list[Exchange]:
        """Every record, oldest first.

        Raises:
            UserInputError: the file is damaged.
        """
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            raise UserInputError(f"{self.path.name} is damaged") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise UserInputError(f"{self.path.name} has an unknown format")
        out: list[Exchange] = []
        try:
            for item in data["exchanges"]:
                out.append(
                    Exchange(
                        bundle_id=str(item["bundle_id"]),
                        direction=str(item["direction"]),
                        peers=tuple(str(p) for p in item["peers"]),
                        feeds={str(k): int(v) for k, v in item["feeds"].items()},
                        at=str(item["at"]),
                    )
                )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UserInputError(f"{self.path.name} is damaged") from None
        return out

    def received(self, bundle_id: str) -> Exchange | None:
        """The record of an earlier import of this bundle, if any."""
        for item in self.all():
            if item.direction == "received" and item.bundle_id == bundle_id:
                return item
        return None

    def known(self, peers: Sequence[str]) -> dict[str, int]:
        """Feed sizes every one of ``peers`` is known to hold (the least of them)."""
        records = self.all()
        result: dict[str, int] | None = None
        for peer in peers:
            held: dict[str, int] = {}
            for item in records:
                if peer in item.peers:
                    for device, size in item.feeds.items():
                        held[device] = max(held.get(device, 0), size)
            if result is None:
                result = held
            else:
                result = {d: min(n, held[d]) for d, n in result.items() if d in held}
        return result or {}

    def add(self, exchange: Exchange) -> None:
        """Append one record (atomic rewrite of the file, mode 0600)."""
        records = [e.to_dict() for e in self.all()]
        records.append(exchange.to_dict())
        data = json.dumps({"format": _FORMAT, "exchanges": records}, indent=1)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open_private(tmp, "w", encoding="utf-8") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)


__all__ = ["EXCHANGES_FILE", "Exchange", "Exchanges"]
