"""Heatmaps of the four tensors: x, y, dL/dy and dL/dx.

Every heatmap shares one style (``_matrix_heatmap``): matrix orientation (row 0 on top,
column indices along the top), square cells, and the value printed in each cell while the
grid is small enough for the browser to draw the labels quickly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["GRADIENT_COLORSCALE", "VALUE_COLORSCALE", "gradient_heatmap", "value_heatmap"]

VALUE_COLORSCALE = "Blues"
# Blue below zero, white at zero, red above (centred with zmid=0). The ends are mid-tones of
# ColorBrewer's RdBu, so a uniform gradient (all 0.25) is a readable red, not a dark block.
GRADIENT_COLORSCALE = [
    [0.0, "#2166ac"],
    [0.25, "#92c5de"],
    [0.5, "#f7f7f7"],
    [0.75, "#f4a582"],
    [1.0, "#d6604d"],
]
MAX_LABELLED_CELLS = 32  # above 32 x 32, SVG cell labels make the browser slow (FIELD-NOTES)
CELL_FORMAT = ".4~g"  # 0.25, 0.0625, -0.1875, 0.1111, 12.5: short, and exact where it can be


def _matrix_heatmap(
    values: np.ndarray,
    title: str,
    name: str,
    colorscale: str | list,
    zmid: float | None,
    height: int,
) -> go.Figure:
    """The shared heatmap style for a 2D array ``values`` named ``name`` in hover texts."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    labelled = max(rows, cols) <= MAX_LABELLED_CELLS
    heatmap = go.Heatmap(
        z=values,
        x=np.arange(cols),
        y=np.arange(rows),
        colorscale=colorscale,
        zmid=zmid,
        showscale=False,
        xgap=1,
        ygap=1,
        texttemplate=f"%{{z:{CELL_FORMAT}}}" if labelled else None,
        textfont={"size": _label_size(max(rows, cols))},
        hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{z:.6g}}<extra></extra>",
    )
    figure = go.Figure(heatmap)
    figure.update_layout(
        title={"text": title, "x": 0.5, "xanchor": "center", "font": {"size": 16}},
        height=height,
        margin={"l": 28, "r": 8, "t": 64, "b": 8},
        plot_bgcolor="white",
    )
    ticks = {"dtick": 1} if max(rows, cols) <= 16 else {}
    figure.update_xaxes(side="top", showgrid=False, zeroline=False, constrain="domain", **ticks)
    # Matrix orientation: row 0 on top; square cells.
    figure.update_yaxes(
        autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False, constrain="domain", **ticks
    )
    return figure


def _label_size(cells: int) -> int:
    """Cell label font size: large for a 4x4 grid, smaller as cells shrink."""
    return int(np.clip(64 // max(cells, 1), 8, 16))


def value_heatmap(values: np.ndarray, title: str, name: str = "x", height: int = 340) -> go.Figure:
    """Heatmap of an input or output tensor, on a sequential colour scale.

    >>> value_heatmap(np.zeros((2, 3)), "x").data[0].z.shape
    (2, 3)
    """
    return _matrix_heatmap(values, title, name, VALUE_COLORSCALE, zmid=None, height=height)


def gradient_heatmap(values: np.ndarray, title: str, name: str = "dL/dx", height: int = 340) -> go.Figure:
    """Heatmap of a gradient, on a diverging colour scale centred at 0 (white = no gradient).

    >>> gradient_heatmap(np.full((2, 2), 0.25), "dL/dx").data[0].zmid
    0.0
    """
    return _matrix_heatmap(values, title, name, GRADIENT_COLORSCALE, zmid=0.0, height=height)
