"""A live class through AppTest: the teacher's tab, students' tabs and the projector's are
separate sessions of the same app sharing one store (a SQLite file of this test run, see
conftest). Each step a session would take on its one-second tick is a rerun here."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.parse

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from classroom import model
from pooling.reference import torch_avg_pool2d
from tests.conftest import alerts, grid_values, grids_on_page, open_app, select_cell, teachers_new_session

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


def _setup_block(at: AppTest) -> str:
    """The teacher's setup as a following student's sidebar shows it ("" when it does not),
    its lines as read (Markdown's escapes and emphasis undone)."""
    blocks = [block.value for block in at.sidebar.markdown if "·" in block.value]
    return re.sub(r"\\(.)", r"\1", blocks[0]).replace("**", "").replace("  \n", "\n") if blocks else ""


def _setup_widgets(at: AppTest) -> list[str]:
    """The keys of the setup's own widgets that the sidebar drew (not the language's or the
    Display section's)."""
    keys = [element.key for kind in ("slider", "selectbox", "toggle", "number_input") for element in getattr(at, kind)]
    return [key for key in keys if key in model_setup_keys()]


def model_setup_keys() -> set[str]:
    from scenario.params import DEFAULTS

    return set(DEFAULTS)


def test_the_join_link_carries_the_teachers_language():
    """A teacher who teaches in Chinese gives students a link (the code block, and the QR
    code made of it) that opens in Chinese, as the projector's link does; a student's tab can
    still switch its own language."""
    teacher = _session({"lang": "zh"}, page="pages/live_class.py")
    teacher.button(key="class_start").click()
    _rerun(teacher)
    [link] = [block.value for block in teacher.code if "?class=" in block.value]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert query["lang"] == "zh" and query["class"] == _code(teacher)
    student = _session(query)
    assert student.title[0].value == "实验场" and _setup_block(student).startswith("老师的设置")
    student.selectbox(key="lang").set_value("en").run()
    assert student.title[0].value == "Playground" and _setup_block(student).startswith("The teacher's setup")


def test_students_join_by_link_or_code_and_follow_the_teacher(teacher):
    code = _code(teacher)
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(3)
    teacher.selectbox(key="stride_h").set_value(1)
    _rerun(teacher)
    linked = _student(code)
    assert _page(linked) == "" and _setup_block(linked).startswith(
        "The teacher's setup\nPooling · Kernel size: 3 · Stride: 1"
    )
    assert not _setup_widgets(linked)  # the teacher's controls: shown, not drawn
    typed = _session(page="pages/live_class.py")
    typed.text_input(key="class_code_typed").set_value(code.lower())
    typed.button(key="FormSubmitter:class_join-Join").click()
    _rerun(_rerun(typed))
    assert typed.session_state["class_seat"].role == "student"
    assert "Kernel size: 3" in _setup_block(typed)
    # The teacher moves on: Step by step, kernel 4. Both students are taken there.
    teacher.switch_page("pages/step_by_step.py")
    _rerun(teacher).slider(key="kernel_h").set_value(4)
    _rerun(teacher)
    for student in (linked, typed):
        _rerun(student)  # the tick saw a new version
        assert _page(student) == "step_by_step" and "Kernel size: 4 · Stride: 1" in _setup_block(student)


def test_a_student_can_explore_alone_then_follow_again(teacher):
    code = _code(teacher)
    student = _student(code)
    student.button(key="class_explore").click()
    _rerun(student)
    assert not _setup_block(student) and not student.slider(key="kernel_h").disabled
    student.slider(key="kernel_h").set_value(5)
    _rerun(student)
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(3)
    _rerun(teacher)
    _rerun(student)
    assert student.session_state["kernel_h"] == 5  # the teacher's change did not arrive
    student.button(key="class_follow").click()
    _rerun(_rerun(student))
    assert "Kernel size: 3" in _setup_block(student) and not _setup_widgets(student)


def _listener(at: AppTest) -> dict:
    """The data the class's listener (ui/class_listener.js) was given by the last run."""
    data = [json.loads(element.proto.json) for element in at.get("bidi_component")]
    return next(item for item in data if isinstance(item, dict) and "drawn" in item)


def _view(at: AppTest) -> dict[str, str]:
    """The address's parameters that name the view (not the class's, nor the display's)."""
    from scenario.params import DEFAULTS

    return {key: value for key, value in at.query_params.items() if key in {*DEFAULTS, "x", "grad"}}


def _teacher_sets_a_rich_setup(teacher: AppTest) -> None:
    """Kernel 3, stride 1, padding 1 without counting it, ceil_mode; a typed 5x5 x; one cell's loss."""
    from tests.test_typed_grids import _edit

    teacher.switch_page("pages/playground.py")
    _rerun(teacher).selectbox(key="input").set_value("custom")
    _rerun(teacher).slider(key="height").set_value(5)
    teacher.slider(key="width").set_value(5)
    teacher.slider(key="kernel_h").set_value(3)
    teacher.selectbox(key="stride_h").set_value(1)
    _rerun(teacher).slider(key="padding_h").set_value(1)
    teacher.toggle(key="ceil_mode").set_value(True)
    _rerun(teacher).toggle(key="count_include_pad").set_value(False)
    teacher.selectbox(key="loss").set_value("cell")
    _rerun(teacher).number_input(key="loss_row").set_value(1)
    _rerun(teacher)
    _edit(teacher, "typed_x_5x5_0", {0: {"0": "1/3"}, 4: {"4": "-7"}})


RICH_VIEW = {
    "input": "custom", "height": "5", "width": "5", "kernel_h": "3", "stride_h": "1", "padding_h": "1",
    "ceil_mode": "true", "count_include_pad": "false", "loss": "cell", "loss_row": "1",
}  # fmt: skip


def test_a_following_students_sidebar_is_the_teachers_setup_in_one_block(teacher):
    """A following student's sidebar shows the teacher's setup as one block in the controls'
    words (the options set otherwise only), in each language, with "Explore on my own" and
    no control of the setup; the numbers are the teacher's, and the address names the view:
    a copy of it opens the same setup outside the class."""
    code = _code(teacher)
    _teacher_sets_a_rich_setup(teacher)
    student, chinese = _student(code), _session({"class": code, "lang": "zh"})
    assert _setup_block(student).split("\n") == [
        "The teacher's setup",
        "Pooling · Kernel size: 3 · Stride: 1 · Padding: 1 · count_include_pad: false · ceil_mode: true",
        "Input x · Source: Type the values · Height H: 5 · Width W: 5",
        "Loss · One cell: L = y[i, j] · Output row i: 1 · Output column j: 0",
    ]
    assert _setup_block(chinese).split("\n")[0] == "老师的设置"
    # The class bar says whose the setup is (no control is drawn to be "the teacher's").
    assert any("you follow the teacher: the setup is theirs" in text for text in alerts(student))
    assert any("你正在跟随老师：设置由老师决定" in text for text in alerts(chinese))
    # The page says what a follower can do, not "Set up any nn.AvgPool2d in the sidebar".
    assert student.caption[0].value.startswith("You follow the teacher: the setup in the sidebar is theirs.")
    assert chinese.caption[0].value.startswith("你正在跟随老师") and "Set up any" not in student.caption[0].value
    assert teacher.caption[0].value.startswith("Set up any nn.AvgPool2d in the sidebar")
    assert "池化 · 卷积核大小：3 · 步幅：1 · 填充：1 · count_include_pad：false" in _setup_block(chinese)
    for tab, label in ((student, "Explore on my own"), (chinese, "自己探索")):
        assert not _setup_widgets(tab) and tab.button(key="class_explore_sidebar").label == label
        assert not tab.get("dataframe")  # nor the typed grid's editor
    assert grid_values(grids_on_page(student)[0]) == pytest.approx(grid_values(grids_on_page(teacher)[0]))
    assert grid_values(grids_on_page(student)[3]) == pytest.approx(grid_values(grids_on_page(teacher)[3]))
    view = _view(student)
    assert view == {**RICH_VIEW, "x": teacher.query_params["x"]}
    copied = _session(view)  # the follower's address, opened outside the class
    assert copied.slider(key="kernel_h").value == 3 and copied.toggle(key="ceil_mode").value
    assert grid_values(grids_on_page(copied)[3]) == pytest.approx(grid_values(grids_on_page(teacher)[3]))


@pytest.mark.parametrize(
    ("controls", "typed", "said"),
    [
        ({"input": "image"}, {}, "does not travel with the class"),  # a picture stays in the teacher's tab
        ({"input": "csv"}, {}, "does not travel with the class"),  # a CSV too large for a link
        ({"input": "checkerboard", "height": 4, "width": 4, "kernel_h": 6}, {}, "torch rejects this pooling"),
        ({"input": "custom", "height": 2, "width": 2}, {"x": "1,abc;2,3"}, "This input cannot be used"),
        ({"input": "custom", "height": 2, "width": 2, "loss": "custom"}, {"grad": "zz"}, "cannot be used"),
    ],
)
def test_a_follower_whose_teachers_setup_cannot_be_drawn_is_told_why(teacher, controls, typed, said):
    """The teacher's setup as the store holds it, drawn by a following student: what cannot be
    drawn is said (and the sidebar still shows the setup and 'Explore on my own'), never a traceback."""
    from classroom.model import Setup, publish
    from ui.classroom import class_store

    code = _code(teacher)
    lesson = _lesson(code)
    assert class_store().save(publish(lesson, Setup("", controls, typed)), lesson.version, time.time())
    student = _student(code)
    assert not student.exception
    assert any(said in text for text in alerts(student)), alerts(student)
    assert _setup_block(student).startswith("The teacher's setup")
    assert student.button(key="class_explore_sidebar").label == "Explore on my own"


def test_exploring_starts_from_the_teachers_setup_and_following_again_brings_the_block_back(teacher):
    """ "Explore on my own" (the sidebar's button) draws the controls at the teacher's values,
    the typed grid the teacher's, the address unchanged; "Follow the teacher" brings the block
    back, and the address names the view again once the listener's next run comes (the run
    that stops drawing the widgets cannot write what Streamlit still binds to them)."""
    code = _code(teacher)
    _teacher_sets_a_rich_setup(teacher)
    student = _student(code)
    before = _view(student)
    student.button(key="class_explore_sidebar").click()
    _rerun(student)
    assert not _setup_block(student)
    assert (student.slider(key="kernel_h").value, student.selectbox(key="stride_h").value) == (3, 1)
    assert student.slider(key="padding_h").value == 1 and student.toggle(key="ceil_mode").value
    assert not student.toggle(key="count_include_pad").value and student.selectbox(key="input").value == "custom"
    assert (student.selectbox(key="loss").value, student.number_input(key="loss_row").value) == ("cell", 1)
    editor = student.dataframe[0].value  # the typed grid's editor, with the teacher's cells
    assert (editor.iloc[0, 0], editor.iloc[4, 4], editor.iloc[1, 1]) == ("1/3", "-7", "6")
    assert grid_values(grids_on_page(student)[0])[0, 0] == pytest.approx(1 / 3)
    assert grid_values(grids_on_page(student)[0])[4, 4] == -7
    assert _view(student) == before
    student.slider(key="kernel_h").set_value(4)
    assert _rerun(student).slider(key="kernel_h").value == 4  # the student's own now
    student.button(key="class_follow").click()
    _rerun(student)
    assert "Kernel size: 3" in _setup_block(student) and not _setup_widgets(student)
    assert _listener(student)["drawn"] == ""  # the listener is told this run drew nothing yet,
    _rerun(student)  # so it asks for one more run when it hears the class, and that run writes the view
    assert _view(student) == before and _listener(student)["drawn"] == str(_lesson(code).version)


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
    select_cell(teacher, "class_pick_grids", "input", 2, 2, "grad_input")
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


def test_the_teacher_sees_how_many_answered_after_the_students_presence_lapsed(teacher):
    """Who is here is what the students' events streams said in the last PRESENCE_WINDOW; the
    students who answered have joined all the same: with every one's presence lapsed (their
    tabs closed, their streams not yet back), the teacher's bar still counts the answers, and
    never says that no student has joined."""
    import time

    from classroom.store import PRESENCE_WINDOW
    from ui.classroom import class_store

    students, _ = _ask_and_answer(teacher, {"right": "1", "divisor": "9"})
    code = _code(teacher)
    for student in students:  # seen long ago, as the store keeps a lapsed presence
        seat = student.session_state["class_seat"]
        class_store().seen(code, seat.student, True, time.time() - 2 * PRESENCE_WINDOW)
    assert class_store().presence(code, time.time()) == (0, 0)
    _rerun(teacher)
    assert any("**2** answered" in text for text in alerts(teacher)), alerts(teacher)
    assert not any("no student has joined" in text for text in alerts(teacher)), alerts(teacher)


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
    assert rows[1]["mistake"] == "the gradients were added but not divided: the divisor was forgotten"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", rows[0]["date"])
    assert rows[0]["link"] == "/?kernel_h=3&stride_h=1&height=5&width=5"  # the setup, opened again
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
    select_cell(teacher, "class_pick_grids", "input", 0, 0, "grad_input")
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
    # The CSV's link opens the question's setup again, typed values and all.
    teacher.button(key="class_end").click()
    rows = list(csv.DictReader(io.StringIO(_rerun(teacher).session_state["class_report"][1])))
    link = urllib.parse.urlsplit(rows[0]["link"])
    again = _session(dict(urllib.parse.parse_qsl(link.query)))
    assert np.array_equal(grid_values(grids_on_page(again)[0]), x) and again.session_state["loss"] == "mean"


def _lesson(code: str):
    import time

    from ui.classroom import class_store

    return class_store().load(code, time.time())


def test_the_teacher_asks_for_a_cell_of_y(teacher):
    """A click on a cell of y asks for its y: students see x alone (y would give it away), a
    sum instead of a mean is named, the reveal shows the window and y; the CSV names y."""
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    select_cell(teacher, "class_pick_grids", "output", 1, 2, "y")
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
    select_cell(teacher, "class_pick_grids", "output", 99, 99, "y")
    teacher.switch_page("pages/live_class.py")
    ask = _rerun(teacher).button(key="class_ask")
    assert ask.disabled and ask.label == "Ask about the cell you click"


def test_a_following_student_gets_no_timer_so_no_tick_can_race_its_runs():
    """In Streamlit's own runtime (harness/runtime.py): a student follows a class through a
    teacher's change and is given no fragment timer (app.py's reconnect one never fires): its
    tab listens to the class's events instead, so the races of tests/test_run_order.py (a tick
    cutting off a run, a stale tick undoing a page switch) cannot happen to it."""
    from harness.runtime import replay

    assert replay("class-follow") == {"timers": []}


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


@pytest.fixture
def redis_class(tmp_path, monkeypatch):
    """The app's class store in a real ``redis-server`` of this test (persistence on), with
    ``stop()`` and ``start()`` to take it away mid-class and bring it back."""
    import os
    import shutil

    from harness.server import free_port, redis_server
    from ui.classroom import class_store

    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (apt-get install redis-server): in CI it must run")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    folder, port, running = tmp_path / "redis", free_port(), []

    def start() -> None:
        server = redis_server(folder, port)
        server.__enter__()
        running.append(server)

    def stop() -> None:
        running.pop().__exit__(None, None, None)

    start()
    monkeypatch.setenv("CLASS_STORE", f"redis://127.0.0.1:{port}/0")
    class_store.clear()  # the server's store is opened once (st.cache_resource): this test's Redis
    yield stop, start
    while running:
        stop()
    class_store.clear()


def _send(student: AppTest, typed: str) -> AppTest:
    student.text_input(key="class_answer").set_value(typed)
    student.button(key="FormSubmitter:class_answer_form-Send").click()
    return _rerun(student)


def test_a_store_outage_is_said_for_every_action_and_the_class_resumes_without_a_reload(redis_class):
    """Redis stops mid-question: a student's Send, the teacher's Reveal, a join by link each say
    they did not happen, and why; nothing raises; when Redis is back the same tabs go on (the
    answer sent again, the reveal), and the join completes by itself."""
    stop, start = redis_class
    teacher = _session(page="pages/live_class.py")
    teacher.button(key="class_start").click()
    _rerun(teacher)
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    student = _student(code)
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).button(key="class_ask_pick").click()
    _rerun(teacher)
    _rerun(_rerun(student))
    assert _page(student) == "live_class"

    stop()
    _send(student, "1")
    assert any("Your answer was not sent" in text and code in text for text in alerts(student)), alerts(student)
    assert student.text_input(key="class_answer").value == "1"  # the question and the typed answer stay
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    assert any("The answers were not revealed" in text for text in alerts(teacher)), alerts(teacher)
    assert teacher.button(key="class_reveal")  # the cockpit stays, its button too
    newcomer = _student(code)
    assert any(f"Joining the class {code}" in text for text in alerts(newcomer)), alerts(newcomer)
    assert newcomer.session_state.get("class_seat") is None and newcomer.query_params["class"] == code

    start()
    _send(student, "1")
    assert any("Your answer 1 is in" in text for text in alerts(student)), alerts(student)
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    assert _lesson(code).question.revealed
    _rerun(newcomer)  # its listener heard the store back (no longer "down"): the page runs again, and joins
    assert newcomer.session_state["class_seat"].role == "student"
    assert not any("Joining" in text for text in alerts(newcomer))


def test_a_teachers_new_session_takes_the_class_setup_from_the_store(teacher):
    """A reload of the cockpit (or a new tab, or the replica lost under it) is a new session:
    back on the Playground, its sidebar is the class's setup from the store, not the defaults,
    and the students keep kernel 3, stride 1 (``teachers_new_session``)."""
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    student = _student(code)
    before = _lesson(code)
    assert before.setup.controls["kernel_h"] == 3
    reloaded = teachers_new_session(teacher, code)
    reloaded.switch_page("pages/playground.py")
    _rerun(reloaded)
    assert reloaded.session_state["kernel_h"] == 3 and reloaded.session_state["stride_h"] == 1
    assert reloaded.session_state["height"] == 5
    assert _lesson(code).setup == before.setup and _lesson(code).version == before.version  # nothing sent
    _rerun(student)
    assert student.session_state["kernel_h"] == 3 and student.session_state["stride_h"] == 1


def _grid_keys(at: AppTest) -> list[str]:
    return [grid["key"] for grid in _grids(at)]


def test_preparing_and_asking_never_show_the_answer_to_a_student(teacher):
    """The teacher picks the cell on the cockpit's own grids (the class's setup is not told
    which, nothing is explained to it), may hide ∂L/∂x while preparing; while the question is
    open no student tab shows ∂L/∂x: not the followed view, not "Explore on my own", not the
    Playground asked for by its link."""
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    student, explorer = _student(code), _student(code)
    projector = _session({"class": code, "view": "projector"})
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).toggle(key="class_preparing").set_value(True)
    _rerun(teacher)
    assert _lesson(code).preparing
    for watcher in (student, explorer, projector):
        _rerun(watcher)
        assert "grad_input" not in _grid_keys(watcher) and {"x", "y"} <= set(_grid_keys(watcher)), watcher
    select_cell(teacher, "class_pick_grids", "input", 1, 1, "grad_input")
    _rerun(teacher)
    assert _lesson(code).setup.explain is None  # the pick stays in the teacher's tab
    assert "grad_input" in _grid_keys(teacher)  # the teacher sees ∂L/∂x to pick from
    teacher.button(key="class_ask").click()
    _rerun(teacher)
    lesson = _lesson(code)
    assert lesson.question.cell == (1, 1) and not lesson.preparing
    _rerun(explorer).button(key="class_explore").click()  # "Explore on my own" during the question
    _rerun(explorer)
    explorer.switch_page("pages/playground.py")  # and the Playground, asked for
    _rerun(explorer)
    for at in (student, explorer):
        _rerun(at)
        assert _page(at) == "live_class" and "grad_input" not in _grid_keys(at), (_page(at), _grid_keys(at))
        assert not any("4/9" in text for text in alerts(at))  # ∂L/∂x[1, 1] on kernel 3, stride 1
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    explorer.switch_page("pages/playground.py")  # after the reveal, exploring is free again
    _rerun(_rerun(explorer))
    assert _page(explorer) == "" and "grad_input" in _grid_keys(explorer)


def test_a_student_on_the_playground_is_told_the_class_ended(teacher):
    """The class ends while a student explores the Playground: their tick sees it gone, and
    the page they are on says so."""
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    student = _student(code)
    student.button(key="class_explore").click()
    _rerun(student)
    assert _page(student) == ""
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).button(key="class_end").click()
    _rerun(teacher)
    student.session_state["class_ended"] = True  # as the tick that found the class gone leaves it
    student.session_state["class_seat"] = None
    student.query_params.pop("class")
    _rerun(student)
    assert _page(student) == "" and any("The class has ended" in text for text in alerts(student)), alerts(student)
    assert not any("No class" in text for text in alerts(student))


def test_a_student_on_the_class_page_is_told_what_it_is_for_them_not_how_to_teach(teacher):
    """The Live class page's caption says "start a class, project its code" to a teacher; a
    student who follows is told they answer here (found by walking a lesson)."""
    student = _student(_code(teacher))
    student.switch_page("pages/live_class.py")
    captions = " ".join(caption.value for caption in _rerun(student).caption)
    assert "answer the questions they ask here" in captions and "start a class" not in captions, captions
    assert "start a class" in " ".join(caption.value for caption in _rerun(teacher).caption)
