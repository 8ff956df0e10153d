"""The class's events route: ``GET /class/events?class=CODE&key=KEY`` streams server-sent
events, one ``data:`` line per state of the class a following tab must redraw for.

Every stream names the class's join key (``key=``, ``model.join_key``: the server writes it
into the tab's listener once the tab has joined). A stream without it, or with a wrong one,
is answered exactly as a class that does not exist (``ended``): the route tells no one which
codes are in use, so guessing codes stays bounded by the typed codes' limit (docs/live-class.md).

Each line is the lesson's version (a number), ``ended`` (the class is over or expired) or
``down`` (the store cannot be reached: the tab says so; it follows again when the store is
back). The first line is the state when the stream opens, so a tab that reconnects after
missing events catches up at once. Then the stream waits for its class's watch (``_Watch``,
one per class in each server process, whatever the number of streams): it holds the one
subscription to the class's publications (``classroom/notify.py``) and every ``LOOK_EVERY``
seconds reads the version from the store (a publication lost to an outage is caught up) and
writes every open stream's "still here" (``student=``, ``following=1``) in one write. A quiet
stream sends a comment line every ``KEEPALIVE`` seconds, which keeps proxies from closing it.

A following stream that says its language and palette (``lang=``, ``palette=``) gets, before
each new version, the followed view's grids (``event: view``, classroom/followed.py), built
once per version for every stream: the tab redraws them at once, before its page's rerun.
None while the answer is hidden.

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
import hmac
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from classroom import model
from classroom.followed import view_line
from classroom.notify import ENDED, open_notifier
from classroom.store import ClassStore, StoreUnavailable, open_store
from figures.grids import COLOR_SCALES
from i18n import LANGUAGES

__all__ = [
    "EVENTS_PATH",
    "KEEPALIVE",
    "LOOK_EVERY",
    "WATCH_GAP",
    "class_events",
    "event_line",
    "heard_lesson",
    "overview",
    "process_store",
    "tell_watchers",
]

EVENTS_PATH = "/class/events"
# Seconds between the stream's own reads of the store (and "still here"); the tests set it
# high, so that only a publication can bring a change in time.
LOOK_EVERY = float(os.environ.get("CLASS_EVENTS_LOOK_EVERY", "5"))
# Seconds between a quiet stream's comment lines, which keep proxies from closing it (nginx's
# proxy_read_timeout for the route is far longer: deploy/nginx.conf).
KEEPALIVE = float(os.environ.get("CLASS_EVENTS_KEEPALIVE", "25"))
_LOG = logging.getLogger(__name__)
Variant = tuple[str, str]  # the (language, palette) a following stream draws its grids in
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


def keyed(lesson: model.Lesson | None, key: object) -> bool:
    """Whether ``key`` is ``lesson``'s join key (compared in constant time; no lesson: no)."""
    if lesson is None or not isinstance(key, str):
        return False
    return hmac.compare_digest(key.encode(), model.join_key(lesson).encode())


def _opening(code: str, key: str, student: str | None, following: bool) -> int | str:
    """The class's state in the store now, for a stream that names ``key``: ``ended`` when
    the class does not exist or the key is not its own (the same answer), and only then the
    student's "still here" (a blocking read: run in a worker thread)."""
    store = process_store()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        lesson = store.load(code, time.time())
        if not keyed(lesson, key):
            return "ended"
        if student is not None:
            store.seen(code, student, following, time.time())
    except StoreUnavailable:
        return "down"
    return lesson.version


def _newer(state: int | str, heard: int) -> int | str:
    """What a publication of version ``heard`` makes of the state last sent."""
    if heard == ENDED:
        return "ended"
    return max(state, heard) if isinstance(state, int) else heard


class _Watch:
    """Every stream of one class in this process, watched once: one subscription to the
    class's publications, one read of the store every ``LOOK_EVERY`` seconds for them all
    (its version, and every student's "still here" in one write), and the followed view's
    grids built once per change (classroom/followed.py). Each stream waits on its own event,
    set when the class's state changes; it lives as long as the class has a stream here."""

    def __init__(self, code: str) -> None:
        self.code, self.state, self.views = code, None, {}
        # Read with the views, at the newest version told, and its join key (heard_lesson).
        self.lesson: tuple[model.Lesson, str] | None = None
        self.streams: dict[asyncio.Event, tuple[str | None, bool, Variant | None]] = {}
        self._exit = ExitStack()  # subscribed now, before any stream's first read of the store
        self._subscription = self._exit.enter_context(open_notifier().subscribe(code))
        self._task = asyncio.get_running_loop().create_task(self._watch())

    def join(self, student: str | None, following: bool, variant: Variant | None) -> asyncio.Event:
        woken = asyncio.Event()
        self.streams[woken] = (student, following, variant)
        return woken

    def leave(self, woken: asyncio.Event) -> None:
        self.streams.pop(woken, None)
        if not self.streams:
            self._task.cancel()
            self._exit.close()
            _WATCHES.pop(self.code, None)

    async def _watch(self) -> None:
        looked = time.monotonic()
        while True:
            try:
                heard = await self._subscription.wait(max(0.0, looked + LOOK_EVERY - time.monotonic()))
                if heard is not None:
                    await self._tell(_newer(self.state if self.state is not None else "down", heard))
                if time.monotonic() >= looked + LOOK_EVERY:
                    present = {student: following for student, following, _ in self.streams.values() if student}
                    looked = time.monotonic()
                    await self._tell(await asyncio.to_thread(_look_all, self.code, present))
            except Exception:  # a bug here must not leave the class's streams deaf: said, and watched on
                _LOG.exception("class %s: watching its events failed; going on", self.code)
                await asyncio.sleep(1.0)

    async def _tell(self, state: int | str) -> None:
        """Wake every stream when the class's state changed; with a new version, the followed
        view's grids for each language and palette its following streams draw in."""
        if state == self.state:
            return
        self.lesson = None
        if isinstance(state, int):
            variants = {variant for _, following, variant in self.streams.values() if following and variant}
            try:
                self.lesson, self.views = (
                    await asyncio.to_thread(_views, self.code, variants) if variants else (None, {})
                )
            except Exception:  # a view that cannot be built: the tabs rerun as they would without it
                _LOG.exception("class %s: the followed view of version %s not built", self.code, state)
                self.views = {}
        self.state = state
        for woken in self.streams:
            woken.set()


_WATCHES: dict[str, _Watch] = {}  # by class code, on the server's event loop


def _look_all(code: str, present: dict[str, bool]) -> int | str:
    """The class's state in the store now, and every present student's "still here" (a
    blocking read and one write: run in a worker thread)."""
    store = process_store()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        version = store.version(code)
        if version is not None and present:
            store.seen_all(code, present, time.time())
    except StoreUnavailable:
        return "down"
    return "ended" if version is None else version


def _views(code: str, variants: set[Variant]) -> tuple[tuple[model.Lesson, str] | None, dict[Variant, str | None]]:
    """The lesson in the store now with its join key, and its followed view's event line for
    each (language, palette) (a blocking read: run in a worker thread); no view while the
    answer is hidden."""
    store = process_store()
    try:
        lesson = None if isinstance(store, StoreUnavailable) else store.load(code, time.time())
    except StoreUnavailable:
        lesson = None
    if lesson is None:
        return None, {}
    return (lesson, model.join_key(lesson)), {variant: view_line(lesson, *variant) for variant in variants}


def heard_lesson(code: str, key: str, heard: str) -> model.Lesson | None:
    """Class ``code`` at the version ``heard``, as this server's watch read it when it told its
    streams that version (with the followed view: once for all its tabs), if ``key`` is its
    join key and the watch still tells that version; None otherwise (no following stream here,
    a newer state not read yet, ended, down, or the tab heard another state than the watch's:
    a stream opened during an outage says ``down`` before the watch has looked). What a
    following tab's rerun after hearing that version draws, without a read of the store per
    tab; whatever else the tab heard, its rerun reads the store, so it draws what it heard (an
    outage included). Read from a script's thread: ``_tell`` sets the lesson before the state,
    so a lesson at the state's version is the one read for it."""
    watch = _WATCHES.get(code)
    state, (lesson, its_key) = (None, (None, "")) if watch is None else (watch.state, watch.lesson or (None, ""))
    if lesson is None or lesson.version != state or heard != str(state) or not isinstance(key, str):
        return None
    return lesson if hmac.compare_digest(key.encode(), its_key.encode()) else None


def _later(state: int | str, told: int | str | None) -> int | str:
    """What a stream makes of the state its class's watch told, after sending ``state``."""
    if told is None:
        return state
    return max(state, told) if isinstance(state, int) and isinstance(told, int) else told


async def _stream(
    code: str, key: str, student: str | None, following: bool, variant: Variant | None
) -> AsyncIterator[str]:
    """A stream of class ``code``: its state on opening, then each change its watch tells.
    It is let in (its student counted present, a version sent) once the store says ``key`` is
    the class's join key; while the store cannot say, it is told ``down`` and asks again."""
    if code not in _WATCHES:
        _WATCHES[code] = _Watch(code)
    watch = _WATCHES[code]
    woken = watch.join(None, following, variant)  # joined before the first read: no change missed
    try:
        yield f"retry: {RETRY_MS}\n\n"
        state, sent = await asyncio.to_thread(_opening, code, key, student, following), None
        let_in = isinstance(state, int)
        if let_in:
            watch.streams[woken] = (student, following, variant)
        while True:
            if state != sent:
                view = watch.views.get(variant) if sent is not None and isinstance(state, int) else None
                if view is not None and view.startswith(f'event: view\ndata: {{"version":{state},'):  # grids first
                    yield view
                yield event_line(state)
                sent = state
            if state == "ended":
                return
            try:
                await asyncio.wait_for(woken.wait(), KEEPALIVE)
            except TimeoutError:
                yield ": still here\n\n"  # a quiet stream that proxies keep open
                continue
            woken.clear()
            if let_in:
                state = _later(state, watch.state)
                continue
            state = await asyncio.to_thread(_opening, code, key, student, following)
            if let_in := isinstance(state, int):
                watch.streams[woken] = (student, following, variant)
    finally:
        watch.leave(woken)


def _watched(code: str) -> str:
    """The notifier's channel for what only the watchers of class ``code`` redraw for."""
    return f"{code}.watch"


def tell_watchers(code: str) -> None:
    """Class ``code``'s answers or presence changed: its teacher's and projector's streams
    look again (never raises)."""
    open_notifier().publish(_watched(code), 1)


def overview(store: ClassStore, code: str, now: float, key: str | None = None) -> str:
    """What a teacher's or projector's tab draws of class ``code``: ``"version:present:following:
    answered"`` (answered: to the open question, else 0), or ``ended`` (also when a ``key`` is
    given that is not the class's join key). Raises StoreUnavailable."""
    lesson = store.load(code, now)
    if lesson is None or (key is not None and not keyed(lesson, key)):
        return "ended"
    present, following = store.presence(code, now)
    question = lesson.question
    answered = store.answer_count(code, question.number, question.vote) if question is not None else 0
    return f"{lesson.version}:{present}:{following}:{answered}"


def _overview_now(code: str, key: str) -> str:
    """``overview`` read in a worker thread; ``down`` while the store cannot be reached."""
    store = process_store()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        return overview(store, code, time.time(), key)
    except StoreUnavailable:
        return "down"


async def _watch_stream(code: str, key: str) -> AsyncIterator[str]:
    """A teacher's or projector's stream: an overview whenever it changed (see above)."""
    notifier = open_notifier()
    with notifier.subscribe(code) as lesson, notifier.subscribe(_watched(code)) as activity:
        yield f"retry: {RETRY_MS}\n\n"
        sent, looked = None, time.monotonic()
        while True:
            state = await asyncio.to_thread(_overview_now, code, key)
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


async def _students_stream(
    code: str, key: str, student: str | None, following: bool, variant: Variant | None = None
) -> AsyncIterator[str]:
    """A student's stream (``_stream``), whose opening the class's watchers are told (the
    teacher's count of who is here and who follows). A closed one is counted until its "still
    here" is older than PRESENCE_WINDOW, which the watchers' own looks (``LOOK_EVERY``) see.
    The publication is a blocking call (Redis): made in a worker thread, never on the loop."""
    events = _stream(code, key, student, following, variant)
    try:
        async for line in events:
            yield line
            if student is not None and line.startswith("data: ") and line[6:].strip().isdigit():
                await asyncio.to_thread(tell_watchers, code)  # let in: its "still here" is written
                student = None
    finally:
        await events.aclose()


async def class_events(request: Request) -> Response:
    """The route: a class code (``class=``) and its join key (``key=``), and for a student's
    presence ``student=`` and ``following=1``. A bad code is refused with a message, never a
    traceback; a wrong or missing key is answered as a class that does not exist."""
    code = model.normalized_code(request.query_params.get("class"))
    if code is None:
        return PlainTextResponse("class=: give a class code of 5 letters, e.g. class=HQCMT", status_code=400)
    key = request.query_params.get("key", "")
    student = request.query_params.get("student")
    student = student if model.valid_student(student) else None
    following = request.query_params.get("following") == "1"
    language, palette = request.query_params.get("lang"), request.query_params.get("palette", "standard")
    variant = (language, palette) if language in LANGUAGES and palette in COLOR_SCALES else None
    if request.query_params.get("watch") == "1":
        stream = _watch_stream(code, key)
    elif student is not None:
        stream = _students_stream(code, key, student, following, variant)
    else:
        stream = _stream(code, key, None, following, variant)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: pass each line on at once
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
