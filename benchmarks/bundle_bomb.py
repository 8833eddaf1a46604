"""How much memory a hostile bundle costs before it is refused (SECURITY.md S12).

Run: ``uv run python benchmarks/bundle_bomb.py`` (``--mib`` sets the size of the
zeros inside; 512 by default, which takes about 1 GiB of memory).

A bundle is encrypted to a public identity, so anyone holding a device's
identity can write one. This writes a bundle whose content is ``--mib`` MiB of
zeros (a few KiB once compressed), then opens it in a fresh process with
:func:`gawah.sync.bundle.open_bundle` and prints that process's peak resident
memory before and after the refusal. S12 asks for less than 256 MB; the ratio bound (``bundle.MAX_RATIO``) refuses it while streaming.
"""

from __future__ import annotations

import argparse
import base64
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nacl.bindings
import nacl.public
import nacl.signing
import nacl.utils
import zstandard

from gawah.core import canonical_json
from gawah.sync import bundle

_SEED = b"\x01" * 32  # the recipient's key: FICTIONAL, fixed


def write_bomb(path: Path, mib: int) -> int:
    """Write the bundle; return its size in bytes."""
    recipient = nacl.signing.SigningKey(_SEED).verify_key.to_curve25519_public_key()
    compressor = zstandard.ZstdCompressor(level=3)
    compressed = compressor.compress(bundle.CONTENT_MAGIC + bytes(mib << 20))
    file_key, nonce = nacl.utils.random(32), nacl.utils.random(24)
    stanza = nacl.public.SealedBox(recipient).encrypt(file_key)
    fields = {
        "nonce": base64.b64encode(nonce).decode(),
        "recipients": [base64.b64encode(stanza).decode()],
    }
    header = bundle.MAGIC + canonical_json(fields) + b"\n"
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        compressed, header, nonce, file_key
    )
    path.write_bytes(header + sealed)
    return len(header) + len(sealed)


def open_and_measure(path: Path) -> None:
    """Open the bundle here (a fresh process) and print the peak memory."""
    data = path.read_bytes()
    private = nacl.signing.SigningKey(_SEED).to_curve25519_private_key()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = time.process_time()
    try:
        bundle.open_bundle(data, private)
        outcome = "accepted"
    except bundle.BundleError as exc:
        outcome = f"refused ({exc})"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{len(data):,}-byte bundle {outcome}: peak memory {before / 1024:,.0f} MiB "
        f"before opening, {after / 1024:,.0f} MiB after; "
        f"{time.process_time() - cpu:.2f} s CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--open", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write is not None:
        size = write_bomb(args.write, args.mib)
        print(f"wrote a {size:,}-byte bundle holding {args.mib:,} MiB of zeros")
        return
    if args.open is not None:
        open_and_measure(args.open)
        return
    # Each step in a process of its own: a child inherits its parent's peak.
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bomb.gawah")
        for step in (["--write", path, "--mib", str(args.mib)], ["--open", path]):
            subprocess.run([sys.executable, __file__, *step], check=True)


if __name__ == "__main__":
    main()
