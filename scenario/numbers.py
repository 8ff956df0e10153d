"""Numbers as people type them, and as the app writes them.

``parse_number`` reads what a person typed exactly as meant, or refuses it with the reason;
``format_number`` is the one way the app writes a number.

One reader for every typed number in the app (the custom x and ∂L/∂y grids, the quiz's
answers). Accepted: a decimal with a dot (``1.5``, ``-0.25``, ``.5``, ``2.``), an exponent
(``1e-3``), a leading ``+``, spaces around it, the Unicode minus sign (``−2``), full-width
digits (``１.５``), a fraction of two such numbers (``1/9``, ``-3/4``, also with the fraction
slash ``1⁄9``), and a vulgar-fraction character, alone or after a whole number (``¼``, ``⅓``,
``-1½``). Refused, with a
message that says why: an empty cell, a decimal comma (``1,5``: is it 1.5 or 15?), any other
text (``2+2``, ``nan``), a fraction over zero, and a number larger than 10^100 in size (the
pooling's sums and the square loss would overflow). Text is parsed, never evaluated.
"""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

__all__ = ["MAX_MAGNITUDE", "NumberError", "equals_text", "exact_text", "format_number", "normalized", "parse_number"]

MAX_MAGNITUDE = 1e100
DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
NONZERO_DIGIT = re.compile(r"[1-9]")
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-"})  # − – ﹣ (NFKC maps －)
SLASHES = str.maketrans({"\u2044": "/", "\u2215": "/"})  # the fraction slash ⁄ and the division slash ∕
# ¼ ½ ¾ and ⅐ to ⅞: kept whole by ``normalized`` (NFKC would write 1½ as "11⁄2", eleven halves).
VULGAR_FRACTIONS = "\u00bc\u00bd\u00be" + "".join(map(chr, range(0x2150, 0x215F)))
MIXED = re.compile(rf"([+-]?)(\d*)\s*([{VULGAR_FRACTIONS}])")


class NumberError(ValueError):
    """A typed text that is not a usable number; ``key`` names the reason (``number_<key>``
    in the catalogue's ``error.input`` table), ``typed`` is what was typed."""

    def __init__(self, key: str, typed: str) -> None:
        self.key = key
        self.typed = typed
        super().__init__(f"{typed!r}: {key}")


def parse_number(typed: object) -> float:
    """The number a person meant by ``typed``, exactly; raises NumberError otherwise.

    >>> parse_number(" +1.5 "), parse_number("−2"), parse_number("1/9"), parse_number("１e-3")
    (1.5, -2.0, 0.1111111111111111, 0.001)
    >>> parse_number("¼"), parse_number("1⁄4"), parse_number("-1½"), parse_number("⅓") == 1 / 3
    (0.25, 0.25, -1.5, True)
    >>> parse_number("1,5")
    Traceback (most recent call last):
    ...
    scenario.numbers.NumberError: '1,5': comma
    >>> parse_number("1e-400")
    Traceback (most recent call last):
    ...
    scenario.numbers.NumberError: '1e-400': small
    """
    text = normalized(typed)
    if not text:
        raise NumberError("empty", "")
    if "," in text:
        raise NumberError("comma", text)
    if any(character in VULGAR_FRACTIONS for character in text):
        return _mixed_number(text)
    numerator, slash, denominator = text.partition("/")
    parts = [numerator.strip(), denominator.strip()] if slash else [numerator]
    if not all(DECIMAL.fullmatch(part) for part in parts):
        raise NumberError("text", text)
    value = float(parts[0])
    if slash:
        if float(parts[1]) == 0:
            raise NumberError("zero", text)
        value /= float(parts[1])
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise NumberError("large", text)
    if value == 0 and NONZERO_DIGIT.search(parts[0].partition("e")[0].partition("E")[0]):
        raise NumberError("small", text)  # 1e-400 is not 0, but a float cannot hold it
    return value


def _mixed_number(text: str) -> float:
    """A vulgar-fraction character, alone or after a whole number: ``¾``, ``-1½``."""
    match = MIXED.fullmatch(text)
    if match is None:
        raise NumberError("text", text)
    sign, whole, character = match.groups()
    numerator, denominator = unicodedata.normalize("NFKC", character).split("\u2044")
    value = float(int(whole or 0) + Fraction(int(numerator), int(denominator)))  # rounded once
    return -value if sign == "-" else value


def normalized(typed: object) -> str:
    """The text the reader reads: full-width forms, minus signs and fraction slashes made
    plain, outer spaces dropped, vulgar fractions kept as typed; a cleared cell (None, or
    pandas' NaN for a missing value) is empty.

    >>> normalized(" −１.５ "), normalized("1⁄9"), normalized(" 1½"), normalized(None)
    ('-1.5', '1/9', '1½', '')
    """
    if typed is None or (isinstance(typed, float) and math.isnan(typed)):
        return ""
    text = "".join(
        part if part in VULGAR_FRACTIONS else unicodedata.normalize("NFKC", part)
        for part in re.split(f"([{VULGAR_FRACTIONS}])", str(typed))
    )
    return text.translate(MINUS_SIGNS).translate(SLASHES).strip()


def format_number(value: float, digits: int = 4) -> str:
    """A number as the app writes it everywhere (cells, explanations, descriptions; the
    browser's hover and colour bars follow the same rules in grids.js): ``digits``
    significant digits, no trailing zeros, and an exponent instead of a run of zeros.

    >>> format_number(0.25), format_number(1 / 9), format_number(-2.0), format_number(12.3456)
    ('0.25', '0.1111', '-2', '12.35')
    >>> format_number(0.000463), format_number(0.0075), format_number(123456.7), format_number(2.5e7)
    ('4.63e-4', '7.5e-3', '123457', '2.5e7')
    """
    value = float(value)  # math on a Python float: several times faster than numpy's scalars
    if math.isnan(value):  # a cell not computed yet (replays) stays blank
        return ""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}".replace("-0", "0")
    size = abs(value)
    if 1e-2 <= size < 10**digits:
        # Plain decimals, one digit fewer while the text is too long (-0.04444 -> -0.0444).
        for places in range(digits, 0, -1):
            label = f"{value:.{places}g}"
            if len(label) <= digits + 3:
                break
        return label
    if 10**digits <= size < 1e6:
        return f"{value:.0f}"
    # Tiny or huge: an exponent, written compactly (4.63e-4, 1.2e7).
    label = f"{value:.{max(digits - 2, 0)}e}"
    mantissa, exponent = label.split("e")
    if "." in mantissa:  # 1.00e-3 -> 1e-3, 1.50e-3 -> 1.5e-3
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def equals_text(value: float, digits: int = 4) -> str:
    """How a result is written after its sum: ``= 0.25`` when the printed number is the
    value; else the exact fraction when it is short, then the rounded decimal (``= 7/6 ≈
    1.167``: the lesson is fractions); else ``≈ 1.236`` (a rounded number never looks exact).

    >>> equals_text(0.25), equals_text(7 / 6), equals_text(4 / 9), equals_text(5 ** 0.5)
    ('= 0.25', '= 7/6 ≈ 1.167', '= 4/9 ≈ 0.4444', '≈ 2.236')
    """
    value = float(value)
    printed = format_number(value, digits)
    if not math.isfinite(value) or float(printed) == value:
        return f"= {printed}"
    fraction = Fraction(value).limit_denominator(999)
    if abs(float(fraction) - value) <= 1e-12 * abs(value):
        return f"= {fraction.numerator}/{fraction.denominator} ≈ {printed}"
    return f"≈ {printed}"


MAX_SHORT_DENOMINATOR = 144  # 1/144: one share of a 3x3 window's mean over a 4x4 output


def exact_text(value: float, digits: int = 4) -> str:
    """A number on its own, never a rounded one that looks exact: the number when ``digits``
    write it exactly, else its exact fraction when that is short, else the rounded number
    marked with ≈ (cells of a grid, a share in a sentence).

    >>> exact_text(0.25), exact_text(7 / 6, 2), exact_text(1 / 144), exact_text(2 ** 0.5)
    ('0.25', '7/6', '1/144', '≈1.414')
    """
    value = float(value)
    label = format_number(value, digits)
    if not math.isfinite(value) or float(label) == value:
        return label
    fraction = Fraction(value).limit_denominator(MAX_SHORT_DENOMINATOR)
    written = f"{fraction.numerator}/{fraction.denominator}"
    if abs(float(fraction) - value) <= 1e-12 * abs(value) and len(written) <= len(label) + 1:
        return written
    return f"≈{label}"
