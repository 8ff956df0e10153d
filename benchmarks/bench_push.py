"""A live class on push (issue 27): what idle followers cost the server, and how soon a
teacher's change redraws every follower.

    python benchmarks/bench_push.py --students 60            # one server, its embedded store
    python benchmarks/bench_push.py --students 200 --idle 30 # a lecture hall (a quiet machine)

Every tab is a protocol client, as a browser tab is: a websocket session (harness/client.py)
and, for a student in a class, the class's events stream (``EventStream``), on which it
reruns its page once when it hears a version newer than the one it drew, as
ui/class_listener.js does. One ``streamlit run app.py`` (``CLASS_STORE`` a SQLite file here).

Measured, each against a floor in the same run on the same server:

1. Idle CPU: the server's CPU (/proc/<pid>/stat) over ``--idle`` seconds with N students
   following a class and nothing changing, against the same N tabs open on the Playground
   outside any class (websocket open, nothing else): the floor of N idle Streamlit sessions.
2. Change to redraw: the teacher moves the kernel slider ``--changes`` times; for each
   follower, the time from the teacher's message to the follower's rerun finished (the page
   redrawn with the new setup), p50/p95/max; and how many followers missed a change.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.client import EventStream, Session, server


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ 100)


async def _idle_cpu(pid: int, seconds: float) -> float:
    """The server's CPU over ``seconds`` of nothing happening, in % of one core."""
    before, start = _cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (_cpu_seconds(pid) - before) / (time.monotonic() - start)


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
    """A student's tab in the class: its session, its events stream, what it redrew when."""

    def __init__(self, session: Session, stream: EventStream) -> None:
        self.session, self.stream = session, stream
        self.drawn, self.redrawn = 0, {}  # version drawn; version -> when its rerun finished

    async def follow(self) -> None:
        while (heard := await self.stream.next()) not in ("closed", "ended"):
            if heard.isdigit() and int(heard) > self.drawn:
                await self.session.rerun()  # as the listener's trigger asks: one whole rerun
                self.drawn = int(heard)
                self.redrawn[self.drawn] = time.perf_counter()


async def _floor(url: str, pid: int, students: int, idle: float) -> float:
    tabs = [await Session.open(url, "") for _ in range(students)]
    try:
        return await _idle_cpu(pid, idle)
    finally:
        for tab in tabs:
            await tab.close()


async def _class(url: str, pid: int, students: int, idle: float, changes: int) -> dict:
    teacher, code = await _teacher(url)
    followers = []
    for _ in range(students):
        session = await Session.open(url, f"class={code}")
        followers.append(Follower(session, await EventStream.open(url, code, session.http)))
    tasks = [asyncio.create_task(follower.follow()) for follower in followers]
    await asyncio.sleep(2)  # every stream's first state heard and redrawn
    idle_cpu = await _idle_cpu(pid, idle)
    delays, missed = [], 0
    for number in range(changes):
        version = max(follower.drawn for follower in followers) + 1  # what the change will make
        sent = time.perf_counter()
        await teacher.slide("kernel_h", 3 if number % 2 == 0 else 2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(version in f.redrawn for f in followers):
            await asyncio.sleep(0.02)
        for follower in followers:
            if version in follower.redrawn:
                delays.append(follower.redrawn[version] - sent)
            else:
                missed += 1
        await asyncio.sleep(1)
    for follower in followers:
        await follower.stream.close()
        await follower.session.close()
    for task in tasks:
        task.cancel()
    await teacher.close()
    return {"idle_cpu": idle_cpu, "delays": delays, "missed": missed}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU measured")
    parser.add_argument("--changes", type=int, default=6)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-push-")
    with server(env={"CLASS_STORE": f"sqlite:///{folder}/classes.sqlite3"}) as (url, pid):
        floor = await _floor(url, pid, args.students, args.idle)
        result = await _class(url, pid, args.students, args.idle, args.changes)
    delays = result["delays"]
    print(f"| {args.students} students | idle CPU, % of a core | change to redraw, s (p50 / p95 / max) | missed |")
    print("|---|---|---|---|")
    print(f"| floor: {args.students} tabs outside a class | {floor:.1f} % | | |")
    print(
        f"| {args.students} following (stream open) | {result['idle_cpu']:.1f} % | "
        f"{statistics.median(delays):.2f} / {_percentile(delays, 0.95):.2f} / {max(delays):.2f} | "
        f"{result['missed']} of {args.students * args.changes} |"
    )


if __name__ == "__main__":
    asyncio.run(main())
