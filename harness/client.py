"""A minimal Streamlit client: it speaks the app's websocket protocol (protobuf BackMsg /
ForwardMsg on ``/_stcore/stream``) like the browser does, without drawing anything. The
benchmarks use it to time the server and to load it with a whole class; the replica tests
use it to run a class through nginx.

Like a browser tab, a session first loads the page and the health check over HTTP and keeps
their cookies: the XSRF cookie (an upload must send it back as ``X-Xsrftoken``) and, behind
``deploy/nginx.conf``, the route cookie that keeps the tab on one replica.

A change is timed from sending the new widget values to the server's "script finished"
message: the server's share of what a user waits for. Like the browser, a change of a widget
drawn by a fragment (the Playground's kernel, stride, padding and loss: ui/scenario.py) asks
for a rerun of that fragment only.

A tab left open (``Session.follow``: a live class's students, ui/classroom.py) does what the
browser's timers do: each fragment with ``run_every`` (the server's ``auto_rerun`` message)
asks for its own rerun every interval, with ``fragment_id`` and ``is_auto_rerun``, on the page
and at the address the server last gave the tab; a whole run restarts the timers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode

import requests
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from harness.server import streamlit_process

_requests = itertools.count(1)


def run(coroutine):
    """Run protocol clients to the end on their own event loop, in a thread: a test process's
    Playwright (sync API) may keep an event loop of its own running in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def server(*options: str, env: dict[str, str] | None = None):
    """``streamlit run app.py`` on a free localhost port (``harness.server``), with more
    environment variables if given; yields (base URL, process id)."""
    return streamlit_process(*options, timeout=120, env=env)


class Tab:
    """What a browser tab knows of its Streamlit session, and the protocol's messages: a
    transport (``Session`` here, over asyncio; ``SyncSession`` in benchmarks/locustfile.py,
    blocking, for Locust's gevent) only sends and receives them."""

    def __init__(self, url: str, query: str, http: requests.Session, replica: str, page: str = "") -> None:
        self.url, self.query, self.http, self.page = url, query, http, page  # page: its address, "" the start
        self.widgets: dict[str, str] = {}  # widget key (URL parameter or key) -> widget id
        self.fragments: dict[str, str] = {}  # widget id -> the fragment that drew it
        self.kept: list[WidgetState] = []  # states sent with every rerun (an upload)
        self.texts: list[str] = []  # the markdown of the last run
        self.session_id = ""
        self.replica = replica  # which server answered (behind deploy/nginx.conf: the replica)
        self.timers: dict[str, tuple[float, float]] = {}  # fragment id -> (interval, set at): run_every
        self.page_hash = ""  # the page the server last ran for this tab (its script hash)
        self.location = query  # the address's query as the server last set it (the browser's URL)

    @property
    def key(self) -> str:
        """The class's join key in this tab's address (the server puts it there on joining)."""
        return parse_qs(self.location).get("key", [""])[0]

    @staticmethod
    def _load_page(url: str, query: str, http: requests.Session) -> dict[str, str]:
        """GET the page and the health check, as a tab does (the health check sets the XSRF
        cookie; nginx sets the route cookie); the websocket's headers that carry them."""
        for address in (f"{url}/?{query}", f"{url}/_stcore/health"):
            http.get(address, timeout=60).raise_for_status()
        cookies = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        headers = {"Cookie": cookies} if cookies else {}
        if "X-Forwarded-For" in http.headers:  # a client that claims to be behind a proxy
            headers["X-Forwarded-For"] = http.headers["X-Forwarded-For"]
        return headers

    def _rerun_message(self, changed: tuple[WidgetState, ...]) -> bytes:
        self.texts = []
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.page_name = self.page
        message.rerun_script.widget_states.widgets.extend([*self.kept, *changed])
        fragments = {self.fragments.get(state.id, "") for state in changed}
        if len(fragments) == 1:
            message.rerun_script.fragment_id = fragments.pop()  # "" (none): the whole page
        return message.SerializeToString()

    def _read(self, data: bytes) -> tuple[bool, bool]:
        """Take in one server message: (the run finished, an exception was shown)."""
        reply = ForwardMsg()
        reply.ParseFromString(data)
        kind = reply.WhichOneof("type")
        if kind == "new_session":
            self.session_id = reply.new_session.initialize.session_id
            self.page_hash = reply.new_session.page_script_hash
            if not reply.metadata.run.fragment_ids:  # a whole run: the browser clears its timers
                self.timers.clear()
        elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            return False, self._note(reply.delta.new_element, reply.delta.fragment_id)
        elif kind == "auto_rerun":  # a timer already running at this interval keeps its phase
            timer = reply.auto_rerun
            if self.timers.get(timer.fragment_id, (None,))[0] != timer.interval:
                self.timers[timer.fragment_id] = (timer.interval, time.monotonic())
        elif kind == "stop_auto_rerun":
            for fragment_id in reply.stop_auto_rerun.fragment_ids:
                self.timers.pop(fragment_id, None)
        elif kind == "page_info_changed":
            self.location = reply.page_info_changed.query_string
        elif kind == "navigation":  # the page this run is on, as the browser learns it (st.navigation)
            self.page_hash = reply.navigation.page_script_hash
        return kind == "script_finished", False

    def _note(self, element, fragment_id: str) -> bool:
        kind = element.WhichOneof("type")
        widget = getattr(element, kind)
        if getattr(widget, "query_param_key", ""):
            self.widgets[widget.query_param_key] = widget.id
        elif kind == "file_uploader":
            self.widgets[widget.id.rsplit("-", 1)[-1]] = widget.id
        elif getattr(widget, "id", "").startswith("$$ID-"):  # any other keyed widget, by its key
            self.widgets.setdefault(widget.id.split("-", 2)[-1], widget.id)
        if getattr(widget, "id", ""):
            self.fragments[widget.id] = fragment_id
        if kind in ("markdown", "alert"):
            self.texts.append(getattr(element, kind).body)
        return kind == "exception"

    def _auto_rerun_message(self, fragment_id: str) -> bytes:
        """A fragment's timer fired: rerun it, as the browser asks (on the page the server last
        ran, at the address it last set; the states kept, the others as the server has them)."""
        message = BackMsg()
        message.rerun_script.query_string = self.location
        message.rerun_script.page_script_hash = self.page_hash
        message.rerun_script.widget_states.widgets.extend(self.kept)
        message.rerun_script.fragment_id = fragment_id
        message.rerun_script.is_auto_rerun = True
        return message.SerializeToString()

    def state(self, key: str, **value) -> WidgetState:
        """A crafted state for the widget ``key``: ``state("seed", double_value=nan)``,
        ``state("typed_x_4x4_0", string_value="[")``, as a modified browser could send."""
        state = WidgetState(id=self.widgets[key])
        for field, content in value.items():
            setattr(state, field, content)
        return state

    def _slider(self, key: str, value: float) -> WidgetState:
        state = WidgetState(id=self.widgets[key])
        state.double_array_value.data[:] = [value]
        return state

    def _file_urls_request(self, name: str) -> tuple[str, bytes]:
        request_id = str(next(_requests))
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.file_names.append(name)
        message.file_urls_request.session_id = self.session_id
        return request_id, message.SerializeToString()

    @staticmethod
    def _file_urls(data: bytes, request_id: str):
        reply = ForwardMsg()
        reply.ParseFromString(data)
        if reply.WhichOneof("type") == "file_urls_response" and reply.file_urls_response.response_id == request_id:
            return reply.file_urls_response.file_urls[0]
        return None

    def _put_and_keep(self, key: str, urls, name: str, data: bytes, mime: str) -> None:
        """PUT the file where the server said (XSRF protection: the header repeats the cookie),
        and keep the uploader's new state for every later rerun."""
        upload_url = urls.upload_url if urls.upload_url.startswith("http") else self.url + urls.upload_url
        headers = {"X-Xsrftoken": self.http.cookies.get("_streamlit_xsrf", "")}
        response = self.http.put(upload_url, files={"file": (name, data, mime)}, headers=headers, timeout=60)
        response.raise_for_status()
        state = WidgetState(id=self.widgets[key])
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        self.kept.append(state)


def heard(widgets: dict[str, str], value: str) -> tuple[WidgetState, ...]:
    """What ui/class_listener.js sends when it heard ``value``, as Chromium sends it: the
    component's state (which Streamlit needs to show the trigger to the callback as
    ``st.session_state.class_listener.heard``) and its trigger; none without a listener.
    Without the state, the server could not read what was heard and read the store instead."""
    listener = widgets.get("class_listener")
    if listener is None:
        return ()
    state = WidgetState(id=listener, json_value="{}")
    trigger = WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{listener}__events")
    trigger.json_trigger_value = json.dumps({"event": "heard", "value": value})
    return state, trigger


class Session(Tab):
    """One browser tab's worth of protocol, over asyncio: ``await Session.open(url, query)``."""

    @classmethod
    async def open(cls, url: str, query: str, http: requests.Session | None = None, page: str = "") -> Session:
        """Load the page (for its cookies, as a tab does), then open the websocket and run the
        script with ``query`` on ``page`` (its address: "live_class"; "" the start page). Pass
        the ``http`` of an earlier session to be the same tab coming back (the same cookies:
        behind nginx, the same route)."""
        http = http or requests.Session()
        headers = await asyncio.to_thread(cls._load_page, url, query, http)
        socket = await websockets.connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            origin=url,
            additional_headers=headers or None,
            max_size=None,
            open_timeout=120,
        )
        session = cls(url, query, http, socket.response.headers.get("X-Avgpool-Replica", url), page)
        session.socket = socket
        await session.rerun()
        return session

    async def close(self) -> None:
        await self.socket.close()

    async def rerun(self, *changed: WidgetState) -> tuple[float, int, bool]:
        """Rerun with these widget values; returns (seconds, bytes received, exception shown)."""
        start = time.perf_counter()
        await self.socket.send(self._rerun_message(changed))
        received, exception = 0, False
        while True:
            data = await asyncio.wait_for(self.socket.recv(), timeout=120)
            received += len(data)
            finished, shown = self._read(data)
            exception |= shown
            if finished:
                return time.perf_counter() - start, received, exception

    async def send(self, *changed: WidgetState) -> None:
        """Ask for a rerun with these widget values without waiting for it: while the tab
        follows (``follow``), its reader takes in what the run sends."""
        await self.socket.send(self._rerun_message(changed))

    async def follow(self, stop: asyncio.Event) -> None:
        """Stay open as a tab left alone until ``stop`` is set: every fragment on a timer asks
        for its rerun each interval (``_auto_rerun_message``), and every message the server
        sends is read by ``_read`` (a subclass sees them all there). Ends when the socket closes."""

        async def take_in() -> None:
            async for data in self.socket:
                self._read(data)

        reader = asyncio.create_task(take_in())
        fired: dict[tuple[str, float], float] = {}  # (fragment, timer set at) -> last time it fired
        try:
            while not stop.is_set() and not reader.done():
                now, wait = time.monotonic(), 0.25  # timers set by a run are looked at again soon
                for fragment_id, (interval, since) in list(self.timers.items()):
                    due = fired.get((fragment_id, since), since) + interval
                    if due <= now:  # late (a busy loop) fires once, as setInterval does
                        due = max(due, now - interval / 2)
                        fired[(fragment_id, since)] = due
                        await self.socket.send(self._auto_rerun_message(fragment_id))
                        due += interval
                    wait = min(wait, max(due - now, 0.0))
                await asyncio.wait([reader], timeout=wait)  # a sleep that ends with the socket
        finally:
            reader.cancel()
        if reader.done() and not reader.cancelled() and reader.exception():
            raise reader.exception()

    async def tick(self) -> int:
        """Fire every fragment timer of the tab once (``run_every`` under an hour), as the
        browser's do, and wait for each run: how many elements they drew."""
        drawn = 0
        for fragment_id, (interval, _) in list(self.timers.items()):
            if interval >= 3600:
                continue
            await self.socket.send(self._auto_rerun_message(fragment_id))
            while True:
                data = await asyncio.wait_for(self.socket.recv(), timeout=120)
                reply = ForwardMsg()
                reply.ParseFromString(data)
                drawn += reply.WhichOneof("type") == "delta" and reply.delta.WhichOneof("type") == "new_element"
                if self._read(data)[0]:
                    break
        return drawn

    async def slide(self, key: str, value: float) -> tuple[float, int, bool]:
        """Move the slider bound to URL parameter ``key`` to ``value``."""
        return await self.rerun(self._slider(key, value))

    async def upload(self, key: str, name: str, data: bytes, mime: str) -> tuple[float, int, bool]:
        """Upload a file into the file uploader ``key``, as the browser does: ask for an upload
        URL over the websocket, PUT the file there, then rerun with the uploader's new state."""
        request_id, message = self._file_urls_request(name)
        await self.socket.send(message)
        while (urls := self._file_urls(await asyncio.wait_for(self.socket.recv(), timeout=60), request_id)) is None:
            pass
        await asyncio.to_thread(self._put_and_keep, key, urls, name, data, mime)
        return await self.rerun()


class EventStream:
    """A tab's live-class events stream (``/class/events``, classroom/events.py), read as the
    browser's EventSource reads it (ui/class_listener.js): ``await EventStream.open(url, code, key)``
    (``key``: the class's join key, ``Tab.key`` once the tab joined),
    then ``await stream.next()`` for each state sent (a version, "ended" or "down"). A
    following student's stream that says its language (``more="student=...&following=1&lang=en"``)
    also gets the followed view's grids (``event: view``): ``next_event`` gives every event
    as (name, data)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(
        cls, url: str, code: str, key: str, http: requests.Session | None = None, more: str = ""
    ) -> EventStream:
        """Open the stream of class ``code``, naming its join key ``key``, on the server at
        ``url`` (with ``http``'s cookies: behind nginx, the tab's route); ``more``: the query's
        other parameters (``watch=1``, a teacher's or projector's; ``student=...&following=1``)."""
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 22)
        cookies = "; ".join(f"{name}={value}" for name, value in (http.cookies.items() if http else []))
        headers = f"Host: {host}\r\nAccept: text/event-stream\r\nConnection: close\r\n"
        headers += f"Cookie: {cookies}\r\n" if cookies else ""
        query = urlencode({"class": code, "key": key}) + (f"&{more}" if more else "")
        # HTTP/1.0: the answer comes unchunked (a proxy re-chunks a long line, a view, at its
        # buffer's size, and this reader reads lines of the raw bytes, as no browser does).
        writer.write(f"GET /class/events?{query} HTTP/1.0\r\n{headers}\r\n".encode())
        await writer.drain()
        return cls(reader, writer)

    async def next_event(self) -> tuple[str, str]:
        """The next event the stream sends, (name, data): ("message", a state), ("view", the
        grids' JSON); ("message", "closed") when it ends."""
        name = "message"
        while line := await self.reader.readline():
            text = line.decode().strip()
            if text.startswith("event: "):
                name = text.removeprefix("event: ")
            elif text.startswith("data: "):
                return name, text.removeprefix("data: ")
            elif not text:
                name = "message"
        return "message", "closed"

    async def next(self) -> str:
        """The next state the stream sends ("closed" when it ends); other events are skipped."""
        while (event := await self.next_event())[0] != "message":
            pass
        return event[1]

    async def close(self) -> None:
        self.writer.close()
