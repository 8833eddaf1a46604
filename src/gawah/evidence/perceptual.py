"""Perceptual fingerprints, so one scene never counts twice as corroboration.

A re-encoded, resized, cropped or re-uploaded copy has a different SHA-256 but
looks the same. Each image gets 64-bit perceptual hashes (imagehash ``phash``)
of the whole frame and of its centre; each video gets the same for about one
decoded frame a second (PyAV). Two items are near-duplicates when enough of the
frames of the shorter one have a close frame in the other. The thresholds were
measured on generated transformed copies (``docs/explanation/evidence.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

#: Largest Hamming distance (of 64 bits) at which two frame hashes show one scene.
FRAME_THRESHOLD = 12
#: Share of the shorter item's frames that must match for two items to be grouped.
ITEM_SHARE = 0.5
#: Most frames fingerprinted per video (spread evenly beyond this).
MAX_FRAMES = 600
#: Fraction of each side kept for the centre hash (survives border crops).
_CENTRE = 0.8


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Perceptual hashes of one item: one entry per sampled frame (one for images).

    Each frame entry holds the 16-hex-digit phash of the whole frame and of its
    centre; comparing all four pairs tolerates crops of the border.
    """

    kind: str  # image | video
    frames: tuple[tuple[str, str], ...]

    def payload(self) -> dict[str, object]:
        """JSON form stored in the ``evidence.received`` event."""
        return {"kind": self.kind, "frames": [list(f) for f in self.frames]}

    @classmethod
    def from_payload(cls, data: dict[str, object]) -> Fingerprint:
        """Inverse of :meth:`payload`."""
        frames = data.get("frames", [])
        assert isinstance(frames, list)
        return cls(str(data["kind"]), tuple((str(a), str(b)) for a, b in frames))


def frame_hashes(im: Image.Image) -> tuple[str, str]:
    """phash of the whole picture and of its centre ``_CENTRE`` share."""
    rgb = im.convert("RGB")
    w, h = rgb.size
    dx, dy = int(w * (1 - _CENTRE) / 2), int(h * (1 - _CENTRE) / 2)
    centre = rgb.crop((dx, dy, w - dx, h - dy)) if dx and dy else rgb
    return str(imagehash.phash(rgb)), str(imagehash.phash(centre))


def image_fingerprint(im: Image.Image) -> Fingerprint:
    """Fingerprint of a decoded still image."""
    return Fingerprint("image", (frame_hashes(im),))


def video_fingerprint(path: Path, max_frames: int = MAX_FRAMES) -> Fingerprint | None:
    """Fingerprint of about one frame a second; ``None`` if there is no video stream.

    Raises:
        av.error.FFmpegError: the video cannot be decoded.
    """
    import av

    frames: list[tuple[str, str]] = []
    with av.open(str(path)) as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        next_t = 0.0
        for frame in container.decode(stream):
            t = float(frame.time) if frame.time is not None else next_t
            if t + 1e-6 < next_t:
                continue
            frames.append(frame_hashes(frame.to_image()))  # type: ignore[no-untyped-call]
            next_t = np.floor(t) + 1.0
    if len(frames) > max_frames:
        idx = np.linspace(0, len(frames) - 1, max_frames).round().astype(int)
        frames = [frames[i] for i in idx]
    return Fingerprint("video", tuple(frames))


def _bits(hexes: Iterable[str]) -> np.ndarray:
    return np.array([int(h, 16) for h in hexes], dtype=np.uint64)


def _popcount(x: np.ndarray) -> np.ndarray:
    bits: np.ndarray = np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1)
    return bits.sum(axis=-1)  # type: ignore[no-any-return]


def _frame_distances(a: Fingerprint, b: Fingerprint) -> np.ndarray:
    """Smallest distance over the four hash pairs, for each frame of a x frame of b."""
    a_all = _bits(h for f in a.frames for h in f).reshape(len(a.frames), 2)
    b_all = _bits(h for f in b.frames for h in f).reshape(len(b.frames), 2)
    best = np.full((len(a.frames), len(b.frames)), 64, dtype=np.int64)
    for i in range(2):
        for j in range(2):
            xor = np.bitwise_xor(a_all[:, i][:, None], b_all[:, j][None, :])
            best = np.minimum(best, _popcount(xor))
    return best


def similarity(
    a: Fingerprint, b: Fingerprint, threshold: int = FRAME_THRESHOLD
) -> float:
    """Share of the shorter item's frames with a close frame in the other (0..1)."""
    if not a.frames or not b.frames:
        return 0.0
    if len(a.frames) == 1 and len(b.frames) == 1:  # two stills: no numpy needed
        best = min(
            (int(x, 16) ^ int(y, 16)).bit_count()
            for x in a.frames[0]
            for y in b.frames[0]
        )
        return 1.0 if best <= threshold else 0.0
    if len(a.frames) > len(b.frames):
        a, b = b, a
    d = _frame_distances(a, b)
    return float((d.min(axis=1) <= threshold).mean())


def near_duplicate(
    a: Fingerprint,
    b: Fingerprint,
    threshold: int = FRAME_THRESHOLD,
    share: float = ITEM_SHARE,
) -> bool:
    """Whether two items show the same scene (see module docstring)."""
    return similarity(a, b, threshold) >= share


def group(
    items: Sequence[tuple[str, Fingerprint]],
    threshold: int = FRAME_THRESHOLD,
    share: float = ITEM_SHARE,
) -> list[list[str]]:
    """Connected groups of near-duplicates (single linkage), largest first.

    Returns every item, singletons included, so a count of groups is a count
    of distinct scenes.
    """
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if find(i) != find(j) and near_duplicate(
                items[i][1], items[j][1], threshold, share
            ):
                parent[find(j)] = find(i)
    groups: dict[int, list[str]] = {}
    for i, (key, _) in enumerate(items):
        groups.setdefault(find(i), []).append(key)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))
