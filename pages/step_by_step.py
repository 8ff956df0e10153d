"""Step by step: replay the backward pass one output cell at a time.

At step t the first t outputs (row by row) have sent their gradient back: output t-1 is lit
on ∂L/∂y, its window on x, and its share ∂L/∂y[i, j] / divisor has just been added into the
running ∂L/∂x. The forward pass fills y in the same order.

The replay runs inside ``st.fragment``: while playing, a small timer in the browser
(ui/replay_ticker.js) asks for the next step every 1/speed seconds, and only this fragment
reruns. It is not a fragment's ``run_every``: a live class's listener halts it before the run
that may switch the page, so no step can come in behind a switch and take the tab back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from figures import grad_input_grid, gradient_grid, input_grid, value_grid, window_axes
from figures.grids import Selection
from scenario.compute import running_gradient
from scenario.explain import number, replay_step_text, windows_covering
from scenario.numbers import exact_text, number_style, shared_exponent
from ui.controls import BIND, URL_KEYS
from ui.display import Explainer, pooling_explainer, presenting, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

SPEEDS = [0.5, 1, 2, 4]  # steps per second


def _toggle_play() -> None:
    playing = not st.session_state.get("step_playing", False)
    st.session_state.step_playing = playing
    if playing and st.session_state.get("step", 0) >= st.session_state.get("step_total", 0):
        st.session_state.step = 0  # play again from the start


def _next_step() -> None:
    """The replay's timer asks for the next step (a callback, before the slider is drawn)."""
    if not st.session_state.get("step_playing", False):
        return
    if st.session_state.get("step", 0) >= st.session_state.get("step_total", 0):
        # The tick after the last step: stop, and rerun the whole page so that the button
        # reads "Play" again (the slider already shows the last step).
        st.session_state.step_playing = False
        st.session_state.step_ended = True
        return
    st.session_state.step = st.session_state.get("step", 0) + 1


@st.cache_resource
def _ticker():
    """Play's timer in the browser, registered once per server (ui/replay_ticker.js)."""
    js = (Path(__file__).parents[1] / "ui" / "replay_ticker.js").read_text()
    hidden = ".st-key-step_ticker { display: none; }"  # it draws nothing: no gap for it in the page
    return st.components.v2.component("avgpool_replay_ticker", html="", css=hidden, js=js, isolate_styles=False)


def _replay(scenario: Scenario, url: UrlCheck, step_box: DeltaGenerator, speed: float) -> None:
    total = scenario.y.size
    st.session_state.step_total = total
    if st.session_state.pop("step_ended", False):
        st.rerun()
    step = step_box.slider(tr("step.step"), 0, total, 0, key="step", bind=BIND, help=tr("step.step_help"))
    url.check("step", step, tr("url.allowed_step", max=total))
    language = current_language()

    running = running_gradient(scenario, step)
    current = scenario.windows[step - 1] if step else None
    st.markdown(replay_step_text(step, total, current, scenario.x, scenario.y, scenario.loss.grad_output, language))
    grids = _step_grids(scenario, step, running, language)
    show_grids(
        grids,
        key="step_grids",
        file_prefix=file_prefix(scenario, f"step{step}"),
        windows=window_axes(scenario.windows),
        explain=_step_explainer(scenario, step, running, language),
    )
    if step == total:
        st.success(tr("step.done", total=total, sum=number(float(np.abs(running).sum()))), icon=":material/flag:")
    playing = st.session_state.get("step_playing", False)
    ticker = {
        "playing": playing,
        "step": step,
        "interval_ms": round(1000 / speed),
        "epoch": st.session_state.get("step_epoch", 0),
    }
    _ticker()(key="step_ticker", data=ticker, on_tick_change=_next_step)


def _step_grids(scenario: Scenario, step: int, running: np.ndarray, language: str) -> dict[str, dict]:
    """x, the outputs computed so far, ∂L/∂y and the gradient that has arrived by ``step``,
    with the current output's window lit up."""
    x, y, loss, params = scenario.x, scenario.y, scenario.loss, scenario.params
    done = np.arange(y.size).reshape(y.shape) < step
    current = scenario.windows[step - 1] if step else None
    lit_windows = [current] if current else []
    lit_cells = [(current.out_row, current.out_col)] if current else []
    # Fixed colour ranges: a cell's colour means the same value at every step.
    value_range = (float(y.min()), float(y.max()))
    gradient_max = float(np.abs(scenario.grad_input).max()) or 1.0
    # One power of ten for x and y, and for ∂L/∂y and ∂L/∂x, where both need one: the final
    # grids', so that it stays the same at every step.
    values, gradients = shared_exponent(x, y), shared_exponent(loss.grad_output, scenario.grad_input)
    return {
        "x": input_grid(
            x, scenario.windows, params.padding, highlight_windows=lit_windows, power=values, language=language
        ),
        "y": value_grid(
            np.where(done, y, np.nan),
            tr("step.forward"),
            "y",
            link="output",
            highlight_cells=lit_cells,
            zrange=value_range,
            power=values,
            language=language,
        ),
        "grad_output": gradient_grid(
            loss.grad_output,
            tr("figure.grad_output", loss=tr(f"loss.short_{loss.name}")),
            "∂L/∂y",
            link="output",
            highlight_cells=lit_cells,
            power=gradients,
            language=language,
        ),
        "grad_input": grad_input_grid(
            running,
            title=tr("step.backward"),
            highlight_windows=lit_windows,
            zmax=gradient_max,
            power=gradients,
            language=language,
        ),
    }


def _step_explainer(scenario: Scenario, step: int, running: np.ndarray, language: str) -> Explainer:
    """A selected cell explained as on the Playground (its final value), and for a cell of
    ∂L/∂x how many of its shares have arrived by this step."""
    explain_final = pooling_explainer(
        scenario.x, scenario.y, scenario.loss.grad_output, scenario.grad_input, scenario.windows, language
    )
    out_cols = scenario.y.shape[1]
    running_style = number_style(running)

    def explain(selection: Selection) -> str | None:
        final = explain_final(selection)
        if selection.kind != "input":
            return final
        covering = windows_covering(scenario.windows, selection.row, selection.col)
        arrived = sum(window.out_row * out_cols + window.out_col < step for window in covering)
        running_value = exact_text(running[selection.row, selection.col], style=running_style)  # as its cell
        return final + tr("step.arrived", step=step, arrived=arrived, count=len(covering), running=running_value)

    return explain


def step_by_step_page(scenario: Scenario | None, url: UrlCheck) -> None:
    if scenario is None:
        return
    playing = st.session_state.get("step_playing", False)
    # On a projector the step slider joins Play and the speed in one row: the grids below
    # then fit the screen's height (1280x720 included) instead of running off its bottom.
    present = presenting()
    play, speed_column, step_column = st.columns([1, 2, 5] if present else [1, 2, 3], vertical_alignment="bottom")
    play.button(
        tr("step.pause") if playing else tr("step.play"),
        key="step_play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=_toggle_play,
        width="stretch",
    )
    speed = speed_column.select_slider(tr("step.speed"), SPEEDS, value=1, key="speed", bind=BIND)
    url.check("speed", speed, tr("url.allowed_speed", options=", ".join(map(str, SPEEDS))))

    step_box = step_column if present else st.container()  # the replay fragment draws the slider there
    st.fragment(_replay)(scenario, url, step_box, speed)


require_router()
# Counts this page's whole runs (a fragment's rerun does not run this line): Play's timer,
# halted by a class's change, plays on from the next one (ui/replay_ticker.js).
st.session_state.step_epoch = st.session_state.get("step_epoch", 0) + 1
page_header("pages/step_by_step.py", "step.caption")
with UrlCheck(URL_KEYS | {"step", "speed"}) as url:
    scenario_page(url, step_by_step_page)
