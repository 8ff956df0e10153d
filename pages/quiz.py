"""Predict, then reveal: the learner types a gradient, then sees the answer and where it comes from.

Questions come from the sidebar's setup ("New question") or from an instructive preset
("Surprise me", which also sets the sidebar). The score lives in ``st.session_state``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, value_grid
from i18n import text
from scenario.explain import explain_input_cell, number, windows_covering
from scenario.inputs import InputError, number_error
from scenario.numbers import NumberError, parse_number
from scenario.presets import PRESETS, PRESETS_BY_KEY, Preset
from scenario.quiz import LAYOUT_PRESETS, GridVerdict, close_enough, grade_grid, pick_cell
from ui.controls import URL_KEYS
from ui.display import show_grids
from ui.lang import current_language, tr, translated_error
from ui.router import page_title, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

QUIZ_MAX = 6  # inputs up to 6 x 6: small enough to work out by hand
QUIZ_PRESETS = [preset for preset in PRESETS if preset.name != "image"]  # the image is too big to ask
MODES = ("cell", "grid")  # one cell, or the whole grid


def _score() -> dict:
    return st.session_state.setdefault("quiz_score", {"right": 0, "asked": 0})


def _next_question() -> None:
    """'New question': another cell, or, when every cell has the same answer in this setup
    (the classic 0.25 everywhere), another window layout, where answers differ."""
    if not (st.session_state.get("quiz_uniform") and st.session_state.get("quiz_mode", MODES[0]) == MODES[0]):
        _new_question()
        return
    number_ = st.session_state.get("quiz_number", 0) + 1
    _set_up(PRESETS_BY_KEY[LAYOUT_PRESETS[number_ % len(LAYOUT_PRESETS)]])


def _new_question() -> None:
    st.session_state.quiz_number = st.session_state.get("quiz_number", 0) + 1
    st.session_state.quiz_cell = None  # picked from the current setup when drawn
    st.session_state.quiz_lesson = None
    st.session_state.quiz_revealed = False
    st.session_state.quiz_counted = False
    st.session_state.quiz_answer = ""
    st.session_state.pop("quiz_grid_verdict", None)


def _surprise_me() -> None:
    """Pick an instructive preset (never the same twice in a row) and set the sidebar to it."""
    number_ = st.session_state.get("quiz_number", 0) + 1
    _set_up(QUIZ_PRESETS[number_ % len(QUIZ_PRESETS)])


def _set_up(preset: Preset) -> None:
    """A new question on a preset's setup: the sidebar is set to it, its lesson comes with the answer."""
    _new_question()
    for key, value in preset.values().items():
        st.session_state[key] = value
    st.session_state.quiz_cell = preset.cell
    st.session_state.quiz_lesson = preset.key  # shown in the language on screen


def _request(action: str) -> None:
    """Button callback: remember what was asked for; the script acts on it with the numbers."""
    st.session_state.quiz_request = action


def _record(correct: bool) -> None:
    """Count a question once, when it is first checked or revealed."""
    if not st.session_state.get("quiz_counted"):
        score = _score()
        score["asked"] += 1
        score["right"] += int(correct)
        st.session_state.quiz_counted = True


def _question_header():
    """The buttons and the mode; returns the slot where the score goes once this run has counted."""
    language = current_language()  # fixed now: format_func may be called after this run
    left, middle, right, score_column = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    left.button(tr("quiz.new"), key="quiz_new", icon=":material/refresh:", on_click=_next_question, width="stretch")
    middle.button(
        tr("quiz.surprise"),
        key="quiz_surprise",
        icon=":material/auto_awesome:",
        on_click=_surprise_me,
        width="stretch",
        help=tr("quiz.surprise_help"),
    )
    right.radio(
        tr("quiz.question"),
        MODES,
        key="quiz_mode",
        horizontal=True,
        on_change=_new_question,
        format_func=lambda mode: text(language, f"quiz.mode_{mode}"),
    )
    return score_column.empty()


def _charts(scenario: Scenario, cell: tuple[int, int] | None, revealed: bool) -> None:
    covering = windows_covering(scenario.windows, *cell) if cell and revealed else []
    lit = [cell] if cell else []
    language = current_language()
    grids = {
        "x": input_grid(
            scenario.x,
            scenario.windows,
            scenario.params.padding,
            link=None,
            highlight_windows=covering,
            highlight_cells=lit,
            language=language,
        ),
        "y": value_grid(scenario.y, "y", "y", language=language),
        "grad_output": gradient_grid(
            scenario.loss.grad_output,
            f"∂L/∂y ({tr(f'loss.short_{scenario.loss.name}')})",
            "∂L/∂y",
            highlight_cells=[(w.out_row, w.out_col) for w in covering],
            language=language,
        ),
    }
    if revealed:
        grids["grad_input"] = grad_input_grid(
            scenario.grad_input, link=None, highlight_windows=covering, highlight_cells=lit, language=language
        )
    show_grids(grids, key="quiz_grids", file_prefix=file_prefix(scenario, "quiz"))


def _question_cell(grad_input: np.ndarray) -> tuple[int, int]:
    """The cell asked about: kept while it fits the grid, else a new pick that differs from
    the last answer when the grid allows."""
    cell = st.session_state.get("quiz_cell")
    if cell is None or not all(0 <= index < size for index, size in zip(cell, grad_input.shape)):
        last = st.session_state.get("quiz_last_answer")
        st.session_state.quiz_cell = pick_cell(grad_input, st.session_state.get("quiz_number", 0), last)
    return st.session_state.quiz_cell


def _answer_form() -> str:
    """The answer box with Check and Reveal (one form: Enter checks)."""
    with st.form("quiz_form", border=False):
        text_column, check_column, reveal_column = st.columns([2, 1, 1], vertical_alignment="bottom")
        typed = text_column.text_input(tr("quiz.answer"), key="quiz_answer")
        check_column.form_submit_button(
            tr("quiz.check"), icon=":material/check:", width="stretch", on_click=_request, args=("check",)
        )
        reveal_column.form_submit_button(
            tr("quiz.reveal"), icon=":material/visibility:", width="stretch", on_click=_request, args=("reveal",)
        )
    return typed


def _grade(typed: str, cell: tuple[int, int], truth: float) -> None:
    """Check or reveal, as the form asked; the verdict is kept as (key, numbers), so that it
    follows a language switch."""
    request = st.session_state.pop("quiz_request", None)
    if request == "reveal":
        _record(False)
        st.session_state.quiz_revealed = True
        st.session_state.quiz_verdict = ("quiz.answer_is", {"truth": number(truth)})
    if request != "check":
        return
    try:
        answer = parse_number(typed)
    except NumberError as error:
        st.warning(translated_error(number_error(error, tr("quiz.your_answer"))), icon=":material/help:")
        return
    correct = close_enough(answer, truth)
    _record(correct)
    st.session_state.quiz_revealed = True
    st.session_state.quiz_verdict = (
        ("quiz.right", {"row": cell[0], "col": cell[1], "truth": number(truth)})
        if correct
        else ("quiz.wrong", {"answer": number(answer), "truth": number(truth)})
    )


def one_cell_question(scenario: Scenario) -> None:
    row, col = _question_cell(scenario.grad_input)
    truth = float(scenario.grad_input[row, col])
    st.session_state.quiz_last_answer = truth
    # Every cell has the same answer here: the next question changes the window layout.
    st.session_state.quiz_uniform = bool(np.ptp(scenario.grad_input) == 0)
    language = current_language()
    preset = PRESETS_BY_KEY.get(st.session_state.get("quiz_lesson"))
    if preset is not None:
        st.caption(tr("quiz.surprise_caption", title=preset.title(language)))
    st.markdown(tr("quiz.ask_cell", row=row, col=col))
    _grade(_answer_form(), (row, col), truth)
    revealed = st.session_state.get("quiz_revealed", False)
    if revealed:
        key, numbers = st.session_state.get("quiz_verdict", ("quiz.answer_is", {"truth": number(truth)}))
        covering = windows_covering(scenario.windows, row, col)
        explanation = explain_input_cell(row, col, covering, scenario.loss.grad_output, scenario.grad_input, language)
        lesson = f" {preset.lesson(language)}" if preset is not None else ""
        (st.success if key == "quiz.right" else st.info)(
            f"{tr(key, **numbers)} {explanation}{lesson}", icon=":material/lightbulb:"
        )
    _charts(scenario, (row, col), revealed)


def whole_grid_question(scenario: Scenario) -> None:
    st.markdown(tr("quiz.ask_grid"))
    rows, cols = scenario.x.shape
    # Text cells, read by scenario.numbers: empty cells show as empty, and "1,5" is refused
    # with a reason instead of being read as 15 by the browser's grid.
    columns = [str(c) for c in range(cols)]
    empty = pd.DataFrame(np.full((rows, cols), "", dtype=object), columns=columns)
    config = {column: st.column_config.TextColumn(column) for column in columns}
    key = f"quiz_grid_{rows}x{cols}_{st.session_state.get('quiz_number', 0)}"
    edited = st.data_editor(empty, key=key, column_config=config)
    revealed = st.session_state.get("quiz_revealed", False)
    st.button(tr("quiz.check_grid"), key="quiz_check_grid", icon=":material/check:", on_click=_request, args=("grid",))
    if st.session_state.pop("quiz_request", None) == "grid":
        try:
            verdict = grade_grid(edited.to_numpy(dtype=object), scenario.grad_input)
        except InputError as error:
            st.warning(translated_error(error), icon=":material/help:")
        else:
            _record(verdict.right == verdict.total)
            st.session_state.quiz_revealed = revealed = True
            st.session_state.quiz_grid_verdict = verdict
    verdict = st.session_state.get("quiz_grid_verdict")
    if revealed and verdict is not None and verdict.total == rows * cols:
        _grid_verdict(verdict)
    _charts(scenario, None, revealed)


def _grid_verdict(verdict: GridVerdict) -> None:
    """How many cells are right, and which are wrong or empty, by name."""
    message = tr("quiz.grid_result", right=verdict.right, total=verdict.total)
    for key, cells in (("quiz.grid_wrong", verdict.wrong), ("quiz.grid_empty", verdict.empty)):
        if cells:
            message += " " + tr(key, cells=", ".join(f"∂L/∂x[{row}, {col}]" for row, col in cells))
    (st.success if verdict.right == verdict.total else st.info)(message, icon=":material/lightbulb:")


def quiz_page(scenario: Scenario | None, url: UrlCheck) -> None:
    score_slot = _question_header()
    if scenario is not None:
        ask(scenario)
    score = _score()
    score_slot.metric(tr("quiz.score"), f"{score['right']} / {score['asked']}", help=tr("quiz.score_help"))


def ask(scenario: Scenario) -> None:
    if scenario.x.size > QUIZ_MAX * QUIZ_MAX:
        st.warning(
            tr("quiz.too_big", max=QUIZ_MAX, rows=scenario.x.shape[0], cols=scenario.x.shape[1]),
            icon=":material/zoom_out_map:",
        )
        return
    if st.session_state.get("quiz_mode", MODES[0]) == MODES[0]:
        one_cell_question(scenario)
    else:
        whole_grid_question(scenario)


require_router()
st.title(page_title("pages/quiz.py"))
st.caption(tr("quiz.caption"))
with UrlCheck(URL_KEYS) as url:
    scenario_page(url, quiz_page)
