"""What a file is and what it says about itself, read without changing a byte.

The media type is sniffed from the bytes (puremagic), never trusted from the
extension. Metadata (EXIF/XMP, container tags, PDF info) goes into the ledger
event and is never written into the file. Fields that can identify the
*documenter* (device serial numbers, GPS of a safe house, owner names) are
separated as sensitive, so they can be withheld from exports and screens.
Damaged files and decompression bombs are refused here, before anything is
stored: a bomb is caught from the header (declared pixels) before decoding.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import puremagic
from PIL import ExifTags, Image

from gawah.errors import UserInputError

#: Largest image accepted, in pixels (Pillow's own default bomb threshold).
DEFAULT_MAX_PIXELS = 89_478_485
_SNIFF_TEXT_BYTES = 65_536
_EDITORS = re.compile(r"photoshop|gimp|lightroom|snapseed|picsart|facetune|canva", re.I)


class DamagedMediaError(UserInputError):
    """A file claims a media type but cannot be decoded (truncated or corrupt)."""


class DecompressionBombError(UserInputError):
    """A file declares far more pixels than any real photo (a decompression bomb)."""


@dataclass(frozen=True, slots=True)
class SensitiveField:
    """One metadata value that may identify the documenter or their location."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class MediaMetadata:
    """Metadata read from a file. Times are as the file states them (a claim)."""

    media_type: str
    kind: str  # image | video | audio | pdf | text | other
    capture_time: str | None = None
    device_make: str | None = None
    device_model: str | None = None
    software: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    container: str | None = None
    codecs: tuple[str, ...] = ()
    page_count: int | None = None
    title: str | None = None
    producer: str | None = None
    modified_time: str | None = None
    flags: tuple[str, ...] = ()
    sensitive: tuple[SensitiveField, ...] = field(default=())

    def public_payload(self) -> dict[str, Any]:
        """The non-sensitive fields as JSON (``None`` and empty values left out)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name == "sensitive":
                continue
            value = getattr(self, name)
            if value is None or value == ():
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        out["sensitive_fields"] = sorted(f.name for f in self.sensitive)
        return out

    def sensitive_payload(self) -> dict[str, str]:
        """The sensitive fields as a JSON object, for their own event."""
        return {f.name: f.value for f in self.sensitive}


def sniff(path: Path) -> str:
    """Media type of the bytes at ``path``; ``application/octet-stream`` if unknown.

    Sniffed from the content only; the extension is never consulted.
    """
    try:
        mime = str(puremagic.from_file(str(path), mime=True))
    except (puremagic.PureError, ValueError):
        mime = ""
    if mime:
        return mime
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_TEXT_BYTES)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if (
            exc.start < len(head) - 4
        ):  # a character cut at the end of the sample is fine
            return "application/octet-stream"
    return "text/plain"


def kind_of(media_type: str) -> str:
    """The broad kind used to choose an extractor and a perceptual hash."""
    top = media_type.split("/", 1)[0]
    if media_type == "application/pdf":
        return "pdf"
    if top in {"image", "video", "audio", "text"}:
        return top
    return "other"


def _open_image(path: Path, max_pixels: int) -> Image.Image:
    im: Image.Image | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
            if im.width * im.height > max_pixels:
                raise DecompressionBombError(
                    f"the image declares {im.width}x{im.height} pixels, more than the "
                    f"limit of {max_pixels:,}; nothing was stored"
                )
            im.load()
    except BaseException:
        if im is not None:
            im.close()
        raise
    return im


def pillow_reads(media_type: str) -> bool:
    """Whether Pillow can decode this image type (so a failure means damage)."""
    Image.init()
    aliases = {"image/x-ms-bmp": "image/bmp", "image/x-png": "image/png"}
    return aliases.get(media_type, media_type) in set(Image.MIME.values())


def open_image_checked(path: Path, max_pixels: int) -> Image.Image:
    """Open an image, refuse bombs from the header, then decode it fully.

    Raises:
        DecompressionBombError: the header declares more than ``max_pixels``.
        DamagedMediaError: the image cannot be decoded (truncated, corrupt).
    """
    try:
        return _open_image(path, max_pixels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBombError(
            "the image declares more pixels than allowed (a decompression bomb); "
            "nothing was stored"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise DamagedMediaError(
            "the image cannot be decoded (truncated or corrupt); nothing was stored"
        ) from exc


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip().strip("\x00").strip()
    return text or None


def _gps_degrees(value: object, ref: object) -> float | None:
    try:
        d, m, s = (float(x) for x in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    return -deg if str(ref).upper() in {"S", "W"} else deg


_XMP_FIELDS = {
    "capture_time": (
        "exif:DateTimeOriginal",
        "xmp:CreateDate",
        "photoshop:DateCreated",
    ),
    "device_make": ("tiff:Make",),
    "device_model": ("tiff:Model",),
    "software": ("xmp:CreatorTool",),
    "serial": ("aux:SerialNumber", "exifEX:BodySerialNumber"),
    "gps_lat": ("exif:GPSLatitude",),
    "gps_lon": ("exif:GPSLongitude",),
    "owner": ("aux:OwnerName", "exifEX:CameraOwnerName", "dc:creator"),
}


#: XMP properties that name or reach a person (creator, rights holder, contact).
_XMP_IDENTIFYING = {
    "dc:creator": "creator",
    "dc:rights": "copyright",
    "xmpRights:Owner": "rights_owner",
    "photoshop:AuthorsPosition": "author_position",
    "photoshop:CaptionWriter": "caption_writer",
    "photoshop:Credit": "credit",
    "Iptc4xmpCore:CiEmailWork": "contact_email",
    "Iptc4xmpCore:CiTelWork": "contact_phone",
    "Iptc4xmpCore:CiAdrExtadr": "contact_address",
    "Iptc4xmpCore:CiUrlWork": "contact_url",
    "pdf:Author": "author",
    "exif:UserComment": "comment",
    "dc:description": "description",
}


def _xmp_value(xmp: str, key: str) -> str | None:
    """Read one XMP property, without an XML parser (it may be hostile input).

    Handles the attribute form, the simple element form and the list forms
    (``rdf:Seq``/``Bag``/``Alt`` of ``rdf:li``, joined with "; ").
    """
    k = re.escape(key)
    m = re.search(rf'{k}="([^"<>]{{1,200}})"', xmp) or re.search(
        rf"<{k}(?:\s[^<>]{{0,200}})?>([^<>]{{1,200}})</{k}>", xmp
    )
    if m and m.group(1).strip():
        return m.group(1).strip()
    block = re.search(rf"<{k}(?:\s[^<>]{{0,200}})?>(.{{0,4000}}?)</{k}>", xmp, re.S)
    if block is None:
        return None
    items = re.findall(r"<rdf:li(?:\s[^<>]{0,200})?>([^<>]{1,200})</rdf:li>", block[1])
    joined = "; ".join(i.strip() for i in items if i.strip())
    return joined or None


def xmp_identifying(xmp: str) -> dict[str, str]:
    """Identifying XMP fields (creator lists, rights, contact details, comments)."""
    out = {}
    for key, name in _XMP_IDENTIFYING.items():
        if value := _xmp_value(xmp, key):
            out[f"xmp_{name}"] = value
    return out


def _exif_comment(value: object) -> str | None:
    """EXIF UserComment: 8 bytes naming the character set, then the text."""
    if isinstance(value, bytes) and len(value) > 8:
        code, body = value[:8], value[8:]
        if code.startswith(b"UNICODE"):
            order = "utf-16-be" if body[:1] == b"\x00" else "utf-16-le"
            return _text(body.decode(order, "replace"))
        return _text(body)
    return _text(value)


def _xp_text(value: object) -> str | None:
    """Windows XP* tags (XPAuthor, XPComment): UTF-16-LE bytes or a tuple of them."""
    if isinstance(value, tuple):
        value = bytes(value)
    if isinstance(value, bytes):
        return _text(value.decode("utf-16-le", "replace"))
    return _text(value)


def image_metadata(im: Image.Image, media_type: str) -> MediaMetadata:
    """EXIF and XMP of a decoded image: capture time, device, GPS, serials."""
    exif = im.getexif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    base = ExifTags.Base
    values: dict[str, str | None] = {
        "capture_time": _text(
            sub.get(base.DateTimeOriginal) or exif.get(base.DateTime)
        ),
        "device_make": _text(exif.get(base.Make)),
        "device_model": _text(exif.get(base.Model)),
        "software": _text(exif.get(base.Software)),
    }
    sensitive: dict[str, str] = {}
    for name, tag in (
        ("device_serial", base.BodySerialNumber),
        ("lens_serial", base.LensSerialNumber),
        ("owner_name", base.CameraOwnerName),
        ("image_unique_id", base.ImageUniqueID),
    ):
        if text := _text(sub.get(tag)):
            sensitive[name] = text
    if artist := _text(exif.get(base.Artist)):
        sensitive["artist"] = artist
    if rights := _text(exif.get(base.Copyright)):
        sensitive["copyright"] = rights
    for name, tag in (("xp_author", base.XPAuthor), ("xp_comment", base.XPComment)):
        if text := _xp_text(exif.get(tag)):
            sensitive[name] = text
    if comment := _exif_comment(sub.get(base.UserComment)):
        sensitive["user_comment"] = comment
    if description := _text(exif.get(base.ImageDescription)):
        sensitive["image_description"] = description
    # JPEG COM segments and PNG text chunks may name the photographer or subject
    for key, value in im.info.items():
        name = str(key).lower()
        if name in {"comment", "author", "copyright", "description"} and (
            text := _text(value)
        ):
            sensitive[f"embedded_{name}"] = text
    lat = _gps_degrees(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef)
    )
    lon = _gps_degrees(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef)
    )
    if lat is not None and lon is not None:
        sensitive["gps"] = f"{lat:.6f},{lon:.6f}"
    raw_xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    has_xmp = bool(raw_xmp)
    if raw_xmp:
        xmp = (
            raw_xmp.decode("utf-8", "replace")
            if isinstance(raw_xmp, bytes)
            else str(raw_xmp)
        )
        for name, value in xmp_identifying(xmp).items():
            sensitive.setdefault(name, value)
        for name, keys in _XMP_FIELDS.items():
            found = next((v for k in keys if (v := _xmp_value(xmp, k))), None)
            if found is None:
                continue
            if name == "serial":
                sensitive.setdefault("device_serial", found)
            elif name == "owner":
                sensitive.setdefault("owner_name", found)
            elif name.startswith("gps_"):
                sensitive[f"xmp_{name}"] = found
            elif values.get(name) is None:
                values[name] = found
    flags = []
    if not len(exif) and not has_xmp:
        flags.append("metadata-missing")
    if values["capture_time"] is None:
        flags.append("no-capture-time")
    if values["software"] and _EDITORS.search(values["software"]):
        flags.append("edited-with-software")
    if "gps" in sensitive or "xmp_gps_lat" in sensitive:
        flags.append("gps-present")
    return MediaMetadata(
        media_type=media_type,
        kind="image",
        width=im.width,
        height=im.height,
        flags=tuple(flags),
        sensitive=tuple(SensitiveField(k, v) for k, v in sorted(sensitive.items())),
        **values,  # type: ignore[arg-type]
    )


_AV_SENSITIVE = ("location", "com.apple.quicktime.location.iso6709", "location-eng")


def av_metadata(path: Path, media_type: str, kind: str) -> MediaMetadata:
    """Container metadata of a video or audio file (duration, creation time, codecs)."""
    import av

    try:
        with av.open(str(path)) as container:
            tags = {k.lower(): str(v) for k, v in container.metadata.items()}
            codecs = []
            width = height = None
            for st in container.streams:
                codecs.append(f"{st.type}:{st.codec_context.name}")
                for k, v in st.metadata.items():
                    tags.setdefault(k.lower(), str(v))
                if isinstance(st, av.VideoStream) and width is None:
                    width, height = st.codec_context.width, st.codec_context.height
            duration = container.duration / 1_000_000 if container.duration else None
            fmt = container.format.name
            if not container.streams:
                raise DamagedMediaError("the file has no audio or video streams")
    except av.error.FFmpegError as exc:
        raise DamagedMediaError(
            "the video/audio cannot be read (truncated or corrupt); nothing was stored"
        ) from exc
    sensitive = {}
    for key in _AV_SENSITIVE:
        if key in tags:
            sensitive["gps"] = tags[key]
            break
    for key in ("artist", "author", "copyright", "comment", "composer"):
        if text := _text(tags.get(key)):
            sensitive[key] = text
    capture = tags.get("com.apple.quicktime.creationdate") or tags.get("creation_time")
    flags = []
    if capture is None:
        flags.append("no-capture-time")
    make = tags.get("com.apple.quicktime.make") or tags.get("make")
    model = tags.get("com.apple.quicktime.model") or tags.get("model")
    if capture is None and make is None and model is None:
        flags.append("metadata-missing")
    if "gps" in sensitive:
        flags.append("gps-present")
    return MediaMetadata(
        media_type=media_type,
        kind=kind,
        capture_time=capture,
        device_make=make,
        device_model=model,
        software=tags.get("com.apple.quicktime.software") or tags.get("encoder"),
        width=width,
        height=height,
        duration_s=round(duration, 3) if duration is not None else None,
        container=fmt,
        codecs=tuple(codecs),
        flags=tuple(flags),
        sensitive=tuple(SensitiveField(k, v) for k, v in sorted(sensitive.items())),
    )


def pdf_metadata(path: Path, media_type: str) -> MediaMetadata:
    """Document information of a PDF; a file without its end marker is refused."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 1024))
        if b"%%EOF" not in fh.read():
            raise DamagedMediaError(
                "the PDF has no end-of-file marker (truncated); nothing was stored"
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path, strict=False)
            info: Mapping[str, Any] = reader.metadata or {}
            pages = len(reader.pages)
            xmp = _pdf_xmp(reader)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise DamagedMediaError("the PDF cannot be read; nothing was stored") from exc
    sensitive = xmp_identifying(xmp) if xmp else {}
    if author := _text(info.get("/Author")):
        sensitive["author"] = author
    for key in ("/Subject", "/Keywords"):  # free text that often names people
        if text := _text(info.get(key)):
            sensitive[key[1:].lower()] = text
    created = _text(info.get("/CreationDate"))
    flags = [] if info else ["metadata-missing"]
    if created is None:
        flags.append("no-capture-time")
    return MediaMetadata(
        media_type=media_type,
        kind="pdf",
        capture_time=created,
        modified_time=_text(info.get("/ModDate")),
        title=_text(info.get("/Title")),
        producer=_text(info.get("/Producer")),
        software=_text(info.get("/Creator")),
        page_count=pages,
        flags=tuple(flags),
        sensitive=tuple(SensitiveField(k, v) for k, v in sorted(sensitive.items())),
    )


def _pdf_xmp(reader: Any) -> str | None:
    """The document's XMP packet (catalog ``/Metadata``), as text, if any."""
    stream = reader.trailer["/Root"].get("/Metadata")
    if stream is None:
        return None
    data = stream.get_object().get_data()
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else None


def read_metadata(
    path: Path, media_type: str, max_pixels: int = DEFAULT_MAX_PIXELS
) -> MediaMetadata:
    """Metadata of the file at ``path``, refusing damaged files and bombs."""
    kind = kind_of(media_type)
    if kind == "image" and not pillow_reads(media_type):
        # e.g. HEIC from iPhones: kept byte-exact, but we cannot look inside
        return MediaMetadata(
            media_type=media_type, kind=kind, flags=("no-metadata-reader",)
        )
    if kind == "image":
        with open_image_checked(path, max_pixels) as im:
            return image_metadata(im, media_type)
    if kind in {"video", "audio"}:
        return av_metadata(path, media_type, kind)
    if kind == "pdf":
        return pdf_metadata(path, media_type)
    return MediaMetadata(
        media_type=media_type, kind=kind, flags=("no-metadata-reader",)
    )
