"""A "which cells" question: answered by tapping cells, graded cell by cell. No Streamlit.

Three kinds (a ``Question.kind``), each a set of cells computed from the plan's windows:

- ``feeds``: the cells of x that feed y[i, j] (its window's real cells: padding is no cell of x);
- ``sends``: the cells of y (or ∂L/∂y) whose gradient reaches ∂L/∂x[r, c] (the windows covering it);
- ``nothing``: the cells of ∂L/∂x that get nothing (no window covers them: gaps, the rows past
  the last window).

A student's answer is the set tapped, a bitmask of the answer grid's cells (row-major, packed
bits, base64): ``encode_mask`` / ``read_mask``, which refuses a mask of another length or with a
cell outside the grid. Wrong sets are matched to misconceptions as wrong numbers are
(``classroom.model.mistakes_for``), each a set too (``cell_mistakes``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from pooling import PoolingError
from pooling.geometry import Window
from scenario.compute import Computed

__all__ = [
    "KINDS",
    "MAX_SIDE",
    "MISTAKES",
    "CellsError",
    "CellsTally",
    "Grade",
    "answer_sets",
    "answer_shape",
    "cell_mistakes",
    "cells_label",
    "cells_moves",
    "cells_tally",
    "encode_mask",
    "grade",
    "is_cells",
    "mask_length",
    "read_mask",
    "truth_cells",
]

KINDS = ("feeds", "sends", "nothing")
MISTAKES = ("same_index", "stride_ignored", "padding", "one_share", "global", "no_gaps")  # cell_mistakes' keys
MAX_SIDE = 64  # the largest grid tapped: 64×64 bits, 683 characters of base64
MAX_TALLIED = 5  # the most common wrong sets named on the projector
LABEL_CELLS = 6  # a wrong set written out cell by cell up to this many

Cell = tuple[int, int]


class CellsError(ValueError):
    """A mask that cannot be an answer; ``key`` names why (``class.cells_<key>``)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def is_cells(kind: str) -> bool:
    """Whether a question of this kind is answered by tapping cells."""
    return kind in KINDS


def answer_shape(kind: str, x_shape: tuple[int, int], y_shape: tuple[int, int]) -> tuple[int, int]:
    """The grid the student taps: y's for ``sends``, x's (∂L/∂x's) otherwise."""
    return tuple(y_shape) if kind == "sends" else tuple(x_shape)


def _covers(window: Window, row: int, col: int) -> bool:
    return window.row_start <= row < window.row_stop and window.col_start <= col < window.col_stop


def _window_cells(window: Window, x_shape: tuple[int, int]) -> set[Cell]:
    """The window's cells of x (its padding is none of x's)."""
    rows = range(max(window.row_start, 0), min(window.row_stop, x_shape[0]))
    cols = range(max(window.col_start, 0), min(window.col_stop, x_shape[1]))
    return {(row, col) for row in rows for col in cols}


def truth_cells(windows: Sequence[Window], x_shape: tuple[int, int], kind: str, cell: Cell) -> tuple[Cell, ...]:
    """The right set, sorted: for ``feeds`` the cells of x that y[cell] averages; for ``sends``
    the cells of y whose windows cover x[cell]; for ``nothing`` the cells of x no window covers
    (``cell`` unused).

    >>> from pooling import pool_plan
    >>> windows = pool_plan((5, 5), kernel_size=(2, 2), stride=(3, 3)).windows()
    >>> truth_cells(windows, (5, 5), "feeds", (1, 0))
    ((3, 0), (3, 1), (4, 0), (4, 1))
    >>> truth_cells(windows, (5, 5), "sends", (4, 4)), len(truth_cells(windows, (5, 5), "nothing", (0, 0)))
    (((1, 1),), 9)
    """
    if kind == "feeds":
        found = set().union(*(_window_cells(w, x_shape) for w in windows if (w.out_row, w.out_col) == tuple(cell)))
    elif kind == "sends":
        found = {(w.out_row, w.out_col) for w in windows if _covers(w, *cell)}
    elif kind == "nothing":
        covered = set().union(*(_window_cells(w, x_shape) for w in windows))
        found = {(r, c) for r in range(x_shape[0]) for c in range(x_shape[1])} - covered
    else:
        raise ValueError(f"not a cells question: {kind!r}")
    return tuple(sorted(found))


def cell_mistakes(computed: Computed, kind: str, cell: Cell) -> tuple[tuple[str, tuple[Cell, ...]], ...]:
    """The sets the usual misconceptions give, each with its key (``class.mistake_<key>``):
    y's own indices taken for x's (``same_index``), the windows as if the stride were the kernel
    (``stride_ignored``), the padding forgotten, so the windows shift (``padding``), one window
    where several overlap (``one_share``), all of the grid (``global``), and for ``nothing`` no
    cell at all (``no_gaps``). Sets equal to the truth, to an earlier one, or empty where the
    truth is not, are left out (except ``no_gaps``).

    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.zeros((5, 5)), PoolParams((3, 3), (1, 1)))
    >>> cell_mistakes(computed, "sends", (2, 2))  # every y: one window where nine overlap is a slip
    (('same_index', ((2, 2),)), ('stride_ignored', ((0, 0),)))
    """
    x_shape, y_shape = computed.x.shape, computed.y.shape
    truth = truth_cells(computed.windows, x_shape, kind, cell)
    grid = answer_shape(kind, x_shape, y_shape)
    found: list[tuple[str, Iterable[Cell]]] = []
    if kind in ("feeds", "sends"):
        found.append(("same_index", [tuple(cell)]))
    params = computed.params
    if params.effective_stride != params.kernel_size:
        found.append(("stride_ignored", _other_plan(computed, kind, cell, stride=None)))
    if any(params.padding):
        found.append(("padding", _other_plan(computed, kind, cell, padding=(0, 0))))
    if kind == "sends":
        covering = [w for w in computed.windows if _covers(w, *cell)]
        if len(covering) > 1:
            found.append(("one_share", [(covering[0].out_row, covering[0].out_col)]))
    if kind == "nothing":
        found.append(("no_gaps", []))
    else:
        found.append(("global", [(r, c) for r in range(grid[0]) for c in range(grid[1])]))
    kept: list[tuple[str, tuple[Cell, ...]]] = []
    for key, cells in found:
        inside = tuple(sorted({c for c in cells if 0 <= c[0] < grid[0] and 0 <= c[1] < grid[1]}))
        if inside == truth or any(inside == other for _, other in kept) or (not inside and key != "no_gaps"):
            continue
        kept.append((key, inside))
    return tuple(kept)


def _other_plan(computed: Computed, kind: str, cell: Cell, **changed: object) -> tuple[Cell, ...]:
    """The set a misconception's pooling gives (the stride or padding changed); none if torch
    would refuse that pooling."""
    try:
        windows = replace(computed.params, **changed).plan(computed.x.shape).windows()
    except PoolingError:
        return ()
    return truth_cells(windows, computed.x.shape, kind, cell)


# ---------------------------------------------------------------------------------------
# The mask: what travels and is stored.


def mask_length(shape: tuple[int, int]) -> int:
    """The characters of a mask for a grid of ``shape``: ``mask_length((64, 64))`` -> 684."""
    packed = -(-shape[0] * shape[1] // 8)  # bytes
    return 4 * -(-packed // 3)


def encode_mask(cells: Collection[Cell], shape: tuple[int, int]) -> str:
    """The set tapped as a mask: row-major bits, packed, base64 (raises CellsError("outside")
    for a cell not in the grid).

    >>> encode_mask({(0, 0), (1, 1)}, (2, 2)), sorted(read_mask("kA==", (2, 2)))
    ('kA==', [(0, 0), (1, 1)])
    """
    bits = np.zeros(shape[0] * shape[1], dtype=np.uint8)
    for row, col in cells:
        if not (0 <= row < shape[0] and 0 <= col < shape[1]):
            raise CellsError("outside")
        bits[row * shape[1] + col] = 1
    return base64.b64encode(np.packbits(bits).tobytes()).decode()


def read_mask(text: object, shape: tuple[int, int]) -> frozenset[Cell]:
    """The cells of a mask for a grid of ``shape``; a mask from a browser may be anything:
    raises CellsError "mask" (not a mask of this grid's length) or "outside" (a bit past the
    grid's last cell).

    >>> read_mask("kA", (2, 2))
    Traceback (most recent call last):
    classroom.cells.CellsError: mask
    >>> read_mask("kQ==", (2, 2))
    Traceback (most recent call last):
    classroom.cells.CellsError: outside
    """
    if not isinstance(text, str) or len(text) != mask_length(shape):
        raise CellsError("mask")
    try:
        packed = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise CellsError("mask") from error
    count = shape[0] * shape[1]
    if len(packed) != -(-count // 8):
        raise CellsError("mask")
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8))
    if bits[count:].any():
        raise CellsError("outside")
    return frozenset((int(i) // shape[1], int(i) % shape[1]) for i in np.flatnonzero(bits[:count]))


# ---------------------------------------------------------------------------------------
# Grading and the class's tally.


@dataclass(frozen=True)
class Grade:
    """One answer graded cell by cell: right when the set tapped is the truth; ``hit`` of the
    truth's cells were tapped, ``missed`` were not, ``wrong`` were tapped but are not in it."""

    right: bool
    hit: int
    missed: tuple[Cell, ...]
    wrong: tuple[Cell, ...]


def grade(truth: Collection[Cell], tapped: Collection[Cell]) -> Grade:
    """One answer against the truth.

    >>> grade({(0, 0), (0, 1)}, {(0, 1), (1, 1)})
    Grade(right=False, hit=1, missed=((0, 0),), wrong=((1, 1),))
    """
    truth, tapped = set(map(tuple, truth)), set(map(tuple, tapped))
    return Grade(truth == tapped, len(truth & tapped), tuple(sorted(truth - tapped)), tuple(sorted(tapped - truth)))


def cells_label(cells: Collection[Cell]) -> str:
    """A set written for the projector: ``[0, 0] [1, 1]``, a long one cut (``… +5``), none ``∅``.

    >>> cells_label([(1, 1), (0, 0)]), cells_label([])
    ('[0, 0] [1, 1]', '∅')
    """
    ordered = sorted(cells)
    if not ordered:
        return "∅"
    shown = " ".join(f"[{row}, {col}]" for row, col in ordered[:LABEL_CELLS])
    return shown if len(ordered) <= LABEL_CELLS else f"{shown} … +{len(ordered) - LABEL_CELLS}"


def answer_sets(masks: Mapping[str, object], shape: tuple[int, int]) -> dict[str, frozenset[Cell]]:
    """The class's sets by student, from their masks; a mask that does not fit the grid of
    ``shape`` is no answer (left out).

    >>> answer_sets({"a": encode_mask({(0, 1)}, (2, 2)), "b": "not a mask"}, (2, 2))
    {'a': frozenset({(0, 1)})}
    """
    sets = {}
    for student, mask in masks.items():
        try:
            sets[student] = read_mask(mask, shape)
        except CellsError:
            continue
    return sets


@dataclass(frozen=True)
class CellsTally:
    """The answers to a cells question: how many, how many entirely right, how many students
    tapped each cell of the answer grid (``counts``, a rows × cols list), and the most common
    wrong sets, each written (``cells_label``) with its count and misconception (None: unknown)."""

    total: int
    right: int
    counts: tuple[tuple[int, ...], ...]
    common_wrong: tuple[tuple[str, int, str | None], ...]


def cells_tally(
    truth: Collection[Cell],
    mistakes: Sequence[tuple[str, Collection[Cell]]],
    shape: tuple[int, int],
    answers: Mapping[str, Collection[Cell]],
) -> CellsTally:
    """Count the class's sets (one per student).

    >>> t = cells_tally({(0, 0)}, [("global", {(0, 0), (0, 1)})], (1, 2),
    ...                 {"a": {(0, 0)}, "b": {(0, 0), (0, 1)}, "c": {(0, 0), (0, 1)}, "d": set()})
    >>> t.total, t.right, t.counts, t.common_wrong
    (4, 1, ((3, 2),), (('[0, 0] [0, 1]', 2, 'global'), ('∅', 1, None)))
    """
    counts = np.zeros(shape, dtype=int)
    wrong: dict[frozenset[Cell], int] = {}
    right = 0
    truth = frozenset(map(tuple, truth))
    for cells in answers.values():
        tapped = frozenset(map(tuple, cells))
        for row, col in tapped:
            counts[row, col] += 1
        if tapped == truth:
            right += 1
        else:
            wrong[tapped] = wrong.get(tapped, 0) + 1
    named = {frozenset(map(tuple, cells)): key for key, cells in mistakes}
    ordered = sorted(wrong.items(), key=lambda item: (-item[1], sorted(item[0])))
    common = tuple((cells_label(cells), count, named.get(cells)) for cells, count in ordered[:MAX_TALLIED])
    return CellsTally(len(answers), right, tuple(tuple(int(n) for n in row) for row in counts), common)


def cells_moves(
    truth: Collection[Cell],
    mistakes: Sequence[tuple[str, Collection[Cell]]],
    first: Mapping[str, Collection[Cell]],
    second: Mapping[str, Collection[Cell]],
) -> tuple[tuple[str, int, str | None], ...]:
    """Peer instruction's measure for sets: how many moved from each wrong set of vote 1 to the
    truth in vote 2, most moved first (as ``classroom.model.moves``).

    >>> cells_moves({(0, 0)}, [("global", {(0, 0), (0, 1)})], {"a": {(0, 0), (0, 1)}}, {"a": {(0, 0)}})
    (('[0, 0] [0, 1]', 1, 'global'),)
    """
    truth = frozenset(map(tuple, truth))
    named = {frozenset(map(tuple, cells)): key for key, cells in mistakes}
    moved: dict[frozenset[Cell], int] = {}
    for student, cells in first.items():
        before = frozenset(map(tuple, cells))
        if before != truth and student in second and frozenset(map(tuple, second[student])) == truth:
            moved[before] = moved.get(before, 0) + 1
    ordered = sorted(moved.items(), key=lambda item: -item[1])
    return tuple((cells_label(cells), count, named.get(cells)) for cells, count in ordered)
