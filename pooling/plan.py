"""One validated pooling configuration: the plan every pass and every picture is made from.

``pool_plan(input_shape, kernel_size, stride, padding, ...)`` checks the arguments exactly as
torch does (and explains what it rejects) once, and returns a ``PoolPlan``: the row and
column windows, the output shape and the divisors. Forward, backward, max pooling and the
geometry (window list, coverage, pooling matrix) all take the plan, so one view of the app
checks its configuration once. ``adaptive_plan`` does the same for adaptive pooling.

The torch-style functions (``windows``, ``coverage``, ``avg_pool2d_divisors``,
``pooling_matrix``, and ``avg_pool2d`` & co. in their modules) are thin wrappers:
``windows(shape, 2)`` is ``pool_plan(shape, 2).windows()``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pooling.errors import PoolingError
from pooling.geometry import AxisWindows, Window, adaptive_axis_windows, axis_windows, output_size

__all__ = [
    "PoolPlan",
    "adaptive_plan",
    "avg_pool2d_divisors",
    "check_pool2d_args",
    "coverage",
    "float_array",
    "pool_plan",
    "pooling_matrix",
    "windows",
]

IntPair = tuple[int, int]
AXES = ("height", "width")
MAX_MATRIX_ENTRIES = 1 << 22


# ---------------------------------------------------------------------------------------
# The plan.


@dataclass(frozen=True)
class PoolPlan:
    """A checked pooling configuration for inputs of shape ``input_shape`` ((H, W), (C, H, W)
    or (N, C, H, W)): window (o, q) is row window o of ``rows`` times column window q of
    ``cols``. Its divisor is ``divisor_override`` if set, else its cell count (padding cells
    counted when ``count_include_pad``)."""

    input_shape: tuple[int, ...]
    rows: AxisWindows
    cols: AxisWindows
    count_include_pad: bool = True
    divisor_override: int | None = None

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The shape of y: the input's leading dimensions, then (H_out, W_out)."""
        return self.input_shape[:-2] + (self.rows.count, self.cols.count)

    @property
    def divisors(self) -> np.ndarray:
        """torch's divisor of every window, shape (H_out, W_out)."""
        if self.divisor_override is not None:
            return np.full((self.rows.count, self.cols.count), float(self.divisor_override))
        row_cells, col_cells = self.rows.lengths(self.count_include_pad), self.cols.lengths(self.count_include_pad)
        return np.outer(row_cells, col_cells).astype(np.float64)

    @property
    def divisor(self) -> np.ndarray | float:
        """The divisors as one number when they are all equal (cheaper to divide by)."""
        if self.divisor_override is not None:
            return float(self.divisor_override)
        row_cells, col_cells = self.rows.lengths(self.count_include_pad), self.cols.lengths(self.count_include_pad)
        if row_cells.size and col_cells.size and np.ptp(row_cells) == 0 and np.ptp(col_cells) == 0:
            return float(row_cells[0] * col_cells[0])
        return self.divisors

    def check_input(self, x: object) -> np.ndarray:
        """``x`` as float64, refused unless it has the shape this plan was made for."""
        x = float_array(x, "x")
        if x.shape != self.input_shape:
            raise PoolingError("input_shape", shape=x.shape, expected=self.input_shape)
        return x

    def check_grad_output(self, grad_output: object) -> np.ndarray:
        """``grad_output`` as float64, refused unless it has one entry per output cell."""
        grad_output = float_array(grad_output, "grad_output")
        if grad_output.shape != self.output_shape:
            raise PoolingError("grad_output_shape", shape=grad_output.shape, expected=self.output_shape)
        return grad_output

    def windows(self) -> list[Window]:
        """Every window in row-major order of the output, with its bounds and divisor."""
        divisors = self.divisors
        row_cells, col_cells = self.rows.lengths(False), self.cols.lengths(False)
        rows, cols = self.rows, self.cols
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
                rows.kernel,
                cols.kernel,
            )
            for i in range(rows.count)
            for j in range(cols.count)
        ]

    def coverage(self) -> np.ndarray:
        """How many windows include each input cell, shape (H, W)."""
        return np.outer(self.rows.membership().sum(0), self.cols.membership().sum(0))

    def matrix(self) -> np.ndarray:
        """The matrix A with ``y.ravel() == A @ x.ravel()`` (and ``A.T`` for the backward pass)."""
        rows, cols = self.rows, self.cols
        entries = rows.count * cols.count * rows.size * cols.size
        if entries > MAX_MATRIX_ENTRIES:
            raise PoolingError("matrix_large", rows=rows.size, cols=cols.size, entries=f"{entries:,}")
        # Row o*W_out + q of A is window (o, q): the outer product of its row and column
        # memberships, divided by the window's divisor.
        return np.kron(rows.membership(), cols.membership()) / self.divisors.reshape(-1, 1)


def pool_plan(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> PoolPlan:
    """The checked plan of ``F.avg_pool2d`` (and ``F.max_pool2d``, which ignores the last two).

    >>> plan = pool_plan((4, 4), kernel_size=2)
    >>> plan.output_shape, plan.divisor
    ((2, 2), 4.0)
    """
    size, kernel, steps, pads = check_pool2d_args(
        input_shape, kernel_size, stride, padding, ceil_mode, divisor_override
    )
    rows, cols = (axis_windows(n, k, s, p, ceil_mode) for n, k, s, p in zip(size, kernel, steps, pads))
    override = None if divisor_override is None else int(divisor_override)
    return PoolPlan(tuple(int(n) for n in input_shape), rows, cols, bool(count_include_pad), override)


def adaptive_plan(input_shape: Sequence[int], output_size: int | Sequence[int | None] | None) -> PoolPlan:
    """The checked plan of ``F.adaptive_avg_pool2d``: windows chosen to give ``output_size``
    (None keeps that input size); each window divides by its own cell count.

    >>> adaptive_plan((5, 5), 3).rows.start.tolist()
    [0, 1, 3]
    """
    size = _spatial_shape(input_shape, allow_empty_channels=True)
    if not isinstance(output_size, (list, tuple)):
        output_size = (output_size,)
    if len(output_size) not in (1, 2):
        raise PoolingError("output_size_pair", value=tuple(output_size))
    pair = tuple(output_size) * (2 // len(output_size))
    output = [n if out is None else _whole_number(out, "output_size") for n, out in zip(size, pair)]
    if min(output) < 0:
        raise PoolingError("output_size_negative", value=output)
    rows, cols = (adaptive_axis_windows(n, out) for n, out in zip(size, output))
    return PoolPlan(tuple(int(n) for n in input_shape), rows, cols, count_include_pad=False)


def float_array(values: object, name: str) -> np.ndarray:
    """``values`` as a float64 array, or a PoolingError that says why not."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PoolingError("not_numbers", name=name, reason=error) from None


# ---------------------------------------------------------------------------------------
# Argument checks: reject exactly what torch rejects, explained for a learner.


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
# The geometry in torch's vocabulary: thin wrappers over the plan.


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
    return pool_plan(input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override).divisors


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
    return pool_plan(
        input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    ).windows()


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
    return pool_plan(input_shape, kernel_size, stride, padding, ceil_mode).coverage()


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
    return pool_plan(input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override).matrix()
