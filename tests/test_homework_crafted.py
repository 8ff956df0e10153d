"""Homework sent what no browser sends, over Streamlit's protocol as a modified browser could
(harness/client.py), to a real server: a step index, an answer, a nickname and a report secret
that no page offers. Each gets a message, never an exception, and nothing of it is kept."""

from __future__ import annotations

import time

import pytest

from classroom import homework as hw
from classroom.deck import deck_to_json
from classroom.deck_library import BUILT_IN
from classroom.homework_store import open_homework_store
from harness.client import Session, run, server

HUGE = "[" * 200_000


@pytest.fixture(scope="module")
def url():
    with server() as (address, _):
        yield address


@pytest.fixture
def homework() -> tuple[str, str]:
    """A homework of the classic deck, a nickname asked, in the store the server uses (CLASS_STORE)."""
    secret = hw.new_secret()
    homework = hw.assign(secret, deck_to_json(BUILT_IN["classic"]), True, time.time())
    assert open_homework_store().create(homework, time.time())
    return homework.code, secret


async def _open(url: str, query: str) -> Session:
    tab = await Session.open(url, query, page="homework")
    for _ in range(3):  # a fresh server's first run goes through the router
        if any("Step " in text or "report" in text or "homework" in text.lower() for text in tab.texts):
            break
        await tab.rerun()
    return tab


def _texts_of(url: str, query: str, *sends: tuple[str, dict]) -> list[str]:
    """Open the homework at ``query``, send each (key, value) in turn (a key ending in a
    button's name is a trigger), assert no exception; the texts of every run."""

    async def crafted():
        tab = await _open(url, query)
        texts = list(tab.texts)
        try:
            for key, value in sends:
                states = [tab.state(name, **field) for name, field in value.items()] if key == "form" else [
                    tab.state(key, **value)]  # fmt: skip
                _, _, failed = await tab.rerun(*states)
                assert not failed, (key, value)
                texts += tab.texts
            _, _, failed = await tab.rerun()
            assert not failed, "an exception stayed for the next run"
            return texts + tab.texts
        finally:
            await tab.close()

    return run(crafted())


@pytest.mark.parametrize(("step", "said"), [("5", "the next one you can open is step 2"), ("0", "steps 1 to 6"),
                                            ("-1", "steps 1 to 6"), ("1e9", "steps 1 to 6"), ("٣", "steps 1 to 6"),
                                            ("9" * 5000, "steps 1 to 6")], ids=str.__len__)  # fmt: skip
def test_a_crafted_step_in_the_link_gets_a_message(url, homework, step, said):
    texts = _texts_of(url, f"hw={homework[0]}&step={step}")
    assert any(said in text for text in texts), texts


@pytest.mark.parametrize(
    ("typed", "said"),
    [(HUGE, "is not a number"), ("nan", "is not a number"), ("1e400", "too large"), ("1/0", "")],
    ids=["huge", "nan", "1e400", "1/0"],
)
def test_a_crafted_answer_gets_a_message_and_is_not_kept(url, homework, typed, said):
    answer = {"homework_answer": {"string_value": typed}, "homework_check": {"trigger_value": True}}
    texts = _texts_of(url, f"hw={homework[0]}&step=2", ("form", answer))
    assert not any("Right!" in text or "Not quite" in text for text in texts), texts
    assert any(said in text for text in texts), texts
    assert all(not progress.answers for progress in open_homework_store().progresses(homework[0]))


@pytest.mark.parametrize("typed", ["a\u202eb", "a\nb", "\x00"], ids=["rtl", "newline", "nul"])
def test_a_crafted_nickname_gets_a_message_and_is_not_stored(url, homework, typed):
    said = "plain text on one line"
    name = {"homework_nickname": {"string_value": typed}, "homework_nickname_save": {"trigger_value": True}}
    texts = _texts_of(url, f"hw={homework[0]}", ("form", name))
    assert any(said in text for text in texts), texts
    assert all(progress.nickname is None for progress in open_homework_store().progresses(homework[0]))


def test_a_nickname_of_200000_characters_is_cut_to_its_box_before_the_app_reads_it(url, homework):
    """Streamlit keeps a text box's value within its ``max_chars``, whatever the browser sends."""
    name = {"homework_nickname": {"string_value": HUGE}, "homework_nickname_save": {"trigger_value": True}}
    _texts_of(url, f"hw={homework[0]}", ("form", name))
    kept = [progress.nickname for progress in open_homework_store().progresses(homework[0])]
    assert kept in ([], [None]) or all(len(name or "") <= hw.MAX_NICKNAME for name in kept), kept


@pytest.mark.parametrize("secret", ["", "x", "[" * 5000, "%00"], ids=["empty", "short", "long", "nul"])
def test_a_crafted_report_secret_gets_a_message(url, homework, secret):
    texts = _texts_of(url, f"hw={homework[0]}&report={secret}")
    assert any("This report link is not right" in text for text in texts), texts
    assert not any("Started:" in text for text in texts)


def test_next_past_the_last_step_gets_a_message(url, homework):
    sends = [("homework_next", {"trigger_value": True})] * 7
    texts = _texts_of(url, f"hw={homework[0]}", *sends)
    assert any("Step 6 of 6" in text or "last step" in text for text in texts), texts


def test_one_browser_cannot_fill_the_server_with_homework(url):
    """The server keeps 1,000 homeworks: one browser may assign 5 per 10 minutes (its network
    30), as with classes (ui/classroom.py ``start_limits``), so it cannot lock a school out."""
    import requests

    from classroom.model import new_student

    async def assigns():
        browser = requests.Session()
        browser.cookies.set("avgpool_student", new_student())
        said = []
        for _ in range(6):
            tab = await Session.open(url, "", browser, page="live_class")
            while "homework_assign" not in tab.widgets:
                await tab.rerun()
            await tab.rerun(tab.state("homework_assign", trigger_value=True))
            said.append(" ".join(tab.texts))
            await tab.close()
        return said

    said = run(assigns())
    assert all("assigned: kept for" in text for text in said[:5]), said
    assert "assigned a lot of homework" in said[5] and "assigned: kept for" not in said[5], said[5]
