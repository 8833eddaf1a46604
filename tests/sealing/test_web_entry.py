"""A report typed into the web form is sealed and imported from memory (FICTIONAL)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from gawah.registry import get_sensitive
from gawah.sealing import Opener
from gawah.web._imports import import_entry, run_import
from gawah.workspace import Workspace


def test_entry_is_sealed_and_never_written_to_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_temp_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("the entry form wrote a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temp_files)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_temp_files)
    with Workspace.init(tmp_path / "ws", author="FICTIONAL") as ws:
        values = {
            "full_name": "FICTIONAL Typed Person",
            "national_id": "35202-9999999-1",
            "witness_name": "Qztyped Witness",
        }
        outcome = import_entry(ws, values, source="web form", incident=None)
        assert outcome.imported, outcome.message
        (report_id,) = outcome.report_ids
        raw = b"".join(e.raw for e in ws.ledger.events())
        assert b"3520299999991" not in raw
        assert b"Qztyped Witness" not in raw
        with Opener(ws) as opener:
            secret = get_sensitive(ws.conn, report_id, opener)
        assert secret is not None
        assert (secret.national_id, secret.witness_name) == (
            "3520299999991",
            "Qztyped Witness",
        )
        bad = import_entry(
            ws,
            {"full_name": "FICTIONAL", "age": "old-ish"},
            source="web form",
            incident=None,
        )
        assert not bad.imported
        assert bad.issues


def test_upload_outcome_names_sensitive_columns(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Sr No,Name,CNIC Number,Col X\n1,FICTIONAL A,35202-1234567-1,0300-1234567\n",
        encoding="utf-8",
    )
    with Workspace.init(tmp_path / "ws", author="FICTIONAL") as ws:
        outcome = run_import(
            ws, path, source="upload", incident=None, skip_invalid=False,
            show_sensitive=False,
        )  # fmt: skip
    assert outcome.imported
    assert outcome.sensitive_columns == ("CNIC Number", "Col X")
    assert outcome.detected_sensitive == ("Col X",)
