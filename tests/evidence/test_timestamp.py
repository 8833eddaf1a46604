"""RFC 3161 timestamps over checkpoints, against a local OpenSSL TSA."""

from __future__ import annotations

import base64
from typing import Any as LocalTSA

import pytest

from gawah.errors import UserInputError
from gawah.evidence.timestamp import (
    TimestampError,
    request_timestamp,
    verify_timestamps,
    verify_token,
)
from gawah.workspace import Workspace


class TestTimestamp:
    def test_token_over_checkpoint_is_stored_and_verifies(
        self, ws: Workspace, local_tsa: LocalTSA
    ) -> None:
        """A token from the TSA is verified, stored as an event and re-verifies later."""
        ws.append("evidence.viewed", {"digest": "0" * 64, "note": "FICTIONAL"})
        rec = request_timestamp(ws, local_tsa.url, local_tsa.ca_file)
        event = ws.ledger.event(rec.event_id)
        assert event.kind == "checkpoint.timestamped"
        assert event.payload["size"] == rec.size >= 1
        assert "no later than" in event.payload["meaning"]
        again = verify_timestamps(ws, local_tsa.ca_file)
        assert [r.gen_time for r in again] == [rec.gen_time]

    def test_token_rejected_for_other_message(
        self, ws: Workspace, local_tsa: LocalTSA
    ) -> None:
        """A stored token does not verify over any other checkpoint text."""
        rec = request_timestamp(ws, local_tsa.url, local_tsa.ca_file)
        p = ws.ledger.event(rec.event_id).payload
        token = base64.b64decode(p["token"])
        from cryptography import x509

        roots = [x509.load_pem_x509_certificate(local_tsa.ca_file.read_bytes())]
        with pytest.raises(TimestampError):
            verify_token(token, p["checkpoint"].encode() + b"x", roots)

    def test_untrusted_ca_refused_and_nothing_stored(
        self, ws: Workspace, local_tsa: LocalTSA
    ) -> None:
        """A reply that does not chain to the trusted CA is refused, no event written."""
        before = ws.ledger.count()
        with pytest.raises(TimestampError):
            request_timestamp(ws, local_tsa.url, local_tsa.other_ca_file)
        # the checkpoint may be signed, but no timestamp event is appended
        kinds = [e.kind for e in ws.ledger.events()]
        assert "checkpoint.timestamped" not in kinds
        assert ws.ledger.count() == before

    def test_unreachable_tsa_is_a_clear_error(
        self, ws: Workspace, local_tsa: LocalTSA
    ) -> None:
        """An address nobody answers gives a user error, not a traceback."""
        with pytest.raises(UserInputError, match="could not get a timestamp"):
            request_timestamp(
                ws, "http://127.0.0.1:9/tsa", local_tsa.ca_file, timeout=2
            )
