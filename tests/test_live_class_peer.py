# ruff: noqa: F811 (the fixtures imported above are these tests' arguments)
"""The teacher's view of the answers and peer instruction (issue 30 §2, §3) through AppTest:
the cockpit, the projector and students are separate sessions sharing one store (conftest's
SQLite file). Nothing of the answers reaches a student or the projector before the reveal,
on the page or in the pushed view (classroom/followed.py)."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from classroom.choices import choice_labels, choice_order
from classroom.followed import followed_view
from tests.conftest import alerts, grids_on_page
from tests.test_class_choice import _ask_as_choice
from tests.test_live_class import (  # noqa: F401 (fixtures)
    _code,
    _kernel_3_on_5x5,
    _lesson,
    _page,
    _rerun,
    _session,
    _student,
    redis_class,
    teacher,
)

SEND = "FormSubmitter:class_answer_form-Send"
MISTAKES = ("the divisor was forgotten", "an overlapping window")  # 9 and 1/9 on ∂L/∂x[2, 2]


def _texts(at: AppTest) -> str:
    """Everything a tab shows as text: Markdown, captions, alerts, titles, its components' data."""
    kinds = ("markdown", "caption", "title", "header", "subheader")
    shown = [element.value for kind in kinds for element in getattr(at, kind)] + alerts(at)
    shown += [element.proto.json for element in at.get("bidi_component")]
    return "\n".join(shown)


def _asked(teacher: AppTest, students: int = 2, language: str = "en") -> tuple[list[AppTest], AppTest, str]:
    """Kernel 3, stride 1 on 5x5; ∂L/∂x[2, 2] asked (truth 1, the mistakes 9 and 1/9)."""
    from tests.conftest import select_cell

    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    select_cell(teacher, "class_pick_grids", "input", 2, 2, "grad_input")
    _rerun(teacher)
    tabs = [_student(code) for _ in range(students)]
    projector = _session({"class": code, "view": "projector", "lang": language})
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).button(key="class_ask").click()
    _rerun(teacher)
    for tab in tabs:
        _rerun(tab)
    return tabs, projector, code


def _answer(student: AppTest, typed: str, sure: str | None = None) -> AppTest:
    _rerun(student)
    student.text_input(key="class_answer").set_value(typed)
    if sure is not None:
        student.radio(key="class_sure").set_value(sure)
    student.button(key=SEND).click()
    return _rerun(student)


def _hidden_everywhere_but_the_cockpit(code: str, tabs: list[AppTest]) -> None:
    """No student or projector tab, nor the pushed view, shows a count, a chart or a mistake."""
    lesson = _lesson(code)
    pushed = json.dumps(followed_view(lesson), ensure_ascii=False) + json.dumps(followed_view(lesson, "zh"))
    for mistake in MISTAKES:
        assert mistake not in pushed
    for tab in tabs:
        _rerun(tab)
        shown = _texts(tab)
        assert not tab.get("plotly_chart"), tab
        assert not any(mistake in shown for mistake in MISTAKES), shown
        assert "right ·" not in shown and "so far" not in shown, shown


def test_the_cockpit_sees_the_answers_as_they_come_and_no_one_else_does(teacher):
    students, projector, code = _asked(teacher)
    _answer(students[0], "9")
    _answer(students[1], "1")
    _rerun(teacher)
    shown = _texts(teacher)
    assert "Answers so far: only you see this" in shown and "1 of 2 right" in shown
    assert "the divisor was forgotten" in shown
    assert teacher.get("plotly_chart")  # the distribution, in the cockpit alone
    _hidden_everywhere_but_the_cockpit(code, [*students, projector])


def test_closing_the_answers_refuses_a_late_one_with_a_message(teacher):
    students, projector, code = _asked(teacher)
    _answer(students[0], "9")
    students[1].text_input(key="class_answer").set_value("1")  # typed, sent after the close
    teacher.button(key="class_close").click()
    _rerun(teacher)
    assert _lesson(code).question.closed and "Vote 1 is closed" in _texts(teacher)
    students[1].button(key=SEND).click()  # the form this tab still shows: the server refuses it
    _rerun(students[1])
    assert any("Answers are closed: yours was not counted" in text for text in alerts(students[1]))
    assert _lesson_answers(code) == {_seat(students[0]): 9.0}
    _rerun(students[1])
    assert not students[1].get("text_input") or "class_answer" not in [t.key for t in students[1].text_input]
    assert "Answers are closed" in _texts(_rerun(projector))
    teacher.button(key="class_discuss").click()  # a closed vote 1 may still be discussed and voted again
    _rerun(teacher)
    assert _lesson(code).question.discussing


def test_a_countdown_closes_the_answers_by_the_stores_clock(teacher):
    from ui.classroom import class_store

    students, _, code = _asked(teacher)
    teacher.selectbox(key="class_close_after").set_value(30)
    teacher.button(key="class_close").click()
    _rerun(teacher)
    lesson = _lesson(code)
    assert lesson.question.closes_at == pytest.approx(class_store().clock() + 30, abs=5)
    assert "closes in" in _texts(teacher)
    _rerun(students[0])
    assert '"ms":' in _texts(students[0])  # the countdown, counted down in the browser
    _answer(students[0], "1")  # still open
    # The store's clock passes the deadline (the lesson's deadline moved back: no sleeping).
    late = replace(lesson, question=replace(lesson.question, closes_at=class_store().clock() - 1))
    assert class_store().save(late, lesson.version, time.time())
    students[1].text_input(key="class_answer").set_value("9")
    students[1].button(key=SEND).click()
    _rerun(students[1])
    assert any("Answers are closed" in text for text in alerts(students[1]))
    assert _lesson_answers(code) == {_seat(students[0]): 1.0}


def _seat(student: AppTest) -> str:
    return student.session_state["class_seat"].student


def _lesson_answers(code: str, vote: int = 1) -> dict[str, float]:
    from ui.classroom import class_store

    return class_store().answers(code, 1, vote)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_peer_instruction_cycle_reveals_both_votes_and_who_moved(language):
    teacher = _session({"lang": language}, page="pages/live_class.py")
    teacher.button(key="class_start").click()
    _rerun(teacher)
    students, projector, code = _asked(teacher, 3, language)
    for student, typed, sure in zip(students, ("9", "1/9", "1"), ("sure", "not_sure", "sure")):
        _answer(student, typed, sure)
    teacher.button(key="class_discuss").click()
    _rerun(teacher)
    assert _lesson(code).question.discussing
    discuss = {"en": "Discuss with your neighbour", "zh": "和邻座讨论"}[language]
    assert discuss in _texts(_rerun(projector))
    for student in students:
        assert "Discuss with your neighbour" in _texts(_rerun(student))  # the students' own language: en
        assert "class_answer" not in [t.key for t in student.text_input]  # no vote meanwhile
    _hidden_everywhere_but_the_cockpit(code, [*students, projector])
    teacher.button(key="class_vote_again").click()
    _rerun(teacher)
    assert _lesson(code).question.vote == 2
    assert {"en": "**Vote 2:**", "zh": "**第二轮投票：**"}[language] in _texts(_rerun(projector))  # which vote is open
    for student, typed in zip(students, ("1", "1", "1")):
        assert "Vote 2" in _texts(_rerun(student))
        _answer(student, typed, "sure")
    _hidden_everywhere_but_the_cockpit(code, [*students, projector])
    assert _lesson_answers(code, 1) == dict(zip(map(_seat, students), (9.0, 1 / 9, 1.0)))  # vote 1 kept apart
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    shown = _texts(_rerun(projector))
    if language == "en":
        assert "Vote 1: **1 of 3** right → vote 2: **3 of 3** right" in shown
        assert "from **9** (the gradients were added but not divided" in shown and "from **1/9**" in shown
        assert "Sure: 3 (3 right) · not sure: 0 (0 right)" in shown
    else:
        assert "第一轮：**3 人中 1 人**答对 → 第二轮：**3 人中 3 人**答对" in shown and "确定：3" in shown
    assert len(projector.get("plotly_chart")) == 2  # both distributions
    teacher.button(key="class_end").click()
    _rerun(teacher)
    rows = list(csv.DictReader(io.StringIO(teacher.session_state["class_report"][1])))
    assert [(row["vote"], row["answer"], row["count"], row["sure"], row["not_sure"]) for row in rows] == [
        ("1", "1/9", "1", "0", "1"),  # a tie: the smaller first
        ("1", "1", "1", "1", "0"),
        ("1", "9", "1", "1", "0"),
        ("2", "1", "3", "3", "0"),
    ]


def test_show_this_answer_puts_one_wrong_answer_on_the_projector_not_the_right_one(teacher):
    students, projector, code = _asked(teacher)
    _answer(students[0], "9")
    _answer(students[1], "1")
    _rerun(teacher)
    assert [button.label for button in teacher.button if button.key.startswith("class_show_")] == [
        "Show 9 on the projector"
    ]  # the right answer has no such button
    next(b for b in teacher.button if b.key.startswith("class_show_")).click()
    _rerun(teacher)
    assert _lesson(code).question.shown == "9"
    shown = _texts(_rerun(projector))
    assert "An answer from the class: **9**" in shown and "the divisor was forgotten" in shown
    assert not projector.get("plotly_chart") and "right ·" not in shown and "the answer is" not in shown
    for student in students:
        assert "An answer from the class" not in _texts(_rerun(student))
    teacher.button(key="class_show_none").click()
    _rerun(teacher)
    assert _lesson(code).question.shown is None
    assert "An answer from the class" not in _texts(_rerun(projector))


def test_pause_puts_every_student_on_eyes_on_the_projector_until_resumed(teacher):
    code = _code(teacher)
    _kernel_3_on_5x5(teacher)
    follower, explorer = _student(code), _student(code)
    explorer.button(key="class_explore").click()
    _rerun(explorer)
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher).toggle(key="class_pause").set_value(True)
    _rerun(teacher)
    assert _lesson(code).paused and followed_view(_lesson(code)) is None  # nothing pushed meanwhile
    for student in (follower, explorer):
        _rerun(_rerun(student))
        assert _page(student) == "live_class" and "Eyes on the projector" in _texts(student)
        assert not student.get("plotly_chart") and not grids_on_page(student)  # only the words
    explorer.switch_page("pages/playground.py")  # a tab that asks for another page stays on the pause
    _rerun(_rerun(explorer))
    assert _page(explorer) == "live_class"
    teacher.toggle(key="class_pause").set_value(False)
    _rerun(teacher)
    _rerun(_rerun(follower))
    assert not _lesson(code).paused and _page(follower) == "" and "Eyes on the projector" not in _texts(follower)


def test_a_store_outage_during_each_new_action_is_said(redis_class):
    stop, start = redis_class
    teacher = _session(page="pages/live_class.py")
    teacher.button(key="class_start").click()
    _rerun(teacher)
    students, _, code = _asked(teacher, 1)
    _answer(students[0], "9")
    _rerun(teacher)
    stop()
    said = {  # the show button first: drawn by the run before the outage (no answers are read during it)
        "class_show_": "The answer was not put on the projector",
        "class_close": "The answers were not closed",
        "class_discuss": "The discussion did not start",
    }
    for key, message in said.items():
        key = next(button.key for button in teacher.button if button.key.startswith(key))
        teacher.button(key=key).click()
        _rerun(teacher)
        assert any(message in text for text in alerts(teacher)), (key, alerts(teacher))
    teacher.toggle(key="class_pause").set_value(True)
    _rerun(teacher)
    assert any("The class was not paused or resumed" in text for text in alerts(teacher)), alerts(teacher)
    start()
    teacher.toggle(key="class_pause").set_value(False)
    _rerun(teacher)
    teacher.button(key="class_discuss").click()
    _rerun(teacher)
    assert _lesson(code).question.discussing
    stop()
    teacher.button(key="class_vote_again").click()
    _rerun(teacher)
    assert any("Vote 2 did not open" in text for text in alerts(teacher)), alerts(teacher)
    start()


def test_a_choice_question_through_two_votes_reveals_both_votes_who_moved_and_how_sure(teacher):
    """A question asked as a choice names every choice on the reveal, and, as a typed one,
    both votes, who moved from which wrong choice, and how sure the class was (the choice's
    reveal returned before them: found by walking a lesson)."""
    code = _code(_ask_as_choice(teacher))  # ∂L/∂x[2, 2] of kernel 3, stride 1 on 5x5
    students = [_student(code) for _ in range(2)]
    projector = _session({"class": code, "view": "projector"})

    def pick(student: AppTest, value: float, sure: str) -> None:
        _rerun(student).radio(key="class_choice_1").set_value(value)
        student.radio(key="class_sure").set_value(sure)
        student.button(key=SEND).click()
        _rerun(student)

    pick(students[0], 9.0, "sure")
    pick(students[1], 1.0, "not_sure")
    teacher.button(key="class_discuss").click()
    _rerun(teacher).button(key="class_vote_again").click()
    _rerun(teacher)
    for student in students:
        pick(student, 1.0, "sure")
    teacher.button(key="class_reveal").click()
    _rerun(teacher)
    shown = _texts(_rerun(projector))
    assert "Vote 1: **1 of 2** right → vote 2: **2 of 2** right" in shown, shown
    assert "from **9** (the gradients were added but not divided" in shown, shown
    assert "Sure: 2 (2 right)" in shown, shown
    # Both votes' charts: every choice by its letter, picked or not, as the words name them.
    question = _lesson(code).question
    labels = choice_labels(choice_order(question, code))
    charts = [json.loads(chart.proto.spec)["data"][0] for chart in projector.get("plotly_chart")]
    assert [tuple(bars["x"]) for bars in charts] == [labels, labels]
    assert [sum(bars["y"]) for bars in charts] == [2, 2]


def test_a_choice_question_names_each_answer_by_its_letter_before_the_reveal(teacher):
    """The cockpit's live answers, its Show button, the projector's shown answer and a student's
    first vote write a choice by its letter and value ("C: 9"), as the choices were offered, not
    the bare value (found by walking a lesson)."""
    code = _code(_ask_as_choice(teacher))  # ∂L/∂x[2, 2] of kernel 3, stride 1 on 5x5
    question = _lesson(code).question
    order = choice_order(question, code)
    nine = dict(zip(order, choice_labels(order)))[9.0]  # e.g. "C: 9"
    student = _student(code)
    _rerun(student).radio(key="class_choice_1").set_value(9.0)
    student.button(key=SEND).click()
    _rerun(student)
    _rerun(teacher)
    assert any(button.label == f"Show {nine} on the projector" for button in teacher.button), [
        b.label for b in teacher.button
    ]
    assert nine in _texts(teacher)
    live = json.loads(teacher.get("plotly_chart")[0].proto.spec)["data"][0]
    assert tuple(live["x"]) == choice_labels(order)  # the cockpit's live chart: every choice by its letter
    next(button for button in teacher.button if nine in button.label).click()
    _rerun(teacher)
    projector = _session({"class": code, "view": "projector"})
    assert nine in _texts(_rerun(projector))
    teacher.button(key="class_discuss").click()
    _rerun(teacher)
    assert f"Your first vote: {nine}" in _texts(_rerun(student))
