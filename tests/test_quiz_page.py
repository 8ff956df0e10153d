"""The quiz through AppTest: answers checked against torch's x.grad."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_avg_pool2d
from scenario.params import widget_values
from scenario.presets import PRESETS
from scenario.quiz import LAYOUT_PRESETS, Quiz
from tests.conftest import grid_values, grids_on_page, open_app, shown

QUIZ_PRESETS = [preset for preset in PRESETS if preset.name != "image"]


def _open(query: dict[str, str] | None = None) -> AppTest:
    return open_app(query, "pages/quiz.py")


def _asked_cell(at: AppTest) -> tuple[int, int]:
    return at.session_state["quiz"].cell


def _torch_grad(at: AppTest, **params) -> np.ndarray:
    figures = grids_on_page(at)
    x, grad_output = grid_values(figures[0]), grid_values(figures[2])
    return torch_avg_pool2d(x, grad_output, **params)[1]


def _answer(at: AppTest, text: str, button: str = "Check") -> None:
    at.text_input(key="quiz_answer").input(text)
    next(b for b in at.button if b.label == button).click().run()
    assert not at.exception


def test_a_right_answer_scores():
    at = _open({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5"})
    row, col = _asked_cell(at)
    truth = _torch_grad(at, kernel_size=3, stride=1)[row, col]
    _answer(at, f"{truth:.4f}")
    assert at.success[0].value.startswith("**Right!**")
    assert at.metric[0].value == "1 / 1"
    assert len(grids_on_page(at)) == 4  # ∂L/∂x is revealed


def test_a_wrong_answer_shows_the_breakdown_and_counts_once():
    at = _open()
    _answer(at, "7")
    assert at.info[0].value.startswith("**Not quite:** you said 7. ∂L/∂x[")
    assert "= 1/4 = 0.25" in at.info[0].value
    _answer(at, "0.25")
    assert at.metric[0].value == "0 / 1"  # the same question counts once


def test_reveal_without_answering():
    at = _open()
    assert len(grids_on_page(at)) == 3  # ∂L/∂x hidden until revealed
    next(b for b in at.button if b.label == "Reveal").click().run()
    assert at.info[0].value.startswith("**Revealed** (this question counts as not right): ∂L/∂x[")
    assert at.metric[0].value == "0 / 1"


def test_a_non_number_is_explained_not_evaluated():
    at = _open()
    _answer(at, "__import__('os')")
    assert "is not a number" in shown(at.warning[0].value)
    assert at.metric[0].value == "0 / 0"


@pytest.mark.parametrize("preset_index", range(len(QUIZ_PRESETS)))
def test_every_surprise_teaches_what_it_says(preset_index):
    at = _open()
    at.session_state["quiz"] = Quiz(number=preset_index - 1)  # the next surprise is this preset
    at.button(key="quiz_surprise").click().run()
    preset = QUIZ_PRESETS[preset_index]
    assert _asked_cell(at) == preset.cell
    settings = widget_values(preset.settings)
    params = {
        "kernel_size": settings.get("kernel_h", 2),
        "stride": settings.get("stride_h"),
        "padding": settings.get("padding_h", 0),
        "ceil_mode": settings.get("ceil_mode", False),
        "count_include_pad": settings.get("count_include_pad", True),
        "divisor_override": settings.get("divisor_override"),
    }
    truth = _torch_grad(at, **params)[preset.cell]
    expected = {
        "classic": 1 / 4,
        "overlap": 1.0,
        "gaps": 0.0,
        "padding": 1 / 4,
        "padding counted": 1 / 9,
        "ceil_mode": 1.0,
        "sum pooling": 1.0,
        "mean loss": 1 / 16,
    }[preset.name]
    assert truth == pytest.approx(expected)
    _answer(at, f"{expected:.6f}")
    assert at.success[0].value.startswith("**Right!**")
    assert preset.lesson() in at.success[0].value


def test_whole_grid_mode():
    at = _open()
    at.radio(key="quiz_mode").set_value("grid").run()
    key = f"quiz_grid_4x4_{at.session_state['quiz'].number}"
    at.session_state[key] = {
        "edited_rows": {r: {str(c): "1/4" for c in range(4)} for r in range(4)},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="quiz_check_grid").click().run()
    assert at.success[0].value.startswith("16 of 16 cells right.")
    assert at.metric[0].value == "1 / 1"


def test_large_inputs_are_refused_with_a_way_out():
    at = _open({"height": "8", "width": "8"})
    assert "at most 6×6" in at.warning[0].value
    at.button(key="quiz_surprise").click().run()
    assert not at.warning and len(grids_on_page(at)) == 3


def test_whole_grid_names_wrong_and_empty_cells():
    at = _open()
    at.radio(key="quiz_mode").set_value("grid").run()
    key = f"quiz_grid_4x4_{at.session_state['quiz'].number}"
    edits = {r: {str(c): "0.25" for c in range(4)} for r in range(4)}
    edits[1]["2"], edits[3]["0"] = "0.5", ""  # one wrong, one left empty
    at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    at.button(key="quiz_check_grid").click().run()
    assert at.info[0].value.startswith("14 of 16 cells right.")
    assert "Not right: ∂L/∂x[1, 2]. Empty: ∂L/∂x[3, 0]." in at.info[0].value


def test_whole_grid_refuses_a_decimal_comma_and_grades_nothing():
    at = _open()
    at.radio(key="quiz_mode").set_value("grid").run()
    key = f"quiz_grid_4x4_{at.session_state['quiz'].number}"
    at.session_state[key] = {"edited_rows": {0: {"1": "0,25"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="quiz_check_grid").click().run()
    assert "∂L/∂x[0, 1]: “0,25” has a comma; write decimals with a dot, e.g. 0.25" in shown(at.warning[0].value)
    assert at.metric[0].value == "0 / 0"


def test_new_question_varies_the_answer():
    """Overlapping windows: ten new questions in a row never ask the same answer twice running."""
    at = _open({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "input": "ones"})
    answers = []
    for _ in range(10):
        row, col = _asked_cell(at)
        answers.append(round(float(_torch_grad(at, kernel_size=3, stride=1)[row, col]), 6))
        at.button(key="quiz_new").click().run()
    assert all(a != b for a, b in itertools.pairwise(answers)), answers


def test_new_question_on_the_classic_setup_changes_the_window_layout():
    """Kernel 2, stride 2: every cell is 0.25, so another cell would ask 0.25 again."""
    at = _open()
    assert at.session_state["quiz"].uniform is True
    at.button(key="quiz_new").click().run()
    assert at.session_state["quiz"].lesson in LAYOUT_PRESETS  # the sidebar now holds that layout
    assert at.session_state["quiz"].uniform is False  # whose cells have different answers


@pytest.mark.parametrize(
    ("typed", "right"),
    [("1/144", True), ("0.00694", True), ("6.94e-3", True), ("0.0069", False), ("0.003", False), ("1/288", False)],
)
def test_tiny_answers_are_judged_relative_to_their_size(typed, right):
    """Kernel 3, stride 1, a mean loss on 6 x 6: ∂L/∂x[0, 0] = (1/16) / 9 = 1/144."""
    at = _open({"kernel_h": "3", "stride_h": "1", "height": "6", "width": "6", "loss": "mean"})
    at.session_state["quiz"] = Quiz(cell=(0, 0))
    at.run()
    assert _torch_grad(at, kernel_size=3, stride=1)[0, 0] == pytest.approx(1 / 144)
    _answer(at, typed)
    assert (at.success[0].value if right else at.info[0].value).startswith("**Right!**" if right else "**Not quite")
    assert at.metric[0].value == ("1 / 1" if right else "0 / 1")


def test_the_hint_and_the_reveal_say_how_answers_count():
    at = _open()
    assert "three significant digits" in at.text_input(key="quiz_answer").help
    reveal = next(b for b in at.button if b.label == "Reveal")
    assert "counts as not right" in reveal.help
    reveal.click().run()
    _answer(at, "0.25")  # typed after the reveal: the answer was on screen
    assert at.metric[0].value == "0 / 1" and not at.success


def test_the_right_verdict_says_the_sum_once():
    at = _open()
    _answer(at, "1/4")
    verdict = at.success[0].value
    assert verdict.count("∂L/∂x[") == 1 and verdict.count("0.25") == 1, verdict
