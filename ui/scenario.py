"""The shared sidebar (input, pooling, loss) turned into one computed scenario.

Every page that works on "the current setup" calls ``scenario_from_sidebar``: it draws the
sidebar controls (bound to the URL, so a link carries over between pages), shows any problem
with ``st.error`` or ``st.warning``, and returns the numbers, or None when there is nothing to
draw yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from figures import input_grid
from pooling import PoolingError, Window, avg_pool2d, avg_pool2d_backward, check_pool2d_args, windows
from pooling.geometry import output_size
from scenario.inputs import InputError
from scenario.losses import Loss, loss_for
from scenario.params import PoolParams
from ui.controls import (
    InputChoice,
    custom_weights,
    input_controls,
    keep_for_next_page,
    loss_controls,
    pool_controls,
    preset_lesson,
    read_input,
    restore_after_page_change,
)
from ui.display import display_controls, show_grids
from ui.lang import current_language, tr, translated_error
from ui.url import UrlCheck

__all__ = ["Scenario", "file_prefix", "scenario_from_sidebar"]


@dataclass(frozen=True)
class Scenario:
    """The current setup and every number the core computes from it."""

    x: np.ndarray
    params: PoolParams
    y: np.ndarray
    loss: Loss
    grad_input: np.ndarray
    windows: list[Window]
    loss_choice: dict  # name, cell and seed, to apply the same loss to other poolings
    weights: np.ndarray | None  # the typed dL/dy of the custom loss
    choice: InputChoice  # where x came from (source, size, seed)


def file_prefix(scenario: Scenario, view: str) -> str:
    """The start of a saved grid's file name: ``avgpool_k2x2_s2x2_p0x0_playground`` (then ``_x.png``)."""
    return f"avgpool_{scenario.params.slug()}_{view}"


def _output_shape(x_shape: tuple[int, int], params: PoolParams) -> tuple[int, int]:
    kernels, strides, paddings = params.kernel_size, params.effective_stride, params.padding
    return tuple(output_size(n, k, s, p, params.ceil_mode) for n, k, s, p in zip(x_shape, kernels, strides, paddings))


def _show_rejected_input(x: np.ndarray, params: PoolParams, source: str) -> None:
    """When no window fits, x is still drawn (with its padding ring), so the student sees why."""
    padding = tuple(min(p, k) for p, k in zip(params.padding, params.kernel_size))
    scale = "image" if source == "image" else "value"
    grid = input_grid(x, [], padding, link=None, scale=scale, language=current_language())
    show_grids({"x": grid}, key="rejected_input", file_prefix=f"avgpool_{params.slug()}_rejected", columns=4)


def scenario_from_sidebar(url: UrlCheck) -> Scenario | None:
    """Draw the sidebar, compute the scenario with the numpy core, or explain why not.

    The caller calls ``url.show()`` once its own widgets are checked too.
    """
    restore_after_page_change()
    with st.sidebar:
        choice = input_controls(url)
        params = pool_controls(url)

    # The input, then the pooling configuration: each may be invalid, and says why.
    try:
        x = read_input(choice)
    except InputError as error:
        x = None
        st.error(tr("input.cannot_use", reason=translated_error(error)), icon=":material/error:")
    pooling_error = None
    if x is not None:
        try:
            kwargs = params.kwargs()
            del kwargs["count_include_pad"]
            check_pool2d_args(x.shape, **kwargs)
        except PoolingError as error:
            pooling_error = translated_error(error)
    y_shape = _output_shape(x.shape, params) if x is not None and pooling_error is None else None
    with st.sidebar:
        loss_choice = loss_controls(url, y_shape, choice.source)
        formula = st.container()  # the loss in LaTeX, filled in once y is known
        display_controls(url)
    keep_for_next_page()
    preset_lesson(url)
    if pooling_error is not None:
        st.error(tr("input.torch_rejects", reason=pooling_error), icon=":material/block:")
        _show_rejected_input(x, params, choice.source)
    if x is None or y_shape is None:
        return None

    # The numbers: our numpy core does all of them.
    kwargs = params.kwargs()
    y = avg_pool2d(x, **kwargs)
    weights = custom_weights(y.shape) if loss_choice["name"] == "custom" else None
    loss = loss_for(loss_choice["name"], y, loss_choice["seed"], loss_choice["cell"], weights, current_language())
    grad_input = avg_pool2d_backward(loss.grad_output, x.shape, **kwargs)
    formula.latex(loss.latex)
    return Scenario(x, params, y, loss, grad_input, windows(x.shape, **kwargs), loss_choice, weights, choice)
