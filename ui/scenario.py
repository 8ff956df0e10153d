"""The shared sidebar (input, pooling, loss) turned into one computed scenario.

Every page that works on "the current setup" calls ``scenario_from_sidebar``: it draws the
sidebar controls (bound to the URL, so a link carries over between pages), shows any problem
with ``st.error`` or ``st.warning``, and returns the numbers, or None when there is nothing to
draw yet.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import streamlit as st

from figures import input_grid
from pooling import PoolingError, PoolPlan
from scenario.compute import Computed, compute_scenario
from scenario.inputs import InputError
from scenario.params import PoolParams
from ui.controls import (
    InputChoice,
    custom_weights,
    input_controls,
    loss_controls,
    pool_controls,
    read_input,
)
from ui.display import display_controls, show_grids
from ui.lang import current_language, tr, translated_error
from ui.session import keep_for_next_page, preset_lesson, restore_after_page_change
from ui.url import UrlCheck

__all__ = ["Scenario", "file_prefix", "scenario_from_sidebar"]


@dataclass(frozen=True)
class Scenario(Computed):
    """The current setup and every number the core computes from it (``Computed``), plus
    where they came from in the sidebar."""

    loss_choice: dict  # name, cell and seed, to apply the same loss to other poolings
    weights: np.ndarray | None  # the typed ∂L/∂y of the custom loss
    choice: InputChoice  # where x came from (source, size, seed)


def file_prefix(scenario: Scenario, view: str) -> str:
    """The start of a saved grid's file name: ``avgpool_k2x2_s2x2_p0x0_playground`` (then ``_x.png``)."""
    return f"avgpool_{scenario.params.slug()}_{view}"


def _show_rejected_input(x: np.ndarray, params: PoolParams, source: str) -> None:
    """When no window fits, x is still drawn (with its padding ring), so the student sees why."""
    padding = tuple(min(p, k) for p, k in zip(params.padding, params.kernel_size))
    scale = "image" if source == "image" else "value"
    grid = input_grid(x, [], padding, link=None, scale=scale, language=current_language())
    show_grids({"x": grid}, key="rejected_input", file_prefix=f"avgpool_{params.slug()}_rejected", columns=4)


def scenario_from_sidebar(url: UrlCheck) -> Scenario | None:
    """Draw the sidebar, compute the scenario with the numpy core, or explain why not.

    The page's ``UrlCheck`` shows the URL warnings once the page's own widgets are checked too.
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
    plan, pooling_error = _plan(x, params)
    y_shape = None if plan is None else plan.output_shape
    with st.sidebar:
        loss_choice = loss_controls(url, y_shape, choice.source)
        formula = st.container()  # the loss in LaTeX, filled in once y is known
        display_controls(url)
    keep_for_next_page()
    preset_lesson(url)
    if pooling_error is not None:
        st.error(tr("input.torch_rejects", reason=pooling_error), icon=":material/block:")
        _show_rejected_input(x, params, choice.source)
    if plan is None:
        return None

    # The numbers: our numpy core does all of them, from the plan checked above.
    name, seed, cell = loss_choice["name"], loss_choice["seed"], loss_choice["cell"]
    weights = custom_weights(y_shape) if name == "custom" else None
    computed = compute_scenario(x, params, name, seed, cell, weights, current_language(), plan)
    formula.latex(computed.loss.latex)
    numbers = {field.name: getattr(computed, field.name) for field in fields(Computed)}
    return Scenario(**numbers, loss_choice=loss_choice, weights=weights, choice=choice)


def _plan(x: np.ndarray | None, params: PoolParams) -> tuple[PoolPlan | None, str | None]:
    """The core's checked plan for x, or the reason torch rejects this configuration."""
    if x is None:
        return None, None
    try:
        return params.plan(x.shape), None
    except PoolingError as error:
        return None, translated_error(error)
