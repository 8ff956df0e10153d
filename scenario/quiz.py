"""The quiz: picking a question, and reading a learner's answers.

Answers are read by ``scenario.numbers`` (parsed, never evaluated): a number, or a fraction
like ``1/9``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenario.inputs import number_error
from scenario.numbers import NumberError, parse_number

__all__ = ["LAYOUT_PRESETS", "GridVerdict", "close_enough", "grade_grid", "pick_cell"]

# Presets whose windows overlap, leave gaps or meet padding: their cells have different answers.
LAYOUT_PRESETS = ("overlap", "gaps", "padding", "padding_counted", "ceil_mode")

Cell = tuple[int, int]


@dataclass(frozen=True)
class GridVerdict:
    """How a typed ∂L/∂x grid compares with the truth: how many cells are right, and which
    cells are wrong or still empty."""

    right: int
    total: int
    wrong: list[Cell]
    empty: list[Cell]


def grade_grid(cells: np.ndarray, truth: np.ndarray) -> GridVerdict:
    """Grade a grid of typed texts against ``truth``. An empty cell counts as not answered;
    a text that is not a number raises InputError naming the cell (nothing is guessed).

    >>> grade_grid(np.array([["1/4", "0.3", ""]], dtype=object), np.full((1, 3), 0.25))
    GridVerdict(right=1, total=3, wrong=[(0, 1)], empty=[(0, 2)])
    """
    right, wrong, empty = 0, [], []
    for (row, col), typed in np.ndenumerate(cells):
        try:
            answer = parse_number(typed)
        except NumberError as error:
            if error.key == "empty":  # not answered yet: said, not refused
                empty.append((row, col))
                continue
            raise number_error(error, f"∂L/∂x[{row}, {col}]") from None
        if close_enough(answer, float(truth[row, col])):
            right += 1
        else:
            wrong.append((row, col))
    return GridVerdict(right, truth.size, wrong, empty)


def close_enough(answer: float, truth: float) -> bool:
    """Right to about three decimals (0.111 for 1/9 counts)."""
    return abs(answer - truth) <= 5e-3 * max(1.0, abs(truth))


def pick_cell(grad_input: np.ndarray, seed: int, last_answer: float | None = None) -> tuple[int, int]:
    """A cell of the input to ask about, from the question number; where the gradient has
    other values, one whose answer differs from the last question's (a class should not see
    the same answer ten times).

    >>> grad = np.array([[0.25, 0.5], [0.25, 0.25]])
    >>> pick_cell(grad, 3, last_answer=0.25)
    (0, 1)
    """
    rng = np.random.default_rng(seed)
    cells = [(int(r), int(c)) for r, c in np.ndindex(grad_input.shape)]
    fresh = [cell for cell in cells if last_answer is None or not close_enough(float(grad_input[cell]), last_answer)]
    choices = fresh or cells
    return choices[int(rng.integers(len(choices)))]
