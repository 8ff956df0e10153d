"""The grids of a question about one cell of ∂L/∂x: x with the asked cell outlined, y and
∂L/∂y; once the answer is out, ∂L/∂x and the windows that send the cell its shares. Drawn by
the quiz (one learner) and by a live class (the projector, each student, the cockpit), which
may also ask for a cell of y (x alone, then its window and y)."""

from __future__ import annotations

import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, value_grid, window_axes
from figures.grids import GridDescription
from scenario.compute import Computed
from scenario.explain import windows_covering
from scenario.numbers import shared_exponent
from ui.display import pooling_explainer, show_grids
from ui.lang import current_language, tr

__all__ = ["question_grids"]


def question_grids(
    computed: Computed,
    cell: tuple[int, int] | None,
    revealed: bool,
    *,
    key: str,
    file_prefix: str,
    kind: str = "grad_input",
    columns: int = 4,
) -> None:
    """Draw the question's grids under ``key``. Every cell explains itself, but before the
    answer is out only by its value: a window lit up, or an output's shares, would give the
    answer away. ``kind`` "output": the question is a cell of y, so y and ∂L/∂y wait for the
    answer (then the cell's window is lit on x). ``columns``: grids side by side."""
    rows, cols = computed.x.shape  # the setup in one line: the grids alone do not say the pooling
    call, loss = computed.params.torch_call(), computed.loss.torch_code
    st.markdown(tr("class.setup_line", call=f"`{call}`", rows=rows, cols=cols, loss=loss))
    language = current_language()
    if kind == "output":
        grids = _output_question(computed, cell, revealed, language)
    else:
        grids = _grad_input_question(computed, cell, revealed, language)
    explain = pooling_explainer(
        computed.x, computed.y, computed.loss.grad_output, computed.grad_input, computed.windows, language
    )
    show_grids(
        grids,
        key=key,
        file_prefix=file_prefix,
        windows=window_axes(computed.windows) if revealed else None,
        explain=explain if revealed else None,
        columns=columns,
        room_below=0,  # the question and its answer are above the grids, or beside them
    )


def _grad_input_question(
    computed: Computed, cell: tuple[int, int] | None, revealed: bool, language: str
) -> dict[str, GridDescription]:
    """A question about ∂L/∂x[cell]: x with the cell outlined, y and ∂L/∂y; once the answer
    is out, ∂L/∂x, and the windows that send the cell its shares lit."""
    covering = windows_covering(computed.windows, *cell) if cell and revealed else []
    lit = [cell] if cell else []
    # as on the Playground: x and y, ∂L/∂y and ∂L/∂x each in one power of ten where both need one
    values = shared_exponent(computed.x, computed.y)
    gradients = shared_exponent(computed.loss.grad_output, computed.grad_input)
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
            tr("figure.grad_output", loss=tr(f"loss.short_{computed.loss.name}")),
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
    """A question about y[cell]: x alone until the answer is out; then x with the cell's
    window lit, and y with the cell."""
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
