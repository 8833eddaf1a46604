"""``VERIFY.md``: how a lawyer checks an export with tools they already trust.

Written for a reader who has never heard of gawah: every check is a command
from a standard tool (``sha256sum``/``shasum``/``certutil``, ``openssl``), and
the stand-alone ``verify_package.py`` does all of them at once.
"""

from __future__ import annotations

from typing import Any

_TEMPLATE = """# How to verify this evidence package

This folder holds {n_items} file(s) of evidence for {scope}, the record of
who received and handled each one (the *chain of custody*), and the proofs
that this record was not changed afterwards. You do not need gawah to check
any of it.

## What the proofs show, and what they do not

* A file whose SHA-256 matches is byte-for-byte the file gawah received.
* Each custody event is signed with the Ed25519 key of the device that
  recorded it. Compare the device key below with one you obtained from the
  documenting organisation by another channel (phone, letter, website).
* Each event is part of the device's append-only log (a Merkle tree whose root
  is in a signed *checkpoint*); an event cannot be removed or altered later
  without breaking these proofs.
* An RFC 3161 timestamp (if present, in `timestamps/`) shows that the log, and
  so every event in it, **existed no later than** the time stated by the
  timestamp authority. It says nothing about when a photo or video was
  captured; a capture time in metadata is only the camera's claim.

Device key(s) that signed the record:

{devices}

## 1. Check every file's hash

Linux: `sha256sum -c SHA256SUMS` (every line must say `OK`).
macOS: `shasum -a 256 -c SHA256SUMS`.
Windows: `certutil -hashfile "files\\NAME" SHA256` for each file, or
`openssl dgst -sha256 files/NAME` anywhere OpenSSL is installed.

The expected hashes (also in `SHA256SUMS` and `manifest.json`):

{hashes}

## 2. Check the signatures of the custody events

Each event is in `events/<id>.json` with its signature in `events/<id>.sig`.
The file name is the SHA-256 of the event, and the signature is by the device
key (`checkpoints/<device>.pub.pem`):

    sha256sum events/<id>.json          # must print <id>
    openssl pkeyutl -verify -pubin -inkey checkpoints/<device>.pub.pem \\
        -rawin -in events/<id>.json -sigfile events/<id>.sig

## 3. Check the signed checkpoint

    openssl pkeyutl -verify -pubin -inkey checkpoints/<device>.pub.pem \\
        -rawin -in checkpoints/<device>.body -sigfile checkpoints/<device>.sig

## 4. Check everything at once

With Python 3.9 or later and the `cryptography` package
(`pip install cryptography`):

    python3 verify_package.py .

It repeats checks 1-3, checks that each file's description in
`manifest.json` is the one in its signed event, and checks the Merkle
inclusion proof of every event against the signed checkpoint. It prints
`ALL CHECKS PASSED` or lists every problem. Add `--device <key>` to insist on
a device key you obtained independently.
{timestamps}"""

_TS = """
## 5. Check the timestamp(s)

For each `timestamps/N.tsr` (obtain the authority's CA certificate from the
authority itself):

    openssl ts -verify -data timestamps/N.checkpoint -in timestamps/N.tsr \\
        -CAfile TSA-CA.pem

`verify_package.py` also checks that each timestamped checkpoint is an earlier
state of the same log (a consistency proof).
"""


def verify_md(manifest: dict[str, Any]) -> str:
    """The text of ``VERIFY.md`` for one manifest."""
    scope = manifest["scope"]
    label = (
        f"report `{scope['report_id']}`"
        if scope.get("report_id")
        else f"incident `{scope['incident_id']}`"
    )
    devices = sorted(
        {note.split("\n")[0].rsplit("/", 1)[1] for note in manifest["checkpoints"]}
    )
    return _TEMPLATE.format(
        n_items=len(manifest["items"]),
        scope=label,
        devices="\n".join(f"* `{d}`" for d in devices),
        hashes="\n".join(
            f"* `{i['digest']}`  `{i['file']}`" for i in manifest["items"]
        ),
        timestamps=_TS if manifest["timestamps"] else "",
    )
