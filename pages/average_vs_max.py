"""Average vs max: the same input and loss through avg_pool2d, max_pool2d and
adaptive_avg_pool2d, side by side, each checked against torch autograd."""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, value_grid, window_axes
from figures.grids import Selection
from pooling import max_forward
from pooling.reference import torch_adaptive_avg_pool2d, torch_max_pool2d
from scenario.explain import explain_max_cell
from scenario.params import PoolParams
from scenario.versus import Pooled, pool_three_ways
from ui.badges import largest_difference, torch_avg_pool, torch_badge
from ui.controls import BIND, URL_KEYS
from ui.display import Explainer, pooling_explainer, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

ADAPTIVE_MAX = 32


def _call(result: Pooled, params: PoolParams, adaptive_size: tuple[int, int]) -> str:
    if result.name == "avg":
        return params.torch_call("F.avg_pool2d", "x")
    if result.name == "max":
        return params.torch_call("F.max_pool2d", "x", average=False)
    return f"F.adaptive_avg_pool2d(x, {adaptive_size})"


def _note(result: Pooled, params: PoolParams, adaptive_size: tuple[int, int]) -> str:
    """What to notice about this pooling's gradient, under its grids."""
    if result.name == "avg":
        return tr("versus.note_avg")
    if result.name == "max":
        note = tr("versus.note_max")
        if not params.count_include_pad or params.divisor_override is not None:
            note += tr("versus.note_max_ignored")
    else:
        note = tr(
            "versus.note_adaptive_overlap" if result.windows_overlap else "versus.note_adaptive_side",
            rows=adaptive_size[0],
            cols=adaptive_size[1],
            sizes=tr("versus.or").join(map(str, result.window_sizes)),
        )
    return note + (" " + tr("versus.custom_misfit") if result.custom_misfit else "")


def _torch_difference(result: Pooled, scenario: Scenario, adaptive_size: tuple[int, int]) -> float:
    """The largest difference between this pooling's numbers and torch autograd's."""
    x, params = scenario.x, scenario.params
    if result.name == "avg":
        theirs = torch_avg_pool(x, result.grad_output, params)
    elif result.name == "max":
        shape_args = {key: params.kwargs()[key] for key in ("kernel_size", "stride", "padding", "ceil_mode")}
        theirs = torch_max_pool2d(x, result.grad_output, **shape_args)
    else:
        theirs = torch_adaptive_avg_pool2d(x, result.grad_output, adaptive_size)
    return largest_difference((result.y, result.grad_input), theirs)


def _explainer(result: Pooled, x: np.ndarray, language: str) -> Explainer:
    """A selected cell of this pooling explained: average and adaptive average by their
    shares, max by the cell each window's largest value came from."""
    if result.name != "max":
        return pooling_explainer(x, result.y, result.grad_output, result.grad_input, result.plan.windows(), language)
    _, argmax = max_forward(x, result.plan)

    def explain(selection: Selection) -> str | None:
        return explain_max_cell(*selection[:3], x, argmax, result.grad_output, result.grad_input, language)

    return explain


def _adaptive_controls(url: UrlCheck) -> tuple[int, int]:
    st.caption(tr("versus.adaptive_caption"))
    left, right = st.columns(2)
    height = left.number_input(tr("versus.out_height"), 1, ADAPTIVE_MAX, 3, key="adaptive_h", bind=BIND)
    width = right.number_input(tr("versus.out_width"), 1, ADAPTIVE_MAX, 3, key="adaptive_w", bind=BIND)
    for key, value in (("adaptive_h", height), ("adaptive_w", width)):
        url.check(key, value, tr("url.allowed_adaptive", max=ADAPTIVE_MAX))
    return int(height), int(width)


def average_vs_max_page(scenario: Scenario | None, url: UrlCheck) -> None:
    with st.sidebar:
        st.subheader(tr("versus.adaptive_header"))
        adaptive_size = _adaptive_controls(url)
    if scenario is None:
        return
    results = pool_three_ways(scenario, scenario.loss_choice, scenario.weights, adaptive_size)

    language = current_language()
    prefix = file_prefix(scenario, "versus")
    intro, input_column = st.columns([2, 1])
    intro.markdown(tr("versus.intro", loss=scenario.loss.torch_code))
    with input_column:
        x_grid = input_grid(scenario.x, scenario.windows, scenario.params.padding, link=None, language=language)
        show_grids({"x": x_grid}, key="versus_x", file_prefix=prefix, columns=1)
    gradient_max = max(float(np.abs(result.grad_input).max()) for result in results) or 1.0
    for column, result in zip(st.columns(3), results):
        name = result.name
        with column:
            st.markdown(f"`{_call(result, scenario.params, adaptive_size)}`")
            pair = {
                f"{name}_y": value_grid(
                    result.y, f"y ({result.y.shape[0]}×{result.y.shape[1]})", "y", link="output", language=language
                ),
                f"{name}_grad_input": grad_input_grid(
                    result.grad_input,
                    title="∂L/∂x",
                    highlight_cells=result.winners,
                    zmax=gradient_max,
                    language=language,
                ),
            }
            show_grids(
                pair,
                key=f"versus_{name}",
                file_prefix=prefix,
                columns=2,
                windows=window_axes(result.plan.windows()),
                explain=_explainer(result, scenario.x, language),
            )
            st.caption(_note(result, scenario.params, adaptive_size))
            difference = _torch_difference(result, scenario, adaptive_size)
            torch_badge(difference, tr("versus.difference", difference=f"{difference:.1e}"))
    with st.expander(tr("versus.more"), icon=":material/grid_on:"):
        functions = ("avg_pool2d", "max_pool2d", "adaptive_avg_pool2d")
        more = {
            f"{name}_grad_output": gradient_grid(
                result.grad_output, tr("versus.grad_output_of", name=function), "∂L/∂y", language=language
            )
            for result, name, function in zip(results, ("avg", "max", "adaptive"), functions)
        }
        more["adaptive_coverage"] = value_grid(
            results[2].plan.coverage(), tr("versus.adaptive_coverage"), tr("playground.windows"), language=language
        )
        show_grids(more, key="versus_more", file_prefix=prefix, columns=4)


require_router()
page_header("pages/average_vs_max.py", "versus.caption")
with UrlCheck(URL_KEYS | {"adaptive_h", "adaptive_w"}) as url:
    scenario_page(url, average_vs_max_page)
