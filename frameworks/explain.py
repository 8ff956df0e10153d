"""Why a framework's cell differs from torch's, found by running that framework again.

A pooling is linear, so a framework's own weights tell what it did: the gradient it gives for
a one-hot ∂L/∂y at window w is the share of w that each cell of x gets (1/divisor on the
cells w reads); its y for a one-hot x at cell c is every window's weight on c (for ONNX
Runtime, which has no backward). Torch's windows and divisors come from the plan. Each
reading is checked against the framework's own number for the cell before it is told.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frameworks.base import Snippet, run_snippet
from frameworks.compare import tolerance
from pooling import PoolPlan

__all__ = ["MAX_PROBES", "CellReason", "WindowReading", "explain_cell"]

MAX_PROBES = 64  # runs of the framework for one click, at most


@dataclass(frozen=True)
class WindowReading:
    """One window (output cell ``window``) as a framework computes it, for one clicked cell:
    the box of x it reads (rows, then columns, stop excluded; None: not a box) and what it
    divides by (None: it does not reach the clicked cell, or weighs its cells unevenly)."""

    window: tuple[int, int]
    box: tuple[int, int, int, int] | None
    divisor: float | None


@dataclass(frozen=True)
class CellReason:
    """The windows behind one differing cell, the framework's reading beside torch's, for
    each window where they differ (a cell of y: its own window; of ∂L/∂x: those that cover it)."""

    pairs: tuple[tuple[WindowReading, WindowReading], ...]  # (theirs, torch's), windows in reading order
    kinds: tuple[str, ...]  # per pair: "overhang", "padding" or "" (what torch's window reaches)
    same: tuple[WindowReading, ...] = ()  # the windows that give the cell the share torch's give it


def explain_cell(
    snippet: Snippet, plan: PoolPlan, x: np.ndarray, grad_y: np.ndarray, grid: str, row: int, col: int
) -> CellReason | None:
    """The reason a cell of ``grid`` ("y" or "grad") differs, or None when the framework's own
    runs do not account for its number (its windows are not torch's, or it weighs unevenly)."""
    found = run_snippet(snippet, x, grad_y)
    if found.error is not None:
        return None
    torch_windows = {(w.out_row, w.out_col): w for w in plan.windows()}
    if grid == "y":
        if found.y is None or found.y.shape != plan.output_shape:
            return None
        weights = _forward_weights(snippet, plan, x, grad_y, (row, col), found.y[row, col])
        if weights is None:
            return None
        pairs = [(_reading((row, col), weights, None), _torch_reading(torch_windows[(row, col)], x.shape, None))]
    else:
        if found.grad_x is None or found.grad_x.shape != x.shape:
            return None
        shares = _backward_shares(snippet, plan, x, (row, col), grad_y, found.grad_x[row, col])
        if shares is None:
            return None
        pairs = [
            (_reading(window, weights, (row, col)), _torch_reading(torch_windows[window], x.shape, (row, col)))
            for window, weights in shares.items()
        ]
    if any(theirs is None for theirs, _ in pairs):
        return None  # a window that weighs its cells unevenly is no average: nothing to tell
    pairs = sorted(pairs, key=lambda pair: pair[0].window)  # reading order: row, then column
    differing = tuple((theirs, torch) for theirs, torch in pairs if not _same(theirs, torch))
    kinds = tuple(_kind(torch_windows[theirs.window], x.shape) for theirs, _ in differing)
    same = tuple(theirs for theirs, torch in pairs if _same(theirs, torch) and theirs.divisor is not None)
    return CellReason(differing, kinds, same) if differing else None


def _forward_weights(snippet, plan, x, grad_y, window, value) -> np.ndarray | None:
    """The framework's weight on each cell of x for window ``window``: from its backward of a
    one-hot ∂L/∂y when that reproduces its y there, else from its y of one-hot x's near the window."""
    if snippet.backward:
        weights = _one_hot_gradient(snippet, plan, x, window)
        if weights is not None and _close(float((weights * x).sum()), value, x, snippet.dtype):
            return weights
    weights = np.zeros(x.shape)
    for cell in _near_cells(plan, window, x.shape):
        probe = np.zeros(x.shape)
        probe[cell] = 1.0
        attempt = run_snippet(snippet, probe, np.zeros(plan.output_shape))
        if attempt.error is not None or attempt.y is None:
            return None
        weights[cell] = attempt.y[window]
    return weights if _close(float((weights * x).sum()), value, x, snippet.dtype) else None


def _backward_shares(snippet, plan, x, cell, grad_y, value) -> dict[tuple[int, int], np.ndarray] | None:
    """Each nearby window's weights (its gradient of a one-hot ∂L/∂y) whose share reaches
    ``cell``, or torch covers it; None unless those shares add up to the framework's ∂L/∂x there."""
    shares, total = {}, 0.0
    covering = {(w.out_row, w.out_col) for w in plan.windows() if _covers(w, cell)}
    for window in _near_windows(plan, cell):
        weights = _one_hot_gradient(snippet, plan, x, window)
        if weights is None:
            return None
        if weights[cell] != 0 or window in covering:
            shares[window] = weights
            total += grad_y[window] * weights[cell]
    return shares if _close(total, value, grad_y, snippet.dtype) else None


def _one_hot_gradient(snippet, plan, x, window) -> np.ndarray | None:
    upstream = np.zeros(plan.output_shape)
    upstream[window] = 1.0
    attempt = run_snippet(snippet, x, upstream)
    return attempt.grad_x if attempt.error is None else None


def _near_cells(plan: PoolPlan, window, shape) -> list[tuple[int, int]]:
    """Cells of x nearest torch's window, at most MAX_PROBES."""
    w = next(w for w in plan.windows() if (w.out_row, w.out_col) == window)
    cells = [(r, c) for r in range(shape[0]) for c in range(shape[1])]
    return sorted(cells, key=lambda cell: _distance(w, cell))[:MAX_PROBES]


def _near_windows(plan: PoolPlan, cell) -> list[tuple[int, int]]:
    """Windows whose centre is nearest ``cell``, at most MAX_PROBES (those covering it first)."""
    return [(w.out_row, w.out_col) for w in sorted(plan.windows(), key=lambda w: _distance(w, cell))[:MAX_PROBES]]


def _distance(w, cell) -> float:
    """How far a cell's centre lies from a torch window's centre, in cells (the larger axis)."""
    rows, cols = (w.row_start + w.row_stop) / 2, (w.col_start + w.col_stop) / 2
    return max(abs(cell[0] + 0.5 - rows), abs(cell[1] + 0.5 - cols))


def _reading(window, weights: np.ndarray, cell) -> WindowReading | None:
    """A window read from its weights: the box of cells with a weight, and 1/weight (None
    when it does not reach ``cell``); None when its cells are weighed unevenly."""
    read = np.argwhere(weights != 0)
    if read.size == 0:
        return WindowReading(window, None, None)
    (top, left), (bottom, right) = read.min(axis=0), read.max(axis=0) + 1
    box = (int(top), int(bottom), int(left), int(right))
    values = weights[top:bottom, left:right]
    if (values == 0).any() or not np.allclose(values, values.flat[0], rtol=1e-5, atol=0):
        return None
    if cell is not None and weights[cell] == 0:
        return WindowReading(window, box, None)
    return WindowReading(window, box, float(f"{1.0 / float(values.flat[0]):.6g}"))  # float32's 9.0000003 is 9


def _torch_reading(w, shape, cell) -> WindowReading:
    box = (max(w.row_start, 0), min(w.row_stop, shape[0]), max(w.col_start, 0), min(w.col_stop, shape[1]))
    reaches = cell is None or _covers(w, cell)
    return WindowReading((w.out_row, w.out_col), box, float(w.divisor) if reaches else None)


def _covers(w, cell) -> bool:
    return w.row_start <= cell[0] < w.row_stop and w.col_start <= cell[1] < w.col_stop


def _kind(w, shape) -> str:
    """What torch's window reaches beyond x: ceil_mode's overhang, or padding, or neither."""
    if w.row_reach > w.row_stop or w.col_reach > w.col_stop:
        return "overhang"
    if w.row_start < 0 or w.col_start < 0 or w.row_stop > shape[0] or w.col_stop > shape[1]:
        return "padding"
    return ""


def _same(theirs: WindowReading, torch: WindowReading) -> bool:
    if theirs.divisor is None and torch.divisor is None:
        return True  # neither reaches the clicked cell
    return theirs.box == torch.box and theirs.divisor is not None and np.isclose(theirs.divisor, torch.divisor or 0)


def _close(found: float, value: float, scale: np.ndarray, dtype: str) -> bool:
    return abs(found - value) <= 10 * tolerance(np.asarray(scale, dtype=float), dtype)
