"""The grids of a whole view, described once: the Playground's four (x with its padding and
windows, y, ∂L/∂y, ∂L/∂x), drawn by the Playground, its HTML export and a class's projector."""

from __future__ import annotations

import re

from figures.grids import GridDescription, Selection, grad_input_grid, gradient_grid, input_grid, value_grid
from i18n import text
from scenario.compute import Computed
from scenario.numbers import shared_exponent

__all__ = ["EXPLAIN_GRIDS", "explained_selection", "playground_columns", "playground_grids"]

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
