"""What the homework report costs each refresh (issue 30 §5): while a teacher's report is open
it reads every student's progress from the store and counts them (``ui/homework.py``
``_live_report``, every ``REPORT_EVERY`` seconds), and a student's step saves their progress.

    python benchmarks/bench_homework.py [--redis]

Rows: 1, 100 and 500 students (the limit, ``MAX_STUDENTS``) of the classic deck, each with the
furthest step and two answers per question step; the baseline, measured in the same run, is the
report of one student. Per row: the store's read of every progress (``progresses``), the
count (``classroom.homework.report``), and one student's save (``save_progress``), each the
median of 30 runs. ``--redis`` also runs them on a redis-server started here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classroom import homework as hw
from classroom.deck import deck_to_json, question_of
from classroom.deck_library import BUILT_IN
from classroom.homework_store import RedisHomework, SQLiteHomework

RUNS = 30
DECK = BUILT_IN["classic"]
QUESTIONS = tuple(question_of(step) for step in DECK.steps)


def _student(number: int) -> hw.Progress:
    """A student who reached the last step and answered each question twice (wrong, then right)."""
    answers = {i: (1.0 + number % 3, q.truth) for i, q in enumerate(QUESTIONS) if q is not None}
    return hw.Progress(len(DECK.steps) - 1, len(DECK.steps) - 1, answers, f"student {number}")


def _median(function) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _row(store, name: str, count: int, code: str) -> tuple[str, float]:
    """One row (without its ratio to the baseline) and its refresh time."""
    homework = hw.assign("secret", deck_to_json(DECK), True, time.time(), code)
    store.delete(code)
    store.create(homework, time.time())
    for number in range(count):
        store.save_progress(code, f"s{number}", _student(number), time.time())
    read = _median(partial(store.progresses, code))
    counted = _median(partial(hw.report, QUESTIONS, store.progresses(code)))
    saved = _median(lambda: store.save_progress(code, "s0", _student(0), time.time()))
    text = f"| {name} | {count} | {read * 1e3:.2f} ms | {counted * 1e3:.2f} ms | {{total}} | {saved * 1e3:.2f} ms |"
    return text, read + counted


def _rows(store, name: str) -> list[str]:
    sizes = ((1, "HQCMTKMA"), (100, "HQCMTKMC"), (500, "HQCMTKMD"))
    measured = [_row(store, name, count, code) for count, code in sizes]
    baseline = measured[0][1]
    return [text.format(total=f"{total * 1e3:.2f} ms ({total / baseline:.0f}×)") for text, total in measured]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", action="store_true", help="also on a redis-server started here")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| store | students | read every progress | count (report) | a refresh | one student's save |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for row in _rows(SQLiteHomework(Path(folder) / "classes.sqlite3"), "SQLite"):
            print(row)
        if args.redis and shutil.which("redis-server"):
            from harness.server import redis_server

            with redis_server(Path(folder) / "redis") as (address, _):
                for row in _rows(RedisHomework(address), "Redis"):
                    print(row)


if __name__ == "__main__":
    main()
