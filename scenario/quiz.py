"""The quiz: picking a question, and reading a learner's answer.

Answers are parsed, never evaluated: a number, or a fraction like ``1/9``.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["close_enough", "parse_answer", "pick_cell"]

ANSWER = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*(?:/\s*(\d+(?:\.\d*)?))?\s*$")


def parse_answer(text: str) -> float | None:
    """A typed answer as a number: ``0.25``, ``-.5`` or ``1/9``; None if it is neither.

    >>> parse_answer("1/9"), parse_answer(" 0.25 "), parse_answer("2 + 2"), parse_answer("1/0")
    (0.1111111111111111, 0.25, None, None)
    """
    match = ANSWER.match(text or "")
    if not match:
        return None
    numerator, denominator = match.groups()
    if denominator is None:
        return float(numerator)
    return float(numerator) / float(denominator) if float(denominator) else None


def close_enough(answer: float, truth: float) -> bool:
    """Right to about three decimals (0.111 for 1/9 counts)."""
    return abs(answer - truth) <= 5e-3 * max(1.0, abs(truth))


def pick_cell(shape: tuple[int, int], seed: int) -> tuple[int, int]:
    """A cell of the input to ask about, from the question number."""
    rng = np.random.default_rng(seed)
    return int(rng.integers(shape[0])), int(rng.integers(shape[1]))
