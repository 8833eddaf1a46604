"""Reading source lists from CSV (any common encoding) and XLSX into rows of text.

Lists arrive from Excel on Windows (cp1252, UTF-16, UTF-8 with BOM), from
phones (UTF-8) and from Urdu software (cp1256). We sniff byte-order marks
first, then try strict UTF-8, then ask charset-normalizer; whatever we pick
is reported back so the user can see it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from gawah.errors import UserInputError

# Western single-byte guesses that we read as Windows-1252 (Excel's default);
# Arabic-script (cp1256, iso8859_6) and other scripts keep charset-normalizer's guess.
_LATIN_GUESSES = frozenset(
    {
        "ascii", "cp1250", "cp1252", "cp1254", "cp1257", "cp437", "cp850", "cp858",
        "latin_1", "iso8859_1", "iso8859_2", "iso8859_9", "iso8859_15", "mac_roman",
        "mac_latin2", "mac_iceland", "mac_turkish",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Table:
    """A list as read: headers, rows with their file line, and the encoding used."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    encoding: str
    header_line: int = 1


def detect_encoding(data: bytes) -> str:
    """Return the text encoding of ``data`` (a Python codec name)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4000]
    if sample and sample.count(0) > len(sample) // 4:
        even_nuls = sample[0::2].count(0)
        return "utf-16-be" if even_nuls > len(sample) // 4 else "utf-16-le"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding.replace("-", "_").lower() in _LATIN_GUESSES:
        return "cp1252"
    return str(best.encoding)


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(path: Path) -> Table:
    """Read a CSV file, detecting encoding and delimiter; blank rows are skipped."""
    data = path.read_bytes()
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"{path.name}: cannot decode as {encoding}: {exc.reason}"
        ) from None
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader, None)
        if header is None:
            raise UserInputError(f"{path.name}: the file is empty")
        rows: list[tuple[int, tuple[str, ...]]] = []
        line = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((line, tuple(record)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UserInputError(f"{path.name}: line {reader.line_num}: {exc}") from None
    return Table(tuple(h.strip() for h in header), tuple(rows), encoding)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, sheet_name: str | None = None) -> Table:
    """Read one sheet (default: the first) of an XLSX workbook; dates become ISO text."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise UserInputError(
            f"{path.name}: not a readable XLSX workbook ({exc})"
        ) from None
    try:
        if sheet_name is None:
            sheet = book.worksheets[0]
        elif sheet_name in book.sheetnames:
            sheet = book[sheet_name]
        else:
            names = ", ".join(book.sheetnames)
            raise UserInputError(
                f"{path.name}: no sheet {sheet_name!r} (sheets: {names})"
            )
        it = sheet.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise UserInputError(f"{path.name}: the first sheet is empty")
        rows: list[tuple[int, tuple[str, ...]]] = []
        for number, values in enumerate(it, start=2):
            cells = tuple(_cell_text(v) for v in values)
            if any(c.strip() for c in cells):
                rows.append((number, cells))
    finally:
        book.close()
    headers = tuple(_cell_text(h).strip() for h in header)
    while headers and not headers[-1]:
        headers = headers[:-1]
    return Table(headers, tuple(rows), "xlsx")


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX source list (``sheet`` picks an XLSX sheet by name)."""
    if not path.is_file():
        raise UserInputError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if sheet is not None:
        raise UserInputError(f"{path.name}: --sheet applies to XLSX workbooks only")
    return read_csv(path)
