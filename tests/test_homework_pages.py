"""Homework through AppTest: the teacher assigns a deck on the Live class page, students go
through it on the Homework page, the teacher reads the report. Separate sessions of the app
share one store (the SQLite file of this test run, see conftest)."""

from __future__ import annotations

import csv
import io

import pytest
from streamlit.testing.v1 import AppTest

from classroom import homework as hw
from tests.conftest import APP, alerts, open_app


def _rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _assign(nickname: bool = False, deck: str = "classic") -> tuple[str, str, AppTest]:
    teacher = open_app(page="pages/live_class.py")
    teacher.selectbox(key="class_deck_pick").set_value(deck)
    _rerun(teacher)  # as a browser does: Assign's deck is the one the last run drew
    if nickname:
        teacher.checkbox(key="homework_nickname_ask").check()
    teacher.button(key="homework_assign").click()
    _rerun(teacher)
    code, secret = teacher.session_state["homework_assigned"]
    return code, secret, teacher


def _student(code: str, **query: str) -> AppTest:
    return open_app({"hw": code, **query}, page="pages/homework.py")


def _answer(at: AppTest, typed: str) -> AppTest:
    at.text_input(key="homework_answer").input(typed)
    at.button(key="homework_check").click()
    return _rerun(at)


def _texts(at: AppTest) -> list[str]:
    return [element.value for kind in ("markdown", "text", "caption") for element in getattr(at, kind)] + alerts(at)


def test_a_teacher_assigns_a_built_in_deck_and_gets_the_students_link_and_the_report_link():
    code, secret, teacher = _assign()
    assert hw.normalized_code(code) == code
    links = [block.value for block in teacher.code]
    assert any(link.endswith(f"/homework?hw={code}&lang=en") for link in links), links
    assert any(f"hw={code}&report={secret}" in link for link in links), links
    assert any("data:image/png;base64," in block.proto.body for block in teacher.get("html"))  # the QR code
    assert any(f"Homework **{code}** assigned: kept for 30 days." in text for text in alerts(teacher))


def test_a_student_goes_through_the_deck_with_feedback_after_each_answer():
    code, _, _ = _assign()
    student = _student(code)
    assert "Step 1 of 6" in student.get("progress")[0].proto.text
    assert any("4×4 input, kernel 2, stride 2" in text or "classic" in text.lower() for text in _texts(student))
    student.button(key="homework_next").click()
    _rerun(student)
    assert student.query_params["step"] == "2"
    _answer(student, "1")
    said = " ".join(alerts(student))
    assert "Not quite" in said and "the divisor was forgotten" in said, said
    _answer(student, "1/4")
    assert any("Right!" in text for text in alerts(student))
    assert not [w for w in student.text_input if w.key == "homework_answer"]  # done: no more answers
    student.button(key="homework_previous").click()
    _rerun(student)
    assert student.query_params["step"] == "1"


def test_a_students_progress_is_kept_for_their_browser_across_reloads():
    code, _, _ = _assign()
    student = _student(code)
    student.button(key="homework_next").click()
    _rerun(student)
    _answer(student, "0.25")
    again = AppTest.from_file(APP, default_timeout=60)  # a reload: the same browser's identity
    again.session_state["homework_student"] = student.session_state["homework_student"]
    again.query_params["hw"] = code
    again.switch_page("pages/homework.py")
    _rerun(again)
    assert "Step 2 of 6" in again.get("progress")[0].proto.text
    assert any("Right!" in text for text in alerts(again))


def test_the_report_counts_reached_right_first_time_and_misconceptions_and_downloads_as_csv():
    code, secret, _ = _assign(nickname=True)
    first = _student(code)
    first.text_input(key="homework_nickname").input("**Ada**")
    first.button(key="homework_nickname_save").click()
    _rerun(first)
    assert any("\\*\\*Ada\\*\\*" in text for text in _texts(first))  # plain text, never bold
    first.button(key="homework_next").click()
    _rerun(first)
    _answer(first, "1")
    _answer(first, "0.25")
    second = _student(code)
    second.button(key="homework_nickname_save").click()  # no nickname: nothing stored
    _rerun(second)
    second.button(key="homework_next").click()
    _rerun(second)
    _answer(second, "1/4")
    report = _student(code, report=secret)
    texts = " ".join(_texts(report))
    assert "Started: 2 · reached the last step: 0" in texts
    assert "Step 2, ∂L/∂x[0, 0]: 1 of 2 right first time" in texts
    assert "1 × the gradients were added but not divided" in texts
    table = report.dataframe[0].value
    assert list(table["Reached"]) == ["2", "2", "0", "0", "0", "0"]
    assert list(table["Right first time"])[:2] == ["—", "1"]
    students = report.dataframe[1].value
    assert list(students["Nickname"]) == ["**Ada**"]
    assert report.get("download_button")
    rows = list(csv.DictReader(io.StringIO(_csv(code))))
    assert rows[1]["reached"] == "2" and rows[1]["right_first_time"] == "1"


def _csv(code: str) -> str:
    from classroom.deck import stored_deck
    from classroom.homework_store import open_homework_store
    from ui.homework import _questions

    store = open_homework_store()
    homework = store.load(code, hw.RETENTION)  # any time before its retention ends
    questions = _questions(homework.deck)
    assert stored_deck(homework.deck)
    return hw.report_csv(hw.report(questions, store.progresses(code)), questions, {})


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"hw": "NOPE"}, "is not a homework code"),
        ({"hw": "HQCMTKMN"}, "No homework has the code HQCMTKMN"),
        ({}, "Homework opens from the link your teacher shared"),
    ],
)
def test_a_bad_homework_link_gets_a_message(query, message):
    at = open_app(query, page="pages/homework.py")
    assert any(message in text for text in alerts(at)), alerts(at)


def test_a_wrong_report_secret_or_a_crafted_step_gets_a_message():
    code, secret, _ = _assign()
    wrong = _student(code, report=secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert any("This report link is not right" in text for text in alerts(wrong))
    assert not wrong.dataframe
    ahead = _student(code, step="5")
    assert any("the next one you can open is step 2" in text for text in alerts(ahead)), alerts(ahead)
    assert ahead.query_params["step"] == "1"
    for crafted in ("0", "x", "99999999"):
        at = _student(code, step=crafted)
        assert any("The link asks for step" in text for text in alerts(at)), (crafted, alerts(at))


@pytest.fixture
def store_down(monkeypatch):
    """The homework's store is a Redis that does not answer (nothing listens on its port)."""
    from harness.server import free_port
    from ui.homework import homework_store

    monkeypatch.setenv("CLASS_STORE", f"redis://127.0.0.1:{free_port()}/0")
    homework_store.clear()
    yield
    homework_store.clear()


def test_a_store_outage_is_said_when_assigning_and_opening(store_down):
    teacher = open_app(page="pages/live_class.py")
    teacher.button(key="homework_assign").click()
    _rerun(teacher)
    assert any("cannot be reached right now" in text for text in alerts(teacher)), alerts(teacher)
    assert "homework_assigned" not in teacher.session_state
    student = _student("HQCMTKMN")
    assert any("cannot be reached right now" in text for text in alerts(student)), alerts(student)


def test_the_teacher_deletes_the_homework_and_its_links_stop_working():
    code, secret, _ = _assign()
    student = _student(code)
    student.button(key="homework_next").click()
    _rerun(student)
    report = _student(code, report=secret)
    report.button(key="homework_delete").click()
    _rerun(report)
    assert any(f"Homework {code}, its students' progress and its report are deleted." in t for t in alerts(report))
    from classroom.homework_store import open_homework_store

    assert open_homework_store().progresses(code) == []
    assert any(f"No homework has the code {code}" in text for text in alerts(_student(code)))


@pytest.fixture
def on_redis(monkeypatch):
    """The homework's store is a real redis-server of this test (the class's stays as it is)."""
    import os
    import shutil

    from harness.server import ARTIFACTS, redis_server
    from ui.homework import homework_store

    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (apt-get install redis-server): in CI it must run")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(ARTIFACTS / f"redis-homework-pages-{os.getpid()}") as (address, _):
        monkeypatch.setenv("CLASS_STORE", address)
        homework_store.clear()
        yield
    homework_store.clear()


def test_assign_do_and_report_on_redis(on_redis):
    code, secret, _ = _assign()
    student = _student(code)
    student.button(key="homework_next").click()
    _rerun(student)
    _answer(student, "1")
    _answer(student, "1/4")
    texts = " ".join(_texts(_student(code, report=secret)))
    assert "Started: 1 ·" in texts and "1 × the gradients were added but not divided" in texts, texts


def test_a_step_taken_during_an_outage_is_said_kept_in_the_tab_and_saved_with_the_next(monkeypatch):
    from harness.server import free_port
    from ui.homework import homework_store

    code, _, _ = _assign()
    student = _student(code)
    kept = __import__("os").environ["CLASS_STORE"]
    monkeypatch.setenv("CLASS_STORE", f"redis://127.0.0.1:{free_port()}/0")
    homework_store.clear()
    try:
        student.button(key="homework_next").click()
        _rerun(student)
        assert any("Your last step was not saved" in text for text in alerts(student)), alerts(student)
        assert "Step 2 of 6" in student.get("progress")[0].proto.text  # the tab goes on
    finally:
        monkeypatch.setenv("CLASS_STORE", kept)
        homework_store.clear()
    student.button(key="homework_next").click()
    _rerun(student)
    from classroom.homework_store import open_homework_store

    assert [progress.furthest for progress in open_homework_store().progresses(code)] == [2]


def test_a_colleagues_deck_link_is_assigned_as_homework_as_the_cockpit_would_start_it():
    from classroom.deck import deck_link, words
    from classroom.deck_library import BUILT_IN

    packed = deck_link(BUILT_IN["overlap"]).split("deck=")[1]
    teacher = open_app({"deck": packed}, page="pages/live_class.py")
    assert teacher.selectbox(key="class_deck_pick").value == "link"
    teacher.button(key="homework_assign").click()
    _rerun(teacher)
    code, _ = teacher.session_state["homework_assigned"]
    student = _student(code)
    assert words(BUILT_IN["overlap"].title, "en") in [text.value for text in student.text]
    assert "Step 1 of 6" in student.get("progress")[0].proto.text


def test_a_step_asked_as_a_choice_is_answered_by_picking_one():
    """A deck step whose question says "as": "choice" (the overlap deck's centre cell) is a
    choice in homework as in class: picked, not typed; a wrong pick names its misconception,
    a value that is no choice is refused (found by walking homework: it was a text box)."""
    from classroom.choices import choice_order
    from classroom.deck import question_of
    from classroom.deck_library import BUILT_IN

    code, _, _ = _assign(deck="overlap")
    student = _student(code)
    for _ in range(len(BUILT_IN["overlap"].steps)):
        if [radio for radio in student.radio if radio.key.startswith("homework_choice_")]:
            break
        student.button(key="homework_next").click()
        _rerun(student)
    step = int(student.query_params["step"]) - 1
    question = question_of(BUILT_IN["overlap"].steps[step])
    assert question.choices and not [w for w in student.text_input if w.key == "homework_answer"]
    key = f"homework_choice_{step}"
    assert set(student.radio(key=key).options) and len(student.radio(key=key).options) == len(question.choices)
    wrong = next(value for value in choice_order(question, code) if value != question.truth)
    student.radio(key=key).set_value(wrong)
    student.button(key="homework_check").click()
    said = " ".join(alerts(_rerun(student)))
    assert "Not quite" in said, said
    student.radio(key=key).set_value(question.truth)
    student.button(key="homework_check").click()
    assert any("Right!" in text for text in alerts(_rerun(student)))
