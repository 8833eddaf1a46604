"""``VERIFY.md``: how a lawyer checks an export with tools they already trust.

Written for a reader who has never heard of gawah: every check is a command
from a standard tool (``sha256sum``/``shasum``, OpenSSL 3), and the stand-alone
``verify_package.py`` does all of them at once. Every shell block is meant to
be pasted as it is, from inside the package folder; the tests run each block
on a real package (``tests/evidence/test_export.py``).
"""

from __future__ import annotations

from typing import Any

_TEMPLATE = """# How to verify this evidence package

This folder holds {n_items} file(s) of evidence for {scope}, the record of
who received and handled each one (the *chain of custody*), and the proofs
that this record was not changed afterwards. You do not need gawah to check
any of it. Run every command below from inside this folder.

## The key(s) that signed this record

Both verifiers read the key(s) pinned on the `device-key:` line(s) below and
refuse a package with anything signed by another key:

{devices}

Compare each key with one you obtained from the documenting organisation by
another channel (phone, letter, their website). That comparison is what makes
the signatures mean "recorded by this organisation": whoever rewrites the whole
package can rewrite this file too.

## What you need

* `sha256sum` (Linux) or `shasum -a 256` (macOS; use it wherever `sha256sum`
  appears below).
* **OpenSSL 3.0 or later** (`openssl version`). The signature checks need
  `openssl pkeyutl -rawin` for Ed25519, which OpenSSL 1.1 and LibreSSL (the
  `openssl` that ships with macOS) do not have; install OpenSSL 3 (e.g.
  Homebrew `openssl@3`) if needed.
* For step 5: Python 3.9 or later and `pip install cryptography`.

## 1. Every file's hash, and no file missing or added

```sh
sha256sum -c SHA256SUMS
diff <(cut -c67- SHA256SUMS | sort) \\
  <(find . -type f ! -name SHA256SUMS | sed 's|^\\./||' | sort) && echo "no file missing or added"
```

Every line must say `OK`, and `diff` must print nothing (the `<(...)` form
needs `bash` or `zsh`). `SHA256SUMS` lists every
file of the package except itself. The evidence files and their hashes:

{hashes}

## 2. The signature of every custody event

Each event is `events/<id>.json`, its Ed25519 signature `events/<id>.sig`; the
file name is the SHA-256 of the event, and the key is named inside it.

```sh
bad=0
for f in events/*.json; do
  id=$(basename "$f" .json)
  key=$(grep -oE '"device":"[0-9a-f]{{64}}"' "$f" | head -n 1 | cut -d'"' -f4)
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$id" ] || {{ echo "FAIL hash $id"; bad=1; }}
  openssl pkeyutl -verify -pubin -inkey "checkpoints/$key.pub.pem" -rawin \\
    -in "$f" -sigfile "events/$id.sig" > /dev/null || {{ echo "FAIL signature $id"; bad=1; }}
done
[ "$bad" = 0 ] && echo "every event: hash and signature OK"
```

A key without a file in `checkpoints/` is not one of the pinned keys: the
`openssl` command then fails for that event.

## 3. The signed checkpoint(s) and the public key file(s)

A checkpoint is the device's signed statement of the size and Merkle root of its
whole log. The second command prints the key inside the `.pem` file: it must be
the pinned key.

```sh
{checkpoints}
```

## 4. The timestamp(s)
{timestamps}
## 5. Everything at once, and what only the program checks

```sh
python3 verify_package.py . {device_args}
```

It prints `ALL CHECKS PASSED` (exit status 0) or every problem (exit status 3).
Add `--tsa-ca TSA-CA.pem` with the time-stamping authority's CA certificate
obtained from the authority. Besides steps 1-4 it checks what a shell cannot
easily check:

* the Merkle inclusion proof of every event against the signed checkpoint;
* the signed export event (`export_event` in `manifest.json`): it lists every
  item, its file, and every event of its custody history in this package, so a
  missing, added or reordered item, file or event fails, and each history must
  start with the item's signed receipt;
* each file's description in `manifest.json` is the one in its signed receipt;
* each timestamp: the authority's CMS signature and certificate chain, the
  signed message imprint, and that the time printed is the one the authority
  signed; and that the timestamped checkpoint is an earlier state of the
  exported one (a consistency proof).

`gawah evidence check-package DIR` runs the same checks with gawah's own code.

## What each check proves, and what it does not

| check | proves | does not prove |
|---|---|---|
| file hashes | each file is byte for byte the file gawah received and recorded | that its content is true, or when it was captured |
| event signatures | each event was signed by the pinned key and not changed since | who holds the key: compare it as above |
| checkpoint and inclusion proofs | each event is in the device's append-only log; removing or changing one later breaks the proofs | that the log holds nothing else about these files: the export statement is the device's own word |
| export statement | the package holds every item, file and custody event the device listed when it exported | anything recorded after the export, or events of other devices it did not hold |
| timestamp | the log up to that checkpoint, and every event in it, existed no later than the authority's signed time | when a photo or video was captured (a capture time in metadata is the camera's claim) |

Sensitive details (GPS, serial numbers, who handed a file over, to whom it was
transferred, notes) are left out unless the exporter chose to include them; the
export statement counts them as `withheld` per item.
"""

_TS = """
Each `timestamps/N.tsr` is an RFC 3161 reply over the SHA-256 of
`timestamps/N.checkpoint`. `timestamps/N.ca.pem` is the CA certificate the
documenter trusted; obtain the authority's CA yourself and use it instead where
you can. The first command must print `Verification: OK`; the second prints the
signed time.

```sh
{commands}
```
"""


def _device(note: str) -> str:
    return note.split("\n")[0].rsplit("/", 1)[1]


def verify_md(manifest: dict[str, Any]) -> str:
    """The text of ``VERIFY.md`` for one manifest."""
    scope = manifest["scope"]
    label = (
        f"report `{scope['report_id']}`"
        if scope.get("report_id")
        else f"incident `{scope['incident_id']}`"
    )
    devices = list(manifest["devices"])
    cp_commands = []
    for d in devices:
        stem = f"checkpoints/{d}"
        cp_commands += [
            f"openssl pkeyutl -verify -pubin -inkey {stem}.pub.pem -rawin \\\n"
            f"  -in {stem}.body -sigfile {stem}.sig",
            f"openssl pkey -pubin -in {stem}.pub.pem -outform DER | tail -c 32 "
            "| od -An -tx1 | tr -d ' \\n'; echo",
        ]
    ts_commands = []
    for n, ts in enumerate(manifest["timestamps"], 1):
        ca = f"timestamps/{n}.ca.pem" if ts.get("ca_pem") else "TSA-CA.pem"
        ts_commands += [
            f"openssl ts -verify -data timestamps/{n}.checkpoint "
            f"-in timestamps/{n}.tsr -CAfile {ca}",
            f"openssl ts -reply -in timestamps/{n}.tsr -text | grep 'Time stamp:'",
        ]
    timestamps = (
        _TS.format(commands="\n".join(ts_commands))
        if ts_commands
        else "\nThis package has no timestamp.\n"
    )
    return _TEMPLATE.format(
        n_items=len(manifest["items"]),
        scope=label,
        devices="\n".join(f"    device-key: {d}" for d in devices),
        hashes="\n".join(
            f"* `{i['digest']}`  `{i['file']}`" for i in manifest["items"]
        ),
        checkpoints="\n".join(cp_commands),
        timestamps=timestamps,
        device_args=" ".join(f"--device {d}" for d in devices),
    )
