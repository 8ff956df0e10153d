"""The quiz through AppTest: answers checked against torch's x.grad."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_avg_pool2d
from scenario import quiz as quiz_model
from scenario.params import widget_values
from scenario.presets import PRESETS
from scenario.quiz import LAYOUT_PRESETS, Quiz, Score
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


def test_whole_grid_names_every_cell_that_is_not_a_number():
    at = _open()
    at.radio(key="quiz_mode").set_value("grid").run()
    key = f"quiz_grid_4x4_{at.session_state['quiz'].number}"
    at.session_state[key] = {"edited_rows": {0: {"1": "0,25"}, 2: {"3": "abc"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="quiz_check_grid").click().run()
    warning = shown(at.warning[0].value)
    assert "2 cells of ∂L/∂x are empty or not numbers:" in warning
    assert "∂L/∂x[0, 1]: “0,25” has a comma" in warning and "∂L/∂x[2, 3]: “abc” is not a number" in warning
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


def _tiny_question() -> AppTest:
    """Kernel 3, stride 1, a mean loss on 6 x 6: ∂L/∂x[0, 0] = (1/16) / 9 = 1/144."""
    at = _open({"kernel_h": "3", "stride_h": "1", "height": "6", "width": "6", "loss": "mean"})
    at.session_state["quiz"] = Quiz(cell=(0, 0))
    at.run()
    assert _torch_grad(at, kernel_size=3, stride=1)[0, 0] == pytest.approx(1 / 144)
    return at


@pytest.mark.parametrize(
    ("typed", "right"),
    [("1/144", True), ("0.00694", True), ("6.94e-3", True), ("0.003", False), ("1/288", False)],
)
def test_tiny_answers_are_judged_relative_to_their_size(typed, right):
    at = _tiny_question()
    _answer(at, typed)
    assert (at.success[0].value if right else at.info[0].value).startswith("**Right!**" if right else "**Not quite")
    assert at.metric[0].value == ("1 / 1" if right else "0 / 1")


def test_a_near_miss_says_the_three_digit_rule_and_may_try_again():
    """0.0069 for 1/144 (0.006944...): two significant digits. Said, not counted, not revealed."""
    at = _tiny_question()
    _answer(at, "0.0069")
    assert at.warning[0].value.startswith("**Close, but rounded too far:** you said 0.0069.")
    assert "three significant digits" in at.warning[0].value and "did not count" in at.warning[0].value
    assert not at.info and not at.success and "1/144" not in at.warning[0].value  # the answer stays hidden
    assert at.metric[0].value == "0 / 0" and len(grids_on_page(at)) == 3
    _answer(at, "0.00694")
    assert at.success[0].value.startswith("**Right!**") and not at.warning
    assert at.metric[0].value == "1 / 1"


def test_a_near_miss_in_chinese():
    at = _open({"kernel_h": "3", "stride_h": "1", "height": "6", "width": "6", "loss": "mean", "lang": "zh"})
    at.session_state["quiz"] = Quiz(cell=(0, 0))
    at.run()
    at.text_input(key="quiz_answer").input("0.0069")
    at.button(key="FormSubmitter:quiz_form-检查").click().run()
    assert at.warning[0].value.startswith("**很接近，但舍入过多：** 你的答案是 0.0069。")


def test_something_not_a_number_after_a_right_answer_replaces_the_verdict():
    at = _open()
    _answer(at, "1/4")
    assert at.success[0].value.startswith("**Right!**")
    _answer(at, "junk")
    assert "“junk” is not a number" in shown(at.warning[0].value)
    assert not at.success  # the old "Right!" does not stand beside it
    assert at.metric[0].value == "1 / 1"  # the question has counted once, and stays so
    _answer(at, "0.25")
    assert at.success[0].value.startswith("**Right!**") and not at.warning


@pytest.mark.parametrize("typed", ["¼", "1⁄4", "１/４"])
def test_a_vulgar_fraction_or_the_fraction_slash_is_an_answer(typed):
    at = _open()  # the classic setup: every cell is 1/4
    _answer(at, typed)
    assert at.success[0].value.startswith("**Right!**"), [w.value for w in at.warning]


def test_new_question_that_moves_the_setup_says_so_and_not_surprise():
    at = _open()
    at.button(key="quiz_new").click().run()
    captions = [caption.value for caption in at.caption]
    assert any(caption.startswith("Every cell of the last setup had the same answer") for caption in captions)
    assert not any(caption.startswith("Surprise") for caption in captions), captions
    at.button(key="quiz_surprise").click().run()
    assert any(caption.value.startswith("Surprise: ") for caption in at.caption)


def test_new_questions_ask_every_cell_before_repeating_one():
    """3 x 3, kernel 2, stride 1: nine cells, three different answers."""
    at = _open({"stride_h": "1", "height": "3", "width": "3"})
    cells = []
    for _ in range(9):
        cells.append(_asked_cell(at))
        at.button(key="quiz_new").click().run()
    assert sorted(cells) == sorted(itertools.product(range(3), range(3))), cells


# ---------------------------------------------------------------------------------------
# The transitions, without a page.


def test_a_near_miss_is_not_counted_and_a_right_retry_is():
    truth = 2 / 9
    quiz = quiz_model.answer_cell(Quiz(), "0.22", truth)
    assert (quiz.verdict.kind, quiz.answered, quiz.score) == ("near", False, Score(0, 0))
    assert quiz_model.answer_cell(quiz, "0.222", truth).score == Score(1, 1)
    assert quiz_model.answer_cell(quiz, "0.3", truth).score == Score(0, 1)  # wrong: counted
    assert quiz_model.reveal(quiz, truth).score == Score(0, 1)  # revealed after a near miss: not right


@pytest.mark.parametrize(
    ("answer", "truth", "near"),
    [
        (0.22, 2 / 9, True),
        (0.23, 2 / 9, True),
        (0.66, 2 / 3, True),  # cut, not rounded: close too
        (0.11, 1 / 9, True),
        (0.0069, 1 / 144, True),
        (-0.33, -1 / 3, True),
        (0.2, 2 / 9, False),  # a digit off: wrong
        (0.21, 2 / 9, False),
        (0.24, 1 / 4, False),  # the truth needs only two digits: 0.24 is wrong
        (0.33, 2 / 3, False),
        (0.222, 2 / 9, False),  # right, not near
        (0.1, 0.0, False),
    ],
)
def test_what_counts_as_a_near_miss(answer, truth, near):
    assert quiz_model.is_near(answer, truth) is near


def test_an_unreadable_answer_is_said_instead_of_the_verdict_and_cleared_by_the_next():
    right = quiz_model.answer_cell(Quiz(), "0.25", 0.25)
    junk = quiz_model.answer_cell(right, "junk", 0.25)
    assert junk.unreadable == quiz_model.Unreadable("text", "junk") and junk.score == right.score
    assert junk.unreadable.error("Your answer").key == "number_text"
    assert quiz_model.answer_cell(junk, "1/4", 0.25).unreadable is None
    assert quiz_model.reveal(junk, 0.25).unreadable is None
    assert quiz_model.new_question(junk).unreadable is None


def test_moved_is_said_only_for_the_setup_new_question_chose():
    moved = quiz_model.set_up(Quiz(), "overlap", (2, 2), moved=True)
    assert moved.moved and moved.lesson == "overlap"
    assert not quiz_model.set_up(moved, "gaps", (1, 1)).moved
    assert not quiz_model.new_question(moved).moved


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 4), (6, 6)])
def test_a_setup_asks_every_cell_before_any_twice(shape):
    grad = np.arange(np.prod(shape), dtype=float).reshape(shape) % 3  # three different answers
    quiz, cells = Quiz(), []
    for _ in range(2 * grad.size):
        quiz = quiz_model.ask(quiz, grad)
        cells.append(quiz.cell)
        quiz = quiz_model.new_question(quiz)
    assert len(set(cells[: grad.size])) == grad.size, cells  # every cell once
    # then every cell again but the last one asked, which is never asked twice running
    assert len(set(cells[grad.size : 2 * grad.size - 1])) == grad.size - 1, cells
    assert all(a != b for a, b in itertools.pairwise(cells)) or grad.size == 1, cells


def test_a_preset_starts_its_own_list_of_asked_cells():
    quiz = quiz_model.ask(Quiz(), np.zeros((3, 3)))
    assert quiz_model.set_up(quiz, "overlap", (2, 2)).asked == ()


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
