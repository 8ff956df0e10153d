"""A lesson deck in class through AppTest (issue 30 §1): the teacher picks a built-in deck in
the cockpit, starts it and steps through it; every following student gets each step's setup;
the step's words are plain text for the teacher and the projector; a step's question goes
through the class's usual question flow; the teacher leaves the deck for a live setup and
comes back; a deck file and a ``?deck=`` link, good and bad. One store (conftest's SQLite)."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from classroom.deck import deck_link, deck_to_json, words
from classroom.deck_library import BUILT_IN
from classroom.setups import sent_setup, setup_values
from tests.conftest import alerts, grids_on_page, open_app, teachers_new_session

DECK = BUILT_IN["padding"]  # its 4th step switches count_include_pad off


def _rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _lesson(code: str):
    from ui.classroom import class_store

    return class_store().load(code, time.time())


def _teacher(query: dict[str, str] | None = None) -> AppTest:
    at = open_app(query, page="pages/live_class.py")
    at.button(key="class_start").click()
    return _rerun(at)


def _code(at: AppTest) -> str:
    return at.session_state["class_seat"].code


def _texts(at: AppTest) -> list[str]:
    return [element.value for element in at.text]


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return _rerun(at)


def _expander(at: AppTest, label: str):
    from i18n import text

    return next(expander for expander in at.expander if expander.label == text("en", label))


def _controls_of(step_index: int) -> dict[str, object]:
    return setup_values(DECK.steps[step_index].setup)


@pytest.fixture
def stepped() -> tuple[AppTest, AppTest, str]:
    """A teacher who started the padding deck, and one following student."""
    teacher = _teacher()
    teacher.selectbox(key="class_deck_pick").set_value("padding")
    _click(_rerun(teacher), "class_deck_start")
    code = _code(teacher)
    return teacher, open_app({"class": code}), code


def test_the_teacher_starts_a_deck_and_every_follower_gets_each_step(stepped):
    teacher, student, code = stepped
    lesson = _lesson(code)
    assert lesson.deck == deck_to_json(DECK) and lesson.step == 0
    assert lesson.setup == sent_setup(DECK.steps[0].setup)
    assert any(f"step 1 of {len(DECK.steps)}" in text for text in (m.value for m in teacher.markdown))
    assert words(DECK.steps[0].text, "en") in _texts(teacher)  # the step's words, as plain text
    for key, value in _controls_of(0).items():
        assert student.session_state[key] == value, key
    for index in (1, 2, 3):
        _click(teacher, "class_deck_next")
        assert _lesson(code).step == index and words(DECK.steps[index].text, "en") in _texts(teacher)
        _rerun(student)  # the student's listener heard the new version
        assert all(student.session_state[key] == value for key, value in _controls_of(index).items())
    assert student.session_state["count_include_pad"] is False  # the 4th step's own setup
    projector = open_app({"class": code, "view": "projector"})
    assert words(DECK.steps[3].text, "en") in _texts(projector)
    _click(teacher, "class_deck_prev")
    assert _lesson(code).step == 2
    _rerun(student)
    assert student.session_state["count_include_pad"] is True


def test_a_steps_question_is_asked_answered_and_revealed_then_the_deck_moves_on(stepped):
    teacher, student, code = stepped
    _click(teacher, "class_deck_next")  # step 2: "What does the corner, ∂L/∂x[0, 0], get?"
    assert teacher.button(key="class_deck_ask").label == "Ask this step's question: ∂L/∂x[0, 0]"
    _click(teacher, "class_deck_ask")
    question = _lesson(code).question
    assert (question.kind, question.cell, question.truth) == ("grad_input", (0, 0), pytest.approx(1 / 9))
    assert teacher.button(key="class_deck_next").disabled  # the deck waits for the reveal
    _rerun(student)
    assert student.session_state["current_page"] == "live_class"
    student.text_input(key="class_answer").set_value("1/9")
    student.button(key="FormSubmitter:class_answer_form-Send").click()
    _rerun(student)
    _click(teacher, "class_reveal")
    _rerun(student)
    assert any("Right!" in text for text in alerts(student))
    _click(teacher, "class_deck_next")
    lesson = _lesson(code)
    assert lesson.step == 2 and lesson.question is None and [q.number for q in lesson.asked] == [1]


def test_a_steps_question_prepared_shows_students_no_answer_until_it_is_asked(stepped):
    """The padding deck's step 2 says "What does the corner, ∂L/∂x[0, 0], get?": the teacher
    prepares it, and no student reads ∂L/∂x before it is asked (it printed 1/9)."""
    teacher, student, code = stepped
    _click(teacher, "class_deck_next")
    teacher.toggle(key="class_preparing").set_value(True)
    _rerun(teacher)
    assert _lesson(code).preparing
    _rerun(student)
    assert student.session_state["current_page"] == "live_class"
    assert any("preparing a question" in text for text in alerts(student)), alerts(student)
    assert [grid["key"] for grid in grids_on_page(student)] == ["x", "y", "grad_output"]
    assert teacher.toggle(key="class_preparing").value is True  # the cockpit says so
    _click(teacher, "class_deck_ask")
    assert not _lesson(code).preparing
    _click(teacher, "class_reveal")
    _click(teacher, "class_deck_next")
    assert teacher.toggle(key="class_preparing").value is False  # the lesson's state, not the widget's last


def test_the_teacher_leaves_the_deck_for_a_live_setup_and_comes_back(stepped):
    teacher, student, code = stepped
    version = _lesson(code).version
    teacher.switch_page("pages/playground.py")
    _rerun(teacher)  # the teacher's sidebar now shows the step: it sends nothing new
    assert teacher.session_state["kernel_h"] == 3 and _lesson(code).version == version
    teacher.slider(key="kernel_h").set_value(2)
    _rerun(teacher)
    assert _lesson(code).setup.controls["kernel_h"] == 2 and _lesson(code).step == 0  # the place is kept
    _rerun(student)
    assert student.session_state["kernel_h"] == 2
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher)
    assert any("the deck waits at step 1" in text for text in alerts(teacher))
    assert not [button for button in teacher.button if button.key == "class_deck_ask"]
    _click(teacher, "class_deck_back")
    assert _lesson(code).setup == sent_setup(DECK.steps[0].setup)
    _rerun(student)
    assert student.session_state["kernel_h"] == 3


def test_a_bad_deck_file_is_said_and_changes_nothing(stepped):
    teacher, _, code = stepped
    before = _lesson(code)
    bad = b'{"format": "avgpool-deck", "version": 1, "steps": [{"controls": {"kernel_h": 40}}]}'
    teacher.get("file_uploader")[0].set_value(("deck.json", bad, "application/json"))
    _rerun(teacher)
    assert any("Step 1, field “kernel_h”" in text and "“40”" in text for text in alerts(teacher)), alerts(teacher)
    assert _lesson(code) == before
    # Said beside the uploader (under "Another deck"), not in the editor's expander, which may be closed.
    other, editor = (_expander(teacher, key) for key in ("class.deck_other", "class.deck_edit"))
    assert any("“40”" in warning.value for warning in other.warning), [w.value for w in other.warning]
    assert not editor.warning
    good = deck_to_json(BUILT_IN["gaps"]).encode()
    teacher.get("file_uploader")[0].set_value(("gaps.json", good, "application/json"))
    _rerun(teacher)
    assert teacher.selectbox(key="class_deck_pick").value == "file"
    _click(teacher, "class_deck_start")
    assert _lesson(code).deck == deck_to_json(BUILT_IN["gaps"]) and _lesson(code).step == 0


def test_a_deck_link_opens_in_the_picker_and_a_bad_one_is_said():
    packed = deck_link(BUILT_IN["padding"]).split("deck=")[1]
    waiting = open_app({"deck": packed}, page="pages/live_class.py")
    assert any("“Padding, counted or not”, is ready" in text for text in alerts(waiting))
    assert not any("ignored" in text for text in alerts(waiting))  # deck= is a known parameter
    teacher = _click(waiting, "class_start")
    assert teacher.selectbox(key="class_deck_pick").value == "link"
    _click(teacher, "class_deck_start")
    assert _lesson(_code(teacher)).deck == deck_to_json(BUILT_IN["padding"])
    broken = open_app({"deck": packed[:-40]}, page="pages/live_class.py")
    assert any("damaged" in text for text in alerts(broken)), alerts(broken)


def test_a_deck_links_title_is_quoted_as_typed_never_as_markdown():
    """A ``?deck=`` link is anyone's: its title is said in the 'ready' note as typed."""
    from dataclasses import replace

    title = "[Log in](//e.vil)"
    packed = deck_link(replace(BUILT_IN["padding"], title={"en": title})).split("deck=")[1]
    waiting = open_app({"deck": packed}, page="pages/live_class.py")
    assert any(f"“{title}”, is ready" in text for text in alerts(waiting)), alerts(waiting)
    bodies = [item.value for kind in ("error", "warning", "info", "success") for item in getattr(waiting, kind)]
    assert not any("](//" in body for body in bodies), bodies  # escaped: no link comes of it


def test_the_cockpit_says_what_to_click_before_any_setup():
    teacher = _teacher({"lang": "zh"})
    assert any("点击其中一个格子" in text for text in alerts(teacher))
    _click(teacher, "class_use_default")
    assert _lesson(_code(teacher)).setup is not None
    assert teacher.button(key="class_ask").disabled  # the cockpit's own grids: click a cell on them


def test_the_teacher_edits_the_deck_in_class(stepped):
    """Add the class's setup as a step (the cell picked on the cockpit's grids its question),
    move it, edit its words, remove it: each a new deck in the lesson, read back as a file (an
    edit the file would refuse is said, and changes nothing)."""
    from classroom.deck import stored_deck
    from tests.conftest import select_cell

    teacher, student, code = stepped
    teacher.switch_page("pages/playground.py")
    _rerun(teacher).slider(key="kernel_h").set_value(4)  # a setup of the teacher's own
    _rerun(teacher)
    teacher.switch_page("pages/live_class.py")
    _rerun(teacher)
    select_cell(teacher, "class_pick_grids", "output", 1, 1, "output")  # y is 1x1 now: no y[1, 1]
    _rerun(teacher)
    before = _lesson(code)
    _click(teacher, "class_deck_add")
    assert any("Step 2, field “question.cell”" in text for text in alerts(teacher)) and _lesson(code) == before
    select_cell(teacher, "class_pick_grids", "output", 0, 0, "output")
    _rerun(teacher)
    assert teacher.button(key="class_deck_add").label.endswith("step 2, asking y[0, 0]")
    _click(teacher, "class_deck_add")
    lesson = _lesson(code)
    added = stored_deck(lesson.deck).steps[1]
    assert len(stored_deck(lesson.deck).steps) == len(DECK.steps) + 1 and lesson.step == 0
    assert added.setup.controls["kernel_h"] == 4 and (added.question.kind, added.question.cell) == ("output", (0, 0))
    _click(teacher, "class_deck_next")  # the new step goes to the class, its words empty
    assert _lesson(code).setup.controls["kernel_h"] == 4
    assert _rerun(student).session_state["kernel_h"] == 4
    teacher.text_area(key="class_deck_words").set_value("[A new step](//e.vil) of my own")
    _click(teacher, "class_deck_save_words")
    assert stored_deck(_lesson(code).deck).steps[1].text["en"] == "[A new step](//e.vil) of my own"
    assert "[A new step](//e.vil) of my own" in _texts(teacher)  # as typed: plain text, no link
    _click(teacher, "class_deck_up")
    lesson = _lesson(code)
    assert lesson.step == 0 and stored_deck(lesson.deck).steps[0].setup.controls["kernel_h"] == 4
    _click(teacher, "class_deck_remove")
    lesson = _lesson(code)
    assert stored_deck(lesson.deck) == stored_deck(deck_to_json(DECK)) and lesson.step == 0
    assert any("the deck waits at step 1" in text for text in alerts(teacher))  # the class still shows the removed step


def test_a_teachers_new_session_finds_the_deck_at_its_step(stepped):
    """A reload of the cockpit (or a new tab, or the replica lost under it) is a new session:
    the deck and its step come from the store (``teachers_new_session``)."""
    teacher, _, code = stepped
    _click(teacher, "class_deck_next")
    reloaded = teachers_new_session(teacher, code)
    assert any(f"step 2 of {len(DECK.steps)}" in m.value for m in reloaded.markdown)
    assert words(DECK.steps[1].text, "en") in _texts(reloaded)
    _click(reloaded, "class_deck_next")
    assert _lesson(code).step == 2
