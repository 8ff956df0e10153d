"""The fast engine under every pooling: sums over windows, and their adjoint, spreading.

``box_sums(values, rows, cols)`` sums ``values`` (B, H, W) over every window (row window
times column window); ``box_spread`` is its adjoint, the backward pass's tool: input cell
(r, c) gets the sum of the values of the windows that contain it. Average pooling divides
the sums by the divisors (``pooling.avg``); the same windows serve max pooling's geometry.

How it is fast, whatever the kernel size:
* one axis at a time (a 2D window is a row range times a column range);
* evenly spaced windows are strided slices of the padded axis; small kernels add the k
  slices, large ones take differences of a prefix sum;
* large inputs go in stripes of rows that stay in cache;
* nan and inf reach only the cells torch's loops reach (``_nonfinite_safe``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pooling.geometry import AxisWindows

__all__ = ["as_batch", "box_spread", "box_sums"]


# ---------------------------------------------------------------------------------------
# One axis: window sums (forward) and their adjoint, spreading (backward).
#
# Evenly spaced windows (kernel k, stride s, padding p) work on the padded axis, where window
# o covers cells o*s .. o*s + k - 1, so every step is a strided slice:
#   small k: add the k strided slices, one per kernel offset (k passes over the output);
#   large k: a prefix sum P, then sum of window o = P[o*s + k] - P[o*s] (cost independent of k).
# Adaptive windows are not evenly spaced; they use prefix sums with gathers.

DIRECT_MAX_KERNEL = 3  # above this many offsets, the prefix sum is faster (see benchmarks/)


def _along(axis: int, ndim: int, index: slice) -> tuple[slice, ...]:
    """Index tuple that applies ``index`` along ``axis`` and keeps the other axes whole."""
    full = [slice(None)] * ndim
    full[axis] = index
    return tuple(full)


def _strided(axis: int, ndim: int, windows: AxisWindows, offset: int) -> tuple[slice, ...]:
    """Index of cell ``o*stride + offset`` of the padded axis, for every window o."""
    span = (windows.count - 1) * windows.stride + 1
    return _along(axis, ndim, slice(offset, offset + span, windows.stride))


def _padded_length(windows: AxisWindows) -> int:
    """Cells of the padded axis that the windows reach (ceil_mode overhang included)."""
    return (windows.count - 1) * windows.stride + windows.kernel


def _resize_axis(values: np.ndarray, axis: int, start: int, length: int) -> np.ndarray:
    """Cells ``start .. start + length - 1`` of ``values`` along ``axis``, zeros where outside."""
    size = values.shape[axis]
    kept = values[_along(axis, values.ndim, slice(max(start, 0), min(start + length, size)))]
    before, after = max(-start, 0), max(start + length - size, 0)
    if before == 0 and after == 0:
        return kept
    widths = [(0, 0)] * values.ndim
    widths[axis] = (before, after)
    return np.pad(kept, widths)


def _sum_windows(values: np.ndarray, axis: int, windows: AxisWindows) -> np.ndarray:
    """Sum ``values`` over each window along ``axis``."""
    ndim = values.ndim
    if windows.stride is None:  # adaptive: P[stop] - P[start], P the prefix sum
        prefix = _prefix_sum(values, axis)
        return np.take(prefix, windows.input_stop, axis) - np.take(prefix, windows.input_start, axis)
    # Padding cells are zeros, so they add nothing to a window's sum.
    padded = _resize_axis(values, axis, -windows.padding, _padded_length(windows))
    if windows.kernel <= DIRECT_MAX_KERNEL:
        total = padded[_strided(axis, ndim, windows, 0)]
        for offset in range(1, windows.kernel):
            total = total + padded[_strided(axis, ndim, windows, offset)]
        return total
    prefix = _prefix_sum(padded, axis)
    return prefix[_strided(axis, ndim, windows, windows.kernel)] - prefix[_strided(axis, ndim, windows, 0)]


def _spread_windows(values: np.ndarray, axis: int, windows: AxisWindows) -> np.ndarray:
    """Adjoint of ``_sum_windows``: input cell j gets the sum of ``values[o]`` over the
    windows o that contain it."""
    ndim = values.ndim
    if windows.stride is None:
        # Windows are sorted, so those containing j are the ones opened at or before j
        # minus the ones closed at or before j: again a difference of prefix sums.
        prefix = _prefix_sum(values, axis)
        cells = np.arange(windows.size)
        opened = np.searchsorted(windows.input_start, cells, side="right")
        closed = np.searchsorted(windows.input_stop, cells, side="right")
        return np.take(prefix, opened, axis) - np.take(prefix, closed, axis)
    length, shape = _padded_length(windows), list(values.shape)
    if windows.kernel <= DIRECT_MAX_KERNEL or windows.kernel == windows.stride:
        # Add each window's value to its k cells, one kernel offset at a time. When the
        # windows tile the axis, every cell is written once: no need to zero or add.
        shape[axis] = length
        tiles = windows.kernel == windows.stride
        padded = np.empty(shape) if tiles else np.zeros(shape)
        for offset in range(windows.kernel):
            if windows.stride >= windows.kernel:  # windows do not overlap: nothing to add to
                padded[_strided(axis, ndim, windows, offset)] = values
            else:
                padded[_strided(axis, ndim, windows, offset)] += values
    else:
        # Mark +value where each window opens and -value where it closes; a running sum
        # then holds, at each cell, the values of the windows open there.
        shape[axis] = length + 1
        marks = np.zeros(shape)
        marks[_strided(axis, ndim, windows, 0)] = values
        marks[_strided(axis, ndim, windows, windows.kernel)] -= values
        marks = marks[_along(axis, ndim, slice(0, length))]
        padded = _cumsum(marks, axis, out=marks)
    # Back to input coordinates: padding cells receive nothing, uncovered cells get zeros.
    return _resize_axis(padded, axis, windows.padding, windows.size)


def _prefix_sum(values: np.ndarray, axis: int) -> np.ndarray:
    """``P`` with ``P[j] = values[:j].sum()`` along ``axis`` (one more entry than values)."""
    shape = list(values.shape)
    shape[axis] += 1
    prefix = np.zeros(shape)
    _cumsum(values, axis, out=prefix[_along(axis, values.ndim, slice(1, None))])
    return prefix


def _cumsum(values: np.ndarray, axis: int, out: np.ndarray) -> np.ndarray:
    """``np.cumsum`` into ``out``. Along an axis other than the last, numpy's cumsum walks
    memory with a large stride and is ~6x slower than adding whole rows one after another."""
    axis = axis % values.ndim
    if axis == values.ndim - 1 or values.size < ROW_LOOP_MIN_CELLS * values.shape[axis]:
        return np.cumsum(values, axis=axis, out=out)
    rows, out_rows = np.moveaxis(values, axis, 0), np.moveaxis(out, axis, 0)
    out_rows[0] = rows[0]
    for i in range(1, len(rows)):
        np.add(out_rows[i - 1], rows[i], out=out_rows[i])
    return out


ROW_LOOP_MIN_CELLS = 64  # below this many cells per row, one numpy call beats a Python loop


def box_sums(values: np.ndarray, rows: AxisWindows, cols: AxisWindows) -> np.ndarray:
    """Sum of each 2D window of ``values`` (B, H, W): shape (B, rows.count, cols.count)."""

    def sums(values: np.ndarray) -> np.ndarray:
        stripes = list(_row_stripes(rows, values.shape[0] * cols.size))
        if len(stripes) == 1:
            return _sum_windows(_sum_windows(values, -2, rows), -1, cols)
        result = np.empty(values.shape[:-2] + (rows.count, cols.count))
        for first, last, stripe, outputs in stripes:
            band = _sum_windows(values[:, first:last], -2, stripe)
            result[:, outputs] = _sum_windows(band, -1, cols)
        return result

    return _nonfinite_safe(sums, values, check_result=True)


def box_spread(values: np.ndarray, rows: AxisWindows, cols: AxisWindows) -> np.ndarray:
    """Adjoint of ``box_sums``: shape (B, rows.size, cols.size)."""

    def spread(values: np.ndarray) -> np.ndarray:
        stripes = list(_row_stripes(rows, values.shape[0] * cols.size))
        if len(stripes) == 1:
            return _spread_windows(_spread_windows(values, -1, cols), -2, rows)
        result = np.zeros(values.shape[:-2] + (rows.size, cols.size))
        for first, last, stripe, outputs in stripes:
            band = _spread_windows(_spread_windows(values[:, outputs], -1, cols), -2, stripe)
            if rows.kernel <= rows.stride:  # stripes do not overlap: nothing to add to
                result[:, first:last] = band
            else:
                result[:, first:last] += band
        return result

    return _nonfinite_safe(spread, values, check_result=False)


STRIPE_CELLS = 1 << 16  # input cells per stripe: 512 kB of float64, so a stripe stays in cache


def _row_stripes(rows: AxisWindows, cells_per_row: int):
    """Split the row windows into stripes of consecutive windows, to work in cache.

    Yields (first input row, last input row + 1, the stripe's windows in the stripe's own
    row coordinates, the slice of output rows). Adaptive windows come as one stripe.
    """
    if rows.stride is None:
        yield 0, rows.size, rows, slice(None)
        return
    per_stripe = max(1, STRIPE_CELLS // max(cells_per_row * rows.stride, 1))
    for begin in range(0, rows.count, per_stripe):
        end = min(begin + per_stripe, rows.count)
        first = max(int(rows.start[begin]), 0)
        last = min(int(rows.start[end - 1]) + rows.kernel, rows.size)
        stripe = AxisWindows(
            last - first,
            rows.start[begin:end] - first,
            rows.stop[begin:end] - first,
            rows.kernel,
            rows.stride,
            padding=first - int(rows.start[begin]),  # rows of padding above the stripe
        )
        yield first, last, stripe, slice(begin, end)


def _nonfinite_safe(
    linear_map: Callable[[np.ndarray], np.ndarray], values: np.ndarray, check_result: bool
) -> np.ndarray:
    """Apply a sum-of-cells map so that inf and nan reach only the cells torch's loops reach.

    Prefix sums would smear one nan over every later window; instead sum the finite part,
    and count separately how many nan, +inf and -inf cells feed each result cell. The fast
    path is exact when ``values`` is all finite, and a non-finite value that any window sees
    always makes the fast result non-finite somewhere. So the forward pass checks its result
    and the backward pass its input: the smaller array of each.
    """
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is nan, silently, as in torch
        if not check_result and np.isfinite(values.sum()):  # any nan or inf makes the sum non-finite
            return linear_map(values)
        if check_result:
            result = linear_map(values)
            if np.isfinite(result.sum()):
                return result
    finite = np.isfinite(values)
    result = linear_map(np.where(finite, values, 0.0))
    positive = linear_map((values == np.inf).astype(np.float64)) > 0
    negative = linear_map((values == -np.inf).astype(np.float64)) > 0
    nan = linear_map(np.isnan(values).astype(np.float64)) > 0
    result[positive] = np.inf
    result[negative] = -np.inf
    result[nan | (positive & negative)] = np.nan  # inf + (-inf) is nan
    return result


def as_batch(values: np.ndarray) -> np.ndarray:
    """(H, W), (C, H, W) or (N, C, H, W) -> (B, H, W) float64."""
    return values.reshape((-1,) + values.shape[-2:]).astype(np.float64, copy=False)
