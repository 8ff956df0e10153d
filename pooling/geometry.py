"""Where the pooling windows fall: sizes, bounds, divisors, coverage and the pooling matrix.

Everything here follows torch's ``AvgPool2d`` / ``MaxPool2d`` rules, one axis at a time.
Along an axis of ``n`` input cells with kernel ``k``, stride ``s`` and padding ``p``:

* ``out = floor((n + 2p - k) / s) + 1`` (``ceil`` with ``ceil_mode``, but then the last
  window must start inside the input or the left padding, else it is dropped);
* window ``o`` starts at ``o*s - p`` and stops at ``min(o*s - p + k, n + p)`` (input
  coordinates: negative means left padding, ``>= n`` right padding). The ``ceil_mode``
  overhang beyond the right padding is not part of the window.

A 2D window is the product of a row window and a column window, so its divisor, the
coverage map and the pooling matrix all factor into a row part and a column part.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pooling.errors import PoolingError

__all__ = [
    "AxisWindows",
    "Window",
    "adaptive_axis_windows",
    "avg_pool2d_divisors",
    "axis_windows",
    "check_pool2d_args",
    "coverage",
    "output_size",
    "pooling_matrix",
    "windows",
]

IntPair = tuple[int, int]
AXES = ("height", "width")


# ---------------------------------------------------------------------------------------
# Parameter checks: reject exactly what torch rejects, explained for a learner.


def _whole_number(value: object, name: str) -> int:
    """One whole number, as torch's int arguments demand (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise PoolingError("whole_number", name=name, value=repr(value))
    return int(value)


def _pair(value: int | Sequence[int], name: str) -> IntPair:
    """An int or a 1- or 2-sequence of ints, as torch takes them, as (height, width)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [_whole_number(v, name) for v in value]
        if len(items) == 1:
            return items[0], items[0]
        if len(items) == 2:
            return items[0], items[1]
        raise PoolingError("pair", name=name, value=tuple(items))
    number = _whole_number(value, name)
    return number, number


def _spatial_shape(shape: Sequence[int], allow_empty_channels: bool = False) -> IntPair:
    """(H, W) of an input of shape (H, W), (C, H, W) or (N, C, H, W); torch's emptiness rules."""
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3, 4):
        raise PoolingError("dimensions", shape=shape)
    # torch allows an empty batch N; C, H and W must be non-empty (adaptive pooling also
    # allows an empty C).
    must_be_filled = shape[-2:] if allow_empty_channels else shape[-3:]
    if any(n < 1 for n in must_be_filled):
        raise PoolingError("empty_dimension", shape=shape)
    return shape[-2], shape[-1]


def check_pool2d_args(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    divisor_override: int | None = None,
) -> tuple[IntPair, IntPair, IntPair, IntPair]:
    """Check arguments as torch does; return (input (H, W), kernel, stride, padding) pairs."""
    kernel = _pair(kernel_size, "kernel_size")
    no_stride = stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
    steps = kernel if no_stride else _pair(stride, "stride")
    pads = _pair(padding, "padding")
    for axis, k, s, p in zip(AXES, kernel, steps, pads):
        if k < 1:
            raise PoolingError("kernel_small", kernel=k, axis=axis)
        if s < 1:
            raise PoolingError("stride_small", stride=s, axis=axis)
        if p < 0:
            raise PoolingError("padding_negative", padding=p, axis=axis)
        if p > k // 2:
            raise PoolingError("padding_large", padding=p, axis=axis, kernel=k, half=k // 2)
    size = _spatial_shape(input_shape)
    for axis, n, k, s, p in zip(AXES, size, kernel, steps, pads):
        if output_size(n, k, s, p, ceil_mode) < 1:
            raise PoolingError(
                "kernel_large_or_pad" if p < k // 2 else "kernel_large",
                kernel=k,
                axis=axis,
                size=n,
                padding=p,
                padded=n + 2 * p,
                half=k // 2,
            )
    if divisor_override is not None and _whole_number(divisor_override, "divisor_override") == 0:
        raise PoolingError("divisor_zero")
    return size, kernel, steps, pads


# ---------------------------------------------------------------------------------------
# One axis.


def output_size(n: int, kernel: int, stride: int, padding: int = 0, ceil_mode: bool = False) -> int:
    """Number of windows along one axis of ``n`` cells (torch's rule, arguments assumed valid).

    >>> output_size(4, 2, 2), output_size(32, 8, 4, ceil_mode=True)
    (2, 7)
    """
    span = n + 2 * padding - kernel
    if ceil_mode:
        out = -(-span // stride) + 1
        # The last window must start inside the input or the left padding.
        if (out - 1) * stride >= n + padding:
            out -= 1
        return out
    return span // stride + 1


@dataclass(frozen=True)
class AxisWindows:
    """The windows along one axis: window ``o`` covers cells ``start[o] .. stop[o] - 1``.

    ``start``/``stop`` are input coordinates that may reach into the padding (negative, or
    ``>= size``); ``input_start``/``input_stop`` are the same windows clipped to the input.
    Both are non-decreasing in ``o``. Evenly spaced windows (avg and max pooling) also keep
    their ``kernel``, ``stride`` and ``padding``; adaptive windows have ``stride`` None.
    """

    size: int
    start: np.ndarray
    stop: np.ndarray
    kernel: int = 0
    stride: int | None = None
    padding: int = 0

    @property
    def count(self) -> int:
        return len(self.start)

    @property
    def input_start(self) -> np.ndarray:
        return np.clip(self.start, 0, self.size)

    @property
    def input_stop(self) -> np.ndarray:
        return np.clip(self.stop, 0, self.size)

    def lengths(self, include_padding: bool) -> np.ndarray:
        """Cells per window, with or without the padding cells."""
        if include_padding:
            return self.stop - self.start
        return self.input_stop - self.input_start

    def membership(self) -> np.ndarray:
        """0/1 matrix (count x size): entry [o, j] is 1 when input cell j is in window o."""
        cells = np.arange(self.size)
        inside = (cells >= self.input_start[:, None]) & (cells < self.input_stop[:, None])
        return inside.astype(np.float64)


def axis_windows(n: int, kernel: int, stride: int, padding: int = 0, ceil_mode: bool = False) -> AxisWindows:
    """The avg/max pooling windows along one axis (arguments assumed valid).

    >>> w = axis_windows(7, 2, 3, ceil_mode=True)
    >>> w.start.tolist(), w.stop.tolist()
    ([0, 3, 6], [2, 5, 7])
    """
    start = np.arange(output_size(n, kernel, stride, padding, ceil_mode)) * stride - padding
    stop = np.minimum(start + kernel, n + padding)
    return AxisWindows(n, start, stop, kernel, stride, padding)


def adaptive_axis_windows(n: int, out: int) -> AxisWindows:
    """Adaptive pooling windows: window ``o`` covers ``floor(o*n/out) .. ceil((o+1)*n/out) - 1``.

    >>> w = adaptive_axis_windows(5, 3)
    >>> w.start.tolist(), w.stop.tolist()
    ([0, 1, 3], [2, 4, 5])
    """
    o = np.arange(out)
    return AxisWindows(n, (o * n) // out, -((-(o + 1) * n) // out))


# ---------------------------------------------------------------------------------------
# Two axes: a window is a row window times a column window.


def _pool_axes(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None,
    padding: int | Sequence[int],
    ceil_mode: bool,
    divisor_override: int | None = None,
) -> tuple[AxisWindows, AxisWindows]:
    """Checked row and column windows for a pooling configuration."""
    size, kernel, steps, pads = check_pool2d_args(
        input_shape, kernel_size, stride, padding, ceil_mode, divisor_override
    )
    rows, cols = (axis_windows(n, k, s, p, ceil_mode) for n, k, s, p in zip(size, kernel, steps, pads))
    return rows, cols


def divisor_grid(
    rows: AxisWindows, cols: AxisWindows, count_include_pad: bool, divisor_override: int | None
) -> np.ndarray:
    """torch's divisor of every window: the override, else (window rows) * (window columns)."""
    if divisor_override is not None:
        return np.full((rows.count, cols.count), float(divisor_override))
    return np.outer(rows.lengths(count_include_pad), cols.lengths(count_include_pad)).astype(np.float64)


def avg_pool2d_divisors(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """The divisor of each output cell, shape (H_out, W_out).

    >>> avg_pool2d_divisors((3, 3), 2, 2, padding=1, count_include_pad=False).tolist()
    [[1.0, 2.0], [2.0, 4.0]]
    """
    rows, cols = _pool_axes(input_shape, kernel_size, stride, padding, ceil_mode, divisor_override)
    return divisor_grid(rows, cols, count_include_pad, divisor_override)


@dataclass(frozen=True)
class Window:
    """One pooling window: output cell (out_row, out_col) reads input rows
    ``row_start .. row_stop - 1`` and columns ``col_start .. col_stop - 1`` (input coordinates,
    reaching into the padding where negative or past the input)."""

    out_row: int
    out_col: int
    row_start: int
    row_stop: int
    col_start: int
    col_stop: int
    input_cells: int
    divisor: float

    @property
    def cells(self) -> int:
        return (self.row_stop - self.row_start) * (self.col_stop - self.col_start)

    @property
    def padding_cells(self) -> int:
        """How many cells of the window are padding."""
        return self.cells - self.input_cells


def windows(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> list[Window]:
    """Every window in row-major order of the output, with its bounds and divisor.

    >>> w = windows((4, 4), 3, 2, padding=1)
    >>> (w[0].row_start, w[0].row_stop, w[0].padding_cells, w[0].divisor)
    (-1, 2, 5, 9.0)
    """
    rows, cols = _pool_axes(input_shape, kernel_size, stride, padding, ceil_mode, divisor_override)
    divisors = divisor_grid(rows, cols, count_include_pad, divisor_override)
    row_cells, col_cells = rows.lengths(False), cols.lengths(False)
    return [
        Window(
            i,
            j,
            int(rows.start[i]),
            int(rows.stop[i]),
            int(cols.start[j]),
            int(cols.stop[j]),
            int(row_cells[i] * col_cells[j]),
            float(divisors[i, j]),
        )
        for i in range(rows.count)
        for j in range(cols.count)
    ]


def coverage(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
) -> np.ndarray:
    """How many windows include each input cell, shape (H, W).

    >>> coverage((3, 3), 2, 1).astype(int).tolist()
    [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    """
    rows, cols = _pool_axes(input_shape, kernel_size, stride, padding, ceil_mode)
    return np.outer(rows.membership().sum(0), cols.membership().sum(0))


MAX_MATRIX_ENTRIES = 1 << 22


def pooling_matrix(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """The matrix A of average pooling, so that ``y.ravel() == A @ x.ravel()`` and the backward
    pass is ``grad_input.ravel() == A.T @ grad_output.ravel()``. Shape (H_out*W_out, H*W).

    >>> pooling_matrix((2, 2), 2).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """
    rows, cols = _pool_axes(input_shape, kernel_size, stride, padding, ceil_mode, divisor_override)
    entries = rows.count * cols.count * rows.size * cols.size
    if entries > MAX_MATRIX_ENTRIES:
        raise PoolingError("matrix_large", rows=rows.size, cols=cols.size, entries=f"{entries:,}")
    # Row o*W_out + q of A is window (o, q): the outer product of its row and column
    # memberships, divided by the window's divisor.
    membership = np.kron(rows.membership(), cols.membership())
    return membership / divisor_grid(rows, cols, count_include_pad, divisor_override).reshape(-1, 1)
