"""The new teacher's actions (close, discuss, vote again, show an answer, pause) and the vote's
closing, crafted over Streamlit's own protocol (harness/client.py) against a real server:
a student's tab cannot take them, a tab that drew the teacher's buttons without the class's
secret changes nothing, and an answer sent from a tab after the answers closed is refused.
The class is read back from this module's own store (a SQLite file)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from classroom import model
from classroom.store import open_store
from harness.client import Session, run, server
from tests.test_class_security import SEND, _answer, _teacher

ACTIONS = ("class_close", "class_discuss", "class_show_0", "class_pause")


@pytest.fixture(scope="module")
def store_address(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('classes')}/classes.sqlite3"


@pytest.fixture(scope="module")
def url(store_address):
    with server(env={"CLASS_STORE": store_address}) as (address, _):
        yield address


async def _asked_and_answered(url: str, store) -> tuple[Session, Session, str]:
    """A class with a question asked and a wrong answer (9) in: the cockpit draws every new button."""
    teacher, code = await _teacher(url)
    await teacher.rerun(teacher.state("class_ask_pick", trigger_value=True))
    student = await Session.open(url, f"class={code}", page="live_class")
    lesson = store.load(code, time.time())
    wrong = next(m.value for m in lesson.question.mistakes)
    await _answer(student, repr(wrong))
    await teacher.rerun()
    assert set(ACTIONS) <= set(teacher.widgets), sorted(teacher.widgets)
    return teacher, student, code


def test_a_student_tab_cannot_close_discuss_show_or_pause(url, store_address):
    store = open_store(store_address)

    async def lesson():
        teacher, student, code = await _asked_and_answered(url, store)
        before = store.load(code, time.time())
        student.widgets.update({key: teacher.widgets[key] for key in ACTIONS})
        for key in ACTIONS:
            value = {"bool_value": True} if key == "class_pause" else {"trigger_value": True}
            _, _, failed = await student.rerun(student.state(key, **value))
            assert not failed
            assert store.load(code, time.time()) == before, key  # nothing changed
        for session in (teacher, student):
            await session.close()

    run(lesson())


def test_a_tab_with_the_teachers_buttons_but_not_the_secret_changes_nothing(url, store_address):
    """The server-side check itself (``teacher_change``): the cockpit's buttons, drawn, then
    sent for a class whose secret the tab does not hold (its code given to another teacher)."""
    store = open_store(store_address)

    async def lesson():
        teacher, student, code = await _asked_and_answered(url, store)
        mine = store.load(code, time.time())
        store.delete(code)
        started = model.start(code, "another teacher's secret")
        assert store.create(started, time.time())
        other = replace(mine, teacher=started.teacher, version=started.version + 1)  # the same question open
        assert store.save(other, started.version, time.time())
        store.answer(code, other.question.number, "someone", other.question.mistakes[0].value, time.time())
        await teacher.rerun()
        for key in ACTIONS:
            value = {"bool_value": True} if key == "class_pause" else {"trigger_value": True}
            _, _, failed = await teacher.rerun(teacher.state(key, **value))
            assert not failed
            assert store.load(code, time.time()) == other, key
        discussing = model.discuss(other)  # vote 2's button is drawn only while the class discusses
        assert store.save(discussing, other.version, time.time())
        await teacher.rerun()
        assert "class_vote_again" in teacher.widgets
        await teacher.rerun(teacher.state("class_vote_again", trigger_value=True))
        assert store.load(code, time.time()) == discussing
        for session in (teacher, student):
            await session.close()

    run(lesson())


def test_an_answer_sent_after_the_close_is_refused_with_a_message(url, store_address):
    store = open_store(store_address)

    async def lesson():
        teacher, student, code = await _asked_and_answered(url, store)
        number = store.load(code, time.time()).question.number
        before = store.answers(code, number)
        await teacher.rerun(teacher.state("class_close", trigger_value=True))
        assert store.load(code, time.time()).question.closed
        # The form, as the tab last drew it, sent anyway (a tab that did not rerun, or a crafted one).
        await student.rerun(
            student.state("class_answer", string_value="12345"), student.state(SEND, trigger_value=True)
        )
        assert store.answers(code, number) == before  # the wrong answer given before the close, kept
        assert any("Answers are closed" in text for text in student.texts), student.texts
        for session in (teacher, student):
            await session.close()

    run(lesson())
