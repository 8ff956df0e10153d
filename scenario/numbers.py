"""Numbers as people type them: read exactly as meant, or refused with the reason.

One reader for every typed number in the app (the custom x and dL/dy grids, the quiz's
answers). Accepted: a decimal with a dot (``1.5``, ``-0.25``, ``.5``, ``2.``), an exponent
(``1e-3``), a leading ``+``, spaces around it, the Unicode minus sign (``−2``), full-width
digits (``１.５``), and a fraction of two such numbers (``1/9``, ``-3/4``). Refused, with a
message that says why: an empty cell, a decimal comma (``1,5``: is it 1.5 or 15?), any other
text (``2+2``, ``nan``), a fraction over zero, and a number larger than 10^100 in size (the
pooling's sums and the square loss would overflow). Text is parsed, never evaluated.
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = ["MAX_MAGNITUDE", "NumberError", "parse_number"]

MAX_MAGNITUDE = 1e100
DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-"})  # − – ﹣ (NFKC maps －)


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
    >>> parse_number("1,5")
    Traceback (most recent call last):
    ...
    scenario.numbers.NumberError: '1,5': comma
    """
    # A cleared cell reaches us as None (or pandas' NaN for a missing value): empty.
    missing = typed is None or (isinstance(typed, float) and math.isnan(typed))
    text = "" if missing else unicodedata.normalize("NFKC", str(typed)).translate(MINUS_SIGNS).strip()
    if not text:
        raise NumberError("empty", "")
    if "," in text:
        raise NumberError("comma", text)
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
    return value
