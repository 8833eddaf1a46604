#!/usr/bin/env python3
"""Check a gawah release without gawah: Python 3.9+ and ``cryptography``.

Usage:  python3 verify_release.py [DIR] [--device HEX_KEY ...]

It checks, and names the file of any failure:
  1. release.json is signed (Ed25519, release.json.sig) by the device it
     names, and, with --device, that device is one you obtained independently;
  2. release.pub.pem holds that device's key;
  3. every ledger checkpoint in release.json (a C2SP signed note) is signed by
     its feed's device;
  4. every file release.json lists has its SHA-256, and no file was added.
Exit status 0 if all checks pass, 3 otherwise. Read this program before you trust it.
"""

# ruff: noqa: UP006, UP035
# (Python 3.9 must run this file: typing aliases)
from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "gawah-release/1"
ORIGIN_PREFIX = "gawah/feed/"
MANIFEST, SIGNATURE = "release.json", "release.json.sig"
problems: List[str] = []


def fail(file: str, message: str) -> None:
    problems.append(f"{file}: {message}")
    print(f"  FAIL  {file}: {message}")


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


def pem(device_hex: str) -> bytes:
    der = bytes.fromhex("302a300506032b6570032100" + device_hex)
    b64 = base64.b64encode(der).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n".encode()


def checkpoint_ok(note: str) -> bool:
    """A C2SP signed note, signed by the device its origin line names."""
    body, sep, sigs = note.partition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) != 3 or not lines[0].startswith(ORIGIN_PREFIX):
        return False
    origin = lines[0]
    device = origin[len(ORIGIN_PREFIX) :]
    try:
        key = bytes.fromhex(device)
    except ValueError:
        return False
    key_id = hashlib.sha256(origin.encode() + b"\n\x01" + key).digest()[:4]
    for line in sigs.strip("\n").split("\n"):
        name, _, sig = line[2:].partition(" ")
        if not line.startswith("\u2014 ") or name != origin:
            continue
        try:
            blob = base64.b64decode(sig, validate=True)
        except ValueError:
            continue
        signed = (body + "\n").encode()
        if (
            len(blob) == 68
            and blob[:4] == key_id
            and ed25519_ok(device, blob[4:], signed)
        ):
            return True
    return False


def check(folder: Path, pinned: List[str]) -> None:
    try:
        raw = (folder / MANIFEST).read_bytes()
        manifest: Dict[str, Any] = json.loads(raw)
    except (OSError, ValueError):
        fail(MANIFEST, "missing or not JSON")
        return
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        fail(MANIFEST, f"not a {FORMAT} manifest")
        return
    device = str(manifest.get("device", ""))
    print(f"release of incident {manifest.get('incident')} signed by device {device}")
    if pinned and device not in pinned:
        fail(MANIFEST, "signed by a device you did not name")
    try:
        signature = (folder / SIGNATURE).read_bytes()
    except OSError:
        fail(SIGNATURE, "missing")
    else:
        if not ed25519_ok(device, signature, raw):
            fail(SIGNATURE, "the signature of release.json is not valid")
    ledger = manifest.get("ledger")
    notes = ledger.get("checkpoints", []) if isinstance(ledger, dict) else [None]
    for note in notes if isinstance(notes, list) else [None]:
        if not isinstance(note, str) or not checkpoint_ok(note):
            fail(MANIFEST, "a ledger checkpoint is not validly signed")
    listed: Dict[str, Any] = manifest["files"]
    for name in sorted(listed):
        parts = Path(name).parts
        if ".." in parts or Path(name).is_absolute():
            fail(name, "an unsafe path in the manifest")
            continue
        path = folder / name
        if not path.is_file():
            fail(name, "missing")
        elif not isinstance(listed[name], dict) or sha256_file(path) != listed[
            name
        ].get("sha256"):
            fail(name, "SHA-256 differs from the signed manifest")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            fail(name, "not listed in the signed manifest")
    key_file = folder / "release.pub.pem"
    in_release = "release.pub.pem" in listed and key_file.is_file()
    if in_release and key_file.read_bytes() != pem(device):
        fail("release.pub.pem", "is not the signing device's key")


def main(argv: List[str]) -> int:
    args = list(argv)
    pinned: List[str] = []
    while "--device" in args:
        i = args.index("--device")
        if i + 1 >= len(args):
            print("--device needs a hex key")
            return 2
        pinned.append(args[i + 1].lower())
        del args[i : i + 2]
    folder = Path(args[0]) if args else Path(__file__).resolve().parent
    check(folder, pinned)
    if problems:
        print(f"FAILED: {len(problems)} problem(s)")
        return 3
    print("OK: the signature, the checkpoints and every file check out")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
