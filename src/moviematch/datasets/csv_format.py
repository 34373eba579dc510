"""CSV rows built with NumPy: millions of lines of numbers without a Python loop per row.

A row is a list of fields, each a byte matrix (one row per CSV line, left or right padded)
with a mask of the bytes that belong to it; ``rows`` lays the fields side by side with the
separators and keeps the masked bytes. ``int_field`` prints non-negative integers in
decimal like ``str``; ``table_field`` prints one of a few texts chosen per row (star
values, float reprs, quoted tags), each formatted once in Python.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Field = tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]


def int_field(values: npt.ArrayLike) -> Field:
    """Non-negative integers as decimal digits, as ``str(int(v))`` prints them."""
    v = np.asarray(values, dtype=np.int64)
    if v.size and int(v.min()) < 0:
        raise ValueError("int_field prints non-negative integers only")
    width = len(str(int(v.max()))) if v.size else 1
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (v[:, None] // powers[None, :] % 10 + ord("0")).astype(np.uint8)
    # A digit is printed from the first non-zero one on; the last digit always is (0 is "0").
    keep = v[:, None] >= powers[None, :]
    keep[:, -1] = True
    return digits, keep


def table_field(codes: npt.ArrayLike, texts: list[bytes]) -> Field:
    """``texts[code]`` for each row's code."""
    width = max((len(t) for t in texts), default=0) or 1
    table = np.zeros((len(texts), width), dtype=np.uint8)
    lengths = np.zeros(len(texts), dtype=np.int64)
    for k, text in enumerate(texts):
        table[k, : len(text)] = np.frombuffer(text, dtype=np.uint8)
        lengths[k] = len(text)
    c = np.asarray(codes, dtype=np.int64)
    return table[c], np.arange(width)[None, :] < lengths[c][:, None]


def rows(fields: list[Field], separator: bytes = b",", end: bytes = b"\n") -> bytes:
    """The lines ``field0,field1,...\\n``, one per row of the fields."""
    n = len(fields[0][0])
    parts: list[npt.NDArray[np.uint8]] = []
    masks: list[npt.NDArray[np.bool_]] = []
    for k, (data, keep) in enumerate(fields):
        if len(data) != n:
            raise ValueError("rows: the fields have different numbers of rows")
        glue = end if k == len(fields) - 1 else separator
        parts += [data, np.broadcast_to(np.frombuffer(glue, dtype=np.uint8), (n, len(glue)))]
        masks += [keep, np.ones((n, len(glue)), dtype=np.bool_)]
    return np.hstack(parts)[np.hstack(masks)].tobytes()
