"""Sealed values travel sealed; a custodian's device can open them after a sync,
no one else can (FICTIONAL data)."""

from __future__ import annotations

from pathlib import Path

import nacl.signing
import pytest

from gawah.registry import get_sensitive, import_rows
from gawah.sealing import (
    Opener,
    WrappedKey,
    add_custodian,
    device_custodian_key,
    erase,
)
from gawah.sync import BundleError, exchange, export_bundle, import_bundle
from gawah.sync.bundle import open_bundle
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace

from .conftest import send

HEADERS = ["record_id", "full_name", "sex", "age", "status", "phone"]
PHONE = "+92-300-4242001"


def _report_id(ws: Workspace) -> str:
    return str(ws.conn.execute("SELECT report_id FROM registry_reports").fetchone()[0])


def _phone(ws: Workspace, report_id: str) -> str | None:
    with Opener(ws) as opener:
        found = get_sensitive(ws.conn, report_id, opener)
    return None if found is None else found.phone


def test_a_custodian_device_opens_values_sealed_elsewhere(
    team: list[Workspace], tmp_path: Path
) -> None:
    hq, a, b = team
    add_custodian(a, device_custodian_key(hq), "FICTIONAL HQ device")
    import_rows(a, HEADERS, [["1", "FICTIONAL Sana", "F", "30", "killed", PHONE]],
                source="FICTIONAL list A")  # fmt: skip
    report_id = _report_id(a)
    path = tmp_path / "to-hq.gawah"
    export_bundle(a, [hq.identity], path)
    # The key inside is wrapped to HQ only (not to a's own device key).
    private = nacl.signing.SigningKey(fixed_seed("sync-hq")).to_curve25519_private_key()
    manifest = open_bundle(path.read_bytes(), private).manifest
    (carried,) = manifest["data_keys"]
    assert list(carried["wrapped"]) == [device_custodian_key(hq)]
    got = import_bundle(hq, path)
    assert got.keys_received == 1
    assert _phone(hq, report_id) == PHONE
    assert import_bundle(hq, path).keys_received == 0  # a replay adds nothing
    # b is not a custodian: the same events reach it without any key.
    to_b = send(a, b, tmp_path)
    assert to_b.keys_received == 0
    assert _phone(b, report_id) is None
    # hq passes the events on to b: still no key (it holds only its own wrapping).
    assert send(hq, b, tmp_path).keys_received == 0


def test_values_sealed_before_the_custodian_was_added_stay_closed(
    team: list[Workspace], tmp_path: Path
) -> None:
    hq, a, _b = team
    import_rows(a, HEADERS, [["1", "FICTIONAL Sana", "F", "30", "killed", PHONE]],
                source="FICTIONAL list A")  # fmt: skip
    add_custodian(a, device_custodian_key(hq), "FICTIONAL HQ device")
    got = send(a, hq, tmp_path)
    assert got.keys_received == 0
    assert _phone(hq, _report_id(a)) is None


def test_an_erasure_travels_with_or_after_the_keys(
    team: list[Workspace], tmp_path: Path
) -> None:
    hq, a, _b = team
    add_custodian(a, device_custodian_key(hq), "FICTIONAL HQ device")
    import_rows(a, HEADERS, [["1", "FICTIONAL Sana", "F", "30", "killed", PHONE],
                             ["2", "FICTIONAL Hina", "F", "31", "killed", PHONE]],
                source="FICTIONAL list A")  # fmt: skip
    first, second = sorted(
        str(r[0]) for r in a.conn.execute("SELECT report_id FROM registry_reports")
    )
    send(a, hq, tmp_path)
    assert _phone(hq, first) == PHONE
    erase(a, first, "FICTIONAL request of the family")
    got = send(a, hq, tmp_path)
    assert got.keys_destroyed >= 1
    assert _phone(hq, first) is None
    assert _phone(hq, second) == PHONE


def test_a_bundle_with_damaged_data_keys_is_refused_whole(
    team: list[Workspace], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, a, _b = team
    add_custodian(a, device_custodian_key(hq), "FICTIONAL HQ device")
    import_rows(a, HEADERS, [["1", "FICTIONAL Sana", "F", "30", "killed", PHONE]],
                source="FICTIONAL list A")  # fmt: skip
    real = exchange.keys_for

    def damaged(*args: object, **kwargs: object) -> list[WrappedKey]:
        keys = real(*args, **kwargs)  # type: ignore[arg-type]
        return [WrappedKey(k.key_id, k.subject, b"short", k.wrapped) for k in keys]

    monkeypatch.setattr(exchange, "keys_for", damaged)
    path = tmp_path / "damaged.gawah"
    export_bundle(a, [hq.identity], path)
    before = hq.ledger.state_digest()
    with pytest.raises(BundleError, match="data keys"):
        import_bundle(hq, path)
    assert hq.ledger.state_digest() == before
