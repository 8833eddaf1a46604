"""S12: the bundle reader refuses anything it cannot verify, and only with its errors.

SECURITY.md S12 (T1): truncation at every byte offset of a 20-event bundle,
10,000 random mutations and trailing garbage give 0 crashes and 0 partial
imports. Beyond random damage, bundles a hostile writer builds on purpose (it
needs only the recipient's public identity: the encryption is to a public key
and any key can sign) are tried: JSON nested too deep, fields of the wrong type,
lying lengths and counts. Every refusal must be an :class:`IntegrityError`
(``BundleError`` or ``LedgerIntegrityError``, exit 3) and store nothing. The
format has no file names, so S12's path cases (``..``, absolute paths, symlinks,
duplicate names) cannot arise. All data is FICTIONAL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import nacl.bindings
import nacl.public
import nacl.signing
import nacl.utils
import pytest
import zstandard

from gawah.core import canonical_json
from gawah.errors import IntegrityError
from gawah.registry import import_rows
from gawah.sync import BundleError, export_bundle
from gawah.sync import bundle as bundle_format
from gawah.sync.bundle import open_bundle
from gawah.sync.exchange import import_data
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace

from .conftest import make_team

HEADERS = ["record_id", "full_name", "father_name", "sex", "age", "status", "phone"]
EVENTS = 20
MUTATIONS = 10_000


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, ...]]:
    """HQ and one enrolled team that holds a list of 18 FICTIONAL reports."""
    team = make_team(tmp_path_factory.mktemp("s12"), 2, tag="s12")
    hq, a = team
    rows = [
        [str(i), f"FICTIONAL Person {i}", "Tariq", "M", "30", "killed", ""]
        for i in range(1, 19)
    ]
    import_rows(a, HEADERS, rows, source="FICTIONAL list A")
    yield hq, a
    for ws in team:
        ws.close()


@pytest.fixture(scope="module")
def bundle(
    pair: tuple[Workspace, ...], tmp_path_factory: pytest.TempPathFactory
) -> bytes:
    """A bundle from the team to HQ holding exactly 20 events."""
    hq, a = pair
    path = tmp_path_factory.mktemp("s12-bundle") / "a.gawah"
    assert export_bundle(a, [hq.identity], path).events == EVENTS
    return path.read_bytes()


def _state(ws: Workspace) -> tuple[str, int, dict[str, str], bytes | None]:
    record = ws.home / "sync-exchanges.json"
    held = record.read_bytes() if record.exists() else None
    return ws.ledger.state_digest(), ws.ledger.count(), ws.projection_digests(), held


def _refusals(ws: Workspace) -> Callable[[bytes], str]:
    """Import bytes that must be refused; return the refusal's class name
    ("accepted" when there was none).

    Anything but an :class:`IntegrityError` propagates and fails the test.
    """

    def refuse(data: bytes) -> str:
        try:
            import_data(ws, data)
        except IntegrityError as exc:
            return type(exc).__name__
        return "accepted"

    return refuse


def _mutate(data: bytes, rng: random.Random, header_end: int) -> bytes:
    """One random change: a flipped bit, a replaced, inserted or removed byte.

    Half of the changes fall in the plain header (where the parser, not the
    authenticated decryption, has to refuse them), half anywhere.
    """
    offset = (
        rng.randrange(header_end) if rng.random() < 0.5 else rng.randrange(len(data))
    )
    how = rng.randrange(4)
    if how == 0:
        changed = data[offset] ^ (1 << rng.randrange(8))
        return data[:offset] + bytes([changed]) + data[offset + 1 :]
    if how == 1:
        changed = (data[offset] + rng.randrange(1, 256)) % 256
        return data[:offset] + bytes([changed]) + data[offset + 1 :]
    if how == 2:
        return data[:offset] + bytes([rng.randrange(256)]) + data[offset:]
    return data[:offset] + data[offset + 1 :]


class TestRandomDamage:
    def test_truncation_at_every_byte_offset_is_refused(
        self, pair: tuple[Workspace, ...], bundle: bytes
    ) -> None:
        """S12: each of the bundle's prefixes, from 0 bytes to all but one, is
        refused with a bundle error and stores nothing."""
        hq, _a = pair
        before = _state(hq)
        refuse = _refusals(hq)
        kinds = [refuse(bundle[:n]) for n in range(len(bundle))]
        assert len(kinds) == len(bundle) > 1000
        assert set(kinds) == {"BundleError"}
        assert _state(hq) == before

    def test_ten_thousand_random_mutations_are_refused(
        self, pair: tuple[Workspace, ...], bundle: bytes
    ) -> None:
        """S12: 10,000 random one-byte changes (flip, replace, insert, delete),
        half in the header: all refused with a bundle error, nothing stored."""
        hq, _a = pair
        header_end = bundle.index(b"\n", len(bundle_format.MAGIC)) + 1
        rng = random.Random(20261207)
        before = _state(hq)
        refuse = _refusals(hq)
        kinds: dict[str, int] = {}
        in_header = 0
        for _ in range(MUTATIONS):
            mutated = _mutate(bundle, rng, header_end)
            assert mutated != bundle
            in_header += mutated[:header_end] != bundle[:header_end]
            kind = refuse(mutated)
            kinds[kind] = kinds.get(kind, 0) + 1
        assert sum(kinds.values()) == MUTATIONS
        assert kinds == {"BundleError": MUTATIONS}
        assert in_header >= MUTATIONS // 2
        assert _state(hq) == before

    def test_trailing_garbage_is_refused(
        self, pair: tuple[Workspace, ...], bundle: bytes
    ) -> None:
        """S12: bytes appended after the ciphertext (one, a block, a second copy)."""
        hq, _a = pair
        before = _state(hq)
        refuse = _refusals(hq)
        tails = [b"\x00", b"\n", bytes(range(256)) * 4, bundle]
        assert [refuse(bundle + tail) for tail in tails] == ["BundleError"] * 4
        assert _state(hq) == before
        # The bundle itself still imports: the refusals were the damage.
        result = import_data(hq, bundle)
        assert result.events == EVENTS
        assert result.new_events == EVENTS - 1  # all but HQ's own enrolment of the team


_U32 = struct.Struct(">I")


def _seal(recipient: Workspace, seed: bytes, body: bytes) -> bytes:
    """``body`` as the content of a bundle to ``recipient``, signed with ``seed``
    and encrypted as the format says (bundle.py's docstring), whatever it holds:
    what a hostile writer can build with only the recipient's public identity."""
    file_key, nonce = nacl.utils.random(32), nacl.utils.random(24)
    stanza = nacl.public.SealedBox(bundle_format.curve_public(recipient.device))
    fields = {
        "nonce": base64.b64encode(nonce).decode(),
        "recipients": [base64.b64encode(stanza.encrypt(file_key)).decode()],
    }
    header = bundle_format.MAGIC + canonical_json(fields) + b"\n"
    signed = (
        b"gawah-bundle-signature/1\n"
        + hashlib.sha256(header).digest()
        + hashlib.sha256(body).digest()
    )
    content = body + nacl.signing.SigningKey(seed).sign(signed).signature
    compressed = zstandard.ZstdCompressor().compress(content)
    return header + nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        compressed, header, nonce, file_key
    )


def _hostile(
    recipient: Workspace,
    seed: bytes,
    manifest: bytes,
    events: Sequence[tuple[bytes, bytes]] = (),
) -> bytes:
    """A bundle whose manifest and event bytes are given as they are."""
    parts = [bundle_format.CONTENT_MAGIC, _U32.pack(len(manifest)), manifest]
    for raw, signature in events:
        parts += [_U32.pack(len(raw)), raw, signature]
    return _seal(recipient, seed, b"".join(parts))


class TestHostileWriter:
    def test_crafted_bundles_are_refused_with_bundle_errors(
        self, pair: tuple[Workspace, ...]
    ) -> None:
        """S12: 19 bundles built to break the reader, signed by a stranger or by
        the enrolled team itself: each refused with an integrity error, nothing
        stored. (Before this test a bundle cut 1-15 bytes after its header, JSON
        nested 100,000 deep, a lone surrogate in a checkpoint note or a
        recipient list that is a number raised ValueError, RecursionError,
        UnicodeEncodeError or TypeError, which the command line reports as
        "unexpected", exit 1.)"""
        hq, a = pair
        team_seed = a.device_key().seed()
        stranger_seed = fixed_seed("s12-stranger")
        stranger = nacl.signing.SigningKey(stranger_seed).verify_key.encode().hex()
        deep = b"[" * 100_000 + b"]" * 100_000

        def manifest(sender: str = a.device, **fields: object) -> bytes:
            base: dict[str, object] = {
                "bundle_id": "f" * 32, "sender": sender, "created_at": "",
                "recipients": [hq.identity], "events": 0, "checkpoints": [],
                "have": {},
            }  # fmt: skip
            return json.dumps({**base, **fields}).encode()

        u32, magic = _U32.pack, bundle_format.CONTENT_MAGIC
        good = _hostile(hq, team_seed, manifest())
        header_end = good.index(b"\n", len(bundle_format.MAGIC)) + 1
        private = nacl.signing.SigningKey(
            fixed_seed("s12-hq")
        ).to_curve25519_private_key()
        assert open_bundle(good, private).sender == a.device  # the writer is sound
        cases: dict[str, bytes] = {
            "header nested too deep": bundle_format.MAGIC + deep + b"\n" + bytes(64),
            "cut 5 bytes after the header": good[: header_end + 5],
            "manifest nested too deep": _hostile(
                hq,
                stranger_seed,
                b'{"sender":"' + stranger.encode() + b'","x":' + deep + b"}",
            ),
            "recipients a number (stranger)": _hostile(
                hq, stranger_seed, manifest(stranger, recipients=5)
            ),
            "recipients a number": _hostile(hq, team_seed, manifest(recipients=5)),
            "recipients a string holding the identity": _hostile(
                hq, team_seed, manifest(recipients="x" + hq.identity)
            ),
            "recipients a dict": _hostile(
                hq, team_seed, manifest(recipients={hq.identity: 1})
            ),
            "checkpoint with a lone surrogate": _hostile(
                hq, team_seed, manifest(checkpoints=["\ud800"])
            ),
            "checkpoints a string": _hostile(hq, team_seed, manifest(checkpoints="x")),
            "checkpoint not a note": _hostile(
                hq, team_seed, manifest(checkpoints=["gawah/feed/00\n1\nAA==\n\n"])
            ),
            "manifest a list": _hostile(hq, team_seed, b"[1, 2]"),
            "sender not hex": _hostile(hq, team_seed, manifest("zz" * 32)),
            "more events than said": _hostile(
                hq, team_seed, manifest(), [(b"{}", bytes(64))]
            ),
            "event nested too deep": _hostile(
                hq, team_seed, manifest(events=1), [(deep, bytes(64))]
            ),
            "event not JSON": _hostile(
                hq, team_seed, manifest(events=1), [(b"\xff\xfe", bytes(64))]
            ),
            "data keys of the wrong shape": _hostile(
                hq, team_seed, manifest(data_keys=[{"key": 1}])
            ),
            "manifest length past the end": _seal(
                hq, team_seed, magic + u32(1 << 31) + manifest()
            ),
            "event length past the end": _seal(
                hq,
                team_seed,
                magic
                + u32(len(manifest(events=1)))
                + manifest(events=1)
                + u32(1 << 30)
                + b"{}",
            ),
            "no content at all": _seal(hq, team_seed, b""),
        }
        before = _state(hq)
        refuse = _refusals(hq)
        kinds = {name: refuse(data) for name, data in cases.items()}
        assert len(kinds) == 19
        accepted = [name for name, kind in kinds.items() if kind == "accepted"]
        assert accepted == []
        assert set(kinds.values()) <= {"BundleError", "LedgerIntegrityError"}, kinds
        assert _state(hq) == before

    def test_content_beyond_the_size_bound_is_refused_while_decompressing(
        self,
        pair: tuple[Workspace, ...],
        bundle: bytes,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """S12: the decompressed size is bounded while streaming: a bundle whose
        content is larger than the bound is refused before it is parsed."""
        _hq, _a = pair
        private = nacl.signing.SigningKey(
            fixed_seed("s12-hq")
        ).to_curve25519_private_key()
        assert len(open_bundle(bundle, private).events) == EVENTS
        monkeypatch.setattr(bundle_format, "MAX_CONTENT", 1000)
        with pytest.raises(BundleError, match="larger than gawah reads"):
            open_bundle(bundle, private)


def test_a_decompression_bomb_is_refused_before_it_is_held(
    pair: tuple[Workspace, ...],
) -> None:
    """S12: content that decompresses to far more than gawah's own bundles do
    (80 MiB of zeros from about 3 KiB) is refused while streaming, after reading
    at most the floor and one chunk, not the whole content (which, with the 4 GiB
    bound alone, a hostile writer could make 8 GiB of memory)."""
    hq, _a = pair
    body = bundle_format.CONTENT_MAGIC + bytes(80 << 20)
    data = _seal(hq, fixed_seed("s12-bomb"), body)
    assert len(data) < 100_000
    private = nacl.signing.SigningKey(fixed_seed("s12-hq")).to_curve25519_private_key()
    with pytest.raises(BundleError, match="decompression bomb"):
        open_bundle(data, private)


def test_the_event_reader_refuses_deep_json_as_not_json(tmp_path: Path) -> None:
    """S03/S12: an event nested 100,000 deep, received or written straight into
    the table, is a ledger integrity error, not a RecursionError."""
    import hashlib
    import sqlite3

    from gawah.errors import LedgerIntegrityError
    from gawah.ledger import Event, verify_store

    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(LedgerIntegrityError, match="not valid JSON"):
        Event.from_stored(deep, bytes(64))
    with Workspace.init(tmp_path / "ws", projectors=[]) as ws:
        ws.append("toy.a", {})
        mem = sqlite3.connect(":memory:")
        ws.conn.backup(mem)
    mem.execute(
        "UPDATE ledger_events SET raw = ?, id = ?",
        (deep, hashlib.sha256(deep).hexdigest()),
    )
    report = verify_store(mem, threads=1)
    assert not report.ok
    assert report.first_problem is not None
    assert "not JSON" in report.first_problem.reason
