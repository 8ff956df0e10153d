"""Average vs max: the same input and loss through avg_pool2d, max_pool2d and
adaptive_avg_pool2d, side by side, each checked against torch autograd."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, value_grid
from pooling import adaptive_avg_pool2d, adaptive_avg_pool2d_backward, max_pool2d, max_pool2d_backward
from pooling.geometry import adaptive_axis_windows
from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d, torch_max_pool2d
from scenario.losses import loss_for
from ui.badges import torch_badge
from ui.controls import BIND, URL_KEYS
from ui.display import show_grids
from ui.lang import current_language, tr
from ui.router import page_title, require_router
from ui.scenario import Scenario, file_prefix, scenario_from_sidebar
from ui.url import UrlCheck

ADAPTIVE_MAX = 32


@dataclass(frozen=True)
class Pooled:
    """One pooling of the shared input: its call, output, upstream gradient and input gradient."""

    call: str
    y: np.ndarray
    grad_output: np.ndarray
    grad_input: np.ndarray
    torch_difference: float
    note: str
    lit_cells: list[tuple[int, int]]


def _upstream(scenario: Scenario, y: np.ndarray) -> tuple[np.ndarray, str]:
    """The scenario's loss applied to another pooling's output (the loss fixes dL/dy)."""
    choice, note = scenario.loss_choice, ""
    row, col = choice["cell"]
    cell = (min(row, y.shape[0] - 1), min(col, y.shape[1] - 1))
    weights = scenario.weights
    name = choice["name"]
    if name == "custom" and (weights is None or weights.shape != y.shape):
        name, note = "sum", tr("versus.custom_misfit")
    return loss_for(name, y, choice["seed"], cell, weights).grad_output, note


def _difference(ours: tuple[np.ndarray, np.ndarray], theirs: tuple[np.ndarray, np.ndarray]) -> float:
    return max(float(np.abs(a - b).max()) if a.size else 0.0 for a, b in zip(ours, theirs))


def pool_three_ways(scenario: Scenario, adaptive_size: tuple[int, int]) -> list[Pooled]:
    x, params = scenario.x, scenario.params
    shape_args = {key: params.kwargs()[key] for key in ("kernel_size", "stride", "padding", "ceil_mode")}

    torch_y, torch_grad = torch_avg_pool2d(x, scenario.loss.grad_output, **params.kwargs())
    average = Pooled(
        params.torch_call("F.avg_pool2d", "x"),
        scenario.y,
        scenario.loss.grad_output,
        scenario.grad_input,
        _difference((scenario.y, scenario.grad_input), (torch_y, torch_grad)),
        tr("versus.note_avg"),
        [],
    )

    y_max, indices = max_pool2d(x, **shape_args, return_indices=True)
    grad_max, note = _upstream(scenario, y_max)
    grad_input_max = max_pool2d_backward(grad_max, x, **shape_args)
    torch_y, torch_grad = torch_max_pool2d(x, grad_max, **shape_args)
    winners = sorted({divmod(int(index), x.shape[1]) for index in indices.ravel()})
    ignored = (
        tr("versus.note_max_ignored") if (not params.count_include_pad or params.divisor_override is not None) else ""
    )
    maximum = Pooled(
        params.torch_call("F.max_pool2d", "x", average=False),
        y_max,
        grad_max,
        grad_input_max,
        _difference((y_max, grad_input_max), (torch_y, torch_grad)),
        tr("versus.note_max") + ignored + (f" {note}" if note else ""),
        winners,
    )

    y_adaptive = adaptive_avg_pool2d(x, adaptive_size)
    grad_adaptive, note = _upstream(scenario, y_adaptive)
    grad_input_adaptive = adaptive_avg_pool2d_backward(grad_adaptive, x.shape, adaptive_size)
    torch_y, torch_grad = torch_adaptive_avg_pool2d(x, grad_adaptive, adaptive_size)
    rows, cols = (adaptive_axis_windows(n, out) for n, out in zip(x.shape, adaptive_size))
    overlap = (rows.start[1:] < rows.stop[:-1]).any() or (cols.start[1:] < cols.stop[:-1]).any()
    sizes = sorted({int(n) for n in rows.lengths(False)} | {int(n) for n in cols.lengths(False)})
    adaptive = Pooled(
        f"F.adaptive_avg_pool2d(x, {adaptive_size})",
        y_adaptive,
        grad_adaptive,
        grad_input_adaptive,
        _difference((y_adaptive, grad_input_adaptive), (torch_y, torch_grad)),
        tr(
            "versus.note_adaptive_overlap" if overlap else "versus.note_adaptive_side",
            rows=adaptive_size[0],
            cols=adaptive_size[1],
            sizes=tr("versus.or").join(map(str, sizes)),
        )
        + (f" {note}" if note else ""),
        [],
    )
    return [average, maximum, adaptive]


def _adaptive_controls(url: UrlCheck) -> tuple[int, int]:
    st.caption(tr("versus.adaptive_caption"))
    left, right = st.columns(2)
    height = left.number_input(tr("versus.out_height"), 1, ADAPTIVE_MAX, 3, key="adaptive_h", bind=BIND)
    width = right.number_input(tr("versus.out_width"), 1, ADAPTIVE_MAX, 3, key="adaptive_w", bind=BIND)
    for key, value in (("adaptive_h", height), ("adaptive_w", width)):
        url.check(key, value, tr("url.allowed_adaptive", max=ADAPTIVE_MAX))
    return int(height), int(width)


def average_vs_max_page() -> None:
    url = UrlCheck(URL_KEYS | {"adaptive_h", "adaptive_w"})
    scenario = scenario_from_sidebar(url)
    with st.sidebar:
        st.subheader(tr("versus.adaptive_header"))
        adaptive_size = _adaptive_controls(url)
    url.show()
    if scenario is None:
        return
    results = pool_three_ways(scenario, adaptive_size)

    language = current_language()
    prefix = file_prefix(scenario, "versus")
    intro, input_column = st.columns([2, 1])
    intro.markdown(tr("versus.intro", loss=scenario.loss.torch_code))
    with input_column:
        x_grid = input_grid(scenario.x, scenario.windows, scenario.params.padding, link=None, language=language)
        show_grids({"x": x_grid}, key="versus_x", file_prefix=prefix, columns=1)
    gradient_max = max(float(np.abs(result.grad_input).max()) for result in results) or 1.0
    for column, result, name in zip(st.columns(3), results, ("avg", "max", "adaptive")):
        with column:
            st.markdown(f"`{result.call}`")
            pair = {
                f"{name}_y": value_grid(
                    result.y, f"y ({result.y.shape[0]}×{result.y.shape[1]})", "y", language=language
                ),
                f"{name}_grad_input": grad_input_grid(
                    result.grad_input,
                    title="∂L/∂x",
                    link=None,
                    highlight_cells=result.lit_cells,
                    zmax=gradient_max,
                    language=language,
                ),
            }
            show_grids(pair, key=f"versus_{name}", file_prefix=prefix, columns=2)
            st.caption(result.note)
            torch_badge(
                result.torch_difference <= 1e-10, tr("versus.difference", difference=f"{result.torch_difference:.1e}")
            )
    with st.expander(tr("versus.more"), icon=":material/grid_on:"):
        functions = ("avg_pool2d", "max_pool2d", "adaptive_avg_pool2d")
        more = {
            f"{name}_grad_output": gradient_grid(
                result.grad_output, tr("versus.grad_output_of", name=function), "dL/dy", language=language
            )
            for result, name, function in zip(results, ("avg", "max", "adaptive"), functions)
        }
        rows, cols = (adaptive_axis_windows(n, out) for n, out in zip(scenario.x.shape, adaptive_size))
        adaptive_coverage = np.outer(rows.membership().sum(0), cols.membership().sum(0))
        more["adaptive_coverage"] = value_grid(
            adaptive_coverage, tr("versus.adaptive_coverage"), tr("playground.windows"), language=language
        )
        show_grids(more, key="versus_more", file_prefix=prefix, columns=4)


require_router()
st.title(page_title("pages/average_vs_max.py"))
st.caption(tr("versus.caption"))
average_vs_max_page()
