"""The evidence docs mention every command and every event kind (STYLE.md item 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gawah.evidence import __all__ as public
from gawah.evidence import model
from gawah.evidence.cli import evidence_app

DOCS = Path(__file__).parents[2] / "docs"
TEXT = "\n".join(
    (DOCS / p).read_text(encoding="utf-8")
    for p in ("explanation/evidence.md", "guides/court-export.md")
)


class TestDocs:
    @pytest.mark.parametrize(
        "command", sorted(c.name or "" for c in evidence_app.registered_commands)
    )
    def test_every_command_documented(self, command: str) -> None:
        """Each ``gawah evidence`` command appears in the docs."""
        assert f"gawah evidence {command}" in TEXT

    @pytest.mark.parametrize(
        "kind",
        sorted(
            v
            for k, v in vars(model).items()
            if k.isupper() and isinstance(v, str) and "." in v
        ),
    )
    def test_every_event_kind_documented(self, kind: str) -> None:
        """Each evidence event kind appears in the docs."""
        assert kind in TEXT

    def test_public_api_sorted(self) -> None:
        """The package's ``__all__`` is sorted, as the style guide asks."""
        assert list(public) == sorted(public)

    def test_timestamp_command_documented(self) -> None:
        """The evidence timestamp command and its meaning are documented."""
        assert "gawah evidence timestamp --tsa" in TEXT
        assert "existed no later than" in TEXT
