"""The shared sidebar (input, pooling, loss) turned into one computed scenario.

Every page that works on "the current setup" is drawn by ``scenario_page``: it draws the
sidebar controls (bound to the URL, so a link carries over between pages), shows any problem
with ``st.error`` or ``st.warning``, and hands the numbers to the page's body (None when there
is nothing to draw yet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from classroom.model import Setup
from classroom.setups import setup_values
from figures import input_grid
from figures.grids import GridDescription, Selection, decode_values
from figures.views import playground_grids
from pooling import PoolingError, PoolPlan
from scenario.compute import Computed, compute_scenario
from scenario.inputs import InputError
from scenario.losses import LossChoice
from scenario.params import PoolParams
from scenario.typed_grid import BadCells
from ui.classroom import explore_alone, followed_setup, rerun_when_heard, send_setup
from ui.controls import (
    InputChoice,
    RareOptions,
    WindowSettings,
    custom_weights,
    input_controls,
    loss_controls,
    pool_params,
    rare_controls,
    read_input,
    square_control,
    typed_grids_from_link,
    window_controls,
)
from ui.display import display_controls, show_grids
from ui.fairness import fair_share
from ui.lang import current_language, tr, translated_error
from ui.session import keep_for_next_page, preset_lesson, restore_after_page_change
from ui.teacher_setup import followed_grid, followed_input, teacher_setup_block, widgets_drawn, write_followed_url
from ui.url import UrlCheck

__all__ = ["Scenario", "file_prefix", "scenario_page"]


@dataclass(frozen=True)
class Scenario(Computed):
    """The current setup and every number the core computes from it (``Computed``), plus
    where they came from in the sidebar."""

    loss_choice: LossChoice  # to apply the same loss to other poolings
    weights: np.ndarray | None  # the typed ∂L/∂y of the custom loss
    choice: InputChoice  # where x came from (source, size, seed)


def file_prefix(scenario: Scenario, view: str) -> str:
    """The start of a saved grid's file name: ``avgpool_k2x2_s2x2_p0x0_playground`` (then ``_x.png``)."""
    return f"avgpool_{scenario.params.slug()}_{view}"


def _show_rejected_input(x: np.ndarray, params: PoolParams, source: str, bad: BadCells | None = None) -> None:
    """When no window fits, x is still drawn (with its padding ring), so the student sees why
    (and its typed cells that are not numbers, marked)."""
    padding = tuple(min(p, k) for p, k in zip(params.padding, params.kernel_size))
    scale = "image" if source == "image" else "value"
    grid = input_grid(x, [], padding, link=None, scale=scale, language=current_language())
    if bad is not None:
        _mark_bad_cells(grid, bad.cells)
    show_grids({"x": grid}, key="rejected_input", file_prefix=f"avgpool_{params.slug()}_rejected", columns=4)


def scenario_page(url: UrlCheck, body: Callable[[Scenario | None, UrlCheck], None], quiz: bool = False) -> None:
    """Draw the sidebar, compute the scenario with the numpy core (or explain why not), and
    hand it to the page's ``body`` (None when there is nothing to draw yet).

    Why two parts: every element a run sends costs the server and the browser time (and the
    browser also redraws what stays on screen), and a slider change is what a class does most.
    So the window controls (kernel, stride, padding), the loss, the numbers and the page body
    are one fragment: moving a slider reruns and re-sends only that (docs/benchmarks.md, "In the browser").
    Everything else (the input, "same for height and width", the rarer options, the Display
    section, the page links) is drawn by full runs and stays on screen as it is.
    Once the sidebar is drawn, the URL check compares the link with what its widgets took,
    from the table of controls (``UrlCheck.check_controls``); the page's ``UrlCheck`` shows
    the warnings once the page's own widgets are checked too.
    ``quiz``: ∂L/∂x is the page's secret, never drawn for it here.
    """
    restore_after_page_change()
    followed = followed_setup()
    if followed is not None:  # the teacher's setup, as one block: no widget to draw or check
        _followed_page(url, followed, body, quiz)
        return
    for warning in typed_grids_from_link(url.raw):
        url.warn(warning)
    with st.sidebar:  # top to bottom, as drawn
        choice = input_controls()
        square = square_control(url.raw)
        windows_box = st.container()  # kernel, stride, padding: filled by the fragment
        rare = rare_controls()
        st.subheader(tr("loss.header"))
        loss_box = st.container()  # the loss and its formula: filled by the fragment
        display = display_controls()
    widgets_drawn()
    bad_x, x = None, None
    try:
        x = read_input(choice)
    except InputError as error:
        st.error(tr("input.cannot_use", reason=translated_error(error)), icon=":material/error:")
        if isinstance(error, BadCells):  # typed cells that are not numbers: the rest is still drawn
            bad_x, x = error, error.values
    controls = SidebarControls(choice, square, windows_box, rare, loss_box, display, bad_x, quiz)
    _windows_loss_and_page(url, controls, x, body)


def _followed_page(url: UrlCheck, setup: Setup, body: Callable[[Scenario | None, UrlCheck], None], quiz: bool) -> None:
    """A following student's page: the sidebar shows the teacher's setup (ui/teacher_setup.py)
    and the Display section, the numbers come from the setup, the address names it."""
    values = setup_values(setup)
    with st.sidebar:
        teacher_setup_block(values, explore_alone)
        display = display_controls()
    if not write_followed_url(setup):
        rerun_when_heard()
    source = str(values["input"])
    choice = InputChoice(source, int(values["height"]), int(values["width"]), int(values["seed"]))
    rare = RareOptions(bool(values["ceil_mode"]), values["divisor_override"])
    bad_x, x = None, None
    try:
        x = followed_input(setup, values)
    except InputError as error:
        st.error(tr("input.cannot_use", reason=translated_error(error)), icon=":material/error:")
        if isinstance(error, BadCells):
            bad_x, x = error, error.values
    if x is None and bad_x is None:
        st.info(tr("class.follow_no_input"), icon=":material/cloud_off:")
    controls = SidebarControls(choice, bool(values["square"]), None, rare, None, display, bad_x, quiz, setup)
    _windows_loss_and_page(url, controls, x, body)


@dataclass(frozen=True)
class SidebarControls:
    """What the full run drew in the sidebar, and the two boxes the fragment fills (a
    following student's tab draws no control: ``followed``, the teacher's setup, says them)."""

    choice: InputChoice
    square: bool
    windows_box: DeltaGenerator | None  # kernel, stride, padding, count_include_pad
    rare: RareOptions
    loss_box: DeltaGenerator | None  # the loss and its formula
    display: dict[str, object]  # the Display section's values drawn, by key (present, palette)
    bad_x: BadCells | None = None  # the typed x's cells that are not numbers (x holds NaN there)
    quiz: bool = False  # ∂L/∂x is the page's question: not drawn beside the bad cells
    followed: Setup | None = None  # a following student's: the teacher's setup


@st.fragment
def _windows_loss_and_page(
    url: UrlCheck, controls: SidebarControls, x: np.ndarray | None, body: Callable[[Scenario | None, UrlCheck], None]
) -> None:
    """The window and loss controls (in their sidebar boxes), the numbers and the page body,
    within the tab's share of the server (a slider change reruns only this)."""
    fair_share(lambda: _compute_and_draw(url, controls, x, body))
    send_setup()  # a teacher's slider change reaches the class with this fragment's run


def _compute_and_draw(
    url: UrlCheck, controls: SidebarControls, x: np.ndarray | None, body: Callable[[Scenario | None, UrlCheck], None]
) -> None:
    if controls.followed is None:
        params, plan, pooling_error, loss_choice = _drawn_window_and_loss(url, controls, x)
    else:
        params, plan, pooling_error, loss_choice = _followed_window_and_loss(controls.followed, controls.rare, x)
    y_shape = None if plan is None else plan.output_shape
    keep_for_next_page()
    preset_lesson(url)
    if pooling_error is not None:
        st.error(tr("input.torch_rejects", reason=pooling_error), icon=":material/block:")
        _show_rejected_input(x, params, controls.choice.source, controls.bad_x)
    if plan is None:
        body(None, url)
        return

    # The numbers: our numpy core does all of them, from the plan checked above.
    name, seed, cell = loss_choice.name, loss_choice.seed, loss_choice.cell
    weights, bad_grad = None, None
    if name == "custom":
        try:
            weights = (
                custom_weights(y_shape)
                if controls.followed is None
                else followed_grid(controls.followed, "grad", *y_shape)
            )
        except InputError as error:  # a typed ∂L/∂y that is not a number: say where, keep x on screen
            st.error(tr("loss.cannot_use", reason=translated_error(error)), icon=":material/error:")
            if not isinstance(error, BadCells) or error.values is None:
                _show_rejected_input(x, params, controls.choice.source)
                body(None, url)
                return
            bad_grad, weights = error, error.values
    else:
        st.query_params.pop("grad", None)  # a typed ∂L/∂y is kept in the session, not in this link
    computed = compute_scenario(x, params, name, seed, cell, weights, current_language(), plan)
    if controls.loss_box is not None:
        controls.loss_box.latex(computed.loss.latex)  # the loss in LaTeX, now that y is known
    if controls.bad_x is not None or bad_grad is not None:
        _show_without_bad_cells(computed, controls.bad_x, bad_grad, controls.choice.source == "image", controls.quiz)
        body(None, url)
        return
    numbers = {field.name: getattr(computed, field.name) for field in fields(Computed)}
    body(Scenario(**numbers, loss_choice=loss_choice, weights=weights, choice=controls.choice), url)


def _drawn_window_and_loss(
    url: UrlCheck, controls: SidebarControls, x: np.ndarray | None
) -> tuple[PoolParams, PoolPlan | None, str | None, LossChoice]:
    """The window and loss controls drawn in their sidebar boxes, the link checked against the
    whole sidebar; the pooling, its plan for x (or why torch rejects it) and the loss."""
    with controls.windows_box:
        windows = window_controls(controls.square)
    params = pool_params(windows, controls.rare)
    # The pooling configuration may be invalid for this input, and says why.
    plan, pooling_error = _plan(x, params)
    y_shape = None if plan is None else plan.output_shape
    with controls.loss_box:
        loss_choice, loss_drawn = loss_controls(y_shape, controls.choice.source)
    # The whole sidebar is drawn: one check of the link against what its widgets took.
    drawn = {**controls.choice.drawn, "square": controls.square, **windows.drawn, **controls.rare.drawn, **loss_drawn}
    drawn |= controls.display
    url.check_controls(drawn, y_shape)
    return params, plan, pooling_error, loss_choice


def _followed_window_and_loss(
    setup: Setup, rare: RareOptions, x: np.ndarray | None
) -> tuple[PoolParams, PoolPlan | None, str | None, LossChoice]:
    """The same from the teacher's setup: nothing drawn, nothing of the link to check."""
    values = setup_values(setup)
    axes = ("h", "h") if values["square"] else ("h", "w")
    kernels, strides, paddings = (
        tuple(values[f"{name}_{axis}"] for axis in axes) for name in ("kernel", "stride", "padding")
    )
    params = pool_params(WindowSettings(kernels, strides, paddings, bool(values["count_include_pad"])), rare)
    plan, pooling_error = _plan(x, params)
    cell = (int(values["loss_row"]), int(values["loss_col"]))
    return params, plan, pooling_error, LossChoice(str(values["loss"]), cell, int(values["seed"]))


def _plan(x: np.ndarray | None, params: PoolParams) -> tuple[PoolPlan | None, str | None]:
    """The core's checked plan for x, or the reason torch rejects this configuration."""
    if x is None:
        return None, None
    try:
        return params.plan(x.shape), None
    except PoolingError as error:
        return None, translated_error(error)


def _show_without_bad_cells(
    computed: Computed, bad_x: BadCells | None, bad_grad: BadCells | None, image: bool, quiz: bool
) -> None:
    """The four grids computed with NaN in the typed cells that are not numbers: NaN reaches
    exactly the numbers that depend on them (y's windows over a bad x cell; with the square
    loss ∂L/∂y = y too; ∂L/∂x's cells under a bad ∂L/∂y cell), which are drawn blank. The
    bad cells themselves are outlined and marked "?"; a click on one says what is wrong.
    On the quiz ∂L/∂x is left out: it is the answer."""
    grids = playground_grids(computed, current_language(), image)
    if quiz:
        del grids["grad_input"]
    bad = {"x": bad_x, "grad_output": bad_grad}
    for name, error in bad.items():
        if error is not None:
            _mark_bad_cells(grids[name], error.cells)

    def explain(selection: Selection) -> str | None:
        error = bad.get(selection.grid)
        cell = (selection.row, selection.col)
        if error is not None and cell in error.cells:
            problem = error.params["cells"][error.cells.index(cell)] if len(error.cells) > 1 else error
            return translated_error(problem)
        grid = grids[selection.grid]
        if np.isnan(decode_values(grid)[cell]):
            return tr("input.bad_cells_depends", cell=f"{grid['name']}[{selection.row}, {selection.col}]")
        return None  # a number: the grid's own words (ui.display)

    st.caption(tr("input.bad_cells_caption"))
    show_grids(grids, key="bad_cells", file_prefix=f"avgpool_{computed.params.slug()}_bad_cells", explain=explain)


def _mark_bad_cells(grid: GridDescription, cells: list[tuple[int, int]]) -> None:
    """Outline the cells and print "?" in them (they hold NaN, which would print blank)."""
    grid["cells"] = [[row, col] for row, col in cells]
    for labels in (grid["labels"], grid["short_labels"]):
        for row, col in cells if labels is not None else ():
            labels[row * grid["cols"] + col] = "?"
