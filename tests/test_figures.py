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
from figures.grids import EncodedValues, GridDescription, WindowAxes
from figures.plotly_figure import grid_figure, grids_html
from pooling import pooling_matrix, windows

X = np.arange(25.0).reshape(5, 5)
WINDOWS = windows(X.shape, 3, 2, 1)
GRIDS = {
    "value": lambda: value_grid(X, "x", "x", link="output", highlight_cells=[np.array([1, 1])], zrange=(0, 24)),
    "value, large": lambda: value_grid(np.random.default_rng(0).random((70, 70)), "x"),
    "gradient": lambda: gradient_grid(X - 12, "g", "∂L/∂y", highlight_windows=WINDOWS[:2], zmax=12),
    "grad_input": lambda: grad_input_grid(X / 25, highlight_windows=WINDOWS[:1], language="zh"),
    "input, padded": lambda: input_grid(X, WINDOWS, (1, 1), highlight_cells=[(0, 0)], language="zh"),
    "input, tiled": lambda: input_grid(X[:4, :4], windows((4, 4), 2), (0, 0)),
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
