"""A live class through AppTest: the teacher's tab, students' tabs and the projector's are
separate sessions of the same app sharing one store (a SQLite file of this test run, see
conftest). Each step a session would take on its one-second tick is a rerun here."""

from __future__ import annotations

import csv
import io
import threading
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from classroom import model
from pooling.reference import torch_avg_pool2d
from tests.conftest import alerts, grid_values, grids_on_page, open_app, select_cell, waits_for_lane

_session = open_app  # a browser tab: one AppTest session, opened as a link opens it


def _rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def teacher() -> AppTest:
    at = _session(page="pages/live_class.py")
    at.button(key="class_start").click()
    return _rerun(at)


def _code(at: AppTest) -> str:
    return at.session_state["class_seat"].code


def _student(code: str) -> AppTest:
    return _session({"class": code})


def _page(at: AppTest) -> str:
    return at.session_state["current_page"]


def test_a_teacher_starts_a_class_with_a_code_a_link_and_a_qr_code(teacher):
    code = _code(teacher)
    assert model.normalized_code(code) == code
    assert teacher.query_params["class"] == code
    assert any(code in block.value and "?class=" in block.value for block in teacher.code)  # the join link
    assert teacher.get("image")  # the QR code
    secret = teacher.session_state["class_secret"]
    texts = [element.value for kind in ("markdown", "code", "info", "caption") for element in getattr(teacher, kind)]
    assert len(secret) >= 22 and not any(secret in text for text in texts)  # never on screen
    assert any(f"**Class {code}**" in text for text in alerts(teacher))


def test_students_join_by_link_or_code_and_follow_the_teacher(teacher):
    code = _code(teacher)
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(3)
    teacher.selectbox(key="stride_h").set_value(1)
    _rerun(teacher)
    linked = _student(code)
    assert _page(linked) == "" and linked.session_state["kernel_h"] == 3 and linked.session_state["stride_h"] == 1
    assert linked.session_state["controls_locked"]
    assert linked.slider(key="kernel_h").disabled and linked.selectbox(key="loss").disabled
    typed = _session(page="pages/live_class.py")
    typed.text_input(key="class_code_typed").set_value(code.lower())
    typed.button(key="FormSubmitter:class_join-Join").click()
    _rerun(_rerun(typed))
    assert typed.session_state["class_seat"].role == "student"
    assert typed.session_state["kernel_h"] == 3
    # The teacher moves on: Step by step, kernel 4. Both students are taken there.
    teacher.switch_page("pages/step_by_step.py")
    _rerun(teacher).slider(key="kernel_h").set_value(4)
    _rerun(teacher)
    for student in (linked, typed):
        _rerun(student)  # the tick saw a new version
        assert _page(student) == "step_by_step" and student.session_state["kernel_h"] == 4


def test_a_student_can_explore_alone_then_follow_again(teacher):
    code = _code(teacher)
    student = _student(code)
    student.button(key="class_explore").click()
    _rerun(student)
    assert not student.session_state["controls_locked"] and not student.slider(key="kernel_h").disabled
    student.slider(key="kernel_h").set_value(5)
    _rerun(student)
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(3)
    _rerun(teacher)
    _rerun(student)
    assert student.session_state["kernel_h"] == 5  # the teacher's change did not arrive
    student.button(key="class_follow").click()
    _rerun(_rerun(student))
    assert student.session_state["kernel_h"] == 3 and student.session_state["controls_locked"]


def test_a_student_types_the_code_on_the_start_page(teacher):
    code = _code(teacher)
    start = _session()
    start.text_input(key="class_code_sidebar").set_value(f" {code.lower()} ")
    start.button(key="FormSubmitter:class_join_sidebar-Join").click()
    _rerun(start)
    assert start.session_state["class_seat"].role == "student" and start.query_params["class"] == code
    wrong = _session()
    wrong.text_input(key="class_code_sidebar").set_value("AAAAA")
    wrong.button(key="FormSubmitter:class_join_sidebar-Join").click()
    _rerun(wrong)
    assert any("No class has the code AAAAA" in text for text in alerts(wrong))


def test_wrong_codes_are_said_and_never_raise():
    for typed, expected in (
        ("HQCM", "not a class code"),
        ("AAAAA", "No class has the code AAAAA"),
        ("[x](//e.vil)", "not a class code"),
    ):
        at = _session({"class": typed})
        assert any(expected in text for text in alerts(at)), alerts(at)
        assert at.session_state.get("class_seat") is None


def _kernel_3_on_5x5(teacher: AppTest) -> None:
    """The teacher sets kernel 3, stride 1 on a 5x5 input on the Playground."""
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(3)
    teacher.selectbox(key="stride_h").set_value(1)
    teacher.slider(key="height").set_value(5)
    teacher.slider(key="width").set_value(5)
    _rerun(teacher)


def _ask_and_answer(teacher: AppTest, answers: dict[str, str]) -> tuple[list[AppTest], AppTest]:
    """The teacher sets kernel 3, stride 1 on 5x5, clicks ∂L/∂x[2, 2] and asks it; students answer."""
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    select_cell(teacher, "playground_grids", "input", 2, 2, "grad_input")
    _rerun(teacher)
    students = [_student(code) for _ in answers]
    projector = _session({"class": code, "view": "projector"})
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).button(key="class_ask").click()
    _rerun(teacher)
    for student, typed in zip(students, answers.values()):
        _rerun(student)
        assert _page(student) == "live_class"
        assert not any(grid["key"] == "grad_input" for grid in _grids(student))  # the answer is not shown
        student.text_input(key="class_answer").set_value(typed)
        student.button(key="FormSubmitter:class_answer_form-Send").click()
        _rerun(student)
    return students, projector


def _grids(at: AppTest) -> list[dict]:
    from tests.conftest import grids_on_page

    return grids_on_page(at)


def test_ask_answer_and_reveal_through_the_projector(teacher):
    answers = {"right": "1", "fraction": "9/9", "divisor": "9", "share": "1/9", "text": "1,5"}
    students, projector = _ask_and_answer(teacher, answers)
    assert any("1,5" in text and "comma" in text for text in alerts(students[4]))  # refused, said where
    assert any("Your answer 1 is in" in text for text in alerts(students[0]))
    _rerun(teacher)
    assert any("**4** answered" in text for text in alerts(teacher))  # how many, not what
    _rerun(projector)
    assert not projector.get("plotly_chart")  # nothing of the answers before the reveal
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    _rerun(projector)
    truth = torch_avg_pool2d(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), kernel_size=3, stride=1)[1][2, 2]
    assert truth == pytest.approx(1.0, abs=1e-12)  # 9 shares of 1/9: "1" and "9/9" are right
    shown = " ".join(element.value for element in projector.markdown)
    assert "2 of 4 right" in shown
    assert "the divisor was forgotten" in shown and "an overlapping window" in shown
    assert projector.get("plotly_chart")
    for student, verdict in zip(students[:4], ("Right!", "Right!", "the divisor was forgotten", "one share only")):
        _rerun(student)
        assert any(verdict in text for text in alerts(student)), alerts(student)


def test_the_teacher_ends_the_class_and_downloads_the_counts(teacher):
    students, _ = _ask_and_answer(teacher, {"a": "1", "b": "9"})
    code = _code(teacher)
    teacher.button(key="class_end").click()
    _rerun(teacher)
    report = teacher.session_state["class_report"]
    rows = list(csv.DictReader(io.StringIO(report[1])))
    assert [(row["answer"], row["count"], row["answer_is_right"]) for row in rows] == [
        ("1", "1", "yes"),
        ("9", "1", "no"),
    ]
    assert rows[0]["cell"] == "∂L/∂x[2, 2]" and rows[0]["right_answer"] == "1"
    assert teacher.get("download_button")
    _rerun(students[0])
    assert any("The class has ended" in text for text in alerts(students[0]))
    assert _student(code).session_state.get("class_seat") is None  # gone from the store


def test_the_question_is_asked_on_the_setup_students_see_typed_grids_included(teacher):
    """The teacher's input, typed cells and loss reach the students, stay when the teacher
    opens the cockpit (a page without the sidebar), and are the question's."""
    from pooling.reference import torch_avg_pool2d
    from tests.test_typed_grids import _edit

    code = _code(teacher)
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).selectbox(key="input").set_value("custom")
    teacher.selectbox(key="loss").set_value("mean")
    _rerun(teacher)
    student = _student(code)  # the student's grid of x is on screen before the teacher types
    _edit(teacher, "typed_x_4x4_0", {0: {"0": "100"}, 1: {"1": "-3"}})
    _rerun(student)
    x = grid_values(grids_on_page(student)[0])
    assert x[0, 0] == 100 and x[1, 1] == -3 and student.session_state["loss"] == "mean"
    select_cell(teacher, "playground_grids", "input", 0, 0, "grad_input")
    _rerun(teacher)
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).button(key="class_ask").click()
    _rerun(teacher)
    _rerun(student)
    assert student.session_state["loss"] == "mean"  # the cockpit sent no defaults
    question = teacher.session_state["class_seat"] and _lesson(code).question
    expected = torch_avg_pool2d(x, np.full((2, 2), 1 / 4), kernel_size=2)[1][0, 0]  # mean over 4 outputs
    assert question.truth == pytest.approx(expected, abs=1e-15) and question.truth == 1 / 16
    assert any("nn.AvgPool2d(kernel_size=2)" in block.value and "y.mean()" in block.value for block in student.markdown)


def _lesson(code: str):
    import time

    from ui.classroom import class_store

    return class_store().load(code, time.time())


def test_the_teacher_asks_for_a_cell_of_y(teacher):
    """A click on a cell of y asks for its y: students see x alone (y would give it away), a
    sum instead of a mean is named, the reveal shows the window and y; the CSV names y."""
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    select_cell(teacher, "playground_grids", "output", 1, 2, "y")
    _rerun(teacher)
    students = [_student(code) for _ in range(3)]
    teacher.switch_page("pages/live_class.py")
    assert _rerun(teacher).button(key="class_ask").label == "Ask about y[1, 2]"
    teacher.button(key="class_ask").click()
    _rerun(teacher)
    question = _lesson(code).question  # read back from the store: the kind survives it
    assert question.kind == "output" and question.cell == (1, 2)
    y = torch_avg_pool2d(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), kernel_size=3, stride=1)[0]
    assert question.truth == pytest.approx(y[1, 2], abs=1e-12)  # 13, the mean of x[1:4, 2:5]
    for student, typed in zip(students, ("13", "117", "1")):  # right; the sum of the nine; a guess
        _rerun(student)
        assert any("what is y[1, 2]?" in block.value for block in student.markdown)
        assert [grid["key"] for grid in _grids(student)] == ["x"]  # not y, not ∂L/∂y
        student.text_input(key="class_answer").set_value(typed)
        student.button(key="FormSubmitter:class_answer_form-Send").click()
        _rerun(student)
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    for student, verdict in zip(students, ("Right!", "a sum, not a mean", "Not quite")):
        _rerun(student)
        assert any(verdict in text for text in alerts(student)), alerts(student)
        assert [grid["key"] for grid in _grids(student)] == ["x", "y"]
    # The explanation writes the share as the fraction it is.
    assert any("= 13; its gradient 1 is split into 9 shares of 1/9" in text for text in alerts(students[0]))
    teacher.button(key="class_end").click()
    rows = list(csv.DictReader(io.StringIO(_rerun(teacher).session_state["class_report"][1])))
    assert {row["cell"] for row in rows} == {"y[1, 2]"} and rows[0]["right_answer"] == "13"


def test_a_cell_of_y_outside_the_grid_asks_nothing(teacher):
    """A selection no grid has (a crafted event: y[99, 99]) leaves "Ask" disabled."""
    _kernel_3_on_5x5(teacher)
    select_cell(teacher, "playground_grids", "output", 99, 99, "y")
    teacher.switch_page("pages/live_class.py")
    ask = _rerun(teacher).button(key="class_ask")
    assert ask.disabled and ask.label == "Ask about the cell you click"


def test_a_following_students_refresh_waits_for_the_servers_lane_and_no_one_else_does(teacher):
    """The class's page refreshes take one lane per server (ui/classroom.py REFRESH_LANE): with
    the lane taken, a lone student's run goes at once and a refresh waits (its thread sleeps);
    freed, the refresh shows the teacher's change. (One AppTest runs at a time: they share the
    process's runtime.)"""
    from ui.classroom import REFRESH_LANE

    student = _student(_code(teacher))
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(3)
    _rerun(teacher)
    with REFRESH_LANE.taken():
        alone = _session({"kernel_h": "4"})  # another tab of the server, not in the class
    assert alone.session_state["kernel_h"] == 4
    student.session_state["class_refresh"] = True  # as the tick that saw the change sets it
    assert waits_for_lane(REFRESH_LANE, student), "the refresh did not wait for the lane"
    assert not student.exception and student.session_state["kernel_h"] == 3
    assert "class_refresh" not in student.session_state  # one refresh, one wait


def test_a_student_waiting_for_their_cpu_budget_does_not_hold_the_lane(teacher):
    """A refresh waits for its tab's own budget first (ui/fairness.py), outside any lane: a tab
    past its burst must not stop the class's other refreshes, or the heavy runs, on its server."""
    from ui.classroom import REFRESH_LANE
    from ui.fairness import BURST, HEAVY_LANE, RATE, Account, Budget

    student = _student(_code(teacher))
    owing = Budget(BURST + RATE * 1.5, time.monotonic())  # 1.5 s to wait
    student.session_state["cpu_budget"] = Account(owing, counted=True)
    student.session_state["class_refresh"] = True
    refresh = threading.Thread(target=student.run, kwargs={"timeout": 60})
    refresh.start()
    time.sleep(0.5)
    held = REFRESH_LANE.busy or HEAVY_LANE.busy
    refresh.join(timeout=60)
    assert refresh.is_alive() is False and not student.exception
    assert not held, "the refresh held a lane while its tab waited for its budget"


def test_a_students_tick_that_sees_the_teachers_change_refreshes_in_the_lane():
    """The whole path, in Streamlit's own runtime (harness/runtime.py): the ``watch`` tick sees a
    new version and reruns the page as a refresh, which waits while the lane is held."""
    from harness.runtime import replay

    assert replay("class-refresh") == {"finished_while_held": False, "finished_after": True}


def test_surprise_me_does_not_ask_the_same_cell_again(teacher):
    """On a 2x2 input pooled by 2 every cell of ∂L/∂x is 1/4: "Surprise me" cannot vary the
    answer, so it varies the cell. Four questions ask the four cells."""
    code = _code(teacher)
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="height").set_value(2)
    teacher.slider(key="width").set_value(2)
    _rerun(teacher)  # the setup, sent to the class
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher)
    for number in range(4):
        teacher.button(key="class_ask_pick").click()
        _rerun(teacher)
        teacher.button(key="class_reveal").click()
        _rerun(teacher)
        if number < 3:
            teacher.button(key="class_next").click()
            _rerun(teacher)
    from classroom.store import open_store

    lesson = open_store().load(code, time.time())
    cells = [question.cell for question in (*lesson.asked, lesson.question) if question is not None]
    assert len(cells) == 4 and len(set(cells)) == 4, cells
