"""The class bar: one line at the top of every page while this tab is in a live class.

The teacher reads who follows and how many have answered (redrawn when the class's events
stream says it changed); a student
reads whether the teacher's changes arrive, with one button to explore alone or to follow
again, and is told of a question while exploring. The projector's page says it all itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from classroom.model import Seat
from classroom.store import ClassStore
from ui.lang import tr

__all__ = ["class_bar"]


def _display() -> dict[str, str]:
    """The display settings a link keeps (language, presentation mode, palette)."""
    return {key: st.query_params[key] for key in ("lang", "present", "palette") if key in st.query_params}


def class_bar(current: Seat, store: ClassStore | None, down: bool, on_explore: Callable, on_follow: Callable) -> None:
    """This tab's line about its class (``store`` None: it cannot be reached now); the
    buttons call ``on_explore`` and ``on_follow`` (ui.classroom's transitions)."""
    if down or store is None:
        st.warning(tr("class.down", code=current.code), icon=":material/cloud_off:")
        return
    if current.role == "teacher":
        _teacher_line(current, store)
    elif current.role == "student":
        _student_line(current, on_explore, on_follow)
    else:
        _projector_line(current, store)


def _teacher_line(current: Seat, store: ClassStore) -> None:
    now = time.time()
    present, following = store.presence(current.code, now)
    lesson = store.load(current.code, now)
    question = lesson.question if lesson else None
    answered, count = "", 0
    if question is not None:
        count = store.answer_count(current.code, question.number, question.vote)
        answered = tr("class.bar_answered", count=count)
    left, right = st.columns([4, 1], vertical_alignment="center")
    # Students who answered have joined, even if none was seen in the last PRESENCE_WINDOW
    # (their tabs closed, or their streams not yet reconnected): the count is never hidden.
    line = "class.bar_teacher" if present or count else "class.bar_teacher_alone"
    left.info(
        tr(line, code=current.code, following=following, present=present, answered=answered),
        icon=":material/co_present:",
    )
    right.page_link(
        "pages/live_class.py",
        label=tr("class.cockpit"),
        icon=":material/dashboard:",
        query_params={"class": current.code, **_display()},
    )


def _projector_line(current: Seat, store: ClassStore) -> None:
    """How many are in the class, and during a question how many have answered (not what)."""
    now = time.time()
    present, _ = store.presence(current.code, now)
    lesson = store.load(current.code, now)
    if lesson is not None and lesson.question is not None and not lesson.question.revealed:
        count = store.answer_count(current.code, lesson.question.number, lesson.question.vote)
        st.markdown(tr("class.projector_answered", code=current.code, count=count, present=present))
    else:
        st.markdown(tr("class.projector_present", code=current.code, present=present))


def _student_line(current: Seat, on_explore: Callable, on_follow: Callable) -> None:
    left, right = st.columns([4, 1], vertical_alignment="center")
    if current.following:
        left.info(tr("class.bar_following", code=current.code), icon=":material/sync:")
        right.button(tr("class.explore"), key="class_explore", on_click=on_explore, width="stretch")
        return
    question = st.session_state.get("class_question")
    asked = question is not None and not question.revealed
    left.info(
        tr("class.bar_exploring_question" if asked else "class.bar_exploring", code=current.code),
        icon=":material/explore:",
    )
    right.button(tr("class.follow"), key="class_follow", on_click=on_follow, type="primary", width="stretch")
    if asked:  # answering does not need following: the question has its own page
        here = {"class": current.code, **_display()}
        right.page_link("pages/live_class.py", label=tr("class.answer_it"), icon=":material/edit:", query_params=here)
