"""Grid descriptions (figures/grids.py): what the component and the plotly export draw."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from numpy.testing import assert_array_equal

from figures import (
    cell_labels,
    decode_values,
    grad_input_grid,
    gradient_grid,
    input_grid,
    matrix_grid,
    overlay_grid,
    plotly_figure,
    value_grid,
    window_axes,
    with_palette,
)
from figures.grids import EncodedValues, GridDescription, WindowAxes, printed_alike
from figures.outline import iso_outline
from figures.plotly_figure import grid_figure, grids_html
from pooling import pooling_matrix, windows
from pooling.reference import torch_avg_pool2d

X = np.arange(25.0).reshape(5, 5)
WINDOWS = windows(X.shape, 3, 2, 1)
CEIL = windows((6, 6), 3, 2, 1, ceil_mode=True)  # the link: the last kernel overhangs by a row and a column
GRIDS = {
    "value": lambda: value_grid(X, "x", "x", link="output", highlight_cells=[np.array([1, 1])], zrange=(0, 24)),
    "value, large": lambda: value_grid(np.random.default_rng(0).random((70, 70)), "x"),
    "gradient": lambda: gradient_grid(X - 12, "g", "∂L/∂y", highlight_windows=WINDOWS[:2], zmax=12),
    "grad_input": lambda: grad_input_grid(X / 25, highlight_windows=WINDOWS[:1], language="zh"),
    "input, padded": lambda: input_grid(X, WINDOWS, (1, 1), highlight_cells=[(0, 0)], language="zh"),
    "input, tiled": lambda: input_grid(X[:4, :4], windows((4, 4), 2), (0, 0)),
    "input, ceil_mode, max": lambda: input_grid(
        X[:4], windows((4, 5), 3, 2, 1, ceil_mode=True), (1, 1), highlight_windows=CEIL[-1:], padding_fill="-inf"
    ),
    "pooling matrix": lambda: matrix_grid(pooling_matrix((4, 4), 2), highlight_row=1),
    "colour-blind": lambda: with_palette(gradient_grid(X, "g"), "colorblind"),
    "overlay": lambda: with_palette(overlay_grid(X / 24, 24 - X, "cam", "c", blocks=WINDOWS[:1]), "colorblind"),
}


@pytest.mark.parametrize("name", GRIDS)
def test_every_grid_round_trips_its_values_and_draws_in_plotly(name):
    grid = GRIDS[name]()
    assert json.loads(json.dumps(grid)) == grid  # plain JSON: Streamlit sends it to the browser as is
    values = decode_values(grid)
    assert values.shape == (grid["rows"], grid["cols"])
    # The plotly rendering of the same description is valid plotly (raises on a bad property).
    figure = grid_figure([grid])
    go.Figure(figure.to_dict())
    assert_array_equal(figure.data[0].z, values)


@pytest.mark.parametrize("name", GRIDS)
def test_every_grid_has_the_keys_its_type_documents(name):
    grid = GRIDS[name]()
    assert set(grid) == GridDescription.__required_keys__
    assert set(grid["values"]) == EncodedValues.__required_keys__


def test_the_component_and_plotly_read_only_documented_keys():
    """What grids.js reads from a grid (``grid.title``) and plotly (``grid["title"]``) is a key of
    GridDescription, or one that show_grids adds (``key``, ``file``); the window axes likewise."""
    component = (Path(plotly_figure.__file__).parent / "component" / "grids.js").read_text()
    read_by_component = set(re.findall(r"\bgrid\.([a-z_]+)", component))
    read_by_plotly = set(re.findall(r'\bgrid\["([a-z_]+)"\]', Path(plotly_figure.__file__).read_text()))
    assert {"title", "values", "extent"} <= read_by_component and {"title", "colors"} <= read_by_plotly
    assert read_by_component - {"key", "file"} <= GridDescription.__required_keys__
    assert read_by_plotly <= GridDescription.__required_keys__
    assert set(re.findall(r"\baxes\.([a-z_]+)", component)) == WindowAxes.__required_keys__
    assert set(window_axes(WINDOWS)) == WindowAxes.__required_keys__


def test_values_travel_exactly_up_to_32x32_and_as_float32_beyond():
    small = np.random.default_rng(1).normal(size=(32, 32))
    assert_array_equal(decode_values(value_grid(small, "x")), small)
    large = np.random.default_rng(1).normal(size=(33, 33))
    assert_array_equal(decode_values(value_grid(large, "x")), large.astype(np.float32))


def test_nan_cells_stay_blank():
    grid = value_grid(np.array([[1.0, np.nan]]), "y")
    assert np.isnan(decode_values(grid)[0, 1]) and grid["labels"] == ["1", ""]
    assert (grid["zmin"], grid["zmax"]) == (1.0, 1.0)


def test_gradient_range_is_symmetric_and_labels_stop_above_32x32():
    grid = gradient_grid(np.array([[0.25, -1.0]]), "g")
    assert (grid["zmin"], grid["zmax"]) == (-1.0, 1.0)
    assert cell_labels(np.zeros((33, 33))) is None and len(cell_labels(np.zeros((32, 32)))) == 1024


def test_input_grid_reaches_the_padding():
    padded = input_grid(X, WINDOWS, (1, 1))
    assert padded["origin"] == [-1, -1] and padded["extent"] == [7, 7]
    assert padded["outlines"] == []  # kernel 3, stride 2: windows overlap, no outlines
    tiled = input_grid(X[:4, :4], windows((4, 4), 2), (0, 0))
    assert tiled["outlines"] == [[0, 2, 0, 2], [0, 2, 2, 4], [2, 4, 0, 2], [2, 4, 2, 4]]


def test_window_axes_give_each_window_as_rows_times_columns():
    axes = window_axes(WINDOWS)
    for window in WINDOWS:
        assert axes["rows"][window.out_row] == [window.row_start, window.row_stop]
        assert axes["cols"][window.out_col] == [window.col_start, window.col_stop]


def test_descriptions_for_screen_readers_in_both_languages():
    assert gradient_grid(np.full((4, 4), 0.25), "t", "∂L/∂x")["description"] == "∂L/∂x, 4 by 4, every cell 0.25"
    assert value_grid(X, "t", "x")["description"] == "x, 5 by 5, from 0 to 24"
    assert value_grid(X, "t", "x", language="zh")["description"] == "x，5 行 5 列，取值从 0 到 24"


def test_the_html_export_is_self_contained_and_saves_svg():
    page = grids_html([value_grid(X, "x", "x"), grad_input_grid(X / 9)], "nn.AvgPool2d(kernel_size=2)", "avgpool_x")
    assert page.startswith("<!doctype html>") and '"format": "svg"' in page and "avgpool_x" in page
    assert "<script src=" not in page  # plotly.js is inlined: the file works offline


def test_the_ceil_mode_overhang_is_drawn_whole_and_marked():
    """6 × 6, kernel 3, stride 2, padding 1, ceil_mode: y[3, 3]'s kernel covers rows and columns
    5..7, of which 7 lies past the padding. The input grid reaches it, the highlighted window
    keeps its counted part [5, 7) and its whole kernel [5, 8) is described to be drawn dashed;
    the click's axes carry the same reach."""
    x = np.arange(36.0).reshape(6, 6)
    grid = input_grid(x, CEIL, (1, 1), highlight_windows=CEIL[-1:])
    assert grid["origin"] == [-1, -1] and grid["extent"] == [9, 9]
    assert grid["windows"] == [[5, 7, 5, 7]] and grid["kernels"] == [[5, 8, 5, 8]]
    assert "ceil_mode" in grid["overhang_hover"] and "{row}" in grid["overhang_hover"]
    axes = window_axes(CEIL)
    assert axes["rows"][3] == [5, 7] and axes["row_reach"] == [2, 4, 6, 8] and axes["col_reach"][3] == 8
    # Windows that fit leave nothing to mark, and the grid ends at the padding.
    plain = input_grid(X, WINDOWS, (1, 1), highlight_windows=WINDOWS)
    assert plain["kernels"] == [] and plain["extent"] == [7, 7]
    assert window_axes(WINDOWS)["row_reach"] == [stop for _, stop in window_axes(WINDOWS)["rows"]]


@pytest.mark.parametrize(
    "setup",
    [
        dict(shape=(6, 6), kernel_size=3, stride=2, padding=1),
        dict(shape=(5, 7), kernel_size=2, stride=2, padding=0),
        dict(shape=(6, 5), kernel_size=(3, 2), stride=2, padding=(1, 0)),
        dict(shape=(11, 11), kernel_size=4, stride=3, padding=2),
    ],
)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_the_overhang_is_what_torch_leaves_out_of_the_divisor(setup, count_include_pad):
    """torch's divisor (read from pooling ones, zero-padded) is the kernel's area less the
    overhang drawn, less the padding too without count_include_pad."""
    shape, arguments = setup["shape"], {k: v for k, v in setup.items() if k != "shape"}
    arguments |= {"ceil_mode": True, "count_include_pad": count_include_pad}
    plan_windows = windows(shape, **arguments)
    y = torch_avg_pool2d(np.ones(shape), np.ones(_output_shape(plan_windows)), **arguments)[0]
    assert any(w.overhang_cells for w in plan_windows)
    for w in plan_windows:
        torch_divisor = w.input_cells / y[w.out_row, w.out_col]
        kernel = w.kernel_rows * w.kernel_cols
        expected = kernel - w.overhang_cells - (0 if count_include_pad else w.padding_cells)
        assert np.isclose(torch_divisor, expected), w


def _output_shape(plan_windows) -> tuple[int, int]:
    return plan_windows[-1].out_row + 1, plan_windows[-1].out_col + 1


@pytest.mark.parametrize("language", ["en", "zh"])
def test_padding_is_zero_for_averages_and_minus_infinity_for_max(language):
    zero = input_grid(X, WINDOWS, (1, 1), language=language)
    minus = input_grid(X, WINDOWS, (1, 1), padding_fill="-inf", language=language)
    assert (zero["padding_label"], minus["padding_label"]) == ("0", "−∞")
    assert "−∞" in minus["padding_hover"] and "−∞" not in zero["padding_hover"]
    assert "{row}" in minus["padding_hover"] and "{col}" in minus["padding_hover"]


def test_plotly_draws_the_padding_the_overhang_and_the_whole_kernel():
    grid = input_grid(np.arange(36.0).reshape(6, 6), CEIL, (1, 1), highlight_windows=CEIL[-1:], padding_fill="-inf")
    figure = grid_figure([grid])
    padding, overhang = (trace for trace in figure.data[1:3])
    assert padding.type == overhang.type == "heatmap"
    padding_cells = int(np.isfinite(np.asarray(padding.z, dtype=float)).sum())
    assert padding_cells == 8 * 8 - 36 and set(np.asarray(padding.text).ravel()) == {"−∞", ""}
    hovers = np.asarray(padding.customdata)  # (8, 8) from row −1, column −1
    assert padding.hovertemplate == "%{customdata}<extra></extra>"
    assert hovers[0, 1].startswith("padding [\u22121, 0]: −∞") and hovers[1, 1] == "", hovers[0, 1]
    assert int(np.isfinite(np.asarray(overhang.z, dtype=float)).sum()) == 9 + 8  # row 7 and column 7
    dashed = [trace for trace in figure.data if trace.type == "scatter" and trace.line.dash == "dash"]
    assert len(dashed) == 1 and max(x for x in dashed[0].x if x is not None) == 7.5  # the kernel reaches column 7


def _crossings(picture: np.ndarray, level: float) -> set[tuple[float, float]]:
    """Where the picture, linear between neighbouring cells' centres, meets ``level``."""
    points = set()
    rows, cols = picture.shape
    for r, c in np.ndindex(rows, cols):
        for dr, dc in ((0, 1), (1, 0)):
            if r + dr < rows and c + dc < cols:
                a, b = picture[r, c], picture[r + dr, c + dc]
                if (a >= level) != (b >= level):
                    t = (level - a) / (b - a)
                    points.add((round(r + 0.5 + t * dr, 4), round(c + 0.5 + t * dc, 4)))
    return points


@pytest.mark.parametrize("seed", range(6))
def test_a_pictures_outline_meets_every_crossing_and_closes(seed):
    """Grad-CAM's digit is drawn as its outline (marching squares): every point where two
    neighbouring pixels straddle the level is on it, every point of it between the pixels'
    centres is such a point, and each is shared by two segments (the line closes); it stays
    inside the picture. A saddle's two corners across a diagonal join when the
    square's mean is inked."""
    rng = np.random.default_rng(seed)
    picture = rng.integers(0, 17, size=(rng.integers(2, 9), rng.integers(2, 9))).astype(float)
    outline = iso_outline(picture, 7.5)  # between whole numbers: no pixel lies on the line
    rows, cols = picture.shape
    ends = [(r, c) for r0, c0, r1, c1 in outline for r, c in ((r0, c0), (r1, c1))]
    assert all(0 <= r <= rows and 0 <= c <= cols for r, c in ends)
    # Between the outer pixels' centres: the points of the line between two pixels (the others
    # close it across the picture's edge, against its lowest value).
    inside = [(r, c) for r, c in ends if 0.5 <= r <= rows - 0.5 and 0.5 <= c <= cols - 0.5]
    crossings = _crossings(picture, 7.5)
    assert crossings <= set(ends) and set(inside) <= crossings
    assert all(inside.count(point) == 2 for point in crossings), seed
    joined = iso_outline(np.array([[16.0, 0], [0, 16]]), 8.0)  # mean 8: the inked diagonal joins
    assert [0.5, 1.0, 1.0, 1.5] in joined and [1.5, 1.0, 1.0, 0.5] in joined
    apart = iso_outline(np.array([[16.0, 0], [0, 15]]), 8.0)  # mean 7.75: the two pixels apart
    assert [1.0, 0.5, 0.5, 1.0] in apart and [0.5, 1.0, 1.0, 1.5] not in apart


def test_an_overlays_picture_is_its_outline_in_both_renderers():
    """Grad-CAM over the digit: the picture travels as its outline (halfway from its lightest
    to its darkest value), which the plotly export draws too, a dark line on a white halo."""
    grid = GRIDS["overlay"]()
    picture = 24 - X
    assert grid["underlay"]["level"] == 12.0 and grid["underlay"]["outline"] == iso_outline(picture, 12.0)
    lines = [trace for trace in grid_figure([grid]).data if trace.type == "scatter" and trace.line.width in (2, 5)]
    assert [trace.line.color for trace in lines] == ["#ffffff", grid["underlay"]["color"]]
    assert all(trace.x.count(None) == len(grid["underlay"]["outline"]) for trace in lines)
    assert with_palette(grid, "standard")["underlay"] == grid["underlay"]  # the same line in either palette


def test_rows_on_one_page_each_name_every_row_of_the_page():
    """The frameworks' y row and ∂L/∂x row: each prints alike, and each grid's printing names
    both rows (a phone gives every row the whole line when one needs it); a row with nothing
    to print is not on the page."""
    from figures.grids import on_one_page

    y = [value_grid(np.full((2, 2), 0.25), "a"), value_grid(np.full((3, 3), 1 / 9), "b")]
    grad = [grad_input_grid(np.full((6, 6), 25 / 36)), grad_input_grid(np.full((4, 4), 0.25))]
    large = [grad_input_grid(np.zeros((33, 33))), grad_input_grid(np.zeros((33, 33)))]
    rows = on_one_page([y, grad, large])
    page = [printed_alike(y)[0]["printing"], printed_alike(grad)[0]["printing"]]
    assert all(grid["printing"]["page"] == page for row in rows[:2] for grid in row)
    assert [grid["printing"] for grid in rows[2]] == [None, None]
    assert {key: value for key, value in rows[1][0]["printing"].items() if key != "page"} == page[1]


def test_grids_read_together_share_one_printing_from_the_whole_row():
    """A row (every framework's ∂L/∂x) is printed as its narrowest cells and longest labels
    allow: a 3x3 grid of 1/4 beside a 5x5 one of 25/36 is sized as 5 cells of 5 characters;
    a grid too large to print keeps printing nothing, and a grid alone chooses for itself."""
    small = grad_input_grid(np.full((3, 3), 0.25))
    wide = grad_input_grid(np.full((5, 5), 25 / 36) + np.eye(5) * 1e-3)  # 4 digits: "0.6954"
    fraction = grad_input_grid(np.full((4, 4), 25 / 36))
    large = grad_input_grid(np.zeros((33, 33)))
    row = printed_alike([small, fraction, wide, large])
    shared = {"span": 5, "ticks": 1, "width": 6, "short_width": 5}
    assert [grid["printing"] for grid in row] == [shared, shared, shared, None]
    assert [grid["labels"] for grid in row] == [small["labels"], fraction["labels"], wide["labels"], None]
    assert printed_alike([small])[0]["printing"] is None
    assert small["printing"] is None  # the grids given are left as they were
