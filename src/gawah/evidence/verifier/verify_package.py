#!/usr/bin/env python3
"""Check a gawah evidence export without gawah: Python 3.9+ and ``cryptography``.

Usage:  python3 verify_package.py [DIR] [--device HEX_KEY ...] [--tsa-ca FILE.pem]

It checks, and says which check failed:
  1. every file in DIR is listed in SHA256SUMS with its SHA-256 (no file
     missing, none added), and each evidence file is listed with its digest;
  2. the device keys pinned in VERIFY.md are the ones manifest.json names (and,
     with --device, the ones you obtained independently); every event's id is
     the SHA-256 of its bytes, its Ed25519 signature is valid and by a named key,
     and events/<id>.json and .sig hold the same bytes;
  3. every signed checkpoint (C2SP signed note) is by a named key, and the files
     in checkpoints/ hold its body, signature and public key;
  4. every event is in its device's Merkle tree (RFC 9162 inclusion proof) under
     that checkpoint;
  5. the signed export statement names exactly these items and files, and each
     item's custody history in the package is exactly the one it states, in
     ledger order, starting with the item's receipt;
  6. every file's description is the one in its signed receipt;
  7. every RFC 3161 timestamp: the authority's CMS signature (a certificate with
     the timeStamping purpose chaining to the CA given with --tsa-ca, else to
     the one shipped in timestamps/), the signed message imprint equals the
     SHA-256 of the checkpoint, the time printed is the token's signed genTime,
     and that checkpoint is an earlier state of the exported one.
Exit status 0 if all checks pass, 3 otherwise. Read this program before you trust it.
"""

# ruff: noqa: UP006, UP017, UP035, B905
# (Python 3.9 must run this file: no datetime.UTC, no zip(strict=), typing aliases)
from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID

ORIGIN_PREFIX = "gawah/feed/"
PIN_RE = re.compile(r"^    device-key: ([0-9a-f]{64})$", re.M)
RECEIPTS = ("evidence.received", "evidence.derived")
CHAIN = (
    *RECEIPTS,
    "evidence.linked",
    "evidence.transferred",
    "evidence.viewed",
    "evidence.exported",
    "evidence.sensitive_metadata_recorded",
    "evidence.custody_details_recorded",
)
DESCRIBED = (
    "digest",
    "size",
    "media_type",
    "original_name",
    "metadata",
    "derived_from",
)
SHA2: Dict[str, Any] = {
    "608648016503040201": hashes.SHA256,
    "608648016503040202": hashes.SHA384,
    "608648016503040203": hashes.SHA512,
}
OID_TSTINFO = bytes.fromhex("2a864886f70d0109100104")
OID_CONTENT_TYPE = bytes.fromhex("2a864886f70d010903")
OID_MESSAGE_DIGEST = bytes.fromhex("2a864886f70d010904")
problems: List[str] = []


def fail(message: str) -> None:
    problems.append(message)
    print("  FAIL  " + message)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


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


def concerns(obj: Dict[str, Any]) -> List[str]:
    """The evidence digests one event is about (its place in custody histories)."""
    kind, p = obj["kind"], obj["payload"]
    if kind == "evidence.exported":
        return list(p["digests"])
    if kind == "evidence.derived":
        return [p["digest"], p["derived_from"]]
    return [p["digest"]] if kind in CHAIN else []


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: List[bytes]) -> Any:
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
    old: int, new: int, old_root: bytes, new_root: bytes, path: List[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is tree ``old_root`` a prefix of ``new_root``?"""
    if not 0 < old <= new:
        return False
    if old == new:
        return not path and old_root == new_root
    nodes = list(path)
    if old & (old - 1) == 0:
        nodes.insert(0, old_root)
    if not nodes:
        return False
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


def open_checkpoint(note: str) -> Any:
    """Parse a C2SP signed note: (device, size, root, body, signature) if its device signed it."""
    body, sep, sigs = note.partition("\n\n")
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
            return device, int(size), root, signed, blob[4:]
    return None


# -- RFC 3161 (a DER reader by hand: `cryptography` has no CMS verification API) --
def tlv(data: bytes, pos: int) -> Tuple[int, int, int, int]:
    """(tag, start of element, start of content, end) of the DER element at ``pos``."""
    tag, n, start = data[pos], data[pos + 1], pos
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n, pos = int.from_bytes(data[pos : pos + k], "big"), pos + k
    if pos + n > len(data):
        raise ValueError("truncated DER")
    return tag, start, pos, pos + n


def kids(data: bytes, el: Tuple[int, int, int, int]) -> List[Tuple[int, int, int, int]]:
    out, pos = [], el[2]
    while pos < el[3]:
        out.append(tlv(data, pos))
        pos = out[-1][3]
    return out


def check_token(
    reply: bytes, message: bytes, cas: List[x509.Certificate]
) -> Tuple[datetime, str]:
    """Verify an RFC 3161 reply over ``message``; return (signed genTime, TSA name)."""
    d = reply
    status, token = kids(d, tlv(d, 0))[:2]
    if d[kids(d, status)[0][2] : kids(d, status)[0][3]] != b"\x00":
        raise ValueError("the authority did not grant the timestamp")
    sd = kids(d, kids(d, kids(d, token)[1])[0])
    encap = kids(d, sd[2])
    if d[encap[0][2] : encap[0][3]] != OID_TSTINFO:
        raise ValueError("the token does not hold a TSTInfo")
    tst_el = kids(d, encap[1])[0]
    tst = d[tst_el[2] : tst_el[3]]
    certs = [
        x509.load_der_x509_certificate(d[c[1] : c[3]])
        for el in sd[3:]
        if el[0] == 0xA0
        for c in kids(d, el)
    ]
    infos = kids(d, sd[-1])
    if len(infos) != 1:
        raise ValueError("the token must have exactly one signer")
    si = kids(d, infos[0])
    sid, alg, attrs_el, sig_el = si[1], si[2], si[3], si[5]
    h = SHA2[d[kids(d, alg)[0][2] : kids(d, alg)[0][3]].hex()]
    attrs = {
        d[a[0][2] : a[0][3]]: d[a[1][2] : a[1][3]]
        for a in (kids(d, x) for x in kids(d, attrs_el))
    }
    digest = hashes.Hash(h())
    digest.update(tst)
    if attrs.get(OID_CONTENT_TYPE, b"")[2:] != OID_TSTINFO:
        raise ValueError("the signed content type is not TSTInfo")
    if attrs.get(OID_MESSAGE_DIGEST, b"")[2:] != digest.finalize():
        raise ValueError("the signature does not cover this TSTInfo")
    issuer, serial = kids(d, sid) if sid[0] == 0x30 else (None, None)
    found = [
        c
        for c in certs
        if issuer
        and serial
        and c.issuer.public_bytes() == d[issuer[1] : issuer[3]]
        and c.serial_number
        == int.from_bytes(d[serial[2] : serial[3]], "big", signed=True)
    ]
    if len(found) != 1:
        raise ValueError("the token does not carry its signer's certificate")
    signer = found[0]
    signed_attrs = b"\x31" + d[attrs_el[1] + 1 : attrs_el[3]]
    key, sig = signer.public_key(), d[sig_el[2] : sig_el[3]]
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(sig, signed_attrs, ec.ECDSA(h()))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(sig, signed_attrs, padding.PKCS1v15(), h())
    else:
        raise ValueError("unsupported signature algorithm")
    eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    if not eku.critical or ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        raise ValueError("the signer is not a time-stamping certificate")
    f = kids(tst, tlv(tst, 0))  # version, policy, imprint, serial, genTime, ...
    imprint = kids(tst, f[2])
    ih = hashes.Hash(
        SHA2[tst[kids(tst, imprint[0])[0][2] : kids(tst, imprint[0])[0][3]].hex()]()
    )
    ih.update(message)
    if tst[imprint[1][2] : imprint[1][3]] != ih.finalize():
        raise ValueError("the token is over another message")
    text = tst[f[4][2] : f[4][3]].decode("ascii").rstrip("Z")
    main, _, frac = text.partition(".")
    when = datetime.strptime(main, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    when += timedelta(microseconds=int((frac + "000000")[:6]))
    chain, cert = [signer], signer
    while not any(cert == ca or issued(cert, ca) for ca in cas):
        nxt = [c for c in certs if c not in chain and issued(cert, c)]
        if not nxt or len(chain) > 5:
            raise ValueError("the signer does not chain to the given CA certificate")
        chain.append(nxt[0])
        cert = nxt[0]
    for c in chain:
        start = getattr(c, "not_valid_before_utc", None) or c.not_valid_before.replace(
            tzinfo=timezone.utc
        )
        end = getattr(c, "not_valid_after_utc", None) or c.not_valid_after.replace(
            tzinfo=timezone.utc
        )
        if not start <= when <= end:
            raise ValueError("a certificate was not valid at the signed time")
    return when, signer.subject.rfc4514_string()


def issued(cert: x509.Certificate, by: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(by)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def load_cas(path: Path) -> List[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return list(x509.load_pem_x509_certificates(data))
    return [x509.load_der_x509_certificate(data)]


def main(argv: List[str]) -> int:
    args = list(argv)
    trusted: Set[str] = set()
    tsa_ca: Path | None = None
    while "--device" in args:
        i = args.index("--device")
        trusted.add(args[i + 1].lower())
        del args[i : i + 2]
    if "--tsa-ca" in args:
        i = args.index("--tsa-ca")
        tsa_ca = Path(args[i + 1])
        del args[i : i + 2]
    pkg = Path(args[0] if args else ".")
    try:
        manifest = json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))
        cas = load_cas(tsa_ca) if tsa_ca else None
    except (OSError, ValueError) as exc:
        print("FAILED: cannot read manifest.json or the CA file: " + str(exc))
        return 3
    print("Checking " + str(pkg.resolve()))
    try:
        check(pkg, manifest, trusted, cas)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        fail("manifest.json is malformed: " + repr(exc))
    if problems:
        print(f"FAILED: {len(problems)} problem(s); do not rely on this package.")
        return 3
    print("ALL CHECKS PASSED for device key(s) " + ", ".join(manifest["devices"]))
    if not trusted:
        print("Compare the key(s) with one obtained independently, or pass --device.")
    return 0


def expected_files(m: Dict[str, Any]) -> Set[str]:
    """Every file a package with this manifest holds; anything else was added."""
    names = {"SHA256SUMS", "manifest.json", "VERIFY.md", "verify_package.py"}
    names |= {i["file"] for i in m["items"]}
    names |= {f"events/{e['id']}.{x}" for e in m["events"] for x in ("json", "sig")}
    names |= {f"checkpoints/{d}.{x}" for d in m["devices"] for x in ("note", "body", "sig", "pub.pem")}  # fmt: skip
    for n, ts in enumerate(m["timestamps"], 1):
        names |= {f"timestamps/{n}.{x}" for x in ("tsr", "checkpoint")}
        names |= {f"timestamps/{n}.ca.pem"} if ts.get("ca_pem") else set()
    return names


def check(pkg: Path, manifest: Dict[str, Any], trusted: Set[str], cas: Any) -> None:
    """Run the seven checks; each failure is recorded with :func:`fail`."""
    items, raw_events = manifest["items"], manifest["events"]
    print("1. every file is listed in SHA256SUMS and matches it")
    listed: Dict[str, str] = {}
    for line in (read(pkg / "SHA256SUMS") or b"").decode("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    found = {p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if not p.is_dir()}
    for name in sorted(found - set(listed) - {"SHA256SUMS"}):
        fail("file not listed in SHA256SUMS: " + name)
    for name in sorted(found - expected_files(manifest)):
        fail("file is not part of the package: " + name)
    for name, digest in sorted(listed.items()):
        rel, path = Path(name), pkg / name
        if (
            rel.is_absolute()
            or ".." in rel.parts
            or path.is_symlink()
            or not path.is_file()
        ):
            fail("missing file " + name)
        elif sha256_file(path) != digest:
            fail("file does not match SHA256SUMS: " + name)
    for item in items:
        path = pkg / item["file"]
        if listed.get(item["file"]) != item["digest"] or not path.is_file():
            fail("evidence file is not listed with its digest: " + item["file"])
        elif path.stat().st_size != item["size"]:
            fail("evidence file has the wrong size: " + item["file"])
    print(f"  {len(listed)} files listed")

    print("2. pinned keys and signed events")
    named = set(manifest["devices"])
    pinned = set(PIN_RE.findall((read(pkg / "VERIFY.md") or b"").decode("utf-8")))
    if not named or pinned != named:
        fail("the device keys pinned in VERIFY.md are not the ones manifest.json names")
    if trusted and not named <= trusted:
        fail(
            "signed by key(s) you did not give with --device: "
            + ", ".join(sorted(named - trusted))
        )
    events: Dict[str, Tuple[Dict[str, Any], Dict[str, Any]]] = {}
    for ev in raw_events:
        raw, sig = ev["raw"].encode("utf-8"), bytes.fromhex(ev["signature"])
        obj = json.loads(raw)
        if hashlib.sha256(raw).hexdigest() != ev["id"]:
            fail("event bytes do not hash to its id " + ev["id"])
        elif obj["device"] not in named:
            fail("event " + ev["id"] + " is signed by a key the package does not name")
        elif not ed25519_ok(obj["device"], sig, raw):
            fail("bad signature on event " + ev["id"])
        elif (
            read(pkg / "events" / (ev["id"] + ".json")) != raw
            or read(pkg / "events" / (ev["id"] + ".sig")) != sig
        ):
            fail("events/" + ev["id"] + ".json or .sig differs from manifest.json")
        else:
            events[ev["id"]] = (obj, ev)
    print(f"  {len(events)} of {len(raw_events)} events verified")

    print("3. signed checkpoints")
    checkpoints: Dict[str, Tuple[str, int, bytes, bytes, bytes]] = {}
    for note in manifest["checkpoints"]:
        cp = open_checkpoint(note)
        if cp is None or cp[0] not in named:
            fail("checkpoint signature or format is bad, or its key is not named")
            continue
        stem = pkg / "checkpoints" / cp[0]
        copies = (
            read(stem.with_suffix(".note")),
            read(stem.with_suffix(".body")),
            read(stem.with_suffix(".sig")),
            read(stem.with_suffix(".pub.pem")),
        )
        if copies != (note.encode("utf-8"), cp[3], cp[4], pem(cp[0])):
            fail("the files in checkpoints/ differ from the signed checkpoint")
        checkpoints[cp[0]] = cp
        print(f"  ok    checkpoint of device {cp[0]} size {cp[1]}")

    print("4. every event is in its device's signed log")
    for event_id, (obj, ev) in events.items():
        proof, cp = ev.get("proof"), checkpoints.get(obj["device"])
        leaf = hashlib.sha256(b"\x00" + ev["raw"].encode("utf-8")).digest()
        hops = [bytes.fromhex(h) for h in (proof or {}).get("path", [])]
        if (
            not proof
            or cp is None
            or proof["size"] != cp[1]
            or root_from_inclusion(proof["index"], cp[1], leaf, hops) != cp[2]
        ):
            fail("no valid inclusion proof for event " + event_id)
    print(f"  checked {len(events)} proofs")

    print("5. the signed export statement: every item, file and custody event")
    statement = events.get(manifest["export_event"])
    if statement is None or statement[0]["kind"] != "evidence.exported":
        fail("no valid signed export statement")
    else:
        contents, export_id = statement[0]["payload"]["contents"], statement[1]["id"]
        if [(c["digest"], c["file"]) for c in contents] != [
            (i["digest"], i["file"]) for i in items
        ]:
            fail("the items differ from the ones the export statement names")
        stated = {export_id} | {e for c in contents for e in c["events"]}
        if sorted(stated) != sorted(ev["id"] for ev in raw_events):
            fail("the events differ from the ones the export statement names")
        objs = [(ev["id"], json.loads(ev["raw"])) for ev in raw_events]
        for c in contents:
            chain = [i for i, o in objs if c["digest"] in concerns(o)]
            seen = [
                (events[i][0]["device"], events[i][1]["proof"]["index"])
                for i in c["events"]
                if i in events
            ]
            ordered = all(
                b > a
                for dev in named
                for a, b in zip(
                    [i for d, i in seen if d == dev],
                    [i for d, i in seen if d == dev][1:],
                )
            )
            first = events.get(c["events"][0] if c["events"] else "")
            if chain != c["events"] + [export_id] or not ordered:
                fail(
                    "custody history of " + c["digest"] + " is incomplete or reordered"
                )
            elif (
                first is None
                or first[0]["kind"] not in RECEIPTS
                or first[0]["payload"]["digest"] != c["digest"]
            ):
                fail(
                    "custody history of "
                    + c["digest"]
                    + " does not start with its receipt"
                )
            elif c["withheld"]:
                print(
                    f"  note  {c['digest'][:16]}: {c['withheld']} sensitive event(s) withheld"
                )
        print(f"  statement {export_id[:16]} covers {len(contents)} item(s)")

    print("6. file descriptions match signed receipts")
    for item in items:
        src = events.get(item["event"])
        if not src or src[0]["kind"] not in RECEIPTS:
            fail("no signed receipt for " + item["digest"])
        elif any(src[0]["payload"].get(k) != item.get(k) for k in DESCRIBED):
            fail(
                "manifest description differs from the signed event for "
                + item["digest"]
            )
        else:
            print("  ok    " + item["digest"] + "  " + item["file"])

    print("7. timestamps (the log existed no later than the authority's signed time)")
    for n, ts in enumerate(manifest["timestamps"], 1):
        token, note = base64.b64decode(ts["token"]), ts["checkpoint"]
        stem = pkg / "timestamps" / str(n)
        old, cp = open_checkpoint(note), None
        if old is not None:
            cp = checkpoints.get(old[0])
        try:
            roots = cas or load_cas(stem.with_suffix(".ca.pem"))
            when, tsa = check_token(token, note.encode("utf-8"), roots)
        except (
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            OSError,
            InvalidSignature,
            x509.ExtensionNotFound,
        ) as exc:
            fail(f"timestamp {n} does not verify: {exc or type(exc).__name__}")
            continue
        said = datetime.fromisoformat(ts["gen_time"])
        if read(stem.with_suffix(".tsr")) != token or read(
            stem.with_suffix(".checkpoint")
        ) != note.encode("utf-8"):
            fail(f"timestamps/{n}.tsr or .checkpoint differs from manifest.json")
        elif (said if said.tzinfo else said.replace(tzinfo=timezone.utc)) != when:
            fail(
                f"timestamp {n}: manifest.json states a time the authority did not sign"
            )
        elif (
            old is None
            or cp is None
            or not consistent(
                old[1],
                cp[1],
                old[2],
                cp[2],
                [bytes.fromhex(h) for h in ts["consistency"]],
            )
        ):
            fail(
                f"timestamp {n}: its checkpoint is not an earlier state of the exported one"
            )
        else:
            print(
                f"  ok    log of size {old[1]} existed no later than {when.isoformat()} (signed by {tsa})"
            )
    if manifest["timestamps"] and not cas:
        print(
            "  note  checked against timestamps/N.ca.pem; obtain the authority's CA yourself and pass --tsa-ca"
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
