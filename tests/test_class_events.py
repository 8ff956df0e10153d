"""A change to a class is pushed to the tabs that follow it: the notifier in one process and
through Redis, and the events route of a real ``streamlit run app.py`` (``/class/events``),
read by a plain HTTP client as the browser's EventSource reads it. The servers' own reads of
the store are put off for ten minutes (``CLASS_EVENTS_LOOK_EVERY``): only a publication can
bring a change here."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import re
import shutil
import socket
import threading
import time
from contextlib import suppress
from dataclasses import replace

import numpy as np
import pytest
import requests
from streamlit.proto.WidgetStates_pb2 import WidgetState

from classroom import events, model, notify
from classroom.events import _newer, event_line
from classroom.followed import followed_view, view_line
from classroom.model import Setup, new_student
from classroom.notify import ENDED, LocalNotifier, RedisNotifier, open_notifier
from classroom.setups import computed_from_setup
from figures.grids import decode_values, with_palette
from figures.views import explained_selection, playground_columns
from harness.client import EventStream, Session, run
from harness.server import ARTIFACTS, REPO, free_port, nginx_proxy, redis_server, streamlit_replicas
from scenario.numbers import exact_text, format_number
from tests.test_class_security import _code

QUIET = {"CLASS_EVENTS_LOOK_EVERY": "600"}


@pytest.fixture(scope="module")
def one_server(tmp_path_factory):
    """One server for the tests that each run their own class on it (a new code each): a
    server's start is most of such a test's time."""
    folder = tmp_path_factory.mktemp("class-events")
    env = {**QUIET, "CLASS_STORE": f"sqlite:///{folder}/classes.sqlite3"}
    with streamlit_replicas(1, env=env, timeout=120) as [(url, _)]:
        yield url


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


def test_a_subscription_keeps_the_newest_version_heard_and_an_end_for_good():
    notifier = LocalNotifier()

    async def listen():
        with notifier.subscribe("HQCMT") as subscription:
            heard = []
            for versions in ((8, 7), (ENDED,)):
                for version in versions:
                    notifier.publish("HQCMT", version)
                heard.append(await subscription.wait(30))
            notifier.publish("HQCMT", 9)
            await asyncio.sleep(0)  # the loop's next turn: what was published is taken in
            heard.append(subscription.latest)
        return heard

    assert run(listen()) == [8, ENDED, ENDED]  # a late 7 never takes it back; nothing after the end


def test_a_reused_code_never_gets_the_old_class_view_and_odd_digits_explain_nothing():
    assert [explained_selection(text) for text in ("x-\u00b2-1", "y-1-\u0663", "x-1-1-1")] == [None] * 3
    setup = Setup("", {"kernel_h": 2, "stride_h": 2, "height": 4, "width": 4}, {}, None)
    old = model.publish(model.start("HQCMT", "first teacher"), setup)
    new = model.publish(
        model.start("HQCMT", "second teacher"), replace(setup, controls={**setup.controls, "kernel_h": 3})
    )
    assert (old.code, old.version) == (new.code, new.version)
    assert view_line(old, "en", "standard") != view_line(new, "en", "standard")
    assert view_line(new, "en", "standard") == view_line(new, "en", "standard")


def test_what_a_publication_makes_of_the_state_sent():
    assert _newer(3, 5) == 5
    assert _newer(5, 3) == 5  # a late publication never takes a tab back
    assert _newer("down", 3) == 3
    assert _newer(3, ENDED) == "ended"
    assert event_line(7) == "data: 7\n\n"


def test_the_followed_view_is_the_playgrounds_or_the_questions_or_the_prepared_setups():
    setup = Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5}, {}, "x-2-2")
    lesson = model.publish(model.start("HQCMT", "s"), setup)
    view = followed_view(lesson, "zh", "colorblind")
    assert view["version"] == lesson.version and view["columns"] == 4
    assert view["selection"] == {"kind": "input", "row": 2, "col": 2, "grid": "grad_input"}
    assert view["prompt"] == [] and view["local"] is False  # the Playground: no question, clicks explained
    grids = {grid["key"]: grid for grid in view["grids"]}
    assert list(grids) == ["x", "y", "grad_output", "grad_input"] and grids["x"]["file"].endswith("_playground_x")
    assert grids["grad_input"]["colors"] == with_palette(grids["grad_input"], "colorblind")["colors"]
    outside = followed_view(model.publish(lesson, replace(setup, explain="x-9-9")))
    assert outside["selection"] is None  # a cell the grids do not have
    question = model.Question(1, setup, (2, 2), 1.0, {"en": "∂L/∂x[2, 2] = 9/9 = 1", "zh": "∂L/∂x[2, 2] = 1"})
    asked = followed_view(model.ask(lesson, question), "zh")
    assert [grid["key"] for grid in asked["grids"]] == ["x", "y", "grad_output"] and asked["local"] is True
    assert asked["prompt"] == [
        "第 1 题：∂L/∂x[2, 2] 是多少？",
        "nn.AvgPool2d(kernel_size=3, stride=1)，作用于 5×5 的输入，loss = y.sum()",
    ]
    revealed = model.reveal(model.ask(lesson, question))
    shown = followed_view(revealed)
    assert [grid["key"] for grid in shown["grids"]] == ["x", "y", "grad_output", "grad_input"] and shown["axes"]
    assert shown["prompt"][-1] == "The answer: 1. ∂L/∂x[2, 2] = 9/9 = 1"
    elsewhere = model.publish(lesson, replace(setup, page="step_by_step"))
    assert followed_view(elsewhere) is None  # another page: its rerun draws it
    prepared = followed_view(model.prepare(lesson, True))  # pushed too, with nothing of the answer
    assert [grid["key"] for grid in prepared["grids"]] == ["x", "y", "grad_output"] and prepared["local"] is True
    assert prepared["prompt"] == ["The teacher is preparing a question: here is the setup, without ∂L/∂x."]
    assert followed_view(model.next_question(revealed))["version"] == revealed.version + 1


def test_a_deck_steps_prepared_question_is_pushed_without_its_answer():
    """At a deck step with a question, the teacher prepares it (the step's words may pose it
    first); its view is pushed at once, as the page draws it: a question about y, x alone."""
    from classroom.deck import deck_to_json, question_of
    from classroom.deck_library import BUILT_IN
    from classroom.setups import sent_setup

    deck = BUILT_IN["classic"]
    index = next(i for i, step in enumerate(deck.steps) if step.question and step.question.kind == "output")
    lesson = model.open_deck(model.start("HQCMT", "s"), deck_to_json(deck))
    lesson = model.prepare(model.go_to_step(lesson, index, sent_setup(deck.steps[index].setup)), True)
    view = followed_view(lesson, "zh")
    assert lesson.preparing and [grid["key"] for grid in view["grids"]] == ["x"]  # y is the answer
    assert question_of(deck.steps[index]).kind == "output" and view["prompt"][0].startswith("老师正在准备")


def test_the_pushed_question_carries_peer_instructions_phase_so_students_read_it_at_once():
    """Discuss, vote 2 and closed reach a following student in the pushed view (drawn at once
    by the listener), not only in their page's next rerun."""
    setup = Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5})
    asked = model.ask(model.start("HQCMT", "s"), model.Question(1, setup, (2, 2), 1.0))
    discussing = model.discuss(asked)
    voting = model.vote_again(discussing)
    closed = model.close_answers(voting, 100.0)
    phases = [followed_view(lesson, "en")["prompt"][1] for lesson in (discussing, voting, closed)]
    assert [phase.split(":")[0] for phase in phases] == ["Discuss with your neighbour", "Vote 2", "Answers are closed"]
    assert followed_view(discussing, "zh")["prompt"][1].startswith("和邻座讨论")
    assert len(followed_view(asked)["prompt"]) == 2  # vote 1, open: no phase line
    assert "Vote 2" not in " ".join(followed_view(model.reveal(voting))["prompt"])  # revealed: the answer says it


ASKED = [  # (setup's controls, kind, cell): a cell of ∂L/∂x (4/9, 1/4 with padding) and of y (2.5)
    ({"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5}, "grad_input", (1, 1)),
    ({"kernel_h": 3, "stride_h": 2, "padding_h": 1, "height": 6, "width": 6, "loss": "mean"}, "grad_input", (2, 3)),
    ({"kernel_h": 2, "stride_h": 2, "height": 4, "width": 4}, "output", (0, 0)),
]


@pytest.mark.parametrize(("controls", "kind", "cell"), ASKED)
def test_a_questions_pushed_view_holds_no_answer_before_the_reveal(controls, kind, cell):
    """The event line a following student's stream carries while a question is open: no
    ∂L/∂x (nor, for a cell of y, y), no value of the asked cell in any grid, as a number or as
    the page prints it, no explanation; once revealed, all of it."""
    setup = Setup("", controls, {}, None)
    computed = computed_from_setup(setup)
    truth = float(computed.y[cell] if kind == "output" else computed.grad_input[cell])
    question = model.Question(1, setup, cell, truth, {"en": "EXPLAINED-EN", "zh": "EXPLAINED-ZH"}, kind=kind)
    asked = model.ask(model.publish(model.start("HQCMT", model.new_secret()), setup), question)  # its own views
    for language in ("en", "zh"):
        line = view_line(asked, language, "standard")
        assert line.startswith('event: view\ndata: {"version":'), line[:40]
        view = json.loads(line.split("data: ", 1)[1])
        answered = "y" if kind == "output" else "grad_input"
        assert answered not in {grid["key"] for grid in view["grids"]}, (controls, language)
        for grid in view["grids"]:  # these setups' x, y and ∂L/∂y never hold the asked value
            assert not np.isclose(decode_values(grid), truth).any(), (grid["key"], language)
        printed = {exact_text(truth), format_number(truth)}
        labels = [label for grid in view["grids"] for label in grid["labels"]]
        assert not printed & set(labels), (printed, language)
        assert "EXPLAINED" not in line and question.target in view["prompt"][0]
        revealed = json.loads(view_line(model.reveal(asked), language, "standard").split("data: ", 1)[1])
        assert answered in {grid["key"] for grid in revealed["grids"]}
        assert f"EXPLAINED-{language.upper()}" in revealed["prompt"][-1] and exact_text(truth) in revealed["prompt"][-1]


def test_the_followed_view_says_the_playgrounds_columns_on_a_page_and_on_a_projector():
    """Large grids go two per row on a page, four on a projector, as on the Playground itself
    (a following student in presentation mode got two per row until its rerun)."""
    large = model.publish(model.start("HQCMT", "s"), Setup("", {"height": 20, "width": 20}, {}, None))
    small = model.publish(large, Setup("", {"height": 6, "width": 6}, {}, None))
    assert (followed_view(large)["columns"], followed_view(large)["columns_present"]) == (2, 4)
    assert (followed_view(small)["columns"], followed_view(small)["columns_present"]) == (4, 4)
    assert playground_columns(20, present=False) == 2  # the rule the Playground draws with


def test_a_class_is_watched_once_for_all_its_streams_and_keeps_everyones_still_here(monkeypatch):
    """Three following streams of one class on a server: one watch (one subscription, one
    read of the store for all), which writes all three students' "still here" in one write
    (the teacher's count), passes a publication to each, and goes with the last stream."""
    monkeypatch.setattr(events, "LOOK_EVERY", 0.05)  # the watch's next read comes soon
    store, code = events.process_store(), model.new_code()
    store.create(lesson := model.start(code, "s"), time.time())
    students = [new_student() for _ in range(3)]
    written, seen_all = threading.Event(), store.seen_all  # the real write, and a signal after it

    def seen_all_then_signal(*args):
        seen_all(*args)
        written.set()

    async def follow():
        streams = [events._stream(code, model.join_key(lesson), student, True, None) for student in students]
        assert [await anext(stream) for stream in streams] == ["retry: 2000\n\n"] * 3
        assert [await anext(stream) for stream in streams] == [event_line(1)] * 3  # the state on opening
        watch = events._WATCHES[code]
        assert len(events._WATCHES) == 1 and len(watch.streams) == 3 and open_notifier().listeners(code) == 1
        store._run("DELETE FROM presence WHERE code = ?", code)  # what the streams' openings wrote
        monkeypatch.setattr(store, "seen_all", seen_all_then_signal)
        assert await asyncio.to_thread(written.wait, 30)  # the watch's next read writes them all
        assert store.presence(code, time.time()) == (3, 3)
        open_notifier().publish(code, 2)
        assert [await anext(stream) for stream in streams] == [event_line(2)] * 3
        for stream in streams:
            await stream.aclose()
        return code in events._WATCHES, open_notifier().listeners(code)

    assert run(follow()) == (False, 0)


def test_a_following_tabs_rerun_takes_the_lesson_its_server_read_for_the_version_told_and_no_other():
    """The watch reads the lesson once for all its streams with each version it tells
    (``heard_lesson``): a following tab's rerun draws that lesson, the store's at that version,
    only with the class's join key, and none once a newer state is told and not read yet, or
    the class has ended (then every run reads the store)."""
    store, code = events.process_store(), model.new_code()
    store.create(lesson := model.start(code, "s"), time.time())
    key = model.join_key(lesson)

    async def follow():
        stream = events._stream(code, key, new_student(), True, ("en", "standard"))
        assert [await anext(stream), await anext(stream)] == ["retry: 2000\n\n", event_line(1)]
        assert events.heard_lesson(code, key, "1") is None  # no version told by the watch yet: the store's
        published = model.publish(lesson, Setup("", {"kernel_h": 3}))
        assert store.save(published, 1, time.time())
        open_notifier().publish(code, published.version)
        assert (await anext(stream)).startswith("event: view") and await anext(stream) == event_line(2)
        other_key = model.join_key(model.start(code, "t"))
        heard = [events.heard_lesson(code, key, "2"), events.heard_lesson(code, other_key, "2")]
        assert heard == [store.load(code, time.time()), None]  # the store's at version 2; another class's key: none
        # The tab heard another state than the watch tells (a stream opened in an outage says "down"): the store's.
        assert [events.heard_lesson(code, key, other) for other in ("down", "1", "3", "")] == [None] * 4
        open_notifier().publish(code, 3)  # told before the watch read it (the store still has 2)
        assert await anext(stream) == event_line(3)
        told_not_read = events.heard_lesson(code, key, "3")
        open_notifier().publish(code, ENDED)
        assert await anext(stream) == event_line("ended")
        ended = events.heard_lesson(code, key, "ended")
        await stream.aclose()
        return told_not_read, ended

    assert run(follow()) == (None, None)


def test_a_students_stream_opening_never_holds_the_event_loop_on_a_silent_redis(monkeypatch, caplog):
    """The watchers are told of a student's stream opening through the notifier, whose Redis
    here accepts connections and never answers: the publication waits (until its socket
    timeout) in a worker thread, while the server's event loop goes on (here: it serves that
    silent Redis, which hears the client speak before the publication has given up)."""
    store, code = events.process_store(), model.new_code()
    store.create(lesson := model.start(code, "s"), time.time())

    async def open_stream() -> bool:
        spoken, never = asyncio.Event(), asyncio.Event()

        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if await reader.read(1):
                spoken.set()
            await never.wait()  # accepts, reads, never answers

        redis = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = redis.sockets[0].getsockname()[1]
        monkeypatch.setattr(notify, "_NOTIFIER", RedisNotifier(f"redis://127.0.0.1:{port}"))
        stream = events._students_stream(code, model.join_key(lesson), new_student(), True)
        assert [await anext(stream), await anext(stream)] == ["retry: 2000\n\n", event_line(1)]
        telling = asyncio.ensure_future(anext(stream))  # after its first state: the watchers told
        await asyncio.wait_for(spoken.wait(), 60)  # a guard against a hang, not a measure
        given_up = "not published" in caplog.text  # a publication on the loop would have, by now
        telling.cancel()
        with suppress(asyncio.CancelledError):
            await telling
        await stream.aclose()
        redis.close()
        return given_up

    with caplog.at_level(logging.WARNING, logger="classroom.notify"):
        assert run(open_stream()) is False


class Stream:
    """``/class/events`` read as a browser's EventSource reads it, over a plain socket in a
    thread (so that closing it ends the read at once), each ``data:`` line put in a queue."""

    def __init__(self, url: str, code: str, key: str) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        host, port = url.removeprefix("http://").split(":")
        self.socket = socket.create_connection((host, int(port)), timeout=30)
        headers = f"Host: {host}\r\nAccept: text/event-stream\r\nConnection: close\r\n"
        self.socket.sendall(f"GET /class/events?class={code}&key={key} HTTP/1.1\r\n{headers}\r\n".encode())
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
        stream = Stream(listener_url, code, teacher.key)
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


def _views_heard(url: str) -> list[tuple[str, str]]:
    """A following student's stream (its language given): every event it hears while the
    teacher sets up the Playground, prepares a question and picks its cell, asks, reveals."""
    heard = []

    async def lesson():
        teacher, code = await _start(url)
        stream = await EventStream.open(url, code, teacher.key, more=f"student={new_student()}&following=1&lang=en")

        async def until_state() -> None:  # the events up to the next state line
            while (event := await stream.next_event())[0] != "message":
                heard.append(event)
            heard.append(event)

        try:
            await until_state()  # the state on connecting
            teacher.page, teacher.query = "", f"class={code}&kernel_h=3&stride_h=1&height=5&width=5&explain=x-2-2"
            await teacher.rerun()  # the Playground's setup, a cell explained: published
            await until_state()
            teacher.page, teacher.query = "live_class", f"class={code}"
            await _press(teacher, "class_ask_pick")
            await until_state()
            await _press(teacher, "class_reveal")
            await until_state()
        finally:
            await stream.close()
            await teacher.close()

    run(lesson())
    return heard


def test_a_following_stream_gets_each_view_before_its_change_and_an_open_questions_without_its_answer(one_server):
    """The followed view (classroom/followed.py) comes before the version it draws, on a
    following student's stream: the Playground's grids; the question's grids and prompt, with
    no ∂L/∂x and no answer while it is open; then, revealed, the answer."""
    url = one_server
    heard = _views_heard(url)
    names = [name for name, _ in heard]
    assert names == ["message", "view", "message", "view", "message", "view", "message"], names
    views, versions = [json.loads(data) for name, data in heard if name == "view"], [int(d) for _, d in heard[2::2]]
    assert [view["version"] for view in views] == versions and versions == sorted(set(versions))
    grad_input = next(grid for grid in views[0]["grids"] if grid["key"] == "grad_input")
    assert (grad_input["rows"], grad_input["cols"]) == (5, 5) and views[0]["prompt"] == []
    asked, revealed = views[1:]
    assert [grid["key"] for grid in asked["grids"]] == ["x", "y", "grad_output"] and asked["axes"] is None
    assert asked["prompt"][0].startswith("Question 1: what is ∂L/∂x[") and len(asked["prompt"]) == 2
    assert "answer" not in heard[3][1].lower()  # the asked view's bytes: no answer said
    assert [grid["key"] for grid in revealed["grids"]][-1] == "grad_input"
    assert revealed["prompt"][:2] == asked["prompt"] and revealed["prompt"][2].startswith("The answer: ")


def test_one_server_pushes_every_change_to_a_stream(one_server):
    url = one_server
    assert requests.get(f"{url}/class/events", params={"class": "B8"}, timeout=30).status_code == 400
    _versions_then_end(_lesson_heard_on(url, url))


def _answer(url: str, query: str) -> tuple[str, list[str], bytes]:
    """The answer to ``GET /class/events?query``: its status line, its headers but the date,
    and its body's bytes up to its first state, to its end if that state is ``ended``."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(f"GET /class/events?{query} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while (chunk := connection.recv(65536)) and not re.search(rb"data: (?!ended)[^\n]*\n\n", answer + chunk):
            answer += chunk
        answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    status, *headers = head.decode().split("\r\n")
    return status, sorted(line for line in headers if not line.lower().startswith("date:")), body


def test_a_stream_without_the_class_key_is_answered_as_a_class_that_does_not_exist(one_server):
    """Whether a code is in use is never told by the route: a wrong key, no key and a code no
    class has get the same bytes, for a student's stream and a watcher's; the key joins."""
    url = one_server

    async def lesson() -> tuple[str, str]:
        teacher, code = await _start(url)
        await teacher.close()
        return code, teacher.key

    code, key = run(lesson())
    unknown = next(other for other in iter(model.new_code, None) if other != code)
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    for more in ("", f"&student={new_student()}&following=1&lang=en", "&watch=1"):
        answers = [
            _answer(url, f"class={unknown}&key={key}{more}"),
            _answer(url, f"class={code}&key={wrong}{more}"),
            _answer(url, f"class={code}{more}"),
            _answer(url, f"class={code}&key={more}"),
        ]
        assert answers[0][0].endswith("200 OK") and b"data: ended" in answers[0][2], answers[0]
        assert all(answer == answers[0] for answer in answers), (more, answers)
    right = Stream(url, code, key)
    try:
        assert right.next().split(":")[0].isdigit()  # the version (a watcher's: its overview)
    finally:
        right.close()


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


@pytest.mark.browser
def test_a_following_tabs_rerun_says_the_outage_its_stream_told_though_the_watch_holds_the_lesson():
    """Redis stops; a following student's stream opens again (as an EventSource reconnects)
    and says ``down``, while the server's watch, which has not looked since (QUIET), still
    holds the lesson it read with the last version. The rerun that the listener asks for,
    having heard ``down``, says the class cannot be reached: it does not draw the watch's
    lesson (then the tab would draw the class as if all were well, and its listener, having
    asked for ``down`` once, would never ask again: tests/test_class_replicas.py saw that)."""
    missing = [tool for tool in ("redis-server",) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install redis-server)")
    folder = ARTIFACTS / f"redis-heard-{free_port()}"
    with (
        redis_server(folder) as (address, redis),
        streamlit_replicas(1, env={**QUIET, "CLASS_STORE": address}, timeout=120) as [(url, _)],
    ):
        before, during = run(_outage_heard(url, redis))
    shutil.rmtree(folder, ignore_errors=True)
    assert not any("cannot be reached" in text for text in before), before
    assert any("The class" in text and "cannot be reached" in text for text in during), during


async def _outage_heard(url: str, redis) -> tuple[list[str], list[str]]:
    """What a following student's page says after hearing a change (the store up), then after
    hearing ``down`` from a stream opened once the store stopped."""
    teacher, code = await _start(url)
    teacher.page, teacher.query = "", f"class={code}"
    await teacher.rerun()  # the Playground: the class's setup
    student_id, browser = model.new_student(), requests.Session()
    browser.cookies.set("avgpool_student", student_id)
    student = await Session.open(url, f"class={code}", http=browser)
    more = f"student={student_id}&following=1&lang=en"
    first = await EventStream.open(url, code, student.key, more=more)
    second = None
    try:
        opened = int(await _next(first))
        await teacher.slide("kernel_h", 3)  # published: the watch reads the lesson and tells it
        told = await _next(first)
        assert int(told) > opened, (opened, told)
        await student.rerun(_heard(student, told))
        before = student.texts
        redis.terminate()
        redis.wait(30)
        second = await EventStream.open(url, code, student.key, more=more)
        assert await _next(second) == "down"
        await student.rerun(_heard(student, "down"))
        return before, student.texts
    finally:
        for stream in (first, second):
            if stream is not None:
                await stream.close()
        for tab in (teacher, student):
            await tab.close()


def _heard(tab: Session, state: str):
    """The listener's trigger, as ui/class_listener.js sends it when it heard ``state``."""
    trigger = WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{tab.widgets['class_listener']}__events")
    trigger.json_trigger_value = json.dumps({"event": "heard", "value": state})
    return trigger


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
    watch = await EventStream.open(url, code, teacher.key, more="watch=1")
    student_id, browser = model.new_student(), requests.Session()
    browser.cookies.set("avgpool_student", student_id)  # the identity its listener names too
    student = await Session.open(url, f"class={code}", http=browser, page="live_class")
    listener = None
    try:
        asked = _overview(await _next(watch))
        assert (asked["present"], asked["answered"]) == (0, 0), asked
        listener = await EventStream.open(url, code, student.key, more=f"student={student_id}&following=1")
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


def test_the_cockpit_and_the_projector_redraw_by_push_and_have_no_timer(one_server):
    url = one_server
    run(_watched_lesson(url))
    refused = requests.get(f"{url}/class/cookie", timeout=30)  # only POST sets cookies
    assert (refused.status_code, refused.headers["Allow"]) == (405, "POST"), refused.text[:200]
    assert requests.head(f"{url}/class/cookie", timeout=30).status_code == 405
    _a_cookies_body_is_small(url)


def _a_cookies_body_is_small(url: str) -> None:
    """A token is a few bytes: a body said to be larger is refused before it is read (413),
    and one that does not say its length is read only up to the limit."""
    large = requests.post(f"{url}/class/cookie", data=b"t" * 1_000_000, timeout=30)
    assert (large.status_code, large.text) == (413, "a cookie token is a few bytes: this body is too large")
    unsaid = requests.post(f"{url}/class/cookie", data=iter([b"t" * 4096] * 16), timeout=30)  # chunked
    assert unsaid.status_code == 413, unsaid.text[:200]
    crafted = requests.post(f"{url}/class/cookie", data=b"t", headers={"Content-Length": "-1"}, timeout=30)
    assert crafted.status_code in (400, 413), crafted.text[:200]  # never a traceback
    small = requests.post(f"{url}/class/cookie", data="an-unknown-token", timeout=30)
    assert small.status_code == 400 and "unknown or used token" in small.text
