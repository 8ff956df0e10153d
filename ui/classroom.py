"""A live class in this browser tab: its seat (teacher, student or projector), the teacher's
setup sent to the store and applied to every following student, and the class bar at the top
of every page.

The rules are ``classroom/model.py``, the shared state ``classroom/store.py``; this module
moves them between the store and the session. How a change reaches a student: the teacher's
run saves the new lesson (a new version) and publishes it once (``classroom/notify.py``);
each student's tab holds the class's events stream open (``listen``: classroom/events.py,
ui/class_listener.js) and, when it hears a newer version, reruns once; that run applies the
setup before the sidebar is drawn (``before_page``), as a preset link does. No student tab
runs anything while the class does not change. The teacher's secret and a student's identity
stay in cookies of their browser, so a reload or another replica taking the tab over keeps them.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from classroom import model
from classroom.cookies import COOKIE_PATH, HANDOVER_SECONDS
from classroom.events import heard_lesson, overview
from classroom.model import Lesson, Seat, Setup
from classroom.notify import ENDED, open_notifier
from classroom.store import ClassStore, StoreUnavailable, open_store
from figures.views import explained_selection
from i18n import user_text
from scenario.inputs import InputError
from scenario.params import DEFAULTS
from scenario.typed_grid import TypedGrid, decode_grid
from ui.class_bar import class_bar
from ui.display import current_palette, select_cell
from ui.fairness import HEAVY_DEBT, RATE, TEACHER_RATE, Lane, set_rate, wait_for_budget
from ui.lang import current_language, tr

__all__ = [
    "LIVE_PAGE",
    "after_page",
    "before_page",
    "class_action",
    "class_store",
    "current_lesson",
    "explore_alone",
    "follow_teacher",
    "followed_setup",
    "forget",
    "join",
    "join_box",
    "join_typed",
    "kept_secret",
    "last_lesson",
    "leave",
    "listen",
    "reachable_store",
    "refresh_lane",
    "rerun_when_heard",
    "say_failed",
    "seat",
    "secret",
    "send_setup",
    "start_class",
    "start_limited",
    "start_limits",
    "started",
    "take_class_setup",
    "teacher_action",
    "teacher_change",
]

SEAT = "class_seat"  # this tab's Seat
SECRET = "class_secret"  # the teacher's secret (the teacher's tab only)
PUBLISHED = "class_published"  # the Setup this teacher's session last sent (or took from the store)
LAST_SEEN = "class_last_seen"  # the Lesson as this tab last read it
FAILED = "class_failed"  # the class action the store's outage stopped (said on the next run)
PENDING = "class_pending"  # (code, view) of a join the store's outage holds up
URL_PENDING = "class_url_pending"  # a following tab's view not yet in its address (rerun_when_heard)
ACTIONS = {  # what a class action is called when it is said not to have happened
    "start": "class.action_start",
    "send": "class.action_send",
    "ask": "class.action_ask",
    "reveal": "class.action_reveal",
    "next": "class.action_next",
    "end": "class.action_end",
    "prepare": "class.action_prepare",
    "deck": "class.action_deck",
    "close": "peer.action_close",
    "discuss": "peer.action_discuss",
    "vote_again": "peer.action_vote_again",
    "show": "peer.action_show",
    "pause": "peer.action_pause",
}
STUDENT_COOKIE = "avgpool_student"
TEACHER_COOKIE = "avgpool_teacher"  # "CODE:SECRET" of the class this browser teaches (one at a time)
LIVE_PAGE = "live_class"
FOLLOWED_PAGES = ("", "step_by_step")  # the pages a following student is taken to
# The join link (and its QR code) carries a key of its own (``model.join_key``): it always joins,
# counted by nothing. A typed code (the sidebar's, the Live class page's, a link without its
# key) is looked up only while the whole deployment has typed fewer than this many wrong codes
# in the minute (the last 60 s in SQLite, the clock minute in Redis); past it, typed codes wait
# for the next minute and the student is told to open the link: guessing is bounded by this,
# however many addresses guess (docs/live-class.md).
WRONG_CODES_PER_MINUTE = int(os.environ.get("CLASS_WRONG_CODES_PER_MINUTE", "30"))
TYPED, TYPED_RIGHT = "join:typed", "join:typed:right"  # the limit's keys: every typed code, the right ones
# The proxies whose X-Forwarded-For is believed (comma-separated addresses or networks; deploy/):
# without one, every address is the connection's own, which a client cannot forge.
TRUSTED_PROXIES = frozenset(part.strip() for part in os.environ.get("CLASS_TRUSTED_PROXIES", "").split(",")) - {""}
LIMIT_WINDOW = 600.0
STARTS_PER_BROWSER, STARTS_PER_NETWORK = 5, 30  # classes started per 10 minutes
GRIDS_KEY = "playground_grids"
# Where a pushed view is drawn: the grid component of whichever of these pages the tab is on
# (the Playground, or the class's page during a question: pages/live_class.py).
PUSHED_GRIDS = (GRIDS_KEY, "class_question_grids")
# Seconds within which a following student's tab reruns after its grids were redrawn from a
# pushed view (ui/class_listener.js): a class's 200 reruns spread over this, not all at once.
# The tests' servers set it lower (tests/conftest.py): a handful of tabs needs no spreading.
RERUN_SPREAD = float(os.environ.get("CLASS_RERUN_SPREAD", "2.0"))
REFRESH = "class_refresh"  # set by the listener's callback: this run is a refresh (refresh_lane)
# One following tab's refresh at a time on a server (a process); one that waited 10 s goes anyway.
REFRESH_LANE = Lane(patience=10.0)


@st.cache_resource
def class_store() -> ClassStore | StoreUnavailable:
    """The store ``CLASS_STORE`` names, opened once per server (or why it cannot be)."""
    try:
        return open_store()
    except StoreUnavailable as error:
        return error


def reachable_store() -> ClassStore:
    store = class_store()
    if isinstance(store, StoreUnavailable):
        raise store
    return store


def seat() -> Seat | None:
    """This tab's seat in a class, if it has one."""
    return st.session_state.get(SEAT)


def _keep(new: Seat | None) -> None:
    st.session_state[SEAT] = new


def secret() -> str | None:
    """The teacher's secret for this tab's class: kept in the session, or in the cookie the
    teacher's browser was given when the class started."""
    current = seat()
    if current is None:
        return None
    return st.session_state.get(SECRET) or _cookie_secret(current.code)


def _browser_text(found: object) -> str:
    """A cookie's or a header's text as the browser sent it ("" when there is none: AppTest,
    for one, has no browser)."""
    return found if isinstance(found, str) else ""


def kept_secret() -> str | None:
    """The teacher's secret this browser keeps (this session's, or its cookie's, whatever its
    class): one teacher, one secret, for every class they start and every report they keep."""
    kept = st.session_state.get(SECRET) or _browser_text(st.context.cookies.get(TEACHER_COOKIE)).partition(":")[2]
    return kept if model.valid_student(kept) else None  # a secret has a student identity's shape


def _cookie_secret(code: str) -> str | None:
    """The teacher's secret kept in this browser's cookie, if it is for class ``code``."""
    kept_code, _, kept_secret = _browser_text(st.context.cookies.get(TEACHER_COOKIE)).partition(":")
    return kept_secret if kept_code == code and kept_secret else None


def current_lesson(heard: str | None = None) -> Lesson | None:
    """This tab's class as the store has it now (None: ended, expired, or no class); kept, so
    that while the store cannot be reached the page still draws the class as last seen.
    ``heard``: what a following tab's listener heard on this server's events stream, in the
    rerun it asked for: at that version, the class as this server's watch read it for that
    version, once for all its tabs (``heard_lesson``), when it has it; else (``down`` too)
    the store's, so that the rerun draws what the tab heard."""
    current = seat()
    lesson = None if current is None or heard is None else heard_lesson(current.code, current.key, heard)
    if current is not None and lesson is None:
        lesson = reachable_store().load(current.code, time.time())
    st.session_state[LAST_SEEN] = lesson
    return lesson


def followed_setup() -> Setup | None:
    """The teacher's setup while this tab is a student's that follows them (the defaults
    until the teacher sends one), else None: the sidebar then shows it as one block
    (ui/teacher_setup.py), with no control to draw."""
    current, lesson = seat(), last_lesson()
    if current is None or current.role != "student" or not current.following or lesson is None:
        return None
    return lesson.setup or Setup()


def rerun_when_heard() -> None:
    """This run could not write the view into the address (``ui.teacher_setup``): the
    listener is told it drew nothing yet, so it asks for one more run when it hears the
    class's state (at once, on the stream it opens), and that run writes it."""
    st.session_state[URL_PENDING] = True


def last_lesson() -> Lesson | None:
    """The class as this tab last read it (for drawing while the store is down)."""
    current, lesson = seat(), st.session_state.get(LAST_SEEN)
    return lesson if current is not None and lesson is not None and lesson.code == current.code else None


@contextmanager
def class_action(action: str) -> Iterator[None]:
    """Around a class action (``action``, a key of ``ACTIONS``: start, send, ask, reveal, next,
    end, prepare; a button's callback): when the store cannot be reached it did not happen, and the next run says so
    (``say_failed``) instead of replacing the page with the error."""
    try:
        yield
    except StoreUnavailable:
        st.session_state[FAILED] = action


def say_failed() -> None:
    """The class action that did not happen in this tab's last callback, said once."""
    action = st.session_state.pop(FAILED, None)
    if action is not None:
        code = seat().code if seat() is not None else st.session_state.get(PENDING, ("",))[0]
        st.warning(tr("class.failed", action=tr(ACTIONS[action]), code=code), icon=":material/cloud_off:")


def _client() -> str:
    """Who is asking, for the limits: the connection's address, or the one a trusted proxy saw."""
    forwarded = _browser_text(st.context.headers.get("X-Forwarded-For"))
    return model.client_address(_browser_text(st.context.ip_address) or None, forwarded, TRUSTED_PROXIES)


def _limited(keys: dict[str, int], now: float) -> bool:
    """Whether any of ``keys`` (a rate limit's key -> its limit) is used up in this window."""
    store = reachable_store()
    return any(store.attempts(key, LIMIT_WINDOW, now) >= limit for key, limit in keys.items())


def _student_id() -> str:
    """This browser's anonymous identity (its cookie), or a new one."""
    student = _browser_text(st.context.cookies.get(STUDENT_COOKIE))
    return student if model.valid_student(student) else model.new_student()


def join(code_text: object, view: str | None = None, key: object = None) -> str | None:
    """Take a seat in the class ``code_text`` names; returns the catalogue key of what went
    wrong (``class.no_code``, ``class.no_class``, ``class.typed_closed``), or None. A link with
    the class's key, or its teacher's browser, joins at once; a typed code within the
    deployment's limit of wrong ones. The tab's address keeps the key (a reload joins at once)."""
    code = model.normalized_code(code_text)
    if code is None:
        return "class.no_code"
    store, now, student = reachable_store(), time.time(), _student_id()
    known = (st.session_state.get(SECRET) if (seat() and seat().code == code) else None) or _cookie_secret(code)
    lesson = store.load(code, now) if (isinstance(key, str) and key) or known else None
    if lesson is None or not (_keyed(lesson, key) or model.teacher_may(lesson, known)):
        lesson, problem = _typed_code(store, code, now)  # the same answer, whatever was tried above
        if problem:
            return problem
    teacher = model.teacher_may(lesson, known)
    role = "projector" if view == "projector" else "teacher" if teacher else "student"
    _keep(Seat(code, role, student, following=role != "teacher", key=model.join_key(lesson)))
    st.session_state.class_cookies = {STUDENT_COOKIE: student}
    st.query_params["key"] = model.join_key(lesson)
    return None


def _keyed(lesson: Lesson, key: object) -> bool:
    """Whether ``key`` is the join link's key of ``lesson`` (compared in constant time)."""
    return isinstance(key, str) and secrets.compare_digest(key.encode(), model.join_key(lesson).encode())


def _typed_code(store: ClassStore, code: str, now: float) -> tuple[Lesson | None, str | None]:
    """A typed code looked up, if the minute's wrong codes leave room: (its lesson, None) or
    (None, what went wrong). Each lookup is counted before it is made and a right one is taken
    back after, so however many tabs type at once, at most ``WRONG_CODES_PER_MINUTE`` wrong codes
    are looked up in a minute (a refused one, counted by nothing, costs the store no row)."""

    def wrong() -> int:
        return store.attempts(TYPED, 60.0, now) - store.attempts(TYPED_RIGHT, 60.0, now)

    if wrong() >= WRONG_CODES_PER_MINUTE:
        return None, "class.typed_closed"
    store.attempt(TYPED, 60.0, now)
    if wrong() > WRONG_CODES_PER_MINUTE:  # others counted meanwhile: their turn, not this one's
        return None, "class.typed_closed"
    lesson = store.load(code, now)
    if lesson is None:
        return None, "class.no_class"
    store.attempt(TYPED_RIGHT, 60.0, now)
    return lesson, None


def start_limits(what: str) -> dict[str, int]:
    """The limits on starting ``what`` ("start": a class; "homework": an assignment) from this
    browser and its network, each per 10 minutes: a rate limit's key -> its limit. One browser
    cannot fill a server's classes (200) or homework (1,000) and lock a school out."""
    return {f"{what}:browser:{_student_id()}": STARTS_PER_BROWSER, f"{what}:network:{_client()}": STARTS_PER_NETWORK}


def start_limited(limits: dict[str, int], now: float) -> bool:
    """Whether any of ``limits`` (``start_limits``) is used up in this window."""
    return _limited(limits, now)


def started(limits: dict[str, int], now: float) -> None:
    """Count one start against each of ``limits``."""
    store = reachable_store()
    for key in limits:
        store.attempt(key, LIMIT_WINDOW, now)


def start_class() -> str | None:
    """Start a class with this tab as its teacher; the catalogue key of what went wrong, or
    None. A browser may start 5 classes per 10 minutes, a network 30 (the server holds 200)."""
    store, now = reachable_store(), time.time()
    limits = start_limits("start")
    if start_limited(limits, now):
        return "class.too_many_starts"
    secret_text = kept_secret() or model.new_secret()  # the teacher's: their reports are found by it
    for _ in range(20):  # a taken code is rare: 200 classes in 3.2 million codes
        lesson = model.start(model.new_code(), secret_text)
        if store.create(lesson, now):
            break
    else:
        return "class.full"
    started(limits, now)
    st.session_state[SECRET] = secret_text
    # One cookie, for the class this browser teaches now (a new class replaces it).
    st.session_state.class_cookies = {TEACHER_COOKIE: f"{lesson.code}:{secret_text}", STUDENT_COOKIE: _student_id()}
    _keep(Seat(lesson.code, "teacher", model.new_student(), following=False, key=model.join_key(lesson)))
    st.query_params["class"] = lesson.code
    st.query_params["key"] = model.join_key(lesson)  # a reload of this tab joins at once
    return None


def join_typed(typed: object) -> str | None:
    """A typed code's Join (a callback): the catalogue key of what went wrong, or None. When
    the store cannot be reached, the code goes into the link, where ``before_page`` keeps
    the join pending until the store is back."""
    try:
        problem = join(typed)
    except StoreUnavailable:
        problem = None
    code = seat().code if seat() is not None else model.normalized_code(typed)
    if problem is None and code is not None:
        st.query_params["class"] = code
    return problem


def _join_typed() -> None:
    """The sidebar's Join (a callback): the typed code, as a link's ``class=`` would be."""
    st.session_state.class_join_problem = join_typed(st.session_state.get("class_code_sidebar", ""))


def join_box() -> None:
    """'Join a class' in the sidebar of every page (the start page too), while not in one."""
    if seat() is not None or st.session_state.get("current_page") == LIVE_PAGE:
        return
    with st.form("class_join_sidebar", border=False):
        st.text_input(tr("class.code"), key="class_code_sidebar", max_chars=12, placeholder=tr("class.code_hint"))
        st.form_submit_button(tr("class.join"), icon=":material/login:", on_click=_join_typed)
    problem = st.session_state.pop("class_join_problem", None)
    if problem:
        code = user_text(st.session_state.get("class_code_sidebar", ""), limit=12)
        st.warning(tr(problem, code=code), icon=":material/group_off:")


def explore_alone() -> None:
    """'Explore on my own' (a button's callback): the controls are drawn, starting from the
    teacher's values (given again: the sidebar drew no control while following)."""
    try:
        lesson = current_lesson()
    except StoreUnavailable:  # exploring needs no store: from the setup last seen
        lesson = last_lesson()
    if lesson is not None and lesson.setup is not None:
        _apply(lesson.setup)
    _keep(model.explore(seat()))


def follow_teacher() -> None:
    """'Follow the teacher' (a button's callback): the teacher's setup at once."""
    _keep(model.follow(seat()))


def leave() -> None:
    """Leave the class (this tab only)."""
    _keep(None)
    st.query_params.pop("class", None)
    st.query_params.pop("view", None)
    st.query_params.pop("key", None)


def teacher_action(action: str, change) -> None:
    """A teacher's button (a callback): ``change`` applied (``teacher_change``), or said not
    to have happened when the store cannot be reached (``class_action``)."""
    with class_action(action):
        teacher_change(change)


def teacher_change(change) -> bool:
    """Apply ``change`` (a transition of classroom.model) to the lesson as the teacher, by
    compare-and-set (retried once when another tab of the teacher saved in between). False
    when this tab is not the teacher's (a crafted message from a student's tab ends here)."""
    store = reachable_store()
    for _ in range(2):
        lesson = current_lesson()
        if lesson is None or not model.teacher_may(lesson, secret()):
            return False
        changed = change(lesson)
        if changed == lesson:
            return True
        if changed.question != lesson.question:  # its times, for the report (the store's clock)
            changed = model.stamped(lesson, changed, store.clock())
        if store.save(changed, lesson.version, time.time()):
            open_notifier().publish(changed.code, changed.version)  # every following tab hears it
            return True
    return False


def forget(code: str) -> None:
    """The ended class ``code`` forgotten by the store; every tab that follows it told so."""
    reachable_store().delete(code)
    open_notifier().publish(code, ENDED)


# ---------------------------------------------------------------------------------------
# The teacher's setup, sent; a following student's, applied.


def _current_setup() -> Setup | None:
    """The setup this tab shows, on a page students follow (elsewhere the sidebar's widgets
    are not drawn and Streamlit forgets their values: nothing to send then): its page, the
    sidebar's values, the typed grids and the explained cell from the link."""
    page = st.session_state.get("current_page", "")
    if page not in FOLLOWED_PAGES:
        return None
    controls = {key: st.session_state.get(key, default) for key, default in DEFAULTS.items()}
    typed = {key: st.query_params[key] for key in ("x", "grad") if key in st.query_params}
    explain = st.query_params.get("explain") if page == "" else None
    return Setup(page, controls, typed, explain)


def send_setup() -> None:
    """The teacher's tab: send its setup when it changed (cheap when it did not). Called after
    every run that may change it: the whole page's, and the fragments' that a slider or a click
    reruns alone (ui/scenario.py, pages/playground.py), so the change leaves with the run that
    made it."""
    try:
        _publish_setup()
    except StoreUnavailable:
        st.session_state.class_down = True


def _publish_setup() -> None:
    current = seat()
    if current is None or current.role != "teacher":
        return
    setup = _current_setup()
    if setup is None or setup == st.session_state.get(PUBLISHED):
        return
    if teacher_change(lambda lesson: model.publish(lesson, setup)):
        st.session_state[PUBLISHED] = setup


def take_class_setup() -> None:
    """The teacher's tab takes the class's setup (a deck's step, published from the cockpit)
    before its sidebar is drawn on the next page students follow, instead of sending its own."""
    st.session_state.pop(PUBLISHED, None)


def _apply(setup: Setup) -> None:
    """Give this tab the teacher's setup, as a preset link would: the sidebar's values (set
    before its widgets are drawn), the typed grids, the explained cell."""
    from classroom.setups import setup_values

    for key, value in setup_values(setup).items():
        st.session_state[key] = value
    grids = st.session_state.setdefault("typed_grids", {})
    for name in ("x", "grad"):
        typed = TypedGrid()  # no grid in the setup: the start grid, whatever this tab typed
        if name in setup.typed:
            try:
                typed = TypedGrid.from_texts(decode_grid(setup.typed[name], name))
            except InputError:
                continue
            st.query_params[name] = setup.typed[name]
        else:
            st.query_params.pop(name, None)
        kept = grids.get(name, TypedGrid())
        if typed.cells != kept.cells:  # the browser's grid starts afresh with the teacher's cells
            grids[name] = replace(typed, revision=kept.revision + 1, shown=dict(typed.cells))
    select_cell(GRIDS_KEY, explained_selection(setup.explain))
    st.session_state.kept_controls = {}  # the next page change must not bring back the old values


def before_page(pages: dict[str, st.Page], heard: str | None = None) -> None:
    """Before the page is drawn (app.py): join the class the link names, and take a following
    student to the teacher's setup (its page too). Problems are said, never raised.
    ``heard``: in the run its listener asked for, the state it heard (``refresh_lane``)."""
    code, view = st.query_params.get("class"), st.query_params.get("view")
    if view is not None and view != "projector":
        st.warning(tr("url.ignored", key="view", value=user_text(view, limit=24), allowed=tr("class.bad_view"),
                      used=tr("url.default")), icon=":material/link_off:")  # fmt: skip
        view = None
    if st.session_state.pop("class_ended", False):  # on whichever page the tab was left
        st.info(tr("class.ended"), icon=":material/event_busy:")
    st.session_state.class_down = False
    st.session_state.pop(PENDING, None)
    try:
        if code is not None and (seat() is None or seat().code != model.normalized_code(code)):
            problem = join(code, view, st.query_params.get("key"))
            if problem:
                st.query_params.pop("class", None)
                st.warning(tr(problem, code=user_text(code, limit=12)), icon=":material/group_off:")
        _follow(pages, heard)
    except StoreUnavailable:
        st.session_state.class_down = True
        if code is not None and seat() is None and model.normalized_code(code):
            # The link's class is kept: the tab joins by itself once the store answers (after_page).
            st.session_state[PENDING] = (model.normalized_code(code), view)
            st.warning(tr("class.join_waiting", code=model.normalized_code(code)), icon=":material/cloud_off:")


def _follow(pages: dict[str, st.Page], heard: str | None) -> None:
    current = seat()
    if current is None:
        return
    if current.role == "teacher":
        _resume_teacher()
        return
    lesson = current_lesson(heard if current.following else None)
    if lesson is None:  # ended or expired: said on whichever page the tab is on
        leave()
        st.info(tr("class.ended"), icon=":material/event_busy:")
        return
    st.session_state.class_question = lesson.question  # the bar tells an exploring student of it
    # The projector lives on the class's page; a student too while the answer is hidden (a
    # question prepared or open), exploring or not: no other page of this tab may show it.
    # Paused: a student's every page is the class's, which says "eyes on the projector".
    hidden = model.answer_hidden(lesson) or (lesson.paused and current.role == "student")
    target = LIVE_PAGE if current.role == "projector" or hidden or (lesson.question and current.following) else None
    if current.following and current.role == "student":
        if lesson.version != current.applied and lesson.setup is not None:
            _apply(lesson.setup)
        target = target or (lesson.setup.page if lesson.setup else None)
    _keep(replace(current, applied=lesson.version))
    # Here now: said by a run that joins, follows again or explores; then, while the tab is
    # open, by its events stream (classroom/events.py), so a following tab's reruns (a class's
    # 200 after each change) write nothing.
    if current.role == "student" and not (current.following and current.applied):
        reachable_store().seen(current.code, current.student, current.following, time.time())
    here = st.session_state.get("current_page", "")
    if target is not None and target != here and target in pages:
        st.switch_page(pages[target], query_params={"class": current.code, **_view_params()})


def _resume_teacher() -> None:
    """The class's setup lives in the store, not in a tab: a teacher's session that has not
    sent or taken one yet (a reload, a new tab, another replica after a lost one) takes the
    store's before the sidebar is drawn on a page students follow, instead of sending the
    sidebar's defaults to the whole class."""
    if PUBLISHED in st.session_state or st.session_state.get("current_page", "") not in FOLLOWED_PAGES:
        return
    lesson = current_lesson()
    if lesson is None or lesson.setup is None:
        return
    _apply(lesson.setup)
    st.session_state[PUBLISHED] = lesson.setup


def _view_params() -> dict[str, str]:
    return {
        key: st.query_params[key] for key in ("lang", "present", "palette", "view", "key") if key in st.query_params
    }


def after_page(bar) -> None:
    """After the page (app.py): the teacher's setup sent; the class bar, and what brings the
    next change. Every tab in a class listens to the class's events (``listen``, ``_watch``):
    it reruns once when what it drew changed, and runs nothing while it does not. A join held
    up by the store's outage listens too, and joins once the store answers."""
    send_setup()
    current = seat()
    if current is None and PENDING in st.session_state:
        _await_store(st.session_state[PENDING][0])
    if current is not None:
        with bar:
            say_failed()
            if current.role == "student":
                down = st.session_state.get("class_down", False)
                class_bar(current, None if down else class_store(), down, explore_alone, follow_teacher)
                drawn = "" if st.session_state.pop(URL_PENDING, False) else str(current.applied)
                listen(current, "down" if down else drawn)
            else:
                _watch(current)
    cookies = st.session_state.pop("class_cookies", None)
    if cookies:
        _set_cookies(cookies)


def listen(current: Seat, drawn: str) -> None:
    """This student's tab hears its class's events (classroom/events.py) through a tiny
    component (ui/class_listener.js) and reruns once when it hears a state newer than
    ``drawn`` (the lesson's version this run drew, or "down"); that run's ``before_page``
    applies the change. The stream also keeps the student's "still here" for the teacher.
    A following student's stream pushes the followed view with each change
    (classroom/followed.py: the Playground's grids, or a question's with its prompt): the
    listener draws it at once, and the rerun follows within ``RERUN_SPREAD`` seconds, at a
    random moment (a class's reruns spread out)."""
    query = {"class": current.code, "key": current.key, "student": current.student, "following": int(current.following)}
    pushed = current.role == "student" and current.following
    if pushed:
        query |= {"lang": current_language(), "palette": current_palette()}
    data = {"path": f"class/events?{urlencode(query)}", "drawn": drawn, "following": pushed,
            "grids_keys": PUSHED_GRIDS, "spread": int(RERUN_SPREAD * 1000)}  # fmt: skip
    _listener_component()(key="class_listener", data=data, on_heard_change=_refresh)


def _heard() -> None:
    """The listener heard a newer state (a callback): the rerun it starts is all it takes."""


def _refresh() -> None:
    """A student's listener heard a newer state (a callback): the rerun it starts is a
    refresh, which waits for the server's refresh lane (``refresh_lane``) and draws the state
    heard (a version, ``down`` or ``ended``; "" when the trigger cannot be read)."""
    try:
        heard = st.session_state["class_listener"].heard
    except (AttributeError, KeyError, TypeError):
        heard = None
    st.session_state[REFRESH] = heard if isinstance(heard, str) else ""


@contextmanager
def refresh_lane() -> Iterator[str | None]:
    """Around a whole run (app.py): a student's rerun that its listener asked for
    (``_refresh``) waits for the server's ``REFRESH_LANE`` (its thread sleeps: no CPU), after
    its own CPU budget's wait (ui/fairness.py); any other run goes at once. A class's 200
    reruns after a change then share a server with one another's run at a time, not with
    100 at once: a lone student beside the class waits for one of them, not for all
    (docs/benchmarks.md, "A live class on push"). Gives the state such a rerun's listener
    heard (``_refresh``), None for any other run."""
    current = seat()  # a class's teacher drives it: a larger share (ui/fairness.py TEACHER_RATE)
    set_rate(TEACHER_RATE if current is not None and current.role == "teacher" else RATE)
    heard = st.session_state.pop(REFRESH, None)
    if heard is None:
        yield None
        return
    budget = wait_for_budget()
    # A run takes one lane at most: a tab in debt takes the heavy one (fair_share) instead.
    with REFRESH_LANE.taken() if budget.debt <= HEAVY_DEBT else nullcontext():
        yield heard


@st.cache_resource
def _listener_component():
    """The class's listener, registered once per server (its code: ui/class_listener.js)."""
    js = (Path(__file__).parent / "class_listener.js").read_text()
    # Nothing drawn but a pushed question's prompt, while the page does not show it yet: no gap else.
    css = """.st-key-class_listener:not(:has(.class-pushed:not([hidden]))) { display: none; }
.class-pushed { padding: 0.5rem 1rem; border-radius: 0.5rem; background: rgba(28, 131, 225, 0.1); }
.class-pushed p { margin: 0.25rem 0; } .class-pushed .title { font-size: 1.25rem; font-weight: 600; }"""
    return st.components.v2.component("avgpool_class_listener", html="", css=css, js=js, isolate_styles=False)


def _await_store(code: str) -> None:
    """A join held up by the store's outage: the tab listens to the class's events, which say
    ``down`` until the store answers (the stream looks every LOOK_EVERY seconds; it names no
    key, so it is then told ``ended``), and then reruns; that run's ``before_page`` joins."""
    _listener_component()(key="class_listener", data={"path": f"class/events?{urlencode({'class': code})}",
                          "drawn": "down"}, on_heard_change=_heard)  # fmt: skip


def _watch(current: Seat) -> None:
    """The teacher's and the projector's bar (who is here, who follows, how many answered) and
    their listener, on the class's watchers' stream (classroom/events.py ``watch=1``): the tab
    reruns when the overview it drew changed: an answer, a student come or gone, a new version."""
    store, slot = class_store(), st.empty()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        drawn = overview(store, current.code, time.time())
        with slot.container():
            class_bar(current, store, False, explore_alone, follow_teacher)
    except StoreUnavailable:  # said in the bar; the page on screen stays as it is
        drawn = "down"
        with slot.container():
            class_bar(current, None, True, explore_alone, follow_teacher)
    if drawn == "ended":  # ended in another tab, or expired
        leave()
        st.session_state.class_ended = True
        st.rerun()
    query = urlencode({"class": current.code, "key": current.key, "watch": 1})
    _listener_component()(key="class_listener", data={"path": f"class/events?{query}", "drawn": drawn},
                          on_heard_change=_heard)  # fmt: skip


def _set_cookies(cookies: dict[str, str]) -> None:
    """Keep the teacher's secret or the student's identity in this browser (a cookie), so a
    reload, or another replica taking the tab over, knows it. The server sets it, HttpOnly
    (classroom/cookies.py): the cookies wait in the store under a one-time token, and a tiny
    component posts the token; no script in the page holds the secret. Should the store be
    unreachable, the cookie is not set (this session still knows the tab's seat)."""
    token = secrets.token_urlsafe(16)
    try:
        reachable_store().hand_over(token, json.dumps(cookies), HANDOVER_SECONDS, time.time())
    except StoreUnavailable:
        return
    _cookie_component()(key="class_cookies", data={"path": COOKIE_PATH.lstrip("/"), "token": token})


@st.cache_resource
def _cookie_component():
    js = """export default function ({ data, parentElement }) {
  if (parentElement.cookieToken === data.token) return; // each token is posted once
  parentElement.cookieToken = data.token;
  fetch(new URL(data.path, document.baseURI), { method: "POST", body: data.token, credentials: "same-origin" });
}"""
    return st.components.v2.component("avgpool_class_cookies", js=js)
