"""The grids of a question about one cell of ∂L/∂x: x with the asked cell outlined, y and
∂L/∂y; once the answer is out, ∂L/∂x and the windows that send the cell its shares. Drawn by
the quiz (one learner) and by a live class (the projector, each student, the cockpit), which
may also ask for a cell of y (x alone, then its window and y)."""

from __future__ import annotations

import streamlit as st

from figures import window_axes
from figures.views import question_grids as question_descriptions
from scenario.compute import Computed
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
    shown: tuple[str, ...] | None = None,
) -> None:
    """Draw the question's grids under ``key``. Every cell explains itself, but before the
    answer is out only by its value: a window lit up, or an output's shares, would give the
    answer away. ``kind`` "output": the question is a cell of y, so y and ∂L/∂y wait for the
    answer (then the cell's window is lit on x). ``columns``: grids side by side; ``shown``: the
    names of the grids drawn (None: all of them)."""
    rows, cols = computed.x.shape  # the setup in one line: the grids alone do not say the pooling
    call, loss = computed.params.torch_call(), computed.loss.torch_code
    st.markdown(tr("class.setup_line", call=f"`{call}`", rows=rows, cols=cols, loss=loss))
    language = current_language()
    grids = question_descriptions(computed, cell, revealed, kind, language)
    if shown is not None:
        grids = {name: grid for name, grid in grids.items() if name in shown}
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
