"""The Playground: pick kernel, stride, padding, input and loss; see x, y, ∂L/∂y and ∂L/∂x.

The flow of one run: sidebar widgets (bound to the URL) -> the numpy core -> grid
descriptions (``figures``) -> the grid component. ``ui.scenario.scenario_page`` draws the
sidebar and calls ``playground_page`` inside a fragment, so a slider change reruns only that.
A click on a cell lights its windows up in the browser at once and reruns only
``grids_and_explanation`` (a fragment inside it) with the cell selected (``ui.display``
keeps it), which writes the explanation. The selected cell is
also in the URL (``explain=x-2-2`` or ``explain=y-0-1``), so a link opens with it explained.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures import value_grid
from figures.grids import Selection
from figures.plotly_figure import grids_html
from figures.views import EXPLAIN_GRIDS, explained_selection, playground_columns, playground_grids
from scenario.explain import divisor_summary, output_size_text
from scenario.export import pytorch_script, tensor_csv, tensors_json
from scenario.numbers import equals_text, format_number
from ui.badges import FINITE_DIFFERENCE_TOLERANCE, torch_badge, view_agreement
from ui.classroom import followed_setup, send_setup
from ui.controls import BIND, URL_KEYS
from ui.display import pooling_explainer, presenting, select_cell, shared_playground_grids, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

GRIDS_KEY = "playground_grids"


def _explain_url_value(selected: Selection | None) -> str | None:
    if selected is None or selected.kind not in EXPLAIN_GRIDS:
        return None
    return f"{'x' if selected.kind == 'input' else 'y'}-{selected.row}-{selected.col}"


def _selection_from_url(url: UrlCheck, x_shape: tuple[int, int], y_shape: tuple[int, int]) -> None:
    """``explain=x-2-2`` in the link the page was opened with selects that cell, as a click would.
    A value that names no cell of this view is reported, and no cell is selected."""
    if not url.was_given("explain"):
        return
    selected = explained_selection(url.raw["explain"])
    if selected is not None:
        rows, cols = x_shape if selected.kind == "input" else y_shape
        selected = selected if selected.row < rows and selected.col < cols else None
    select_cell(GRIDS_KEY, selected)
    allowed = tr("url.allowed_explain", x_rows=x_shape[0] - 1, x_cols=x_shape[1] - 1)
    allowed += tr("url.allowed_explain_y", y_rows=y_shape[0] - 1, y_cols=y_shape[1] - 1)
    if selected is None:  # a cell it names is used, however it is written (X-1-1 is x-1-1)
        url.check("explain", None, allowed, tr("url.no_cell"))


def _selection_to_url(selected: Selection | None) -> None:
    """Keep ``explain=`` in the address bar equal to the cell explained (gone when none is)."""
    value = _explain_url_value(selected)
    if st.query_params.get("explain") == value:
        return
    if value is None:
        del st.query_params["explain"]
    else:
        st.query_params["explain"] = value


def _agreement(scenario: Scenario) -> None:
    """The badge: our numbers against torch autograd, and against finite differences. The
    differences are exact up to rounding; finite differences round at ~1e-10 per unit of ∂L/∂x."""
    difference, numeric = view_agreement(scenario)
    if numeric is None:
        torch_badge(difference, tr("playground.check_torch", difference=format_number(difference, 2)))
        return
    numeric_agrees = numeric <= FINITE_DIFFERENCE_TOLERANCE * max(1.0, np.abs(scenario.grad_input).max())
    details = tr("playground.check_both", difference=format_number(difference, 2), numeric=format_number(numeric, 2))
    torch_badge(difference, details, also_agrees=numeric_agrees)


@st.fragment
def grids_and_explanation(scenario: Scenario, language: str) -> None:
    """The four grids and the explanation of the clicked cell. A fragment: a click reruns
    only this part of the page (the sidebar has not changed), so its answer comes quickly."""
    x, y, params, loss = scenario.x, scenario.y, scenario.params, scenario.loss
    span = max(*x.shape, *y.shape) + 2 * max(params.padding)

    grids, axes, windows = shared_playground_grids(scenario, language, scenario.choice.source == "image")
    selection = show_grids(
        grids,
        key=GRIDS_KEY,
        file_prefix=file_prefix(scenario, "playground"),
        columns=playground_columns(span, presenting()),
        windows=axes,
        explain=pooling_explainer(x, y, loss.grad_output, scenario.grad_input, windows, language),
        # Presentation mode: the teacher explains; the grids speak.
        hint=None if presenting() else tr("playground.hint"),
    )
    _selection_to_url(selection)
    send_setup()  # the teacher's explained cell reaches the class now


def playground_page(scenario: Scenario | None, url: UrlCheck) -> None:
    if scenario is None:
        return
    x, y, params, loss = scenario.x, scenario.y, scenario.params, scenario.loss
    _selection_from_url(url, x.shape, y.shape)
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
            value=equals_text(loss.value),
        )
    )
    grids_and_explanation(scenario, language)

    _agreement(scenario)

    # Both expanders are lazy (bound to the URL: numbers=true, export=true): their content
    # is computed and sent only while open, which keeps every other rerun light.
    numbers = st.expander(tr("playground.numbers"), icon=":material/calculate:", key="numbers", bind=BIND)
    export = st.expander(tr("export.header"), icon=":material/download:", key="export", bind=BIND)
    for key, expander in (("numbers", numbers), ("export", export)):
        url.check(key, bool(expander.open), tr("url.allowed_open", key=key))
    if numbers.open:
        with numbers:
            _numbers_section(scenario, language)
    if export.open:
        with export:
            export_section(scenario, language)


def _numbers_section(scenario: Scenario, language: str) -> None:
    """Output sizes and divisors worked out, with coverage and divisor maps."""
    x, params, plan = scenario.x, scenario.params, scenario.plan
    strides = params.effective_stride
    for n, k, s, p, symbol in zip(x.shape, params.kernel_size, strides, params.padding, ("H", "W")):
        st.markdown("- " + output_size_text(n, k, s, p, params.ceil_mode, symbol, language))
    divisors = plan.divisors
    st.markdown("- " + divisor_summary(divisors, params.kernel_size, params.divisor_override, language))
    maps = {
        "coverage": value_grid(plan.coverage(), tr("playground.coverage"), tr("playground.windows"), language=language),
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
            lambda values=values: tensor_csv(values),  # built when clicked, not at every run
            file_name=f"avgpool_{name}.csv",
            mime="text/csv",
            key=f"export_{name}",
            icon=":material/table:",
            width="stretch",
            on_click="ignore",  # a download changes nothing on the page: no rerun
        )
    columns[4].download_button(
        "all.json",
        lambda: tensors_json(scenario.params, scenario.choice.source, scenario.loss.name, tensors),
        file_name="avgpool_view.json",
        mime="application/json",
        key="export_json",
        icon=":material/data_object:",
        width="stretch",
        on_click="ignore",
    )
    prefix = file_prefix(scenario, "playground")
    st.download_button(
        tr("export.figure"),
        # Built only when clicked: the HTML page carries all of plotly.js (~5 MB).
        lambda: grids_html(
            list(playground_grids(scenario, language, scenario.choice.source == "image").values()),
            scenario.params.torch_call(),
            prefix,
        ),
        file_name=f"{prefix}.html",
        mime="text/html",
        key="export_figure",
        icon=":material/insert_chart:",
        help=tr("export.figure_help"),
        # No rerun: one would replace this button, and with it the file being built for the
        # click, while the browser still fetches it (the download then never starts).
        on_click="ignore",
    )
    st.caption(tr("export.script_caption"))
    script = pytorch_script(
        scenario.params,
        scenario.choice.source,
        scenario.x,
        scenario.choice.seed,
        scenario.loss,
        language,
    )
    st.code(script, language="python", wrap_lines=True)


require_router()
# A following student's setup is the teacher's (ui/teacher_setup.py): the caption says what they can do.
page_header("pages/playground.py", "playground.caption_following" if followed_setup() else "playground.caption")
with UrlCheck(URL_KEYS | {"numbers", "export", "explain"}) as url:
    scenario_page(url, playground_page)
