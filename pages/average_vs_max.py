"""Average vs max: the same input and loss through avg_pool2d, max_pool2d and
adaptive_avg_pool2d, side by side, each checked against torch autograd."""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, retitled, value_grid, window_axes
from figures.grids import GridDescription, Selection
from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d, torch_max_pool2d
from scenario.numbers import format_number, shared_exponent
from scenario.versus import Pooled, pool_three_ways
from ui.badges import largest_difference, torch_badge
from ui.controls import BIND, URL_KEYS
from ui.display import Explainer, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

ADAPTIVE_MAX = 32
# torch's function for each pooling (``Pooled.function``), with autograd: the live check.
TORCH_FUNCTIONS = {
    "avg_pool2d": torch_avg_pool2d,
    "max_pool2d": torch_max_pool2d,
    "adaptive_avg_pool2d": torch_adaptive_avg_pool2d,
}


def _torch_difference(result: Pooled, x: np.ndarray) -> float:
    """The largest difference between this pooling's numbers and torch autograd's."""
    theirs = TORCH_FUNCTIONS[result.function](x, result.grad_output, **result.arguments)
    return largest_difference((result.y, result.grad_input), theirs)


def _explainer(result: Pooled, x: np.ndarray, language: str) -> Explainer:
    """A selected cell of this pooling's grids, as the pooling explains it."""

    def explain(selection: Selection) -> str | None:
        return result.explain(*selection[:3], x, language)

    return explain


def _input_grids(scenario: Scenario, power: int | None, language: str) -> dict[str, GridDescription]:
    """x with its padding; when there is padding, twice: avg_pool2d pads with 0, max_pool2d with −∞."""
    x, windows, padding = scenario.x, scenario.windows, scenario.params.padding
    x_grid = input_grid(x, windows, padding, link=None, power=power, language=language)
    if not any(padding):
        return {"x": x_grid}
    x_max = input_grid(x, windows, padding, link=None, padding_fill="-inf", power=power, language=language)
    return {"x": retitled(x_grid, tr("versus.x_avg")), "x_max": retitled(x_max, tr("versus.x_max"))}


def _adaptive_controls(url: UrlCheck) -> tuple[int, int]:
    st.caption(tr("versus.adaptive_caption"))
    left, right = st.columns(2)
    height = left.number_input(tr("versus.out_height"), 1, ADAPTIVE_MAX, 3, key="adaptive_h", bind=BIND)
    width = right.number_input(tr("versus.out_width"), 1, ADAPTIVE_MAX, 3, key="adaptive_w", bind=BIND)
    for key, value in (("adaptive_h", height), ("adaptive_w", width)):
        url.check(key, value, tr("url.allowed_adaptive", max=ADAPTIVE_MAX))
    return int(height), int(width)


def _pooling_column(result: Pooled, x: np.ndarray, prefix: str, powers: tuple, language: str) -> None:
    """One pooling: its torch call, its y over its ∂L/∂x (a click on one lights the other), what
    to notice, and its check with torch. Each ∂L/∂x has its own colour scale: on a shared one a
    max pooling's 4 would wash an average's 0.25 out to white. ``powers``: the powers of ten
    all the y and all the ∂L/∂x print in, shared across the poolings where they need one."""
    name = result.name
    st.markdown(f"`{result.call}`")
    pair = {
        f"{name}_y": value_grid(
            result.y,
            f"y ({result.y.shape[0]}×{result.y.shape[1]})",
            "y",
            link="output",
            power=powers[0],
            language=language,
        ),
        f"{name}_grad_input": grad_input_grid(
            result.grad_input, title="∂L/∂x", highlight_cells=result.winners, power=powers[1], language=language
        ),
    }
    show_grids(
        pair,
        key=f"versus_{name}",
        file_prefix=prefix,
        columns=1,
        windows=window_axes(result.plan.windows()),
        explain=_explainer(result, x, language),
        room_below=0,
    )
    st.caption(result.note)
    difference = _torch_difference(result, x)
    torch_badge(difference, tr("versus.difference", difference=format_number(difference, 2)))


def average_vs_max_page(scenario: Scenario | None, url: UrlCheck) -> None:
    with st.sidebar:
        st.subheader(tr("versus.adaptive_header"))
        adaptive_size = _adaptive_controls(url)
    if scenario is None:
        return
    language = current_language()
    results = pool_three_ways(scenario, scenario.loss_choice, scenario.weights, adaptive_size, language)
    prefix = file_prefix(scenario, "versus")
    # One row: x and the sentence that says what to look for, then each pooling's y over its
    # ∂L/∂x. On a projector the whole row is on one screen; on a phone the columns stack.
    # x and the three y, the three ∂L/∂x: each set in one power of ten where all need one
    powers = (shared_exponent(scenario.x, *(r.y for r in results)), shared_exponent(*(r.grad_input for r in results)))
    input_column, *pooling_columns = st.columns(4)
    with input_column:
        x_grids = _input_grids(scenario, powers[0], language)
        show_grids(x_grids, key="versus_x", file_prefix=prefix, columns=1, room_below=0)
        st.markdown(tr("versus.intro", loss=scenario.loss.torch_code))
    for column, result in zip(pooling_columns, results):
        with column:
            _pooling_column(result, scenario.x, prefix, powers, language)
    with st.expander(tr("versus.more"), icon=":material/grid_on:"):
        more = {
            f"{result.name}_grad_output": gradient_grid(
                result.grad_output, tr("versus.grad_output_of", name=result.function), "∂L/∂y", language=language
            )
            for result in results
        }
        more["adaptive_coverage"] = value_grid(
            results[2].plan.coverage(), tr("versus.adaptive_coverage"), tr("playground.windows"), language=language
        )
        show_grids(more, key="versus_more", file_prefix=prefix, columns=4)


require_router()
page_header("pages/average_vs_max.py", "versus.caption")
with UrlCheck(URL_KEYS | {"adaptive_h", "adaptive_w"}) as url:
    scenario_page(url, average_vs_max_page)
