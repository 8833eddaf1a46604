"""Perceptual fingerprints, so one scene never counts twice as corroboration.

A re-encoded, resized, cropped, mirrored or screenshotted copy has a different
SHA-256 but shows the same scene. Three signals, each from a well-kept library:

* 64-bit perceptual hashes (imagehash ``phash``) of the whole frame and of its
  centre, for images and for about one decoded video frame a second (PyAV):
  re-encodes, resizes, small crops, brightness changes;
* for images, the ``phash`` of the seven mirrored and rotated versions of the
  picture (the dihedral group): mirrors and 90/180/270-degree rotations;
* for images, up to ``ORB_FEATURES`` ORB keypoints (OpenCV): two pictures show
  one scene when enough descriptor matches agree on one similarity transform
  (RANSAC), which survives asymmetric crops and a photo shown inside a
  screenshot.

The thresholds were set on one half of a labelled set of photos and measured
on the other (``benchmarks/evidence.py --photo-study``, ``docs/explanation/evidence.md``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

#: Largest Hamming distance (of 64 bits) at which two frame hashes show one scene.
FRAME_THRESHOLD = 12
#: Hamming distance for a mirrored or rotated copy: stricter than FRAME_THRESHOLD,
#: as it is tried seven times per pair (on the tuning photos mirrored and rotated
#: copies, re-uploaded too, were at most 2 bits away; different scenes at least 18).
MIRROR_THRESHOLD = 8
#: Share of the shorter item's frames that must match for two items to be grouped.
ITEM_SHARE = 0.5
#: Most frames fingerprinted per video (spread evenly beyond this).
MAX_FRAMES = 600
#: Fraction of each side kept for the centre hash (survives border crops).
_CENTRE = 0.8
#: ORB keypoints kept per image (500 x 36 bytes: about 24 KB of base64 per event).
ORB_FEATURES = 500
#: Longest side (pixels) a picture is scaled to before ORB.
ORB_SIDE = 512
#: Lowe's ratio: a match counts only if clearly better than the second best.
ORB_RATIO = 0.8
#: Fewest matches agreeing on one similarity transform for "the same scene"
#: (different generated scenes reached 11 at the 2-pixel tolerance; photos 5).
ORB_MIN_INLIERS = 14
#: FAST corner threshold tried when the default (20) finds too few corners
#: (low-contrast pictures: night, fog, microscopy).
_ORB_LOW_CONTRAST = 5
#: RANSAC tolerance, in pixels of the ``ORB_SIDE`` picture.
_ORB_REPROJ = 2.0
_DIHEDRAL = (
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Perceptual hashes of one item: one entry per sampled frame (one for images).

    Each frame entry holds the 16-hex-digit phash of the whole frame and of its
    centre; comparing all four pairs tolerates crops of the border.
    """

    kind: str  # image | video
    frames: tuple[tuple[str, str], ...]
    dihedral: tuple[str, ...] = ()  # images: phash of the 7 mirrored/rotated versions
    keypoints: bytes = b""  # images: ORB keypoint positions, uint16 x, y each
    descriptors: bytes = b""  # images: ORB descriptors, 32 bytes each

    def payload(self) -> dict[str, object]:
        """JSON form stored in the ``evidence.received`` event."""
        out: dict[str, object] = {
            "kind": self.kind,
            "frames": [list(f) for f in self.frames],
        }
        if self.dihedral:
            out["dihedral"] = list(self.dihedral)
        if self.descriptors:
            out["orb"] = {
                "xy": base64.b64encode(self.keypoints).decode("ascii"),
                "d": base64.b64encode(self.descriptors).decode("ascii"),
            }
        return out

    @classmethod
    def from_payload(cls, data: dict[str, object]) -> Fingerprint:
        """Inverse of :meth:`payload` (older payloads have frames only)."""
        frames = data.get("frames", [])
        assert isinstance(frames, list)
        dihedral = data.get("dihedral") or []
        assert isinstance(dihedral, list)
        orb = data.get("orb") or {}
        assert isinstance(orb, dict)
        return cls(
            str(data["kind"]),
            tuple((str(a), str(b)) for a, b in frames),
            tuple(str(h) for h in dihedral),
            base64.b64decode(orb.get("xy", "")),
            base64.b64decode(orb.get("d", "")),
        )


def frame_hashes(im: Image.Image) -> tuple[str, str]:
    """phash of the whole picture and of its centre ``_CENTRE`` share."""
    rgb = im.convert("RGB")
    w, h = rgb.size
    dx, dy = int(w * (1 - _CENTRE) / 2), int(h * (1 - _CENTRE) / 2)
    centre = rgb.crop((dx, dy, w - dx, h - dy)) if dx and dy else rgb
    return str(imagehash.phash(rgb)), str(imagehash.phash(centre))


def orb_features(im: Image.Image) -> tuple[bytes, bytes]:
    """(keypoint positions, descriptors) of up to ``ORB_FEATURES`` ORB keypoints."""
    import cv2

    gray = im.convert("L")
    factor = ORB_SIDE / max(gray.size)  # small pictures are enlarged too
    size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
    pixels = np.asarray(gray.resize(size, Image.Resampling.LANCZOS))
    orb = cv2.ORB_create(nfeatures=ORB_FEATURES)  # type: ignore[attr-defined]
    points, descriptors = orb.detectAndCompute(pixels, None)
    if descriptors is None or len(points) < ORB_FEATURES // 2:
        orb = cv2.ORB_create(  # type: ignore[attr-defined]
            nfeatures=ORB_FEATURES, fastThreshold=_ORB_LOW_CONTRAST
        )
        points, descriptors = orb.detectAndCompute(pixels, None)
    if descriptors is None or not points:
        return b"", b""
    xy = np.array([p.pt for p in points], dtype=np.float64).round()
    return xy.astype("<u2").tobytes(), np.asarray(descriptors, np.uint8).tobytes()


def image_fingerprint(im: Image.Image) -> Fingerprint:
    """Fingerprint of a decoded still image."""
    rgb = im.convert("RGB")
    dihedral = tuple(str(imagehash.phash(rgb.transpose(t))) for t in _DIHEDRAL)
    keypoints, descriptors = orb_features(rgb)
    return Fingerprint("image", (frame_hashes(rgb),), dihedral, keypoints, descriptors)


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


def mirrored_or_rotated(
    a: Fingerprint, b: Fingerprint, threshold: int = MIRROR_THRESHOLD
) -> bool:
    """Whether one image is a mirrored or rotated copy of the other (phash)."""
    if not (a.frames and b.frames):
        return False
    wa, wb = int(a.frames[0][0], 16), int(b.frames[0][0], 16)
    return any(
        (mine ^ int(h, 16)).bit_count() <= threshold
        for mine, theirs in ((wa, b.dihedral), (wb, a.dihedral))
        for h in theirs
    )


def _orb_arrays(fp: Fingerprint) -> tuple[np.ndarray, np.ndarray]:
    xy = np.frombuffer(fp.keypoints, dtype="<u2").reshape(-1, 2).astype(np.float32)
    des = np.frombuffer(fp.descriptors, dtype=np.uint8).reshape(-1, 32)
    return xy, des


def same_features(
    a: Fingerprint, b: Fingerprint, min_inliers: int | None = None
) -> bool:
    """Whether enough ORB matches agree on one similarity transform (crops, screenshots).

    Matches pass Lowe's ratio test; RANSAC (OpenCV ``estimateAffinePartial2D``:
    rotation, uniform scale, translation) keeps those one transform explains.
    A transform that shrinks or grows by more than 8 times is refused.
    """
    import cv2

    if min_inliers is None:
        min_inliers = ORB_MIN_INLIERS
    if not (a.descriptors and b.descriptors):
        return False
    xa, da = _orb_arrays(a)
    xb, db = _orb_arrays(b)
    if min(len(da), len(db)) < min_inliers:
        return False
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(da, db, k=2)
    good, taken = [], set()
    for p in pairs:  # ratio test, and each keypoint of b used once
        clear = len(p) == 2 and p[0].distance < ORB_RATIO * p[1].distance
        if clear and p[0].trainIdx not in taken:
            taken.add(p[0].trainIdx)
            good.append(p[0])
    if len(good) < min_inliers:
        return False
    src = xa[[m.queryIdx for m in good]]
    dst = xb[[m.trainIdx for m in good]]
    cv2.setRNGSeed(0)  # the same answer every time for the same pair
    matrix, inliers = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=_ORB_REPROJ,
        maxIters=2000, confidence=0.995,
    )  # fmt: skip
    if matrix is None or inliers is None:
        return False
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    return int(inliers.sum()) >= min_inliers and 1 / 8 <= scale <= 8


def near_duplicate(
    a: Fingerprint,
    b: Fingerprint,
    threshold: int = FRAME_THRESHOLD,
    share: float = ITEM_SHARE,
) -> bool:
    """Whether two items show the same scene (see module docstring)."""
    if similarity(a, b, threshold) >= share:
        return True
    if a.kind == b.kind == "image":
        return mirrored_or_rotated(a, b) or same_features(a, b)
    return False


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
