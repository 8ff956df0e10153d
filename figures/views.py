"""The grids of a whole view, described once: the Playground's four (x with its padding and
windows, y, ∂L/∂y, ∂L/∂x), drawn by the Playground, its HTML export and a class's projector;
a question's (x, y and ∂L/∂y until the answer is out), drawn by the quiz, a live class's pages
and the view a class pushes to its students (classroom/followed.py)."""

from __future__ import annotations

import re

import numpy as np

from figures.grids import GridDescription, Selection, grad_input_grid, gradient_grid, input_grid, value_grid
from i18n import text
from scenario.compute import Computed
from scenario.explain import windows_covering
from scenario.numbers import shared_exponent

__all__ = [
    "EXPLAIN_GRIDS",
    "cells_answer_grid",
    "cells_count_grid",
    "explained_selection",
    "playground_columns",
    "playground_grids",
    "question_grids",
]

TWO_PER_ROW_ABOVE = 16  # grid span (cells) above which the Playground's grids go two per row
# A selected cell as a link or a class's setup names it: x-ROW-COL (a cell of x and ∂L/∂x) or
# y-ROW-COL (y, ∂L/∂y); ASCII digits only.
EXPLAIN_PATTERN = re.compile(r"([xy])-([0-9]{1,4})-([0-9]{1,4})")
EXPLAIN_KINDS = {"x": "input", "y": "output"}
EXPLAIN_GRIDS = {"input": "grad_input", "output": "grad_output"}  # the grid a named cell is lit in


def playground_columns(span: int, present: bool) -> int:
    """The Playground's grids per row: four, or two when they span more than 16 cells (x's side
    with its padding, or y's), so that their cells stay readable; on a projector the screen's
    height is the limit: one row of four, always."""
    return 4 if span <= TWO_PER_ROW_ABOVE or present else 2


def explained_selection(text: str | None) -> Selection | None:
    """The selected cell named by ``text`` (``x-2-1``: ∂L/∂x[2, 1]; any case, spaces around),
    or None when it names none; whether the cell exists is the caller's to check.

    >>> explained_selection("X-2-1 ")
    Selection(kind='input', row=2, col=1, grid='grad_input')
    >>> explained_selection("y-²-1") is None
    True
    """
    match = EXPLAIN_PATTERN.fullmatch((text or "").strip().lower())
    if match is None:
        return None
    kind = EXPLAIN_KINDS[match[1]]
    return Selection(kind, int(match[2]), int(match[3]), EXPLAIN_GRIDS[kind])


def playground_grids(computed: Computed, language: str, image: bool = False) -> dict[str, GridDescription]:
    """x (with padding and windows), y, ∂L/∂y and ∂L/∂x; ``image``: x and y coloured as a picture.

    >>> import numpy as np
    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> grids = playground_grids(compute_scenario(np.zeros((4, 4)), PoolParams((2, 2))), "en")
    >>> list(grids), grids["y"]["title"]
    (['x', 'y', 'grad_output', 'grad_input'], 'y = AvgPool2d(x) (2×2)')
    """
    x, y, loss = computed.x, computed.y, computed.loss
    values_scale = "image" if image else "value"
    # x and its means, ∂L/∂y and its shares: each pair in one power of ten where both need one
    values, gradients = shared_exponent(x, y), shared_exponent(loss.grad_output, computed.grad_input)
    return {
        "x": input_grid(
            x, computed.windows, computed.params.padding, scale=values_scale, power=values, language=language
        ),
        "y": value_grid(
            y,
            text(language, "figure.output", rows=y.shape[0], cols=y.shape[1]),
            "y",
            link="output",
            scale=values_scale,
            power=values,
            language=language,
        ),
        "grad_output": gradient_grid(
            loss.grad_output,
            text(language, "figure.grad_output", loss=text(language, f"loss.short_{loss.name}")),
            "∂L/∂y",
            link="output",
            power=gradients,
            language=language,
        ),
        "grad_input": grad_input_grid(computed.grad_input, power=gradients, language=language),
    }


def question_grids(
    computed: Computed, cell: tuple[int, int] | None, revealed: bool, kind: str, language: str
) -> dict[str, GridDescription]:
    """A question's grids about ``cell``: of ∂L/∂x (``kind`` "grad_input"), x with the cell
    outlined, y and ∂L/∂y, and once the answer is out ∂L/∂x with the windows that send the cell
    its shares lit; of y (``kind`` "output"), x alone until the answer is out, then x with the
    cell's window lit and y. Nothing of the answer before ``revealed``.

    >>> import numpy as np
    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.zeros((4, 4)), PoolParams((2, 2)))
    >>> list(question_grids(computed, (1, 1), False, "grad_input", "en"))
    ['x', 'y', 'grad_output']
    >>> list(question_grids(computed, (0, 0), True, "output", "en"))
    ['x', 'y']
    >>> [grid["outlines"] for grid in question_grids(computed, (0, 0), False, "nothing", "en").values()]
    [[], [], []]
    """
    if kind == "output":
        return _output_question(computed, cell, revealed, language)
    if kind not in ("feeds", "sends", "nothing"):
        return _grad_input_question(computed, cell, revealed, language)
    # "Which cells": which feed y[i, j] (x alone until the answer is out), which reach ∂L/∂x[r, c]
    # (the cell outlined on x), which get nothing (no cell). The windows' outlines are the
    # answer: none before the reveal.
    if kind == "feeds":
        grids = _output_question(computed, cell, revealed, language)
    else:
        grids = _grad_input_question(computed, cell if kind == "sends" else None, revealed, language)
    if not revealed:
        grids["x"] = {**grids["x"], "outlines": [], "kernels": []}
    return grids


def _grad_input_question(
    computed: Computed, cell: tuple[int, int] | None, revealed: bool, language: str
) -> dict[str, GridDescription]:
    covering = windows_covering(computed.windows, *cell) if cell and revealed else []
    lit = [cell] if cell else []
    # as on the Playground: x and y, ∂L/∂y and ∂L/∂x each in one power of ten where both need one
    values = shared_exponent(computed.x, computed.y)
    gradients = shared_exponent(computed.loss.grad_output, computed.grad_input)
    loss = text(language, f"loss.short_{computed.loss.name}")
    grids = {
        "x": input_grid(
            computed.x,
            computed.windows,
            computed.params.padding,
            highlight_windows=covering,
            highlight_cells=lit,
            power=values,
            language=language,
        ),
        "y": value_grid(computed.y, "y", "y", link="output", power=values, language=language),
        "grad_output": gradient_grid(
            computed.loss.grad_output,
            text(language, "figure.grad_output", loss=loss),
            "∂L/∂y",
            link="output",
            highlight_cells=[(w.out_row, w.out_col) for w in covering],
            power=gradients,
            language=language,
        ),
    }
    if revealed:
        grids["grad_input"] = grad_input_grid(
            computed.grad_input, highlight_windows=covering, highlight_cells=lit, power=gradients, language=language
        )
    return grids


def _output_question(
    computed: Computed, cell: tuple[int, int], revealed: bool, language: str
) -> dict[str, GridDescription]:
    window = computed.window_of(*cell)
    grids = {
        "x": input_grid(
            computed.x,
            computed.windows,
            computed.params.padding,
            highlight_windows=[window] if revealed else [],
            language=language,
        )
    }
    if revealed:
        grids["y"] = value_grid(computed.y, "y", "y", link="output", highlight_cells=[cell], language=language)
    return grids


def cells_answer_grid(computed: Computed, kind: str, tapped: list[tuple[int, int]], language: str) -> GridDescription:
    """The grid a "which cells" question is answered on, the cells tapped outlined: x's values
    ("feeds"), ∂L/∂y ("sends"), or ∂L/∂x without its values ("nothing": they are the answer).
    No window outlined, no link: a click is a tap, never a window lit.

    >>> import numpy as np
    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.zeros((4, 4)), PoolParams((2, 2)))
    >>> grid = cells_answer_grid(computed, "sends", [(1, 1)], "en")
    >>> grid["name"], grid["rows"], grid["cells"], grid["link"], grid["outlines"]
    ('∂L/∂y', 2, [[1, 1]], None, [])
    """
    if kind == "sends":
        return gradient_grid(computed.loss.grad_output, "∂L/∂y", highlight_cells=tapped, language=language)
    if kind == "nothing":
        blank = np.full(computed.x.shape, np.nan)  # NaN: a blank cell
        return value_grid(blank, "∂L/∂x", "∂L/∂x", highlight_cells=tapped, language=language)
    return value_grid(computed.x, "x", "x", highlight_cells=tapped, language=language)


def cells_count_grid(
    counts: list[list[int]] | tuple[tuple[int, ...], ...],
    truth: list[tuple[int, int]],
    title: str,
    name: str,
    language: str,
) -> GridDescription:
    """How many students tapped each cell, as a heat map from 0 to the most tapped cell's
    count; the right cells outlined.

    >>> cells_count_grid(((2, 0),), [(0, 0)], "taps", "tapped by", "en")["cells"]
    [[0, 0]]
    """
    values = np.array(counts, dtype=np.float64)
    top = float(values.max(initial=0.0)) or 1.0
    return value_grid(values, title, name, highlight_cells=truth, zrange=(0.0, top), scale="heat", language=language)
