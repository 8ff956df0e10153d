"""Sentences that explain the numbers on screen, with the actual numbers substituted."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from i18n import text as _
from pooling import Window
from pooling.geometry import output_size
from scenario.numbers import MINUS, NumberStyle, equals_text, exact_text, number_style, printed_text

__all__ = [
    "divisor_summary",
    "explain_input_cell",
    "explain_max_cell",
    "explain_output_cell",
    "explain_pooled_cell",
    "number",
    "output_size_text",
    "products_text",
    "replay_step_text",
    "windows_covering",
]

MAX_LISTED_TERMS = 9  # longer sums are summarised instead of spelled out


def number(value: float) -> str:
    """A number alone, in the app's one style (``scenario.numbers.exact_text``).

    >>> number(0.25), number(1 / 9), number(-2.0), number(0.0075), number(2 ** 0.5)
    ('0.25', '1/9', '−2', '0.0075', '≈1.414')
    """
    return exact_text(value)


def products_text(pairs: Iterable[tuple[float, float]]) -> str:
    """A sum of products a·b written out, each factor as a grid's cell prints it (its 4
    significant digits, no ``≈``: ``printed_text``), a negative or a fraction in parentheses.
    The sentence says once that the factors are rounded, and writes the result with ``≈``
    where it is: ten factors each marked ``(≈−3.342)`` read as a wall of ``≈−``.

    >>> products_text([(1.5669, -4.1376e-5), (0.25, 2.0), (1 / 3, 1.0)])
    '1.567·(−4.138e−5) + 0.25·2 + (1/3)·1'
    """

    def factor(value: float) -> str:
        written = printed_text(value)
        return f"({written})" if written.startswith(MINUS) or "/" in written else written

    return " + ".join(f"{factor(a)}·{factor(b)}" for a, b in pairs)


def _term(value: float, style: NumberStyle) -> str:
    """A number inside a sum or over a divisor, in its grid's style; in parentheses when it
    is negative, a fraction or rounded: ``(−0.25)``, ``(1/9)/4``, ``(≈0.3411)/9``."""
    written = exact_text(value, style=style)
    return f"({written})" if written.startswith((MINUS, "≈")) or "/" in written else written


def _shares_style(grad_output: np.ndarray, divisor: float) -> NumberStyle:
    """The style of the shares ``∂L/∂y / divisor`` (1/9 from 1, 1/36 from 1/9), as a grid."""
    return number_style(grad_output / divisor)


def output_size_text(
    n: int, kernel: int, stride: int, padding: int, ceil_mode: bool, symbol: str, language: str = "en"
) -> str:
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
        return _(
            language,
            "explain.ceil_dropped",
            formula=text,
            start=last_start,
            last=n - 1,
            symbol=symbol,
            size=rounded_up - 1,
        )
    if rounded_up > floor_size:
        overhang = last_start + kernel - (n + padding)  # past the padding: neither read nor counted
        return _(language, "explain.ceil_partial", formula=text, start=last_start, kernel=kernel, overhang=overhang)
    return _(language, "explain.ceil_exact", formula=text)


def divisor_summary(
    divisors: np.ndarray, kernel: tuple[int, int], divisor_override: int | None, language: str = "en"
) -> str:
    """One sentence about the divisors in force (Markdown)."""
    if divisor_override is not None:
        key = "explain.divisor_sum" if divisor_override == 1 else "explain.divisor_override"
        return _(language, key, divisor=divisor_override)
    low, high = divisors.min(), divisors.max()
    if low == high:
        return _(language, "explain.divisor_same", divisor=number(low), rows=kernel[0], cols=kernel[1])
    return _(language, "explain.divisor_vary", low=number(low), high=number(high))


def _window_cells(window: Window, shape: tuple[int, int]) -> str:
    """The window's cells of x as a slice, ``x[2:4, 0:2]``; a window that reaches into the
    padding names its real cells the same way (the note counts its padding cells)."""
    rows = max(window.row_start, 0), min(window.row_stop, shape[0])
    cols = max(window.col_start, 0), min(window.col_stop, shape[1])
    return f"x[{rows[0]}:{rows[1]}, {cols[0]}:{cols[1]}]"


def _sum_and_mean(
    values: np.ndarray, x_style: NumberStyle, mean: float, y_style: NumberStyle, language: str
) -> tuple[str, str]:
    """A window's sum of x, ``(8 + 9 + 12 + 13)``, and its mean, ``= 10.5``, each in its grid's
    style; the mean of rounded terms does not add up exactly, so it is then written with ≈."""
    written = [exact_text(v, style=x_style) for v in values]
    if values.size <= MAX_LISTED_TERMS:
        total = "(" + " + ".join(f"({term})" if term.lstrip("≈").startswith(MINUS) else term for term in written) + ")"
    else:
        total = _(language, "explain.sum_of_values", count=values.size, total=exact_text(values.sum(), style=x_style))
    if any("≈" in term for term in written):
        return total, "≈ " + exact_text(mean, style=y_style).removeprefix("≈")
    return total, equals_text(mean, style=y_style)


def _window_note(window: Window, language: str) -> str:
    """What the divisor leaves out or takes in beyond the real cells: the padding cells
    (counted or not), and ceil_mode's overhang, the kernel cells past the padding that torch
    neither reads nor counts (so a 3×3 kernel may divide by 4)."""
    parts = []
    if window.padding_cells and window.divisor == window.cells:
        key = "explain.padding_counted_one" if window.padding_cells == 1 else "explain.padding_counted"
        parts.append(_(language, key, count=window.padding_cells))
    elif window.padding_cells and window.divisor == window.input_cells:
        key = "explain.padding_not_counted_one" if window.padding_cells == 1 else "explain.padding_not_counted"
        parts.append(_(language, key, count=window.padding_cells))
    if window.overhang_cells:
        parts.append(_overhang(window, language))
    return _(language, "explain.note", parts=_(language, "explain.note_and").join(parts)) if parts else ""


def _overhang(window: Window, language: str) -> str:
    """The kernel cells of a window past the padding (ceil_mode), which torch neither reads nor counts."""
    if window.overhang_cells == 1:  # "the kernel's other cell", not "other 1 cells"
        key = "explain.overhang_padding_one" if window.padding_cells else "explain.overhang_one"
    else:
        key = "explain.overhang_padding" if window.padding_cells else "explain.overhang"
    kernel = f"{window.kernel_rows}×{window.kernel_cols}"
    return _(language, key, kernel=kernel, count=window.overhang_cells)


def explain_output_cell(
    window: Window, x: np.ndarray, y: np.ndarray, grad_output: np.ndarray, language: str = "en"
) -> str:
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
    total, result = _sum_and_mean(values, number_style(x), y[i, j], number_style(y), language)
    note = _window_note(window, language)
    head = _(
        language,
        "explain.output_sum" if divisor not in (window.cells, window.input_cells) else "explain.output_mean",
        cell=f"y[{i}, {j}]",
        window=_window_cells(window, x.shape),
        total=total,
        divisor=number(divisor),
        note=note,
        result=result,
    )

    gradient_style = number_style(grad_output)
    gradient = grad_output[i, j] if abs(grad_output[i, j]) > gradient_style.zero else 0.0  # noise is 0
    share = gradient / divisor
    if divisor == window.input_cells == 1:
        key, count = "explain.split_one", 1
    elif divisor == window.input_cells:
        key, count = "explain.split", window.input_cells
    elif divisor == window.cells:
        key = "explain.split_padding_one" if window.padding_cells == 1 else "explain.split_padding"
        count = window.cells
    else:
        key, count = "explain.split_override", window.input_cells
    tail = _(
        language,
        key,
        gradient=exact_text(gradient, style=gradient_style),
        count=count,
        share=exact_text(share, style=_shares_style(grad_output, divisor)),  # 1/9, not 0.1111
        divisor=number(divisor),
        padding=window.padding_cells,
    )
    return _(language, "explain.join", head=head, tail=tail)


def windows_covering(all_windows: list[Window], row: int, col: int) -> list[Window]:
    """The windows whose input cells include (row, col)."""
    return [w for w in all_windows if w.row_start <= row < w.row_stop and w.col_start <= col < w.col_stop]


def explain_input_cell(
    row: int,
    col: int,
    covering: list[Window],
    grad_output: np.ndarray,
    grad_input: np.ndarray,
    language: str = "en",
) -> str:
    """The sum that gives ``∂L/∂x[row, col]``: one share per window covering the cell (Markdown).

    >>> from pooling import windows
    >>> cover = windows_covering(windows((4, 4), 3, 1), 2, 2)
    >>> print(explain_input_cell(2, 2, cover, np.ones((2, 2)), np.full((4, 4), 4 / 9)))
    ∂L/∂x[2, 2] = 1/9 + 1/9 + 1/9 + 1/9 = 4/9 ≈ 0.4444 (one share from each of y[0, 0], y[0, 1], y[1, 0], y[1, 1]).
    >>> print(explain_input_cell(0, 0, cover[:1], np.ones((2, 2)), np.full((4, 4), 1 / 9)))
    ∂L/∂x[0, 0] = 1/9 ≈ 0.1111 (its one share, from y[0, 0]).
    """
    target = f"∂L/∂x[{row}, {col}]"
    if not covering:
        return _(language, "explain.no_window", row=row, col=col, target=target)
    result = equals_text(grad_input[row, col], style=number_style(grad_input))
    if len(covering) > MAX_LISTED_TERMS:
        return _(language, "explain.many_shares", target=target, count=len(covering), row=row, col=col, result=result)
    gradient_style = number_style(grad_output)
    terms = [f"{_term(grad_output[w.out_row, w.out_col], gradient_style)}/{number(w.divisor)}" for w in covering]
    sources = ", ".join(f"y[{w.out_row}, {w.out_col}]" for w in covering)
    if len(terms) == 1 and result.startswith(f"= {terms[0]} "):
        result = result.removeprefix(f"= {terms[0]} ")  # 1/9 ≈ 0.1111, not 1/9 = 1/9 ≈ 0.1111
    key = "explain.shares_from" if len(covering) > 1 else "explain.share_from"
    return _(language, key, target=target, terms=" + ".join(terms), result=result, sources=sources)


def explain_pooled_cell(
    kind: str,
    row: int,
    col: int,
    x: np.ndarray,
    y: np.ndarray,
    grad_output: np.ndarray,
    grad_input: np.ndarray,
    windows: list[Window],
    language: str = "en",
) -> str | None:
    """What a selected cell of an average pooling means: an output cell (of y or ∂L/∂y) is
    its window's mean and where its gradient goes; an input cell (of x or ∂L/∂x) is the sum
    of the shares it receives. None for any other kind of cell (the grid describes it).

    >>> from pooling import windows as all_windows
    >>> x, cover = np.arange(16.0).reshape(4, 4), all_windows((4, 4), 2)
    >>> print(explain_pooled_cell("input", 3, 3, x, None, np.ones((2, 2)), np.full((4, 4), 0.25), cover))
    ∂L/∂x[3, 3] = 1/4 = 0.25 (its one share, from y[1, 1]).
    """
    if kind == "output":
        return explain_output_cell(windows[row * grad_output.shape[1] + col], x, y, grad_output, language)
    if kind == "input":
        return explain_input_cell(row, col, windows_covering(windows, row, col), grad_output, grad_input, language)
    return None


def explain_max_cell(
    kind: str,
    row: int,
    col: int,
    x: np.ndarray,
    argmax: np.ndarray,
    grad_output: np.ndarray,
    grad_input: np.ndarray,
    language: str = "en",
    padding_cells: int = 0,
) -> str | None:
    """The same for max pooling: an output is its window's largest x, and its whole gradient
    goes to that one cell (``argmax``: flat ``row * W + col`` per output, as torch's indices);
    an input cell receives the gradients of the windows it wins, and nothing otherwise.
    ``padding_cells``: the output's window's padding cells, which torch fills with −∞.

    >>> x = np.array([[1.0, 5.0], [2.0, 0.0]])
    >>> print(explain_max_cell("output", 0, 0, x, np.array([[1]]), np.array([[2.0]]), None))
    y[0, 0] = the largest x of its window = x[0, 1] = 5; its whole gradient 2 goes to x[0, 1].
    >>> print(explain_max_cell("input", 1, 0, x, np.array([[1]]), np.array([[2.0]]), np.array([[0.0, 2.0], [0, 0]])))
    x[1, 0] is the largest of no window, so ∂L/∂x[1, 0] = 0.
    """
    width = x.shape[1]
    gradient_style = number_style(grad_output)
    if kind == "output":
        source = divmod(int(argmax[row, col]), width)
        return _(
            language,
            "explain.max_output",
            cell=f"y[{row}, {col}]",
            source=f"x[{source[0]}, {source[1]}]",
            value=exact_text(x[source], style=number_style(x)),
            note=_(language, "explain.max_padding") if padding_cells else "",
            gradient=exact_text(grad_output[row, col], style=gradient_style),
        )
    if kind != "input":
        return None
    won = [divmod(int(k), grad_output.shape[1]) for k in np.flatnonzero(argmax.ravel() == row * width + col)]
    target = f"∂L/∂x[{row}, {col}]"
    if not won:
        return _(language, "explain.max_none", cell=f"x[{row}, {col}]", target=target)
    terms = " + ".join(_term(grad_output[i, j], gradient_style) for i, j in won[:MAX_LISTED_TERMS])
    if len(won) > MAX_LISTED_TERMS:
        terms += " + …"
    sources = ", ".join(f"y[{i}, {j}]" for i, j in won[:MAX_LISTED_TERMS])
    result = " " + equals_text(grad_input[row, col], style=number_style(grad_input))
    if len(won) == 1 and result == f" = {terms}":
        result = ""  # one whole gradient: = 1, not = 1 = 1
    return _(
        language,
        "explain.max_input",
        target=target,
        terms=terms,
        result=result,
        cell=f"x[{row}, {col}]",
        sources=sources,
    )


def replay_step_text(
    step: int,
    total: int,
    window: Window | None,
    x: np.ndarray,
    y: np.ndarray,
    grad_output: np.ndarray,
    language: str = "en",
) -> str:
    """The line under the step-by-step replay (Markdown).

    >>> from pooling import windows
    >>> w = windows((4, 4), 2)[2]
    >>> x, y = np.arange(16.0).reshape(4, 4), np.full((2, 2), 10.5)
    >>> print(replay_step_text(3, 4, w, x, y, np.ones((2, 2))))
    **Step 3 of 4:** ∂L/∂y[1, 0] = 1, divisor 4, adds 0.25 to x[2:4, 0:2]. Forward: y[1, 0] = 10.5.
    """
    if window is None:
        return _(language, "explain.step_zero", total=total)
    i, j = window.out_row, window.out_col
    gradient_style = number_style(grad_output)
    gradient = grad_output[i, j] if abs(grad_output[i, j]) > gradient_style.zero else 0.0  # noise is 0
    share = exact_text(gradient / window.divisor, style=_shares_style(grad_output, window.divisor))  # 1/9
    target = _window_cells(window, x.shape)
    if window.padding_cells:
        # "the one input cell", "its one padding cell": never "1 cells"
        key = "explain.padding_nothing_one" if window.padding_cells == 1 else "explain.padding_nothing"
        padding = _(language, key, count=window.padding_cells)
        key = "explain.adds_padding_one" if window.input_cells == 1 else "explain.adds_padding"
        adds = _(language, key, share=share, count=window.input_cells, target=target, padding=padding)
    else:
        adds = _(language, "explain.adds", share=share, target=target)
    if window.overhang_cells:  # why the divisor is not the kernel's area
        adds += _(language, "explain.note_and") + _overhang(window, language)
    return _(
        language,
        "explain.step",
        step=step,
        total=total,
        i=i,
        j=j,
        gradient=exact_text(gradient, style=gradient_style),
        divisor=number(window.divisor),
        adds=adds,
        value=equals_text(y[i, j], style=number_style(y)),
    )
