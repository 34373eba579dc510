"""The numba kernel of ``numeric_csv``: parse one byte block into number arrays.

Kept apart so that importing the readers (the web layer does, through the catalogue's
training inputs) does not load numba; it is imported when a file is actually parsed.
"""

from __future__ import annotations

import numba

from moviematch.datasets.numeric_csv import (
    _BAD_LINE_END,
    _BAD_NUMBER,
    _INT64_MAX,
    _OK,
    _OVERFLOW,
    _TOO_FEW,
    _TOO_MANY,
)


@numba.njit(cache=True, nogil=True)
def parse_block(buf, n_bytes, is_float, delim, ints, floats, row0, max_rows):  # pragma: no cover
    # Returns (rows parsed, bytes consumed, error code, column of the error).
    # Only complete lines (ending in \n) are consumed; the caller appends \n at EOF.
    ncols = is_float.shape[0]
    pos = 0
    row = 0
    while row < max_rows and pos < n_bytes:
        # Find whether a complete line is available; if not, stop and ask for more bytes.
        end = pos
        while end < n_bytes and buf[end] != 10:
            end += 1
        if end >= n_bytes:
            break
        line_end = end
        if line_end > pos and buf[line_end - 1] == 13:
            line_end -= 1
        col = 0
        i = pos
        while True:
            if col >= ncols:
                return row, pos, _TOO_MANY, col
            neg = False
            if i < line_end and buf[i] == 45:  # '-'
                neg = True
                i += 1
            mant = 0
            ndig = 0
            exp10 = 0
            overflow = False
            while i < line_end and 48 <= buf[i] <= 57:
                digit = buf[i] - 48
                if mant <= (_INT64_MAX - digit) // 10:
                    mant = mant * 10 + digit
                else:
                    # Integers overflow; decimals keep their 19 leading digits and scale.
                    exp10 += 1
                    overflow = True
                ndig += 1
                i += 1
            if is_float[col]:
                if i < line_end and buf[i] == 46:  # '.'
                    i += 1
                    while i < line_end and 48 <= buf[i] <= 57:
                        digit = buf[i] - 48
                        if mant <= (_INT64_MAX - digit) // 10:
                            mant = mant * 10 + digit
                            exp10 -= 1
                        ndig += 1
                        i += 1
                if ndig == 0:
                    return row, pos, _BAD_NUMBER, col
                if i < line_end and (buf[i] == 101 or buf[i] == 69):  # 'e' / 'E'
                    i += 1
                    eneg = False
                    if i < line_end and (buf[i] == 43 or buf[i] == 45):
                        eneg = buf[i] == 45
                        i += 1
                    e = 0
                    edig = 0
                    while i < line_end and 48 <= buf[i] <= 57:
                        if e < 10_000:
                            e = e * 10 + (buf[i] - 48)
                        edig += 1
                        i += 1
                    if edig == 0:
                        return row, pos, _BAD_NUMBER, col
                    exp10 += -e if eneg else e
                value = float(mant)
                if exp10 < 0:
                    value = value / 10.0 ** (-exp10)
                elif exp10 > 0:
                    value = value * 10.0**exp10
                floats[col, row0 + row] = -value if neg else value
            else:
                if ndig == 0:
                    return row, pos, _BAD_NUMBER, col
                if overflow:
                    return row, pos, _OVERFLOW, col
                ints[col, row0 + row] = -mant if neg else mant
            # After a field: a delimiter, the end of the line, or garbage.
            if i == line_end:
                if col != ncols - 1:
                    return row, pos, _TOO_FEW, col
                break
            if buf[i] == delim:
                col += 1
                i += 1
                continue
            if buf[i] == 13:
                return row, pos, _BAD_LINE_END, col
            return row, pos, _BAD_NUMBER, col
        pos = end + 1
        row += 1
    return row, pos, _OK, 0
