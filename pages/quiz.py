"""Predict, then reveal: the learner types a gradient, then sees the answer and where it comes from.

Questions come from the sidebar's setup ("New question") or from an instructive preset
("Surprise me", which also sets the sidebar). The quiz's state and rules are
``scenario/quiz.py``; this page keeps one ``Quiz`` under ``st.session_state.quiz`` and draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from classroom.choices import choice_labels, choice_order, is_choice, with_choices
from classroom.model import Question, Setup, mistakes_for
from i18n import text
from scenario import quiz as quiz_model
from scenario.explain import explain_input_cell, number, windows_covering
from scenario.inputs import InputError
from scenario.numbers import format_number
from scenario.presets import PRESETS, PRESETS_BY_KEY, Preset
from scenario.quiz import MODES, GridVerdict, Quiz, Verdict
from ui.controls import URL_KEYS
from ui.display import presenting
from ui.lang import current_language, tr, translated_error
from ui.question import question_grids
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

QUIZ_MAX = 6  # inputs up to 6 x 6: small enough to work out by hand
QUIZ_PRESETS = [preset for preset in PRESETS if preset.name != "image"]  # the image is too big to ask


def _quiz() -> Quiz:
    """The learner's quiz: one typed state (scenario/quiz.py) under one session key."""
    return st.session_state.setdefault("quiz", Quiz())


def _keep(quiz: Quiz) -> None:
    st.session_state.quiz = quiz


def _set_sidebar(preset: Preset) -> None:
    for key, value in preset.values().items():
        st.session_state[key] = value


def _next_question() -> None:
    """'New question' (a callback: the sidebar may change before it is drawn)."""
    quiz, layout = quiz_model.next_question(_quiz())
    if layout is not None:
        preset = PRESETS_BY_KEY[layout]
        _set_sidebar(preset)
        quiz = quiz_model.set_up(quiz, preset.key, preset.cell, moved=True)
    _keep(quiz)
    st.session_state.quiz_answer = ""


def _surprise_me() -> None:
    """Pick an instructive preset (never the same twice in a row) and set the sidebar to it."""
    quiz = _quiz()
    preset = QUIZ_PRESETS[(quiz.number + 1) % len(QUIZ_PRESETS)]
    _set_sidebar(preset)
    _keep(quiz_model.set_up(quiz, preset.key, preset.cell))
    st.session_state.quiz_answer = ""


def _change_mode() -> None:
    _keep(quiz_model.with_mode(_quiz(), st.session_state.quiz_mode))


def _question_header():
    """The buttons and the mode; returns the slot where the score goes once this run has counted.
    In presentation mode the buttons join the answer's row and the score the question's
    (``_present_question``): the projector's height goes to the grids."""
    if presenting():
        return None
    language = current_language()  # fixed now: format_func may be called after this run
    left, middle, right, score_column = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    _new_buttons(left, middle)
    right.radio(
        tr("quiz.question"),
        MODES,
        key="quiz_mode",
        horizontal=True,
        on_change=_change_mode,
        format_func=lambda mode: text(language, f"quiz.mode_{mode}"),
    )
    return score_column.empty()


def _new_buttons(new_box, surprise_box) -> None:
    new_box.button(tr("quiz.new"), key="quiz_new", icon=":material/refresh:", on_click=_next_question, width="stretch")
    surprise_box.button(
        tr("quiz.surprise"),
        key="quiz_surprise",
        icon=":material/auto_awesome:",
        on_click=_surprise_me,
        width="stretch",
        help=tr("quiz.surprise_help"),
    )


def _charts(scenario: Scenario, cell: tuple[int, int] | None, revealed: bool) -> None:
    question_grids(scenario, cell, revealed, key="quiz_grids", file_prefix=file_prefix(scenario, "quiz"))


def _check(truth: float) -> None:
    """Check (a callback, so that it counts however the run goes on)."""
    _keep(quiz_model.answer_cell(_quiz(), st.session_state.quiz_answer, truth))


def _reveal(truth: float) -> None:
    _keep(quiz_model.reveal(_quiz(), truth))


def _check_choice(question: Question) -> None:
    """Check a picked choice (a callback): only one the page offered counts."""
    picked = st.session_state.get(f"quiz_choice_{_quiz().number}")
    if not is_choice(question, picked):
        st.session_state.quiz_not_picked = tr("class.choose_first" if picked is None else "class.not_a_choice")
        return
    _keep(quiz_model.answer_choice(_quiz(), picked, question.truth))


def _choice_question(scenario: Scenario, cell: tuple[int, int], truth: float) -> Question:
    """The cell's question with its choices: the right value and the usual mistakes' (classroom/choices.py)."""
    question = Question(_quiz().number, Setup(), cell, truth, mistakes=mistakes_for(scenario, cell))
    return with_choices(question, scenario)


def _answer_field(column, question: Question | None, present: bool) -> None:
    """The typed answer's box, or the choices (a radio: a tap, or the arrow keys)."""
    if question is not None:
        order = choice_order(question, "quiz")
        labels = dict(zip(order, choice_labels(order)))
        column.radio(tr("class.choose"), order, index=None, key=f"quiz_choice_{question.number}", horizontal=True,
                     format_func=lambda value: labels.get(value, str(value)))  # fmt: skip
        return
    column.text_input(
        tr("quiz.answer"),
        key="quiz_answer",
        help=None if present else tr("quiz.answer_help"),
        placeholder=tr("quiz.answer") if present else None,
        label_visibility="collapsed" if present else "visible",
    )


def _answer_form(truth: float, question: Question | None = None) -> None:
    """The answer box (or the choices) with Check and Reveal (one form: Enter checks). In
    presentation mode one row, with New question and Surprise me beside it, and the box's
    label as its placeholder."""
    present = presenting()
    form_column, *new_columns = st.columns([5, 1, 1], vertical_alignment="bottom") if present else [st.container()]
    with form_column, st.form("quiz_form", border=False):
        text_column, check_column, reveal_column = st.columns([2, 1, 1], vertical_alignment="bottom")
        _answer_field(text_column, question, present)
        check, argument = (_check, truth) if question is None else (_check_choice, question)
        check_column.form_submit_button(
            tr("quiz.check"), icon=":material/check:", width="stretch", on_click=check, args=(argument,)
        )
        reveal_column.form_submit_button(
            tr("quiz.reveal"),
            icon=":material/visibility:",
            width="stretch",
            help=tr("quiz.reveal_help"),
            on_click=_reveal,
            args=(truth,),
        )
    if present:
        _new_buttons(*new_columns)


def _verdict_text(verdict: Verdict) -> str:
    """The verdict's first words, in the language on screen (the sum of shares follows)."""
    if verdict.kind == "right":
        return tr("quiz.right")
    if verdict.kind == "wrong":
        return tr("quiz.wrong", answer=number(verdict.answer))
    if verdict.kind == "near":
        return tr("quiz.near", answer=format_number(verdict.answer))  # two digits: as typed, 0.0069
    return tr("quiz.revealed")


def one_cell_question(scenario: Scenario) -> None:
    quiz = quiz_model.ask(_quiz(), scenario.grad_input)
    row, col = quiz.cell
    truth = float(scenario.grad_input[row, col])
    language = current_language()
    preset = PRESETS_BY_KEY.get(quiz.lesson)
    if preset is not None and not presenting():
        caption = "quiz.moved_caption" if quiz.moved else "quiz.surprise_caption"
        st.caption(tr(caption, title=preset.title(language)))
    score_slot = _question_line(tr("quiz.ask_cell", row=row, col=col))
    _keep(quiz)
    question = _choice_question(scenario, (row, col), truth) if quiz.mode == "choice" else None
    _answer_form(truth, question)
    quiz = _quiz()
    with st.container(key="quiz_verdict"):  # large in presentation mode (ui.display)
        _verdict(quiz, scenario, preset, question)
    _charts(scenario, (row, col), quiz.answered)
    return score_slot


def _verdict(quiz: Quiz, scenario: Scenario, preset: Preset | None, question: Question | None = None) -> None:
    """What the last check said: not a number, or no choice (said instead of the verdict before
    it), close (nothing counted, no answer shown), or the verdict with the sum of shares that
    gives it (a wrong choice: its misconception named)."""
    not_picked = st.session_state.pop("quiz_not_picked", None)
    if not_picked is not None:
        st.warning(not_picked, icon=":material/help:")
    elif quiz.unreadable is not None:
        st.warning(translated_error(quiz.unreadable.error(tr("quiz.your_answer"))), icon=":material/help:")
    elif quiz.verdict is not None and quiz.verdict.kind == "near":
        st.warning(_verdict_text(quiz.verdict), icon=":material/replay:")
    elif quiz.verdict is not None:
        row, col, language = *quiz.cell, current_language()
        covering = windows_covering(scenario.windows, row, col)
        explanation = explain_input_cell(row, col, covering, scenario.loss.grad_output, scenario.grad_input, language)
        lesson = f" {preset.lesson(language)}" if preset is not None else ""
        if question is not None and quiz.verdict.kind == "wrong":  # the picked choice's misconception
            key = next((m.key for m in question.mistakes if quiz_model.is_right(quiz.verdict.answer, m.value)), None)
            lesson = (tr("class.maybe", meaning=tr(f"class.mistake_{key}")) if key else "") + lesson
        (st.success if quiz.verdict.kind == "right" else st.info)(
            f"{_verdict_text(quiz.verdict)} {explanation}{lesson}", icon=":material/lightbulb:"
        )


def _ask_grid_check() -> None:
    """The grid's texts are only known when the editor is drawn: check them then."""
    st.session_state.quiz_grid_check = True


def whole_grid_question(scenario: Scenario) -> None:
    quiz = _quiz()
    score_slot = _question_line(tr("quiz.ask_grid"))
    rows, cols = scenario.x.shape
    # Text cells, read by scenario.numbers: empty cells show as empty, and "1,5" is refused
    # with a reason instead of being read as 15 by the browser's grid.
    columns = [str(c) for c in range(cols)]
    empty = pd.DataFrame(np.full((rows, cols), "", dtype=object), columns=columns)
    config = {column: st.column_config.TextColumn(column) for column in columns}
    edited = st.data_editor(empty, key=f"quiz_grid_{rows}x{cols}_{quiz.number}", column_config=config)
    st.button(tr("quiz.check_grid"), key="quiz_check_grid", icon=":material/check:", on_click=_ask_grid_check)
    if st.session_state.pop("quiz_grid_check", False):  # set by the button's callback, read once
        try:
            _keep(quiz_model.check_grid(quiz, edited.to_numpy(dtype=object), scenario.grad_input))
        except InputError as error:
            st.warning(translated_error(error), icon=":material/help:")
    verdict = _quiz().grid_verdict
    if verdict is not None and verdict.total == rows * cols:
        _grid_verdict(verdict)
    _charts(scenario, None, verdict is not None)
    return score_slot


def _grid_verdict(verdict: GridVerdict) -> None:
    """How many cells are right, and which are wrong or empty, by name."""
    message = tr("quiz.grid_result", right=verdict.right, total=verdict.total)
    for key, cells in (("quiz.grid_wrong", verdict.wrong), ("quiz.grid_empty", verdict.empty)):
        if cells:
            message += " " + tr(key, cells=", ".join(f"∂L/∂x[{row}, {col}]" for row, col in cells))
    (st.success if verdict.right == verdict.total else st.info)(message, icon=":material/lightbulb:")


def quiz_page(scenario: Scenario | None, url: UrlCheck) -> None:
    score_slot = _question_header()  # None in presentation mode: the question's row holds it
    if scenario is not None:
        score_slot = ask(scenario) or score_slot
    if score_slot is None:
        return
    score = _quiz().score
    score_slot.metric(tr("quiz.score"), f"{score.right} / {score.asked}", help=tr("quiz.score_help"))


def ask(scenario: Scenario):
    """The question, the answer and the grids; in presentation mode returns the score's slot."""
    if scenario.x.size > QUIZ_MAX * QUIZ_MAX:
        st.warning(
            tr("quiz.too_big", max=QUIZ_MAX, rows=scenario.x.shape[0], cols=scenario.x.shape[1]),
            icon=":material/zoom_out_map:",
        )
        return
    if _quiz().mode in ("cell", "choice"):
        return one_cell_question(scenario)
    return whole_grid_question(scenario)


def _question_line(question: str):
    """The question; in presentation mode with the score's slot at its right (returned)."""
    if not presenting():
        st.markdown(question)
        return None
    question_column, score_column = st.columns([5, 1], vertical_alignment="center")
    question_column.markdown(question)
    return score_column.empty()


require_router()
page_header("pages/quiz.py", "quiz.caption")
with UrlCheck(URL_KEYS) as url:
    scenario_page(url, quiz_page, quiz=True)
