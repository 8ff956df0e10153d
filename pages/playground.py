"""The Playground: pick kernel, stride, padding, input and loss; see x, y, dL/dy and dL/dx.

Streamlit reruns this script on every change. The flow of one run: sidebar widgets (bound to
the URL) -> the numpy core -> grid descriptions (``figures``) -> the grid component. A click
on a cell lights its windows up in the browser at once and reruns the script with the cell in
``st.session_state.playground_selected``, which writes the explanation.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, value_grid, window_axes
from figures.plotly_figure import grids_html
from pooling import Window, avg_pool2d, avg_pool2d_divisors, coverage
from pooling.reference import finite_difference_grad, torch_avg_pool2d
from scenario.explain import (
    divisor_summary,
    explain_input_cell,
    explain_output_cell,
    output_size_text,
    windows_covering,
)
from scenario.export import pytorch_script, tensor_csv, tensors_json
from scenario.params import PoolParams
from ui.badges import torch_badge
from ui.controls import BIND, URL_KEYS
from ui.display import explanation, presenting, show_grids
from ui.lang import current_language, tr
from ui.router import page_title, require_router
from ui.scenario import Scenario, file_prefix, scenario_from_sidebar
from ui.url import UrlCheck

FINITE_DIFFERENCE_MAX_CELLS = 16 * 16
TWO_PER_ROW_ABOVE = 16  # grid span (cells) above which the grids go two per row


def _remember_click(cell: dict | None) -> None:
    """The component's callback: keep the clicked cell (None when cleared) for this and later runs."""
    st.session_state.playground_selected = None if cell is None else (cell["kind"], int(cell["row"]), int(cell["col"]))


def _selection(
    x_shape: tuple[int, int], y_shape: tuple[int, int], all_windows: list[Window]
) -> tuple[str, int, int, list[Window]] | None:
    """The remembered click, if it still fits the current shapes, with the windows it involves."""
    selected = st.session_state.get("playground_selected")
    if selected is None:
        return None
    kind, row, col = selected
    rows, cols = x_shape if kind == "input" else y_shape
    if not (0 <= row < rows and 0 <= col < cols):
        return None
    if kind == "output":
        return kind, row, col, [all_windows[row * y_shape[1] + col]]
    return kind, row, col, windows_covering(all_windows, row, col)


@st.cache_data(max_entries=64, show_spinner=False)
def _agreement(x, grad_output, y, grad_input, params: PoolParams) -> tuple[bool, float, float | None]:
    """Our core against torch autograd (float64), and central finite differences when small:
    (agree, max torch difference, max finite-difference difference or None).
    Cached: a click or a language switch reruns the page with the same numbers."""
    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, **params.kwargs())
    difference = float(max(np.abs(y - torch_y).max(), np.abs(grad_input - torch_grad_input).max()))
    if x.size > FINITE_DIFFERENCE_MAX_CELLS:
        return difference <= 1e-10, difference, None
    numeric = finite_difference_grad(lambda v: avg_pool2d(v, **params.kwargs()), x, grad_output)
    numeric_difference = float(np.abs(numeric - grad_input).max())
    scale = max(1.0, np.abs(grad_input).max())
    return difference <= 1e-10 and numeric_difference <= 1e-6 * scale, difference, numeric_difference


def _agreement_text(difference: float, numeric_difference: float | None) -> str:
    if numeric_difference is None:
        return tr("playground.check_torch", difference=f"{difference:.1e}")
    return tr("playground.check_both", difference=f"{difference:.1e}", numeric=f"{numeric_difference:.1e}")


def playground_grids(scenario: Scenario, language: str) -> dict[str, dict]:
    """The four grids of the Playground: x (with padding and windows), y, dL/dy and dL/dx."""
    x, y, loss = scenario.x, scenario.y, scenario.loss
    values_scale = "image" if scenario.choice.source == "image" else "value"
    return {
        "x": input_grid(x, scenario.windows, scenario.params.padding, scale=values_scale, language=language),
        "y": value_grid(
            y,
            f"y = AvgPool2d(x) ({y.shape[0]}×{y.shape[1]})",
            "y",
            link="output",
            scale=values_scale,
            language=language,
        ),
        "grad_output": gradient_grid(
            loss.grad_output, f"∂L/∂y ({tr(f'loss.short_{loss.name}')})", "dL/dy", link="output", language=language
        ),
        "grad_input": grad_input_grid(scenario.grad_input, language=language),
    }


@st.fragment
def grids_and_explanation(scenario: Scenario, language: str) -> None:
    """The four grids and the explanation of the clicked cell. A fragment: a click reruns
    only this part of the page (the sidebar has not changed), so its answer comes quickly."""
    x, y, params, loss = scenario.x, scenario.y, scenario.params, scenario.loss
    selection = _selection(x.shape, y.shape, scenario.windows)
    # Four grids in a row; large grids go two per row, so that their cells stay readable.
    span = max(*x.shape, *y.shape) + 2 * max(params.padding)
    show_grids(
        playground_grids(scenario, language),
        key="playground_grids",
        file_prefix=file_prefix(scenario, "playground"),
        # On a projector the screen's height is the limit: one row of four, always.
        columns=4 if span <= TWO_PER_ROW_ABOVE or presenting() else 2,
        windows=window_axes(scenario.windows),
        selection=None if selection is None else dict(zip(("kind", "row", "col"), selection[:3])),
        on_select=_remember_click,
    )
    if selection is None and presenting():
        pass  # presentation mode: the teacher explains; the grids speak
    elif selection is None:
        st.info(tr("playground.hint"), icon=":material/touch_app:")
    elif selection[0] == "output":
        explanation(explain_output_cell(selection[3][0], x, y, loss.grad_output, language), ":material/call_split:")
    else:
        _, row, col, covering = selection
        explanation(
            explain_input_cell(row, col, covering, loss.grad_output, scenario.grad_input, language),
            ":material/call_merge:",
        )


def playground_page() -> None:
    url = UrlCheck(URL_KEYS | {"numbers", "export"})
    scenario = scenario_from_sidebar(url)
    if scenario is None:
        url.show()
        return
    x, y, params, loss = scenario.x, scenario.y, scenario.params, scenario.loss
    language = current_language()
    st.markdown(
        tr(
            "playground.summary",
            call=params.torch_call(),
            rows=x.shape[0],
            cols=x.shape[1],
            out_rows=y.shape[0],
            out_cols=y.shape[1],
            loss=loss.torch_code,
            value=f"{loss.value:.4g}",
        )
    )
    grids_and_explanation(scenario, language)

    agree, difference, numeric_difference = _agreement(x, loss.grad_output, y, scenario.grad_input, params)
    torch_badge(agree, _agreement_text(difference, numeric_difference))

    # Both expanders are lazy (bound to the URL: numbers=true, export=true): their content
    # is computed and sent only while open, which keeps every other rerun light.
    numbers = st.expander(tr("playground.numbers"), icon=":material/calculate:", key="numbers", bind=BIND)
    export = st.expander(tr("export.header"), icon=":material/download:", key="export", bind=BIND)
    for key, expander in (("numbers", numbers), ("export", export)):
        url.check(key, bool(expander.open), tr("url.allowed_open", key=key))
    url.show()
    if numbers.open:
        with numbers:
            _numbers_section(scenario, language)
    if export.open:
        with export:
            export_section(scenario, language)


def _numbers_section(scenario: Scenario, language: str) -> None:
    """Output sizes and divisors worked out, with coverage and divisor maps."""
    x, params, kwargs = scenario.x, scenario.params, scenario.params.kwargs()
    strides = params.effective_stride
    for n, k, s, p, symbol in zip(x.shape, params.kernel_size, strides, params.padding, ("H", "W")):
        st.markdown("- " + output_size_text(n, k, s, p, params.ceil_mode, symbol, language))
    divisors = avg_pool2d_divisors(x.shape, **kwargs)
    st.markdown("- " + divisor_summary(divisors, params.kernel_size, params.divisor_override, language))
    cover = coverage(x.shape, params.kernel_size, strides, params.padding, params.ceil_mode)
    maps = {
        "coverage": value_grid(cover, tr("playground.coverage"), tr("playground.windows"), language=language),
        "divisors": value_grid(divisors, tr("playground.divisors"), tr("playground.divisor"), language=language),
    }
    show_grids(maps, key="playground_maps", file_prefix=file_prefix(scenario, "playground"), columns=4)


def export_section(scenario: Scenario, language: str) -> None:
    """Downloads of the four tensors, and the PyTorch script that rebuilds this view."""
    tensors = {
        "x": scenario.x,
        "y": scenario.y,
        "grad_output": scenario.loss.grad_output,
        "grad_input": scenario.grad_input,
    }
    columns = st.columns(5)
    for column, (name, values) in zip(columns, tensors.items()):
        column.download_button(
            f"{name}.csv",
            tensor_csv(values),
            file_name=f"avgpool_{name}.csv",
            mime="text/csv",
            key=f"export_{name}",
            icon=":material/table:",
            width="stretch",
        )
    columns[4].download_button(
        "all.json",
        tensors_json(scenario.params, scenario.choice.source, scenario.loss.name, tensors),
        file_name="avgpool_view.json",
        mime="application/json",
        key="export_json",
        icon=":material/data_object:",
        width="stretch",
    )
    prefix = file_prefix(scenario, "playground")
    st.download_button(
        tr("export.figure"),
        # Built only when clicked: the HTML page carries all of plotly.js (~5 MB).
        lambda: grids_html(list(playground_grids(scenario, language).values()), scenario.params.torch_call(), prefix),
        file_name=f"{prefix}.html",
        mime="text/html",
        key="export_figure",
        icon=":material/insert_chart:",
        help=tr("export.figure_help"),
    )
    st.caption(tr("export.script_caption"))
    script = pytorch_script(
        scenario.params,
        scenario.choice.source,
        scenario.x,
        scenario.choice.seed,
        scenario.loss.name,
        scenario.loss.grad_output,
        scenario.loss_choice["cell"],
        language,
    )
    st.code(script, language="python", wrap_lines=True)


require_router()
st.title(page_title("pages/playground.py"))
st.caption(tr("playground.caption"))
playground_page()
