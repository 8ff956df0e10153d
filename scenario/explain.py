"""Sentences that explain the numbers on screen, with the actual numbers substituted."""

from __future__ import annotations

import numpy as np

from pooling import Window
from pooling.geometry import output_size

__all__ = [
    "divisor_summary",
    "explain_input_cell",
    "explain_output_cell",
    "number",
    "output_size_text",
    "replay_step_text",
    "windows_covering",
]

MAX_LISTED_TERMS = 9  # longer sums are summarised instead of spelled out


def number(value: float) -> str:
    """A value as the heatmap cells print it (4 significant digits).

    >>> number(0.25), number(1 / 9), number(-2.0), number(12.3456)
    ('0.25', '0.1111', '-2', '12.35')
    """
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def output_size_text(n: int, kernel: int, stride: int, padding: int, ceil_mode: bool, symbol: str) -> str:
    """How torch gets the output size along one axis, with the numbers (Markdown).

    >>> output_size_text(4, 2, 2, 0, False, "H")
    '`H_out = floor((4 + 2*0 - 2) / 2) + 1 = 2`'
    """
    span = f"({n} + 2*{padding} - {kernel}) / {stride}"
    floor_size = output_size(n, kernel, stride, padding, ceil_mode=False)
    if not ceil_mode:
        return f"`{symbol}_out = floor({span}) + 1 = {floor_size}`"
    rounded_up = -(-(n + 2 * padding - kernel) // stride) + 1
    text = f"`{symbol}_out = ceil({span}) + 1 = {rounded_up}`"
    last_start = (rounded_up - 1) * stride - padding
    if rounded_up > floor_size and last_start >= n:
        return (
            f"{text}, but that last window would start at {last_start}, past the input "
            f"(cells 0 to {n - 1}), so torch drops it: `{symbol}_out = {rounded_up - 1}`"
        )
    if rounded_up > floor_size:
        return f"{text}: ceil_mode adds a last, partial window starting at {last_start}"
    return f"{text} (the windows fit exactly, so ceil_mode changes nothing)"


def divisor_summary(divisors: np.ndarray, kernel: tuple[int, int], divisor_override: int | None) -> str:
    """One sentence about the divisors in force (Markdown)."""
    if divisor_override is not None:
        extra = " (sum pooling)" if divisor_override == 1 else ""
        return f"`divisor_override = {divisor_override}`: every window divides its sum by {divisor_override}{extra}."
    low, high = divisors.min(), divisors.max()
    if low == high:
        return f"Every window divides its sum by {number(low)} ({kernel[0]}×{kernel[1]} cells)."
    return (
        f"Divisors vary from {number(low)} to {number(high)}: edge windows count fewer cells "
        "(see the divisor map below)."
    )


def _window_cells(window: Window) -> str:
    """``x[2:4, 0:2]``, or the row and column ranges when the window reaches into padding."""
    if window.padding_cells == 0:
        return f"x[{window.row_start}:{window.row_stop}, {window.col_start}:{window.col_stop}]"
    return (
        f"the window over rows {window.row_start}…{window.row_stop - 1}, "
        f"columns {window.col_start}…{window.col_stop - 1}"
    )


def explain_output_cell(window: Window, x: np.ndarray, y: np.ndarray, grad_output: np.ndarray) -> str:
    """What output cell (i, j) is made of, and where its gradient goes (Markdown).

    >>> from pooling import windows
    >>> w = windows((4, 4), 2)[2]
    >>> x, y = np.arange(16.0).reshape(4, 4), np.full((2, 2), 10.5)
    >>> print(explain_output_cell(w, x, y, np.ones((2, 2))))  # doctest: +NORMALIZE_WHITESPACE
    y[1, 0] = mean of x[2:4, 0:2] = (8 + 9 + 12 + 13) / 4 = 10.5;
    its gradient 1 is split into 4 shares of 0.25.
    """
    i, j = window.out_row, window.out_col
    rows = slice(max(window.row_start, 0), min(window.row_stop, x.shape[0]))
    cols = slice(max(window.col_start, 0), min(window.col_stop, x.shape[1]))
    values = x[rows, cols].ravel()
    divisor = window.divisor
    if values.size <= MAX_LISTED_TERMS:
        total = "(" + " + ".join(number(v) if v >= 0 else f"({number(v)})" for v in values) + ")"
    else:
        total = f"(sum of {values.size} values = {number(values.sum())})"
    is_mean = divisor == window.cells == window.input_cells
    how = "mean of" if is_mean else "sum over"
    note = ""
    if window.padding_cells and divisor == window.cells:
        note = f" ({window.padding_cells} padding cells add 0 but count in the divisor)"
    elif window.padding_cells and divisor == window.input_cells:
        note = f" ({window.padding_cells} padding cells are not counted)"
    head = f"y[{i}, {j}] = {how} {_window_cells(window)} = {total} / {number(divisor)}{note} = {number(y[i, j])}"

    gradient = grad_output[i, j]
    share = gradient / divisor
    if divisor == window.input_cells:
        tail = f"its gradient {number(gradient)} is split into {window.input_cells} shares of {number(share)}."
    elif divisor == window.cells:
        tail = (
            f"its gradient {number(gradient)} is split into {window.cells} shares of {number(share)}; "
            f"the {window.padding_cells} shares that fall on padding go nowhere."
        )
    else:
        tail = (
            f"each of its {window.input_cells} input cells gets {number(gradient)} / {number(divisor)} "
            f"= {number(share)} of its gradient."
        )
    return f"{head}; {tail}"


def windows_covering(all_windows: list[Window], row: int, col: int) -> list[Window]:
    """The windows whose input cells include (row, col)."""
    return [w for w in all_windows if w.row_start <= row < w.row_stop and w.col_start <= col < w.col_stop]


def explain_input_cell(
    row: int, col: int, covering: list[Window], grad_output: np.ndarray, grad_input: np.ndarray
) -> str:
    """The sum that gives ``dL/dx[row, col]``: one share per window covering the cell (Markdown).

    >>> from pooling import windows
    >>> cover = windows_covering(windows((4, 4), 3, 1), 2, 2)
    >>> print(explain_input_cell(2, 2, cover, np.ones((2, 2)), np.full((4, 4), 4 / 9)))
    dL/dx[2, 2] = 1/9 + 1/9 + 1/9 + 1/9 = 0.4444 (one share from each of y[0, 0], y[0, 1], y[1, 0], y[1, 1]).
    """
    target = f"dL/dx[{row}, {col}]"
    if not covering:
        return f"No window covers x[{row}, {col}] (a gap between windows), so {target} = 0."
    result = number(grad_input[row, col])
    if len(covering) > MAX_LISTED_TERMS:
        return f"{target} = the sum of {len(covering)} shares, one per window covering x[{row}, {col}] = {result}."
    terms = []
    for window in covering:
        gradient = grad_output[window.out_row, window.out_col]
        numerator = number(gradient) if gradient >= 0 else f"({number(gradient)})"
        terms.append(f"{numerator}/{number(window.divisor)}")
    sources = ", ".join(f"y[{w.out_row}, {w.out_col}]" for w in covering)
    plural = "one share from each of" if len(covering) > 1 else "its one share, from"
    return f"{target} = {' + '.join(terms)} = {result} ({plural} {sources})."


def replay_step_text(
    step: int, total: int, window: Window | None, x: np.ndarray, y: np.ndarray, grad_output: np.ndarray
) -> str:
    """The line under the step-by-step replay (Markdown).

    >>> from pooling import windows
    >>> w = windows((4, 4), 2)[2]
    >>> x, y = np.arange(16.0).reshape(4, 4), np.full((2, 2), 10.5)
    >>> print(replay_step_text(3, 4, w, x, y, np.ones((2, 2))))
    **Step 3 of 4:** dL/dy[1, 0] = 1, divisor 4, adds 0.25 to x[2:4, 0:2]. Forward: y[1, 0] = 10.5.
    """
    if window is None:
        return f"**Step 0 of {total}:** nothing has flowed back yet. Press Play, or move the slider."
    i, j = window.out_row, window.out_col
    gradient = grad_output[i, j]
    share = number(gradient / window.divisor)
    target = _window_cells(window)
    if window.padding_cells:
        adds = (
            f"adds {share} to each of the {window.input_cells} input cells of {target} "
            f"(its {window.padding_cells} padding cells get nothing)"
        )
    else:
        adds = f"adds {share} to {target}"
    return (
        f"**Step {step} of {total}:** dL/dy[{i}, {j}] = {number(gradient)}, "
        f"divisor {number(window.divisor)}, {adds}. Forward: y[{i}, {j}] = {number(y[i, j])}."
    )
