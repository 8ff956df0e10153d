"""Cell grids (x, y, ∂L/∂y, ∂L/∂x, maps, the pooling matrix) described once, as plain data.

A grid description (``GridDescription``) is a JSON-ready dict: the values, the colour scale,
the labels printed in the cells, the axis origin (padding reaches below index 0), the outlined
pooling windows and any highlighted windows or cells. Two renderers draw the same description:

- the heatmap-grid component (``figures/component/``, mounted by ``ui/display.show_grids``) draws every
  grid a student interacts with, on ``<canvas>``, in the browser;
- plotly (``figures/plotly_figure.py``) draws it as a standalone interactive HTML file for
  slides and handouts (its camera button saves an SVG).

Nothing here imports streamlit or plotly.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal, NamedTuple, NotRequired, TypedDict

import numpy as np

from figures.outline import iso_outline
from i18n import text
from pooling import Window
from scenario.numbers import (
    FLOAT32_TOLERANCE,
    NumberStyle,
    equals_text,
    exact_text,
    grid_exponent,
    number_style,
    power_text,
    printed_text,
)

__all__ = [
    "COLOR_SCALES",
    "MAX_LABELLED_SPAN",
    "EncodedValues",
    "GridDescription",
    "Printing",
    "Selection",
    "Underlay",
    "WindowAxes",
    "cell_labels",
    "decode_values",
    "describe_cell",
    "grad_input_grid",
    "gradient_grid",
    "input_grid",
    "matrix_grid",
    "on_one_page",
    "overlay_grid",
    "printed_alike",
    "read_selection",
    "retitled",
    "selection_kind",
    "table_texts",
    "value_grid",
    "window_axes",
    "with_palette",
]

# [position, colour] stops. Values: sequential blues; gradients: blue below zero, white at
# zero, red above (ColorBrewer RdBu mid-tones, so a uniform 0.25 is a readable red); images:
# gray, so pictures look like pictures; heat maps over a picture (Grad-CAM): ColorBrewer
# YlOrRd, warm over grey, its lightness ordered (so in both palettes). The colour-blind palette
# swaps in cividis and ColorBrewer's PuOr, both readable with the common colour-vision
# deficiencies.
HEAT = [[0.0, "#ffffb2"], [0.25, "#fecc5c"], [0.5, "#fd8d3c"], [0.75, "#f03b20"], [1.0, "#bd0026"]]  # YlOrRd
COLOR_SCALES = {
    "standard": {
        "value": [
            [0.0, "#f7fbff"],
            [0.125, "#deebf7"],
            [0.25, "#c6dbef"],
            [0.375, "#9ecae1"],
            [0.5, "#6baed6"],
            [0.625, "#4292c6"],
            [0.75, "#2171b5"],
            [0.875, "#08519c"],
            [1.0, "#08306b"],
        ],  # ColorBrewer Blues
        "gradient": [[0.0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"], [0.75, "#f4a582"], [1.0, "#d6604d"]],
        "image": [[0.0, "#000000"], [1.0, "#ffffff"]],
        "heat": HEAT,
    },
    "colorblind": {
        "value": [
            [0.0, "#00224e"],
            [0.111, "#123570"],
            [0.222, "#3b496c"],
            [0.333, "#575d6d"],
            [0.444, "#707173"],
            [0.556, "#8a8678"],
            [0.667, "#a59c74"],
            [0.778, "#c3b369"],
            [0.889, "#e1cc55"],
            [1.0, "#fee838"],
        ],  # cividis
        "gradient": [[0.0, "#5e3c99"], [0.25, "#b2abd2"], [0.5, "#f7f7f7"], [0.75, "#fdb863"], [1.0, "#e66101"]],
        "image": [[0.0, "#000000"], [1.0, "#ffffff"]],
        "heat": HEAT,
    },
}
MAX_LABELLED_SPAN = 32  # above 32 x 32 cells are too small for any printed value: hover only
MAX_EXACT_SPAN = 32  # grids up to 32 x 32 travel as float64 (exact hover); larger ones as float32
MAX_OUTLINED_WINDOWS = 256  # more outlines than this turn the input into a grey mesh
# What a padding cell holds: torch pads average pooling with 0, max pooling with −∞.
PADDING_LABELS = {"zero": "0", "-inf": "−∞"}
PADDING_HOVERS = {"zero": "figure.padding_hover", "-inf": "figure.padding_hover_max"}
TICK_DIGITS = 3  # the colour bar's ticks: the same style, a digit fewer than a sentence

Cell = tuple[int, int]
Rectangle = list[int]  # [row_start, row_stop, col_start, col_stop], stops exclusive


class EncodedValues(TypedDict):
    """A grid's values as base64 little-endian floats, row-major; NaN is a blank cell."""

    dtype: Literal["f8", "f4"]  # float64, or float32 above 32 x 32 (hover only)
    b64: str


class Underlay(TypedDict):
    """A picture under a map (Grad-CAM over the digit), drawn as its outline over the cells'
    heat: the level its outline follows (halfway from its lightest value to ``zmax``, its
    darkest) and the outline (``figures.outline.iso_outline``), drawn in ``color`` over a
    white halo. Its values themselves are not sent: nothing draws them."""

    zmax: float
    level: float
    outline: list[list[float]]  # segments [row0, col0, row1, col1], in cells (0: the first cell's top/left edge)
    color: str


class Printing(TypedDict):
    """How the grids of one row (read together, as the frameworks' y grids are) print their
    numbers, decided once for the row (``printed_alike``): as if each had the row's narrowest
    cells and its longest labels, so that all print at one font size, or none prints. On a
    phone the browser gives such a row one grid per line where that is what lets it print,
    and then every row on its ``page`` too (``on_one_page``), so that the page's grids line up."""

    span: int  # the most cells across (padding included) of any grid of the row: the narrowest cells
    ticks: int  # the longest row index written beside those grids, in characters (the left margin)
    width: int  # the row's longest label, in characters
    short_width: int  # the row's longest label where the short ones are printed
    page: NotRequired[list[Printing]]  # every row of the page (its own among them), without their ``page``


class GridDescription(TypedDict):
    """One grid, described once as plain JSON, as both renderers read it: the component
    (``figures/component/grids.js``, what each key is read for is said beside it) and plotly
    (``figures/plotly_figure.py``). ``ui.display.show_grids`` adds ``key`` (the name the grid
    is shown under: a selection's ``grid``) and ``file`` (its PNG's name) when it sends it."""

    title: str  # printed above the canvas and in the saved PNG (the tables' tab too)
    name: str  # the tensor's name in the hover text and the screen reader's cell: "x[1, 2] = 5"
    rows: int  # the values' shape: cells in 0..rows-1 x 0..cols-1 hold values, the rest
    cols: int  # of the drawing is padding; a click or Enter selects only these cells
    values: EncodedValues  # the cells' colours, the hover text and the screen reader's cell
    labels: list[str] | None  # each cell's printed text (row-major); None: too many cells to print
    short_labels: list[str] | None  # printed instead where ``labels`` do not fit (None: the same)
    scale: str  # "value", "gradient", "image" or "heat": which palette's colours (read by ``with_palette``)
    colors: list[list[float | str]]  # [position, "#rrggbb"] stops: the cells' colours and the colour bar
    zmin: float  # the values at the two ends of ``colors``
    zmax: float
    ticks: list[str]  # the colour bar's three ticks (zmin, middle, zmax), in ``style`` to 3 digits
    style: dict[str, float | bool]  # how the hover writes a value: a NumberStyle, {"zero", "fractions", "tolerance"}
    origin: list[int]  # [row, col] index of the first drawn cell (negative where padding is drawn)
    extent: list[int]  # [rows, cols] drawn: the canvas's size in cells, padding and ceil_mode overhang included
    padding: list[int]  # [rows, cols] of padding: drawn as a grey ring of ``padding_label``, hovered as padding
    padding_label: str  # what a padding cell holds: "0" (average pooling), "−∞" (max pooling)
    padding_hover: str  # a padding cell's hover text, with {row} and {col} to fill in
    overhang_hover: str  # the same for a cell past the padding, where only ceil_mode's kernel reaches (hatched)
    outlines: list[Rectangle]  # the pooling windows, outlined thin and grey
    windows: list[Rectangle]  # highlighted windows, outlined thick in orange
    kernels: list[Rectangle]  # the whole kernel of those windows whose kernel overhangs the padding: dashed
    cells: list[list[int]]  # highlighted [row, col] cells, outlined in black (max pooling's winners)
    link: str | None  # a click selects an "input", "output" or "matrix" cell (its windows lit); None: the cell
    description: str  # the canvas's aria-label: what a screen reader says about the grid
    underlay: Underlay | None  # a picture drawn over the cells as its outline (``overlay_grid``); None: no picture
    printing: Printing | None  # one font and one print-or-not for a row of grids (``printed_alike``); None: its own


class WindowAxes(TypedDict):
    """The pooling windows per axis: window (i, j) covers rows[i] x cols[j], each [start, stop).
    Its kernel reaches rows up to row_reach[i] and columns up to col_reach[j]: past the stop
    where ceil_mode's kernel overhangs the padding (drawn dashed, neither read nor counted)."""

    rows: list[list[int]]
    cols: list[list[int]]
    row_reach: list[int]
    col_reach: list[int]


def _encode(values: np.ndarray) -> EncodedValues:
    """Values as base64 little-endian floats (NaN = a blank cell): 5-11 characters a cell
    instead of ~18 for JSON numbers. float32 above 32 x 32 (hover only, 7 digits)."""
    dtype = "<f8" if max(values.shape) <= MAX_EXACT_SPAN else "<f4"
    raw = np.ascontiguousarray(values, dtype=dtype).tobytes()
    return {"dtype": "f8" if dtype == "<f8" else "f4", "b64": base64.b64encode(raw).decode("ascii")}


def _style(style: NumberStyle, dtype: str) -> dict[str, float | bool]:
    """The grid's NumberStyle as JSON, its tolerance loosened for values sent as float32."""
    tolerance = FLOAT32_TOLERANCE if dtype == "f4" else style.tolerance
    return {"zero": style.zero, "fractions": style.fractions, "tolerance": tolerance}


def table_texts(grid: GridDescription) -> list[list[str]]:
    """Every cell's value as the grid's hover writes it (4 digits, the grid's style), row by
    row, for "The numbers as tables"; a value not computed yet is blank.

    >>> table_texts(gradient_grid(np.array([[0.25, 1 / 9], [np.nan, -1e-17]]), "g"))
    [['1/4', '1/9'], ['', '0']]
    """
    values = decode_values(grid)
    style = NumberStyle(**grid["style"])
    distinct, where = np.unique(values, return_inverse=True)
    written = np.array(["" if np.isnan(v) else exact_text(v, style=style) for v in distinct], dtype=object)
    return written[where.reshape(values.shape)].tolist()


def decode_values(grid: GridDescription) -> np.ndarray:
    """The values of a grid description, as a float64 (rows, cols) array.

    >>> decode_values(value_grid(np.array([[1.0, 2.5]]), "y", "y")).tolist()
    [[1.0, 2.5]]
    """
    encoded = grid["values"]
    dtype = "<f8" if encoded["dtype"] == "f8" else "<f4"
    flat = np.frombuffer(base64.b64decode(encoded["b64"]), dtype=dtype)
    return flat.astype(np.float64).reshape(grid["rows"], grid["cols"])


def cell_labels(values: np.ndarray, digits: int | None = None, style: NumberStyle | None = None) -> list[str] | None:
    """The text printed in each cell (row-major), or None for grids too large to print.

    Every cell in the grid's one style (``scenario.numbers``, docs/numbers.md): float noise
    is 0; a grid of short fractions is written in fractions (``1/4`` beside ``1/9``), any
    other in decimals of ``digits`` significant digits (by default 4 on small grids, fewer as
    grids grow and their cells narrow). A cell prints the digits that fit it without ``≈``
    (rule 5: a ``≈`` on every rounded cell made walls of ``≈−``); its hover, the tables and a
    click write ``≈`` and the value. The browser prints them only where they fit.

    >>> cell_labels(np.array([[0.25, 1 / 9, -4 / 90, 7 / 6, 1e-17]]))
    ['1/4', '1/9', '−2/45', '7/6', '0']
    >>> cell_labels(np.array([[0.36, 0.1 + 0.2, -0.0075, 0.415, 12345.6, -0.0144444]]))
    ['0.36', '0.3', '−0.0075', '0.415', '12346', '−0.01444']
    >>> cell_labels(np.array([[5.25, 7.5, 3.07 / 9]]), digits=2)
    ['5.3', '7.5', '0.34']
    """
    if max(values.shape) > MAX_LABELLED_SPAN:
        return None
    digits = digits or _label_digits(values)
    style = style or number_style(values)
    # Gradients repeat a few values (1/4, 1/9, ...): format each distinct value once.
    distinct, where = np.unique(values, return_inverse=True)
    labels = [
        "" if np.isnan(value) else printed_text(value, digits, style) for value in distinct
    ]  # not computed yet: blank
    return [labels[index] for index in where.ravel()]


def _label_digits(values: np.ndarray) -> int:
    """Significant digits of a grid's labels: 4 on small grids, fewer as cells narrow."""
    span = max(values.shape)
    return 4 if span <= 8 else 3 if span <= 16 else 2


def _range(values: np.ndarray, scale: str, zrange: tuple[float, float] | None) -> tuple[float, float]:
    """The colour range: gradients symmetric around 0 (white = no gradient), others min..max."""
    if zrange is not None:
        return float(zrange[0]), float(zrange[1])
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (-1.0, 1.0) if scale == "gradient" else (0.0, 1.0)
    if scale == "gradient":
        largest = float(np.abs(finite).max()) or 1.0
        return -largest, largest
    return float(finite.min()), float(finite.max())


def _rectangles(windows: Sequence[Window]) -> list[Rectangle]:
    return [[int(w.row_start), int(w.row_stop), int(w.col_start), int(w.col_stop)] for w in windows]


def _kernels(windows: Sequence[Window]) -> list[Rectangle]:
    """The whole kernel of each window that overhangs the padding (ceil_mode): drawn dashed."""
    overhanging = [w for w in windows if w.overhang_cells]
    return [[int(w.row_start), int(w.row_reach), int(w.col_start), int(w.col_reach)] for w in overhanging]


def _grid(
    values: np.ndarray,
    title: str,
    name: str,
    scale: str = "value",
    *,
    zrange: tuple[float, float] | None = None,
    origin: Cell = (0, 0),
    extent: tuple[int, int] | None = None,
    padding: tuple[int, int] = (0, 0),
    padding_fill: str = "zero",
    outlines: Sequence[Window] = (),
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    link: str | None = None,
    power: int | None = None,
    language: str = "en",
) -> GridDescription:
    """The shared description. ``origin`` is the index of the first drawn row and column and
    ``extent`` how many are drawn (both reach beyond the values for the padding); ``link``
    says which cells a click selects ("input", "output" or "matrix"). Rectangles (outlines,
    highlighted windows) are [row_start, row_stop, col_start, col_stop], stops exclusive.
    ``padding_fill`` is what the padding holds: "zero" (average pooling) or "-inf" (max pooling:
    torch pads with −∞, so padding never wins). ``power``: its cells' power of ten (``shared_exponent``) or its own."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    zmin, zmax = _range(values, scale, zrange)
    style, encoded = number_style(values), _encode(values)
    exponent = grid_exponent(values) if power is None else power
    labels, short_labels, ticks = _printed(values, (zmin, zmax), style, exponent)
    return {
        "title": _titled(title, exponent, language),
        "name": name,
        "rows": rows,
        "cols": cols,
        "values": encoded,
        "labels": labels,
        "short_labels": short_labels,
        "scale": scale,
        "colors": COLOR_SCALES["standard"][scale],
        "zmin": zmin,
        "zmax": zmax,
        "ticks": ticks,
        "style": _style(style, encoded["dtype"]),
        # Plain ints throughout: the description must be JSON (numpy ints are not).
        "origin": [int(n) for n in origin],
        "extent": [int(n) for n in extent or (rows, cols)],
        "padding": [int(n) for n in padding],
        "padding_label": PADDING_LABELS[padding_fill],
        "padding_hover": text(language, PADDING_HOVERS[padding_fill]),
        "overhang_hover": text(language, "figure.overhang_hover"),
        "outlines": _rectangles(outlines),
        "windows": _rectangles(highlight_windows),
        "kernels": _kernels([*outlines, *highlight_windows]),
        "cells": [[int(row), int(col)] for row, col in highlight_cells],
        "link": link,
        "description": _describe(values, name, zmin, zmax, style, language),
        "underlay": None,
        "printing": None,
    }


def _printed(
    values: np.ndarray, zrange: tuple[float, float], style: NumberStyle, exponent: int
) -> tuple[list[str] | None, list[str] | None, list[str]]:
    """What a grid prints: its cell labels, the shorter ones printed where those do not fit
    (None: the same), and its colour bar's three ticks. A tiny or huge grid prints them over
    10 ** ``exponent``, which its title names (−3.245 under ×10⁻⁶: −3.245e−6 fits no cell)."""
    printed = values / 10.0**exponent if exponent else values
    # Decimals, as the values are: 1.4875 (×10⁶) is ≈1.488, never 119/80.
    style = replace(number_style(printed), fractions=False) if exponent else style
    labels = cell_labels(printed, style=style)
    # Printed where the full labels would not fit; large grids' labels have 2 digits already.
    short_labels = cell_labels(printed, 2, style) if _label_digits(values) > 2 else labels
    low, high = (end / 10.0**exponent for end in zrange)
    # Three digits: three ticks share a colour bar as narrow as a phone's grid.
    ticks = [printed_text(tick, TICK_DIGITS, style) for tick in (low, (low + high) / 2, high)]
    return labels, short_labels if short_labels != labels else None, ticks


def _titled(title: str, exponent: int, language: str) -> str:
    """A grid's title, naming the power of ten its cells print in (``y (×10⁻⁶)``) if any."""
    return text(language, "figure.scaled_title", title=title, power=power_text(exponent)) if exponent else title


# The end of a title that names its cells' power of ten: " (×10⁻⁶)", "（×10⁻⁶）".
POWER_SUFFIX = re.compile(r"\s?[(（]×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+[)）]$")


def retitled(grid: GridDescription, title: str) -> GridDescription:
    """The grid under another title, which still names the power of ten its cells print in.

    >>> retitled(value_grid(np.array([[2e-6, 3e-6]]), "y"), "x1")["title"]
    'x1 (×10⁻⁶)'
    """
    power = POWER_SUFFIX.search(grid["title"])
    return {**grid, "title": title + (power.group() if power else "")}


class Selection(NamedTuple):
    """A selected cell: ``kind`` is what the click means (``grid``'s ``link``: "input" for a
    cell of x or ∂L/∂x, "output" for y or ∂L/∂y, "matrix" for a row of A; "cell" for a grid
    that links to no other, whose cell alone is explained), ``grid`` the name it was drawn
    under."""

    kind: str
    row: int
    col: int
    grid: str


def selection_kind(grid: GridDescription) -> str:
    """What a click on this grid selects: its ``link``, or the cell alone ("cell")."""
    return grid.get("link") or "cell"


def read_selection(event: object, grids: dict[str, GridDescription]) -> Selection | None:
    """The cell a click, tap or Enter selected, from the component's event, checked against
    the grids drawn (by name): a Selection for a cell that grid has and a kind it selects,
    else None (nothing selected). The event comes from the browser, so anything may arrive:
    a string row, 1.5, a kind the grid does not select, a row past the grid, a nested structure.

    >>> grids = {"x": {"link": "input", "rows": 4, "cols": 4}, "maps": {"link": None, "rows": 2, "cols": 2}}
    >>> read_selection({"kind": "input", "row": 2, "col": 3, "grid": "x"}, grids)
    Selection(kind='input', row=2, col=3, grid='x')
    >>> read_selection({"kind": "cell", "row": 1, "col": 0, "grid": "maps"}, grids).kind
    'cell'
    >>> bad = ({"kind": "input", "row": 1.5, "col": 0, "grid": "x"},
    ...        {"kind": "output", "row": 0, "col": 0, "grid": "x"},
    ...        {"kind": "input", "row": 0, "col": 0}, {"kind": "cell", "row": 2, "col": 0, "grid": "maps"},
    ...        "[]")
    >>> [read_selection(event, grids) for event in bad]
    [None, None, None, None, None]
    """
    if not isinstance(event, dict):
        return None
    kind, row, col, name = (event.get(field) for field in ("kind", "row", "col", "grid"))
    if not all(isinstance(index, int) and not isinstance(index, bool) for index in (row, col)):
        return None
    grid = grids.get(name) if isinstance(name, str) else None
    if grid is None or kind != selection_kind(grid):
        return None
    if 0 <= row < grid["rows"] and 0 <= col < grid["cols"]:
        return Selection(kind, row, col, name)
    return None


def describe_cell(grid: GridDescription, row: int, col: int, language: str = "en") -> str:
    """One cell of a grid in words, for a click on a grid that explains nothing more: its
    name, index and value (exact, or its fraction and rounding).

    >>> describe_cell(value_grid(np.array([[1.0, 7 / 6]]), "coverage", "c"), 0, 1)
    'c[0, 1] = 7/6 ≈ 1.167.'
    """
    value = decode_values(grid)[row, col]
    name = f"{grid['name']}[{row}, {col}]"
    if np.isnan(value):
        return text(language, "grid.cell_blank", cell=name)
    return text(language, "grid.cell_value", cell=name, value=equals_text(value, style=NumberStyle(**grid["style"])))


def _describe(values: np.ndarray, name: str, zmin: float, zmax: float, style: NumberStyle, language: str) -> str:
    """What a screen reader says about the grid: its name, shape and range."""
    rows, cols = values.shape
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() == finite.max():
        value = exact_text(finite[0], style=style)
        return text(language, "grid.describe_uniform", name=name, rows=rows, cols=cols, value=value)
    low, high = (finite.min(), finite.max()) if finite.size else (zmin, zmax)
    return text(
        language,
        "grid.describe",
        name=name,
        rows=rows,
        cols=cols,
        low=exact_text(low, style=style),
        high=exact_text(high, style=style),
    )


def _longest(labels: list[str] | None) -> int:
    return max((len(label) for label in labels), default=1) if labels else 0


def _ticks(grid: GridDescription) -> int:
    """The longest row index written beside the grid, in characters ("-1" is two)."""
    first, rows = grid["origin"][0], grid["extent"][0]
    return max(len(str(first)), len(str(first + rows - 1)))


def printed_alike(grids: Sequence[GridDescription]) -> list[GridDescription]:
    """The grids of one row (read together: every framework's y, or every ∂L/∂x), each with
    the row's one ``printing``: the browser sizes every grid's numbers as if its cells were
    the row's narrowest and its labels the row's longest, so that they print at one font
    size, or none of them prints (a grid with fewer cells or shorter labels would otherwise
    print larger than its neighbour, or print where its neighbour does not). Grids that print
    nothing (too large, or an overlay) keep their own.

    >>> row = printed_alike([value_grid(np.full((2, 2), 0.25), "a"), value_grid(np.full((3, 3), 1 / 9), "b")])
    >>> row[0]["printing"] == row[1]["printing"]
    True
    >>> row[0]["printing"]
    {'span': 3, 'ticks': 1, 'width': 4, 'short_width': 4}
    """
    printing = [grid for grid in grids if grid["labels"]]
    if len(printing) < 2:
        return list(grids)
    shared: Printing = {
        "span": max(max(grid["extent"]) for grid in printing),
        "ticks": max(_ticks(grid) for grid in printing),
        "width": max(_longest(grid["labels"]) for grid in printing),
        "short_width": max(_longest(grid["short_labels"] or grid["labels"]) for grid in printing),
    }
    return [{**grid, "printing": shared} if grid["labels"] else grid for grid in grids]


def on_one_page(rows: Sequence[Sequence[GridDescription]]) -> list[list[GridDescription]]:
    """Rows read on one page (the frameworks' y row and ∂L/∂x row), each ``printed_alike``,
    each row's ``printing`` naming every row of the page: on a phone, a row that needs the
    whole line gives it to every row.

    >>> y, grad = on_one_page([[value_grid(np.ones((2, 2)), "a")] * 2, [value_grid(np.ones((3, 3)), "b")] * 2])
    >>> [row["span"] for row in y[0]["printing"]["page"]], y[0]["printing"]["page"] == grad[1]["printing"]["page"]
    ([2, 3], True)
    """
    alike = [printed_alike(row) for row in rows]
    shared = [next((grid["printing"] for grid in row if grid["printing"]), None) for row in alike]
    page = [printing for printing in shared if printing is not None]
    return [[{**grid, "printing": {**grid["printing"], "page": page}} if grid["printing"] else grid for grid in row]
            for row in alike]  # fmt: skip


def with_palette(grid: GridDescription, palette: str) -> GridDescription:
    """The same description in another palette (``standard`` or ``colorblind``).

    >>> with_palette(gradient_grid(np.ones((1, 1)), "g"), "colorblind")["colors"][0][1]
    '#5e3c99'
    """
    return {**grid, "colors": COLOR_SCALES[palette][grid["scale"]]}


def value_grid(
    values: np.ndarray,
    title: str,
    name: str = "x",
    *,
    link: str | None = None,
    highlight_cells: Sequence[Cell] = (),
    zrange: tuple[float, float] | None = None,
    scale: str = "value",
    power: int | None = None,
    language: str = "en",
) -> GridDescription:
    """An input or output tensor on a sequential scale (``scale="image"`` for pictures).

    >>> grid = value_grid(np.zeros((2, 3)), "x")
    >>> grid["rows"], grid["cols"], grid["scale"]
    (2, 3, 'value')
    """
    cells = {"highlight_cells": highlight_cells, "link": link, "power": power, "language": language}
    return _grid(values, title, name, scale, zrange=zrange, **cells)


def gradient_grid(
    values: np.ndarray,
    title: str,
    name: str = "∂L/∂y",
    *,
    link: str | None = None,
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    zmax: float | None = None,
    power: int | None = None,
    language: str = "en",
) -> GridDescription:
    """A gradient on a diverging scale centred at 0; ``zmax`` fixes the range to [-zmax, zmax].

    >>> gradient_grid(np.full((2, 2), 0.25), "∂L/∂x")["zmin"]
    -0.25
    """
    return _grid(
        values,
        title,
        name,
        "gradient",
        zrange=(-zmax, zmax) if zmax else None,
        highlight_windows=highlight_windows,
        highlight_cells=highlight_cells,
        link=link,
        power=power,
        language=language,
    )


def grad_input_grid(
    grad_input: np.ndarray,
    *,
    title: str = "∂L/∂x = x.grad",
    link: str | None = "input",
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    zmax: float | None = None,
    power: int | None = None,
    language: str = "en",
) -> GridDescription:
    """∂L/∂x: the input gradient, its cells indexed like x (padding gets no gradient, so
    highlighted windows are drawn clipped to the input).

    >>> grad_input_grid(np.full((4, 4), 0.25))["link"]
    'input'
    """
    return gradient_grid(
        grad_input,
        title,
        "∂L/∂x",
        link=link,
        highlight_windows=highlight_windows,
        highlight_cells=highlight_cells,
        zmax=zmax,
        power=power,
        language=language,
    )


def _windows_overlap(windows: Sequence[Window]) -> bool:
    first = windows[0]
    row_step = next((w.row_start - first.row_start for w in windows if w.row_start != first.row_start), None)
    col_step = next((w.col_start - first.col_start for w in windows if w.col_start != first.col_start), None)
    rows_overlap = row_step is not None and row_step < first.row_stop - first.row_start
    cols_overlap = col_step is not None and col_step < first.col_stop - first.col_start
    return rows_overlap or cols_overlap


def input_grid(
    x: np.ndarray,
    windows: Sequence[Window],
    padding: tuple[int, int],
    *,
    link: str | None = "input",
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    scale: str = "value",
    padding_fill: str = "zero",
    power: int | None = None,
    language: str = "en",
) -> GridDescription:
    """The input x with its padding drawn as a grey ring of zeros (of −∞ with
    ``padding_fill="-inf"``, as max pooling pads) and its pooling windows outlined (when they
    tile or leave gaps; overlapping outlines would hide the numbers). Where ceil_mode's
    kernel reaches past the padding, the grid reaches too: those cells are drawn hatched.

    >>> grid = input_grid(np.zeros((2, 2)), [], padding=(1, 1))
    >>> grid["origin"], grid["extent"], grid["padding"]
    ([-1, -1], [4, 4], [1, 1])
    """
    rows, cols = x.shape
    pad_rows, pad_cols = padding
    # The drawing reaches every cell a kernel touches: the padding, and the ceil_mode overhang.
    row_stop = max([rows + pad_rows] + [w.row_reach for w in windows])
    col_stop = max([cols + pad_cols] + [w.col_reach for w in windows])
    title = text(language, "figure.input", rows=rows, cols=cols)
    if pad_rows or pad_cols:
        title += text(language, "figure.input_padding", rows=pad_rows, cols=pad_cols)
    outlined = 0 < len(windows) <= MAX_OUTLINED_WINDOWS and not _windows_overlap(windows)
    return _grid(
        x,
        title,
        "x",
        scale,
        origin=(-pad_rows, -pad_cols),
        extent=(row_stop + pad_rows, col_stop + pad_cols),
        padding=padding,
        padding_fill=padding_fill,
        outlines=windows if outlined else (),
        highlight_windows=highlight_windows,
        highlight_cells=highlight_cells,
        link=link,
        power=power,
        language=language,
    )


# The picture under an overlay: its outline, where its ink is halfway from paper to the
# darkest pixel, a thin dark line over a white halo (grids.js's drawOutline). The heat fills
# every cell as its colour bar says; ink drawn as dark dots hid up to 3/4 of a cell's heat,
# and translucent heat over grey ink read as brown. tests/test_display.py checks that the
# line stands out on every heat colour.
OUTLINE_COLOR = "#141414"


def overlay_grid(
    values: np.ndarray,
    picture: np.ndarray,
    title: str,
    name: str,
    *,
    blocks: Sequence[Window] = (),
    link: str | None = None,
    language: str = "en",
) -> GridDescription:
    """A map of values >= 0 drawn over a picture of the same shape (Grad-CAM over the digit):
    each cell in its heat colour, from 0 to the largest value, and the picture's outline over
    it, halfway between its lightest and darkest values (``OUTLINE_COLOR``); ``blocks``
    outlined. No numbers printed (they would hide the picture): hover or click a cell.

    >>> grid = overlay_grid(np.eye(2), np.array([[16.0, 0], [0, 0]]), "cam", "c")
    >>> grid["labels"], grid["zmin"], grid["underlay"]["level"], len(grid["underlay"]["outline"])  # a diamond
    (None, 0.0, 8.0, 4)
    """
    values, picture = np.asarray(values, dtype=np.float64), np.asarray(picture, dtype=np.float64)
    top = float(values.max(initial=0.0)) or 1.0
    grid = _grid(values, title, name, "heat", zrange=(0.0, top), outlines=blocks, link=link, language=language)
    low, high = _range(picture, "image", None)
    level = (low + high) / 2
    underlay: Underlay = {
        "zmax": high,
        "level": level,
        "outline": iso_outline(picture, level) if high > low else [],
        "color": OUTLINE_COLOR,
    }
    return {**grid, "labels": None, "short_labels": None, "underlay": underlay}


def matrix_grid(matrix: np.ndarray, highlight_row: int | None = None, language: str = "en") -> GridDescription:
    """The pooling matrix A (one row per output, one column per input cell); a click picks a row.

    >>> matrix_grid(np.full((1, 4), 0.25), highlight_row=0)["windows"]
    [[0, 1, 0, 4]]
    """
    rows, cols = matrix.shape
    grid = _grid(matrix, f"A ({rows}×{cols})", "A", link="matrix", language=language)
    if highlight_row is not None:
        grid["windows"] = [[int(highlight_row), int(highlight_row) + 1, 0, cols]]
    return grid


def window_axes(windows: Sequence[Window]) -> WindowAxes:
    """The windows as two lists of [start, stop): window (i, j) covers rows[i] x cols[j].
    The component uses them to light up a clicked cell's windows without a round trip.

    >>> from pooling import windows as all_windows
    >>> window_axes(all_windows((4, 4), 2))
    {'rows': [[0, 2], [2, 4]], 'cols': [[0, 2], [2, 4]], 'row_reach': [2, 4], 'col_reach': [2, 4]}
    >>> window_axes(all_windows((5, 5), 2, ceil_mode=True))["row_reach"]  # the last kernel overhangs
    [2, 4, 6]
    """
    rows = {w.out_row: [int(w.row_start), int(w.row_stop)] for w in windows}
    cols = {w.out_col: [int(w.col_start), int(w.col_stop)] for w in windows}
    row_reach = {w.out_row: int(w.row_reach) for w in windows}
    col_reach = {w.out_col: int(w.col_reach) for w in windows}
    return {
        "rows": [rows[i] for i in sorted(rows)],
        "cols": [cols[j] for j in sorted(cols)],
        "row_reach": [row_reach[i] for i in sorted(row_reach)],
        "col_reach": [col_reach[j] for j in sorted(col_reach)],
    }
