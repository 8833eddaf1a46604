"""Uploaded lists are measured before anything parses them.

A spreadsheet is a zip archive: a 60 KB file can inflate to gigabytes of XML
(a "zip bomb"), and parsing it inside the server once froze every user's pages
for half a minute. :func:`check_upload` reads only the archive's directory
(the sizes its members declare) and then counts the sheet's rows by
streaming at most the declared bytes, so a bomb is refused in milliseconds,
before openpyxl opens it. A CSV file's rows and columns are counted the same
way, without decoding more than its structure.

The limits are settings (:class:`UploadLimits`): each has a default and an
environment variable, read when the app starts.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gawah.errors import UserInputError

_MB = 1024 * 1024


class UploadRefusedError(UserInputError):
    """An upload over one of the :class:`UploadLimits` (nothing was parsed)."""


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """How large an uploaded list may be; the defaults are the documented ones."""

    #: Bytes of the uploaded file itself (``GAWAH_UPLOAD_MAX_MB``).
    max_bytes: int = 20 * _MB
    #: Data rows of a CSV file or of a spreadsheet (``GAWAH_UPLOAD_MAX_ROWS``).
    max_rows: int = 200_000
    #: Columns (``GAWAH_UPLOAD_MAX_COLUMNS``).
    max_columns: int = 200
    #: Bytes a spreadsheet's members declare, inflated (``GAWAH_XLSX_MAX_INFLATED_MB``).
    xlsx_max_inflated: int = 200 * _MB
    #: Largest inflated / compressed ratio of one member (``GAWAH_XLSX_MAX_RATIO``).
    #: Real sheets compress 5-30 times; bombs a thousand times and more.
    xlsx_max_ratio: float = 150.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> UploadLimits:
        """The defaults, with any of the variables named above applied."""
        env = os.environ if env is None else env
        base = cls()

        def number(name: str, default: float, scale: int = 1) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise UserInputError(f"{name} must be a number, not {raw!r}") from None
            if value <= 0:
                raise UserInputError(f"{name} must be above 0")
            return value * scale

        return cls(
            max_bytes=int(number("GAWAH_UPLOAD_MAX_MB", base.max_bytes, _MB)),
            max_rows=int(number("GAWAH_UPLOAD_MAX_ROWS", base.max_rows)),
            max_columns=int(number("GAWAH_UPLOAD_MAX_COLUMNS", base.max_columns)),
            xlsx_max_inflated=int(
                number("GAWAH_XLSX_MAX_INFLATED_MB", base.xlsx_max_inflated, _MB)
            ),
            xlsx_max_ratio=number("GAWAH_XLSX_MAX_RATIO", base.xlsx_max_ratio),
        )


@dataclass(frozen=True, slots=True)
class UploadShape:
    """What the check found: data rows (header excluded) and columns."""

    rows: int
    columns: int


def check_upload(path: Path, limits: UploadLimits) -> UploadShape:
    """Measure an uploaded ``.csv`` or ``.xlsx`` file against ``limits``.

    Raises:
        UploadRefusedError: over a limit (the message names it and the value).
        UserInputError: not a readable file of its kind.
    """
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UploadRefusedError(
            f"the file is larger than {limits.max_bytes // _MB} MB"
        )
    if path.suffix.lower() == ".xlsx":
        shape = _xlsx_shape(path, limits)
    else:
        shape = _csv_shape(path, limits)
    if shape.columns > limits.max_columns:
        raise UploadRefusedError(
            f"the list has {shape.columns:,} columns; at most "
            f"{limits.max_columns:,} are accepted"
        )
    return shape


def _too_many_rows(limits: UploadLimits) -> UploadRefusedError:
    return UploadRefusedError(
        f"the list has more than {limits.max_rows:,} rows; import it with "
        "`gawah import` on the command line, or raise GAWAH_UPLOAD_MAX_ROWS"
    )


def _csv_shape(path: Path, limits: UploadLimits) -> UploadShape:
    # Latin-1 maps every byte to one character, so quotes, commas and line
    # ends (ASCII in every encoding a list arrives in but UTF-16) are found
    # without deciding the encoding, which the importer does.
    rows, columns = -1, 0
    # A cell may be as long as the file may be (the csv module's default
    # stops at 128 KB; the importer decides what a cell may hold).
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_bytes))
    with path.open("r", encoding="latin-1", newline="") as fh:
        try:
            for record in csv.reader(fh):
                rows += 1
                columns = max(columns, len(record))
                if rows > limits.max_rows:
                    raise _too_many_rows(limits)
                if columns > limits.max_columns:
                    break  # refused by the caller; no need to read on
        except csv.Error as exc:
            raise UserInputError(f"this file is not readable as CSV: {exc}") from None
    return UploadShape(max(rows, 0), columns)


_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*\br="([A-Z]{1,3})\d+"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:([A-Z]{1,3})\d+"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _xlsx_shape(path: Path, limits: UploadLimits) -> UploadShape:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UserInputError(
            "this .xlsx file is not a spreadsheet (not a zip archive)"
        ) from None
    with archive:
        members = archive.infolist()
        inflated = sum(m.file_size for m in members)
        if inflated > limits.xlsx_max_inflated:
            raise UploadRefusedError(
                f"the spreadsheet inflates to {inflated // _MB:,} MB; at most "
                f"{limits.xlsx_max_inflated // _MB:,} MB are accepted"
            )
        for m in members:
            ratio = m.file_size / max(m.compress_size, 1)
            if m.file_size > _MB and ratio > limits.xlsx_max_ratio:
                raise UploadRefusedError(
                    f"the spreadsheet is compressed {ratio:,.0f} times (at most "
                    f"{limits.xlsx_max_ratio:,.0f}): refused as a possible zip bomb"
                )
        sheets = [
            m
            for m in members
            if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
        ]
        rows = columns = 0
        for sheet in sheets[:1]:  # the importer reads the first sheet only
            rows, columns = _count_sheet(archive, sheet, limits)
    return UploadShape(rows, columns)


def _count_sheet(
    archive: zipfile.ZipFile, sheet: zipfile.ZipInfo, limits: UploadLimits
) -> tuple[int, int]:
    """Rows and widest column of one sheet, streamed (zipfile stops at the declared size)."""
    rows = columns = 0
    tail = b""
    try:
        with archive.open(sheet) as fh:
            while block := fh.read(1 << 20):
                text = tail + block
                # A tag cut by the block's end is counted in the next block.
                cut = text.rfind(b"<")
                done, tail = (text[:cut], text[cut:]) if cut >= 0 else (text, b"")
                rows += len(_ROW.findall(done))
                for match in _DIMENSION.finditer(done):
                    columns = max(columns, _column_number(match.group(1)))
                for match in _CELL_REF.finditer(done):
                    columns = max(columns, _column_number(match.group(1)))
                if rows - 1 > limits.max_rows:
                    raise _too_many_rows(limits)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UserInputError(
            f"this .xlsx file is damaged ({type(exc).__name__})"
        ) from None
    return max(rows - 1, 0), columns


def shape_text(shape: UploadShape) -> str:
    """``"1,234 rows, 12 columns"``."""
    return f"{shape.rows:,} rows, {shape.columns:,} columns"


__all__ = [
    "UploadLimits",
    "UploadRefusedError",
    "UploadShape",
    "check_upload",
    "shape_text",
]
