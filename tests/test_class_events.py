"""A change to a class is pushed to the tabs that follow it: the notifier in one process and
through Redis, and the events route of a real ``streamlit run app.py`` (``/class/events``),
read by a plain HTTP client as the browser's EventSource reads it. The servers' own reads of
the store are put off for ten minutes (``CLASS_EVENTS_LOOK_EVERY``): only a publication can
bring a change here."""

from __future__ import annotations

import asyncio
import queue
import shutil
import socket
import threading
from contextlib import suppress

import pytest
import requests

from classroom import model
from classroom.events import _newer, event_line
from classroom.notify import ENDED, LocalNotifier
from harness.client import EventStream, Session, run
from harness.server import ARTIFACTS, REPO, free_port, nginx_proxy, redis_server, streamlit_replicas
from tests.test_class_security import _code

QUIET = {"CLASS_EVENTS_LOOK_EVERY": "600"}


def test_a_publication_from_another_thread_wakes_the_listener_once_with_the_newest():
    notifier = LocalNotifier()

    async def listen():
        with notifier.subscribe("HQCMT") as subscription:
            assert notifier.listeners("HQCMT") == 1
            publisher = threading.Thread(target=lambda: [notifier.publish("HQCMT", v) for v in (2, 3, 4)])
            publisher.start()
            publisher.join()
            notifier.publish("ACDEF", 9)  # another class: not heard here
            heard = await subscription.wait(30)
        return heard, notifier.listeners("HQCMT")

    assert run(listen()) == (4, 0)  # on a loop of its own (a test process may hold one)


def test_what_a_publication_makes_of_the_state_sent():
    assert _newer(3, 5) == 5
    assert _newer(5, 3) == 5  # a late publication never takes a tab back
    assert _newer("down", 3) == 3
    assert _newer(3, ENDED) == "ended"
    assert event_line(7) == "data: 7\n\n"


class Stream:
    """``/class/events`` read as a browser's EventSource reads it, over a plain socket in a
    thread (so that closing it ends the read at once), each ``data:`` line put in a queue."""

    def __init__(self, url: str, code: str) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        host, port = url.removeprefix("http://").split(":")
        self.socket = socket.create_connection((host, int(port)), timeout=30)
        headers = f"Host: {host}\r\nAccept: text/event-stream\r\nConnection: close\r\n"
        self.socket.sendall(f"GET /class/events?class={code} HTTP/1.1\r\n{headers}\r\n".encode())
        self.socket.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with suppress(OSError), self.socket.makefile("rb") as reader:
            for line in reader:  # chunk sizes and headers too: only the events' lines count
                text = line.decode().strip()
                if text.lower().startswith("content-type:"):
                    assert "text/event-stream" in text
                if text.startswith("data: "):
                    self.lines.put(text.removeprefix("data: "))
        self.lines.put("closed")

    def next(self) -> str:
        return self.lines.get(timeout=60)  # a guard against a hang, not a measure

    def close(self) -> None:
        with suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()


async def _start(url: str) -> tuple[Session, str]:
    teacher = await Session.open(url, "", page="live_class")
    while "class_start" not in teacher.widgets:  # a fresh server's first run goes through the router
        await teacher.rerun()
    await teacher.rerun(teacher.state("class_start", trigger_value=True))
    return teacher, _code(teacher)


async def _press(teacher: Session, key: str) -> None:
    while key not in teacher.widgets:
        await teacher.rerun()
    await teacher.rerun(teacher.state(key, trigger_value=True))


def _lesson_heard_on(teacher_url: str, listener_url: str) -> list[str]:
    """A teacher on ``teacher_url`` starts a class, sets up the Playground, asks, reveals and
    ends; a stream on ``listener_url`` opened after the start: what it heard."""
    heard = []

    async def lesson():
        teacher, code = await _start(teacher_url)
        stream = Stream(listener_url, code)
        try:
            heard.append(await asyncio.to_thread(stream.next))  # the state on connecting
            teacher.page, teacher.query = "", f"class={code}"
            await teacher.rerun()  # the Playground: its setup is published
            heard.append(await asyncio.to_thread(stream.next))
            teacher.page = "live_class"
            await _press(teacher, "class_ask_pick")
            heard.append(await asyncio.to_thread(stream.next))
            await _press(teacher, "class_reveal")
            heard.append(await asyncio.to_thread(stream.next))
            await _press(teacher, "class_end")
            while heard[-1] != "closed":  # the end's own version, then "ended", then the stream closes
                heard.append(await asyncio.to_thread(stream.next))
        finally:
            stream.close()
            await teacher.close()

    run(lesson())
    return heard


def _versions_then_end(heard: list[str]) -> None:
    *versions, last, closed = heard
    numbers = [int(version) for version in versions]
    # each change heard once, in order (the end's own version may be overtaken by "ended")
    assert len(numbers) >= 4 and numbers == sorted(set(numbers)), heard
    assert (last, closed) == ("ended", "closed"), heard


def test_one_server_pushes_every_change_to_a_stream(tmp_path):
    env = {**QUIET, "CLASS_STORE": f"sqlite:///{tmp_path}/classes.sqlite3"}
    with streamlit_replicas(1, env=env, timeout=120) as [(url, _)]:
        assert requests.get(f"{url}/class/events", params={"class": "B8"}, timeout=30).status_code == 400
        _versions_then_end(_lesson_heard_on(url, url))


@pytest.mark.browser
def test_a_change_on_one_replica_reaches_streams_on_both_through_redis_and_nginx():
    """The teacher on the first replica; one stream on the second replica's own port, one
    through deploy/nginx.conf (unbuffered: each line arrives as it is written)."""
    missing = [tool for tool in ("nginx", "redis-server") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install nginx redis-server)")
    folder = ARTIFACTS / f"redis-events-{free_port()}"
    with redis_server(folder) as (address, _):
        env = {**QUIET, "CLASS_STORE": address}
        with streamlit_replicas(2, env=env, timeout=120) as [(first, _), (second, _)]:
            _versions_then_end(_lesson_heard_on(first, second))
            with nginx_proxy([first, second], folder / "nginx") as proxy:
                _versions_then_end(_lesson_heard_on(first, proxy))
    shutil.rmtree(folder, ignore_errors=True)


def test_the_deployments_pass_the_events_on_unbuffered_for_a_lesson_on_the_tabs_replica():
    from tests.test_deploy import _manifest

    annotations = _manifest()["Ingress/avgpool-events"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"  # as the websocket's
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    config = (REPO / "deploy" / "nginx.conf").read_text()
    block = config[config.index("location = /class/events {") :].split("}", 1)[0]
    assert "proxy_buffering off;" in block and "proxy_read_timeout 1d;" in block


SEND = "FormSubmitter:class_answer_form-Send"  # the answer form's button, by its key


async def _next(stream: EventStream) -> str:
    return await asyncio.wait_for(stream.next(), 60)  # a guard against a hang, not a measure


def _overview(line: str) -> dict[str, int]:
    return dict(zip(("version", "present", "following", "answered"), map(int, line.split(":")), strict=True))


async def _watched_lesson(url: str) -> None:
    """A teacher asks; the projector opens; a student comes in (its events stream opens) and
    answers, then sends the same answer again; the teacher reveals. The watchers' stream says
    each change once, and the teacher's next run (what its listener asks for) draws the count."""
    teacher, code = await _start(url)
    teacher.page, teacher.query = "", f"class={code}"
    await teacher.rerun()  # the Playground: a setup to ask about
    teacher.page = "live_class"
    await _press(teacher, "class_ask_pick")
    projector = await Session.open(url, f"class={code}&view=projector", page="live_class")
    watch = await EventStream.open(url, code, more="watch=1")
    student_id, browser = model.new_student(), requests.Session()
    browser.cookies.set("avgpool_student", student_id)  # the identity its listener names too
    student = await Session.open(url, f"class={code}", http=browser, page="live_class")
    listener = None
    try:
        asked = _overview(await _next(watch))
        assert (asked["present"], asked["answered"]) == (0, 0), asked
        listener = await EventStream.open(url, code, more=f"student={student_id}&following=1")
        await _next(listener)
        assert _overview(await _next(watch)) == {**asked, "present": 1, "following": 1}
        answer = (student.state("class_answer", string_value="1/4"), student.state(SEND, trigger_value=True))
        await student.rerun(*answer)
        assert _overview(await _next(watch)) == {**asked, "present": 1, "following": 1, "answered": 1}
        await teacher.rerun()  # as its listener asks, having heard it
        assert any("**1** answered" in text for text in teacher.texts), teacher.texts
        await student.rerun(*answer)  # the same answer again: told, but nothing to redraw
        await _press(teacher, "class_reveal")
        revealed = _overview(await _next(watch))  # the next line is the reveal's: nothing sent between
        assert revealed == {**asked, "version": asked["version"] + 1, "present": 1, "following": 1, "answered": 1}
        # Nothing on a timer in any of the class's tabs (app.py's reconnect fragment never fires in a lesson).
        assert all(
            interval >= 24 * 3600 for tab in (teacher, projector, student) for interval, _ in tab.timers.values()
        )
    finally:
        for stream in (watch, listener):
            if stream is not None:
                await stream.close()
        for tab in (teacher, projector, student):
            await tab.close()


def test_the_cockpit_and_the_projector_redraw_by_push_and_have_no_timer(tmp_path):
    env = {**QUIET, "CLASS_STORE": f"sqlite:///{tmp_path}/classes.sqlite3"}
    with streamlit_replicas(1, env=env, timeout=120) as [(url, _)]:
        run(_watched_lesson(url))
        refused = requests.get(f"{url}/class/cookie", timeout=30)  # only POST sets cookies
        assert (refused.status_code, refused.headers["Allow"]) == (405, "POST"), refused.text[:200]
        assert requests.head(f"{url}/class/cookie", timeout=30).status_code == 405
