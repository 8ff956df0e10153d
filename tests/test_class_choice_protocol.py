"""A choice question against a real server, over Streamlit's protocol as a modified browser
would speak it (harness/client.py): a student's tab sends a value that is none of the choices
(any text fits the radio's state); the server refuses it and says so, and takes a real one."""

from __future__ import annotations

import time

import pytest

from classroom.choices import choice_labels, choice_order
from classroom.store import open_store
from harness.client import Session, run, server
from tests.test_class_security import SEND, _teacher


@pytest.fixture(scope="module")
def store_address(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('classes')}/classes.sqlite3"


@pytest.fixture(scope="module")
def url(store_address):
    with server(env={"CLASS_STORE": store_address}) as (address, _):
        yield address


def test_a_crafted_answer_that_is_not_a_choice_is_refused_and_said(url, store_address):
    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        await teacher.rerun(teacher.state("class_ask_choice", bool_value=True))
        await teacher.rerun(teacher.state("class_ask_pick", trigger_value=True))
        question = store.load(code, time.time()).question
        assert len(question.choices) >= 3
        labels = choice_labels(choice_order(question, code))
        student = await Session.open(url, f"class={code}", page="live_class")
        for _ in range(5):
            if "class_choice_1" in student.widgets:
                break
            await student.rerun()
        for crafted in ("0.123", "[x](//e.vil)", "1/1000", labels[0] + " ", "9" * 10_000):
            _, _, failed = await student.rerun(
                student.state("class_choice_1", string_value=crafted), student.state(SEND, trigger_value=True)
            )
            assert not failed
            assert any("not one of the choices" in text for text in student.texts), student.texts
        assert store.answers(code, question.number) == {}  # none of them taken
        await student.rerun(
            student.state("class_choice_1", string_value=labels[1]), student.state(SEND, trigger_value=True)
        )
        assert list(store.answers(code, question.number).values()) == [choice_order(question, code)[1]]
        for session in (teacher, student):
            await session.close()

    run(lesson())
