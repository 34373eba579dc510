"""Generated SVG posters for movies without a TMDb image (or when no API key is set).

The poster shows the title (wrapped, CJK-aware), the year and the primary genre on a
background whose colour is derived from that genre. All text is XML-escaped and stripped of
characters XML 1.0 forbids, so any title yields a well-formed document with no markup of
its own.
"""

from __future__ import annotations

import colorsys
import re
import unicodedata
import zlib
from xml.sax.saxutils import escape

WIDTH = 342
HEIGHT = 513

#: Hue (degrees) per MovieLens genre; unknown genres get a hue derived from their name.
GENRE_HUES: dict[str, int] = {
    "Action": 8,
    "Adventure": 28,
    "Animation": 48,
    "Children": 90,
    "Comedy": 55,
    "Crime": 350,
    "Documentary": 190,
    "Drama": 220,
    "Fantasy": 280,
    "Film-Noir": 240,
    "Horror": 0,
    "IMAX": 200,
    "Musical": 320,
    "Mystery": 260,
    "Romance": 335,
    "Sci-Fi": 175,
    "Thriller": 15,
    "War": 100,
    "Western": 35,
}

# Everything outside XML 1.0's Char production (C0 controls except tab/LF/CR, surrogates,
# U+FFFE/U+FFFF) makes a document ill-formed, escaped or not.
_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def genre_colour(genre: str | None) -> tuple[str, str]:
    """Background colours (top, bottom) as ``#rrggbb`` for a genre; grey when ``None``."""
    if not genre:
        return "#5b6470", "#2b2f36"
    hue = GENRE_HUES.get(genre)
    if hue is None:
        hue = zlib.crc32(genre.encode("utf-8")) % 360
    return _hls(hue, 0.42, 0.55), _hls(hue, 0.16, 0.45)


def _hls(hue: int, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def clean_text(text: str) -> str:
    """``text`` without characters XML 1.0 cannot contain, whitespace collapsed."""
    return " ".join(_INVALID_XML.sub("", text).split())


def _width(text: str) -> int:
    """Display width in half-em units: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_title(title: str, *, line_width: int, max_lines: int) -> list[str]:
    """Break ``title`` into at most ``max_lines`` lines of at most ``line_width`` units.

    Words are kept whole where they fit; longer words (and CJK runs without spaces) are cut
    by width. When the title does not fit, the last line ends with ``…``.

    Returns
    -------
    list of str
        At least one line (``[""]`` for an empty title).
    """
    if line_width < 2 or max_lines < 1:
        raise ValueError("line_width must be >= 2 and max_lines >= 1")
    pieces: list[str] = []
    for word in title.split():
        while _width(word) > line_width:
            cut = 0
            while _width(word[: cut + 1]) <= line_width:
                cut += 1
            pieces.append(word[:cut])
            word = word[cut:]
        pieces.append(word)
    lines: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}" if current else piece
        if _width(candidate) <= line_width:
            current = candidate
        else:
            lines.append(current)
            current = piece
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and _width(last + "…") > line_width:
            last = last[:-1]
        kept[-1] = last.rstrip() + "…"
        return kept
    return lines


def placeholder_svg(
    *, title: str, year: int | None, genre: str | None, genre_label: str | None = None
) -> str:
    """The SVG document (``WIDTH`` x ``HEIGHT`` px, 2:3) for one movie.

    Parameters
    ----------
    title : str
        Display title; any characters (escaped here).
    year : int or None
        Release year, omitted when ``None``.
    genre : str or None
        Primary genre (its MovieLens name): picks the colour and is printed at the bottom.
    genre_label : str or None
        The genre as printed, in the visitor's language; ``genre`` itself when ``None``.

    Returns
    -------
    str
        A standalone, well-formed SVG 1.1 document.
    """
    title = clean_text(title) or "Untitled"
    genre_key = clean_text(genre) if genre else ""
    top, bottom = genre_colour(genre_key or None)
    genre_text = clean_text(genre_label) if genre_label and genre_key else genre_key
    # Shorter titles get larger type; chars-per-line follow from ~0.55 em per Latin glyph.
    size, line_width, max_lines = 32, 17, 4
    if len(wrap_title(title, line_width=line_width, max_lines=99)) > 4:
        size, line_width, max_lines = 24, 23, 6
    lines = wrap_title(title, line_width=line_width, max_lines=max_lines)
    line_height = round(size * 1.2)
    first_y = round(HEIGHT * 0.42 - (len(lines) - 1) * line_height / 2)

    def attr(value: str) -> str:
        return escape(value, {'"': "&quot;"})

    tspans = "".join(
        f'<tspan x="{WIDTH // 2}" y="{first_y + i * line_height}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    year_y = first_y + len(lines) * line_height + 14
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{attr(_label(title, year))}">',
        f"<title>{escape(_label(title, year))}</title>",
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient></defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#bg)"/>',
        f'<rect x="12" y="12" width="{WIDTH - 24}" height="{HEIGHT - 24}" rx="6" fill="none" '
        'stroke="#ffffff" stroke-opacity="0.35" stroke-width="2"/>',
        '<g fill="#ffffff" font-family="system-ui, -apple-system, \'Segoe UI\', '
        '\'Noto Sans KR\', sans-serif" text-anchor="middle">',
        f'<text class="title" font-size="{size}" font-weight="700">{tspans}</text>',
    ]
    if year is not None:
        parts.append(
            f'<text class="year" x="{WIDTH // 2}" y="{year_y}" font-size="22" '
            f'fill-opacity="0.85">{int(year)}</text>'
        )
    if genre_text:
        parts.append(
            f'<text class="genre" x="{WIDTH // 2}" y="{HEIGHT - 36}" font-size="16" '
            f'letter-spacing="2" fill-opacity="0.75">{escape(genre_text.upper())}</text>'
        )
    parts.append("</g></svg>")
    return "\n".join(parts)


def _label(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year is not None else title
