"""Check a release folder with gawah's own code, and optionally recompute it.

The release ships ``verify_release.py`` (standard library + ``cryptography``)
for readers without gawah; this module makes the same checks with the code
the ledger trusts (PyNaCl, :func:`gawah.ledger.open_checkpoint`). The tests
run both on good and tampered releases and require them to agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from gawah.core import sha256_hex
from gawah.errors import GawahError
from gawah.publish.policy import Policy
from gawah.publish.release import (
    FORMAT,
    MANIFEST,
    SIGNATURE,
    build_files,
    ledger_checkpoints,
    manifest_bytes,
    public_key_pem,
)

__all__ = ["Problem", "check_release", "recompute"]


@dataclass(frozen=True)
class Problem:
    """One failed check, naming the file it concerns."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def _manifest(folder: Path) -> tuple[bytes, dict[str, Any]] | Problem:
    try:
        raw = (folder / MANIFEST).read_bytes()
    except OSError:
        return Problem(MANIFEST, "missing")
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != FORMAT or not isinstance(
            manifest.get("files"), dict
        ):
            return Problem(MANIFEST, f"not a {FORMAT} manifest")
    except (ValueError, AttributeError):
        return Problem(MANIFEST, "not valid JSON")
    return raw, manifest


def check_release(folder: Path, devices: tuple[str, ...] = ()) -> list[Problem]:
    """Every check of ``verify_release.py``: signature, checkpoints, files.

    ``devices`` pins the device keys the reader obtained independently; the
    release's signer must be one of them.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return [Problem(str(folder), "not a folder")]
    found = _manifest(folder)
    if isinstance(found, Problem):
        return [found]
    raw, manifest = found
    problems: list[Problem] = []
    device = str(manifest.get("device", ""))
    if devices and device not in devices:
        problems.append(Problem(MANIFEST, "signed by a device you did not name"))
    try:
        signature = (folder / SIGNATURE).read_bytes()
        nacl.signing.VerifyKey(bytes.fromhex(device)).verify(raw, signature)
    except OSError:
        problems.append(Problem(SIGNATURE, "missing"))
    except (ValueError, nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError,
            nacl.exceptions.TypeError):  # fmt: skip
        problems.append(
            Problem(SIGNATURE, "the signature of release.json is not valid")
        )
    from gawah.ledger import open_checkpoint

    ledger = manifest.get("ledger")
    notes = ledger.get("checkpoints", []) if isinstance(ledger, dict) else [None]
    for note in notes if isinstance(notes, list) else [None]:
        try:
            open_checkpoint(str(note).encode("utf-8"))
        except GawahError:
            problems.append(
                Problem(MANIFEST, "a ledger checkpoint is not validly signed")
            )
    listed: dict[str, Any] = manifest["files"]
    for name in sorted(listed):
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            problems.append(Problem(name, "an unsafe path in the manifest"))
            continue
        try:
            content = path.read_bytes()
        except OSError:
            problems.append(Problem(name, "missing"))
            continue
        entry = listed[name] if isinstance(listed[name], dict) else {}
        if sha256_hex(content) != entry.get("sha256"):
            problems.append(Problem(name, "SHA-256 differs from the signed manifest"))
    present = {
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
    }
    for name in sorted(present - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append(Problem(name, "not listed in the signed manifest"))
    pem = folder / "release.pub.pem"
    shipped = "release.pub.pem" in listed and pem.is_file()
    if shipped and pem.read_bytes() != public_key_pem(device):
        problems.append(Problem("release.pub.pem", "is not the signing device's key"))
    return problems


def recompute(ws: Any, folder: Path) -> list[Problem]:
    """Rebuild the release from ``ws`` with its manifest's policy and compare.

    The workspace is only read: this device's checkpoint is the newest stored
    one (publishing stored it), so a workspace that recorded events since the
    release recomputes a different release, and the differing files are named.
    """
    found = _manifest(Path(folder))
    if isinstance(found, Problem):
        return [found]
    raw, manifest = found
    p = manifest.get("policy", {})
    try:
        policy = Policy(
            fields=tuple(p["fields"]),
            small_cell_threshold=int(p["small_cell_threshold"]),
            unnamed_column=str(p["unnamed_column"]),
            unnamed_values=tuple(p["unnamed_values"]),
        )
    except (KeyError, TypeError, ValueError, GawahError):
        return [Problem(MANIFEST, "the policy it states cannot be read")]
    langs = tuple(manifest.get("languages", ("en",)))
    data, files = build_files(
        ws,
        str(manifest.get("incident", "")),
        policy,
        langs,
        ledger_checkpoints(ws, sign=False),
        with_pdf="report.pdf" in manifest["files"],
    )
    problems = [
        Problem(name, "differs from the release recomputed from the workspace")
        for name in sorted(set(files) | set(manifest["files"]))
        if name not in manifest["files"]
        or name not in files
        or sha256_hex(files[name]) != manifest["files"][name].get("sha256")
    ]
    if manifest_bytes(files, data, str(manifest.get("device")), langs) != raw:
        problems.append(
            Problem(MANIFEST, "differs from the manifest recomputed from the workspace")
        )
    return problems
