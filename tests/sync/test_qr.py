"""A small bundle carried as QR codes (issue 14): written, photographed, read back.

FICTIONAL data. "Photographed" here is simulated: the images are rotated,
scaled and saved as JPEG, in shuffled order, one of them twice.
"""

from __future__ import annotations

import random
import stat
from pathlib import Path

import pytest
from PIL import Image

from gawah.errors import UserInputError
from gawah.registry import import_rows
from gawah.sync import BundleError, export_bundle, import_bundle
from gawah.sync.qr import MAX_PARTS, PART_BYTES
from gawah.workspace import Workspace

HEADERS = ["record_id", "full_name", "sex", "age", "status"]


def _rows(n: int) -> list[list[str]]:
    return [[str(i), f"FICTIONAL Person {i}", "M", "30", "killed"] for i in range(n)]


def test_qr_codes_carry_a_bundle(team: list[Workspace], tmp_path: Path) -> None:
    hq, a, _b = team
    import_rows(a, HEADERS, _rows(6), source="FICTIONAL list A")
    codes = tmp_path / "codes"
    result = export_bundle(a, [hq.identity], tmp_path / "a.gawah", qr=codes)
    written = sorted(codes.iterdir())
    size = (tmp_path / "a.gawah").stat().st_size
    assert result.qr_codes == len(written) == -(-size // PART_BYTES) > 1
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = random.Random(3)
    order = [*written, written[0]]
    rng.shuffle(order)
    for n, path in enumerate(order):
        with Image.open(path) as image:
            shot = image.convert("RGB").rotate(90 * (n % 4), expand=True)
            shot = shot.resize((shot.width * 3 // 4, shot.height * 3 // 4))
            shot.save(photos / f"IMG_{n:04d}.jpg", quality=90)
    (photos / "notes.txt").write_text("not an image")
    got = import_bundle(hq, photos)
    assert got.reports == 6
    assert hq.ledger.state_digest() == a.ledger.state_digest()


def test_a_missing_code_is_refused(team: list[Workspace], tmp_path: Path) -> None:
    hq, a, _b = team
    import_rows(a, HEADERS, _rows(6), source="FICTIONAL list A")
    codes = tmp_path / "codes"
    export_bundle(a, [hq.identity], tmp_path / "a.gawah", qr=codes)
    sorted(codes.iterdir())[1].unlink()
    before = hq.ledger.state_digest()
    with pytest.raises(BundleError, match="could not be read"):
        import_bundle(hq, codes)
    assert hq.ledger.state_digest() == before


def test_a_large_bundle_is_not_split_into_hundreds_of_codes(
    team: list[Workspace], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, a, _b = team
    import_rows(a, HEADERS, _rows(40), source="FICTIONAL list A")
    monkeypatch.setattr("gawah.sync.qr.MAX_PARTS", 2)
    assert MAX_PARTS > 2
    with pytest.raises(UserInputError, match="QR codes"):
        export_bundle(a, [hq.identity], tmp_path / "big.gawah", qr=tmp_path / "q")
    assert not (tmp_path / "big.gawah").exists()
