"""What a deck kept in the lesson costs each read of the class (issue 30 §1): the lesson is
loaded from the store by the teacher's runs, by each server's watch of the class (every 5 s
and on each change) and once per version for its following students; the cockpit and the
projector also read the deck itself (``classroom.deck.stored_deck``, once per server).

    python benchmarks/bench_deck_lesson.py

Rows: a lesson without a deck (the baseline, measured in the same run), with the largest
built-in deck (the network's typed grids), and with a deck at a file's typed-cell limit
(16,384 cells: four 64×64 grids). Per row: the lesson's size in the store, the median time of
``SQLiteStore.load`` (the store's read and ``Lesson.from_json``), and the deck's first read
(every step checked and computed; CPU time) against a cached one.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classroom import model
from classroom.deck import Deck, Step, deck_from_json, deck_to_json, stored_deck
from classroom.deck_library import BUILT_IN
from classroom.model import Setup
from classroom.store import SQLiteStore
from scenario.typed_grid import encode_grid

LOADS = 300


def _largest_deck() -> Deck:
    """Four steps, each a 64×64 typed x of 6-digit numbers: the file's typed-cell limit."""
    rng = np.random.default_rng(0)
    steps = []
    for _ in range(4):
        grid = [[f"{value:.4f}" for value in row] for row in rng.uniform(-10, 10, (64, 64))]
        setup = Setup("", {"input": "custom", "height": 64, "width": 64}, {"x": encode_grid(grid)})
        steps.append(Step(setup, {"en": "A large typed grid."}))
    return Deck({"en": "At the limit"}, tuple(steps))


def _row(store: SQLiteStore, name: str, deck: Deck | None) -> tuple[str, int, float, float, float]:
    lesson = model.start("HQCMT", "secret")
    if deck is not None:
        lesson = model.go_to_step(model.open_deck(lesson, deck_to_json(deck)), 0, deck.steps[0].setup)
    store.delete("HQCMT")
    store.create(lesson, time.time())
    times = []
    for _ in range(LOADS):
        start = time.perf_counter()
        store.load("HQCMT", time.time())
        times.append(time.perf_counter() - start)
    first = cached = 0.0
    if deck is not None:
        text = deck_to_json(deck)
        start = time.process_time()  # CPU seconds: a neighbour's load does not count
        deck_from_json(text)
        first = time.process_time() - start
        stored_deck(text)
        start = time.perf_counter()
        stored_deck(text)
        cached = time.perf_counter() - start
    return name, len(lesson.to_json()), statistics.median(times), first, cached


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "classes.sqlite3")
        rows = [
            _row(store, "no deck (baseline)", None),
            _row(store, "network (largest built-in)", BUILT_IN["network"]),
            _row(store, "16,384 typed cells (a file's limit)", _largest_deck()),
        ]
    print(f"| lesson | size in the store | load, median of {LOADS} | deck's first read (CPU) | cached read |")
    print("|---|---:|---:|---:|---:|")
    base = rows[0][2]
    for name, size, load, first, cached in rows:
        reads = f"{first * 1e3:.0f} ms | {cached * 1e6:.1f} µs" if first else "– | –"
        print(f"| {name} | {size / 1024:.1f} kB | {load * 1e3:.2f} ms ({load / base:.1f}×) | {reads} |")


if __name__ == "__main__":
    main()
