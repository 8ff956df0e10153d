"""Where the pooling windows fall: sizes, bounds, divisors, coverage and the pooling matrix.

Everything here follows torch's ``AvgPool2d`` / ``MaxPool2d`` rules, one axis at a time.
Along an axis of ``n`` input cells with kernel ``k``, stride ``s`` and padding ``p``:

* ``out = floor((n + 2p - k) / s) + 1`` (``ceil`` with ``ceil_mode``, but then the last
  window must start inside the input or the left padding, else it is dropped);
* window ``o`` starts at ``o*s - p`` and stops at ``min(o*s - p + k, n + p)`` (input
  coordinates: negative means left padding, ``>= n`` right padding). The ``ceil_mode``
  overhang beyond the right padding is not part of the window.

A 2D window is the product of a row window and a column window, so its divisor, the
coverage map and the pooling matrix all factor into a row part and a column part
(``pooling.plan`` puts the two axes together, checked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AxisWindows", "Window", "adaptive_axis_windows", "axis_windows", "output_size"]


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
# Two axes: a window is a row window times a column window (``pooling.plan`` pairs them).


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
    # The kernel's rows and columns (0: adaptive windows, which are their whole kernel). With
    # ceil_mode the last windows' kernel reaches past the padding: that overhang is not read
    # and not counted (``row_stop`` stops at the padding), so it is only drawn and explained.
    kernel_rows: int = 0
    kernel_cols: int = 0

    @property
    def cells(self) -> int:
        return (self.row_stop - self.row_start) * (self.col_stop - self.col_start)

    @property
    def row_reach(self) -> int:
        """Where the kernel's rows end: ``row_stop``, or past it where ceil_mode's kernel overhangs."""
        return max(self.row_stop, self.row_start + self.kernel_rows)

    @property
    def col_reach(self) -> int:
        """Where the kernel's columns end (``col_stop``, or past it)."""
        return max(self.col_stop, self.col_start + self.kernel_cols)

    @property
    def overhang_cells(self) -> int:
        """How many kernel cells lie beyond the padding (ceil_mode's overhang): neither read nor counted.

        >>> from pooling import windows
        >>> [w.overhang_cells for w in windows((6, 6), 3, 2, 1, ceil_mode=True)][-1]
        5
        """
        return (self.row_reach - self.row_start) * (self.col_reach - self.col_start) - self.cells

    @property
    def padding_cells(self) -> int:
        """How many cells of the window are padding."""
        return self.cells - self.input_cells
