"""Under the hood: average pooling is a linear map y = A x, so the backward pass is A^T;
with one divisor for every window it is also a convolution, and its backward pass a
transposed convolution (checked live with torch)."""

from __future__ import annotations

import inspect

import numpy as np
import streamlit as st

from figures import gradient_grid, input_grid, matrix_grid, value_grid
from figures.grids import Selection
from pooling.reference import conv_equivalent
from scenario.convolution import ConvEquivalence, conv_equivalence, window_bounds
from scenario.numbers import exact_text, format_number, number_style
from ui.badges import largest_difference, torch_avg_pool, torch_badge
from ui.controls import URL_KEYS
from ui.display import selected_cell, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

MATRIX_MAX_CELLS = 64  # inputs up to 8 x 8: A has at most 64 columns
MATRIX_KEY = "hood_matrix"


def _check(label: str, difference: float) -> None:
    torch_badge(difference, tr("hood.check", label=label, difference=format_number(difference, 2)))


def linear_map_section(scenario: Scenario) -> None:
    st.header(tr("hood.linear_header"))
    x, y, params = scenario.x, scenario.y, scenario.params
    language = current_language()
    if x.size > MATRIX_MAX_CELLS:
        st.warning(tr("hood.too_big", rows=x.shape[0], cols=x.shape[1]), icon=":material/zoom_out_map:")
        return
    matrix = scenario.plan.matrix()
    outputs, cells = matrix.shape
    st.markdown(tr("hood.linear_text", cells=cells, outputs=outputs, out_cols=y.shape[1], in_cols=x.shape[1]))
    selection = selected_cell(MATRIX_KEY)  # a clicked row of A, if still one of its rows
    row = selection.row if selection is not None and selection.row < outputs else None
    matrix_column, input_column = st.columns([3, 1])
    window = scenario.windows[row] if row is not None else None
    matrix_style = number_style(matrix)

    def explain_row(selection: Selection) -> str:
        columns = np.flatnonzero(matrix[selection.row])
        window = scenario.windows[selection.row]
        value = exact_text(matrix[selection.row, columns[0]], style=matrix_style)  # as A's cells print it
        columns = ", ".join(map(str, columns))
        return tr(
            "hood.row_caption", row=selection.row, i=window.out_row, j=window.out_col, value=value, columns=columns
        )

    with matrix_column:
        show_grids(
            {"matrix": matrix_grid(matrix, row, language)},
            key=MATRIX_KEY,
            file_prefix=file_prefix(scenario, "hood"),
            columns=1,
            explain=explain_row,
        )
    with input_column:
        x_grid = input_grid(
            x,
            scenario.windows,
            params.padding,
            link=None,
            highlight_windows=[window] if window else [],
            language=language,
        )
        show_grids({"x": x_grid}, key="hood_input", file_prefix=file_prefix(scenario, "hood"), columns=1)
    st.markdown(tr("hood.transposed"))
    # Two short formulas, not one long one: a display formula does not wrap, and on a phone the
    # end of a long one was cut off.
    st.latex(rf"y = A\,x,\quad A \in \mathbb{{R}}^{{{outputs}\times{cells}}}")
    st.latex(
        r"\frac{\partial L}{\partial x} = A^{\top}\,\frac{\partial L}{\partial y},"
        rf"\quad A^{{\top}} \in \mathbb{{R}}^{{{cells}\times{outputs}}}"
    )
    torch_y, torch_grad_input = torch_avg_pool(x, scenario.loss.grad_output, params)
    ours = (matrix @ x.ravel(), matrix.T @ scenario.loss.grad_output.ravel())
    difference = largest_difference(ours, (torch_y.ravel(), torch_grad_input.ravel()))
    _check(tr("hood.matrix_check"), difference)


def _weight(scenario: Scenario, nominal: int) -> str:
    """K's weight 1/nominal, and how A's cells print it where that differs: "1/4 = 0.25"
    beside an A of 0.25 (A holds 1/divisor per window, so its style is theirs)."""
    written = exact_text(1 / nominal, style=number_style(1 / scenario.plan.divisors))
    return f"1/{nominal}" if written == f"1/{nominal}" else f"1/{nominal} = {written}"


def convolution_section(scenario: Scenario) -> None:
    x, y, grad_output = scenario.x, scenario.y, scenario.loss.grad_output
    equivalence = conv_equivalence(scenario.params, scenario.plan)
    (kh, kw), (sh, sw), (ph, pw) = equivalence.kernel_size, equivalence.stride, equivalence.padding
    nominal = equivalence.divisor
    y_conv, grad_conv = conv_equivalent(x, grad_output, (kh, kw), (sh, sw), (ph, pw), nominal)
    st.header(tr("hood.conv_header" if equivalence.holds else "hood.conv_header_breaks"))

    st.markdown(tr("hood.conv_text", kh=kh, kw=kw, weight=_weight(scenario, nominal), sh=sh, sw=sw, ph=ph, pw=pw))
    rows, cols = window_bounds(sh, ph, kh, "i"), window_bounds(sw, pw, kw, "j")
    st.latex(
        rf"y_{{ij}} = \frac{{1}}{{{nominal}}} \sum_{{r={rows[0]}}}^{{{rows[1]}}} \sum_{{c={cols[0]}}}^{{{cols[1]}}}"
        rf" x_{{rc}} \;=\; \big(\mathrm{{conv2d}}(x, K)\big)_{{ij}}"
    )
    st.latex(  # on two lines, to fit a phone
        r"\begin{aligned}\frac{\partial L}{\partial x} &= \mathrm{conv\_transpose2d}\Big(\frac{\partial L}{\partial y},"
        rf"\ K,\\ &\qquad \mathrm{{stride}}=({sh}, {sw})\Big)\ \text{{{tr('formula.cropped')}}} ({ph}, {pw})"
        r"\end{aligned}"
    )
    difference = largest_difference((y_conv, grad_conv), (y, scenario.grad_input))
    if equivalence.holds:
        _check(tr("hood.conv_check", nominal=nominal), difference)
    else:
        _where_it_breaks(scenario, equivalence, (y_conv, grad_conv), difference)
    with st.expander(tr("hood.code"), icon=":material/code:"):
        st.code(inspect.getsource(conv_equivalent), language="python", wrap_lines=True)


def _where_it_breaks(
    scenario: Scenario, equivalence: ConvEquivalence, conv: tuple[np.ndarray, np.ndarray], difference: float
) -> None:
    """Why the convolution is not the pooling here, and where: the odd divisors and both gaps."""
    y_conv, grad_conv = conv
    nominal, odd = equivalence.divisor, equivalence.odd_windows
    reasons = tr("hood.reason_join").join(tr(f"hood.reason_{reason}") for reason in equivalence.reasons)
    st.warning(
        tr(
            "hood.breaks",
            odd=len(odd),
            total=equivalence.divisors.size,
            nominal=nominal,
            reasons=reasons,
            difference=format_number(difference, 2),
        ),
        icon=":material/call_split:",
    )
    language = current_language()
    gaps = {
        "divisors": value_grid(
            equivalence.divisors,
            tr("hood.divisors", nominal=nominal),
            tr("playground.divisor"),
            highlight_cells=odd,
            language=language,
        ),
        "forward_gap": gradient_grid(y_conv - scenario.y, "conv2d − avg_pool2d (y)", "Δy", language=language),
        "backward_gap": gradient_grid(
            grad_conv - scenario.grad_input, "conv_transpose2d − x.grad", "Δ ∂L/∂x", language=language
        ),
    }
    show_grids(gaps, key="hood_gaps", file_prefix=file_prefix(scenario, "hood"), columns=3)


def under_the_hood_page(scenario: Scenario | None, url: UrlCheck) -> None:
    if scenario is None:
        return
    linear_map_section(scenario)
    convolution_section(scenario)


require_router()
page_header("pages/under_the_hood.py", "hood.caption")
with UrlCheck(URL_KEYS) as url:
    scenario_page(url, under_the_hood_page)
