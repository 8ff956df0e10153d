"""The solo quiz's choice mode through AppTest: the right value among the usual mistakes'
(classroom/choices.py), checked against torch's x.grad; a wrong pick names its misconception."""

from __future__ import annotations

import pytest

from classroom.choices import choice_labels, choice_order, with_choices
from classroom.model import Question, Setup, mistakes_for
from classroom.setups import computed_from_setup
from scenario import quiz as quiz_model
from scenario.quiz import Quiz, Score
from tests.test_quiz_page import _asked_cell, _open, _torch_grad

OVERLAP = {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5"}


def _check(at) -> None:
    next(b for b in at.button if b.label == "Check").click().run()
    assert not at.exception, at.exception


def _offered(at) -> tuple[str, tuple[float, ...], float]:
    """The radio's key, the values it offers in its order (as the page computes them), the truth."""
    controls = {key: int(value) for key, value in OVERLAP.items()}
    computed = computed_from_setup(Setup("", controls))
    cell, number = _asked_cell(at), at.session_state["quiz"].number
    question = Question(number, Setup(), cell, float(computed.grad_input[cell]), mistakes=mistakes_for(computed, cell))
    order = choice_order(with_choices(question, computed), "quiz")
    return f"quiz_choice_{number}", order, question.truth


def test_the_quiz_asks_a_cell_as_a_choice_the_right_one_scores_and_a_wrong_one_is_named():
    at = _open(OVERLAP)
    at.radio(key="quiz_mode").set_value("choice").run()
    key, order, truth = _offered(at)
    row, col = _asked_cell(at)
    assert truth == pytest.approx(_torch_grad(at, kernel_size=3, stride=1)[row, col], abs=1e-12)
    radio = at.radio(key=key)
    assert tuple(radio.options) == choice_labels(order) and len(order) >= 3 and radio.value is None
    assert not [box for box in at.text_input if box.key == "quiz_answer"]  # nothing to type
    _check(at)  # nothing picked: said, nothing counted
    assert any("Pick one of the choices first" in warning.value for warning in at.warning)
    assert at.session_state["quiz"].score == Score(0, 0)
    wrong = next(value for value in order if value != truth)
    at.radio(key=key).set_value(wrong)
    _check(at)
    assert at.info[0].value.startswith("**Not quite:**") and "Most likely" in at.info[0].value
    assert at.metric[0].value == "0 / 1"
    next(b for b in at.button if b.label == "New question").click().run()
    key, order, truth = _offered(at)
    at.radio(key=key).set_value(next(value for value in order if value == truth))
    _check(at)
    assert at.success[0].value.startswith("**Right!**")
    assert at.metric[0].value == "1 / 2"


def test_choice_grading_has_no_near_miss_and_counts_once():
    quiz = quiz_model.answer_choice(Quiz(), 0.22, 2 / 9)  # a typed 0.22 would be "close"
    assert quiz.verdict.kind == "wrong" and quiz.score == Score(0, 1)
    assert quiz_model.answer_choice(quiz, 2 / 9, 2 / 9).score == Score(0, 1)  # counted once
    assert quiz_model.answer_choice(Quiz(), 2 / 9, 2 / 9).score == Score(1, 1)
