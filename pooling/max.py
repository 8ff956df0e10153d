"""Max pooling, forward and backward, as torch computes it on the CPU (numpy only).

Forward:  ``y[o, q]`` is the largest x in window (o, q); torch scans the window row by row and
keeps the first maximum (a later cell wins only if strictly larger, or if it is nan).
Backward: the whole of ``grad_output[o, q]`` goes to that one cell; the others get nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pooling.geometry import AxisWindows
from pooling.plan import PoolPlan, float_array, pool_plan
from pooling.window_sums import as_batch

__all__ = ["max_backward", "max_forward", "max_pool2d", "max_pool2d_backward"]


def _argmax_windows(x: np.ndarray, rows: AxisWindows, cols: AxisWindows) -> tuple[np.ndarray, np.ndarray]:
    """Max of every window of x (B, H, W) and its flat index ``row * W + col``, torch's way."""
    height, width = rows.size, cols.size
    batch = x.shape[0]
    best = np.full((batch, rows.count, cols.count), -np.inf)
    # torch starts each window's argmax at its first input cell.
    best_index = np.broadcast_to(rows.input_start[:, None] * width + cols.input_start[None, :], best.shape).copy()
    # Visit the window's cells in torch's order (row by row), all windows at once.
    for row_offset in range(rows.kernel):
        row = rows.start + row_offset
        row_inside = (row >= 0) & (row < rows.input_stop)
        for col_offset in range(cols.kernel):
            col = cols.start + col_offset
            inside = row_inside[:, None] & ((col >= 0) & (col < cols.input_stop))[None, :]
            index = np.clip(row, 0, height - 1)[:, None] * width + np.clip(col, 0, width - 1)[None, :]
            candidate = x.reshape(batch, height * width)[:, index]
            wins = inside & ((candidate > best) | np.isnan(candidate))
            best = np.where(wins, candidate, best)
            best_index = np.where(wins, index, best_index)
    return best, best_index


def max_forward(x: np.ndarray, plan: PoolPlan) -> tuple[np.ndarray, np.ndarray]:
    """y (the largest x of each window) and where each came from (flat ``row * W + col``)."""
    values, indices = _argmax_windows(as_batch(plan.check_input(x)), plan.rows, plan.cols)
    return values.reshape(plan.output_shape), indices.reshape(plan.output_shape)


def max_backward(grad_output: np.ndarray, x: np.ndarray, plan: PoolPlan) -> np.ndarray:
    """∂L/∂x: each output's whole gradient goes to its window's argmax; a cell that is the
    max of several windows adds them up."""
    batch_x = as_batch(plan.check_input(x))
    _, indices = _argmax_windows(batch_x, plan.rows, plan.cols)
    grad_output = plan.check_grad_output(grad_output)
    batch, cells = batch_x.shape[0], batch_x.shape[1] * batch_x.shape[2]
    flat_index = (indices + cells * np.arange(batch)[:, None, None]).ravel()
    grad_input = np.bincount(flat_index, weights=as_batch(grad_output).ravel(), minlength=batch * cells)
    return grad_input.reshape(plan.input_shape)


# ---------------------------------------------------------------------------------------
# In torch's vocabulary.


def max_pool2d(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """2D max pooling, as ``F.max_pool2d`` (indices are flat ``row * W + col``, as torch's).

    >>> max_pool2d(np.arange(16.0).reshape(4, 4), 2).tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    x = float_array(x, "x")
    values, indices = max_forward(x, pool_plan(x.shape, kernel_size, stride, padding, ceil_mode))
    return (values, indices) if return_indices else values


def max_pool2d_backward(
    grad_output: np.ndarray,
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
) -> np.ndarray:
    """Gradient with respect to the input of ``max_pool2d``, given ∂L/∂y and the input x.

    >>> max_pool2d_backward(np.ones((1, 1)), np.array([[1.0, 3.0], [2.0, 0.0]]), 2).tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    x = float_array(x, "x")
    return max_backward(grad_output, x, pool_plan(x.shape, kernel_size, stride, padding, ceil_mode))
