"""A live class through nginx, two replicas and Redis, as issue 20's "Speed" asks: a teacher's
change reaching every following student, a question answered by the whole class and revealed,
what idle followers cost the servers, and a student exploring alone beside the class.

    python benchmarks/bench_live_class.py                 # 60 students, ~3 minutes
    python benchmarks/bench_live_class.py --quick         # 20 students, shorter parts
    python benchmarks/bench_live_class.py --students 30 --size 16
    python benchmarks/bench_live_class.py --deck classic --peer --students 200   # a lesson from a deck

The lesson mode (``--deck``, ``--peer``: benchmarks/live_lesson.py) steps through a built-in
deck with peer instruction at each question instead of parts 1-4 below.

Every tab is a protocol client (``harness/client.py``), driven by asyncio in this process, as
a browser tab left open behaves (``Session.follow``): whatever the server sends is read, and
no tab of the class has a timer: each listens to the class's events stream (``EventStream``;
the teacher and the projector to the watchers' one, ``watch=1``), rerunning once for each
newer state, as ui/class_listener.js does. The servers are
this repository's app: two replicas of ``streamlit run app.py`` (one cookie secret,
``CLASS_STORE`` naming a ``redis-server`` started here, persistence on) behind
``deploy/nginx.conf``. Locust is not used: what is timed here is what the server pushes to
60 tabs after one tab's action (and what the servers spend while nothing happens), not
requests answered, which is what Locust's figures are; bench_locust.py loads the same
deployment with Locust.

What is measured, each against a baseline measured in the same run:

1. The teacher moves the kernel slider on the Playground (``--size`` x ``--size``); the time
   until each student's page has run again and shows the new kernel (its grids redrawn). The
   baseline: a class of one student. Goal: p95 <= 1.5 s.
2. The teacher asks (the quiz's rule picks the cell): the time until each student has the
   question, as it sees it first, its pushed view (the question's grids and prompt,
   classroom/followed.py, drawn at once by ui/class_listener.js), and, second column, until
   its page's whole rerun (which follows the view within ``RERUN_SPREAD``, as the listener
   reruns) shows it. Every student answers within ``--window`` seconds through the answer
   form; the time from each answer being stored (Redis polled every 5 ms) to the teacher's
   class bar counting it, the last one included (goal: within 1 s); then the reveal reaching
   every student (the pushed view with the answer; second column, the page's verdict) and the
   projector (its page's run: it has no view). Goal (issue 27): the question and the reveal
   p95 <= 1 s. The baseline: a class of one student and one projector.
3. The class left idle: the replicas' CPU (both, from /proc/<pid>/stat) against a floor
   measured in the same run, the same number of tabs on the barest app with one fragment on
   the same timer (``benchmarks/floor_fragment_app.py``, two replicas behind the same nginx).
   Goal: within 1.5x of the floor. And memory per follower (the replicas' RSS growth).
4. One student exploring alone (no class), moving the kernel as bench_app.py does: the time
   from the change to the server's "script finished", with the servers otherwise idle, beside
   the 60 idle followers, and beside them while the teacher changes the setup every few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import time
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import ClassVar

import redis.asyncio as aioredis
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classroom.deck_library import BUILT_IN
from classroom.model import new_student
from classroom.store import RedisStore
from harness.client import EventStream, Session
from harness.client import heard as listener_heard
from harness.server import ARTIFACTS, REPO, memory_mb, nginx_proxy, redis_server, streamlit_replicas
from ui.classroom import RERUN_SPREAD

SECRET = {"STREAMLIT_SERVER_COOKIE_SECRET": "bench-live-class-shared-secret"}
FLOOR_TICK = 0.5  # the floor's timer: what a student's tab ticked at before the class was pushed
SEND = "FormSubmitter:class_answer_form-Send"  # the answer form's button, by its key
QUESTION = "what is ∂L/∂x["  # a student's page once the question is asked
VERDICTS = ("**Right!**", "**Not quite:**", "You did not answer")  # a student's, after the reveal
RESULTS = "right · the answer is"  # the projector's, after the reveal
PUSHED_QUESTION = '"prompt":["Question '  # a following student's pushed view of an open question
PUSHED_ANSWER = '"The answer: '  # ... and of the revealed one (classroom/followed.py)
VIEW_VERSION = re.compile(r'^\{"version":(\d+),')  # a pushed view's first bytes
ANSWERS = ("1/4", "1", "1/2", "0.25", "4", "1/16")  # what the class types, right or not
ANSWERED = re.compile(r"\*\*(\d+)\*\* answered")  # the teacher's class bar
GOAL_ARRIVAL, GOAL_COUNT, GOAL_FLOOR = 1.5, 1.0, 1.5
GOAL_REACHED = 1.0  # issue 27: a question and a reveal reach every student and the projector, p95


class Follower(Session):
    """A tab left open: ``follow`` runs its timers and reads everything; ``expect`` gives a
    future for the moment a run that started after the call finishes showing a text."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: list[tuple[tuple[str, ...], bool, float, asyncio.Future]] = []
        self.run_started = 0.0  # when the current run's first message came
        self.exceptions = 0
        self.counts: list[tuple[float, int]] | None = None  # the teacher's: (time, "N answered")
        self.asks: list[float] = []  # when this tab last asked for a rerun (its listener, or a timer's tick)
        self.tick_count = 0
        self.missed = 0
        self.listening = None  # a student's: whether its events stream is open (None: no stream)
        self.view_waiting: list[tuple[str, asyncio.Future]] = []
        # What the lesson mode (benchmarks/live_lesson.py) reads of each run: the version its
        # class listener says the run drew, the keys it drew, a radio's id and shown options.
        self.drawn: int | None = None
        self.keys: set[str] = set()
        self.finished_keys: set[str] = set()  # the last finished run's
        self.radios: dict[str, tuple[str, list[str]]] = {}
        self.drawn_waiting: list[tuple[int, float, asyncio.Future]] = []
        self.view_after: list[tuple[int, str, asyncio.Future]] = []

    def expect(self, *texts: str, whole: bool = True) -> asyncio.Future:
        """Resolves with (finished, started): the first run begun after now that ends showing
        any of ``texts`` (a whole run unless ``whole`` is False: a fragment's run counts)."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((texts, whole, time.perf_counter(), future))
        return future

    def _auto_rerun_message(self, fragment_id: str) -> bytes:
        self.asks = [*self.asks[-30:], time.perf_counter()]
        self.tick_count += 1
        return super()._auto_rerun_message(fragment_id)

    @property
    def stalled(self) -> bool:
        """A student's events stream closed; a teacher's or projector's tab with no timer left
        (a whole run began, the browser dropped its timers, and its ``auto_rerun`` never came).
        The tab no longer follows; a browser's would not either."""
        if self.listening is not None:
            return not self.listening
        return not any(interval < 60 for interval, _ in self.timers.values())

    def expect_view(self, text: str) -> asyncio.Future:
        """Resolves with the moment a view pushed after now holds ``text`` (a following
        student's: drawn at once, as ui/class_listener.js draws it)."""
        future = asyncio.get_running_loop().create_future()
        self.view_waiting.append((text, future))
        return future

    def expect_drawn(self, before: int) -> asyncio.Future:
        """Resolves with (finished, started): the first whole run begun after now whose
        listener says it drew a version of the class newer than ``before`` (the whole page
        consistent with it; a teacher's or projector's: its overview's version)."""
        future = asyncio.get_running_loop().create_future()
        self.drawn_waiting.append((before, time.perf_counter(), future))
        return future

    def expect_view_after(self, before: int, text: str = "") -> asyncio.Future:
        """Resolves with the moment a view of a version newer than ``before`` is pushed,
        holding ``text``."""
        future = asyncio.get_running_loop().create_future()
        self.view_after.append((before, text, future))
        return future

    def _viewed(self, data: str) -> int | None:
        """A pushed view heard: its version; those waiting for what it holds are told."""
        now, found = time.perf_counter(), VIEW_VERSION.match(data)
        for text, future in self.view_waiting:
            if not future.done() and text in data:
                future.set_result(now)
        self.view_waiting = [entry for entry in self.view_waiting if not entry[1].done()]
        version = int(found[1]) if found else None
        for before, text, future in self.view_after:
            if not future.done() and version is not None and version > before and text in data:
                future.set_result(now)
        self.view_after = [entry for entry in self.view_after if not entry[2].done()]
        return version

    def _note(self, element, fragment_id: str) -> bool:
        """Besides the texts: titles (the projector's question), the version the class's
        listener drew (its component's data), each radio's id and options, every key drawn."""
        kind = element.WhichOneof("type")
        widget = getattr(element, kind)
        if kind == "heading":
            self.texts.append(widget.body)
        elif kind == "bidi_component" and "class_listener" in widget.component_name and widget.json:
            drawn = str(json.loads(widget.json).get("drawn", "")).split(":", 1)[0]  # a watcher's overview
            self.drawn = int(drawn) if drawn.isdigit() else self.drawn
        if getattr(widget, "id", "").startswith("$$ID-"):
            key = widget.id.split("-", 2)[-1]
            self.keys.add(key)
            if kind == "radio":
                self.radios[key] = (widget.id, list(widget.options))
        return super()._note(element, fragment_id)

    def _drew(self, now: float, whole: bool) -> None:
        """A run finished: those waiting for a whole run that drew a newer version are told."""
        if whole:
            self.finished_keys = set(self.keys)
        for before, since, future in self.drawn_waiting:
            if not future.done() and whole and self.run_started >= since and (self.drawn or 0) > before:
                future.set_result((now, self.run_started))
        self.drawn_waiting = [entry for entry in self.drawn_waiting if not entry[2].done()]

    async def listen(self, code: str, more: str = "", rng: random.Random | None = None) -> None:
        """A tab, as ui/class_listener.js: the class's events stream (through the same proxy,
        with this tab's cookies; ``more``: ``watch=1`` for the teacher and the projector, a
        following student's id, language and palette), and one whole rerun for each newer state
        heard after the first (what the tab drew): at a random moment within ``RERUN_SPREAD``
        when its view was pushed and drawn first, else at once."""
        stream = await EventStream.open(self.url, code, self.key, self.http, more)
        self.listening, first, viewed, pending = True, True, None, None
        try:
            while (event := await stream.next_event()) != ("message", "closed"):
                name, data = event
                if name == "view":
                    viewed = self._viewed(data)
                    continue
                if not first:
                    wait = rng.uniform(0, RERUN_SPREAD) if rng and data.isdigit() and int(data) == viewed else 0.0
                    if pending is not None:
                        pending.cancel()  # a newer state: one rerun draws both
                    pending = asyncio.create_task(self._rerun_after(wait, data))
                first = False
        finally:
            if pending is not None:
                pending.cancel()
            self.listening = False
            await stream.close()

    async def _rerun_after(self, wait: float, heard: str) -> None:
        """The listener's rerun: its trigger value ("heard"), which a student's callback takes
        as a refresh (ui/classroom.py, refresh_lane), as the browser's listener sends it."""
        await asyncio.sleep(wait)
        self.asks = [*self.asks[-30:], time.perf_counter()]
        await self.send(*listener_heard(self.widgets, heard))

    def asked_after(self, moment: float, latest: float) -> float:
        """When this tab first asked for a rerun after ``moment`` (``latest`` if it has not
        since: a rerun asked just before and served after found the change)."""
        return min((asked for asked in self.asks if asked >= moment), default=latest)

    def _read(self, data: bytes) -> tuple[bool, bool]:
        reply = ForwardMsg()
        reply.ParseFromString(data)
        kind = reply.WhichOneof("type")
        if kind == "new_session":  # every run, a fragment's too, starts with one
            self.texts, self.run_started = [], time.perf_counter()
            self.drawn, self.keys = None, set()
        finished, exception = super()._read(data)
        self.exceptions += exception
        if kind == "script_finished":
            now = time.perf_counter()
            whole = reply.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
            for texts, needs_whole, since, future in self.waiting:
                shown = any(text in line for text in texts for line in self.texts)
                if not future.done() and self.run_started >= since and (whole or not needs_whole) and shown:
                    future.set_result((now, self.run_started))
            self.waiting = [entry for entry in self.waiting if not entry[3].done()]
            self._drew(now, whole)
            if self.counts is not None:
                found = [int(match[1]) for line in self.texts if (match := ANSWERED.search(line))]
                if found:
                    self.counts.append((now, found[0]))
        return finished, exception


class Room:
    """The tabs of one class, following until ``close``, and how to read its store."""

    def __init__(self, proxy: str, address: str, pids: list[int]) -> None:
        self.proxy, self.address, self.pids = proxy, address, pids
        self.redis = aioredis.Redis.from_url(address)
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.listeners: list[asyncio.Task] = []  # the students' events streams (ended by close)
        self.errors: list[str] = []
        self.teacher: Follower | None = None
        self.students: list[Follower] = []
        self.projectors: list[Follower] = []
        self.code = ""
        self.kernel = 2
        self.rng = random.Random(27)  # when each student's rerun follows its pushed view

    def _follow(self, tab: Follower) -> None:
        async def follow() -> None:
            try:
                await tab.follow(self.stop)
            except Exception as error:  # every failure is counted and reported
                self.errors.append(f"{type(error).__name__}: {str(error)[:80]}")

        self.tasks.append(asyncio.create_task(follow()))

    def _listen(self, tab: Follower, more: str = "", rng: random.Random | None = None) -> None:
        async def listen() -> None:
            try:
                await tab.listen(self.code, more, rng)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # every failure is counted and reported
                self.errors.append(f"{type(error).__name__}: {str(error)[:80]}")

        self.listeners.append(asyncio.create_task(listen()))

    async def start(self, view: str) -> None:
        """The teacher's tab: start a class on the Live class page, then set up the Playground."""
        teacher = await Follower.open(self.proxy, "", page="live_class")
        while "class_start" not in teacher.widgets:  # a fresh server's first run goes through the router
            await teacher.rerun()
        await teacher.rerun(teacher.state("class_start", trigger_value=True))
        self.code = next(re.search(r"[A-Z]{5}", text)[0] for text in teacher.texts if "## " in text)
        teacher.page, teacher.query = "", f"class={self.code}&{view}"
        await teacher.rerun()  # the Playground: its setup is published
        teacher.counts = []
        self.teacher = teacher
        self._follow(teacher)
        self._listen(teacher, "watch=1")

    async def join(self, students: int, projectors: int = 0, at_once: int = 6) -> None:
        """Open the students' tabs (``at_once`` at a time, as a class arriving) and projectors."""
        gate = asyncio.Semaphore(at_once)

        async def one(projector: bool) -> None:
            async with gate:
                try:
                    if projector:
                        query = f"class={self.code}&view=projector&present=1"
                        tab = await Follower.open(self.proxy, query, page="live_class")
                        for _ in range(5):  # its address gets the class's key from the run that joins
                            if tab.key:
                                break
                            await tab.rerun()
                    else:
                        tab = await Follower.open(self.proxy, f"class={self.code}")
                        if not any(f"kernel_size={self.kernel}" in text for text in tab.texts):
                            self.errors.append("a student's first page does not show the teacher's kernel")
                except Exception as error:  # every failure is counted and reported
                    self.errors.append(f"{type(error).__name__}: {str(error)[:80]}")
                    return
                (self.projectors if projector else self.students).append(tab)
                self._follow(tab)
                # No timer: the class's events; a student's as its listener opens them (following, its
                # language and palette: the pushed views), rerunning within RERUN_SPREAD of a view.
                student = f"student={new_student()}&following=1&lang=en&palette=standard"
                self._listen(tab, "watch=1" if projector else student, None if projector else self.rng)

        await asyncio.gather(*(one(False) for _ in range(students)), *(one(True) for _ in range(projectors)))

    @property
    def tabs(self) -> list[Follower]:
        return [tab for tab in (self.teacher, *self.students, *self.projectors) if tab is not None]

    async def version(self) -> int:
        return int(await self.redis.hget(RedisStore._key(self.code), "version") or 0)

    async def published(self, before: int, timeout: float = 10.0) -> float:
        """When the lesson's version passed ``before`` (polled every 5 ms)."""
        deadline = time.perf_counter() + timeout
        while await self.version() <= before and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        return time.perf_counter()

    async def close(self) -> None:
        self.stop.set()
        for listener in self.listeners:
            listener.cancel()
        await asyncio.gather(*self.listeners, return_exceptions=True)
        await asyncio.gather(*self.tasks)
        for tab in [self.teacher, *self.students, *self.projectors]:
            if tab is not None:
                await tab.close()
        await self.redis.aclose()


async def _metered(part):
    """Run a part (a coroutine giving a dict, or a gather of them) and add what the machine's
    other processes spent."""
    with Others() as others:
        result = await part
    if isinstance(result, dict):
        return {**result, "others": others.share}
    return [{**one, "others": others.share} for one in result]


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(pids: list[int]) -> float:
    return sum(_cpu_seconds(pid) for pid in pids)


def _machine_cpu() -> float:
    """CPU seconds the whole machine has spent busy so far, all cores (Linux /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:3]) + sum(fields[5:8])) / os.sysconf("SC_CLK_TCK")  # user nice system irq softirq steal


class Others:
    """What other processes on this machine (not the servers, nginx, Redis or these clients)
    spent while a part ran, in % of one core: this benchmark shares the machine."""

    ours: ClassVar[list[int]] = []  # the servers', nginx's and Redis's pids, set by main

    def __enter__(self) -> Others:
        self.start, self.mine, self.machine = time.perf_counter(), self._mine(), _machine_cpu()
        return self

    def __exit__(self, *_) -> None:
        elapsed = time.perf_counter() - self.start
        spent = (_machine_cpu() - self.machine) - (self._mine() - self.mine)
        self.share = max(0.0, spent / elapsed)

    def _mine(self) -> float:
        alive = [pid for pid in self.ours if Path(f"/proc/{pid}").exists()]
        return _cpu(alive) + sum(os.times()[:2])


def _rss(pids: list[int]) -> float:
    return sum(memory_mb(pid) for pid in pids)


# ---------------------------------------------------------------------------------------
# 1. A teacher's change reaching the class.


async def _changes(room: Room, changes: int, rng: random.Random) -> dict:
    """The teacher moves the kernel ``changes`` times, each at a random moment; the time until
    each student's page shows it, split at the moment the store has it and at the moment the
    student's listener asked for its rerun."""
    result = {"total": [], "publish": [], "asked": [], "run": [], "missed": 0, "cpu": [], "client": []}
    for _ in range(changes):
        await asyncio.sleep(rng.uniform(1.5, 2.5))
        room.kernel = 3 if room.kernel == 2 else 2
        futures = [student.expect(f"kernel_size={room.kernel}") for student in room.students]
        before, cpu, client = await room.version(), _cpu(room.pids), sum(os.times()[:2])
        start = time.perf_counter()
        await room.teacher.send(room.teacher._slider("kernel_h", room.kernel))
        published = await room.published(before)
        _, pending = await asyncio.wait(futures, timeout=15)
        result["cpu"].append(_cpu(room.pids) - cpu)
        result["client"].append(sum(os.times()[:2]) - client)
        result["missed"] += len(pending)
        result["publish"].append(published - start)
        for student, future in zip(room.students, futures):
            if future in pending:
                student.missed += 1
                future.cancel()
                continue
            finished, _ = future.result()
            asked = min(student.asked_after(published, finished), finished)  # the first rerun that could see it
            result["total"].append(finished - start)
            result["asked"].append(asked - published)  # the push, and the listener's spread (RERUN_SPREAD)
            result["run"].append(finished - asked)  # the server: the lanes' queue and the whole page's run
    result["stalled"] = await _stalled(room)
    return result


async def _stalled(room: Room) -> int:
    """Tabs without a timer now and 2 s later (a whole run in progress has none for a moment)."""
    now = [tab for tab in room.tabs if tab.stalled]
    await asyncio.sleep(2)
    return sum(tab.stalled for tab in now)


def _print_changes(rows: list[tuple[str, dict]]) -> None:
    print(
        "| students | changes | arrivals | missed | p50 (s) | p95 (s) | max (s) | teacher's change to the store, "
        "p50 / max (s) | store to the student's rerun asked (its listener), p50 / p95 (s) "
        "| rerun asked to the page shown, p50 / p95 (s) "
        "| replicas' CPU per change (s) | the clients' CPU per change (s) | tabs stalled | other processes' CPU (%) "
        "| p95 goal |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, r in rows:
        total = r["total"]
        goal = "met" if total and _pct(total, 0.95) <= GOAL_ARRIVAL and not r["missed"] else "NOT met"
        print(
            f"| {label} | {len(r['publish'])} | {len(total)} | {r['missed']} | {statistics.median(total):.2f} "
            f"| {_pct(total, 0.95):.2f} | {max(total):.2f} | {statistics.median(r['publish']):.2f} / "
            f"{max(r['publish']):.2f} | {statistics.median(r['asked']):.2f} / {_pct(r['asked'], 0.95):.2f} "
            f"| {statistics.median(r['run']):.2f} / {_pct(r['run'], 0.95):.2f} "
            f"| {statistics.median(r['cpu']):.2f} | {statistics.median(r['client']):.2f} | {r['stalled']} "
            f"| {100 * r['others']:.0f} "
            f"| ≤ {GOAL_ARRIVAL} s: {goal} |",
            flush=True,
        )


async def _page_run_cost(student: Follower, pids: list[int], runs: int = 20) -> float:
    """The replicas' CPU seconds per whole run of a following student's page, the servers
    otherwise idle (what each student's page costs when the teacher changes the setup)."""
    before = _cpu(pids)
    for _ in range(runs):
        await _whole_run(student)
    return (_cpu(pids) - before) / runs


# ---------------------------------------------------------------------------------------
# 2. A question: asked, answered by everyone within a window, counted, revealed.


async def _whole_run(tab: Follower, *changed, timeout: float = 30.0) -> None:
    """Send a change and wait until a whole run of the tab finishes after it."""
    future = tab.expect("", whole=True)
    await tab.send(*changed)
    await asyncio.wait_for(future, timeout)


async def _stored(room: Room, key: str, total: int, deadline: float) -> list[float]:
    """When the store held 1, 2, ... ``total`` answers (polled every 5 ms)."""
    times: list[float] = []
    while len(times) < total and time.perf_counter() < deadline:
        count = int(await room.redis.hlen(key))
        times += [time.perf_counter()] * (min(count, total) - len(times))
        await asyncio.sleep(0.005)
    return times


async def _question(room: Room, window: float, rng: random.Random) -> dict:
    teacher, students = room.teacher, room.students
    teacher.page = "live_class"  # the cockpit (the students stay on the teacher's setup)
    await _whole_run(teacher)
    # Asked: every following student is taken to the question.
    asked = [student.expect(QUESTION) for student in students]
    asked_pushed = [student.expect_view(PUSHED_QUESTION) for student in students]  # what it sees first
    start = time.perf_counter()
    await _whole_run(teacher, teacher.state("class_ask_pick", trigger_value=True))
    done, pending = await asyncio.wait(asked, timeout=20)
    question = [future.result()[0] - start for future in done]
    question_pushed, pushed_missed = await _arrivals(asked_pushed, start)
    number = RedisStore(room.address).load(room.code, time.time()).question.number
    key = f"{RedisStore._key(room.code, 'answers')}:{number}"

    # Answered: each student at a random moment of the window, through the form.
    teacher.counts.clear()
    sent: list[float] = []

    async def answer(student: Follower) -> None:
        await asyncio.sleep(rng.uniform(0, window))
        student.page, student.query = "live_class", student.location  # where the browser is now
        try:
            typed = student.state("class_answer", string_value=rng.choice(ANSWERS))
            await student.send(typed, student.state(SEND, trigger_value=True))
            sent.append(time.perf_counter())
        except KeyError:
            room.errors.append("a student has no answer form")

    begin = time.perf_counter()
    stored, _ = await asyncio.gather(
        _stored(room, key, len(students), begin + window + 20), asyncio.gather(*(answer(s) for s in students))
    )
    deadline = time.perf_counter() + 5
    while (not teacher.counts or teacher.counts[-1][1] < len(stored)) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    lags = []
    for number_in, moment in enumerate(stored, start=1):
        shown = [when for when, count in teacher.counts if count >= number_in and when >= moment]
        lags.append(min(shown) - moment if shown else float("inf"))
    # Revealed: every projector and student.
    seen = [student.expect(*VERDICTS) for student in students]
    seen += [projector.expect(RESULTS) for projector in room.projectors]
    seen_pushed = [student.expect_view(PUSHED_ANSWER) for student in students]
    before, start = await room.version(), time.perf_counter()
    reveal = asyncio.create_task(_whole_run(teacher, teacher.state("class_reveal", trigger_value=True)))
    published = await room.published(before)  # the teacher's run stores the reveal
    revealed, missed = await asyncio.wait(seen, timeout=20)
    await reveal
    arrivals = [future.result()[0] - start for future in revealed]
    answer_pushed, answer_missed = await _arrivals(seen_pushed, start)
    projector = [seen[-1 - i].result()[0] - start for i in range(len(room.projectors)) if seen[-1 - i] in revealed]
    served = [
        future.result()[0] - min(tab.asked_after(published, future.result()[0]), future.result()[0])
        for tab, future in zip([*students, *room.projectors], seen)
        if future in revealed
    ]
    return {
        "asked": question,
        "asked_pushed": question_pushed,
        "pushed_missed": pushed_missed + answer_missed,
        "revealed_pushed": answer_pushed + projector,  # the projector has no view: its page's run
        "projector": projector,
        "asked_missed": len(pending),
        "answers": len(stored),
        "sent": len(sent),
        "spread": (max(sent) - min(sent)) if sent else float("nan"),
        "lags": lags,
        "last_lag": lags[-1] if lags else float("nan"),
        "last_sent_lag": (
            min((w for w, c in teacher.counts if c >= len(students)), default=float("inf")) - max(sent)
            if sent
            else float("nan")
        ),
        "revealed": arrivals,
        "served": served,
        "revealed_missed": len(missed),
        "stalled": await _stalled(room),
    }


async def _arrivals(futures: list[asyncio.Future], start: float, timeout: float = 20) -> tuple[list[float], int]:
    """Seconds from ``start`` to each future's moment, and how many never came."""
    done, pending = await asyncio.wait(futures, timeout=timeout) if futures else (set(), set())
    for future in pending:
        future.cancel()
    return [future.result() - start for future in done], len(pending)


async def _next(room: Room) -> None:
    """The teacher's "Next question": every student back on the teacher's setup."""
    back = [student.expect(f"kernel_size={room.kernel}") for student in room.students]
    await _whole_run(room.teacher, room.teacher.state("class_next", trigger_value=True))
    _, pending = await asyncio.wait(back, timeout=20)
    if pending:
        room.errors.append(f"{len(pending)} students not back on the setup after the next question")
    for future in pending:
        future.cancel()


async def _end(room: Room) -> bool:
    """The teacher ends the class (confirmed in its popover): the store forgets it."""
    await _whole_run(room.teacher, room.teacher.state("class_end", trigger_value=True))
    return await room.version() == 0


def _spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"{statistics.median(values):.2f} / {_pct(values, 0.95):.2f} / {max(values):.2f}"


def _print_question(rows: list[tuple[str, dict]]) -> None:
    """A question reaches a student when its pushed view (the question's grids and prompt) is
    drawn; the reveal when the view with the answer is, and the projector when its page's run
    shows the results (it has no view). The whole page's run, as measured before the push,
    is the second column of each."""
    print(
        "| students + projectors | question reaches students: pushed view, p50 / p95 / max (s) "
        "| whole page, p50 / p95 (s) | answers stored | answered over (s) "
        "| answer to the teacher's count, p50 / p95 / max (s) | last answer stored to counted (s) "
        "| last answer sent to counted (s) | reveal reaches all: pushed view (the projector: its page), "
        "p50 / p95 / max (s) | whole page, p50 / p95 / max (s) | the projector's page (s) "
        "| missed: pushed / whole | tabs stalled | other processes' CPU (%) | goals |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, r in rows:
        count_goal = "met" if r["last_lag"] <= GOAL_COUNT and r["answers"] == r["sent"] else "NOT met"
        missed = r["pushed_missed"] + r["revealed_missed"]
        reached = [r["asked_pushed"], r["revealed_pushed"]]
        goals = [
            "met" if times and _pct(times, 0.95) <= GOAL_REACHED and not missed else "NOT met" for times in reached
        ]
        projector = ", ".join(f"{seconds:.2f}" for seconds in r["projector"]) or "none"
        print(
            f"| {label} | {_spread(r['asked_pushed'])} | {statistics.median(r['asked']):.2f} / "
            f"{_pct(r['asked'], 0.95):.2f} | {r['answers']} of {r['sent']} | {r['spread']:.1f} "
            f"| {_spread(r['lags'])} | {r['last_lag']:.2f} | {r['last_sent_lag']:.2f} "
            f"| {_spread(r['revealed_pushed'])} | {_spread(r['revealed'])} | {projector} "
            f"| {r['pushed_missed']} / {r['asked_missed'] + r['revealed_missed']} "
            f"| {r['stalled']} | {100 * r['others']:.0f} "
            f"| count ≤ {GOAL_COUNT} s: {count_goal}; question p95 ≤ {GOAL_REACHED} s: {goals[0]}; "
            f"reveal p95 ≤ {GOAL_REACHED} s: {goals[1]} |",
            flush=True,
        )


# ---------------------------------------------------------------------------------------
# 3. Idle followers: CPU and memory. 4. A student exploring alone.


async def _idle(pids: list[int], others: list[int], tabs: list[Follower], seconds: float) -> dict:
    """The replicas' CPU (and nginx's and Redis's, ``others``) while the tabs only tick, and
    how many ticks the tabs sent meanwhile."""
    cpu, extra, ticks, start = _cpu(pids), _cpu(others), [tab.tick_count for tab in tabs], time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed, sent = time.perf_counter() - start, [tab.tick_count - before for tab, before in zip(tabs, ticks)]
    return {
        "cpu": (_cpu(pids) - cpu) / elapsed,
        "proxy": (_cpu(others) - extra) / elapsed,
        "ticks": sum(sent) / elapsed,
        "ticking": sum(count > 0 for count in sent),
    }


async def _explore(proxy: str, view: str, changes: int, pause: float) -> dict:
    """One lone tab moving the kernel back and forth (two warm-up changes), as bench_app.py."""
    session = await Session.open(proxy, view)
    times, errors = [], 0
    for change in range(changes + 2):
        kernel = 3 if change % 2 == 0 else 2
        seconds, _, exception = await session.slide("kernel_h", kernel)
        errors += exception or not any(f"kernel_size={kernel}" in text for text in session.texts)
        if change >= 2:
            times.append(seconds)
        await asyncio.sleep(pause)
    await session.close()
    return {"times": times, "errors": errors, "replica": session.replica}


async def _teacher_pacing(room: Room, every: float, stop: asyncio.Event) -> int:
    """The teacher changes the kernel every ``every`` seconds until ``stop``; how many changes."""
    changes = 0
    while not stop.is_set():
        room.kernel = 3 if room.kernel == 2 else 2
        await room.teacher.send(room.teacher._slider("kernel_h", room.kernel))
        changes += 1
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
    return changes


def _print_explore(rows: list[tuple[str, dict]]) -> None:
    alone = statistics.median(rows[0][1]["times"])
    print(
        "| the lone student's kernel change | changes | p50 (ms) | p95 (ms) | max (ms) | p50 / alone | errors "
        "| other processes' CPU (%) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        times = [1000 * t for t in r["times"]]
        print(
            f"| {label} | {len(times)} | {statistics.median(times):.0f} | {_pct(times, 0.95):.0f} | {max(times):.0f} "
            f"| {statistics.median(r['times']) / alone:.1f}x | {r['errors']} | {100 * r['others']:.0f} |",
            flush=True,
        )


# ---------------------------------------------------------------------------------------


async def _class_part(proxy: str, address: str, pids: list[int], others: list[int], floor: Floor, args) -> dict:
    rng = random.Random(20)
    view = f"height={args.size}&width={args.size}"
    out: dict = {}
    out["explore"] = [("alone (the servers idle)", await _metered(_explore(proxy, view, args.explore, args.think)))]

    # The baselines: a class of one student and one projector.
    small = Room(proxy, address, pids)
    await small.start(view)
    await small.join(1, projectors=1)
    out["changes"] = [("1 (baseline)", await _metered(_changes(small, args.changes, rng)))]
    out["page_run"] = await _page_run_cost(small.students[0], pids)
    out["question"] = [("1 + 1 (baseline)", await _metered(_question(small, args.window, rng)))]
    out["errors"] = list(small.errors)
    out["tick"] = small.students[0].timers
    await small.close()

    # The class.
    room = Room(proxy, address, pids)
    await room.start(view)
    await asyncio.sleep(2)
    before = _rss(pids)
    opened = time.perf_counter()
    await room.join(args.students, projectors=args.projectors)
    out["opened"] = time.perf_counter() - opened
    await asyncio.sleep(5)  # every tab ticking; the opening's garbage gone
    out["memory"] = (before, _rss(pids), len(room.students) + len(room.projectors))
    out["replicas"] = sorted({tab.replica for tab in room.students})
    out["per_replica"] = [sum(tab.replica == r for tab in room.students) for r in out["replicas"]]
    # Idle, beside the floor's tabs ticking over the same seconds.
    out["floor_memory"] = await floor.open(len(room.tabs))
    idle, floor_idle = await _metered(
        asyncio.gather(
            _idle(pids, others, room.tabs, args.idle), _idle(floor.pids, floor.others, floor.tabs, args.idle)
        )
    )
    out["idle"], out["floor_idle"] = (len(room.tabs), idle), (len(floor.tabs), floor_idle)
    await floor.close()
    out["errors"] += floor.errors

    out["explore"].append(
        (f"beside {len(room.students)} idle followers", await _metered(_explore(proxy, view, args.explore, args.think)))
    )
    stop = asyncio.Event()
    pacing = asyncio.create_task(_teacher_pacing(room, args.every, stop))
    explored = await _metered(_explore(proxy, view, args.explore, args.think))
    stop.set()
    paced = await pacing
    label = f"beside {len(room.students)} followers, the teacher changing every {args.every:g} s ({paced} changes)"
    out["explore"].append((label, explored))
    await asyncio.sleep(4)  # the last change reaches everyone

    out["changes"].append((str(len(room.students)), await _metered(_changes(room, args.changes, rng))))
    for number in range(1, args.questions + 1):  # the lesson's questions, each revealed, then the next
        label = f"{len(room.students)} + {len(room.projectors)}, question {number}"
        out["question"].append((label, await _metered(_question(room, args.window, rng))))
        if number < args.questions:
            await _next(room)
    out["ended"] = await _end(room)
    out["errors"] += room.errors
    out["exceptions"] = sum(tab.exceptions for tab in [room.teacher, *room.students, *room.projectors])
    await room.close()
    return out


class Floor:
    """The same number of tabs on the floor app (two replicas behind their own nginx), ticking
    while the class idles: both are measured over the same seconds, so that a machine whose
    speed drifts (a shared one) slows both alike."""

    def __init__(self, proxy: str, pids: list[int], others: list[int]) -> None:
        self.proxy, self.pids, self.others = proxy, pids, others
        self.stop, self.tasks, self.tabs, self.errors = asyncio.Event(), [], [], []

    async def open(self, tabs: int) -> tuple[float, float, int]:
        """Open ``tabs`` ticking tabs; the replicas' RSS before and after, and how many."""
        for _ in range(2):  # warm both replicas (the first run imports what a run needs)
            warm = await Session.open(self.proxy, "")
            await warm.close()
        await asyncio.sleep(2)
        before, gate = _rss(self.pids), asyncio.Semaphore(6)

        async def one() -> None:
            try:
                async with gate:
                    tab = await Follower.open(self.proxy, "")
                self.tabs.append(tab)
                await tab.follow(self.stop)
            except Exception as error:  # every failure is counted and reported
                self.errors.append(f"{type(error).__name__}: {str(error)[:80]}")

        self.tasks = [asyncio.create_task(one()) for _ in range(tabs)]
        while len(self.tabs) + len(self.errors) < tabs:
            await asyncio.sleep(0.1)
        await asyncio.sleep(5)
        return before, _rss(self.pids), tabs

    async def close(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)
        for tab in self.tabs:
            await tab.close()


def _print_idle(klass: dict, floor: dict, interval: float) -> None:
    print(
        f"| tabs with a {interval:g} s timer | tabs | ticking | ticks per s | replicas' CPU (% of a core) "
        "| per tick (ms) | x floor | nginx + Redis CPU (%) | RSS before / after (MB) | per tab (MB) "
        "| other processes' CPU (%) | goal |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    floor_cpu = floor["idle"][1]["cpu"]
    for label, part in (("the floor: a bare app, one fragment, nothing drawn", floor), ("the class, idle", klass)):
        tabs, idle = part["idle"]
        before, after, added = part["memory"]
        ratio = idle["cpu"] / floor_cpu
        per_tick = f"{1000 * idle['cpu'] / idle['ticks']:.2f}" if idle["ticks"] else "–"  # the class: none
        goal = "" if part is floor else f"≤ {GOAL_FLOOR}x: {'met' if ratio <= GOAL_FLOOR else 'NOT met'}"
        print(
            f"| {label} | {tabs} | {idle['ticking']} | {idle['ticks']:.1f} | {100 * idle['cpu']:.1f} "
            f"| {per_tick} "
            f"| {ratio:.2f} | {100 * idle['proxy']:.1f} | {before:.0f} / {after:.0f} | {(after - before) / added:.2f} "
            f"| {100 * idle['others']:.0f} | {goal} |",
            flush=True,
        )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--projectors", type=int, default=1)
    parser.add_argument("--size", type=int, default=64, help="the Playground's input, size x size")
    parser.add_argument("--changes", type=int, default=6, help="the teacher's changes timed")
    parser.add_argument("--window", type=float, default=10.0, help="seconds in which every student answers")
    parser.add_argument("--questions", type=int, default=3, help="questions asked and revealed in the lesson")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU measured")
    parser.add_argument("--explore", type=int, default=20, help="the lone student's kernel changes")
    parser.add_argument("--think", type=float, default=0.3, help="the lone student's pause between changes (s)")
    parser.add_argument("--every", type=float, default=4.0, help="the teacher's pace beside the lone student (s)")
    parser.add_argument("--quick", action="store_true", help="20 students, shorter parts")
    lesson = parser.add_argument_group("the lesson mode (benchmarks/live_lesson.py)")
    lesson.add_argument("--deck", choices=sorted(BUILT_IN), help="step through this built-in deck, its questions asked")
    lesson.add_argument("--peer", action="store_true", help="with --deck: peer instruction at each question")
    lesson.add_argument("--pause", type=float, default=3.0, help="with --deck: the teacher's pause between actions (s)")
    args = parser.parse_args()
    if args.quick:
        args.students, args.changes, args.idle, args.explore, args.window = 20, 3, 10.0, 10, 5.0
        args.questions = 2
    if args.peer and not args.deck:
        parser.error("--peer needs --deck")
    return args


def main() -> None:
    args = _arguments()
    for tool in ("nginx", "redis-server"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install nginx redis-server)")
    work = ARTIFACTS / "live_class"
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    with ExitStack() as stack:
        address, redis_process = stack.enter_context(redis_server(work / "redis"))
        replicas = stack.enter_context(streamlit_replicas(2, env={**SECRET, "CLASS_STORE": address}))
        proxy = stack.enter_context(nginx_proxy([url for url, _ in replicas], work / "nginx"))
        pids = [process.pid for _, process in replicas]
        others = [int((work / "nginx" / "nginx.pid").read_text()), redis_process.pid]
        # The floor's servers wait, idle, until the class idles too (they tick at the students' interval).
        floor_replicas = stack.enter_context(
            streamlit_replicas(2, app="benchmarks/floor_fragment_app.py", env={**SECRET, "FLOOR_TICK": str(FLOOR_TICK)})
        )
        floor_proxy = stack.enter_context(nginx_proxy([url for url, _ in floor_replicas], work / "nginx-floor"))
        floor_pids = [process.pid for _, process in floor_replicas]
        floor_others = [int((work / "nginx-floor" / "nginx.pid").read_text())]
        Others.ours = pids + others + floor_pids + floor_others
        floor = Floor(floor_proxy, floor_pids, floor_others)
        if args.deck:
            # live_lesson imports this file back: let it find this running module, not load a copy.
            sys.modules.setdefault("bench_live_class", sys.modules[__name__])
            from live_lesson import lesson, print_lesson

            out = lesson(proxy, address, pids, others, floor, args)
        else:
            klass = asyncio.run(_class_part(proxy, address, pids, others, floor, args))
    if args.deck:
        _print_setting(args, out["class"].room.students, "")
        print_lesson(out, args, BUILT_IN[args.deck], [url for url, _ in replicas])
        _print_logs(work, started)
        return
    _print_class(klass, args)
    _print_logs(work, started)


def _print_setting(args, students: list[Follower], playground: str) -> None:
    replicas = sorted({tab.replica for tab in students})
    per_replica = " + ".join(str(sum(tab.replica == r for tab in students)) for r in replicas)
    print(
        f"nginx (deploy/nginx.conf), 2 replicas, Redis;{playground} {args.students} students ({per_replica} on the "
        f"replicas), {args.projectors} projector(s), the teacher; the floor's tabs tick every {FLOOR_TICK:g} s.\n"
    )


def _print_logs(work: Path, started: float) -> None:
    print(f"Run time: {time.perf_counter() - started:.0f} s.")
    print(
        f"Server logs: {ARTIFACTS.relative_to(REPO)}/streamlit-<port>.log; nginx and Redis: {work.relative_to(REPO)}/"
    )


def _print_class(klass: dict, args) -> None:
    interval = FLOOR_TICK
    floor = {"idle": klass["floor_idle"], "memory": klass["floor_memory"]}
    print(
        f"nginx (deploy/nginx.conf), 2 replicas, Redis; a {args.size}x{args.size} Playground; "
        f"{args.students} students ({' + '.join(map(str, klass['per_replica']))} on the replicas), "
        f"{args.projectors} projector(s), the teacher; the floor's tabs tick every {interval:g} s. "
        f"The class's tabs opened in {klass['opened']:.1f} s.\n"
    )
    view = f"height={args.size}&width={args.size}"
    print("1. The teacher moves the kernel; until each student's page shows it.\n")
    _print_changes(klass["changes"])
    print(
        f"\nOne following student's whole page run (what each student's tab costs a replica when the "
        f"setup changes), alone: {1000 * klass['page_run']:.0f} ms of CPU."
    )
    print(f"\n2. A question: every student answers within {args.window:g} s; the teacher's count; the reveal.\n")
    _print_question(klass["question"])
    print(f"\nThe class ended by the teacher: {'gone from the store' if klass['ended'] else 'NOT gone'}.")
    print(f"\n3. Idle: {args.idle:g} s of the replicas' CPU while nothing changes; memory per tab.\n")
    _print_idle(klass, floor, interval)
    print(f"\n4. A student exploring alone (`{view}`, no class), per kernel change.\n")
    _print_explore(klass["explore"])
    errors = klass["errors"]
    print(f"\nErrors: {len(errors)}; exceptions on the class's pages: {klass['exceptions']}.")
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")


if __name__ == "__main__":
    main()
