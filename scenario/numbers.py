"""Numbers as people type them, and as the app writes them.

``parse_number`` reads what a person typed exactly as meant, or refuses it with the reason;
``exact_text`` and ``equals_text`` write every number the app shows, in one style
(docs/numbers.md), ``data_text`` every number it exports.

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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np

__all__ = [
    "FLOAT32_TOLERANCE",
    "MAX_MAGNITUDE",
    "MINUS",
    "NumberError",
    "NumberStyle",
    "data_text",
    "equals_text",
    "exact_text",
    "format_number",
    "grid_exponent",
    "normalized",
    "number_style",
    "parse_number",
    "power_text",
    "printed_text",
    "shared_exponent",
]

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


# ---------------------------------------------------------------------------------------
# The writer: one style for every number the app writes (docs/numbers.md). A grid's numbers
# share one NumberStyle (noise floor, fractions or decimals), so its cells, hover texts,
# colour bar, description and the sentences about it write each value the same way; a
# number alone is a grid of one. figures/component/grids.js mirrors these rules for hover.

MINUS = "\u2212"  # −: every number the app shows writes its sign and its exponent's with it
DIGITS = 4  # significant digits of every written number (cells may print fewer to fit)
TOLERANCE = 1e-10  # ten significant digits: float64 sums are off by ~1e-16 of their terms
FLOAT32_TOLERANCE = 1e-6  # values read back from float32 (grids above 32 x 32) hold ~7 digits
MAX_SHORT_DENOMINATOR = 144  # 1/144: one share of a 3x3 window's mean over a 4x4 output
MAX_SHORT_NUMERATOR = 999
PLAIN_SMALLEST = 1e-4  # plain decimals from 0.0001 up to a million; an exponent beyond
PLAIN_LARGEST = 1e6


@dataclass(frozen=True)
class NumberStyle:
    """How the numbers of one grid are written (``number_style`` decides it once per grid).

    ``zero``: a value no larger than this in size is float noise around 0 and written ``0``
    (10^-10 of the grid's largest value). ``fractions``: every non-integer is written as its
    short fraction (``1/4``, ``1/9``), because every value of the grid is one and some are not
    short decimals; otherwise every value is a decimal (``≈`` where rounded). ``tolerance``:
    how close a written number must be to the value to be exact (relative; looser for values
    that travelled as float32)."""

    zero: float = 0.0
    fractions: bool = False
    tolerance: float = TOLERANCE


def number_style(values: object) -> NumberStyle:
    """The style of a grid's numbers (or of one number), decided from all its values.

    >>> number_style(np.array([1 / 4, 1 / 6, 1 / 9]))
    NumberStyle(zero=2.5e-11, fractions=True, tolerance=1e-10)
    >>> number_style(np.array([0.25, 0.5, 7.5])).fractions, number_style(np.array([1 / 9, 0.415])).fractions
    (False, False)
    """
    array = np.asarray(values, dtype=np.float64).ravel()
    finite = array[np.isfinite(array)]
    zero = TOLERANCE * float(np.abs(finite).max()) if finite.size else 0.0
    kept = np.unique(finite[np.abs(finite) > zero])
    if kept.size == 0 or _short_decimals(kept).all():
        return NumberStyle(zero, False)
    return NumberStyle(zero, _all_short_fractions(kept))


def _short_decimals(values: np.ndarray) -> np.ndarray:
    """Whether each value is written exactly by DIGITS significant digits (0.25, 7.5, 12)."""
    exponent = np.floor(np.log10(np.abs(values)))
    unit = 10.0 ** (exponent - (DIGITS - 1))
    rounded = np.round(values / unit) * unit
    return np.abs(rounded - values) <= TOLERANCE * np.abs(values)


def _all_short_fractions(values: np.ndarray) -> bool:
    """Whether every value is a short fraction p/q, q <= 144 and |p| <= 999 (to ten
    significant digits: 0.1 + 0.2 is 3/10). Most grids that are not show it at once: a value
    above 999, or one of their first values."""
    if np.abs(values).max() > MAX_SHORT_NUMERATOR or not all(_denominator(v) for v in values[:4].tolist()):
        return False
    pending = values
    for q in range(1, MAX_SHORT_DENOMINATOR + 1):
        scaled = pending * q
        numerators = np.round(scaled)
        hit = np.abs(scaled - numerators) <= TOLERANCE * np.abs(scaled)
        if hit.any():
            if (np.abs(numerators[hit]) > MAX_SHORT_NUMERATOR).any():
                return False
            pending = pending[~hit]
            if pending.size == 0:
                return True
    return False


def _denominator(value: float, tolerance: float = TOLERANCE) -> int:
    """The smallest denominator q <= 144 of value's short fraction p/q (|p| <= 999), else 0."""
    for q in range(1, MAX_SHORT_DENOMINATOR + 1):
        scaled = value * q
        numerator = round(scaled)
        if abs(scaled - numerator) <= tolerance * abs(scaled):
            return q if abs(numerator) <= MAX_SHORT_NUMERATOR else 0
    return 0


def _fraction(value: float, tolerance: float = TOLERANCE) -> str | None:
    """``p/q`` when value is a short fraction that is not a whole number, else None."""
    q = _denominator(value, tolerance) if math.isfinite(value) else 0
    return f"{round(value * q)}/{q}" if q > 1 else None


def _close(a: float, b: float, tolerance: float = TOLERANCE) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def format_number(value: float, digits: int = DIGITS) -> str:
    """A decimal with ``digits`` significant digits, negatives alike, no trailing zeros;
    plain from 0.0001 up to a million, an exponent beyond (no ``≈``, no fraction: the part
    of ``exact_text`` that writes decimals). A negative sign or exponent is the minus sign
    ``−`` (U+2212), as in the sentences around it; data keeps ASCII (``data_text``).

    >>> format_number(0.25), format_number(1 / 9), format_number(-2.0), format_number(12.3456)
    ('0.25', '0.1111', '−2', '12.35')
    >>> format_number(0.0144444), format_number(-0.0144444), format_number(0.0075), format_number(0.000463)
    ('0.01444', '−0.01444', '0.0075', '0.000463')
    >>> format_number(123456.7), format_number(2.5e7), format_number(-1.5e-5), format_number(-0.0)
    ('123457', '2.5e7', '−1.5e−5', '0')
    """
    return _shown(_decimal_text(value, digits))


def _decimal_text(value: float, digits: int) -> str:
    """``format_number``'s text with ASCII signs (``-1.5e-5``), as ``float`` reads it."""
    value = float(value)  # math on a Python float: several times faster than numpy's scalars
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    if value == 0:
        return "0"
    size = abs(value)
    if 10**digits <= size < PLAIN_LARGEST:
        return str(_rounded(value, 0))
    # Rounded half away from zero, as school does (0.015625 -> 0.01563) and as JavaScript's
    # toPrecision does for the hover texts; Decimal(value) is the float's exact value.
    exact = Decimal(value)
    written = _rounded(value, digits - 1 - exact.adjusted()).normalize()
    if PLAIN_SMALLEST <= size < 10**digits:
        return f"{written:f}"
    mantissa, exponent = f"{written:e}".split("e")  # tiny or huge: 1.5e-5, 2.5e7
    return f"{mantissa}e{int(exponent)}"


def _shown(text: str) -> str:
    """A written number's ASCII hyphens as minus signs: ``-1/3`` -> ``−1/3``, ``1.5e-5`` -> ``1.5e−5``."""
    return text.replace("-", MINUS)


def _rounded(value: float, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimal places (negative: tens, hundreds), halves away from 0."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def exact_text(value: float, digits: int = DIGITS, style: NumberStyle | None = None) -> str:
    """A number as a cell, a term or a share is written, in its grid's ``style`` (by default
    the style of the number alone): ``0`` for float noise, the short fraction in a grid of
    fractions, else the decimal, marked ``≈`` when rounded (never a rounded number that
    looks exact).

    >>> exact_text(0.25), exact_text(7 / 6, 2), exact_text(1 / 144), exact_text(2 ** 0.5)
    ('0.25', '7/6', '1/144', '≈1.414')
    >>> quarters = number_style(np.array([1 / 4, 1 / 9]))
    >>> exact_text(0.25, style=quarters), exact_text(-1e-17, style=quarters), exact_text(0.1 + 0.2)
    ('1/4', '0', '0.3')
    """
    value = float(value)
    style = style or number_style(value)
    if abs(value) <= style.zero:
        return "0"
    if style.fractions and (written := _fraction(value, style.tolerance)):
        return _shown(written)
    label = _decimal_text(value, digits)
    if not math.isfinite(value) or _close(float(label), value, style.tolerance):
        return _shown(label)
    return f"≈{_shown(label)}"


def printed_text(value: float, digits: int = DIGITS, style: NumberStyle | None = None) -> str:
    """A number as a grid's cell or colour bar prints it: ``exact_text`` without ``≈``. Every
    cell prints as many digits as fit it, so a rounded cell is the rule there, not news; its
    hover, the tables and a click write ``≈`` and the value (rule 5 of docs/numbers.md).

    >>> printed_text(-0.0144444), printed_text(0.25), printed_text(1 / 9, style=number_style(np.array([1 / 9, 0.415])))
    ('−0.01444', '0.25', '0.1111')
    """
    return exact_text(value, digits, style).removeprefix("≈")


def equals_text(value: float, digits: int = DIGITS, style: NumberStyle | None = None) -> str:
    """How a result is written after its sum or a cell's name, in its grid's ``style``:
    ``= 0.25`` when exact; a short fraction with its decimal (``= 7/6 ≈ 1.167``, ``= 1/4 =
    0.25``: the lesson is fractions); else ``≈ 1.236``.

    >>> equals_text(0.25), equals_text(7 / 6), equals_text(4 / 9), equals_text(5 ** 0.5)
    ('= 0.25', '= 7/6 ≈ 1.167', '= 4/9 ≈ 0.4444', '≈ 2.236')
    >>> equals_text(0.25, style=number_style(np.array([1 / 4, 1 / 9]))), equals_text(float("nan"))
    ('= 1/4 = 0.25', '= –')
    """
    value = float(value)
    style = style or number_style(value)
    written = exact_text(value, digits, style)
    fraction = written if "/" in written else _fraction(value, style.tolerance) if written.startswith("≈") else None
    if fraction is None:
        return f"≈ {written[1:]}" if written.startswith("≈") else f"= {written}"
    decimal = _decimal_text(value, digits)
    exact = _close(float(decimal), value, style.tolerance)
    return _shown(f"= {fraction} {'=' if exact else '≈'} {decimal}")


def grid_exponent(values: object) -> int:
    """The power of ten a grid's cells are printed in: 0 for a grid whose largest value is
    written plain (0.0001 up to a million), else a multiple of 3 that brings that value to
    1 up to 1000 (rule 4 of docs/numbers.md), so that cells print ``-3.245`` in a grid
    titled ×10⁻⁶ rather than ``-3.245e-6``, too long to fit a cell.

    >>> grid_exponent([3.245e-6, -5.2e-5]), grid_exponent([0.25, 1e-9]), grid_exponent([2.5e7]), grid_exponent([0.0])
    (-6, 0, 6, 0)
    """
    array = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    finite = array[np.isfinite(array)]
    largest = float(finite.max()) if finite.size else 0.0
    if largest == 0 or PLAIN_SMALLEST <= largest < PLAIN_LARGEST:
        return 0
    return 3 * math.floor(math.log10(largest) / 3)


def shared_exponent(*grids: object) -> int | None:
    """One power of ten for grids read together (∂L/∂y and the ∂L/∂x it is shared into: 0.35
    and 0.0875 under one ×10⁻⁶, not 0.35 beside 87.5 ×10⁻⁹): their largest value's, when
    every one of them needs a power; None (each its own) otherwise.

    >>> shared_exponent([1.35e-6], [3.375e-7]), shared_exponent([1.35e-6], [0.25]), shared_exponent([2.0], [0.5])
    (-6, None, None)
    """
    arrays = [np.asarray(grid, dtype=np.float64).ravel() for grid in grids]
    if not all(grid_exponent(array) for array in arrays):
        return None
    return grid_exponent(np.concatenate(arrays))


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_text(exponent: int) -> str:
    """The factor a grid's title names when its cells print in a power of ten.

    >>> power_text(-6), power_text(9)
    ('×10⁻⁶', '×10⁹')
    """
    return "×10" + str(exponent).translate(SUPERSCRIPTS)


def data_text(value: float) -> str:
    """A number as data (the CSV export, the PyTorch script): every digit float64 holds, the
    shortest text that reads back exactly (``1/3`` is 0.3333333333333333), whole numbers
    without ``.0``.

    >>> data_text(0.25), data_text(1 / 3), data_text(-2.0), data_text(1e-17)
    ('0.25', '0.3333333333333333', '-2', '1e-17')
    """
    return repr(float(value)).removesuffix(".0")
