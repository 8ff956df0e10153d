"""The figures skip plotly's validation when the app builds them (it is a third of their
cost); here every kind of figure is validated in full, so that a misspelt property fails."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from figures import (
    grad_input_heatmap,
    gradient_heatmap,
    input_heatmap,
    pooling_matrix_heatmap,
    restyle,
    value_heatmap,
)
from pooling import pooling_matrix, windows

X = np.arange(25.0).reshape(5, 5)
WINDOWS = windows(X.shape, 3, 2, 1)
FIGURES = {
    "value": lambda: value_heatmap(X, "x", "x", 340, True, [(1, 1)], zrange=(0, 24)),
    "value, large": lambda: value_heatmap(np.random.default_rng(0).random((70, 70)), "x"),
    "gradient": lambda: gradient_heatmap(X - 12, "g", "dL/dy", 340, True, WINDOWS[:2], [(0, 0)], zmax=12),
    "grad_input": lambda: grad_input_heatmap(X / 25, 560, WINDOWS[:1], [(2, 2)], language="zh"),
    "input, padded": lambda: input_heatmap(X, WINDOWS, (1, 1), 340, WINDOWS[:1], [(0, 0)], language="zh"),
    "input, tiled": lambda: input_heatmap(X[:4, :4], windows((4, 4), 2), (0, 0)),
    "pooling matrix": lambda: pooling_matrix_heatmap(pooling_matrix((4, 4), 2), 30, highlight_row=1),
    "presentation, colour-blind": lambda: restyle(gradient_heatmap(X, "g"), colorblind=True, scale=1.35),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_valid_plotly(name):
    figure = FIGURES[name]()
    validated = go.Figure(figure.to_dict())  # raises ValueError on any invalid property
    assert len(validated.data) == len(figure.data) and validated.layout.height == figure.layout.height


def test_an_invalid_property_would_be_caught():
    with pytest.raises(ValueError):
        go.Figure({"data": [{"type": "heatmap", "zmidd": 0}], "layout": {}})


def test_values_are_printed_only_where_they_fit():
    small = value_heatmap(np.full((4, 4), 123456.0), "x")  # 51 px cells: six digits fit
    crowded = value_heatmap(np.full((21, 21), 123456.0), "x", height=560)  # 22 px cells: they do not
    ones = value_heatmap(np.ones((21, 21)), "x", height=560)  # a single digit fits
    assert small.data[0].texttemplate == "%{text}" and ones.data[0].texttemplate == "%{text}"
    assert crowded.data[0].texttemplate is None and crowded.data[0].text is None
