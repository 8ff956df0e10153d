"""A grid of numbers typed by hand (the custom x, the custom ∂L/∂y): what was typed, how it
travels in a link, and how an edit from the browser's grid is checked before it is used.

A typed grid is the cells a person changed on top of a start grid (x starts as
``arange``, ∂L/∂y as ones), kept by position. So the grid survives a change of page and a
change of size: moving Height from 4 to 5 and back shows the same typed cells, and new cells
start from the start grid of the new size.

In a link a grid is written row by row: cells separated by ``,`` and rows by ``;``, each
cell in the reader's own syntax (``0,1.5,-2;1/9,1e-3,4``). Longer grids are compressed:
``z`` followed by the URL-safe base64 of the zlib-compressed text. Either way every value
comes back exactly (a cell is written as typed, or as the shortest text that reads back as
the same float). An uploaded CSV's grid travels the same way (``LinkedGrid``).
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from i18n import text
from scenario.inputs import MAX_GRID, InputError, cell_text, number_error
from scenario.numbers import NumberError, normalized, parse_number

__all__ = [
    "BULLET",
    "EDIT_MAX_CELLS",
    "LINK_MAX_CHARS",
    "TYPED_MAX",
    "BadCells",
    "EditProblem",
    "LinkedGrid",
    "TypedGrid",
    "check_edits",
    "decode_grid",
    "encode_grid",
]

TYPED_MAX = MAX_GRID  # largest H or W of a typed grid, as of every grid
CELL_MAX_CHARS = 40  # longer than any number the reader accepts is worth typing
EDIT_MAX_CELLS = TYPED_MAX * TYPED_MAX  # one edit never names more cells than a grid has
LINK_MAX_CHARS = 32_000  # a grid's text in a link; far below what nginx and Tornado accept
PLAIN_MAX_CHARS = 2_000  # a link's grid up to this length stays readable, longer is compressed

Start = Callable[[int, int], np.ndarray]
Cell = tuple[int, int]
BULLET = "\n- "  # each bad cell's message on a line of its own (a Markdown list)


MAX_LISTED_CELLS = 10  # a message names this many bad cells; the grid marks every one


class BadCells(InputError):
    """Every cell of a typed grid that is empty or not a number, each named with what was
    typed and why (``problems``: one InputError a cell, by (row, col)). ``values`` is the
    grid with NaN in those cells (None when nothing is drawn from it), so the grids that do
    not depend on them can still be drawn. One bad cell says just its own message.

    >>> error = BadCells("x", {(0, 1): number_error(NumberError("text", "a"), "x[0, 1]"),
    ...                        (2, 0): number_error(NumberError("comma", "1,5"), "x[2, 0]")})
    >>> error.key, error.cells
    ('bad_cells', [(0, 1), (2, 0)])
    >>> print(error)  # doctest: +ELLIPSIS
    2 cells of x are empty or not numbers:
    - x[0, 1]: “a” is not a number; ...
    - x[2, 0]: “1\\,5” has a comma; write decimals with a dot, e.g. 1\\.5
    """

    def __init__(self, label: str, problems: Mapping[Cell, InputError], values: np.ndarray | None = None) -> None:
        self.cells = sorted(problems)
        self.values = values
        ordered = tuple(problems[cell] for cell in self.cells)
        if len(ordered) == 1:
            self.key, self.params, message = ordered[0].key, ordered[0].params, str(ordered[0])
        else:  # the catalogue's text, with every cell's own message (ui.lang translates each)
            if len(ordered) > MAX_LISTED_CELLS:  # a 64x64 grid of junk: the first ones, and a count
                more = InputError("bad_cells_more", count=len(ordered) - MAX_LISTED_CELLS)
                ordered = (*ordered[:MAX_LISTED_CELLS], more)
            self.key, self.params = "bad_cells", {"label": label, "count": len(self.cells), "cells": ordered}
            cells = "".join(BULLET + str(problem) for problem in ordered)
            message = text("en", "error.input.bad_cells", label=label, count=len(self.cells), cells=cells)
        ValueError.__init__(self, message)


def canonical(typed: str) -> str:
    """A cell's text as it is kept and linked: the reader's normalisation (full-width digits,
    minus signs, spaces), and no ``+`` (a ``+`` in a URL reads as a space).

    >>> canonical(" +1.5 "), canonical("−2"), canonical("1 / 9"), canonical("1e+3")
    ('1.5', '-2', '1/9', '1e3')
    >>> canonical("¼"), canonical("-2⅔"), canonical("1⁄9")  # a link stays ASCII
    ('1/4', '-8/3', '1/9')
    """
    value = parse_number(typed)  # raises NumberError for anything that is not a number
    if not normalized(typed).isascii():  # a vulgar fraction (¼, 2⅔): the same number as n/d
        fraction = Fraction(value).limit_denominator(10)
        if fraction.denominator > 1 and fraction.numerator / fraction.denominator == value:
            return f"{fraction.numerator}/{fraction.denominator}"
        return cell_text(value)
    return "".join(normalized(typed).split()).replace("e+", "e").replace("E+", "e").lstrip("+").replace("/+", "/")


@dataclass(frozen=True)
class TypedGrid:
    """The cells typed over a start grid, by position: ``{(row, col): text}``.

    ``revision`` counts the times the browser's grid had to start afresh (after an edit that
    was refused): it is part of the editor's key. ``shown`` is what the browser's grid was
    given when it started: it keeps being given that, so its data never changes under a
    person's fingers while they type (the browser applies their edits on top).

    >>> grid = TypedGrid().typed({(0, 0): "100"})  # an edit of a grid that showed the start
    >>> grid.values(lambda rows, cols: np.zeros((rows, cols)), 2, 2, "x").tolist()
    [[100.0, 0.0], [0.0, 0.0]]
    """

    cells: Mapping[tuple[int, int], str] = field(default_factory=dict)
    revision: int = 0
    shown: Mapping[tuple[int, int], str] = field(default_factory=dict)

    def typed(self, cells: Mapping[tuple[int, int], str]) -> TypedGrid:
        """The browser grid's edits, which are relative to what it was given (``shown``): a
        cell typed back to what it showed is no longer an edit there, and counts as shown."""
        return replace(self, cells={**self.shown, **cells})

    def rebased(self) -> TypedGrid:
        """A browser grid that starts now (it holds no edits yet) is given every typed cell."""
        return replace(self, shown=dict(self.cells))

    def restarted(self) -> TypedGrid:
        """The same cells in a fresh browser grid (a new editor key)."""
        return replace(self, revision=self.revision + 1, shown=dict(self.cells))

    @classmethod
    def from_texts(cls, texts: list[list[str]]) -> TypedGrid:
        return cls({(r, c): text for r, row in enumerate(texts) for c, text in enumerate(row)})

    def texts(self, start: Start, rows: int, cols: int, cells: Mapping | None = None) -> list[list[str]]:
        """Every cell's text at this size: typed where it was (in ``cells``, by default all
        typed cells), the start grid elsewhere."""
        cells = self.cells if cells is None else cells
        base = start(rows, cols)
        return [[cells.get((r, c), cell_text(base[r, c])) for c in range(cols)] for r in range(rows)]

    def values(self, start: Start, rows: int, cols: int, label: str) -> np.ndarray:
        """The numbers at this size; raises BadCells naming every cell that is empty or not a
        number (``label[row, col]``), with the other numbers and NaN in those cells."""
        values = start(rows, cols).astype(np.float64)
        problems = {}
        for (row, col), typed in sorted(self.cells.items()):
            if row < rows and col < cols:
                try:
                    values[row, col] = parse_number(typed)
                except NumberError as error:
                    problems[(row, col)] = number_error(error, f"{label}[{row}, {col}]")
                    values[row, col] = np.nan
        if problems:
            raise BadCells(label, problems, values)
        return values

    def at_size(self, start: Start, rows: int, cols: int) -> TypedGrid:
        """Only the typed cells that differ from the start grid at this size (what a link needs)."""
        base = start(rows, cols)
        kept = {}
        for (row, col), typed in self.cells.items():
            if row < rows and col < cols:
                try:
                    same = parse_number(typed) == base[row, col]
                except NumberError:
                    same = False
                if not same:
                    kept[(row, col)] = typed
        return TypedGrid(kept, self.revision, self.shown)


@dataclass(frozen=True, eq=False)
class LinkedGrid:
    """A whole grid of numbers and its text in a link (None when it is too large for one):
    an uploaded CSV's grid, which a link carries as it carries a typed grid.

    >>> grid = LinkedGrid.of(np.array([[1 / 3, 2.0], [-0.1, 1e-300]]))
    >>> grid.link
    '0.3333333333333333,2;-0.1,1e-300'
    >>> LinkedGrid.from_texts(decode_grid(grid.link, "x"), grid.link).values.tolist() == grid.values.tolist()
    True
    """

    values: np.ndarray
    link: str | None

    @classmethod
    def of(cls, values: np.ndarray) -> LinkedGrid:
        """A grid's link: each value as the shortest text that reads back as the same float."""
        return cls(values, encode_grid([[cell_text(value) for value in row] for row in values]))

    @classmethod
    def from_texts(cls, texts: list[list[str]], link: str) -> LinkedGrid:
        """The grid a link carries (its ``texts`` as ``decode_grid`` checked them)."""
        return cls(np.array([[parse_number(text) for text in row] for row in texts], dtype=np.float64), link)


def encode_grid(texts: list[list[str]]) -> str | None:
    """A grid of valid cell texts as a link writes it; None when it is too large for a link.

    >>> encode_grid([["0", "1.5"], ["-2", "1/9"]])
    '0,1.5;-2,1/9'
    """
    plain = ";".join(",".join(canonical(text) for text in row) for row in texts)
    if len(plain) <= PLAIN_MAX_CHARS:
        return plain
    packed = "z" + base64.urlsafe_b64encode(zlib.compress(plain.encode(), 9)).decode().rstrip("=")
    return packed if len(packed) <= LINK_MAX_CHARS else None


def decode_grid(text: str, label: str) -> list[list[str]]:
    """The cell texts of a link's grid; raises InputError saying what is wrong (too large,
    not a grid, rows of different lengths, a cell that is not a number).

    >>> decode_grid("0,1.5;-2,1/9", "x")
    [['0', '1.5'], ['-2', '1/9']]
    """
    if len(text) > LINK_MAX_CHARS:
        raise InputError("link_grid_long", label=label, max=LINK_MAX_CHARS)
    if text.startswith("z"):
        text = _unpack(text[1:], label)
    rows = [row.split(",") for row in text.split(";")]
    if len(rows) > TYPED_MAX or max(len(row) for row in rows) > TYPED_MAX:
        raise InputError("link_grid_large", label=label, rows=len(rows), cols=max(map(len, rows)), max=TYPED_MAX)
    for number, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise InputError("link_grid_ragged", label=label, row=number, count=len(row), first=len(rows[0]))
    problems = {}
    for (row, col), cell in np.ndenumerate(np.array(rows, dtype=object)):
        try:
            rows[row][col] = canonical(cell)
        except NumberError as error:
            problems[(row, col)] = number_error(error, f"{label}[{row}, {col}]")
    if problems:
        raise BadCells(label, problems)  # every bad cell named, not only the first
    return rows


def _unpack(packed: str, label: str) -> str:
    """zlib-compressed text, never inflated past the largest grid a link may hold."""
    limit = EDIT_MAX_CELLS * (CELL_MAX_CHARS + 1)
    try:
        raw = base64.b64decode(packed + "=" * (-len(packed) % 4), altchars=b"-_", validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, limit)
        if inflater.unconsumed_tail:
            raise InputError("link_grid_large", label=label, rows="?", cols="?", max=TYPED_MAX)
        return data.decode("ascii")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError("link_grid_broken", label=label) from None


@dataclass(frozen=True)
class EditProblem:
    """Why an edit from the browser's grid was not taken (``key`` in ``error.input``)."""

    key: str
    params: dict


def check_edits(state: object, rows: int, cols: int) -> tuple[dict[tuple[int, int], str], EditProblem | None]:
    """The cell edits in a data editor's state, checked: only ``edited_rows`` of cells that
    exist, each a short text. The grid has a fixed size, so added or deleted rows (which
    only a crafted message can send) are refused, as is anything that is not an edit.

    >>> check_edits({"edited_rows": {1: {"0": "5"}}, "added_rows": [], "deleted_rows": []}, 2, 2)
    ({(1, 0): '5'}, None)
    >>> check_edits({"edited_rows": {}, "added_rows": [{}] * 5000, "deleted_rows": []}, 2, 2)[1].key
    'edit_rows_changed'
    """
    if not isinstance(state, Mapping):
        return {}, EditProblem("edit_malformed", {})
    if state.get("added_rows") or state.get("deleted_rows"):
        return {}, EditProblem("edit_rows_changed", {"rows": rows, "cols": cols})
    edited = state.get("edited_rows") or {}
    if not isinstance(edited, Mapping) or len(edited) > rows:
        return {}, EditProblem("edit_malformed", {})
    cells: dict[tuple[int, int], str] = {}
    for row, columns in edited.items():
        if not isinstance(columns, Mapping) or not _index(row, rows) or len(columns) > cols:
            return {}, EditProblem("edit_malformed", {})
        for col, typed in columns.items():
            if not _index(col, cols) or not (typed is None or isinstance(typed, str | int | float)):
                return {}, EditProblem("edit_malformed", {})
            text = "" if typed is None or (isinstance(typed, float) and math.isnan(typed)) else str(typed)
            if len(text) > CELL_MAX_CHARS:
                return {}, EditProblem("edit_long", {"max": CELL_MAX_CHARS})
            cells[(int(row), int(col))] = text
    return cells, None


def _index(value: object, size: int) -> bool:
    """Whether a row or column named by an edit (an int, or a column's name "0", "1", ...)
    is one of the grid's."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return value.isdecimal() and len(value) <= 3 and int(value) < size
    return isinstance(value, int) and 0 <= value < size
