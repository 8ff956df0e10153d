"""The class's events route: ``GET /class/events?class=CODE`` streams server-sent events,
one ``data:`` line per state of the class a following tab must redraw for.

Each line is the lesson's version (a number), ``ended`` (the class is over or expired) or
``down`` (the store cannot be reached: the tab says so; it follows again when the store is
back). The first line is the state when the stream opens, so a tab that reconnects after
missing events catches up at once. Then the stream waits for the class's publications
(``classroom/notify.py``): nothing is read or sent while nothing changes, but every
``LOOK_EVERY`` seconds it reads the version from the store (a publication lost to an outage
is caught up), writes the student's "still here" (``student=``, ``following=1``) and sends
a comment line, which keeps proxies from closing a quiet stream.

The teacher's cockpit and the projector watch more than the lesson: who is here, who follows,
how many have answered. Their stream (``watch=1``) sends an ``overview`` (``"7:12:10:5"``:
version, present, following, answered) whenever one of these changes: a student's answer and
a student's stream opening are told to it (``tell_watchers``), a new version is published
(a student gone quiet drops out at its next look); it sends at most one overview every
``WATCH_GAP`` seconds, so that a burst of answers reruns the teacher's tab a few times, not
once per answer.

A Starlette route, served beside the app by ``app.py``'s ``App``; no Streamlit here.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from classroom import model
from classroom.notify import ENDED, open_notifier
from classroom.store import ClassStore, StoreUnavailable, open_store

__all__ = [
    "EVENTS_PATH",
    "LOOK_EVERY",
    "WATCH_GAP",
    "class_events",
    "event_line",
    "overview",
    "process_store",
    "tell_watchers",
]

EVENTS_PATH = "/class/events"
# Seconds between the stream's own reads of the store (and "still here"); the tests set it
# high, so that only a publication can bring a change in time.
LOOK_EVERY = float(os.environ.get("CLASS_EVENTS_LOOK_EVERY", "5"))
RETRY_MS = 2000  # how soon a browser's EventSource reconnects after losing the stream
WATCH_GAP = 0.2  # seconds at least between two overviews sent to a teacher's or projector's tab


@functools.cache
def process_store() -> ClassStore | StoreUnavailable:
    """The store ``CLASS_STORE`` names, opened once per process (or why it cannot be)."""
    try:
        return open_store()
    except StoreUnavailable as error:
        return error


def event_line(state: int | str) -> str:
    """One server-sent event: ``event_line(7)`` -> ``'data: 7\\n\\n'``."""
    return f"data: {state}\n\n"


def _look(code: str, student: str | None, following: bool) -> int | str:
    """The class's state in the store now (a blocking read: run in a worker thread)."""
    store = process_store()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        version = store.version(code)
        if version is not None and student is not None:
            store.seen(code, student, following, time.time())
    except StoreUnavailable:
        return "down"
    return "ended" if version is None else version


def _newer(state: int | str, heard: int) -> int | str:
    """What a publication of version ``heard`` makes of the state last sent."""
    if heard == ENDED:
        return "ended"
    return max(state, heard) if isinstance(state, int) else heard


async def _stream(code: str, student: str | None, following: bool) -> AsyncIterator[str]:
    with open_notifier().subscribe(code) as subscription:
        yield f"retry: {RETRY_MS}\n\n"
        state = await asyncio.to_thread(_look, code, student, following)
        sent, looked = None, time.monotonic()
        while True:
            if state != sent:
                yield event_line(state)
                sent = state
            if state == "ended":
                return
            heard = await subscription.wait(max(0.0, looked + LOOK_EVERY - time.monotonic()))
            if heard is not None:
                state = _newer(state, heard)
            if time.monotonic() >= looked + LOOK_EVERY:
                state, looked = await asyncio.to_thread(_look, code, student, following), time.monotonic()
                yield ": still here\n\n"


def _watched(code: str) -> str:
    """The notifier's channel for what only the watchers of class ``code`` redraw for."""
    return f"{code}.watch"


def tell_watchers(code: str) -> None:
    """Class ``code``'s answers or presence changed: its teacher's and projector's streams
    look again (never raises)."""
    open_notifier().publish(_watched(code), 1)


def overview(store: ClassStore, code: str, now: float) -> str:
    """What a teacher's or projector's tab draws of class ``code``: ``"version:present:following:
    answered"`` (answered: to the open question, else 0), or ``ended``. Raises StoreUnavailable."""
    lesson = store.load(code, now)
    if lesson is None:
        return "ended"
    present, following = store.presence(code, now)
    answered = store.answer_count(code, lesson.question.number) if lesson.question is not None else 0
    return f"{lesson.version}:{present}:{following}:{answered}"


def _overview_now(code: str) -> str:
    """``overview`` read in a worker thread; ``down`` while the store cannot be reached."""
    store = process_store()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        return overview(store, code, time.time())
    except StoreUnavailable:
        return "down"


async def _watch_stream(code: str) -> AsyncIterator[str]:
    """A teacher's or projector's stream: an overview whenever it changed (see above)."""
    notifier = open_notifier()
    with notifier.subscribe(code) as lesson, notifier.subscribe(_watched(code)) as activity:
        yield f"retry: {RETRY_MS}\n\n"
        sent, looked = None, time.monotonic()
        while True:
            state = await asyncio.to_thread(_overview_now, code)
            if state != sent:
                yield event_line(state)
                sent = state
                await asyncio.sleep(WATCH_GAP)  # what happens meanwhile is read at once after
            if state == "ended":
                return
            if await _either(lesson, activity, max(0.0, looked + LOOK_EVERY - time.monotonic())) is None:
                looked = time.monotonic()  # nothing heard: a look at the store (a student gone quiet)
                yield ": still here\n\n"


async def _either(first, second, timeout: float) -> int | None:
    """What ``first`` or ``second`` heard (subscriptions), or None when neither did in ``timeout``."""
    waits = [asyncio.ensure_future(subscription.wait(timeout)) for subscription in (first, second)]
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in pending:
        wait.cancel()
    heard = [wait.result() for wait in done]
    return next((value for value in heard if value is not None), None)


async def _students_stream(code: str, student: str | None, following: bool) -> AsyncIterator[str]:
    """A student's stream (``_stream``), whose opening the class's watchers are told (the
    teacher's count of who is here and who follows). A closed one is counted until its "still
    here" is older than PRESENCE_WINDOW, which the watchers' own looks (``LOOK_EVERY``) see."""
    events = _stream(code, student, following)
    try:
        async for line in events:
            yield line
            if line.startswith("data: ") and student is not None:
                tell_watchers(code)  # its first state: the student's "still here" is written
                student = None
    finally:
        await events.aclose()


async def class_events(request: Request) -> Response:
    """The route: a class code (``class=``), and for a student's presence ``student=`` and
    ``following=1``. A bad code is refused with a message, never a traceback."""
    code = model.normalized_code(request.query_params.get("class"))
    if code is None:
        return PlainTextResponse("class=: give a class code of 5 letters, e.g. class=HQCMT", status_code=400)
    student = request.query_params.get("student")
    student = student if model.valid_student(student) else None
    following = request.query_params.get("following") == "1"
    if request.query_params.get("watch") == "1":
        stream = _watch_stream(code)
    else:
        stream = _students_stream(code, student, following) if student is not None else _stream(code, None, following)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: pass each line on at once
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
