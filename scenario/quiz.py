"""The quiz: instructive setups, question picking, and reading a learner's answer.

Answers are parsed, never evaluated: a number, or a fraction like ``1/9``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["PRESETS", "Preset", "close_enough", "parse_answer", "pick_cell"]

ANSWER = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*(?:/\s*(\d+(?:\.\d*)?))?\s*$")


@dataclass(frozen=True)
class Preset:
    """An instructive setup: the sidebar values it sets, the cell it asks about, its lesson."""

    name: str
    lesson: str
    settings: dict
    cell: tuple[int, int]


# Every setting not named here goes back to its default (square controls, stride = kernel, ...).
PRESETS = (
    Preset(
        "overlap",
        "Overlapping windows (kernel 3, stride 1): the centre sits in all 9 windows and collects 9 shares of 1/9.",
        {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5},
        (2, 2),
    ),
    Preset(
        "gaps",
        "Gaps (kernel 2, stride 3): no window covers this cell, so no gradient reaches it.",
        {"kernel_h": 2, "stride_h": 3, "height": 5, "width": 5},
        (2, 2),
    ),
    Preset(
        "padding",
        "Padding without count_include_pad: the corner window holds 4 real cells and divides by 4.",
        {"kernel_h": 3, "stride_h": 2, "padding_h": 1, "count_include_pad": False, "height": 5, "width": 5},
        (0, 0),
    ),
    Preset(
        "padding counted",
        "Padding with count_include_pad: the corner window still divides by 9, padding included.",
        {"kernel_h": 3, "stride_h": 2, "padding_h": 1, "height": 5, "width": 5},
        (0, 0),
    ),
    Preset(
        "ceil_mode",
        "ceil_mode: the last, partial window holds a single cell and divides by 1.",
        {"kernel_h": 2, "ceil_mode": True, "height": 5, "width": 5},
        (4, 4),
    ),
    Preset(
        "mean loss",
        "loss = y.mean(): every output's gradient is 1/4 before it is split into 4 shares.",
        {"kernel_h": 2, "loss": "mean", "height": 4, "width": 4},
        (1, 2),
    ),
)


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
