"""Check an export package with gawah's own ledger code (a second, independent verifier).

The package ships ``verify_package.py`` (standard library + ``cryptography``)
for recipients without gawah. This module performs the same seven checks with
the code the ledger itself trusts: :func:`gawah.ledger.open_checkpoint`,
:func:`gawah.ledger.verify_inclusion` / ``verify_consistency``, PyNaCl
signatures and ``rfc3161-client`` for timestamps. The tests run both on good and tampered packages and require them
to agree (SECURITY.md S31), so a bug in either shows up as a disagreement.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
from cryptography import x509
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from gawah.errors import LedgerIntegrityError
from gawah.evidence.model import CHAIN_KINDS, DERIVED, EXPORTED, RECEIVED, concerns
from gawah.evidence.store import hash_stream
from gawah.ledger import (
    Checkpoint,
    Event,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)

_DESCRIBED = (
    "digest",
    "size",
    "media_type",
    "original_name",
    "metadata",
    "derived_from",
)
#: The ``device-key:`` lines of VERIFY.md that pin the signing keys.
PIN_RE = re.compile(r"^    device-key: ([0-9a-f]{64})$", re.M)
_RECEIPTS = (RECEIVED, DERIVED)


def _sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hash_stream(fh)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _pem(device: str) -> bytes:
    key = nacl.signing.VerifyKey(bytes.fromhex(device))
    der = bytes.fromhex("302a300506032b6570032100") + bytes(key)
    b64 = base64.b64encode(der).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n".encode()


def _expected_files(m: dict[str, Any]) -> set[str]:
    """Every file a package with this manifest holds; anything else was added."""
    names = {"SHA256SUMS", "manifest.json", "VERIFY.md", "verify_package.py"}
    names |= {str(i["file"]) for i in m["items"]}
    for ev in m["events"]:
        names |= {f"events/{ev['id']}.json", f"events/{ev['id']}.sig"}
    for device in m["devices"]:
        names |= {
            f"checkpoints/{device}{x}" for x in (".note", ".body", ".sig", ".pub.pem")
        }
    for n, ts in enumerate(m["timestamps"], 1):
        names |= {f"timestamps/{n}.tsr", f"timestamps/{n}.checkpoint"}
        if ts.get("ca_pem"):
            names.add(f"timestamps/{n}.ca.pem")
    return names


def check_package(
    pkg: Path,
    trusted: set[str] | None = None,
    tsa_ca: list[x509.Certificate] | None = None,
) -> list[str]:
    """Every problem found in the package at ``pkg`` (an empty list: all checks pass).

    Args:
        trusted: device keys obtained independently (``--device``); every key
            the package names must be one of them.
        tsa_ca: CA certificates for the timestamps (default: the ones shipped
            in ``timestamps/N.ca.pem``).
    """
    try:
        manifest = json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))
        return _Check(pkg, manifest, trusted or set(), tsa_ca).run()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"manifest.json is unreadable or malformed: {exc!r}"]


class _Check:
    """The seven checks of ``verify_package.py``, with gawah's own code."""

    def __init__(
        self,
        pkg: Path,
        manifest: dict[str, Any],
        trusted: set[str],
        tsa_ca: list[x509.Certificate] | None,
    ) -> None:
        self.pkg, self.m, self.trusted, self.tsa_ca = pkg, manifest, trusted, tsa_ca
        self.problems: list[str] = []
        self.named: set[str] = set(manifest["devices"])
        self.events: dict[str, Event] = {}
        self.proofs = {ev["id"]: ev.get("proof") for ev in manifest["events"]}
        self.checkpoints: dict[str, Checkpoint] = {}

    def run(self) -> list[str]:
        self._files()
        self._keys_and_events()
        self._checkpoints()
        self._inclusion()
        self._statement()
        self._descriptions()
        self._timestamps()
        return self.problems

    def _files(self) -> None:
        """1 - SHA256SUMS lists every file, each matches, evidence files by digest."""
        listed: dict[str, str] = {}
        sums = _read(self.pkg / "SHA256SUMS") or b""
        for line in sums.decode("utf-8").splitlines():
            digest, _, name = line.partition("  ")
            listed[name] = digest
        root = self.pkg.resolve()
        found = {
            p.relative_to(self.pkg).as_posix()
            for p in self.pkg.rglob("*")
            if not p.is_dir()
        }
        for name in sorted(found - set(listed) - {"SHA256SUMS"}):
            self.problems.append(f"file not listed in SHA256SUMS: {name}")
        for name in sorted(found - _expected_files(self.m)):
            self.problems.append(f"file is not part of the package: {name}")
        for name, digest in sorted(listed.items()):
            path = self.pkg / name
            inside = path.resolve().is_relative_to(root) and not path.is_symlink()
            if not inside or not path.is_file():
                self.problems.append(f"missing file {name}")
            elif _sha256_file(path) != digest:
                self.problems.append(f"file does not match SHA256SUMS: {name}")
        for item in self.m["items"]:
            path = self.pkg / item["file"]
            if listed.get(item["file"]) != item["digest"] or not path.is_file():
                self.problems.append(
                    f"evidence file not listed with its digest: {item['file']}"
                )
            elif path.stat().st_size != item["size"]:
                self.problems.append(
                    f"evidence file has the wrong size: {item['file']}"
                )

    def _keys_and_events(self) -> None:
        """2 - pinned keys, event ids, signatures, and the events/ copies."""
        verify_md = (_read(self.pkg / "VERIFY.md") or b"").decode("utf-8")
        if not self.named or set(PIN_RE.findall(verify_md)) != self.named:
            self.problems.append("VERIFY.md pins other keys than manifest.json names")
        if self.trusted and not self.named <= self.trusted:
            self.problems.append("the package is signed by a key you did not give")
        for ev in self.m["events"]:
            raw, sig = ev["raw"].encode("utf-8"), bytes.fromhex(ev["signature"])
            try:
                event = Event.from_stored(raw, sig)
                if event.device not in self.named:
                    raise ValueError("key not named")
                nacl.signing.VerifyKey(bytes.fromhex(event.device)).verify(raw, sig)
            except (
                LedgerIntegrityError,
                nacl.exceptions.BadSignatureError,
                ValueError,
            ):
                self.problems.append(f"bad event, signature or key {ev['id']}")
                continue
            stem = self.pkg / "events" / event.id
            if event.id != ev["id"]:
                self.problems.append(f"event bytes do not hash to its id {ev['id']}")
            elif (
                _read(stem.with_suffix(".json")),
                _read(stem.with_suffix(".sig")),
            ) != (raw, sig):
                self.problems.append(f"events/{event.id} differs from manifest.json")
            else:
                self.events[event.id] = event

    def _checkpoints(self) -> None:
        """3 - signed checkpoints by named keys, and their copies in checkpoints/."""
        for note in self.m["checkpoints"]:
            try:
                cp = open_checkpoint(note.encode("utf-8"))
            except LedgerIntegrityError:
                self.problems.append("checkpoint signature or format is bad")
                continue
            if cp.device not in self.named:
                self.problems.append("a checkpoint is signed by a key not named")
                continue
            sig_line = note.partition("\n\n")[2].split(" ")[-1]
            stem = self.pkg / "checkpoints" / cp.device
            copies = tuple(
                _read(stem.with_suffix(s))
                for s in (".note", ".body", ".sig", ".pub.pem")
            )
            wanted = (cp.note, cp.body, base64.b64decode(sig_line)[4:], _pem(cp.device))
            if copies != wanted:
                self.problems.append("checkpoints/ files differ from the checkpoint")
            self.checkpoints[cp.device] = cp

    def _inclusion(self) -> None:
        """4 - every event's Merkle inclusion proof under its device's checkpoint."""
        for event_id, event in self.events.items():
            proof, head = self.proofs.get(event_id), self.checkpoints.get(event.device)
            ok = (
                proof is not None
                and head is not None
                and proof["size"] == head.size
                and verify_inclusion(
                    proof["index"],
                    head.size,
                    leaf_hash(event.raw),
                    [bytes.fromhex(h) for h in proof["path"]],
                    head.root,
                )
            )
            if not ok:
                self.problems.append(f"no valid inclusion proof for event {event_id}")

    def _statement(self) -> None:
        """5 - the signed export statement names every item, file and event."""
        export = self.events.get(self.m["export_event"])
        if export is None or export.kind != EXPORTED:
            self.problems.append("no valid signed export statement")
            return
        contents = export.payload["contents"]
        stated_items = [(c["digest"], c["file"]) for c in contents]
        if stated_items != [(i["digest"], i["file"]) for i in self.m["items"]]:
            self.problems.append("the items differ from the export statement")
        stated = {export.id} | {e for c in contents for e in c["events"]}
        if stated != {ev["id"] for ev in self.m["events"]} or len(
            self.m["events"]
        ) != len(stated):
            self.problems.append("the events differ from the export statement")
        parsed = []
        for ev in self.m["events"]:
            obj = json.loads(ev["raw"])
            if obj.get("kind") in (*CHAIN_KINDS,) and isinstance(
                obj.get("payload"), dict
            ):
                parsed.append((ev["id"], concerns(obj["kind"], obj["payload"])))
        for c in contents:
            chain = [i for i, about in parsed if c["digest"] in about]
            first = self.events.get(c["events"][0]) if c["events"] else None
            if chain != [*c["events"], export.id] or not self._in_log_order(
                c["events"]
            ):
                self.problems.append(
                    f"custody history of {c['digest']} is incomplete or reordered"
                )
            elif (
                first is None
                or first.kind not in _RECEIPTS
                or first.payload["digest"] != c["digest"]
            ):
                self.problems.append(
                    f"custody history of {c['digest']} lacks its receipt"
                )

    def _in_log_order(self, ids: list[str]) -> bool:
        """Events of one device appear in the order of their place in its log."""
        last: dict[str, int] = {}
        for event_id in ids:
            event, proof = self.events.get(event_id), self.proofs.get(event_id)
            if event is None or proof is None:
                continue
            if proof["index"] <= last.get(event.device, -1):
                return False
            last[event.device] = proof["index"]
        return True

    def _descriptions(self) -> None:
        """6 - each file's description is the one in its signed receipt."""
        for item in self.m["items"]:
            ev = self.events.get(item["event"])
            if ev is None or ev.kind not in _RECEIPTS:
                self.problems.append(f"no signed receipt for {item['digest']}")
            elif any(ev.payload.get(k) != item.get(k) for k in _DESCRIBED):
                self.problems.append(
                    f"description differs from the signed event: {item['digest']}"
                )

    def _timestamps(self) -> None:
        """7 - RFC 3161: CMS signature, imprint, signed time, consistency."""
        for n, ts in enumerate(self.m["timestamps"], 1):
            token, note = base64.b64decode(ts["token"]), ts["checkpoint"].encode()
            stem = self.pkg / "timestamps" / str(n)
            try:
                roots = self.tsa_ca or x509.load_pem_x509_certificates(
                    (stem.with_suffix(".ca.pem")).read_bytes()
                )
                resp = decode_timestamp_response(token)
                builder = VerifierBuilder()
                for root in roots:
                    builder = builder.add_root_certificate(root)
                builder.build().verify_message(resp, note)
                old = open_checkpoint(note)
            except (
                VerificationError,
                ValueError,
                OSError,
                LedgerIntegrityError,
            ) as exc:
                self.problems.append(f"timestamp {n} does not verify: {exc}")
                continue
            signed = resp.tst_info.gen_time
            signed = signed if signed.tzinfo else signed.replace(tzinfo=UTC)
            said = datetime.fromisoformat(ts["gen_time"])
            said = said if said.tzinfo else said.replace(tzinfo=UTC)
            latest = self.checkpoints.get(old.device)
            path = [bytes.fromhex(h) for h in ts["consistency"]]
            if (
                _read(stem.with_suffix(".tsr")),
                _read(stem.with_suffix(".checkpoint")),
            ) != (token, note):
                self.problems.append(f"timestamps/{n} files differ from manifest.json")
            elif said != signed:
                self.problems.append(
                    f"timestamp {n}: the stated time is not the signed one"
                )
            elif latest is None or not verify_consistency(
                old.size, latest.size, old.root, latest.root, path
            ):
                self.problems.append(
                    f"timestamp {n} does not bind to the exported checkpoint"
                )
