"""Only the teacher drives a class: students' tabs, over Streamlit's own protocol as a modified
browser would speak it (harness/client.py), against a real server, try every teacher's button,
the projector's view before the reveal, crafted answers and guessed codes; and the teacher's
own change leaves with the run it starts. The class is read back from the store this module's
server keeps (its own SQLite file)."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from classroom import model
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


async def _guessing(url: str, store_address: str, guessers: int) -> tuple[list[str], str, str, str]:
    """A class; ``guessers`` tabs at once, each with its own address and no cookies, try a wrong
    code; then a student types the right code, and another opens the join link (its key)."""
    import requests

    teacher, code = await _teacher(url)

    async def guess(number: int) -> str:
        hostile = requests.Session()  # no cookies, and an address of its own
        hostile.headers["X-Forwarded-For"] = f"198.51.100.{number}"
        wrong = next(letter for letter in "ACDEF" if letter != code[0]) + code[1:]
        tab = await Session.open(url, f"class={wrong}", hostile)
        await tab.close()
        return " ".join(tab.texts)

    said = await asyncio.gather(*(guess(number) for number in range(guessers)))
    typed = await Session.open(url, f"class={code}")
    key = model.join_key(open_store(store_address).load(code, time.time()))
    linked = await Session.open(url, f"class={code}&key={key}")
    assert f"key={key}" in teacher.location  # the teacher's own address: a reload joins at once
    reloaded = await Session.open(url, teacher.location)
    for tab in (teacher, typed, linked, reloaded):
        await tab.close()
    return said, " ".join(typed.texts), " ".join(linked.texts) + " ".join(reloaded.texts), code


def test_guessers_from_many_addresses_at_once_are_bounded_and_the_link_always_joins(tmp_path):
    """Eight tabs guess at once, each from its own address (as a proxy the deployment trusts
    forwards them): the deployment looks up at most its wrong codes per minute (3 here), and
    says so to the rest; then a right code typed waits too, told that the link joins, and the
    join link joins at once (docs/live-class.md: the bound)."""
    store_address = f"sqlite:///{tmp_path}/classes.sqlite3"
    limit = {"CLASS_WRONG_CODES_PER_MINUTE": "3", "CLASS_TRUSTED_PROXIES": "127.0.0.1"}
    with server(env={"CLASS_STORE": store_address, **limit}) as (address, _):
        said, typed, linked, code = run(_guessing(address, store_address, 8))
    looked_up = [text for text in said if "No class has the code" in text]
    refused = [text for text in said if "Too many wrong class codes" in text]
    # Never more than the limit; tabs counted at the same moment may refuse each other, so on a
    # loaded machine fewer may be looked up (seen: 2 and 6), never none, and every tab is told.
    assert 1 <= len(looked_up) <= 3 and len(looked_up) + len(refused) == 8, said
    assert "Too many wrong class codes" in typed and "you follow the teacher" not in typed, typed
    assert "open the link" in typed.lower() or "the QR code" in typed
    assert linked.count(f"Class {code}") == 2 and "Too many" not in linked, linked  # the link, the reload


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


def test_no_tab_of_a_class_has_a_timer_to_tick(url):
    """A student's and the teacher's tab are redrawn by push (ui/classroom.py): neither has a
    fragment timer, so a tick has nothing to run (app.py's reconnect fragment never fires)."""

    async def lesson():
        teacher, code = await _teacher(url)
        student = await Session.open(url, f"class={code}")
        assert any("you follow the teacher" in text for text in student.texts)  # the page drew the bar
        drawn = await student.tick(), await teacher.tick()
        timers = [interval for tab in (student, teacher) for interval, _ in tab.timers.values()]
        await student.close()
        await teacher.close()
        return drawn, timers

    drawn, timers = run(lesson())
    assert drawn == (0, 0)
    assert all(interval >= 24 * 3600 for interval in timers), timers


def test_a_student_tab_cannot_start_step_ask_or_close_a_deck(url, store_address):
    """The deck's buttons (issue 30 §1), each crafted from a student's tab that drew none of
    them, then from a tab that drew them but holds no secret for the class its code names."""
    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        student = await Session.open(url, f"class={code}", page="live_class")
        before = store.load(code, time.time())
        student.widgets["class_deck_start"] = teacher.widgets["class_deck_start"]
        _, _, failed = await student.rerun(student.state("class_deck_start", trigger_value=True))
        assert not failed and store.load(code, time.time()) == before  # no deck started
        await teacher.rerun(teacher.state("class_deck_start", trigger_value=True))
        await teacher.rerun(teacher.state("class_deck_next", trigger_value=True))  # step 2 asks ∂L/∂x[0, 0]
        await teacher.rerun()
        stepped = store.load(code, time.time())
        assert stepped.deck is not None and stepped.step == 1
        keys = ("class_deck_next", "class_deck_prev", "class_deck_ask", "class_deck_close")
        student.widgets.update({key: teacher.widgets[key] for key in keys})
        for key in keys:
            _, _, failed = await student.rerun(student.state(key, trigger_value=True))
            assert not failed and store.load(code, time.time()) == stepped, key  # nothing moved, asked or closed
        # The server-side check itself: the teacher's tab, its code now another teacher's class.
        store.delete(code)
        other = model.start(code, "another teacher's secret")
        assert store.create(other, time.time())
        opened = model.go_to_step(model.open_deck(other, stepped.deck), 1, stepped.setup)  # its own deck
        assert store.save(opened, other.version, time.time())
        other = store.load(code, time.time())
        for key in ("class_deck_next", "class_deck_ask", "class_deck_close"):
            _, _, failed = await teacher.rerun(teacher.state(key, trigger_value=True))
            assert not failed and store.load(code, time.time()) == other, key
        for session in (teacher, student):
            await session.close()

    run(lesson())
