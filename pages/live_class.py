"""A live class: the teacher's cockpit, the projector's view and each student's, by this tab's
seat (``ui/classroom.py``). Without a seat: start a class, or join one with its code.

The class's rules are ``classroom/model.py``; its shared state ``classroom/store.py``; the
numbers of a question come from the setup it was asked on (``classroom/setups.py``).
"""

from __future__ import annotations

import io
import time
from contextlib import suppress

import segno
import streamlit as st

from classroom import model
from classroom.cells import cells_label, is_cells
from classroom.choices import choice_labels, choice_order, choice_rows, is_choice
from classroom.deck import prepared_question
from classroom.events import tell_watchers
from classroom.model import Lesson, Question, Seat, Setup
from classroom.reports import report_csv
from classroom.setups import SetupError, computed_from_setup, question_for, sent_setup
from classroom.store import StoreUnavailable
from figures import window_axes
from figures.plotly_figure import answers_figure
from figures.views import explained_selection, playground_grids
from i18n import user_text
from pooling import PoolingError
from scenario.inputs import InputError, number_error
from scenario.numbers import NumberError, exact_text, parse_number
from scenario.quiz import is_right, pick_cell
from ui import classroom
from ui.cells import cells_form, cells_live, cells_results, cells_verdict, mine_cells
from ui.class_reports import KEPT_SAID, keep_report, reports_list
from ui.controls import URL_KEYS
from ui.deck_panel import deck_panel, link_deck_note, projector_words
from ui.display import EXPLANATION_ROOM, pooling_explainer, presenting, select_cell, selected_cell, show_grids
from ui.homework import assign_panel
from ui.lang import current_language, tr, translated_error
from ui.peer import (
    given_sure,
    live_answers,
    open_vote,
    pause_toggle,
    paused_screen,
    projector_phase,
    student_phase,
    sure_choice,
    teacher_controls,
    vote_charts,
    votes_summary,
)
from ui.question import question_grids
from ui.router import page_header, require_router
from ui.url import UrlCheck, app_address

LANGUAGES = ("en", "zh")
PICK_GRIDS = "class_pick_grids"  # the cockpit's grids, where the teacher picks the cell to ask
AS_CHOICE = "class_as_choice"  # the teacher's "Ask as a choice", kept while its toggle is not drawn
AS_CELLS = "class_as_cells"  # the teacher's "Ask which cells", kept the same way


def _join_link(lesson: Lesson) -> str:
    """The address students open: the app's own, as this browser reached it, plus ``?class=``
    and the link's own key, with which it always joins (a typed code is limited), in the
    teacher's language (a student can switch it on their own page)."""
    return f"{app_address()}/?class={lesson.code}&key={model.join_key(lesson)}&lang={current_language()}"


def _qr_png(link: str) -> bytes:
    """The join link as a QR code: large modules, readable from the back of a room."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=2)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# No class yet: start one, or join one.


def _start() -> None:
    with classroom.class_action("start"):
        st.session_state.class_problem = classroom.start_class()


def _join_typed() -> None:
    st.session_state.class_problem = classroom.join_typed(st.session_state.get("class_code_typed", ""))


def start_or_join() -> None:
    link_deck_note()  # a colleague's deck link: ready once the class starts
    attend, teach = st.columns(2, gap="large")  # most people here join: first, also on a phone
    with teach.container(border=True):
        st.subheader(tr("class.teach_header"))
        st.markdown(tr("class.teach_text"))
        st.button(tr("class.start"), key="class_start", type="primary", icon=":material/co_present:", on_click=_start)
    with attend.container(border=True):
        st.subheader(tr("class.join_header"))
        with st.form("class_join", border=False):
            st.text_input(tr("class.code"), key="class_code_typed", max_chars=12, placeholder=tr("class.code_hint"))
            st.form_submit_button(tr("class.join"), icon=":material/login:", on_click=_join_typed)
    with st.container(border=True, key="homework_box"):  # a deck as homework: no class needed
        assign_panel()


# ---------------------------------------------------------------------------------------
# The teacher's cockpit.


def _ask(cell: tuple[int, int] | None, kind: str = "grad_input") -> None:
    """Ask the class about ``cell`` of ∂L/∂x, or of y (``kind`` "output"); None: a cell of
    ∂L/∂x the quiz's rule picks. On the setup the students see (a callback)."""
    with classroom.class_action("ask"):
        _ask_now(cell, kind)


def _ask_now(cell: tuple[int, int] | None, kind: str) -> None:
    lesson = classroom.current_lesson()
    if lesson is None or lesson.setup is None:
        return
    computed = computed_from_setup(lesson.setup)
    shape = computed.y.shape if kind in ("output", "feeds") else computed.x.shape
    if kind == "nothing":  # which cells of ∂L/∂x get nothing: no cell to ask about
        cell = (0, 0)
    elif cell is None or not all(0 <= i < n for i, n in zip(cell, shape)):
        last = lesson.asked[-1].truth if lesson.asked else None
        asked = {question.cell for question in lesson.asked if question.kind == "grad_input"}
        cell, kind = pick_cell(computed.grad_input, len(lesson.asked) + 1, last, asked), "grad_input"
    as_choice = bool(st.session_state.get(AS_CHOICE)) and not is_cells(kind)
    question = question_for(lesson.setup, cell, kind, as_choice=as_choice)
    classroom.teacher_change(lambda current: model.ask(current, question))


def _end() -> None:
    """End the class: its questions and answer counts kept for this tab's download, then gone."""
    with classroom.class_action("end"):
        _end_now()


def _end_now() -> None:
    lesson = classroom.current_lesson()
    if lesson is None or not model.teacher_may(lesson, classroom.secret()):
        return
    store, questions = classroom.reachable_store(), model.all_questions(lesson)
    answers = {q.number: store.answers(lesson.code, q.number) for q in questions}
    second = {q.number: store.answers(lesson.code, q.number, 2) for q in questions if q.vote == 2}
    sure = {(q.number, vote): store.confidences(lesson.code, q.number, vote) for q in questions for vote in (1, q.vote)}
    cells = {(q.number, vote): store.cell_answers(lesson.code, q.number, vote) for q in questions
             if is_cells(q.kind) for vote in (1, q.vote)}  # fmt: skip
    classroom.teacher_change(model.end)
    classroom.forget(lesson.code)
    kept = keep_report(lesson, answers, second, sure, cells, time.time())  # the teacher's for 30 days
    st.session_state.class_report = (lesson.code, report_csv(kept))
    classroom.leave()


def _join_panel(lesson: Lesson) -> None:
    """The code, the join link and its QR code."""
    link = _join_link(lesson)
    st.markdown(tr("class.code_big", code=lesson.code))
    st.markdown(tr("class.join_at"))
    st.code(link, language=None, wrap_lines=True)
    st.image(_qr_png(link), width=220, caption=tr("class.qr_caption"))


# The projector's join box, beside its title: the code large, the QR code sized by the screen's
# height; the grids below get the page's whole width (a 5x5 ∂L/∂x prints its numbers at 1280x720).
JOIN_BOX_CSS = """<style>
.st-key-class_join_box { gap: 0.75rem; }
.st-key-class_join_box [data-testid="stImage"] img { width: clamp(96px, 16vh, 200px) !important; height: auto; }
.st-key-class_join_box [data-testid="stMarkdownContainer"] p { font-size: clamp(1rem, 2vh, 1.3rem); }
.st-key-class_join_box [data-testid="stMarkdownContainer"] strong { font-size: clamp(1.8rem, 4.2vh, 2.8rem); }
</style>"""


PROJECTOR_EXPLANATION_ROOM = 100  # px: an explanation's box of two lines, read across the room


def _join_box(lesson: Lesson) -> None:
    """The projector's way in: the code, large, and the QR code of the join link beside it."""
    st.html(JOIN_BOX_CSS)
    with st.container(key="class_join_box", horizontal=True, vertical_alignment="center", wrap=False):
        st.markdown(tr("class.projector_join", code=lesson.code))
        st.image(_qr_png(_join_link(lesson)))


def cockpit(lesson: Lesson, current: Seat) -> None:
    info, controls = st.columns([1, 2], gap="large")
    with info:
        _join_panel(lesson)
        st.link_button(
            tr("class.projector"),
            f"{_join_link(lesson)}&view=projector&present=1",  # the join link carries the language
            icon=":material/cast:",
            help=tr("class.projector_help"),
        )
    with controls:
        pause_toggle(lesson)
        with st.container(border=True):
            deck_panel(lesson)
        if lesson.question is None:
            _ask_panel(lesson)
        else:
            _question_panel(lesson, lesson.question, show_results=lesson.question.revealed)
        st.divider()
        with st.popover(tr("class.end"), icon=":material/stop_circle:"):
            st.markdown(tr("class.end_sure"))
            st.button(tr("class.end_yes"), key="class_end", type="primary", on_click=_end)


def _ask_panel(lesson: Lesson) -> None:
    st.subheader(tr("class.ask_header"))
    if lesson.setup is None:
        st.info(tr("class.no_setup"), icon=":material/hourglass_empty:")
        st.button(tr("class.use_default"), key="class_use_default", icon=":material/grid_on:", on_click=_use_default)
        return
    try:
        computed = computed_from_setup(lesson.setup)
    except (SetupError, PoolingError, InputError) as error:
        st.warning(_setup_problem(error), icon=":material/block:")
        return
    st.session_state["class_preparing"] = lesson.preparing  # the lesson's: a deck step or another tab may change it
    st.toggle(tr("class.preparing"), key="class_preparing", help=tr("class.preparing_help"), on_change=_prepare)
    # The cell clicked here, in the teacher's tab alone (a click on the Playground explains it to
    # the class): of x or ∂L/∂x asks for its ∂L/∂x, of y or ∂L/∂y its y.
    chosen = selected_cell(PICK_GRIDS)
    kind = "output" if chosen is not None and chosen.kind == "output" else "grad_input"
    shape = computed.y.shape if kind == "output" else computed.x.shape
    cell = (chosen.row, chosen.col) if chosen is not None and chosen.kind in ("input", "output") else None
    if cell is not None and not all(0 <= i < n for i, n in zip(cell, shape)):
        cell = None
    st.caption(tr("class.ask_hint"))
    as_cells = bool(st.session_state.get(AS_CELLS))
    choice, cells = st.columns(2)
    choice.toggle(tr("class.ask_choice"), value=bool(st.session_state.get(AS_CHOICE)), key="class_ask_choice",
                  help=tr("class.ask_choice_help"), on_change=_keep_as_choice, disabled=as_cells)  # fmt: skip
    cells.toggle(tr("class.ask_cells"), value=as_cells, key="class_ask_cells", help=tr("class.ask_cells_help"),
                 on_change=_keep_as_cells)  # fmt: skip
    left, right = st.columns(2)
    if as_cells:  # a cell of y: which cells of x feed it; of x: which cells of ∂L/∂y reach it
        kind = "feeds" if kind == "output" else "sends"
        label = tr("class.ask_cells_cell", target=model.cell_name(kind, cell)) if cell else tr("class.ask_none")
    else:
        label = tr("class.ask_cell", target=model.cell_name(kind, cell)) if cell else tr("class.ask_none")
    left.button(label, key="class_ask", type="primary", disabled=cell is None, on_click=_ask, args=(cell, kind))
    if as_cells:
        right.button(tr("class.ask_nothing"), key="class_ask_nothing", icon=":material/grid_off:", on_click=_ask,
                     args=(None, "nothing"))  # fmt: skip
    else:
        right.button(
            tr("class.ask_pick"), key="class_ask_pick", icon=":material/auto_awesome:", on_click=_ask, args=(None,)
        )
    _setup_grids(computed, lesson.code, PICK_GRIDS)


def _keep_as_choice() -> None:
    st.session_state[AS_CHOICE] = bool(st.session_state.get("class_ask_choice"))


def _keep_as_cells() -> None:
    st.session_state[AS_CELLS] = bool(st.session_state.get("class_ask_cells"))


def _use_default() -> None:
    """The cockpit's "Show the classic 4×4" (a callback): the default setup goes to the class,
    and its grids appear in the cockpit, where the teacher clicks the cell to ask about."""
    setup = sent_setup(Setup())
    classroom.teacher_action("send", lambda lesson: model.publish(lesson, setup))
    classroom.take_class_setup()


def _prepare() -> None:
    """The cockpit's "Preparing a question" (a callback): students see no ∂L/∂x meanwhile."""
    preparing = bool(st.session_state.get("class_preparing"))
    classroom.teacher_action("prepare", lambda lesson: model.prepare(lesson, preparing))


def _setup_grids(computed, code: str, key: str, room_below: int = EXPLANATION_ROOM) -> None:
    """The setup's four grids, every cell explained on a click (in this tab only); in
    presentation mode ``room_below`` px of the screen are kept under them."""
    language = current_language()
    explain = pooling_explainer(
        computed.x, computed.y, computed.loss.grad_output, computed.grad_input, computed.windows, language
    )
    show_grids(playground_grids(computed, language), key=key, file_prefix=f"avgpool_class_{code}",
               windows=window_axes(computed.windows), explain=explain, room_below=room_below)  # fmt: skip


def _setup_problem(error: Exception) -> str:
    if isinstance(error, SetupError):
        return tr(f"class.setup_{error.key}")
    return tr("class.setup_numbers", reason=translated_error(error))


def _question_panel(lesson: Lesson, question: Question, show_results: bool) -> None:
    """The question, its grids, and after the reveal the class's answers."""
    if classroom.seat().role != "projector":  # its title is the question
        st.markdown(_question_line(question))
    if question.choices and not question.revealed:
        _choices_line(question, lesson.code)
    if not question.revealed and classroom.seat().role == "teacher":
        teacher_controls(lesson, question)
        st.button(tr("class.reveal"), key="class_reveal", type="primary", icon=":material/visibility:",
                  on_click=classroom.teacher_action, args=("reveal", model.reveal))  # fmt: skip
        # the cockpit's alone: never the projector's or a student's
        (cells_live if is_cells(question.kind) else live_answers)(lesson, question)
    if not question.revealed and classroom.seat().role == "projector":
        projector_phase(lesson, question)
    if show_results:
        (cells_results if is_cells(question.kind) else _results)(lesson, question)
        if classroom.seat().role == "teacher":
            st.button(tr("class.next"), key="class_next", type="primary", icon=":material/arrow_forward:",
                      on_click=classroom.teacher_action, args=("next", model.next_question))  # fmt: skip
    _question_grids(question, lesson.code)


def _question_grids(question: Question, code: str, columns: int = 4, shown: tuple[str, ...] | None = None) -> None:
    try:
        computed = computed_from_setup(question.setup, current_language())
    except (SetupError, PoolingError, InputError) as error:
        st.warning(_setup_problem(error), icon=":material/block:")
        return
    question_grids(computed, question.cell, question.revealed, key="class_question_grids", columns=columns,
                   file_prefix=f"avgpool_class_{code}_q{question.number}", kind=question.kind, shown=shown)  # fmt: skip


def _question_line(question: Question) -> str:
    """The question as the cockpit and a student read it (Markdown of the catalogue's own)."""
    if is_cells(question.kind):
        row, col = question.cell
        return tr(f"class.cells_question_{question.kind}", number=question.number, row=row, col=col)
    return tr("class.question", number=question.number, target=question.target)


def _choices_line(question: Question, code: str) -> None:
    """The choices in the class's order, on one line (the projector's and the teacher's)."""
    choices = "\u2003 ".join(choice_labels(choice_order(question, code)))
    if presenting():  # the projector: one line, the grids need the room
        st.markdown("#### " + tr("class.choices_header").strip("*") + "\u2003" + choices)
    else:
        st.markdown(tr("class.choices_header") + "\n\n#### " + choices)


def _results(lesson: Lesson, question: Question, stacked: bool = False, charts=None) -> None:
    """How the class answered: how many right, the chart, the most common wrong answers and
    what each most likely means, the sum of shares (``stacked``: the words over the chart, or
    the chart in ``charts`` when given)."""
    answers = classroom.reachable_store().answers(lesson.code, question.number, question.vote)  # the last vote
    result = model.tally(question, answers)
    language = current_language()
    words, chart = (st.container(), charts or st.container()) if stacked else st.columns([1, 1], gap="large")[::-1]
    words.markdown(tr("class.results", right=result.right, total=result.total, truth=exact_text(question.truth)))
    rows = choice_rows(question, lesson.code, answers) if question.choices else ()
    if question.vote == 2:  # peer instruction: vote 1's distribution beside vote 2's
        vote_charts(
            lesson, question, result, chart, 120 if presenting() else 260, compact=presenting()
        )  # under the grids
    elif result.total:  # a choice question: a bar for every choice, by its label, picked or not
        bars = tuple((label, count, right) for label, count, right, _ in rows) or result.answers
        height = 190 if presenting() else 300  # a projector shows the grids under it too
        figure = answers_figure(bars, tr("class.axis_answer"), tr("class.axis_students"), height)
        chart.plotly_chart(figure, key="class_answers_chart", config={"displayModeBar": False})
    if rows:  # every choice named: right, or the misconception that gives it
        words.markdown("\n".join(f"- {_choice_line(row)}" for row in rows))
        # both votes, who moved, how sure (a projector's lines above name every choice's mistake)
        votes_summary(lesson, question, words, named=not presenting())
        words.success(question.explanation.get(language, ""), icon=":material/lightbulb:")
        return
    lines = [
        tr("class.wrong_line", answer=label, count=count, meaning=tr(f"class.mistake_{key}"))
        if key
        else tr("class.wrong_plain", answer=label, count=count)
        for label, count, key in result.common_wrong
    ]
    if lines:
        words.markdown(tr("class.common_wrong") + "\n" + "\n".join(f"- {line}" for line in lines))
    votes_summary(lesson, question, words)  # both votes, who moved, how sure
    words.success(question.explanation.get(language, ""), icon=":material/lightbulb:")


def _choice_line(row: tuple[str, int, bool, str | None]) -> str:
    label, count, right, key = row
    if right:
        return tr("class.choice_right", label=label, count=count)
    if key:
        return tr("class.choice_wrong", label=label, count=count, meaning=tr(f"class.mistake_{key}"))
    return tr("class.choice_plain", label=label, count=count)


# ---------------------------------------------------------------------------------------
# The projector, and each student.


def projector(lesson: Lesson, current: Seat) -> None:
    """The room's screen: the class's code and the setup's grids; the question, as its title;
    after the reveal, the answers."""
    question = lesson.question
    if question is not None:
        if is_cells(question.kind):
            st.title(tr(f"class.cells_projector_{question.kind}", code=lesson.code, number=question.number,
                        row=question.cell[0], col=question.cell[1]))  # fmt: skip
        else:
            st.title(tr("class.projector_question", code=lesson.code, number=question.number, target=question.target))
        if question.revealed and is_cells(question.kind):  # the taps' heat map beside the named wrong sets
            cells_results(lesson, question)
            return
        if question.revealed:  # two grids, the answers beside them: numbers that print, on 1280x720
            grids, answers = st.columns(2, gap="large")
            # Both votes' charts go under the grids: beside them, under both votes' words, they
            # ran past a 1280x720 screen.
            grids, charts = grids.container(), grids.container()
            with answers:
                _results(lesson, question, stacked=True, charts=charts if question.vote == 2 else None)
            with grids:  # a y: x and y; a ∂L/∂x: the shares, ∂L/∂y, and where they go, ∂L/∂x
                shown = None if question.kind == "output" else ("grad_output", "grad_input")
                _question_grids(question, lesson.code, columns=2, shown=shown)
            return
        _question_panel(lesson, question, show_results=question.revealed)
        return
    title, join = st.columns([3, 2], vertical_alignment="center")
    with title:
        st.title(tr("class.projector_title", code=lesson.code))
        projector_words(lesson)  # the deck step's words, if the class is on a step
    with join:
        _join_box(lesson)
    with st.container():
        if lesson.setup is None:
            st.info(tr("class.no_setup"), icon=":material/hourglass_empty:")
            return
        try:
            computed = computed_from_setup(lesson.setup, current_language())
        except (SetupError, PoolingError, InputError) as error:
            st.warning(_setup_problem(error), icon=":material/block:")
            return
        if lesson.preparing:  # x, y and ∂L/∂y: nothing of the answer, nothing explained
            _preparing(computed, lesson)
            return
        explained = explained_selection(lesson.setup.explain)
        select_cell("class_projector_grids", explained)
        # The room under the grids is the teacher's explanation's (a line or two), when there is one.
        _setup_grids(computed, lesson.code, "class_projector_grids", PROJECTOR_EXPLANATION_ROOM if explained else 0)


def _preparing(computed, lesson: Lesson) -> None:
    """While the teacher prepares a question: the setup without ∂L/∂x (nor y, for a deck
    step's question about a cell of y)."""
    st.info(tr("class.preparing_student"), icon=":material/hourglass_empty:")
    question = prepared_question(lesson)  # a deck step's: its cell outlined, its kind's grids hidden
    cell, kind = (None, "grad_input") if question is None else (question.cell, question.kind)
    question_grids(computed, cell, False, key="class_preparing_grids", file_prefix=f"avgpool_class_{lesson.code}",
                   kind=kind)  # fmt: skip


def _send(question: Question) -> None:
    """A student's answer (a callback): read by the one number reader, or the choice picked
    (only one of the question's choices: whatever else a tab sends is refused, said why);
    kept one per student and vote, with the confidence given; refused once the vote is closed
    (by the store's time, checked here, on the server: a crafted message from a tab too)."""
    current = classroom.seat()
    if question.choices:
        value = st.session_state.get(_choice_key(question))
        if not is_choice(question, value):
            st.session_state.class_unreadable = tr("class.choose_first" if value is None else "class.not_a_choice")
            return
    else:
        try:
            value = parse_number(st.session_state.get("class_answer", ""))
        except NumberError as error:
            st.session_state.class_unreadable = translated_error(number_error(error, tr("quiz.your_answer")))
            return
    with classroom.class_action("send"):
        store, vote = classroom.reachable_store(), open_vote(question)
        if vote is None:
            return
        if not store.answer(current.code, question.number, current.student, value, time.time(), vote, given_sure()):
            st.session_state.class_unreadable = tr("class.answers_full")
            return
        tell_watchers(current.code)  # the teacher's count and the projector's, by push


def student_view(lesson: Lesson, current: Seat) -> None:
    if lesson.paused:  # eyes on the projector: nothing else
        paused_screen()
        return
    question = lesson.question
    if question is None and lesson.preparing and lesson.setup is not None:
        try:
            _preparing(computed_from_setup(lesson.setup, current_language()), lesson)
        except (SetupError, PoolingError, InputError) as error:
            st.warning(_setup_problem(error), icon=":material/block:")
        return
    if question is None:
        st.info(tr("class.wait_question"), icon=":material/hourglass_empty:")
        return
    if is_cells(question.kind):
        _student_cells(lesson, question, current)
        return
    try:
        store = classroom.reachable_store()
        first = store.answers(lesson.code, question.number).get(current.student)
        mine = store.answers(lesson.code, question.number, question.vote).get(current.student)
    except StoreUnavailable:  # said above the page; the question stays on screen as last seen
        first = mine = None
    st.markdown(_question_line(question))
    if not question.revealed:
        may_answer = student_phase(lesson, question, first)
        labels = _answer_form(question, lesson.code) if may_answer else _labels(question, lesson.code)
        unreadable = st.session_state.pop("class_unreadable", None)
        if unreadable:
            st.warning(unreadable, icon=":material/help:")
        if mine is not None and may_answer:
            st.success(tr("class.sent", answer=labels.get(mine, exact_text(mine))), icon=":material/check:")
        elif mine is not None and not question.discussing:  # closed: the answer kept, no longer to change
            st.caption(tr("peer.your_answer", answer=labels.get(mine, exact_text(mine))))
    else:
        _verdict(question, mine, _labels(question, lesson.code))
    _question_grids(question, lesson.code)


def _student_cells(lesson: Lesson, question: Question, current: Seat) -> None:
    """A "which cells" question on a student's page: their grid to tap until the vote closes,
    then their verdict cell by cell (``ui/cells.py``)."""
    try:
        mine = mine_cells(lesson, question, current.student, question.vote)
        computed = computed_from_setup(question.setup, current_language())
    except StoreUnavailable:  # said above the page
        mine, computed = None, None
    except (SetupError, PoolingError, InputError) as error:
        st.warning(_setup_problem(error), icon=":material/block:")
        return
    st.markdown(_question_line(question))
    if question.revealed:
        cells_verdict(question, mine)
    elif student_phase(lesson, question, None) and computed is not None:
        cells_form(question, computed, lesson.code)
    unreadable = st.session_state.pop("class_unreadable", None)
    if unreadable:
        st.warning(unreadable, icon=":material/help:")
    if mine is not None and not question.revealed:
        st.success(tr("class.sent", answer=cells_label(mine) if mine else tr("class.cells_none")),
                   icon=":material/check:")  # fmt: skip
    _question_grids(question, lesson.code)


def _choice_key(question: Question) -> str:
    return f"class_choice_{question.number}"  # a new widget per question: nothing picked yet


CHOICE_CSS = """<style>
[class*="st-key-class_choice_"] [role="radiogroup"] label { padding: 0.35rem 0; min-height: 2.75rem; }
[class*="st-key-class_choice_"] [role="radiogroup"] p { font-size: 1.2rem; }
</style>"""  # touch targets of at least 44 px on a phone


def _answer_form(question: Question, code: str) -> dict[float, str]:
    """The answer form: a number typed, or one of the choices picked (by touch, or by the
    keyboard: the arrows move between choices, Enter sends); its choices' labels by value."""
    order = choice_order(question, code)
    labels = _labels(question, code)
    with st.form("class_answer_form", border=False):
        if question.choices:
            st.html(CHOICE_CSS)
            st.radio(tr("class.choose"), order, index=None, key=_choice_key(question),
                     format_func=lambda value: labels.get(value, str(value)))  # fmt: skip
            sure_choice()  # sent with the answer
            send = st.columns([1, 2])[0]
        else:
            typed, send = st.columns([3, 1], vertical_alignment="bottom")
            typed.text_input(tr("quiz.answer"), key="class_answer", max_chars=40)
            with typed:
                sure_choice()  # sent with the answer
        send.form_submit_button(
            tr("class.send"), icon=":material/send:", on_click=_send, args=(question,), width="stretch"
        )
    return labels


def _labels(question: Question, code: str) -> dict[float, str]:
    """Each choice's label by its value (none for a typed question)."""
    order = choice_order(question, code)
    return dict(zip(order, choice_labels(order)))


def _verdict(question: Question, mine: float | None, labels: dict[float, str]) -> None:
    explanation = question.explanation.get(current_language(), "")
    if mine is None:
        st.info(tr("class.no_answer", explanation=explanation), icon=":material/lightbulb:")
    elif is_right(mine, question.truth):
        st.success(tr("class.right", explanation=explanation), icon=":material/lightbulb:")
    else:
        key = next((m.key for m in question.mistakes if is_right(mine, m.value)), None)
        meaning = tr("class.maybe", meaning=tr(f"class.mistake_{key}")) if key else ""
        st.info(
            tr("class.wrong", answer=labels.get(mine, exact_text(mine)), meaning=meaning, explanation=explanation),
            icon=":material/lightbulb:",
        )


# ---------------------------------------------------------------------------------------


def live_class_page() -> None:
    report = st.session_state.get("class_report")
    if report is not None:
        st.success(tr("class.ended_teacher", code=report[0]), icon=":material/task_alt:")
        st.download_button(tr("class.download"), report[1], file_name=f"avgpool_class_{report[0]}.csv",
                           mime="text/csv", icon=":material/download:", on_click="ignore")  # fmt: skip
        kept = st.session_state.get(KEPT_SAID)
        if kept:
            (st.info if kept == "report.kept_ok" else st.warning)(tr(kept), icon=":material/inventory_2:")
    problem = st.session_state.pop("class_problem", None)
    if problem:
        typed = user_text(st.session_state.get("class_code_typed", ""), limit=12)
        st.warning(tr(problem, code=typed), icon=":material/group_off:")
    current = classroom.seat()
    if current is None:
        classroom.say_failed()
        start_or_join()
        reports_list()  # the teacher's class reports, kept 30 days
        return
    try:
        lesson = classroom.current_lesson()
    except StoreUnavailable:  # the class as last seen (the class bar says why), its buttons said not to work
        lesson = classroom.last_lesson()
        if lesson is None:
            st.warning(tr("class.down", code=current.code), icon=":material/cloud_off:")
            return
    if lesson is None:
        classroom.leave()
        st.info(tr("class.ended"), icon=":material/event_busy:")
        start_or_join()
        return
    # Should the answers not be readable now, the rest stays drawn (the class bar says why).
    with suppress(StoreUnavailable):
        {"teacher": cockpit, "projector": projector, "student": student_view}[current.role](lesson, current)


require_router()
if classroom.seat() is None or classroom.seat().role != "projector":  # the projector titles itself
    # A student is told what this page is for them, not the teacher's "start a class".
    student = classroom.seat() is not None and classroom.seat().role == "student"
    page_header("pages/live_class.py", "class.caption_student" if student else "class.caption")
with UrlCheck(URL_KEYS):
    live_class_page()
