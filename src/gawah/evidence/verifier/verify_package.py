#!/usr/bin/env python3
"""Check a gawah evidence export without gawah: Python 3.9+ and ``cryptography``.

Usage:  python3 verify_package.py [PACKAGE_DIR] [--device HEX_PUBLIC_KEY ...]

It checks, and says which check failed:
  1. every file's SHA-256 and size equal the manifest;
  2. every ledger event's id is the SHA-256 of its bytes, and its Ed25519
     signature is valid for the device key named inside it;
  3. every file's description (digest, size, type, name, metadata) is the one
     in a signed ``evidence.received``/``evidence.derived`` event;
  4. every event is included (RFC 6962 Merkle proof) in its device's tree,
     whose root is in a checkpoint signed by that device (C2SP signed note);
  5. every RFC 3161 timestamp's checkpoint is a prefix of the exported one
     (consistency proof) and the token names that checkpoint's SHA-256.
With ``--device`` it also insists that every signature comes from a key you
obtained independently. Exit status 0 if all checks pass, 3 otherwise.
This program is part of the package; read it before you trust it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ORIGIN_PREFIX = "gawah/feed/"
problems: list[str] = []


def fail(message: str) -> None:
    problems.append(message)
    print("  FAIL  " + message)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ed25519_ok(device_hex: str, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(device_hex)).verify(
            signature, message
        )
        return True
    except (InvalidSignature, ValueError):
        return False


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(
    index: int, size: int, leaf: bytes, path: list[bytes]
) -> bytes | None:
    """RFC 9162 section 2.1.3.2; None if the proof has the wrong shape."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def consistent(
    old: int, new: int, old_root: bytes, new_root: bytes, path: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is tree ``old_root`` a prefix of ``new_root``?"""
    if not 0 < old <= new:
        return False
    if old == new:
        return not path and old_root == new_root
    nodes = list(path)
    if not nodes:
        return False
    if old & (old - 1) == 0:
        nodes.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def open_checkpoint(note_text: str) -> tuple[str, int, bytes] | None:
    """Parse a C2SP signed note; return (device, size, root) if its device signed it."""
    body, sep, sigs = note_text.partition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) != 3 or not lines[0].startswith(ORIGIN_PREFIX):
        return None
    origin, size, root_b64 = lines
    device = origin[len(ORIGIN_PREFIX) :]
    try:
        key = bytes.fromhex(device)
        root = base64.b64decode(root_b64, validate=True)
    except ValueError:
        return None
    key_id = hashlib.sha256(origin.encode() + b"\n\x01" + key).digest()[:4]
    for line in sigs.strip("\n").split("\n"):
        name, _, sig = line.removeprefix("\u2014 ").partition(" ")
        if not line.startswith("\u2014 ") or name != origin:
            continue
        try:
            blob = base64.b64decode(sig, validate=True)
        except ValueError:
            continue
        signed = len(blob) == 68 and blob[:4] == key_id
        if signed and ed25519_ok(device, blob[4:], (body + "\n").encode()):
            return device, int(size), root
    return None


def main(argv: list[str]) -> int:
    args = list(argv)
    trusted: set[str] = set()
    while "--device" in args:
        i = args.index("--device")
        trusted.add(args[i + 1].lower())
        del args[i : i + 2]
    pkg = Path(args[0] if args else ".")
    try:
        manifest = json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print("FAILED: cannot read manifest.json: " + str(exc))
        return 3
    print("Checking " + str(pkg.resolve()))
    try:
        check(pkg, manifest, trusted)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        fail("manifest.json is malformed: " + repr(exc))
    if problems:
        print(f"FAILED: {len(problems)} problem(s); do not rely on this package.")
        return 3
    print("ALL CHECKS PASSED")
    return 0


def check(pkg: Path, manifest: dict[str, Any], trusted: set[str]) -> None:
    """Run the five checks; each failure is recorded with :func:`fail`."""

    print("1. files")
    for item in manifest.get("items", []):
        path = pkg / item["file"]
        rel = Path(item["file"])
        if rel.is_absolute() or ".." in rel.parts or not path.is_file():
            fail("missing file " + item["file"])
        elif path.stat().st_size != item["size"] or sha256_file(path) != item["digest"]:
            fail("file does not match its digest: " + item["file"])
        else:
            print("  ok    " + item["digest"] + "  " + item["file"])

    print("2. signed events")
    events: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for ev in manifest.get("events", []):
        raw = ev["raw"].encode("utf-8")
        obj = json.loads(raw)
        if hashlib.sha256(raw).hexdigest() != ev["id"]:
            fail("event bytes do not hash to its id " + ev["id"])
        elif not ed25519_ok(obj["device"], bytes.fromhex(ev["signature"]), raw):
            fail("bad signature on event " + ev["id"])
        elif trusted and obj["device"] not in trusted:
            fail(
                "event "
                + ev["id"]
                + " is signed by an untrusted device "
                + obj["device"]
            )
        else:
            events[ev["id"]] = (obj, ev)
    print(f"  {len(events)} of {len(manifest.get('events', []))} events verified")

    print("3. file descriptions match signed events")
    for item in manifest.get("items", []):
        src = events.get(item.get("event", ""))
        payload = src[0]["payload"] if src else {}
        keys = (
            "digest",
            "size",
            "media_type",
            "original_name",
            "metadata",
            "derived_from",
        )
        if not src or src[0]["kind"] not in ("evidence.received", "evidence.derived"):
            fail("no signed receipt for " + item["digest"])
        elif any(payload.get(k) != item.get(k) for k in keys):
            fail(
                "manifest description differs from the signed event for "
                + item["digest"]
            )
        else:
            print(
                "  ok    " + item["digest"] + " received in event " + src[1]["id"][:16]
            )

    print("4. inclusion in signed checkpoints")
    checkpoints: dict[str, tuple[str, int, bytes]] = {}
    for note in manifest.get("checkpoints", []):
        opened = open_checkpoint(note)
        if opened is None:
            fail("checkpoint signature or format is bad")
        else:
            checkpoints[opened[0]] = opened
            print(f"  ok    checkpoint of device {opened[0][:16]}... size {opened[1]}")
    for event_id, (obj, ev) in events.items():
        proof, cp = ev.get("proof"), checkpoints.get(obj["device"])
        if not proof or cp is None:
            fail("no proof or checkpoint for event " + event_id)
            continue
        leaf = hashlib.sha256(b"\x00" + ev["raw"].encode("utf-8")).digest()
        path = [bytes.fromhex(h) for h in proof["path"]]
        if (
            proof["size"] != cp[1]
            or root_from_inclusion(proof["index"], cp[1], leaf, path) != cp[2]
        ):
            fail(
                "inclusion proof does not lead to the checkpoint for event " + event_id
            )
    print(f"  checked {len(events)} proofs")

    print("5. timestamps (existed no later than the TSA's time)")
    for ts in manifest.get("timestamps", []):
        opened = open_checkpoint(ts["checkpoint"])
        token = base64.b64decode(ts["token"])
        cp = checkpoints.get(opened[0]) if opened else None
        imprint = hashlib.sha256(ts["checkpoint"].encode("utf-8")).digest()
        path = [bytes.fromhex(h) for h in ts.get("consistency", [])]
        if opened is None or cp is None or imprint not in token:
            fail("timestamped checkpoint is bad or not the one in the token")
        elif not consistent(opened[1], cp[1], opened[2], cp[2], path):
            fail("timestamped checkpoint is not a prefix of the exported one")
        else:
            when = ts["gen_time"]
            print(f"  ok    ledger of size {opened[1]} existed no later than {when}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
