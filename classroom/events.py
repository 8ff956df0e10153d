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

__all__ = ["EVENTS_PATH", "LOOK_EVERY", "class_events", "event_line", "process_store"]

EVENTS_PATH = "/class/events"
# Seconds between the stream's own reads of the store (and "still here"); the tests set it
# high, so that only a publication can bring a change in time.
LOOK_EVERY = float(os.environ.get("CLASS_EVENTS_LOOK_EVERY", "5"))
RETRY_MS = 2000  # how soon a browser's EventSource reconnects after losing the stream


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


async def class_events(request: Request) -> Response:
    """The route: a class code (``class=``), and for a student's presence ``student=`` and
    ``following=1``. A bad code is refused with a message, never a traceback."""
    code = model.normalized_code(request.query_params.get("class"))
    if code is None:
        return PlainTextResponse("class=: give a class code of 5 letters, e.g. class=HQCMT", status_code=400)
    student = request.query_params.get("student")
    student = student if model.valid_student(student) else None
    following = request.query_params.get("following") == "1"
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: pass each line on at once
    return StreamingResponse(_stream(code, student, following), media_type="text/event-stream", headers=headers)
