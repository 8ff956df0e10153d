"""What one following student's rerun costs the server (issue 27): the CPU that each rerun
after a teacher's change takes, measured one rerun at a time.

    python benchmarks/bench_rerun.py --students 40 --changes 5
    python benchmarks/bench_rerun.py --students 40 --changes 5 --profile rerun.txt   # py-spy, raw

A class's whole-page p95 after a change is bounded by the rerun spread plus the queue of its
reruns in a server's refresh lane (one at a time): ~100 students per replica times this cost
(docs/benchmarks.md, "A live class on push"). One ``streamlit run app.py`` with a Redis store
(as deployed with replicas), a teacher on the Playground and ``--students`` protocol clients
(harness/client.py) following the class, each with its events stream open as its listener
opens it. After each of the teacher's ``--changes`` (the kernel slider), once every stream
has told its new version, every student reruns in turn as its listener asks (with the
listener's trigger, so the server takes it as a refresh), the next after the last finished:
nothing else runs on the server, so its CPU over the reruns (/proc) divided by their number
is one rerun's cost. A
second column does the same with reruns that change nothing (the version already drawn): what
a rerun costs when no setup is applied.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from benchmarks.bench_push import _cpu_seconds, _teacher
from classroom.model import new_student
from harness.client import EventStream, Session, heard
from harness.server import redis_server, streamlit_process


class Student:
    """A following student's tab: its session, its events stream and the newest version heard."""

    def __init__(self, session: Session, stream: EventStream) -> None:
        self.session, self.stream, self.version = session, stream, 0

    async def hear(self) -> None:
        """Read the stream until it says a version newer than the last heard, as the listener does."""
        while not ((state := await self.stream.next()).isdigit() and int(state) > self.version):
            if state == "closed":
                raise RuntimeError("a student's events stream closed")
        self.version = int(state)


async def _reruns(pid: int, students: list[Student], hear: bool) -> tuple[float, list[float]]:
    """Every student hears a new version (``hear``), then reruns once, one after another:
    (server CPU-s per rerun, wall times)."""
    for student in students if hear else ():
        await student.hear()
    walls, before = [], _cpu_seconds(pid)
    for student in students:
        seconds, _, exception = await student.session.rerun(*heard(student.session.widgets, str(student.version)))
        if exception:
            raise RuntimeError("a student's rerun showed an exception")
        walls.append(seconds)
    return (_cpu_seconds(pid) - before) / len(students), walls


async def _run(url: str, pid: int, args) -> dict:
    teacher, code = await _teacher(url)
    students = []
    for _ in range(args.students):  # each with its events stream open, following, as its listener opens it
        session = await Session.open(url, f"class={code}")
        session.query = session.location  # the address the server gave it (with the class's key)
        more = f"student={new_student()}&following=1&lang=en&palette=standard"
        students.append(Student(session, await EventStream.open(url, code, session.key, session.http, more)))
    for warm in range(2):  # warm: every student's first runs done (the first after the state on opening)
        await _reruns(pid, students, hear=not warm)
    profiler = None
    if args.profile:
        profiler = subprocess.Popen(["py-spy", "record", "-r", "200", "-f", "raw", "-o", args.profile, "-p", str(pid)])
        time.sleep(1)
    changed, unchanged, walls = [], [], []
    for number in range(args.changes):
        await teacher.slide("kernel_h", 3 if number % 2 == 0 else 2)
        cpu, wall = await _reruns(pid, students, hear=True)
        changed.append(cpu)
        walls += wall
        unchanged.append((await _reruns(pid, students, hear=False))[0])
    if profiler is not None:
        profiler.send_signal(2)
        profiler.wait(timeout=60)
    await teacher.close()
    for student in students:
        await student.session.close()
        await student.stream.close()
    return {"changed": changed, "unchanged": unchanged, "walls": walls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--profile", help="a py-spy raw profile of the server during the reruns, to this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-rerun-"))
    with redis_server(work / "redis") as (address, _), streamlit_process(env={"CLASS_STORE": address}) as (url, pid):
        result = asyncio.run(_run(url, pid, args))
    changed, unchanged = (sorted(1000 * cpu for cpu in result[key]) for key in ("changed", "unchanged"))
    walls = sorted(1000 * wall for wall in result["walls"])
    print(f"\n{args.students} students following, {args.changes} changes; server CPU per rerun, ms\n")
    print("| a following student's rerun | median | min | max |")
    print("|---|---|---|---|")
    for name, values in (("after a change (the setup applied)", changed), ("nothing changed", unchanged)):
        print(f"| {name} | {statistics.median(values):.1f} | {values[0]:.1f} | {values[-1]:.1f} |")
    print(f"\nwall time of a rerun after a change (one at a time): median {statistics.median(walls):.1f} ms, "
          f"p95 {walls[int(0.95 * len(walls))]:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
