"""A deck as homework in the browser: the Live class page's "Assign as homework", a student's
way through it at their own pace, and the teacher's report.

The rules are ``classroom/homework.py`` (pure), the shared state ``classroom/homework_store.py``
(the class's store). A student is the browser's anonymous identity (the class's student
cookie, ``ui.classroom.STUDENT_COOKIE``); the teacher's report opens with the secret its link
carries, or the one this browser keeps in its homework cookie. Every text of a deck, and a
nickname, is plain text (``st.text``, a table's cell), never Markdown.
"""

from __future__ import annotations

import base64
import html
import io
import time
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import segno
import streamlit as st

from classroom import homework as hw
from classroom import model
from classroom.cells import MISTAKES, CellsError, cells_label, encode_mask, is_cells, read_mask
from classroom.choices import choice_labels, choice_order, is_choice
from classroom.deck import Deck, DeckError, question_of, stored_deck, words
from classroom.homework import Homework, HomeworkError, Progress
from classroom.homework_store import HomeworkStore, open_homework_store
from classroom.model import Question
from classroom.setups import SetupError, computed_from_setup, setup_link
from classroom.store import StoreUnavailable
from figures import window_axes
from figures.views import playground_grids
from i18n import user_text
from pooling import PoolingError
from scenario.inputs import InputError, number_error
from scenario.numbers import NumberError, exact_text, parse_number
from ui import classroom
from ui.cells import clear, tap_grid, tapped, wrong_text
from ui.classroom import STUDENT_COOKIE
from ui.deck_panel import deck_picker
from ui.display import pooling_explainer, show_grids
from ui.lang import current_language, tr, translated_error
from ui.question import question_grids
from ui.url import app_address

__all__ = ["HOMEWORK_COOKIE", "REPORT_EVERY", "assign_panel", "homework_page", "homework_store"]

HOMEWORK_COOKIE = "avgpool_homework"  # "CODE:SECRET" of the homework this browser last assigned
REPORT_EVERY = 5.0  # seconds after each draw: the report reads the students' progress again (ui/report_ticker.js)
PAGE = "homework"
ASSIGNED = "homework_assigned"  # (code, secret) of the homework this tab assigned
WORKING = "homework_progress"  # (code, Progress): this tab's copy of the student's progress
SEEN = "homework_seen"  # the Homework as this tab last read it (a student goes on through an outage)
PROBLEM = "homework_problem"  # a message for the next run (a callback's refusal)
MAX_TYPED = 100  # characters of an answer read at all (the box takes 40)
# The deck's title, plain text (never Markdown), set as a heading.
TITLE_CSS = """<style>
.st-key-homework_title [data-testid="stText"] { font-size: 1.5rem; font-weight: 600; line-height: 1.3; }
</style>"""


@st.cache_resource
def homework_store() -> HomeworkStore | StoreUnavailable:
    """The homework's store (the class's ``CLASS_STORE``), opened once per server."""
    try:
        return open_homework_store()
    except StoreUnavailable as error:
        return error


def _store() -> HomeworkStore:
    store = homework_store()
    if isinstance(store, StoreUnavailable):
        raise store
    return store


@lru_cache(maxsize=32)
def _questions(deck_text: str) -> tuple[Question | None, ...]:
    """Each step's question (None: the step asks nothing), computed once per deck."""
    return tuple(question_of(step) for step in stored_deck(deck_text).steps)


def _links(code: str, secret: str) -> tuple[str, str]:
    """The students' link and the teacher's report link (which carries the secret)."""
    base = f"{app_address()}/{PAGE}?"
    language = {"lang": current_language()}
    return base + urlencode({"hw": code, **language}), base + urlencode({"hw": code, "report": secret, **language})


def _qr(link: str, width: int) -> None:
    """The link as a QR code, with a text alternative (screen readers; axe-core's image-alt)."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    data = base64.b64encode(buffer.getvalue()).decode()
    alt = html.escape(tr("homework.qr_alt"), quote=True)
    st.html(f'<img src="data:image/png;base64,{data}" alt="{alt}" width="{width}" height="{width}">')


def _browser_text(found: object) -> str:
    return found if isinstance(found, str) else ""


def _kept_secret(code: str) -> str | None:
    """The report's secret this browser keeps for homework ``code`` (its cookie, or this tab's)."""
    assigned = st.session_state.get(ASSIGNED)
    if assigned and assigned[0] == code:
        return assigned[1]
    kept_code, _, kept_secret = _browser_text(st.context.cookies.get(HOMEWORK_COOKIE)).partition(":")
    return kept_secret if kept_code == code and kept_secret else None


# ---------------------------------------------------------------------------------------
# The teacher assigns (the Live class page, no class needed).


def _assign(deck_text: str) -> None:
    """ "Assign as homework" (a callback): the homework kept, its links shown on the next run."""
    secret, now = hw.new_secret(), time.time()
    try:
        store = _store()
        limits = classroom.start_limits("homework")
        if classroom.start_limited(limits, now):
            st.session_state[PROBLEM] = tr("homework.too_many")
            return
        for _ in range(20):  # a taken code is rare: 1,000 homeworks in 25.6 billion codes
            homework = hw.assign(secret, deck_text, bool(st.session_state.get("homework_nickname_ask")), now)
            if store.create(homework, now):
                break
        else:
            st.session_state[PROBLEM] = tr("homework.full", max=hw.MAX_HOMEWORKS)
            return
        classroom.started(limits, now)
    except StoreUnavailable:
        st.session_state[PROBLEM] = tr("homework.down")
        return
    st.session_state[ASSIGNED] = (homework.code, secret)
    # Kept in this browser as the cockpit's secret is (HttpOnly, set by the server: ui/classroom.py).
    st.session_state.class_cookies = {HOMEWORK_COOKIE: f"{homework.code}:{secret}"}


def assign_panel() -> None:
    """The Live class page's homework box: pick a deck, assign it, get the two links."""
    st.subheader(tr("homework.assign_header"))
    st.markdown(tr("homework.assign_text", days=hw.RETENTION // 86400))
    st.checkbox(tr("homework.nickname_ask"), key="homework_nickname_ask", help=tr("homework.nickname_ask_help"))
    deck_picker(tr("homework.assign"), tr("homework.assign_help"), _assign, key="homework_assign")
    problem = st.session_state.pop(PROBLEM, None)
    if problem:
        st.warning(problem, icon=":material/cloud_off:")
    assigned = st.session_state.get(ASSIGNED) or _cookie_homework()
    if assigned is not None:
        _assigned_links(*assigned)


def _cookie_homework() -> tuple[str, str] | None:
    """The homework this browser last assigned (its cookie), while it is still kept."""
    code, _, secret = _browser_text(st.context.cookies.get(HOMEWORK_COOKIE)).partition(":")
    if not hw.normalized_code(code) or not secret:
        return None
    try:
        homework = _store().load(code, time.time())
    except StoreUnavailable:
        return None
    return (code, secret) if homework is not None and hw.teacher_may(homework, secret) else None


def _assigned_links(code: str, secret: str) -> None:
    students, report = _links(code, secret)
    with st.container(border=True, key="homework_links"):
        st.success(tr("homework.assigned", code=code, days=hw.RETENTION // 86400), icon=":material/assignment:")
        st.markdown(tr("homework.students_link"))
        st.code(students, language=None, wrap_lines=True)
        _qr(students, 180)
        st.caption(tr("homework.qr_caption"))
        st.markdown(tr("homework.report_link"))
        st.code(report, language=None, wrap_lines=True)
        st.link_button(tr("homework.open_report"), report, icon=":material/monitoring:")


# ---------------------------------------------------------------------------------------
# The homework page: a student's way through, or the teacher's report.


def homework_page() -> None:
    """The page's body: the homework the link names, for a student or for its teacher."""
    code = hw.normalized_code(st.query_params.get("hw"))
    if code is None:
        typed = st.query_params.get("hw")
        key = "homework.no_link" if typed is None else "homework.bad_code"
        st.warning(tr(key, code=user_text(typed or "", limit=12)), icon=":material/link_off:")
        return
    problem = st.session_state.pop(PROBLEM, None) if "report" in st.query_params else None
    if problem:
        st.warning(problem, icon=":material/cloud_off:")
    if st.session_state.get("homework_deleted") == code:
        st.success(tr("homework.deleted", code=code), icon=":material/delete:")
        return
    try:
        homework = _store().load(code, time.time())
    except StoreUnavailable:
        seen = st.session_state.get(SEEN)
        if seen is None or seen.code != code or "report" in st.query_params:
            st.warning(tr("homework.down"), icon=":material/cloud_off:")
            return
        homework = seen  # a student goes on with this tab's copy; each step is saved once the store answers
    st.session_state[SEEN] = homework
    if homework is None:
        st.warning(tr("homework.gone", code=code, days=hw.RETENTION // 86400), icon=":material/event_busy:")
        return
    try:
        deck = stored_deck(homework.deck)
    except DeckError as error:  # a deck this server cannot read (a newer format): said, never raised
        st.warning(error.message(current_language()), icon=":material/block:")
        return
    asked = st.query_params.get("report")
    if asked is not None:
        if not hw.teacher_may(homework, asked):
            st.warning(tr("homework.bad_secret"), icon=":material/lock:")
            return
        st.session_state[ASSIGNED] = (code, asked)
        report_view(homework, deck)
        return
    student_view(homework, deck)


def _student_id() -> str:
    """This browser's anonymous identity: its class cookie's, else one made now (and given to
    the browser as a cookie on this run's end, ui/classroom.py ``after_page``)."""
    kept = st.session_state.get("homework_student")
    if kept is None:
        kept = _browser_text(st.context.cookies.get(STUDENT_COOKIE))
        if not model.valid_student(kept):
            kept = model.new_student()
            st.session_state.class_cookies = {STUDENT_COOKIE: kept}
        st.session_state["homework_student"] = kept
    return kept


def _progress(homework: Homework) -> Progress:
    """This student's progress: this tab's copy, else the store's, else a new one."""
    working = st.session_state.get(WORKING)
    if working is None or working[0] != homework.code:
        kept = _store().progress(homework.code, _student_id())
        working = (homework.code, kept or Progress())
        st.session_state[WORKING] = working
    return working[1]


def _keep(homework: Homework, progress: Progress) -> None:
    """The student's new progress: this tab's copy at once, then the store's (said if not)."""
    st.session_state[WORKING] = (homework.code, progress)
    try:
        if not _store().save_progress(homework.code, _student_id(), progress, time.time()):
            st.session_state[PROBLEM] = tr("homework.students_full", max=hw.MAX_STUDENTS)
    except StoreUnavailable:
        st.session_state[PROBLEM] = tr("homework.not_kept")


def _go(homework: Homework, index: int, steps: int) -> None:
    """Previous or Next (a callback)."""
    try:
        _keep(homework, hw.go_to(_progress(homework), index, steps))
    except StoreUnavailable:
        st.session_state[PROBLEM] = tr("homework.down")
        return
    except HomeworkError as error:
        st.session_state[PROBLEM] = tr(f"homework.error_{error.key}", **error.params)
        return
    st.query_params["step"] = str(index + 1)


def _send(homework: Homework, question: Question, index: int = 0) -> None:
    """An answer (a callback): read by the one number reader, or the choice picked (only one
    of the step's choices: anything else a tab sends is refused, said why); judged, kept."""
    if question.choices:
        value = st.session_state.get(_choice_key(index))
        if not is_choice(question, value):
            st.session_state[PROBLEM] = tr("class.choose_first" if value is None else "class.not_a_choice")
            return
    else:
        typed = st.session_state.get("homework_answer", "")
        if not isinstance(typed, str) or len(typed) > MAX_TYPED:
            st.session_state[PROBLEM] = tr("homework.answer_long", max=40)
            return
        try:
            value = parse_number(typed)
        except NumberError as error:
            st.session_state[PROBLEM] = translated_error(number_error(error, tr("quiz.your_answer")))
            return
    _answer(homework, question, value)


def _answer(homework: Homework, question: Question, value: object) -> None:
    """Judge ``value`` (a number, a choice's value, a which-cells mask) at the student's step
    and keep it; what went wrong said instead."""
    try:
        progress = _progress(homework)
        answered, _ = hw.answer(progress, progress.step, value, question)
    except StoreUnavailable:
        st.session_state[PROBLEM] = tr("homework.down")
        return
    except HomeworkError as error:
        st.session_state[PROBLEM] = tr(f"homework.error_{error.key}", **error.params)
        return
    _keep(homework, answered)


def _name(homework: Homework) -> None:
    """The nickname's Save (a callback): checked, then kept (an empty one keeps nothing)."""
    try:
        _keep(homework, hw.set_nickname(_progress(homework), st.session_state.get("homework_nickname", "")))
    except HomeworkError as error:
        st.session_state[PROBLEM] = tr(f"homework.error_{error.key}", **error.params)
    except StoreUnavailable:
        st.session_state[PROBLEM] = tr("homework.down")
    st.session_state["homework_nickname_done"] = homework.code


def _step_from_link(homework: Homework, progress: Progress, steps: int) -> Progress:
    """The link's ``step`` (from 1), if it names another step the student may open; a
    crafted one is said, and the student's own step is used (and written back)."""
    typed = st.query_params.get("step")
    wanted = int(typed) - 1 if typed is not None and typed.isascii() and typed.isdigit() and len(typed) < 4 else None
    if typed is not None and wanted != progress.step:
        try:
            if wanted is None:
                raise HomeworkError("step", count=steps)
            progress = hw.go_to(progress, wanted, steps)
            _keep(homework, progress)
        except HomeworkError as error:
            shown = user_text(typed, limit=12)
            st.warning(tr("homework.bad_step", step=shown, why=tr(f"homework.error_{error.key}", **error.params)),
                       icon=":material/link_off:")  # fmt: skip
    st.query_params["step"] = str(progress.step + 1)
    return progress


def student_view(homework: Homework, deck: Deck) -> None:
    """A student's way through the deck: one step at a time, its words, its setup, its
    question with feedback after each answer; Previous and Next."""
    language, steps = current_language(), len(deck.steps)
    try:
        progress = _step_from_link(homework, _progress(homework), steps)
    except StoreUnavailable:
        st.warning(tr("homework.down"), icon=":material/cloud_off:")
        return
    _title(deck, language)
    if homework.nickname and st.session_state.get("homework_nickname_done") != homework.code and not progress.nickname:
        _nickname_form(homework)
    elif progress.nickname:
        st.caption(tr("homework.you_are", name=user_text(progress.nickname, limit=hw.MAX_NICKNAME)))
    problem = st.session_state.pop(PROBLEM, None)
    if problem:
        st.warning(problem, icon=":material/info:")
    index = progress.step
    st.progress((index + 1) / steps, text=tr("homework.place", step=index + 1, count=steps))
    step, question = deck.steps[index], _questions(homework.deck)[index]
    said = words(step.text, language)
    if said:
        st.container(border=True, key="homework_words").text(said)  # plain text: a deck's words are never Markdown
    if question is not None:
        _question(homework, progress, question)
    else:
        _setup(homework, step.setup, index)
    _navigation(homework, index, steps)


def _title(deck: Deck, language: str) -> None:
    st.html(TITLE_CSS)
    st.container(key="homework_title").text(words(deck.title, language))


def _nickname_form(homework: Homework) -> None:
    with st.form("homework_nickname_form", border=True):
        st.text_input(tr("homework.nickname"), key="homework_nickname", max_chars=hw.MAX_NICKNAME,
                      help=tr("homework.nickname_help"))  # fmt: skip
        st.form_submit_button(tr("homework.nickname_save"), key="homework_nickname_save", icon=":material/badge:",
                              on_click=_name, args=(homework,))  # fmt: skip


def _question(homework: Homework, progress: Progress, question: Question) -> None:
    if is_cells(question.kind):
        _cells_question(homework, progress, question)
        return
    index = progress.step
    given = progress.answers.get(index, ())
    done = progress.done(index, question)
    st.markdown(tr("homework.question", target=question.target))
    if not done:
        with st.form("homework_answer_form", border=False, clear_on_submit=True):
            if question.choices:  # a deck step asked "as": "choice" (classroom/choices.py)
                st.html(CHOICE_CSS)
                order = choice_order(question, homework.code)
                labels = dict(zip(order, choice_labels(order)))
                st.radio(tr("class.choose"), order, index=None, key=_choice_key(index),
                         format_func=lambda value: labels.get(value, str(value)))  # fmt: skip
                right = st.columns([1, 2])[0]
            else:
                left, right = st.columns([3, 1], vertical_alignment="bottom")
                left.text_input(tr("quiz.answer"), key="homework_answer", max_chars=40, help=tr("quiz.answer_help"))
            right.form_submit_button(tr("homework.check"), key="homework_check", icon=":material/check:",
                                     on_click=_send, args=(homework, question, index), width="stretch")  # fmt: skip
    if given:
        _feedback(question, hw.verdict(question, given[-1]), done, len(given))
    _question_grids(homework, question, done)


def _cells_key(homework: Homework, step: int) -> str:
    return f"homework_cells_{homework.code}_{step}"  # each step's own set tapped


def _cells_question(homework: Homework, progress: Progress, question: Question) -> None:
    """A deck step's "which cells" question: the student's grid to tap (ui/cells.py), Clear
    and Check; the last set judged cell by cell."""
    index = progress.step
    given = progress.answers.get(index, ())
    done = progress.done(index, question)
    st.markdown(tr(f"class.cells_question_{question.kind}", number=index + 1, row=question.cell[0],
                   col=question.cell[1]))  # fmt: skip
    computed = _computed(question.setup)
    if not done and computed is not None:
        state_key = _cells_key(homework, index)
        tap_grid(question, computed, grid_key="homework_cells_grid", state_key=state_key,
                 file_prefix=f"avgpool_homework_{homework.code}_cells")  # fmt: skip
        left, right = st.columns(2)
        left.button(tr("class.cells_clear"), key="homework_cells_clear", icon=":material/backspace:",
                    on_click=clear, args=(state_key,), width="stretch")  # fmt: skip
        right.button(tr("homework.check"), key="homework_check", icon=":material/check:", type="primary",
                     on_click=_send_cells, args=(homework, question, index), width="stretch")  # fmt: skip
    if given:
        explanation = question.explanation.get(current_language(), "") if done else ""
        if hw.verdict(question, given[-1]).right:
            st.success(tr("class.cells_right", count=len(question.cells), explanation=explanation),
                       icon=":material/lightbulb:")  # fmt: skip
        else:
            tail = explanation if done else tr("homework.try_again", left=hw.MAX_ATTEMPTS - len(given))
            st.info(wrong_text(question, read_mask(given[-1], question.grid), tail), icon=":material/lightbulb:")
    _question_grids(homework, question, done)


def _send_cells(homework: Homework, question: Question, index: int) -> None:
    """Check the set tapped (a callback): as a mask of the question's grid, judged, kept."""
    try:
        mask = encode_mask(tapped(_cells_key(homework, index)), question.grid)
    except CellsError as error:
        st.session_state[PROBLEM] = tr(f"class.cells_{error.key}")
        return
    _answer(homework, question, mask)


def _choice_key(step: int) -> str:
    return f"homework_choice_{step}"  # each step's own: nothing picked yet


CHOICE_CSS = """<style>
[class*="st-key-homework_choice_"] [role="radiogroup"] label { padding: 0.35rem 0; min-height: 2.75rem; }
[class*="st-key-homework_choice_"] [role="radiogroup"] p { font-size: 1.2rem; }
</style>"""  # touch targets of at least 44 px on a phone, as in a class


def _feedback(question: Question, said: hw.Verdict, done: bool, count: int) -> None:
    """The last answer judged: right, or the misconception named (as the solo quiz says it);
    the explanation once the step is done."""
    explanation = question.explanation.get(current_language(), "") if done else ""
    if said.right:
        st.success(tr("class.right", explanation=explanation), icon=":material/lightbulb:")
        return
    meaning = tr("class.maybe", meaning=tr(f"class.mistake_{said.mistake}")) if said.mistake else ""
    tail = explanation if done else tr("homework.try_again", left=hw.MAX_ATTEMPTS - count)
    st.info(tr("class.wrong", answer=exact_text(said.value), meaning=meaning, explanation=tail),
            icon=":material/lightbulb:")  # fmt: skip


def _computed(setup):
    try:
        return computed_from_setup(setup, current_language())
    except (SetupError, PoolingError, InputError) as error:
        reason = tr(f"class.setup_{error.key}") if isinstance(error, SetupError) else translated_error(error)
        st.warning(reason, icon=":material/block:")
        return None


def _question_grids(homework: Homework, question: Question, done: bool) -> None:
    computed = _computed(question.setup)
    if computed is not None:
        question_grids(computed, question.cell, done, key="homework_grids", kind=question.kind,
                       file_prefix=f"avgpool_homework_{homework.code}")  # fmt: skip
    if done:
        st.link_button(tr("homework.open_step"), setup_link(question.setup), icon=":material/open_in_new:")


def _setup(homework: Homework, setup, index: int) -> None:
    """A step without a question: its setup's four grids, each cell explained on a click."""
    computed = _computed(setup)
    if computed is None:
        return
    language = current_language()
    rows, cols = computed.x.shape
    st.markdown(tr("class.setup_line", call=f"`{computed.params.torch_call()}`", rows=rows, cols=cols,
                   loss=computed.loss.torch_code))  # fmt: skip
    explain = pooling_explainer(
        computed.x, computed.y, computed.loss.grad_output, computed.grad_input, computed.windows, language
    )
    show_grids(playground_grids(computed, language), key="homework_grids", windows=window_axes(computed.windows),
               file_prefix=f"avgpool_homework_{homework.code}_{index + 1}", explain=explain)  # fmt: skip
    st.link_button(tr("homework.open_step"), setup_link(setup), icon=":material/open_in_new:")


def _navigation(homework: Homework, index: int, steps: int) -> None:
    left, right = st.columns(2)
    left.button(tr("homework.previous"), key="homework_previous", icon=":material/skip_previous:", width="stretch",
                disabled=index == 0, on_click=_go, args=(homework, index - 1, steps))  # fmt: skip
    right.button(tr("homework.next"), key="homework_next", icon=":material/skip_next:", type="primary",
                 width="stretch", disabled=index + 1 >= steps, on_click=_go,
                 args=(homework, index + 1, steps))  # fmt: skip
    if index + 1 >= steps:
        st.success(tr("homework.last"), icon=":material/flag:")


# ---------------------------------------------------------------------------------------
# The teacher's report.


def report_view(homework: Homework, deck: Deck) -> None:
    """The report's head (the deck, the dates, the students' link) and its live body."""
    language = current_language()
    _title(deck, language)
    assigned = datetime.fromtimestamp(homework.assigned, UTC).strftime("%Y-%m-%d")
    kept = datetime.fromtimestamp(homework.expires, UTC).strftime("%Y-%m-%d")
    st.caption(tr("homework.report_caption", code=homework.code, assigned=assigned, kept=kept))
    students, _ = _links(homework.code, "")
    with st.expander(tr("homework.share_again"), icon=":material/share:"):
        st.code(students, language=None, wrap_lines=True)
        _qr(students, 160)
    _live_report(homework, deck)
    with st.popover(tr("homework.delete"), icon=":material/delete:"):
        st.markdown(tr("homework.delete_sure"))
        st.button(tr("homework.delete_yes"), key="homework_delete", type="primary", on_click=_delete,
                  args=(homework.code,))  # fmt: skip


def _delete(code: str) -> None:
    """ "Delete this homework" (a callback): the secret checked again, then the homework, its
    students' progress and its report are gone."""
    try:
        homework = _store().load(code, time.time())
        if homework is None or not hw.teacher_may(homework, st.query_params.get("report")):
            return
        _store().delete(code)
    except StoreUnavailable:
        st.session_state[PROBLEM] = tr("homework.down")
        return
    st.session_state["homework_deleted"] = code


@st.cache_resource
def _ticker():
    """The report's refresh timer in the browser, registered once per server (ui/report_ticker.js)."""
    js = (Path(__file__).parent / "report_ticker.js").read_text()
    hidden = ".st-key-homework_report_ticker { display: none; }"  # it draws nothing: no gap for it
    return st.components.v2.component("avgpool_report_ticker", html="", css=hidden, js=js, isolate_styles=False)


def _ticked() -> None:
    """The browser's timer fired (a callback): the fragment's rerun it asks for is all it takes."""


@st.fragment
def _live_report(homework: Homework, deck: Deck) -> None:
    """The report's numbers, read again ``REPORT_EVERY`` seconds after each draw while the page
    is open (one read of every student's progress: at most ``MAX_STUDENTS`` small entries): a
    timer in the browser asks for this fragment's rerun (ui/report_ticker.js)."""
    drawn = st.session_state["homework_report_drawn"] = st.session_state.get("homework_report_drawn", 0) + 1
    _ticker()(key="homework_report_ticker", data={"every_ms": round(REPORT_EVERY * 1000), "drawn": drawn},
              on_tick_change=_ticked)  # fmt: skip
    try:
        progresses = _store().progresses(homework.code)
    except StoreUnavailable:
        st.warning(tr("homework.down"), icon=":material/cloud_off:")
        return
    questions = _questions(homework.deck)
    rows = hw.report(questions, progresses)
    finished = sum(progress.furthest + 1 >= len(deck.steps) for progress in progresses)
    st.markdown(tr("homework.report_counts", students=len(progresses), finished=finished))
    language = current_language()
    table = {
        tr("homework.col_step"): [row.index + 1 for row in rows],
        tr("homework.col_words"): [_short(words(step.text, language)) for step in deck.steps],
        tr("homework.col_question"): [q.target if q else "" for q in questions],
        tr("homework.col_answer"): [_answer_text(q) for q in questions],
        tr("homework.col_reached"): [str(row.reached) for row in rows],
        tr("homework.col_right_first"): [str(row.right_first) if q else "—" for row, q in zip(rows, questions)],
        tr("homework.col_answered"): [str(row.answered) if q else "—" for row, q in zip(rows, questions)],
    }
    counts = [tr(f"homework.col_{name}") for name in ("step", "reached", "right_first", "answered")]
    columns = {name: st.column_config.TextColumn(width="small") for name in counts}  # short numbers
    columns[tr("homework.col_words")] = st.column_config.TextColumn(width="large")  # the step's words get the room
    st.dataframe(table, hide_index=True, key="homework_report_table", width="stretch", column_config=columns)
    _misconceptions(rows, questions)
    if homework.nickname:
        _students(progresses, questions)
    meanings = {key: tr(f"class.mistake_{key}") for key in _mistake_keys()} | {"": tr("homework.unexplained_csv")}
    st.download_button(tr("homework.download"), hw.report_csv(rows, questions, meanings), mime="text/csv",
                       file_name=f"avgpool_homework_{homework.code}.csv", icon=":material/download:",
                       on_click="ignore", key="homework_download")  # fmt: skip


def _answer_text(question: Question | None) -> str:
    if question is None:
        return ""
    return cells_label(question.cells) if is_cells(question.kind) else exact_text(question.truth)


def _mistake_keys() -> tuple[str, ...]:
    cells = tuple(f"cells_{key}" for key in MISTAKES)  # a "which cells" step's (classroom/homework.verdict)
    return ("divisor", "output_divisor", "one_share", "padding_counted", "padding_not_counted", "mean", *cells)


def _misconceptions(rows: tuple[hw.StepReport, ...], questions: tuple[Question | None, ...]) -> None:
    """Per question, the misconceptions its wrong answers show, with how many students."""
    lines = []
    for row, question in zip(rows, questions):
        if question is None or not row.answered:
            continue
        said = [
            tr("homework.mistake_line", count=count, meaning=tr(f"class.mistake_{key}")) for key, count in row.mistakes
        ]
        if row.unexplained:
            said.append(tr("homework.unexplained", count=row.unexplained))
        head = tr("homework.step_line", step=row.index + 1, target=question.target, right=row.right_first,
                  answered=row.answered)  # fmt: skip
        lines.append(head + "".join(f"\n    - {line}" for line in said or [tr("homework.no_mistakes")]))
    if lines:
        st.markdown(tr("homework.misconceptions") + "\n" + "\n".join(f"- {line}" for line in lines))


def _students(progresses: list[Progress], questions: tuple[Question | None, ...]) -> None:
    """The students who gave a nickname: how far each got, how many right first time (a table:
    the names are plain text)."""
    named = [progress for progress in progresses if progress.nickname]
    if not named:
        return
    right = [
        sum(bool(p.answers.get(i)) and hw.verdict(q, p.answers[i][0]).right for i, q in enumerate(questions) if q)
        for p in named
    ]
    st.dataframe({tr("homework.col_nickname"): [p.nickname for p in named],
                  tr("homework.col_furthest"): [p.furthest + 1 for p in named],
                  tr("homework.col_right_first"): right}, hide_index=True, key="homework_students")  # fmt: skip


def _short(said: str, limit: int = 60) -> str:
    """``said`` on one line, cut to ``limit`` columns with "…": a Chinese character takes two
    columns (its East Asian width), so both languages fill the report's Words column alike.

    >>> _short("The classic 4×4", 10), _short("经典的四乘四例子", 10)
    ('The class…', '经典的四…')
    """
    said, width = " ".join(said.split()), 0
    for index, character in enumerate(said):
        width += 2 if unicodedata.east_asian_width(character) in "WF" else 1
        if width > limit - 1 and index < len(said) - 1:
            return said[:index] + "…"
    return said
