"""A "which cells" question through AppTest (issue 30 §4): the cockpit asks it, each student
taps cells on their own grid (a tap toggles; a cell outside the grid is no tap), Clear and
Send; before the reveal the projector and the students see nothing of the taps; the reveal
shows the taps' heat map with the right cells outlined, the share entirely right and the named
wrong sets; each student's verdict cell by cell; peer instruction's second vote; the CSV."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import alerts, grid_components, select_cell
from tests.test_live_class import _code, _lesson, _rerun, _session, _student

TAP = "class_cells_grid"
RIGHT = {(3, 3), (3, 4), (4, 3), (4, 4)}  # y[1, 1]'s window: kernel 2, stride 3 on 5x5


@pytest.fixture
def teacher():
    at = _session(page="pages/live_class.py")
    at.button(key="class_start").click()
    return _rerun(at)


def _gaps(teacher) -> None:
    """Kernel 2, stride 3 on a 5x5 input: windows with gaps between them, a row and column left out."""
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(2)
    teacher.selectbox(key="stride_h").set_value(3)
    teacher.slider(key="height").set_value(5)
    teacher.slider(key="width").set_value(5)
    _rerun(teacher)
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).toggle(key="class_ask_cells").set_value(True)
    _rerun(teacher)


def _ask_feeds(teacher) -> None:
    _gaps(teacher)
    select_cell(teacher, "class_pick_grids", "output", 1, 1, "y")
    ask = _rerun(teacher).button(key="class_ask")
    assert ask.label == "Ask: which cells for x → y[1, 1]?"
    ask.click()
    _rerun(teacher)


def _tap(student, *cells) -> None:
    for row, col in cells:
        select_cell(student, TAP, "cell", row, col, "answer")
        _rerun(student)


def _send(student) -> None:
    student.button(key="class_cells_send").click()
    _rerun(student)


def _grid(at, name):
    """The grid drawn under ``name`` on the page (None: not drawn)."""
    for component in grid_components(at):
        for grid in component["grids"]:
            if grid["key"] == name:
                return grid
    return None


def _texts(at) -> str:
    return " ".join(element.value for element in at.markdown) + " ".join(alerts(at))


def test_students_tap_cells_and_the_reveal_counts_them_cell_by_cell(teacher):
    code = _code(teacher)
    _ask_feeds(teacher)
    question = _lesson(code).question
    assert question.kind == "feeds" and set(question.cells) == RIGHT and question.grid == (5, 5)
    students = [_rerun(_student(code)) for _ in range(3)]
    projector = _rerun(_session({"class": code, "view": "projector"}))
    assert "tap every cell of x that feeds y[1, 1]" in _texts(students[0])
    assert _grid(students[0], "answer")["cells"] == []
    _tap(students[0], (3, 3), (3, 4), (0, 0), (4, 3), (0, 0), (4, 4))  # (0, 0) tapped, then taken back
    assert sorted(map(tuple, _grid(students[0], "answer")["cells"])) == sorted(RIGHT)  # outlined as tapped
    _tap(students[0], (7, 7), (-1, 0))  # a crafted tap outside the grid: nothing
    _send(students[0])
    _tap(students[1], (1, 1))  # y's own indices
    _send(students[1])
    _tap(students[2], (2, 2))
    students[2].button(key="class_cells_clear").click()
    _rerun(students[2])
    assert _grid(students[2], "answer")["cells"] == []
    _send(students[2])  # nothing tapped: the empty set is an answer
    assert any("Your answer [3, 3] [3, 4] [4, 3] [4, 4] is in" in text for text in alerts(students[0]))
    # Before the reveal: the cockpit alone sees the taps; the projector and students see none.
    cockpit = _rerun(teacher)
    assert "1 of 3 right" in _texts(cockpit) and _grid(cockpit, "counts")["cells"] == [list(c) for c in sorted(RIGHT)]
    for tab in (_rerun(projector), _rerun(students[1])):
        assert _grid(tab, "counts") is None and "right" not in _texts(tab).lower().replace("right!", "")
        assert _grid(tab, "x")["outlines"] == [] and _grid(tab, "y") is None  # the windows are the answer
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    shown = _texts(_rerun(projector))
    assert "1 of 3 entirely right" in shown and "4 cells" in shown
    assert "the cell at the same indices" in shown  # the wrong set named
    counts = _grid(projector, "counts")
    assert sorted(map(tuple, counts["cells"])) == sorted(RIGHT) and counts["scale"] == "heat"
    verdicts = [" ".join(alerts(_rerun(student))) for student in students]
    assert "**Right!** All 4 cells" in verdicts[0]
    assert "0 of the 4 cells tapped" in verdicts[1] and "the cell at the same indices" in verdicts[1]
    assert "missed [3, 3] [3, 4] [4, 3] [4, 4]" in verdicts[2]
    # The CSV: one row per distinct set, the right one first, the wrong one named.
    teacher.button(key="class_next").click()
    _rerun(teacher).button(key="class_end").click()
    rows = list(csv.DictReader(io.StringIO(_rerun(teacher).session_state["class_report"][1])))
    assert [(row["answer"], row["count"], row["answer_is_right"]) for row in rows] == [
        ("[3, 3] [3, 4] [4, 3] [4, 4]", "1", "yes"), ("∅", "1", "no"), ("[1, 1]", "1", "no")
    ]  # fmt: skip
    assert rows[0]["cell"] == "x → y[1, 1]" and rows[0]["right_answer"] == "[3, 3] [3, 4] [4, 3] [4, 4]"
    assert rows[2]["mistake"].startswith("the cell at the same indices")


def test_the_teacher_shows_one_wrong_set_on_the_projector_without_the_right_one(teacher):
    """Desmos's select-and-sequence for sets: the cockpit's Show puts one wrong set and its
    misconception on the projector; the right set stays hidden; a student's screen shows none."""
    code = _code(teacher)
    _ask_feeds(teacher)
    student, other = _rerun(_student(code)), _rerun(_student(code))
    _tap(student, (1, 1))  # y's own indices
    _send(student)
    _tap(other, (3, 3), (3, 4), (4, 3), (4, 4))
    _send(other)
    show = _rerun(teacher).button(key="class_show_0")
    assert show.label == "Show [1, 1] on the projector"
    show.click()
    _rerun(teacher)
    assert _lesson(code).question.shown == "[1, 1]"
    shown = _texts(_rerun(_session({"class": code, "view": "projector"})))
    assert "[1, 1]" in shown and "the cell at the same indices" in shown
    assert "[3, 3]" not in shown and _grid(teacher, "counts") is not None  # the right set: the cockpit's alone
    assert "the cell at the same indices" not in _texts(_rerun(other))  # a student's screen: none of it


def test_nothing_with_a_second_vote_and_a_closed_vote_refusing_sends(teacher):
    code = _code(teacher)
    _gaps(teacher)
    teacher.button(key="class_ask_nothing").click()
    _rerun(teacher)
    question = _lesson(code).question
    assert question.kind == "nothing" and len(question.cells) == 9 and (2, 2) in question.cells
    student = _rerun(_student(code))
    _tap(student, (2, 2))
    _send(student)  # vote 1: one cell of nine
    teacher.button(key="class_discuss").click()
    _rerun(teacher).button(key="class_vote_again").click()
    _rerun(teacher)
    _rerun(student)
    assert _grid(student, "answer")["cells"] == []  # vote 2 starts from no cell
    _tap(student, *question.cells)
    student.radio(key="class_sure").set_value("sure")
    _send(student)
    teacher.button(key="class_close").click()
    _rerun(teacher)
    late = _student(code)
    _rerun(late)
    assert _grid(late, "answer") is None  # closed: no grid to tap
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    shown = _texts(teacher)
    assert "Vote 1: **0 of 1** right → vote 2: **1 of 1** right" in " ".join(m.value for m in teacher.markdown)
    assert "1 of 1 entirely right · 9 cells" in shown and "Sure: 1 (1 right)" in " ".join(
        c.value for c in teacher.caption
    )


def test_a_send_after_the_close_is_refused_with_a_message(teacher):
    code = _code(teacher)
    _ask_feeds(teacher)
    student = _rerun(_student(code))
    _tap(student, (0, 0))
    teacher.button(key="class_close").click()
    _rerun(teacher)
    student.button(key="class_cells_send").click()  # the tab still shows Send: its click reaches the server
    _rerun(student)
    assert any("yours was not counted" in text for text in alerts(student))
    from ui.classroom import class_store

    assert class_store().cell_answers(code, 1) == {}


def test_the_gaps_decks_step_asks_which_cells_get_nothing(teacher):
    """The built-in gaps deck's step 2 says ``"as": "cells"``: its button asks it, students tap."""
    code = _code(teacher)
    teacher.selectbox(key="class_deck_pick").set_value("gaps")
    _rerun(teacher).button(key="class_deck_start").click()
    _rerun(teacher).button(key="class_deck_next").click()
    ask = _rerun(teacher).button(key="class_deck_ask")
    assert ask.label == "Ask this step's question: ∂L/∂x = 0"
    ask.click()
    _rerun(teacher)
    question = _lesson(code).question
    assert question.kind == "nothing" and len(question.cells) == 9
    student = _rerun(_student(code))
    assert "tap every cell of ∂L/∂x that gets nothing" in _texts(student) and _grid(student, "answer")["rows"] == 5


def test_as_homework_the_gaps_decks_which_cells_step_is_tapped_and_judged_cell_by_cell():
    """The gaps deck as homework: step 2 asks which cells of ∂L/∂x get nothing; a student taps
    one (judged: 1 of 9, the rest missed), then all nine (right); the report counts it and names
    the answer as the set; a tap outside the grid is no tap."""
    from tests.test_homework_pages import _assign, _csv
    from tests.test_homework_pages import _student as _homework_student

    code, secret, _ = _assign(deck="gaps")
    student = _homework_student(code)
    student.button(key="homework_next").click()
    _rerun(student)
    assert "tap every cell of ∂L/∂x that gets nothing" in _texts(student)
    assert not [w for w in student.text_input if w.key == "homework_answer"]  # (before: a number box, 9 right)
    select_cell(student, "homework_cells_grid", "cell", 2, 2, "answer")
    _rerun(student)
    select_cell(student, "homework_cells_grid", "cell", 5, 0, "answer")  # crafted: past the 5×5 grid
    _rerun(student).button(key="homework_check").click()
    said = " ".join(alerts(_rerun(student)))
    assert "1 of the 9 cells tapped" in said and "Try again" in said, said
    gaps = _nothing_cells()
    for cell in gaps - {(2, 2)}:
        select_cell(student, "homework_cells_grid", "cell", *cell, "answer")
        _rerun(student)
    student.button(key="homework_check").click()
    assert any("**Right!** All 9 cells" in text for text in alerts(_rerun(student)))
    report = _homework_student(code, report=secret)
    table = report.dataframe[0].value
    assert list(table["Right first time"])[1] == "0" and list(table["Answered"])[1] == "1"
    assert list(table["Answer"])[1].startswith("[0, 2] [1, 2] [2, 0]")
    rows = list(csv.DictReader(io.StringIO(_csv(code))))
    assert rows[1]["right_answer"].startswith("[0, 2]") and rows[1]["right"] == "1"


def _nothing_cells() -> set[tuple[int, int]]:
    """The gaps deck's cells of ∂L/∂x that get nothing (kernel 2, stride 3 on 5×5)."""
    from classroom.deck import question_of
    from classroom.deck_library import BUILT_IN

    return set(question_of(BUILT_IN["gaps"].steps[1]).cells)
