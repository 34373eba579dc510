"""Row iteration over text CSV files (titles, tags, links) with file:line errors.

:mod:`csv` runs in strict mode so that bad quoting (a quote inside an unquoted field, an
unterminated quoted field) is an error rather than silently merged text. Line numbers are
physical lines of the file: a quoted field spanning lines reports the line where its row ends.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from moviematch.datasets.errors import DatasetError, MalformedRowError


def iter_csv_rows(
    path: Path,
    header: Sequence[str] | None,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    fields: int | None = None,
    quoting: bool = True,
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` for every data row of a delimited text file.

    Parameters
    ----------
    path : Path
        The file. LF and CRLF endings are both accepted; a UTF-8 byte-order mark is ignored.
    header : sequence of str or None
        Column names line 1 must hold exactly, or None for a header-less file.
    delimiter, encoding : str
        Passed to :mod:`csv` and :func:`open`.
    fields : int, optional
        Fields per row; defaults to ``len(header)``; no check when both are None.
    quoting : bool
        False for formats without quoting (ML-100K), where ``"`` is an ordinary character.

    Raises
    ------
    DatasetError
        The file is missing or unreadable.
    MalformedRowError
        Wrong header, a row with another field count, bad quoting, or undecodable bytes.
    """
    expected = fields if fields is not None else (len(header) if header is not None else None)
    try:
        handle = path.open(newline="", encoding=encoding)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        reader = csv.reader(
            handle,
            delimiter=delimiter,
            strict=True,
            quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
        )
        line = 0
        try:
            if header is not None:
                first = next(reader, None)
                line = reader.line_num
                if first and first[0].startswith("\ufeff"):
                    first[0] = first[0][1:]
                if first != list(header):
                    raise MalformedRowError(
                        path, 1, f"expected header {delimiter.join(header)!r}, got {first}"
                    )
            for row in reader:
                line = reader.line_num
                if expected is not None and len(row) != expected:
                    raise MalformedRowError(
                        path, line, f"expected {expected} fields, got {len(row)}"
                    )
                yield line, row
        except csv.Error as exc:
            raise MalformedRowError(path, reader.line_num or 1, f"bad CSV quoting: {exc}") from None
        except UnicodeDecodeError as exc:
            # Text is decoded a block ahead of the rows: find the line of the bad byte itself.
            bad_line, byte = _first_undecodable(path, encoding)
            raise MalformedRowError(
                path, bad_line or line + 1, f"not valid {encoding} text: {exc.reason} ({byte})"
            ) from None


def _first_undecodable(path: Path, encoding: str) -> tuple[int | None, str]:
    """Line number (1-based) and description of the first byte ``encoding`` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    offset = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                # The decoder may hold back the end of the previous block; count from there.
                start = max(exc.start - len(exc.object) + len(block), 0)
                newlines += block.count(b"\n", 0, start)
                bad = block[start : start + 1]
                return newlines + 1, f"byte 0x{bad.hex()} at offset {offset + start}"
            newlines += block.count(b"\n")
            offset += len(block)
    return None, "at the end of the file"


def parse_int(path: Path, line: int, text: str, name: str, *, minimum: int | None = None) -> int:
    """Parse one integer field, or raise :class:`MalformedRowError` naming the column."""
    if text.isdigit() and text.isascii():  # the common case, without the checks below
        value = int(text)
        if minimum is not None and value < minimum:
            raise MalformedRowError(path, line, f"{name} {value} is below {minimum}")
        return value
    stripped = text.strip()
    if not stripped.lstrip("-").isdigit() or not stripped.isascii():
        raise MalformedRowError(path, line, f"{name} {text!r} is not an integer")
    value = int(stripped)
    if minimum is not None and value < minimum:
        raise MalformedRowError(path, line, f"{name} {value} is below {minimum}")
    return value
