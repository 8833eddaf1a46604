"""Reading source lists from CSV (any common encoding) and XLSX into rows of text.

Lists arrive from Excel on Windows (cp1252, UTF-16, UTF-8 with BOM), from
phones (UTF-8) and from Arabic and Urdu software (cp1256). The encoding is
decided before any row is read (:func:`detect_file_encoding`): byte-order
marks, then strict UTF-8 over the whole file, then Windows-1256 or -1252 by
how the non-ASCII bytes sit in words; a file that is neither clearly, or that
mixes encodings, is refused with the candidates named (``--encoding`` picks one).

Rows are *streamed* (:class:`StreamedTable`): a list of a million rows is read
again for each pass an import makes, never held in memory whole.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Protocol

from gawah.errors import UserInputError

Row = tuple[int, tuple[str, ...]]

#: Rows read ahead to find the header row and to sample each column's values.
SAMPLE_ROWS = 1000


class RowSource(Protocol):
    """A list as read: headers, the encoding used, and its rows on demand."""

    @property
    def headers(self) -> tuple[str, ...]: ...
    @property
    def encoding(self) -> str: ...
    @property
    def header_line(self) -> int: ...
    def iter_rows(self) -> Iterator[Row]: ...
    def head(self, n: int) -> Sequence[Row]: ...
    def sample(self) -> Sequence[Row]: ...


@dataclass(frozen=True)
class Table:
    """A list held in memory: headers, rows with their file line, the encoding."""

    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str
    header_line: int = 1

    def iter_rows(self) -> Iterator[Row]:
        """The rows, in file order."""
        return iter(self.rows)

    def head(self, n: int) -> Sequence[Row]:
        """The first ``n`` rows (header search)."""
        return self.rows[:n]

    def sample(self) -> Sequence[Row]:
        """Rows from the whole list, to judge what a column holds."""
        return _spread(self.iter_rows())


@dataclass(frozen=True)
class StreamedTable:
    """A list read from its file each time its rows are asked for.

    ``open_rows`` yields every non-blank row after the file's first row;
    ``skip`` rows of those are title lines above the real header.
    """

    headers: tuple[str, ...]
    encoding: str
    open_rows: Callable[[], Iterator[Row]] = field(repr=False)
    header_line: int = 1
    skip: int = 0

    def iter_rows(self) -> Iterator[Row]:
        """The rows below the header, in file order (the file is read again)."""
        return islice(self.open_rows(), self.skip, None)

    def head(self, n: int) -> Sequence[Row]:
        """The first ``n`` rows below the header (header search)."""
        return list(islice(self.iter_rows(), n))

    def sample(self) -> Sequence[Row]:
        """Rows from the whole list (one extra read of the file), to judge what a
        column holds: a list may start with a thousand placeholder ids."""
        return _spread(self.iter_rows())

    def below(self, index: int, headers: tuple[str, ...], line: int) -> StreamedTable:
        """The same file with the ``index``-th row (0-based) as its header."""
        return StreamedTable(headers, self.encoding, self.open_rows, line, index + 1)


def _spread(rows: Iterator[Row]) -> list[Row]:
    """Up to ``SAMPLE_ROWS`` rows drawn evenly from the whole list, in file order
    (reservoir sampling with a fixed seed: the same file, the same sample)."""
    rng = random.Random(0)
    kept: list[Row] = []
    for n, row in enumerate(rows):
        if n < SAMPLE_ROWS:
            kept.append(row)
        elif (k := rng.randrange(n + 1)) < SAMPLE_ROWS:
            kept[k] = row
    return sorted(kept)


# -- encodings ------------------------------------------------------------------

_CHUNK = 1 << 20
# Tokens of a line: runs of bytes that are not separators, digits or punctuation.
_TOKEN = re.compile(rb"[^\s,;\t\"'0-9.\-/()\[\]:|_]+")
_HIGH = re.compile(rb"[\x80-\xff]")
_ASCII_LETTER = re.compile(rb"[A-Za-z]")
# A letter of the Arabic block (U+0600-U+06FF) written in UTF-8: no Western
# cp1252 text has these byte pairs ("Ø§", "Ù„"), so such a line is Urdu or
# Arabic saved as UTF-8.
_ARABIC_UTF8 = re.compile(rb"[\xd8-\xdb][\x80-\xbf]")


class EncodingUnclearError(UserInputError):
    """The file's bytes fit more than one encoding, or none of those gawah reads."""


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@dataclass
class _Votes:
    """What the non-ASCII lines of a file say about its encoding (counts only)."""

    lines: int = 0  # lines with a byte >= 0x80
    utf8_lines: int = 0  # of those, lines that are valid UTF-8
    utf8_arabic: int = 0  # of those, lines holding Arabic-script letters as UTF-8
    arabic: int = 0  # words made only of bytes >= 0x80
    latin: int = 0  # ASCII words with bytes >= 0x80 inside
    decodes: dict[str, bool] = field(
        default_factory=lambda: {"cp1256": True, "cp1252": True}
    )


def _single_byte_votes(lines: Iterable[bytes]) -> _Votes:
    """Count, line by line (the file is never held whole), how the bytes sit.

    Hand-written because charset-normalizer guesses from a handful of bytes
    (a one-row list of Arabic names in cp1256 came out as cp1252 gibberish):
    Arabic and Urdu written in cp1256 are words made only of bytes >= 0x80,
    while Western text in cp1252 has accented letters inside ASCII words.
    """
    votes = _Votes()
    for raw in lines:
        if not _HIGH.search(raw):
            continue
        votes.lines += 1
        for name, ok in votes.decodes.items():
            if ok:
                try:
                    raw.decode(name)
                except UnicodeDecodeError:
                    votes.decodes[name] = False
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            votes.utf8_lines += 1
            votes.utf8_arabic += bool(_ARABIC_UTF8.search(raw))
            continue
        for token in _TOKEN.findall(raw):
            if not _HIGH.search(token):
                continue
            if _ASCII_LETTER.search(token):
                votes.latin += 1
            elif len(token) >= 2:
                votes.arabic += 1
    return votes


def detect_file_encoding(path: Path) -> str:
    """The text encoding of a CSV file (a Python codec name), or refuse.

    Raises:
        EncodingUnclearError: the bytes could be cp1256 or cp1252 (or mix UTF-8
            with another encoding); the message names the candidates.
    """
    with path.open("rb") as fh:
        head = fh.read(4000)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head and head.count(0) > len(head) // 4:
        even_nuls = head[0::2].count(0)
        return "utf-16-be" if even_nuls > len(head) // 4 else "utf-16-le"
    if _is_utf8(path):
        return "utf-8"
    with path.open("rb") as fh:
        votes = _single_byte_votes(fh)
    arabic, latin, utf8_lines = votes.arabic, votes.latin, votes.utf8_lines
    where = f"{path.name}: cannot tell the encoding"
    choose = "; choose one with --encoding"
    if utf8_lines >= 2 and utf8_lines * 10 >= votes.lines:
        raise EncodingUnclearError(
            f"{where}: {utf8_lines} line(s) are UTF-8 and {votes.lines - utf8_lines} "
            "are not (mixed encodings; save the list again as UTF-8)" + choose
        )
    candidates = [e for e, ok in votes.decodes.items() if ok]
    if votes.utf8_arabic and not arabic:
        # Read as cp1252, that line's Urdu would become "Ø¹Ù„ÛŒ", unnoticed.
        raise EncodingUnclearError(
            f"{where}: {votes.utf8_arabic} line(s) hold Urdu or Arabic in UTF-8 "
            f"and {votes.lines - utf8_lines} are not UTF-8 (mixed encodings; save "
            "the list again as UTF-8)" + choose
        )
    if arabic and not latin and "cp1256" in candidates:
        return "cp1256"
    if latin and not arabic and "cp1252" in candidates:
        return "cp1252"
    if arabic + latin and "cp1256" in candidates and arabic >= 9 * latin:
        return "cp1256"
    if arabic + latin and "cp1252" in candidates and latin >= 9 * arabic:
        return "cp1252"
    named = " or ".join(
        {"cp1256": "cp1256 (Arabic/Urdu)", "cp1252": "cp1252 (Western)"}[e]
        for e in candidates
    )
    raise EncodingUnclearError(
        f"{where}: not UTF-8; it could be {named or 'none of UTF-8, cp1256, cp1252'}"
        + choose
    )


def _checked_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UserInputError(
            f"unknown encoding {name!r} (e.g. utf-8, cp1256, cp1252)"
        ) from None


# -- CSV ------------------------------------------------------------------------


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _first_line(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as fh:
        return fh.readline().removeprefix("\ufeff")


class _Lines:
    """The file's lines, noting when they run out.

    Python's csv reader, when the file ends inside a quoted cell, returns that
    cell holding everything after its opening quote: a list with one stray
    quote would lose every row below it into one cell, silently. A complete
    record is returned before the reader asks for another line, so a record
    returned after the lines ran out is exactly one left open at the end.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            return next(self._lines)
        except StopIteration:
            self.ended = True
            raise


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    """Every non-blank row after the first, with its file line."""
    with path.open(encoding=encoding, newline="") as fh:
        lines = _Lines(_without_bom(fh))
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            next(reader, None)
            line = reader.line_num + 1
            for record in reader:
                if lines.ended:
                    raise UserInputError(
                        f"{path.name}: line {line}: a quoted cell opened on this line "
                        "is never closed, so the rest of the file would be read as "
                        'one cell; add the missing quote (") or remove the stray one'
                    )
                if any(cell.strip() for cell in record):
                    yield line, tuple(record)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise UserInputError(
                f"{path.name}: line {reader.line_num}: {exc}"
            ) from None
        except UnicodeDecodeError as exc:
            raise UserInputError(
                f"{path.name}: near line {reader.line_num + 1}: cannot decode as "
                f"{encoding}: {exc.reason} (choose another with --encoding)"
            ) from None


def _without_bom(fh: IO[str]) -> Iterator[str]:
    first = True
    for text in fh:
        if first:
            text, first = text.removeprefix("\ufeff"), False
        yield text


def open_csv(path: Path, encoding: str | None = None) -> StreamedTable:
    """A CSV file, streamed: encoding (detected unless given) and delimiter found."""
    chosen = _checked_encoding(encoding) if encoding else detect_file_encoding(path)
    try:
        first = _first_line(path, chosen)
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"{path.name}: cannot decode as {chosen}: {exc.reason}"
        ) from None
    delimiter = _delimiter(first.split("\n", 1)[0])
    header = next(csv.reader(io.StringIO(first, newline=""), delimiter=delimiter), None)
    if header is None:
        raise UserInputError(f"{path.name}: the file is empty")
    return StreamedTable(
        tuple(h.strip() for h in header),
        chosen,
        lambda: _csv_rows(path, chosen, delimiter),
    )


def read_csv(path: Path, encoding: str | None = None) -> Table:
    """Read a whole CSV file into memory (small files, tests)."""
    table = open_csv(path, encoding)
    return Table(table.headers, tuple(table.iter_rows()), table.encoding)


# -- XLSX -----------------------------------------------------------------------


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


def _xlsx_sheet_rows(path: Path, sheet_name: str | None) -> Iterator[tuple[str, ...]]:
    """Every row of one sheet as text (the first row included)."""
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
        for values in sheet.iter_rows(values_only=True):
            yield tuple(_cell_text(v) for v in values)
    finally:
        book.close()


def _xlsx_rows(path: Path, sheet_name: str | None) -> Iterator[Row]:
    rows = _xlsx_sheet_rows(path, sheet_name)
    next(rows, None)
    for number, cells in enumerate(rows, start=2):
        if any(c.strip() for c in cells):
            yield number, cells


def _other_sheets(path: Path) -> list[str]:
    """The names of a workbook's sheets after the first."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # read once already; a second failure names no sheet
        return []
    try:
        return list(book.sheetnames[1:])
    finally:
        book.close()


def _holds_rows(rows: Iterator[tuple[str, ...]]) -> bool:
    """Whether a sheet has a non-blank row below its first (it stops at one)."""
    next(rows, None)
    return any(any(c.strip() for c in cells) for cells in rows)


def open_xlsx(path: Path, sheet_name: str | None = None) -> StreamedTable:
    """One sheet (default: the first) of an XLSX workbook, streamed; dates as ISO text.

    A first sheet with no rows below its first, in a workbook with other
    sheets, is refused naming them (a cover or notes sheet: the import read
    "0 rows" and said nothing of the list on the next sheet).
    """
    if sheet_name is None and not _holds_rows(_xlsx_sheet_rows(path, None)):
        others = _other_sheets(path)
        if others:
            raise UserInputError(
                f"{path.name}: the first sheet holds no rows of a list; the "
                f"workbook's other sheets: {', '.join(others)} (choose one with "
                "--sheet NAME)"
            )
    header = next(_xlsx_sheet_rows(path, sheet_name), None)
    if header is None:
        which = f"sheet {sheet_name!r}" if sheet_name else "the first sheet"
        raise UserInputError(f"{path.name}: {which} is empty")
    headers = tuple(h.strip() for h in header)
    while headers and not headers[-1]:
        headers = headers[:-1]
    return StreamedTable(headers, "xlsx", lambda: _xlsx_rows(path, sheet_name))


def read_xlsx(path: Path, sheet_name: str | None = None) -> Table:
    """Read one sheet of an XLSX workbook into memory (small files, tests)."""
    table = open_xlsx(path, sheet_name)
    return Table(table.headers, tuple(table.iter_rows()), table.encoding)


def open_table(
    path: Path, sheet: str | None = None, encoding: str | None = None
) -> StreamedTable:
    """A CSV or XLSX source list, streamed (``sheet`` picks an XLSX sheet by name)."""
    if not path.is_file():
        raise UserInputError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        if encoding is not None:
            raise UserInputError(f"{path.name}: --encoding applies to CSV files only")
        return open_xlsx(path, sheet)
    if sheet is not None:
        raise UserInputError(f"{path.name}: --sheet applies to XLSX workbooks only")
    return open_csv(path, encoding)


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX source list into memory (small files, tests)."""
    table = open_table(path, sheet)
    return Table(table.headers, tuple(table.iter_rows()), table.encoding)
