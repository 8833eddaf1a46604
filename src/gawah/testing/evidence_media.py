"""FICTIONAL media for evidence tests: scenes, their altered copies, small videos.

Nothing here is a real photograph. A "scene" is a random composition of
gradients, shapes and texture drawn with numpy and Pillow from a seed; the
transforms imitate what happens to a photo or video on its way to a
documenter (re-encoding, resizing, cropping, re-uploading through a
messenger that strips metadata). Used to measure near-duplicate recall and
false matches, and to build bad inputs (truncated files, bombs).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

SCENE_SIZE = (320, 240)


def scene(seed: int, size: tuple[int, int] = SCENE_SIZE) -> Image.Image:
    """A random, reproducible picture (FICTIONAL) with large and small structure."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1.0) / 2.0
    base = np.stack(
        [ramp * rng.uniform(40, 215) + rng.uniform(0, 40) for _ in range(3)], axis=-1
    )
    coarse = rng.normal(0, 25, size=(h // 20 + 1, w // 20 + 1, 3))
    noise = np.kron(coarse, np.ones((20, 20, 1)))[:h, :w]
    im = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(3)
    )
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        x1, y1 = x0 + rng.uniform(0.1, 0.5) * w, y0 + rng.uniform(0.1, 0.5) * h
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = rng.integers(0, 3)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(3, 12)))
    return im


def _jpeg(im: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _crop(im: Image.Image, share: float) -> Image.Image:
    w, h = im.size
    dx, dy = int(w * share), int(h * share)
    return im.crop((dx, dy, w - dx, h - dy))


def _resize(im: Image.Image, factor: float) -> Image.Image:
    w, h = im.size
    return im.resize(
        (max(8, int(w * factor)), max(8, int(h * factor))), Image.Resampling.LANCZOS
    )


def _reupload(im: Image.Image) -> Image.Image:
    # What a messenger does: downscale to a fixed width, recompress, drop metadata.
    w, h = im.size
    small = im.resize((256, int(256 * h / w)), Image.Resampling.BILINEAR)
    return _jpeg(small, 60)


#: Named transforms that keep "the same scene" (a near-duplicate must be found).
TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg-q30": lambda im: _jpeg(im, 30),
    "resize-50%": lambda im: _resize(im, 0.5),
    "resize-200%": lambda im: _resize(im, 2.0),
    "crop-5%-each-side": lambda im: _crop(im, 0.05),
    "crop-10%-each-side": lambda im: _crop(im, 0.10),
    "brightness+20%": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "contrast-20%": lambda im: ImageEnhance.Contrast(im).enhance(0.8),
    "blur-r1": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
    "reupload": _reupload,
    "crop-10%+reupload": lambda im: _reupload(_crop(im, 0.10)),
}


def image_bytes(
    im: Image.Image, fmt: str = "JPEG", exif: Image.Exif | None = None
) -> bytes:
    """Encode ``im``; ``exif`` (if given) is embedded as a camera would."""
    buf = io.BytesIO()
    kwargs: dict[str, object] = {}
    if exif is not None:
        kwargs["exif"] = exif
    im.convert("RGB").save(buf, fmt, **kwargs)
    return buf.getvalue()


def camera_exif(
    capture_time: str = "2024:11:26 21:14:03",
    serial: str | None = "FICTIONAL-SN-0001",
    gps: tuple[float, float] | None = (33.6844, 73.0479),
) -> Image.Exif:
    """EXIF as a phone camera writes it (FICTIONAL device and place)."""
    exif = Image.Exif()
    exif[0x010F] = "FictionalPhone"
    exif[0x0110] = "Model X"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = capture_time
    if serial is not None:
        sub[0xA431] = serial
    if gps is not None:
        g = exif.get_ifd(0x8825)

        def dms(v: float) -> tuple[float, float, float]:
            d = int(abs(v))
            m = int((abs(v) - d) * 60)
            return (float(d), float(m), round((abs(v) - d - m / 60) * 3600, 2))

        g[1], g[2] = ("N" if gps[0] >= 0 else "S"), dms(gps[0])
        g[3], g[4] = ("E" if gps[1] >= 0 else "W"), dms(gps[1])
    return exif


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG declaring ``width`` x ``height`` one-bit pixels (a pixel bomb)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row) for _ in range(64)) + comp.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def write_video(
    path: Path,
    seed: int,
    seconds: float = 4.0,
    fps: int = 10,
    size: tuple[int, int] = (160, 120),
    codec: str = "mpeg4",
    bit_rate: int = 400_000,
    crop: float = 0.0,
    start: float = 0.0,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A FICTIONAL video: a scene panned slowly, cut every two seconds to a new scene.

    ``crop``, ``start``, ``size``, ``codec`` and ``bit_rate`` produce altered
    copies of the same footage (``seed``) the way re-uploads do.
    """
    import av

    w, h = size
    big = [
        scene(seed * 1000 + k, (400, 300))
        for k in range(int((start + seconds) // 2) + 2)
    ]
    with av.open(str(path), "w", format="mp4") as out:
        for k, v in (metadata or {}).items():
            out.metadata[k] = v
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bit_rate
        n0 = round(start * fps)
        for n in range(n0, n0 + int(seconds * fps)):
            t = n / fps
            src = big[int(t // 2)]
            off = int((t % 2) * 20)
            frame = src.crop((off, off, off + 320, off + 240))
            if crop:
                frame = _crop(frame, crop)
            frame = frame.resize((w, h), Image.Resampling.BILINEAR)
            vf = av.VideoFrame.from_image(frame)  # type: ignore[no-untyped-call]
            for packet in stream.encode(vf):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def minimal_pdf(
    title: str = "FICTIONAL medical report", author: str | None = "Dr. Fictional"
) -> bytes:
    """A one-page PDF with document information (FICTIONAL)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    info = {"/Title": title, "/CreationDate": "D:20241126211403+05'00'"}
    if author:
        info["/Author"] = author
    writer.add_metadata(info)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class NearDuplicateStudy:
    """Recall per transform and false matches between distinct scenes."""

    n_scenes: int
    threshold: int
    recall: dict[str, float]
    false_match_pairs: int
    distinct_pairs: int

    @property
    def overall_recall(self) -> float:
        """Mean recall over all transforms (each transform weighs the same)."""
        return sum(self.recall.values()) / len(self.recall)

    @property
    def false_match_rate(self) -> float:
        """Share of pairs of different scenes wrongly called near-duplicates."""
        return self.false_match_pairs / self.distinct_pairs


def near_duplicate_study(
    n_scenes: int, threshold: int | None = None, first_seed: int = 0
) -> NearDuplicateStudy:
    """Measure image near-duplicate detection on generated scenes and altered copies.

    Each scene is compared with every transformed copy of itself (recall) and
    every pair of distinct originals *and* each original with the copies of
    every other scene is checked for false matches.
    """
    from gawah.evidence.perceptual import (
        FRAME_THRESHOLD,
        image_fingerprint,
        near_duplicate,
    )

    th = FRAME_THRESHOLD if threshold is None else threshold
    seeds = range(first_seed, first_seed + n_scenes)
    pictures = {s: scene(s) for s in seeds}
    originals = {s: image_fingerprint(pictures[s]) for s in seeds}
    copies = {
        (name, s): image_fingerprint(tf(pictures[s]))
        for name, tf in TRANSFORMS.items()
        for s in seeds
    }
    recall = {
        name: sum(near_duplicate(originals[s], copies[(name, s)], th) for s in seeds)
        / n_scenes
        for name in TRANSFORMS
    }
    false = pairs = 0
    seed_list = list(seeds)
    for i, a in enumerate(seed_list):
        for b in seed_list[i + 1 :]:
            pairs += 1
            false += near_duplicate(originals[a], originals[b], th)
            for name in TRANSFORMS:
                pairs += 1
                false += near_duplicate(originals[a], copies[(name, b)], th)
    return NearDuplicateStudy(n_scenes, th, recall, false, pairs)


#: Altered copies of generated footage: keyword arguments for :func:`write_video`.
VIDEO_TRANSFORMS: dict[str, dict[str, object]] = {
    "h264-80kbit": {"codec": "libx264", "bit_rate": 80_000},
    "downscale-96x72": {"size": (96, 72)},
    "crop-10%": {"crop": 0.1},
    "trimmed-1s": {"start": 1.0, "seconds": 3.0},
}


def video_study(
    n_videos: int, folder: Path, first_seed: int = 100
) -> NearDuplicateStudy:
    """Recall of altered copies of ``n_videos`` generated clips, and false matches.

    False matches are counted over every pair of different clips, originals
    and altered copies alike.
    """
    from gawah.evidence.perceptual import (
        FRAME_THRESHOLD,
        Fingerprint,
        near_duplicate,
        video_fingerprint,
    )

    def fp(path: Path) -> Fingerprint:
        out = video_fingerprint(path)
        assert out is not None
        return out

    seeds = list(range(first_seed, first_seed + n_videos))
    originals = {s: fp(write_video(folder / f"{s}.mp4", seed=s)) for s in seeds}
    copies = {
        (name, s): fp(write_video(folder / f"{s}-{name}.mp4", seed=s, **kw))  # type: ignore[arg-type]
        for name, kw in VIDEO_TRANSFORMS.items()
        for s in seeds
    }
    recall = {
        name: sum(near_duplicate(originals[s], copies[(name, s)]) for s in seeds)
        / n_videos
        for name in VIDEO_TRANSFORMS
    }
    false = pairs = 0
    for i, a in enumerate(seeds):
        for b in seeds[i + 1 :]:
            pairs += 1
            false += near_duplicate(originals[a], originals[b])
            for name in VIDEO_TRANSFORMS:
                pairs += 1
                false += near_duplicate(originals[a], copies[(name, b)])
    return NearDuplicateStudy(n_videos, FRAME_THRESHOLD, recall, false, pairs)
