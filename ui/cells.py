"""A "which cells" question on the Live class page (issue 30 §4): the student taps cells on
their own grid, the cockpit sees the taps come in, the reveal shows how many tapped each cell.

The rules are ``classroom/cells.py``. A tap is the grid component's click, tap, Space or Enter
(``figures.grids.read_selection`` checks it against the grid drawn: a crafted cell outside it is
no tap); each toggles the cell in this session's set, kept on the server until Send, which
encodes it as a mask and stores it (``ClassStore.answer_cells``), refused once the vote is closed.
Nothing of the answers is drawn for a student or the projector before the reveal.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import streamlit as st

from classroom.cells import (
    CellsError,
    answer_sets,
    cells_label,
    cells_moves,
    cells_tally,
    encode_mask,
    grade,
    read_mask,
)
from classroom.events import tell_watchers
from classroom.model import Lesson, Question
from figures.views import cells_answer_grid, cells_count_grid
from scenario.compute import Computed
from ui import classroom
from ui.display import select_cell, selected_cell, show_grids
from ui.lang import current_language, tr
from ui.peer import given_sure, open_vote, show_button, shown_controls, sure_choice

__all__ = [
    "TAP_KEY",
    "cells_form",
    "cells_live",
    "cells_results",
    "cells_verdict",
    "mine_cells",
    "send_cells",
    "tap_grid",
    "tapped",
    "wrong_text",
]

TAP_KEY = "class_cells_grid"  # the student's grid: its selection is a tap, consumed at once


def _tapped_key(question: Question) -> str:
    return f"class_cells_{question.number}_{question.vote}"  # a new set for each question and vote


def tapped(state_key: str) -> frozenset[tuple[int, int]]:
    """The set tapped so far, kept in this session under ``state_key``."""
    return st.session_state.get(state_key, frozenset())


def _tapped(question: Question) -> frozenset[tuple[int, int]]:
    return tapped(_tapped_key(question))


def _take_tap(grid_key: str, state_key: str, shape: tuple[int, int]) -> None:
    """The cell the grid reported since the last run (already checked against the grid drawn)
    toggles in the set; the selection is consumed, so no other rerun toggles it again."""
    tap = selected_cell(grid_key)
    if tap is None:
        return
    select_cell(grid_key, None)
    cell = (tap.row, tap.col)
    if 0 <= cell[0] < shape[0] and 0 <= cell[1] < shape[1]:
        st.session_state[state_key] = tapped(state_key) ^ {cell}


def clear(state_key: str) -> None:
    st.session_state[state_key] = frozenset()


def tap_grid(question: Question, computed: Computed, *, grid_key: str, state_key: str, file_prefix: str) -> None:
    """The grid a student taps (a tap since the last run taken first), and the set tapped."""
    _take_tap(grid_key, state_key, question.grid)
    cells = tapped(state_key)
    st.caption(tr("class.cells_tap"))
    grid = cells_answer_grid(computed, question.kind, sorted(cells), current_language())
    show_grids({"answer": grid}, key=grid_key, file_prefix=file_prefix, columns=1, phone_columns=1, room_below=0)
    st.markdown(tr("class.cells_tapped", cells=written(cells)))


def written(cells) -> str:
    """A set as the page writes it (``∅`` said as "none")."""
    return cells_label(cells) if cells else tr("class.cells_none")


def cells_form(question: Question, computed: Computed, code: str) -> None:
    """The student's answer: their grid (tap, or Tab, arrows and Space), the set tapped, how
    sure, Clear and Send."""
    state_key = _tapped_key(question)
    tap_grid(question, computed, grid_key=TAP_KEY, state_key=state_key,
             file_prefix=f"avgpool_class_{code}_q{question.number}_cells")  # fmt: skip
    sure_choice()
    left, send = st.columns(2)
    left.button(tr("class.cells_clear"), key="class_cells_clear", icon=":material/backspace:", on_click=clear,
                args=(state_key,), width="stretch")  # fmt: skip
    send.button(tr("class.send"), key="class_cells_send", type="primary", icon=":material/send:", on_click=send_cells,
                args=(question,), width="stretch")  # fmt: skip


def send_cells(question: Question) -> None:
    """Send the set tapped (a callback): as a mask read back against the question's grid, kept
    one per student and vote with the confidence given; refused once the vote is closed (by the
    store's time, checked here, on the server)."""
    current = classroom.seat()
    try:
        mask = encode_mask(_tapped(question), question.grid)
        read_mask(mask, question.grid)
    except CellsError as error:
        st.session_state.class_unreadable = tr(f"class.cells_{error.key}")
        return
    with classroom.class_action("send"):
        store, vote = classroom.reachable_store(), open_vote(question)
        if vote is None:
            return
        try:
            kept = store.answer_cells(current.code, question.number, current.student, mask, time.time(), vote,
                                      given_sure())  # fmt: skip
        except CellsError as error:
            st.session_state.class_unreadable = tr(f"class.cells_{error.key}")
            return
        if not kept:
            st.session_state.class_unreadable = tr("class.answers_full")
            return
        tell_watchers(current.code)  # the teacher's count and the projector's, by push


def mine_cells(lesson: Lesson, question: Question, student: str, vote: int) -> frozenset | None:
    """This student's set in ``vote`` (None: not answered)."""
    mask = classroom.reachable_store().cell_answers(lesson.code, question.number, vote).get(student)
    return None if mask is None else answer_sets({student: mask}, question.grid).get(student)


def cells_verdict(question: Question, mine: frozenset | None) -> None:
    """The student's verdict after the reveal, cell by cell, the misconception named."""
    explanation = question.explanation.get(current_language(), "")
    if mine is None:
        st.info(tr("class.no_answer", explanation=explanation), icon=":material/lightbulb:")
        return
    verdict = grade(question.cells, mine)
    if verdict.right:
        st.success(tr("class.cells_right", count=len(question.cells), explanation=explanation),
                   icon=":material/lightbulb:")  # fmt: skip
        return
    st.info(wrong_text(question, mine, explanation), icon=":material/lightbulb:")


def wrong_text(question: Question, mine: frozenset, tail: str) -> str:
    """A wrong set's verdict: how many of the right cells were tapped, which were missed and
    which tapped wrongly, the misconception if the set is one, then ``tail``."""
    verdict = grade(question.cells, mine)
    key = next((key for key, cells in question.cell_mistakes if set(cells) == set(mine)), None)
    meaning = tr("class.maybe", meaning=tr(f"class.mistake_cells_{key}")) if key else ""
    return tr("class.cells_wrong", hit=verdict.hit, count=len(question.cells), missed=written(verdict.missed),
              wrong=written(verdict.wrong), meaning=meaning, explanation=tail)  # fmt: skip


def _tally(lesson: Lesson, question: Question, vote: int):
    masks = classroom.reachable_store().cell_answers(lesson.code, question.number, vote)
    sets = answer_sets(masks, question.grid)
    return cells_tally(question.cells, question.cell_mistakes, question.grid, sets), sets


def _wrong_lines(common) -> list[str]:
    return [
        tr("class.wrong_line", answer=label, count=count, meaning=tr(f"class.mistake_cells_{key}"))
        if key
        else tr("class.wrong_plain", answer=label, count=count)
        for label, count, key in common
    ]


def _heat(result, question: Question, key: str, where) -> None:
    grid = cells_count_grid(result.counts, list(question.cells), tr("class.cells_heat"), tr("class.cells_heat_name"),
                            current_language())  # fmt: skip
    with where:
        show_grids({"counts": grid}, key=key, file_prefix=f"avgpool_class_q{question.number}_taps", columns=1,
                   phone_columns=1, room_below=0)  # fmt: skip


def cells_live(lesson: Lesson, question: Question) -> None:
    """The cockpit alone, before the reveal: the taps of the vote as they come in."""
    vote = 1 if question.discussing else question.vote
    result, _ = _tally(lesson, question, vote)
    st.markdown(
        tr("peer.live_vote", vote=vote) if question.vote == 2 or question.discussing else tr("peer.live_header")
    )
    if not result.total:
        st.caption(tr("peer.live_none", truth=written(question.cells)))  # the cockpit alone: the right set
        return
    words, chart = st.columns([1, 1], gap="medium")
    words.markdown(tr("peer.live_count", right=result.right, total=result.total, truth=written(question.cells)))
    for index, (line, (label, _, _)) in enumerate(zip(_wrong_lines(result.common_wrong), result.common_wrong)):
        words.markdown(line)
        show_button(words, question, lesson.code, label, index)  # for discussion, on the projector
    shown_controls(words, question, lesson.code)
    _heat(result, question, "class_cells_live", chart)


def cells_results(lesson: Lesson, question: Question, stacked: bool = False) -> None:
    """After the reveal: how many were entirely right, the taps as a heat map with the right
    cells outlined, the named wrong sets, both votes and who moved, how sure the class was."""
    result, sets = _tally(lesson, question, question.vote)
    words, chart = (st.container(), st.container()) if stacked else st.columns([1, 1], gap="large")[::-1]
    words.markdown(tr("class.cells_results", right=result.right, total=result.total, count=len(question.cells)))
    lines = _wrong_lines(result.common_wrong)
    if lines:
        words.markdown(tr("class.common_wrong") + "\n" + "\n".join(f"- {line}" for line in lines))
    if question.vote == 2:
        one, first = _tally(lesson, question, 1)
        words.markdown(tr("peer.results_votes", right1=one.right, total1=one.total, right2=result.right,
                          total2=result.total))  # fmt: skip
        moved = _wrong_lines_moved(cells_moves(question.cells, question.cell_mistakes, first, sets))
        words.markdown(tr("peer.moved_header") + "\n" + "\n".join(f"- {line}" for line in moved) if moved else
                       tr("peer.moved_none"))  # fmt: skip
    _confidence(lesson, question, sets, words)
    words.success(question.explanation.get(current_language(), ""), icon=":material/lightbulb:")
    if result.total:
        _heat(result, question, "class_cells_counts", chart)


def _wrong_lines_moved(moved) -> list[str]:
    return [
        tr("peer.moved_line", answer=label, count=count, meaning=tr(f"class.mistake_cells_{key}"))
        if key
        else tr("peer.moved_plain", answer=label, count=count)
        for label, count, key in moved
    ]


def _confidence(lesson: Lesson, question: Question, sets: Mapping[str, frozenset], words) -> None:
    said = classroom.reachable_store().confidences(lesson.code, question.number, question.vote)
    right = {student for student, cells in sets.items() if grade(question.cells, cells).right}
    sure = [student for student in sets if said.get(student) is True]
    unsure = [student for student in sets if said.get(student) is False]
    if sure or unsure:
        words.caption(tr("peer.confidence_line", sure=len(sure), sure_right=len(right.intersection(sure)),
                         unsure=len(unsure), unsure_right=len(right.intersection(unsure))))  # fmt: skip
