"""Build, sign and write a release folder; recompute one to compare.

Layout of ``--out DIR``::

    index.html                 the report (English, Urdu), no script, opens offline
    report.pdf                 its PDF twin (WeasyPrint, fonts embedded)
    fonts/                     Noto Nastaliq Urdu and Noto Naskh Arabic (OFL)
    data/victims.csv, .json    the named victims, only the policy's fields
    data/counts-by-*.csv       counts by district and date, small cells withheld
    data/list-overlaps.csv     how many persons each pair of lists shares
    datapackage.json           Frictionless descriptor, HXL hashtags on the columns
    release-data.json          every figure of the report (estimates, claims, ...)
    redaction-receipt.json     what kinds of field and how many records were withheld
    VERIFY.md, verify_release.py, release.pub.pem   how to check it without gawah
    release.json               SHA-256 of every other file, the ledger checkpoints,
                               the gawah version and the policy
    release.json.sig           Ed25519 signature of release.json by the device

Reproducible: every byte depends only on the workspace's events, the policy
and the languages. Nothing records when the release was made; the signed
checkpoints say which state of the ledger it was made from. Ed25519
signatures are deterministic, so even the signature repeats.

Nothing is appended to the ledger: publishing does not change the state it
publishes. The folder is built in a temporary sibling and renamed into place,
so a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gawah import __version__
from gawah.core import make_private, sha256_hex
from gawah.errors import UserInputError
from gawah.publish.files import data_files, dumps
from gawah.publish.gather import ReleaseData, gather
from gawah.publish.policy import Policy
from gawah.publish.report import font_files, index_html, pdf

__all__ = [
    "FORMAT",
    "MANIFEST",
    "SIGNATURE",
    "ReleaseResult",
    "build_files",
    "ledger_checkpoints",
    "manifest_bytes",
    "public_key_pem",
    "publish",
    "release_data_json",
]

FORMAT = "gawah-release/1"
MANIFEST = "release.json"
SIGNATURE = "release.json.sig"


@dataclass(frozen=True)
class ReleaseResult:
    """What :func:`publish` wrote."""

    path: Path
    files: int
    named: int
    not_named: int
    cells_withheld: int
    manifest_sha256: str
    pdf: bool


def ledger_checkpoints(ws: Any, *, sign: bool) -> list[bytes]:
    """The signed checkpoint of every feed, newest first by device order.

    ``sign``: sign this device's checkpoint now if its feed has grown (needs
    the unlocked key); else take the newest stored one.
    """
    ledger = ws.ledger
    notes = []
    for device in ledger.devices():
        if sign and device == ws.device:
            notes.append(ledger.checkpoint().note)
            continue
        stored = ledger.checkpoints(device)
        if stored:
            notes.append(max(stored, key=lambda cp: cp.size).note)
    return [bytes(n) for n in notes]


def public_key_pem(device_hex: str) -> bytes:
    """The Ed25519 public key of a device as PEM (for ``openssl pkeyutl``)."""
    import base64

    der = bytes.fromhex("302a300506032b6570032100" + device_hex)
    b64 = base64.b64encode(der).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n".encode()


def release_data_json(data: ReleaseData) -> bytes:
    """Every figure of the report, for anyone who wants the numbers, not the page."""
    return dumps(
        {
            "incident": data.incident,
            "documented": data.documented,
            "persons": data.persons,
            "named": len(data.rows),
            "estimates": {s: e.to_dict() for s, e in data.estimates.items()},
            "sensitivity": {
                s: [e.to_dict() for e in rows] for s, rows in data.sensitivity.items()
            },
            "claims": [c.to_dict() for c in data.claims],
            "by_district": {
                k: {s: c.to_json() for s, c in row.items()}
                for k, row in data.by_district.items()
            }
            if "district" in data.columns
            else None,
            "by_date": {
                k: {s: c.to_json() for s, c in row.items()}
                for k, row in data.by_date.items()
            }
            if "date" in data.columns
            else None,
            "lists": data.lists,
            "overlaps": data.overlaps,
            "sources": list(data.sources),
            "linkage": data.linkage,
            "warnings": list(data.warnings),
        }
    )


def _verify_md(device: str, langs: Sequence[str]) -> bytes:
    return f"""# How to check this release

This folder was published with gawah {__version__} ({FORMAT}), languages: {", ".join(langs)}.

1. Get the publisher's device key from them by another channel (phone, a
   printed card, their website) and compare it with the one this release names:

       device-key: {device}

2. Check the signature and every file's SHA-256 (Python 3.9+, `pip install cryptography`):

       python3 verify_release.py . --device {device}

   Exit status 0: every file is the one signed; 3: the output names the file
   that differs, is missing or was added.

3. Without Python, with OpenSSL 3 and coreutils:

       openssl pkeyutl -verify -pubin -inkey release.pub.pem -rawin \\
           -in release.json -sigfile release.json.sig
       sha256sum index.html   # compare with release.json "files"

4. With gawah and the workspace it came from, recompute it byte for byte:

       gawah publish verify . --home WORKSPACE

`release.json` also holds the signed ledger checkpoints the release was made
from: a later export of the same ledger must be consistent with them.
""".encode()


def build_files(
    ws: Any,
    incident_id: str,
    policy: Policy,
    langs: Sequence[str],
    checkpoints: Sequence[bytes],
    *,
    with_pdf: bool = True,
) -> tuple[ReleaseData, dict[str, bytes]]:
    """Every file of the release but the manifest and its signature."""
    data = gather(ws, incident_id, policy, checkpoints)
    files = data_files(data, __version__)
    files["release-data.json"] = release_data_json(data)
    files["redaction-receipt.json"] = dumps(
        {
            "incident": incident_id,
            "policy": policy.to_dict(),
            "withheld": data.receipt,
        }
    )
    files.update(font_files())
    verifier = resources.files("gawah.publish") / "verifier" / "verify_release.py"
    files["verify_release.py"] = verifier.read_bytes()
    files["VERIFY.md"] = _verify_md(ws.device, langs)
    files["release.pub.pem"] = public_key_pem(ws.device)
    html = index_html(data, langs, files)
    files["index.html"] = html.encode("utf-8")
    if with_pdf:
        files["report.pdf"] = pdf(html, files)
    return data, dict(sorted(files.items()))


def manifest_bytes(
    files: dict[str, bytes],
    data: ReleaseData,
    device: str,
    langs: Sequence[str],
) -> bytes:
    """``release.json``: what is signed."""
    return dumps(
        {
            "format": FORMAT,
            "gawah_version": __version__,
            "incident": data.incident["id"],
            "languages": list(langs),
            "policy": data.policy.to_dict(),
            "device": device,
            "ledger": data.ledger,
            "files": {
                name: {"sha256": sha256_hex(content), "size": len(content)}
                for name, content in sorted(files.items())
            },
            "statement": (
                "Every file of this folder but release.json and release.json.sig is "
                "listed here with its SHA-256; the device named signed these bytes. "
                "The figures were computed from the ledger state the checkpoints "
                "name; withheld values never entered the folder."
            ),
        }
    )


def publish(
    ws: Any,
    incident_id: str,
    out: Path,
    policy: Policy,
    langs: Sequence[str],
    *,
    with_pdf: bool = True,
) -> ReleaseResult:
    """Write a signed release of ``incident_id`` into ``out`` (new or empty).

    Raises:
        UserInputError: ``out`` is not empty, no such incident, nothing linked,
            or the workspace key is locked.
        WorkspaceError: the key is locked (signing needs the passphrase).
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserInputError(f"{out} exists and is not an empty folder")
    key = ws.device_key()  # fails early, with the passphrase message, if locked
    checkpoints = ledger_checkpoints(ws, sign=True)
    data, files = build_files(
        ws, incident_id, policy, langs, checkpoints, with_pdf=with_pdf
    )
    manifest = manifest_bytes(files, data, ws.device, langs)
    files[MANIFEST] = manifest
    files[SIGNATURE] = key.sign(manifest)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for name, content in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        make_private(tmp)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReleaseResult(
        path=out,
        files=len(files),
        named=len(data.rows),
        not_named=int(data.receipt["persons_not_named"]),
        cells_withheld=int(data.receipt["cells_withheld"]),
        manifest_sha256=sha256_hex(manifest),
        pdf=with_pdf,
    )
