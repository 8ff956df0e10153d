"""One input and one loss through three poolings: average, max and adaptive average.

The Average vs max page draws these side by side. Each pooling carries torch's function for
it (its call as torch code, and its arguments for the page's live check with torch), the note
on what its gradient does, and the explanation of a selected cell. Everything here is numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from i18n import text
from pooling import PoolPlan, adaptive_plan, avg_backward, avg_forward, max_backward, max_forward
from scenario.compute import Computed
from scenario.explain import explain_max_cell, explain_pooled_cell
from scenario.losses import LossChoice

__all__ = ["Pooled", "pool_three_ways"]


@dataclass(frozen=True)
class Pooled:
    """One pooling of the shared input: torch's function for it, its plan, output, upstream
    gradient and input gradient, and what to notice about them.

    ``function(x, **arguments)`` in torch (``pooling.reference.torch_<function>`` with autograd)
    computes the same ``y`` and ``grad_input``; ``call`` writes it as torch code.
    """

    name: str  # "avg", "max" or "adaptive": the grids' keys
    function: str  # torch's: "avg_pool2d", "max_pool2d" or "adaptive_avg_pool2d"
    arguments: dict[str, object]  # its keyword arguments after x
    call: str  # the same call as torch code: "F.max_pool2d(x, kernel_size=2)"
    plan: PoolPlan
    y: np.ndarray
    grad_output: np.ndarray
    grad_input: np.ndarray
    note: str  # what to notice about this gradient (under its grids)
    custom_misfit: bool = False  # the typed ∂L/∂y does not fit this output, so ∂L/∂y = 1 was used
    argmax: np.ndarray | None = None  # max pooling: each window's winning cell, flat (row * W + col)

    @property
    def winners(self) -> list[tuple[int, int]]:
        """The input cells that won a max window (none for an average)."""
        if self.argmax is None:
            return []
        return sorted({divmod(int(index), self.plan.input_shape[-1]) for index in self.argmax.ravel()})

    def explain(self, kind: str, row: int, col: int, x: np.ndarray, language: str = "en") -> str | None:
        """A selected cell in words (``scenario.explain``): an average's by the shares of its
        windows, max pooling's by the cell each window's largest value came from."""
        windows = self.plan.windows()
        if self.argmax is not None:
            padding = windows[row * self.y.shape[1] + col].padding_cells if kind == "output" else 0
            numbers = (x, self.argmax, self.grad_output, self.grad_input)
            return explain_max_cell(kind, row, col, *numbers, language, padding_cells=padding)
        return explain_pooled_cell(kind, row, col, x, self.y, self.grad_output, self.grad_input, windows, language)


def _upstream(y: np.ndarray, loss_choice: LossChoice, weights: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """The scenario's loss applied to another pooling's output (the loss fixes ∂L/∂y); a cell
    loss keeps to the output, and typed weights that do not fit fall back to the sum."""
    row, col = loss_choice.cell
    cell = (min(row, y.shape[0] - 1), min(col, y.shape[1] - 1))
    misfit = loss_choice.name == "custom" and (weights is None or weights.shape != y.shape)
    choice = replace(loss_choice, name="sum" if misfit else loss_choice.name, cell=cell)
    return choice.loss(y, weights).grad_output, misfit


def pool_three_ways(
    computed: Computed,
    loss_choice: LossChoice,
    weights: np.ndarray | None,
    adaptive_size: tuple[int, int],
    language: str = "en",
) -> list[Pooled]:
    """Average pooling (the scenario itself), max pooling with the same windows, and adaptive
    average pooling to ``adaptive_size``, each with the scenario's loss (notes in ``language``).

    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.arange(16.0).reshape(4, 4), PoolParams((2, 2)))
    >>> pooled = pool_three_ways(computed, LossChoice("sum"), None, (3, 3))
    >>> [(result.call, result.grad_input[1, 1]) for result in pooled]  # doctest: +NORMALIZE_WHITESPACE
    [('F.avg_pool2d(x, kernel_size=2)', np.float64(0.25)), ('F.max_pool2d(x, kernel_size=2)', np.float64(1.0)),
     ('F.adaptive_avg_pool2d(x, (3, 3))', np.float64(1.0))]
    """
    return [
        _average(computed, language),
        _maximum(computed, loss_choice, weights, language),
        _adaptive(computed, loss_choice, weights, adaptive_size, language),
    ]


def _average(computed: Computed, language: str) -> Pooled:
    """The scenario itself: avg_pool2d, each output's gradient shared equally by its window."""
    params = computed.params
    call = params.torch_call("F.avg_pool2d", "x")
    numbers = (computed.plan, computed.y, computed.loss.grad_output, computed.grad_input)
    return Pooled("avg", "avg_pool2d", params.kwargs(), call, *numbers, text(language, "versus.note_avg"))


def _maximum(computed: Computed, loss_choice: LossChoice, weights: np.ndarray | None, language: str) -> Pooled:
    """max_pool2d over the same windows: each output's whole gradient goes to its window's winner."""
    params, x, plan = computed.params, computed.x, computed.plan
    y, argmax = max_forward(x, plan)
    grad_output, misfit = _upstream(y, loss_choice, weights)
    note = text(language, "versus.note_max")
    if any(params.padding):
        note += text(language, "versus.note_max_padding")  # torch pads max pooling with −∞, not 0
    if not params.count_include_pad or params.divisor_override is not None:
        note += text(language, "versus.note_max_ignored")  # max pooling has neither
    arguments = {key: params.kwargs()[key] for key in ("kernel_size", "stride", "padding", "ceil_mode")}
    call = params.torch_call("F.max_pool2d", "x", average=False)
    numbers = (plan, y, grad_output, max_backward(grad_output, x, plan))
    return Pooled("max", "max_pool2d", arguments, call, *numbers, _misfit_note(note, misfit, language), misfit, argmax)


def _adaptive(
    computed: Computed, loss_choice: LossChoice, weights: np.ndarray | None, size: tuple[int, int], language: str
) -> Pooled:
    """adaptive_avg_pool2d to ``size``: torch picks the windows, of varying sizes, maybe overlapping."""
    plan = adaptive_plan(computed.x.shape, size)
    y = avg_forward(computed.x, plan)
    grad_output, misfit = _upstream(y, loss_choice, weights)
    rows, cols = plan.rows, plan.cols
    overlap = bool((rows.start[1:] < rows.stop[:-1]).any() or (cols.start[1:] < cols.stop[:-1]).any())
    if size == (1, 1):
        note = text(language, "versus.note_adaptive_one", height=computed.x.shape[0], width=computed.x.shape[1])
    else:
        heights, widths = (sorted({int(n) for n in axis.lengths(False)}) for axis in (rows, cols))
        note = text(
            language,
            "versus.note_adaptive_overlap" if overlap else "versus.note_adaptive_side",
            rows=size[0],
            cols=size[1],
            windows=_window_sides(heights, widths, language),
        )
    call = f"F.adaptive_avg_pool2d(x, {size})"
    numbers = (plan, y, grad_output, avg_backward(grad_output, plan))
    note = _misfit_note(note, misfit, language)
    return Pooled("adaptive", "adaptive_avg_pool2d", {"output_size": size}, call, *numbers, note, misfit)


def _window_sides(heights: list[int], widths: list[int], language: str) -> str:
    """The sides of adaptive windows in words: "windows 1 cell tall and wide", "windows 2
    cells tall and 2 or 3 cells wide" (a list of sizes reads "2 or 3", "1, 2 or 3")."""
    if heights == widths:
        return text(language, "versus.windows_square", side=_cells(heights, language))
    return text(language, "versus.windows", height=_cells(heights, language), width=_cells(widths, language))


def _cells(sizes: list[int], language: str) -> str:
    """``[1]`` -> "1 cell", ``[2, 3]`` -> "2 or 3 cells" (in ``language``)."""
    if sizes == [1]:
        return text(language, "versus.cell_one")
    listed = text(language, "versus.list_join").join(map(str, sizes[:-1]))
    return text(
        language,
        "versus.cells",
        sizes=text(language, "versus.or").join([listed, str(sizes[-1])]) if listed else str(sizes[-1]),
    )


def _misfit_note(note: str, misfit: bool, language: str) -> str:
    """The note, and when the typed ∂L/∂y did not fit this output, that ∂L/∂y = 1 was used."""
    return note + (" " + text(language, "versus.custom_misfit") if misfit else "")
