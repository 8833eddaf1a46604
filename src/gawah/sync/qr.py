"""A small bundle as numbered QR codes, for when only a phone camera can carry data.

Each code holds one part of the bundle file (binary, error correction level M,
``PART_BYTES`` bytes, QR version 26 at most) after a short text line::

    GWB1 <first 16 hex of the bundle's SHA-256> <part>/<parts>

Codes are written with segno and read with zxing-cpp (libraries, not a hand-made
QR codec). Parts may be read in any order and twice; the assembled bytes must
hash to the digest the codes name, and are then imported like the file (the
bundle's own encryption and signatures protect them; this digest only says that
the right codes were gathered).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from gawah.errors import UserInputError
from gawah.sync.bundle import BundleError

PART_BYTES = 1000
MAX_PARTS = 300
_HEAD = re.compile(rb"^GWB1 ([0-9a-f]{16}) ([0-9]{1,4})/([0-9]{1,4})\n")
_IMAGES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def write_qr(data: bytes, folder: Path) -> list[Path]:
    """Write ``data`` as numbered QR-code PNGs in ``folder`` (created 0700).

    Raises:
        UserInputError: the bundle needs more than ``MAX_PARTS`` codes (carry
            the file instead, or export less with ``--since``).
    """
    import segno

    parts = [data[i : i + PART_BYTES] for i in range(0, len(data), PART_BYTES)]
    if len(parts) > MAX_PARTS:
        raise UserInputError(
            f"the bundle would need {len(parts)} QR codes (at most {MAX_PARTS}): "
            "carry the file, or export less with --since last"
        )
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: list[Path] = []
    width = len(str(len(parts)))
    for n, part in enumerate(parts, start=1):
        head = f"GWB1 {digest} {n}/{len(parts)}\n".encode("ascii")
        code = segno.make(head + part, mode="byte", error="m", micro=False)
        path = folder / f"bundle-{digest[:8]}-{n:0{width}d}-of-{len(parts)}.png"
        code.save(str(path), kind="png", scale=4, border=4)
        os.chmod(path, 0o600)
        written.append(path)
    return written


def read_qr(folder: Path) -> bytes:
    """Read every QR code in the images of ``folder`` and reassemble the bundle.

    Raises:
        BundleError: no bundle codes, parts missing, codes of two bundles, or
            the parts do not hash to the digest they name.
    """
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    found: dict[int, bytes] = {}
    digests: set[str] = set()
    total: set[int] = set()
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in _IMAGES or not path.is_file():
            continue
        try:
            with Image.open(path) as image:
                codes = zxingcpp.read_barcodes(image)
        except (OSError, UnidentifiedImageError):
            continue  # not an image: other files may share the folder
        for code in codes:
            raw = bytes(code.bytes)
            match = _HEAD.match(raw)
            if match is None:
                continue
            digests.add(match.group(1).decode("ascii"))
            part, parts = int(match.group(2)), int(match.group(3))
            total.add(parts)
            found[part] = raw[match.end() :]
    if not found:
        raise BundleError(f"no gawah bundle QR codes were read in {folder}")
    if len(digests) > 1 or len(total) > 1:
        raise BundleError(f"{folder} holds QR codes of more than one bundle")
    (parts,) = total
    missing = [n for n in range(1, parts + 1) if n not in found]
    if missing or parts > MAX_PARTS:
        shown = ", ".join(str(n) for n in missing[:10])
        raise BundleError(
            f"{len(missing)} of {parts} QR codes could not be read (missing: {shown})"
        )
    data = b"".join(found[n] for n in range(1, parts + 1))
    if hashlib.sha256(data).hexdigest()[:16] != digests.pop():
        raise BundleError("the QR codes do not reassemble into the bundle they name")
    return data


__all__ = ["MAX_PARTS", "PART_BYTES", "read_qr", "write_qr"]
