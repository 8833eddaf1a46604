"""Sealed values: round trip, custodians, tampering, match keys, erasure (FICTIONAL data)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import nacl.public
import pytest

from gawah.errors import IntegrityError, WorkspaceError
from gawah.registry import (
    RowsInvalidError,
    SealedError,
    get_sensitive,
    import_list,
    list_reports,
    match_keys,
    record_incident,
)
from gawah.sealing import (
    NotACustodianError,
    Opener,
    SealedValue,
    SealingSession,
    add_custodian,
    custodian_keys,
    erase,
    erasures,
    open_value,
)
from gawah.sealing.api import KeyedHash, match_key
from gawah.sealing.crypto import WrappedKey
from gawah.sealing.keystore import KEY_STORE_FILE, DataKeyStore
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(
        tmp_path / "ws", author="FICTIONAL sealer", key_seed=fixed_seed("sealing")
    )
    record_incident(workspace, "FICTIONAL incident", incident_id="inc", date="2031")
    yield workspace
    workspace.close()


def _list(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEADERS = ["Sr No", "Name", "CNIC No", "Mobile", "Witness"]


class TestPrimitives:
    def test_round_trip_each_custodian_and_not_others(self) -> None:
        a, b, stranger = (nacl.public.PrivateKey.generate() for _ in range(3))
        session = SealingSession([bytes(a.public_key), bytes(b.public_key)])
        sealed, wrapped = session.seal("rep-1", "FICTIONAL گواہ".encode())
        for key in (a, b):
            assert open_value(sealed, wrapped, key) == "FICTIONAL گواہ".encode()
        with pytest.raises(NotACustodianError):
            open_value(sealed, wrapped, stranger)

    def test_sealer_that_is_not_a_custodian_cannot_open(self) -> None:
        """A field device sealing only to HQ cannot read what it sealed."""
        hq = nacl.public.PrivateKey.generate()
        field_device = nacl.public.PrivateKey.generate()
        session = SealingSession([bytes(hq.public_key)])
        sealed, wrapped = session.seal("rep-1", b"FICTIONAL witness")
        with pytest.raises(NotACustodianError):
            open_value(sealed, wrapped, field_device)
        assert open_value(sealed, wrapped, hq) == b"FICTIONAL witness"

    def test_every_byte_flip_fails_authentication(self) -> None:
        key = nacl.public.PrivateKey.generate()
        sealed, wrapped = SealingSession([bytes(key.public_key)]).seal("s", b"x" * 40)
        rng = random.Random(13)
        flips = 0
        for _ in range(500):
            box = bytearray(sealed.box)
            box[rng.randrange(len(box))] ^= 1 << rng.randrange(8)
            with pytest.raises(IntegrityError):
                open_value(SealedValue(sealed.key_id, bytes(box)), wrapped, key)
            flips += 1
        assert flips == 500

    def test_a_field_device_sealing_to_hq_reads_none_of_a_thousand(self) -> None:
        """S15 (primitives): 1,000 FICTIONAL witness identities sealed on a field
        device to two HQ custodians: the field device's own key opens 0 of them,
        a stranger's 0, each HQ key 1,000; 10,000 random single-bit flips of
        ciphertexts and wrapped keys all fail authentication. (A workspace also
        seals to its own device key by default: docs/explanation/sealing.md,
        "Limits"; this is the primitive that a field mode would rely on.)"""
        hq_a, hq_b, field_device, stranger = (
            nacl.public.PrivateKey.generate() for _ in range(4)
        )
        session = SealingSession([bytes(hq_a.public_key), bytes(hq_b.public_key)])
        sealed = [
            session.seal(f"rep-{n}", f"FICTIONAL witness {n} +92-300-{n:07d}".encode())
            for n in range(1000)
        ]
        refused = opened = 0
        for n, (value, wrapped) in enumerate(sealed):
            for key in (field_device, stranger):
                with pytest.raises(NotACustodianError):
                    open_value(value, wrapped, key)
                refused += 1
            for key in (hq_a, hq_b):
                expected = f"FICTIONAL witness {n} +92-300-{n:07d}".encode()
                assert open_value(value, wrapped, key) == expected
                opened += 1
        assert (refused, opened) == (2000, 2000)
        rng = random.Random(15)
        custodian = bytes(hq_a.public_key).hex()
        flips = failed = 0
        for n in range(10_000):
            value, wrapped = sealed[n % len(sealed)]
            if n % 2:
                box = bytearray(value.box)
                box[rng.randrange(len(box))] ^= 1 << rng.randrange(8)
                value = SealedValue(value.key_id, bytes(box))
            else:
                boxed = bytearray(wrapped.wrapped[custodian])
                boxed[rng.randrange(len(boxed))] ^= 1 << rng.randrange(8)
                wrapped = WrappedKey(
                    wrapped.key_id,
                    wrapped.subject,
                    wrapped.ephemeral,
                    {**wrapped.wrapped, custodian: bytes(boxed)},
                )
            flips += 1
            try:
                open_value(value, wrapped, hq_a)
            except IntegrityError:
                failed += 1
        assert flips == 10_000
        assert failed == flips

    def test_dict_form_round_trips_and_rejects_unknown(self) -> None:
        key = nacl.public.PrivateKey.generate()
        sealed, _ = SealingSession([bytes(key.public_key)]).seal("s", b"v")
        assert SealedValue.from_dict(sealed.to_dict()) == sealed
        with pytest.raises(IntegrityError):
            SealedValue.from_dict({"alg": "rot13", "key": "k", "box": ""})


class TestKeyedHash:
    def test_equals_the_standard_library_hmac(self) -> None:
        """Keys shorter than, as long as and longer than a block, any message."""
        rng = random.Random(11)
        for key_size in (0, 1, 32, 63, 64, 65, 200):
            key = rng.randbytes(key_size)
            keyed = KeyedHash(key)
            for size in (0, 1, 55, 56, 64, 130):
                message = rng.randbytes(size)
                expected = hmac.new(key, message, hashlib.sha256).digest()
                assert keyed.digest(message) == expected
                assert keyed.digest(message) == expected  # the key's state is kept

    def test_match_key_is_the_hmac_of_the_normalised_value(self) -> None:
        secret = random.Random(5).randbytes(32)
        mac = hmac.new(secret, b"national_id\x1f3520112345671", hashlib.sha256)
        expected = str(int.from_bytes(mac.digest()[:16], "big")).zfill(39)
        assert match_key(secret, "national_id", "35201-1234567-1") == expected
        assert match_key(secret, "national_id", "3520112345671") == expected


class TestWorkspace:
    def test_events_hold_ciphertext_and_key_opens_exactly(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        path = _list(
            tmp_path / "l.csv",
            [
                HEADERS,
                ["1", "FICTIONAL A", "35202-1111111-1", "0300-1112223", "Zed Qx"],
            ],
        )
        import_list(ws, path, source="families")
        raw = b"".join(e.raw for e in ws.ledger.events())
        for canary in (b"3520211111111", b"1111111", b"1112223", b"Zed Qx"):
            assert canary not in raw
        (report,) = list_reports(ws.conn)
        with pytest.raises(SealedError):
            get_sensitive(ws.conn, report.report_id)
        with Opener(ws) as opener:
            secret = get_sensitive(ws.conn, report.report_id, opener)
        assert secret is not None
        assert (secret.national_id, secret.phone, secret.witness_name) == (
            "3520211111111",
            "0300-1112223",
            "Zed Qx",
        )
        assert ws.ledger.verify().ok

    def test_locked_key_cannot_open(self, tmp_path: Path) -> None:
        home = tmp_path / "locked"
        with Workspace.init(home, passphrase="FICTIONAL long passphrase") as ws:
            record_incident(ws, "FICTIONAL", incident_id="inc")
            path = _list(tmp_path / "l.csv", [HEADERS, ["1", "A", "", "0300", "W"]])
            import_list(ws, path, source="families")
        with Workspace.open(home) as locked, pytest.raises(WorkspaceError):
            Opener(locked)
        passphrase = "FICTIONAL long passphrase"
        with Workspace.open(home, passphrase=passphrase) as ws, Opener(ws) as opener:
            (report,) = list_reports(ws.conn)
            secret = get_sensitive(ws.conn, report.report_id, opener)
        assert secret is not None
        assert secret.witness_name == "W"

    def test_added_custodian_opens_later_values(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        hq = nacl.public.PrivateKey.generate()
        add_custodian(ws, bytes(hq.public_key).hex(), "FICTIONAL HQ offline key")
        assert bytes(hq.public_key) in custodian_keys(ws)
        path = _list(tmp_path / "l.csv", [HEADERS, ["1", "A", "", "", "FICTIONAL W"]])
        import_list(ws, path, source="families")
        event = next(e for e in ws.ledger.events() if "sealed" in e.payload)
        sealed = SealedValue.from_dict(event.payload["sealed"])
        store = DataKeyStore(ws.home / KEY_STORE_FILE)
        try:
            wrapped = store.get(sealed.key_id)
        finally:
            store.close()
        assert wrapped is not None
        assert b"FICTIONAL W" in open_value(sealed, wrapped, hq)

    def test_match_keys_compare_ids_without_revealing_them(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        rows = [
            HEADERS,
            ["1", "A", "35202-1234567-1", "+92 300 1234567", ""],
            ["2", "B", "3520212345671", "0300-1234567", ""],
            ["3", "C", "35202-1234567-2", "0300-7654321", ""],
        ]
        import_list(ws, _list(tmp_path / "l.csv", rows), source="families")
        by_record = {r.record_id: r.report_id for r in list_reports(ws.conn)}
        keys = match_keys(ws.conn)
        one, two, three = (keys[by_record[n]] for n in "123")
        assert one == two  # same id and phone, written differently
        assert one[0] != three[0]
        assert one[1] != three[1]
        assert one[0] is not None
        assert one[0].isdigit()
        assert "3520212345671" not in one[0]


class TestKeyStoreHolding:
    """An import keeps the key store in one transaction (its batches no longer
    commit one by one); its keys are stored together, or not at all."""

    @staticmethod
    def _keys(n: int, start: int = 0) -> list[WrappedKey]:
        return [
            WrappedKey(f"k{i}", f"rep-{i}", bytes(32), {"c" * 64: bytes(72)})
            for i in range(start, start + n)
        ]

    @staticmethod
    def _count(path: Path) -> int:
        if not path.exists():
            return 0
        conn = sqlite3.connect(path)
        try:
            return int(conn.execute("SELECT count(*) FROM data_keys").fetchone()[0])
        finally:
            conn.close()

    def test_batches_become_durable_together(self, tmp_path: Path) -> None:
        path = tmp_path / "keys.sqlite"
        store = DataKeyStore(path)
        try:
            with store.holding(cache_kib=4096):
                store.put_many(self._keys(3))
                store.put_many(self._keys(2, start=3))
                assert self._count(path) == 0  # another reader sees none yet
            assert self._count(path) == 5
            assert store.get("k4") is not None
        finally:
            store.close()

    def test_an_error_stores_none_of_the_batches(self, tmp_path: Path) -> None:
        path = tmp_path / "keys.sqlite"
        store = DataKeyStore(path)
        try:
            store.put_many(self._keys(1, start=99))

            def fail() -> None:
                with store.holding():
                    store.put_many(self._keys(3))
                    raise RuntimeError("FICTIONAL failure")

            with pytest.raises(RuntimeError):
                fail()
            assert self._count(path) == 1
            assert store.get("k0") is None
        finally:
            store.close()

    def test_refused_import_stores_no_keys_and_a_good_one_all(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A list refused at its last row (after batches of sealed rows were
        flushed) leaves the key store as it was; imported, every sealed value's
        key is there."""
        rows = [HEADERS] + [
            [str(i), f"FICTIONAL {i}", "", "", f"FICTIONAL W{i}"]
            for i in range(1, 5000)
        ]
        store_path = ws.home / KEY_STORE_FILE
        before = self._count(store_path)
        bad = _list(tmp_path / "bad.csv", [*rows, ["1", "repeated id", "", "", "W"]])
        with pytest.raises(RowsInvalidError):
            import_list(ws, bad, source="families")
        assert self._count(store_path) == before
        import_list(ws, _list(tmp_path / "good.csv", rows), source="families")
        sealed = [e for e in ws.ledger.events() if "sealed" in e.payload]
        assert len(sealed) == 4999
        store = DataKeyStore(store_path)
        try:
            assert all(
                store.get(SealedValue.from_dict(e.payload["sealed"]).key_id)
                for e in sealed
            )
        finally:
            store.close()


class TestErasure:
    def test_erase_destroys_keys_keeps_ledger_and_records_why(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        rows = [
            HEADERS,
            ["1", "A", "", "0300-1", "FICTIONAL W1"],
            ["2", "B", "", "", "W2"],
        ]
        import_list(ws, _list(tmp_path / "l.csv", rows), source="families")
        by_record = {r.record_id: r.report_id for r in list_reports(ws.conn)}
        target = by_record["1"]
        events_before = [e.id for e in ws.ledger.events()]
        _event, destroyed = erase(ws, target, "FICTIONAL request of the family")
        assert destroyed == 1
        assert [e.id for e in ws.ledger.events()][:-1] == events_before
        assert ws.ledger.verify().ok
        (record,) = erasures(ws.conn, target)
        assert (record.reason, record.author) == (
            "FICTIONAL request of the family",
            "FICTIONAL sealer",
        )
        with Opener(ws) as opener:
            assert get_sensitive(ws.conn, target, opener) is None
            other = get_sensitive(ws.conn, by_record["2"], opener)
            assert other is not None
            assert other.witness_name == "W2"
            # The ciphertext is still in the ledger; no key opens it any more.
            sealed = next(
                e.payload["sealed"]
                for e in ws.ledger.events()
                if e.payload.get("report_id") == target and "sealed" in e.payload
            )
            assert opener.open_json(target, sealed) is None
        assert target not in match_keys(ws.conn)
        ws.ledger.rebuild()
        assert target not in match_keys(ws.conn)
        store = sqlite3.connect(ws.home / KEY_STORE_FILE)
        try:
            assert store.execute(
                "SELECT count(*) FROM data_keys WHERE subject = ?", (target,)
            ).fetchone() == (0,)
        finally:
            store.close()
