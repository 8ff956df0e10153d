"""A question asked as a choice, through AppTest: the teacher's cockpit asks it, every student
and the projector see the same choices in the same order, students pick by the radio, nothing
else is taken, and the reveal names every wrong choice's misconception."""

from __future__ import annotations

import json

import pytest

from classroom.choices import choice_labels, choice_order
from tests.conftest import alerts, select_cell
from tests.test_live_class import _code, _kernel_3_on_5x5, _lesson, _rerun, _session, _student

SEND = "FormSubmitter:class_answer_form-Send"


@pytest.fixture
def teacher():
    at = _session(page="pages/live_class.py")
    at.button(key="class_start").click()
    return _rerun(at)


def _ask_as_choice(teacher, cell=(2, 2), grid=("input", "grad_input")):
    _kernel_3_on_5x5(teacher)
    select_cell(teacher, "class_pick_grids", grid[0], *cell, grid[1])
    _rerun(teacher)
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).toggle(key="class_ask_choice").set_value(True)
    _rerun(teacher).button(key="class_ask").click()
    return _rerun(teacher)


def _pick(student, value) -> None:
    _rerun(student)
    student.radio(key="class_choice_1").set_value(value)
    student.button(key=SEND).click()
    _rerun(student)


def _texts(at) -> str:
    return " ".join(element.value for element in at.markdown)


def test_a_choice_question_is_picked_by_every_student_in_one_order_and_each_wrong_choice_is_named(teacher):
    code = _code(teacher)
    students = [_student(code) for _ in range(4)]
    projector = _session({"class": code, "view": "projector"})
    _ask_as_choice(teacher)
    question = _lesson(code).question  # read back from the store: the choices survive it
    assert question.choices == (1.0, 9.0, 1 / 9, 3.0)  # 1; the divisor forgotten; one share; k, not k×k
    order = choice_order(question, code)
    labels = choice_labels(order)
    for student in students:  # every tab: the same choices, in the same order, none picked
        radio = _rerun(student).radio(key="class_choice_1")
        assert tuple(radio.options) == labels and radio.value is None
        assert not student.get("text_input")  # no box to type into
    shown = _texts(_rerun(projector))
    assert all(label in shown for label in labels) and not projector.get("plotly_chart")
    assert all(label in _texts(teacher) for label in labels)
    right = f"the answer is {labels[order.index(1.0)]}"  # the cockpit alone marks the right choice
    assert right in " ".join(caption.value for caption in teacher.caption)
    assert right not in shown and all(right not in _texts(_rerun(student)) for student in students)
    _pick(students[0], 1.0)
    _pick(students[1], 9.0)
    _pick(students[2], 3.0)
    assert any(f"Your answer {labels[order.index(1.0)]} is in" in text for text in alerts(students[0]))
    _rerun(students[3]).button(key=SEND).click()  # Send with nothing picked
    assert any("Pick one of the choices first" in text for text in alerts(_rerun(students[3])))
    from ui.classroom import class_store

    assert sorted(class_store().answers(code, 1).values()) == [1.0, 3.0, 9.0]  # stored as the values chosen
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    shown = _texts(_rerun(projector))
    assert "1 of 3 right" in shown
    for meaning in ("the divisor was forgotten", "an overlapping window", "the kernel's side"):
        assert meaning in shown, shown  # every wrong choice named, picked or not
    bars = json.loads(projector.get("plotly_chart")[0].proto.spec)["data"][0]
    assert tuple(bars["x"]) == labels  # a bar for every choice, in the class's order
    assert any(f"you said {labels[order.index(9.0)]}." in text for text in alerts(_rerun(students[1])))
    for student, verdict in zip(students, ("Right!", "the divisor was forgotten", "the kernel's side")):
        assert any(verdict in text for text in alerts(_rerun(student))), alerts(student)
    # The next question is asked as a choice again: the toggle kept while it was not drawn.
    teacher.button(key="class_next").click()
    assert _rerun(teacher).toggle(key="class_ask_choice").value is True


def test_a_cell_of_y_asked_as_a_choice_offers_max_pooling_and_the_sum(teacher):
    code = _code(teacher)
    _ask_as_choice(teacher, (1, 2), ("output", "y"))
    question = _lesson(code).question
    assert question.kind == "output" and question.choices[:2] == (13.0, 117.0)
    assert {mistake.key for mistake in question.mistakes} >= {"output_divisor", "max"}
    student = _student(code)
    _pick(student, 117.0)
    from ui.classroom import class_store

    assert list(class_store().answers(code, 1).values()) == [117.0]


def test_a_decks_step_asks_its_question_as_a_choice(teacher):
    """The overlap deck's step 4 says ``"as": "choice"``: its button says so, and students pick."""
    code = _code(teacher)
    teacher.selectbox(key="class_deck_pick").set_value("overlap")
    _rerun(teacher).button(key="class_deck_start").click()
    for _ in range(3):
        _rerun(teacher).button(key="class_deck_next").click()
    ask = _rerun(teacher).button(key="class_deck_ask")
    assert ask.label == "Ask this step's question as a choice: ∂L/∂x[2, 2]"
    ask.click()
    _rerun(teacher)
    assert _lesson(code).question.choices == (1.0, 9.0, 1 / 9, 3.0)
    student = _rerun(_student(code))
    assert len(student.radio(key="class_choice_1").options) == 4
