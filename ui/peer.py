"""The teacher's control of a question's answers and peer instruction, on the Live class page
(issue 30 §2-§3): what the teacher sees before the class does, closing the answers (now or after
a countdown), vote, discuss, vote again, one wrong answer on the projector, and pause.

The rules are ``classroom/model.py`` (``accepting``, ``close_answers``, ``discuss``,
``vote_again``, ``show_answer``, ``pause``, ``moves``, ``confidence``); every button here is a
teacher's action, checked server-side by ``classroom.teacher_change`` (a student's tab that
sends it changes nothing). Nothing of the answers is drawn for a student or the projector
before the reveal: ``live_answers`` is the cockpit's alone.
"""

from __future__ import annotations

import time

import streamlit as st

from classroom import model
from classroom.cells import answer_sets, cells_label, cells_tally, is_cells
from classroom.choices import choice_labels, choice_order, choice_rows
from classroom.model import Lesson, Question
from classroom.store import StoreUnavailable
from figures.plotly_figure import answers_figure
from scenario.numbers import exact_text
from ui import classroom
from ui.lang import tr

__all__ = [
    "CLOSE_AFTER",
    "countdown",
    "given_sure",
    "live_answers",
    "open_vote",
    "paused_screen",
    "projector_phase",
    "show_button",
    "shown_controls",
    "student_phase",
    "sure_choice",
    "teacher_controls",
    "vote_charts",
    "votes_summary",
]

CLOSE_AFTER = (0, 10, 30, 60)  # the countdowns the teacher may pick (seconds; 0: at once)


def _now() -> float:
    """The store's time: one clock for every replica (``ClassStore.clock``); while the store
    cannot be reached, this server's, to draw the class as last seen (an answer sent then is
    said not to have been sent: ``_send`` reads the store's)."""
    try:
        return classroom.reachable_store().clock()
    except StoreUnavailable:
        return time.time()


# ---------------------------------------------------------------------------------------
# The teacher's buttons (callbacks): each a transition, applied only for the teacher.


def _close() -> None:
    after = st.session_state.get("class_close_after", 0)
    after = after if after in CLOSE_AFTER else 0  # a crafted value: at once
    with classroom.class_action("close"):
        now = _now()
        classroom.teacher_change(lambda lesson: model.close_answers(lesson, now, after))


def _show(label: str | None) -> None:
    """Put the wrong answer ``label`` on the projector (None: take it down); only a wrong answer
    of the vote's tally now is taken (``model.show_answer``)."""
    with classroom.class_action("show"):
        lesson = classroom.current_lesson()
        if lesson is None or lesson.question is None:
            return
        classroom.teacher_change(lambda current: model.show_answer(current, label, _wrong(lesson, lesson.question)))


def _wrong(lesson: Lesson, question: Question) -> list[str]:
    """The wrong answers of the vote the teacher sees now, by their labels (a which-cells
    question's: its wrong sets, as ``cells_tally`` writes them)."""
    if not is_cells(question.kind):
        return [label for label, _, right in _tally(lesson, question).answers if not right]
    masks = classroom.reachable_store().cell_answers(lesson.code, question.number, _shown_vote(question))
    sets = answer_sets(masks, question.grid)
    return [
        label for label, _, _ in cells_tally(question.cells, question.cell_mistakes, question.grid, sets).common_wrong
    ]


def show_button(where, question: Question, code: str, label: str, index: int) -> None:
    """The cockpit's "Show … on the projector" for one wrong answer (none for the one on show)."""
    if question.shown != label:
        shown = tr("peer.show", answer=written(question, code, label))
        where.button(shown, key=f"class_show_{index}", icon=":material/cast:", help=tr("peer.show_help"),
                     on_click=_show, args=(label,))  # fmt: skip


def shown_controls(where, question: Question, code: str) -> None:
    """What the projector shows of the answers now, and the button that takes it down."""
    if question.shown is not None:
        where.caption(tr("peer.shown_teacher", answer=written(question, code, question.shown)))
        where.button(tr("peer.take_down"), key="class_show_none", icon=":material/cancel_presentation:",
                     on_click=_show, args=(None,))  # fmt: skip


def _shown_meaning(question: Question) -> str:
    """The misconception of the wrong answer on show, as the projector names it (or none)."""
    if is_cells(question.kind):
        key = next((key for key, cells in question.cell_mistakes if cells_label(cells) == question.shown), None)
        return tr("peer.shown_meaning", meaning=tr(f"class.mistake_cells_{key}")) if key else tr("peer.shown_plain")
    key = next((m.key for m in question.mistakes if exact_text(m.value).removeprefix("≈") == question.shown), None)
    return tr("peer.shown_meaning", meaning=tr(f"class.mistake_{key}")) if key else tr("peer.shown_plain")


def _pause() -> None:
    paused = bool(st.session_state.get("class_pause"))
    classroom.teacher_action("pause", lambda lesson: model.pause(lesson, paused))


def _shown_vote(question: Question) -> int:
    """The vote whose answers are the teacher's to see now: vote 1 while the class discusses it."""
    return 1 if question.discussing else question.vote


def _tally(lesson: Lesson, question: Question, vote: int | None = None) -> model.Tally:
    vote = _shown_vote(question) if vote is None else vote
    return model.tally(question, classroom.reachable_store().answers(lesson.code, question.number, vote))


def _bars(lesson: Lesson, question: Question, vote: int, result: model.Tally) -> tuple[tuple[str, int, bool], ...]:
    """A chart's bars: a choice question's every choice by its letter, picked or not, as its
    words name them ("B: 1/4"); any other question's answers as the tally groups them."""
    if not question.choices:
        return result.answers
    answers = classroom.reachable_store().answers(lesson.code, question.number, vote)
    return tuple((label, count, right) for label, count, right, _ in choice_rows(question, lesson.code, answers))


def pause_toggle(lesson: Lesson) -> None:
    """The cockpit's Pause: every student's screen says "eyes on the projector" meanwhile."""
    st.session_state["class_pause"] = lesson.paused  # the lesson's: the teacher's other tab may change it
    st.toggle(tr("peer.pause"), key="class_pause", help=tr("peer.pause_help"), on_change=_pause)
    if lesson.paused:
        st.caption(tr("peer.paused_teacher"))


def teacher_controls(lesson: Lesson, question: Question) -> None:
    """The open question's phase and the teacher's buttons: close (now or after a countdown),
    vote again after discussion, open vote 2."""
    now = _now()
    st.caption(_phase(lesson, question, now))
    if question.discussing:
        st.button(tr("peer.vote_again"), key="class_vote_again", icon=":material/how_to_vote:",
                  on_click=classroom.teacher_action, args=("vote_again", model.vote_again))  # fmt: skip
        return
    when, close, again = st.columns([1, 1, 2], vertical_alignment="bottom")
    if model.accepting(lesson, now):
        labels = {seconds: tr("peer.close_in", seconds=seconds) for seconds in CLOSE_AFTER} | {0: tr("peer.close_now")}
        when.selectbox(tr("peer.close_after"), CLOSE_AFTER, key="class_close_after", format_func=labels.get,
                       disabled=question.closes_at is not None)  # fmt: skip
        close.button(tr("peer.close"), key="class_close", icon=":material/timer_off:", on_click=_close)
    if question.vote == 1:  # vote 1 open or closed: the class may discuss it and vote again
        again.button(tr("peer.discuss"), key="class_discuss", icon=":material/forum:", help=tr("peer.discuss_help"),
                     on_click=classroom.teacher_action, args=("discuss", model.discuss))  # fmt: skip


def _phase(lesson: Lesson, question: Question, now: float) -> str:
    if question.discussing:
        return tr("peer.phase_discussing")
    if not model.accepting(lesson, now):
        return tr("peer.phase_closed", vote=question.vote)
    if question.closes_at is not None:
        return tr("peer.phase_countdown", vote=question.vote, seconds=max(0, round(question.closes_at - now)))
    return tr("peer.phase_open", vote=question.vote)


def written(question: Question, code: str, label: str) -> str:
    """An answer as the class saw it: a choice question's answers by their letter ("C: 3"),
    any other as the tally writes it (``label``, which is what the lesson keeps)."""
    if not question.choices:
        return label
    order = choice_order(question, code)
    return dict(zip((exact_text(value).removeprefix("≈") for value in order), choice_labels(order))).get(label, label)


def live_answers(lesson: Lesson, question: Question) -> None:
    """The cockpit alone, before the reveal: the answers of the vote as they come in (the
    distribution, the right count, each wrong answer's likely mistake), each wrong one with a
    button that puts it on the projector."""
    vote = _shown_vote(question)
    try:
        result = _tally(lesson, question, vote)
    except StoreUnavailable:  # the class bar says why; the rest of the cockpit stays drawn
        st.caption(tr("peer.live_down"))
        return
    st.markdown(
        tr("peer.live_vote", vote=vote) if question.vote == 2 or question.discussing else tr("peer.live_header")
    )
    truth = written(question, lesson.code, exact_text(question.truth).removeprefix("≈"))  # a choice: its letter
    if not result.total:
        st.caption(tr("peer.live_none", truth=truth))
        return
    words, chart = st.columns([1, 1], gap="medium")
    words.markdown(tr("peer.live_count", right=result.right, total=result.total, truth=truth))
    figure = answers_figure(
        _bars(lesson, question, vote, result), tr("class.axis_answer"), tr("class.axis_students"), 220
    )
    chart.plotly_chart(figure, key="class_live_chart", config={"displayModeBar": False})
    for index, (label, count, right) in enumerate(result.answers):
        if right:
            continue
        key = result.mistakes[index]
        answer = written(question, lesson.code, label)
        line = tr("class.wrong_line", answer=answer, count=count, meaning=tr(f"class.mistake_{key}")) if key else (
            tr("class.wrong_plain", answer=answer, count=count))  # fmt: skip
        words.markdown(line)
        show_button(words, question, lesson.code, label, index)
    shown_controls(words, question, lesson.code)


# ---------------------------------------------------------------------------------------
# The projector and the students: the phase, never the answers before the reveal.


def projector_phase(lesson: Lesson, question: Question) -> None:
    """Discuss with your neighbour, the countdown or "closed", and the one wrong answer the
    teacher put up for discussion (its mistake named; the right answer stays hidden)."""
    now = _now()
    if question.discussing and question.shown is None:
        st.markdown(tr("peer.discuss_projector"))
    elif question.discussing:
        pass  # said with the answer on show, in one box (the screen holds the grids too)
    elif not model.accepting(lesson, now):
        st.markdown(tr("peer.closed_projector"))
    else:
        if question.vote == 2:
            st.markdown(tr("peer.vote2_projector"))
        if question.closes_at is not None:
            countdown(question.closes_at - now)
    if question.shown is not None:
        meaning = _shown_meaning(question)
        shown = written(question, lesson.code, question.shown)
        said = tr("peer.shown_projector", answer=shown) + "  \n" + meaning
        if question.discussing:  # "Discuss with your neighbour" first, on the answer's line: the grids need the room
            said = "**" + tr("peer.discuss_projector").removeprefix("## ") + "** · " + said
        st.info(said, icon=":material/forum:")


def open_vote(question: Question) -> int | None:
    """The vote open now for ``question`` (by the store's clock, checked on the server: a tab
    may send anything, whenever), or None, said to the student ("refused"). Inside a class
    action: the store's outage is said there."""
    store, lesson = classroom.reachable_store(), classroom.current_lesson()
    if lesson is None or lesson.question is None or lesson.question.number != question.number or (
            not model.accepting(lesson, store.clock())):  # fmt: skip
        st.session_state.class_unreadable = tr("peer.refused")
        return None
    return lesson.question.vote


def student_phase(lesson: Lesson, question: Question, mine_first: float | None) -> bool:
    """What a student is told about the vote; True when they may answer now."""
    now = _now()
    if question.discussing:
        st.info(tr("peer.discuss_student"), icon=":material/forum:")
    elif not model.accepting(lesson, now):
        st.info(tr("peer.closed_student"), icon=":material/timer_off:")
    else:
        if question.vote == 2:
            st.markdown(tr("peer.vote2_student"))
        if question.closes_at is not None:
            countdown(question.closes_at - now)
    if mine_first is not None and (question.vote == 2 or question.discussing):
        first = written(question, lesson.code, exact_text(mine_first).removeprefix("≈"))
        st.caption(tr("peer.your_first", answer=first))
    return model.accepting(lesson, now)


def sure_choice() -> None:
    """The confidence given with an answer (inside the answer form)."""
    labels = {"sure": tr("peer.sure_yes"), "not_sure": tr("peer.sure_no")}  # captured: AppTest calls it off-thread
    st.radio(tr("peer.sure"), ("sure", "not_sure"), index=None, key="class_sure", horizontal=True,
             format_func=labels.get)  # fmt: skip


def given_sure() -> bool | None:
    """The confidence the form sent (None: not said, or a value no browser sends)."""
    return {"sure": True, "not_sure": False}.get(st.session_state.get("class_sure"))


def paused_screen() -> None:
    """A student's whole page while the class is paused."""
    st.markdown(tr("peer.paused_student"))
    st.info(tr("peer.paused_student_text"), icon=":material/cast_for_education:")


# ---------------------------------------------------------------------------------------
# The reveal: both votes, who moved to the right answer, how sure the class was.


def votes_summary(lesson: Lesson, question: Question, words, named: bool = True) -> None:
    """After the reveal, in ``words``: both votes' right counts, how many moved from each wrong
    answer to the right one (its mistake named, unless not ``named``: on a projector the lines
    above already name each wrong answer's mistake), and the confidence given with the last vote."""
    store = classroom.reachable_store()
    last = store.answers(lesson.code, question.number, question.vote)
    sure = model.confidence(question, last, store.confidences(lesson.code, question.number, question.vote))
    if question.vote == 2:
        first = store.answers(lesson.code, question.number, 1)
        one, two = model.tally(question, first), model.tally(question, last)
        words.markdown(tr("peer.results_votes", right1=one.right, total1=one.total, right2=two.right, total2=two.total))
        moved = model.moves(question, first, last)
        lines = [
            tr("peer.moved_line", answer=label, count=count, meaning=tr(f"class.mistake_{key}"))
            if key and named
            else tr("peer.moved_plain", answer=label, count=count)
            for label, count, key in moved
        ]
        words.markdown(tr("peer.moved_header") + "\n" + "\n".join(f"- {line}" for line in lines) if lines else
                       tr("peer.moved_none"))  # fmt: skip
    if sure.sure or sure.unsure:
        words.caption(tr("peer.confidence_line", sure=sure.sure, sure_right=sure.sure_right, unsure=sure.unsure,
                         unsure_right=sure.unsure_right))  # fmt: skip


def vote_charts(
    lesson: Lesson, question: Question, last: model.Tally, chart, height: int, compact: bool = False
) -> None:
    """Vote 1's distribution beside vote 2's (``last``), each titled, in ``chart``; ``compact``
    (a projector): each titled under its bars, no title on the counts' axis."""
    first = model.tally(question, classroom.reachable_store().answers(lesson.code, question.number, 1))
    titles = (tr("peer.vote1_chart"), tr("peer.vote2_chart"))
    for vote, column, result, title, key in zip((1, 2), chart.columns(2), (first, last), titles, ("class_vote1_chart",
                                                "class_answers_chart")):  # fmt: skip
        if not (compact and result.total):
            column.caption(title)
        if result.total:
            axis, counts = (title, None) if compact else (tr("class.axis_answer"), tr("class.axis_students"))
            figure = answers_figure(_bars(lesson, question, vote, result), axis, counts, height)
            column.plotly_chart(figure, key=key, config={"displayModeBar": False})


def countdown(seconds: float) -> None:
    """The seconds left before the answers close, counted down in the browser. Nothing reruns
    meanwhile; at the end the tab reruns once (its ``over`` trigger), so the page says the vote
    closed and takes the answer form away. An answer sent later is refused by the server
    (``model.accepting``, by the store's clock), whatever the browser's clock says."""
    data = {"ms": max(0, round(seconds * 1000)), "text": tr("peer.countdown", seconds="{s}"),
            "over": tr("peer.countdown_over")}  # fmt: skip
    _countdown_component()(key="class_countdown", data=data, on_over_change=_over)


def _over() -> None:
    """The countdown ended in the browser (a callback): the rerun it starts is all it takes."""


@st.cache_resource
def _countdown_component():
    """A line of text that counts down once a second (plain text, never HTML)."""
    js = """export default function ({ data, parentElement, setTriggerValue }) {
  let line = parentElement.querySelector("p");
  if (!line) {
    line = document.createElement("p");
    line.className = "class-countdown";
    parentElement.append(line);
  }
  clearInterval(parentElement.countdownTimer);
  clearTimeout(parentElement.countdownEnd);
  const end = Date.now() + data.ms;
  const draw = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    line.textContent = left > 0 ? data.text.replace("{s}", String(left)) : data.over;
    if (left === 0) clearInterval(parentElement.countdownTimer);
  };
  draw();
  parentElement.countdownTimer = setInterval(draw, 1000);
  // Once, a little after the end (the server's clock decides): the page redraws the vote closed.
  parentElement.countdownEnd = setTimeout(() => setTriggerValue("over", data.ms), data.ms + 300);
}"""
    css = ".class-countdown { font-size: 1.3rem; font-weight: 600; margin: 0.25rem 0; }"
    # Not isolated (as the class listener): a line of text in the page's own styles.
    return st.components.v2.component("avgpool_class_countdown", html="", css=css, js=js, isolate_styles=False)
