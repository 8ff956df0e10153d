"""Only the teacher drives a class: students' tabs, over Streamlit's own protocol as a modified
browser would speak it (harness/client.py), against a real server, try every teacher's button,
the projector's view before the reveal, crafted answers and guessed codes; and the teacher's
own change leaves with the run it starts. The class is read back from the store this module's
server keeps (its own SQLite file)."""

from __future__ import annotations

import re
import time

import pytest

from classroom.store import open_store
from harness.client import Session, run, server

SEND = "FormSubmitter:class_answer_form-Send"  # the answer form's button, by its key


async def _answer(student: Session, typed: str):
    """Type an answer and press Send, in one message (as a form submits), once the question
    is on the student's screen (their tab is taken to it by a page switch: a second run)."""
    for _ in range(5):
        if "class_answer" in student.widgets:
            break
        await student.rerun()
    return await student.rerun(
        student.state("class_answer", string_value=typed), student.state(SEND, trigger_value=True)
    )


@pytest.fixture(scope="module")
def store_address(tmp_path_factory):
    """This module's own class store: its 20 wrong codes must not block other tests' joins."""
    return f"sqlite:///{tmp_path_factory.mktemp('classes')}/classes.sqlite3"


@pytest.fixture(scope="module")
def url(store_address):
    # Uvicorn believes X-Forwarded-For from loopback by default: here this test's clients are
    # as remote clients are, and only CLASS_TRUSTED_PROXIES (unset) could name a proxy.
    with server(env={"CLASS_STORE": store_address, "FORWARDED_ALLOW_IPS": "192.0.2.1"}) as (address, _):
        yield address


def _code(session: Session) -> str:
    return next(re.search(r"[A-Z]{5}", text)[0] for text in session.texts if "## " in text)


async def _teacher(url: str) -> tuple[Session, str]:
    """A teacher's tab that started a class and set up the Playground's default view."""
    teacher = await Session.open(url, "", page="live_class")
    while "class_start" not in teacher.widgets:  # a fresh server's first run goes through the router
        await teacher.rerun()
    await teacher.rerun(teacher.state("class_start", trigger_value=True))
    code = _code(teacher)
    teacher.page, teacher.query = "", f"class={code}"
    await teacher.rerun()  # the Playground: its setup is published
    teacher.page = "live_class"
    await teacher.rerun()
    return teacher, code


def test_a_student_tab_cannot_ask_reveal_or_end(url, store_address):
    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        student = await Session.open(url, f"class={code}", page="live_class")
        before = store.load(code, time.time())
        # Every teacher's button, as the teacher's tab knows its id, sent from the student's.
        student.widgets.update({key: teacher.widgets[key] for key in ("class_ask_pick", "class_end")})
        for key in ("class_ask_pick", "class_end"):
            _, _, failed = await student.rerun(student.state(key, trigger_value=True))
            assert not failed
        assert store.load(code, time.time()) == before  # nothing asked, nothing ended
        # The teacher asks; the student now tries to reveal and to move on.
        await teacher.rerun(teacher.state("class_ask_pick", trigger_value=True))
        await teacher.rerun()
        asked = store.load(code, time.time())
        assert asked.question is not None
        await student.rerun()  # the student's tick: the question is on screen
        student.widgets["class_reveal"] = teacher.widgets["class_reveal"]
        await student.rerun(student.state("class_reveal", trigger_value=True))
        assert store.load(code, time.time()) == asked  # still unrevealed
        # The projector's view, opened by a student, shows no answer before the reveal.
        await _answer(student, "1/9")
        assert store.answer_count(code, asked.question.number) == 1
        peek = await Session.open(url, f"class={code}&view=projector", page="live_class")
        assert not any("right ·" in text or "Most common" in text for text in peek.texts), peek.texts
        for session in (teacher, student, peek):
            await session.close()

    run(lesson())


def test_a_tab_that_drew_the_teachers_buttons_without_the_secret_cannot_drive_the_class(url, store_address):
    """The server-side check itself: a tab that drew the cockpit's buttons (its callbacks are
    registered, so Streamlit does not drop their clicks) sends them for a class whose secret it
    does not hold: here its code now names another teacher's class (a class ended and its
    code given again). Nothing is asked, prepared or ended. (A student's tab never draws these
    buttons: its crafted clicks stop at Streamlit, test_a_student_tab_cannot_ask_reveal_or_end.)"""
    from classroom import model
    from classroom.model import Setup

    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        assert {"class_ask_pick", "class_end", "class_preparing"} <= set(teacher.widgets)
        store.delete(code)  # the class is gone; another teacher's class takes its code
        other = model.start(code, "another teacher's secret")
        assert store.create(other, time.time())
        assert store.save(model.publish(other, Setup("", {"kernel_h": 3})), other.version, time.time())
        before = store.load(code, time.time())
        for crafted in (
            teacher.state("class_ask_pick", trigger_value=True),
            teacher.state("class_preparing", bool_value=True),
            teacher.state("class_end", trigger_value=True),
        ):
            _, _, failed = await teacher.rerun(crafted)
            assert not failed
            assert store.load(code, time.time()) == before  # nothing asked, prepared or ended
        await teacher.close()

    run(lesson())


def test_crafted_answers_are_bounded_and_said(url, store_address):
    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        await teacher.rerun(teacher.state("class_ask_pick", trigger_value=True))
        student = await Session.open(url, f"class={code}", page="live_class")
        question = store.load(code, time.time()).question.number
        for crafted in ("1e400", "[x](//e.vil)", "2+2", "nan", "1,5"):
            _, _, failed = await _answer(student, crafted)
            assert not failed
        assert store.answers(code, question) == {}  # none of them is a number the class can take
        await _answer(student, "9" * 200_000)  # Streamlit keeps the box's 40 characters
        assert list(store.answers(code, question).values()) == [float("9" * 40)]
        await _answer(student, "1/4")
        assert list(store.answers(code, question).values()) == [0.25]
        await _answer(student, "0.5")
        assert list(store.answers(code, question).values()) == [0.5]  # changed, still one
        for session in (teacher, student):
            await session.close()

    run(lesson())


def test_a_guesser_that_forges_its_address_is_still_paced_and_never_locks_others_out(url, store_address):
    """A browser without cookies that sends a new X-Forwarded-For with every guess: each wrong
    code is charged to its real address (no proxy is configured here), and a correct link from
    that address joins at once."""
    import sqlite3

    import requests

    async def guesses():
        texts = []
        for number in range(6):
            hostile = requests.Session()  # no cookies kept from one guess to the next
            hostile.headers["X-Forwarded-For"] = f"198.51.100.{number}"
            session = await Session.open(url, f"class={'ACDEF'[number % 5]}QQQQ", hostile)
            texts.append(" ".join(session.texts))
            await session.close()
        teacher, code = await _teacher(url)  # a real class, on the same network
        classmate = await Session.open(url, f"class={code}")
        joined = " ".join(classmate.texts)
        for session in (teacher, classmate):
            await session.close()
        return texts, joined, code

    texts, joined, code = run(guesses())
    assert all("No class has the code" in text for text in texts)
    with sqlite3.connect(store_address.removeprefix("sqlite:///")) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")} & {"limits", "paces"}
        keys = {key for table in tables for (key,) in db.execute(f"SELECT key FROM {table}")}
    assert {key for key in keys if key.startswith("join:")} == {"join:network:127.0.0.1"}, keys
    assert f"Class {code}" in joined and "No class" not in joined  # the rest of the room joins


def test_one_browser_cannot_fill_the_server_with_classes(url):
    import requests

    from classroom.model import new_student

    async def starts():
        browser = requests.Session()
        browser.cookies.set("avgpool_student", new_student())
        said = []
        for _ in range(6):
            tab = await Session.open(url, "", browser, page="live_class")
            while "class_start" not in tab.widgets:
                await tab.rerun()
            await tab.rerun(tab.state("class_start", trigger_value=True))
            said.append(" ".join(tab.texts))
            await tab.close()
        return said

    said = run(starts())
    assert all("## Code:" in text for text in said[:5])
    assert "started many classes" in said[5] and "## Code:" not in said[5]  # 5 per browser per 10 minutes


def test_a_teachers_slider_change_is_sent_by_the_run_it_starts(url, store_address):
    """A slider of the Playground reruns only its fragment (ui/scenario.py): that run sends the
    new setup, so it does not wait for the class bar's next tick (a second on a student's way)."""
    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        teacher.page = ""
        await teacher.rerun()
        _, _, failed = await teacher.slide("kernel_h", 3)  # a fragment's run, no timer follows it
        assert not failed
        setup = store.load(code, time.time()).setup
        await teacher.close()
        return setup

    setup = run(lesson())
    assert setup.page == ""
    assert setup.controls["kernel_h"] == 3


def test_a_following_students_tick_draws_nothing(url):
    """60 students' tabs each ask for a rerun every second: a student's tick reads the lesson's
    version and draws nothing (their bar is drawn by the page), so it costs what Streamlit's own
    empty fragment does; the teacher's tick redraws the counts."""

    async def lesson():
        teacher, code = await _teacher(url)
        student = await Session.open(url, f"class={code}")
        assert any("you follow the teacher" in text for text in student.texts)  # the page drew the bar
        drawn = await student.tick(), await teacher.tick()
        await student.close()
        await teacher.close()
        return drawn

    student_drawn, teacher_drawn = run(lesson())
    assert student_drawn == 0
    assert teacher_drawn > 0
