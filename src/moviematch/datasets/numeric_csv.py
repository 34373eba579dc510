"""Fast streaming reader for delimited files whose fields are all numbers.

MovieLens ``ratings.csv`` (25M rows in ML-25M) and ``genome-scores.csv`` (15M rows) are plain
numeric tables: no quoting, one record per line. Going through :mod:`csv` and ``int()`` costs
about a microsecond per field; instead the file is read in large byte blocks and a numba kernel
parses the bytes straight into preallocated int64/float64 arrays, stopping at the first bad row
so the caller can name its line. :func:`parse_reference` is the plain-Python definition of the
same grammar; the tests check that both agree.

Grammar of one line: ``field (delim field)* [\\r] \\n``; the last line may lack its newline.
An integer field is ``[-]digits``; a decimal field is ``[-]digits[.digits][(e|E)[+-]digits]``
(at least one digit before or after the point). Anything else, including quotes, spaces and
empty fields, is an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moviematch.datasets.errors import DatasetError, MalformedRowError

#: Bytes read per block. Large enough that the per-block overhead is negligible, small enough
#: that the raw text of a 25M-row file is never held in memory at once.
BLOCK_BYTES = 16 << 20
#: Longest line accepted; guards memory against a file without newlines.
MAX_LINE_BYTES = 1 << 20

# Error codes returned by the kernel (0 = success).
_OK, _TOO_FEW, _TOO_MANY, _BAD_NUMBER, _BAD_LINE_END, _OVERFLOW = 0, 1, 2, 3, 4, 5
_INT64_MAX = 9_223_372_036_854_775_807
_REASONS = {
    _TOO_FEW: "too few fields",
    _TOO_MANY: "too many fields",
    _BAD_NUMBER: "field is not a number",
    _BAD_LINE_END: "stray carriage return",
    _OVERFLOW: "integer does not fit in 64 bits",
}


@dataclass(frozen=True)
class NumericTable:
    """One parsed block of rows.

    Attributes
    ----------
    ints : int64 array of shape (k, n)
        Integer columns (column-major, so ``ints[j]`` is contiguous); rows of columns
        declared as decimal are left uninitialised.
    floats : float64 array of shape (k, n)
        Decimal columns; rows of integer columns are left uninitialised.
    first_line : int
        1-based line number in the file of row 0 (so row i is on line ``first_line + i``).
    """

    ints: npt.NDArray[np.int64]
    floats: npt.NDArray[np.float64]
    first_line: int

    def __len__(self) -> int:
        return self.ints.shape[1]


def iter_numeric_table(
    path: Path,
    *,
    header: Sequence[str] | None,
    is_float: Sequence[bool],
    delimiter: str = ",",
    chunk_rows: int = 1_000_000,
) -> Iterator[NumericTable]:
    """Yield the rows of a numeric table in chunks of at most `chunk_rows` rows.

    Parameters
    ----------
    path : Path
        The file (plain text; UTF-8 or ASCII, LF or CRLF line endings).
    header : sequence of str or None
        Expected column names of line 1, or None when the file has no header.
    is_float : sequence of bool
        Per column: True to parse a decimal (float64), False for an integer (int64).
    delimiter : str
        One ASCII character.
    chunk_rows : int
        Maximum rows per yielded :class:`NumericTable`; only the last chunk is shorter.

    Raises
    ------
    DatasetError
        The file cannot be opened.
    MalformedRowError
        Wrong header, or the first row with a wrong field count or a non-numeric field.
    """
    # numba loads on first use (~60 MB resident): importing the readers stays light.
    from moviematch.datasets.numeric_csv_kernel import parse_block

    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    kinds = np.array([bool(k) for k in is_float], dtype=np.bool_)
    ncols = len(kinds)
    delim = ord(delimiter)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        next_line = 1
        if header is not None:
            raw = handle.readline(MAX_LINE_BYTES)
            _check_line_ends(path, raw)
            first = raw.decode("utf-8", errors="replace").rstrip("\r\n").removeprefix("\ufeff")
            if first.split(delimiter) != list(header):
                expected = delimiter.join(header)
                raise MalformedRowError(
                    path, 1, f"expected header {expected!r}, got {_shown(first)}"
                )
            next_line = 2
        pending = b""
        eof = False
        ints = np.empty((ncols, chunk_rows), dtype=np.int64)
        floats = np.empty((ncols, chunk_rows), dtype=np.float64)
        filled = 0
        chunk_first_line = next_line
        while True:
            if not eof:
                block = handle.read(BLOCK_BYTES)
                if block:
                    pending = pending + block if pending else block
                else:
                    eof = True
                    if pending and not pending.endswith(b"\n"):
                        pending += b"\n"
            if not pending and eof:
                break
            buf = np.frombuffer(pending, dtype=np.uint8)
            consumed_total = 0
            while True:
                rows, used, code, col = parse_block(
                    buf[consumed_total:],
                    len(pending) - consumed_total,
                    kinds,
                    delim,
                    ints,
                    floats,
                    filled,
                    chunk_rows - filled,
                )
                if code != _OK:
                    line = next_line + rows
                    raise MalformedRowError(
                        path, line, f"{_REASONS[code]} (column {col + 1}, expected {ncols} fields)"
                    )
                filled += rows
                next_line += rows
                consumed_total += used
                if filled == chunk_rows:
                    yield NumericTable(ints, floats, chunk_first_line)
                    ints = np.empty((ncols, chunk_rows), dtype=np.int64)
                    floats = np.empty((ncols, chunk_rows), dtype=np.float64)
                    filled = 0
                    chunk_first_line = next_line
                    continue
                break
            pending = pending[consumed_total:]
            if len(pending) > MAX_LINE_BYTES:
                _check_line_ends(path, pending)
                # No newline for a megabyte: not a line-oriented text file.
                raise MalformedRowError(
                    path, next_line, f"line longer than {MAX_LINE_BYTES} bytes (binary file?)"
                )
            if eof and pending:
                # Only possible if a line did not end in \n, which EOF handling prevents.
                raise MalformedRowError(path, next_line, "incomplete last line")
            if eof:
                break
        if filled:
            yield NumericTable(ints[:, :filled], floats[:, :filled], chunk_first_line)


def _shown(text: str, limit: int = 120) -> str:
    """``text`` for an error message: quoted, and cut short when long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f" … ({len(text)} chars)"


def _check_line_ends(path: Path, data: bytes) -> None:
    """Refuse text whose lines end in a bare carriage return (classic Mac files)."""
    if b"\n" not in data[:MAX_LINE_BYTES] and b"\r" in data[:MAX_LINE_BYTES]:
        raise MalformedRowError(
            path,
            1,
            "lines end in a carriage return only (old Mac format): convert the file to LF or "
            "CRLF line endings",
        )


def parse_reference(text: str, is_float: Sequence[bool], delimiter: str = ",") -> list[list[float]]:
    """Parse header-less numeric text line by line in plain Python (the reference grammar).

    Returns one list of numbers per line. Raises ``ValueError("line N: reason")`` on the first
    bad line. Used by the tests to cross-check :func:`iter_numeric_table`.
    """
    rows: list[list[float]] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        fields = line.split(delimiter)
        if len(fields) != len(is_float):
            raise ValueError(f"line {number}: expected {len(is_float)} fields, got {len(fields)}")
        row: list[float] = []
        for field, decimal in zip(fields, is_float, strict=True):
            body = field.removeprefix("-")
            ok = body != "" and all(c in "0123456789.eE+-" for c in body)
            if not decimal:
                ok = ok and body.isdigit()
            if not ok or body[0] not in "0123456789.":
                raise ValueError(f"line {number}: not a number: {field!r}")
            try:
                row.append(float(field) if decimal else int(field))
            except ValueError:
                raise ValueError(f"line {number}: not a number: {field!r}") from None
        rows.append(row)
    return rows
