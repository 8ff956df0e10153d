"""Across frameworks through a real `streamlit run`: a new setup's columns, a warm redraw, the
server's memory, and the Playground beside a compile.

    python benchmarks/bench_frameworks_server.py [--repeats 20]

Protocol clients (harness/client.py) against one server whose Inductor cache is a fresh
directory (a compile is timed cold). The baseline, measured in the same run first: the
Playground's redraw (kernel slider back and forth, p95) with no framework loaded.

1. A new setup on the frameworks page, torch.compile on (the default): the tab reruns once a
   second, as the page's progress fragment does, until every column is drawn; each framework's
   run time and when its column was ready (from the setup's first asking) are the page's own,
   read from the job's timestamps in its section ("its run took N s; ready M s after ..."), not
   from the tab's one-second looks.
2. The same setup again (warm: every verdict kept): the page's full redraw, p95.
3. The server's memory (its process and its worker processes, resident): before any framework,
   with every worker up and at rest (no run), and the server alone (what remains once the
   workers stop after ``IDLE_SECONDS`` without work).
4. The Playground's redraw p95 while another tab's new setup compiles (and runs every other
   framework) beside it, against the baseline.
5. The live class beside a compile: a teacher (the Playground in a class) and one following
   student (its events stream and reruns, as benchmarks/bench_push.py's followers; the
   embedded SQLite store). The teacher moves the kernel slider; for each change, the time
   until the student has the new grids (the pushed view) and until its page's rerun
   finished: first with no framework running (the baseline, ``--changes`` changes), then
   while a third tab's new setup compiles (and runs every other framework), changing until
   every column of that setup is drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_push import _join, _spread, _teacher  # benchmarks/ is the script's folder

from frameworks import FRAMEWORKS
from frameworks.report import framework_name
from harness.client import Session, server

PAGE = "frameworks"
FIRST = "kernel_h=3&stride_h=2&ceil_mode=true&height=8&width=8"
SECOND = "kernel_h=2&stride_h=1&padding_h=1&height=7&width=6"  # a new setup beside the Playground
THIRD = "kernel_h=3&stride_h=2&padding_h=1&ceil_mode=true&height=7&width=7"  # beside the live class
# frameworks.report.run_text, in English: each framework's section, from its job's timestamps.
RAN = re.compile(r"^(?P<name>.+): its run took (?P<seconds>[\d.]+) s.*; ready (?P<ready>[\d.]+) s after")
GOAL_WARM_MS, GOAL_NEW_S = 250, 30


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


async def _playground(url: str, repeats: int) -> list[float]:
    """The Playground's redraw times (ms), the kernel slider moved back and forth."""
    session = await Session.open(url, "")
    times = []
    for change in range(repeats + 2):
        seconds, _, _ = await session.slide("kernel_h", 3 if change % 2 == 0 else 2)
        if change >= 2:
            times.append(1000 * seconds)
    await session.close()
    return times


def _runs(texts: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Each framework's run (s) and when its column was ready (s after the setup was first
    asked for), as its section says: {name: seconds}, {name: seconds}."""
    matches = [match for text in texts if (match := RAN.match(text))]
    return {match["name"]: float(match["seconds"]) for match in matches}, {
        match["name"]: float(match["ready"]) for match in matches
    }


async def _new_setup(url: str, query: str) -> tuple[float, dict[str, float], dict[str, float]]:
    """A tab opening a new setup, rerunning once a second until the progress is gone: (seconds
    to every column drawn in the tab, each framework's run time, when each column was ready)."""
    start = time.perf_counter()
    session = await Session.open(url, query, page=PAGE)
    while any("frameworks done" in text for text in session.texts):
        await asyncio.sleep(1.0)  # the fragment's PROGRESS_EVERY
        await session.rerun()
    total = time.perf_counter() - start
    runs, ready = _runs(session.texts)
    await session.close()
    return total, runs, ready


async def _warm(url: str, query: str, repeats: int) -> list[float]:
    session = await Session.open(url, query, page=PAGE)
    times = []
    for _ in range(repeats + 2):
        seconds, _, _ = await session.rerun()
        times.append(1000 * seconds)
    await session.close()
    return times[2:]


async def _beside(url: str, repeats: int) -> tuple[list[float], float]:
    """The Playground's redraws while another tab computes SECOND (with its compile)."""
    frameworks_tab = asyncio.create_task(_new_setup(url, SECOND))
    times = await _playground(url, repeats)
    total, _, _ = await frameworks_tab
    return times, total


async def _class_changes(url: str, changes: int, until: asyncio.Task | None = None) -> tuple[list, list]:
    """A teacher's kernel changes reaching one following student: (seconds from each change
    to its grids pushed, to its page's rerun finished). ``changes`` of them, and on until
    ``until`` is done."""
    teacher, code = await _teacher(url)
    (student,) = await _join(url, code, 1, random.Random(29))
    following = asyncio.create_task(student.follow())
    await asyncio.sleep(3)  # its stream's first state heard (as bench_push.py)
    while student.reruns:
        await asyncio.sleep(0.1)
    grids, pages, number = [], [], 0
    while number < changes or (until is not None and not until.done()):
        version = max(student.asked, student.drawn) + 1  # what the change will make
        sent = time.perf_counter()
        await teacher.slide("kernel_h", 3 if number % 2 == 0 else 2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and student.drawn < version:
            await asyncio.sleep(0.02)
        if version in student.grids:
            grids.append(student.grids[version] - sent)
        drawn = min((at for seen, at in student.page.items() if seen >= version), default=None)
        if drawn is not None:
            pages.append(drawn - sent)
        number += 1
        await asyncio.sleep(0.5)
    await student.stream.close()
    await student.session.close()
    following.cancel()
    await teacher.close()
    return grids, pages


async def _class_beside(url: str, changes: int) -> tuple[list, list, float]:
    """The class's changes while another tab computes THIRD (with its compile)."""
    frameworks_tab = asyncio.create_task(_new_setup(url, THIRD))
    grids, pages = await _class_changes(url, changes, until=frameworks_tab)
    total, _, _ = await frameworks_tab
    return grids, pages, total


def _memory(pid: int) -> tuple[float, float]:
    """(the server process's resident MB, with its worker processes)."""
    server_process = psutil.Process(pid)
    alone = server_process.memory_info().rss / 2**20
    children = sum(child.memory_info().rss for child in server_process.children(recursive=True)) / 2**20
    return alone, alone + children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--changes", type=int, default=10, help="the teacher's changes with no compile")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as cache:
        env = {"TORCHINDUCTOR_CACHE_DIR": cache, "CLASS_STORE": f"sqlite:///{cache}/classes.sqlite3"}
        measured = _measure(env, args)
    _report(*measured)


def _measure(env: dict[str, str], args: argparse.Namespace) -> tuple:
    with server(env=env) as (url, pid):
        baseline = asyncio.run(_playground(url, args.repeats))
        before = _memory(pid)
        class_alone = asyncio.run(_class_changes(url, args.changes))
        total, runs, ready = asyncio.run(_new_setup(url, FIRST))
        up = _memory(pid)
        warm = asyncio.run(_warm(url, FIRST, args.repeats))
        beside, second_total = asyncio.run(_beside(url, args.repeats))
        class_beside = asyncio.run(_class_beside(url, args.changes))
    return total, runs, ready, warm, baseline, beside, second_total, before, up, class_alone, class_beside


def _report(total, runs, ready, warm, baseline, beside, second_total, before, up, class_alone, class_beside):
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}\n")

    print(f"New setup ({FIRST}), torch.compile on, cold worker processes:\n")
    print("| framework | its run (s) | its column ready (s after the setup was asked for) |")
    print("|---|---:|---:|")
    for key in sorted(FRAMEWORKS, key=lambda key: ready.get(framework_name(key, "en"), float("inf"))):
        name = framework_name(key, "en")
        print(f"| {name} | {runs.get(name, float('nan')):.1f} | {ready.get(name, float('nan')):.1f} |")
    verdict = "met" if total <= GOAL_NEW_S else "MISSED"
    print(f"| every column, drawn in the tab (s after opening) | | {total:.1f} (goal ≤ {GOAL_NEW_S} s: {verdict}) |")
    print(f"\nA second new setup ({SECOND}) beside the Playground: every column in {second_total:.1f} s.\n")

    print("| redraw | median (ms) | p95 (ms) | goal |")
    print("|---|---:|---:|---|")
    print(f"| Playground alone (baseline) | {statistics.median(baseline):.0f} | {_p95(baseline):.0f} | |")
    warm_p95 = _p95(warm)
    goal = f"≤ {GOAL_WARM_MS} ms: {'met' if warm_p95 <= GOAL_WARM_MS else 'MISSED'}"
    print(f"| Across frameworks, a setup seen before | {statistics.median(warm):.0f} | {warm_p95:.0f} | {goal} |")
    beside_row = f"{statistics.median(beside):.0f} | {_p95(beside):.0f}"
    print(f"| Playground while a new setup compiles beside it | {beside_row} | |")

    print("\n| server memory (resident MB) | server process | with its workers |")
    print("|---|---:|---:|")
    print(f"| before any framework | {before[0]:.0f} | {before[1]:.0f} |")
    print(f"| every worker up, at rest | {up[0]:.0f} | {up[1]:.0f} |")
    print(f"| the workers stopped (idle 10 min): the server alone | {up[0]:.0f} | {up[0]:.0f} |")

    grids_beside, pages_beside, third_total = class_beside
    print(f"\nA live class (one following student, SQLite) beside a third new setup ({THIRD}, every column in "
          f"{third_total:.1f} s); the teacher's change to the student's, s, p50 / p95 / max:\n")  # fmt: skip
    print("| live class | change to grids | change to page | changes (grids, page) |")
    print("|---|---|---|---|")
    for label, (grids, pages) in (("no framework running (baseline)", class_alone),
                                  ("while a new setup compiles beside it", (grids_beside, pages_beside))):  # fmt: skip
        print(f"| {label} | {_spread(grids)} | {_spread(pages)} | {len(grids)}, {len(pages)} |")


if __name__ == "__main__":
    main()
