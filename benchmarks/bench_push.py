"""A live class on push (issue 27): what idle followers cost the servers, how soon a teacher's
change redraws every follower's grids and then its whole page, and a lone explorer beside it.

    python benchmarks/bench_push.py --students 60                 # one server, its embedded store
    python benchmarks/bench_push.py --students 200 --replicas 2   # nginx, 2 replicas and Redis

Every tab is a protocol client, as a browser tab is: a websocket session (harness/client.py)
and, for a student in a class, the class's events stream (``EventStream``) opened as
ui/class_listener.js opens it (following, with its student id and language). As the listener
does, it takes the pushed view's grids (``event: view``, classroom/followed.py) as drawn at
once, and then reruns its page once, at a random moment within ``RERUN_SPREAD`` (at once
when no view came). With ``--replicas 2``: two ``streamlit run app.py`` (one cookie secret,
``CLASS_STORE`` a ``redis-server`` started here) behind deploy/nginx.conf, every tab and
stream through nginx; else one server and its SQLite store.

Measured, each against a floor in the same run on the same servers:

1. Idle CPU: the servers' CPU (/proc/<pid>/stat, all replicas) over ``--idle`` seconds with N
   students following a class and nothing changing, against the same N tabs open on the
   Playground outside any class (websocket open, nothing else): the floor of N idle sessions.
2. Change to grids and to page: the teacher moves the kernel slider ``--changes`` times; for
   each follower, the time from the teacher's message to the view with the new grids received
   (``grids``), and to its page's rerun finished (``page``: the whole page consistent),
   p50/p95/max; and how many followers missed a change (no rerun within 30 s).
3. A lone explorer (a tab outside the class moving the kernel every ``--explore-pause`` s):
   the time from its change to its script finished, alone before the class, and beside the
   class while the teacher's changes are redrawn.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from classroom.model import new_student
from harness.client import EventStream, Session, heard
from harness.server import nginx_proxy, redis_server, streamlit_replicas
from ui.classroom import RERUN_SPREAD

SECRET = {"STREAMLIT_SERVER_COOKIE_SECRET": "bench-push-shared-secret"}
VIEW_VERSION = re.compile(r'^\{"version":(\d+),')  # a pushed view's first bytes (classroom/followed.py)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ 100)


async def _idle_cpu(pids: list[int], seconds: float) -> float:
    """The servers' CPU over ``seconds`` of nothing happening, in % of one core."""
    before, start = sum(map(_cpu_seconds, pids)), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (sum(map(_cpu_seconds, pids)) - before) / (time.monotonic() - start)


async def _teacher(url: str) -> tuple[Session, str]:
    teacher = await Session.open(url, "", page="live_class")
    while "class_start" not in teacher.widgets:
        await teacher.rerun()
    await teacher.rerun(teacher.state("class_start", trigger_value=True))
    code = next(re.search(r"[A-Z]{5}", text)[0] for text in teacher.texts if "## " in text)
    teacher.page, teacher.query = "", f"class={code}"
    await teacher.rerun()  # the Playground: its setup is published
    return teacher, code


class Follower:
    """A student's tab in the class: its session, its events stream, and for each version
    when its grids came (the pushed view) and when its page's rerun finished."""

    def __init__(self, session: Session, stream: EventStream, rng: random.Random) -> None:
        self.session, self.stream, self.rng = session, stream, rng
        self.drawn, self.asked = 0, 0  # the version the page drew; the newest rerun asked for
        self.grids, self.page = {}, {}  # version -> when its view came; when its rerun finished
        self.reruns: set[asyncio.Task] = set()

    async def follow(self) -> None:
        while (event := await self.stream.next_event()) != ("message", "closed"):
            name, data = event
            if name == "view" and (found := VIEW_VERSION.match(data)):
                self.grids.setdefault(int(found[1]), time.perf_counter())  # drawn at once, as the listener does
            elif name == "message" and data.isdigit() and int(data) > max(self.drawn, self.asked):
                self.asked = int(data)
                wait = self.rng.uniform(0, RERUN_SPREAD) if self.asked in self.grids else 0.0
                task = asyncio.create_task(self._rerun(self.asked, wait))
                self.reruns.add(task)
                task.add_done_callback(self.reruns.discard)
            elif data == "ended":
                return

    async def _rerun(self, version: int, wait: float) -> None:
        await asyncio.sleep(wait)
        if version < self.asked:  # a newer one is on its way: that rerun draws both
            return
        # As the listener asks: one whole rerun, with its trigger value, which the server takes
        # as a refresh (ui/classroom.py, refresh_lane).
        await self.session.rerun(*heard(self.session.widgets, str(version)))
        self.drawn = max(self.drawn, version)
        self.page[version] = time.perf_counter()


async def _floor(url: str, pids: list[int], students: int, idle: float) -> float:
    tabs = [await Session.open(url, "") for _ in range(students)]
    try:
        return await _idle_cpu(pids, idle)
    finally:
        for tab in tabs:
            await tab.close()


async def _explore(url: str, stop, pause: float, least: int = 0) -> list[float]:
    """A lone tab outside the class moving the kernel back and forth until ``stop`` (an
    event, set) and at least ``least`` times; the time of each change to its script finished
    (after two warm-ups)."""
    session = await Session.open(url, "")
    times = []
    for change in range(10_000):
        if stop.is_set() and change >= least + 2:
            break
        seconds, _, _ = await session.slide("kernel_h", 3 if change % 2 == 0 else 2)
        if change >= 2:
            times.append(seconds)
        await asyncio.sleep(pause)
    await session.close()
    return times


def _explorer_process(url: str, stop, pause: float, least: int, results) -> None:
    """The lone explorer in a process of its own: its times are not held up by this one's
    200 clients reading their reruns (one Python thread)."""
    results.put(asyncio.run(_explore(url, stop, pause, least)))


def _start_explorer(url: str, pause: float, least: int = 0):
    """(stop event, result queue, process) of an explorer started now in its own process."""
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    process = context.Process(target=_explorer_process, args=(url, stop, pause, least, results))
    process.start()
    return stop, results, process


async def _explored(explorer) -> list[float]:
    stop, results, process = explorer
    stop.set()
    times = await asyncio.to_thread(results.get, True, 600)
    process.join(timeout=60)
    return times


def _own_cpu() -> float:
    """This process's CPU time so far (the clients'), all threads."""
    times = os.times()
    return times.user + times.system


async def _join(url: str, code: str, students: int, rng: random.Random) -> list[Follower]:
    async def one() -> Follower:
        session = await Session.open(url, f"class={code}")
        stream = await EventStream.open(
            url, code, session.key, session.http, f"student={new_student()}&following=1&lang=en"
        )
        return Follower(session, stream, rng)

    followers = []
    for start in range(0, students, 10):  # ten tabs opening at once, as a class arriving
        followers += await asyncio.gather(*(one() for _ in range(min(10, students - start))))
    return followers


async def _class(url: str, pids: list[int], args, rng: random.Random) -> dict:
    teacher, code = await _teacher(url)
    followers = await _join(url, code, args.students, rng)
    tasks = [asyncio.create_task(follower.follow()) for follower in followers]
    await asyncio.sleep(3)  # every stream's first state heard
    while any(follower.reruns for follower in followers):  # and the reruns it asked for done (one at a time)
        await asyncio.sleep(0.1)
    idle_cpu = await _idle_cpu(pids, args.idle)
    print(f"{len(followers)} following: idle {idle_cpu:.1f} %", file=sys.stderr)
    explorer = _start_explorer(url, args.explore_pause)
    servers, client, started = sum(map(_cpu_seconds, pids)), _own_cpu(), time.monotonic()
    grids, pages, missed, missed_grids = [], [], 0, 0
    for number in range(args.changes):
        version = max(follower.asked for follower in followers) + 1  # what the change will make
        sent = time.perf_counter()
        await teacher.slide("kernel_h", 3 if number % 2 == 0 else 2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(follower.drawn >= version for follower in followers):
            await asyncio.sleep(0.02)
        for follower in followers:
            if version in follower.grids:
                grids.append(follower.grids[version] - sent)
            else:
                missed_grids += 1
            drawn = min((at for seen, at in follower.page.items() if seen >= version), default=None)
            if drawn is None:
                missed += 1
            else:
                pages.append(drawn - sent)
        await asyncio.sleep(1)
    cpu = {"servers": sum(map(_cpu_seconds, pids)) - servers, "client": _own_cpu() - client,
           "seconds": time.monotonic() - started}  # fmt: skip
    beside = await _explored(explorer)
    for follower in followers:
        await follower.stream.close()
        await follower.session.close()
    for task in tasks:
        task.cancel()
    await teacher.close()
    return {"idle_cpu": idle_cpu, "grids": grids, "pages": pages, "missed": missed, "missed_grids": missed_grids,
            "beside": beside, "cpu": cpu}  # fmt: skip


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"{statistics.median(values):.2f} / {_percentile(values, 0.95):.2f} / {max(values):.2f}"


async def _run(url: str, pids: list[int], args) -> None:
    rng = random.Random(args.seed)
    floor = await _floor(url, pids, args.students, args.idle)
    alone = await _explored(_start_explorer(url, args.explore_pause, least=args.changes * 4))  # a fixed number
    print(f"floor {floor:.1f} %, explorer alone p95 {_percentile(alone, 0.95):.3f} s", file=sys.stderr)
    result = await _class(url, pids, args, rng)
    where = "nginx, 2 replicas, Redis" if args.replicas == 2 else "one server, SQLite"
    total = args.students * args.changes
    print(f"\n{args.students} students, {args.changes} changes ({where}); times in s, p50 / p95 / max\n")
    print("| | idle CPU, % of a core | change to grids | change to page | missed |")
    print("|---|---|---|---|---|")
    print(f"| floor: {args.students} tabs outside a class | {floor:.1f} % | | | |")
    print(
        f"| {args.students} following | {result['idle_cpu']:.1f} % | {_spread(result['grids'])} | "
        f"{_spread(result['pages'])} | {result['missed']} of {total} (grids: {result['missed_grids']}) |"
    )
    beside, cpu = result["beside"], result["cpu"]
    print(
        f"\nDuring the {args.changes} changes ({cpu['seconds']:.0f} s): the servers used {cpu['servers']:.1f} CPU-s "
        f"({cpu['servers'] / args.changes:.2f} per change), this process's {args.students} clients {cpu['client']:.1f}."
    )
    print("\n| lone explorer, change to script finished | p50 | p95 | changes |")
    print("|---|---|---|---|")
    print(f"| alone | {statistics.median(alone):.3f} | {_percentile(alone, 0.95):.3f} | {len(alone)} |")
    print(f"| beside the class's changes | {statistics.median(beside):.3f} | {_percentile(beside, 0.95):.3f} | "
          f"{len(beside)} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measured")
    parser.add_argument("--changes", type=int, default=6)
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument("--explore-pause", type=float, default=0.3, help="seconds between the explorer's changes")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-push-"))
    with ExitStack() as stack:
        if args.replicas == 2:
            address, _ = stack.enter_context(redis_server(work / "redis"))
            replicas = stack.enter_context(streamlit_replicas(2, env={**SECRET, "CLASS_STORE": address}, timeout=120))
            url = stack.enter_context(nginx_proxy([url for url, _ in replicas], work / "nginx"))
        else:
            env = {"CLASS_STORE": f"sqlite:///{work}/classes.sqlite3"}
            replicas = stack.enter_context(streamlit_replicas(1, env=env, timeout=120))
            url = replicas[0][0]
        asyncio.run(_run(url, [process.pid for _, process in replicas], args))


if __name__ == "__main__":
    main()
