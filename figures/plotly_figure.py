"""The same grid descriptions (``figures.grids``) drawn by plotly, for a standalone file.

The app draws its grids with its own component; plotly serves where a file has to stand on
its own: ``grids_html`` writes one self-contained, interactive HTML page (plotly.js inlined,
nothing fetched) whose camera button saves an SVG, for slides and handouts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.grids import GridDescription, decode_values
from scenario.numbers import NumberStyle, equals_text, format_number

__all__ = ["answers_figure", "grid_figure", "grids_html"]

OUTLINE_COLOR = "rgba(30, 30, 30, 0.55)"
RIGHT_COLOR, WRONG_COLOR = "#2e7d32", "#9e9e9e"  # right answers green, the others grey
HIGHLIGHT_COLOR = "#ff8c00"
PADDING_FILL, PADDING_TEXT, OVERHANG_LINE = "#e4e4e4", "#6b6b6b", "#b0b0b0"  # as the component draws them
PICTURE_HALO = "#ffffff"  # under an overlay's picture outline, as the component draws it


def _heatmap(grid: GridDescription, colorbar_x: float) -> go.Heatmap:
    values = decode_values(grid)
    labels = np.array(grid["labels"], dtype=object).reshape(values.shape) if grid["labels"] else None
    return go.Heatmap(
        z=values,
        x=np.arange(grid["cols"]),
        y=np.arange(grid["rows"]),
        colorscale=grid["colors"],
        zmin=grid["zmin"],
        zmax=grid["zmax"],
        showscale=labels is None,  # a colour bar wherever values are not printed
        colorbar={"x": colorbar_x, "len": 0.8},
        text=labels,
        texttemplate="%{text}" if labels is not None else None,
        # The hover text as the app's hover writes it (scenario/numbers.py), one per cell.
        customdata=_hover_texts(grid, values),
        hovertemplate="%{customdata}<extra></extra>",
        xgap=1,
        ygap=1,
    )


def _hover_texts(grid: GridDescription, values: np.ndarray) -> np.ndarray:
    style = NumberStyle(**grid["style"])
    written: dict[float, str] = {}  # gradients repeat a few values: write each once
    texts = np.empty(values.shape, dtype=object)
    for (row, col), value in np.ndenumerate(values):
        if value not in written:
            written[value] = equals_text(value, style=style)
        texts[row, col] = f"{grid['name']}[{row}, {col}] {written[value]}"
    return texts


def _outlines(grid: GridDescription) -> list[go.Scatter]:
    """Window outlines and highlights as line traces (one trace each, None-separated); the
    whole kernel of a window that overhangs the padding (ceil_mode) dashed."""
    traces = []
    lines = (
        (grid["outlines"], OUTLINE_COLOR, 1.2, "solid"),
        (grid["windows"], HIGHLIGHT_COLOR, 3, "solid"),
        (grid["kernels"], OUTLINE_COLOR, 1.5, "dash"),
    )
    for rectangles, color, width, dash in lines:
        xs, ys = _rectangle_path(rectangles)
        if xs:
            line = {"color": color, "width": width, "dash": dash}
            traces.append(go.Scatter(x=xs, y=ys, mode="lines", line=line, hoverinfo="skip"))
    return traces


def _picture(grid: GridDescription) -> list[go.Scatter]:
    """An overlay's picture as the component draws it: its outline, a dark line on a white halo."""
    underlay = grid["underlay"]
    if not underlay or not underlay["outline"]:
        return []
    xs: list[float | None] = []
    ys: list[float | None] = []
    for row0, col0, row1, col1 in underlay["outline"]:  # in cells: 0 is the first cell's top edge
        xs += [col0 - 0.5, col1 - 0.5, None]
        ys += [row0 - 0.5, row1 - 0.5, None]
    return [
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": color, "width": width}, hoverinfo="skip")
        for color, width in ((PICTURE_HALO, 5), (underlay["color"], 2))
    ]


def _rectangle_path(rectangles: Sequence[Sequence[int]]) -> tuple[list[float | None], list[float | None]]:
    """Closed rectangles around cells [row0, row1) x [col0, col1), as one None-separated path."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for row0, row1, col0, col1 in rectangles:
        xs += [col0 - 0.5, col1 - 0.5, col1 - 0.5, col0 - 0.5, col0 - 0.5, None]
        ys += [row0 - 0.5, row0 - 0.5, row1 - 0.5, row1 - 0.5, row0 - 0.5, None]
    return xs, ys


def _beyond(grid: GridDescription) -> list[go.Heatmap]:
    """The padding ring (grey, holding ``padding_label``: 0, or −∞ for max pooling) and the
    ceil_mode overhang past it (hatched: torch neither reads nor counts it), as the component
    draws them: one heatmap each over the drawn cells, blank (NaN) elsewhere."""
    (row0, col0), (rows, cols) = grid["origin"], grid["extent"]
    row, col = np.mgrid[row0 : row0 + rows, col0 : col0 + cols]
    outside = (row < 0) | (col < 0) | (row >= grid["rows"]) | (col >= grid["cols"])
    in_padding = (row < grid["rows"] + grid["padding"][0]) & (col < grid["cols"] + grid["padding"][1])
    traces = []
    for cells, hover, fill, label, color in (
        (outside & in_padding, grid["padding_hover"], PADDING_FILL, grid["padding_label"], PADDING_TEXT),
        (outside & ~in_padding, grid["overhang_hover"], "#f7f7f7", "╱", OVERHANG_LINE),
    ):
        if not cells.any():
            continue
        traces.append(
            go.Heatmap(
                z=np.where(cells, 1.0, np.nan),
                x=np.arange(col0, col0 + cols),
                y=np.arange(row0, row0 + rows),
                colorscale=[[0, fill], [1, fill]],
                showscale=False,
                text=np.where(cells, label, ""),
                texttemplate="%{text}",
                textfont={"color": color},
                # The cell's indices as every number shown: padding [−1, 0], not plotly's -1.
                customdata=np.where(cells, _indexed(hover, row, col), ""),
                hovertemplate="%{customdata}<extra></extra>",
                hoverongaps=False,
                xgap=1,
                ygap=1,
            )
        )
    return traces


def _indexed(hover: str, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``hover`` with each cell's ``{row}`` and ``{col}`` filled in (``padding [−1, 0]``)."""

    def fill(r: int, c: int) -> str:
        return hover.replace("{row}", format_number(r)).replace("{col}", format_number(c))

    return np.vectorize(fill, otypes=[object])(row, col)


def grid_figure(grids: list[GridDescription], title: str = "") -> go.Figure:
    """Grid descriptions side by side as one plotly figure (matrix orientation, square cells).

    >>> from figures.grids import gradient_grid
    >>> figure = grid_figure([gradient_grid(np.full((2, 2), 0.25), "∂L/∂x")])
    >>> figure.data[0].type, figure.data[0].z.shape
    ('heatmap', (2, 2))
    """
    figure = make_subplots(rows=1, cols=len(grids), subplot_titles=[grid["title"] for grid in grids])
    for index, grid in enumerate(grids, start=1):
        figure.add_trace(_heatmap(grid, index / len(grids)), row=1, col=index)
        for trace in [*_beyond(grid), *_picture(grid), *_outlines(grid)]:
            figure.add_trace(trace, row=1, col=index)
        row0, col0 = grid["origin"]
        rows, cols = grid["extent"]
        anchor = "x" if index == 1 else f"x{index}"
        figure.update_xaxes(range=[col0 - 0.5, col0 + cols - 0.5], side="top", showgrid=False, row=1, col=index)
        figure.update_yaxes(range=[row0 + rows - 0.5, row0 - 0.5], scaleanchor=anchor, showgrid=False, row=1, col=index)
    figure.update_layout(
        title=title, height=460, width=380 * len(grids), showlegend=False, plot_bgcolor="white", template="plotly_white"
    )
    return figure


def grids_html(grids: list[GridDescription], title: str, file_name: str) -> str:
    """A self-contained interactive HTML page of the grids; its camera button saves an SVG."""
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "svg", "filename": file_name}}
    return grid_figure(grids, title).to_html(include_plotlyjs=True, full_html=True, config=config)


def answers_figure(
    answers: Sequence[tuple[str, int, bool]], answer_title: str, count_title: str | None, height: int = 300
) -> go.Figure:
    """A class's answers as bars, one per distinct answer (label, count, right), most common
    first, the right ones green; no title on the counts' axis when ``count_title`` is None (a
    small chart on a projector gives its room to the bars). Built in one go, with no
    template (a light figure to send).

    >>> figure = answers_figure([("1/4", 12, True), ("1", 5, False)], "answer", "students")
    >>> list(figure.data[0].x), list(figure.data[0].y), figure.data[0].marker.color
    (['1/4', '1'], [12, 5], ('#2e7d32', '#9e9e9e'))
    """
    labels = [label for label, _, _ in answers]
    most = max((count for _, count, _ in answers), default=1)
    return go.Figure(
        data=[
            {
                "type": "bar",
                "x": labels,
                "y": [count for _, count, _ in answers],
                "marker": {"color": [RIGHT_COLOR if right else WRONG_COLOR for _, _, right in answers]},
                "text": [str(count) for _, count, _ in answers],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        layout={
            "template": {},
            "xaxis": {"title": {"text": answer_title}, "type": "category", "tickfont": {"size": 18}},
            "yaxis": {
                "title": {"text": count_title or ""},
                "rangemode": "tozero",
                "dtick": math.ceil(most / 4),  # whole counts, about five ticks however many answered
                "gridcolor": "#e6e6e6",
            },
            "margin": {
                "l": 30 if count_title is None else 60,
                "r": 20,
                "t": 30,
                "b": 50 if count_title is None else 60,
            },
            "height": height,
            "plot_bgcolor": "white",
            "font": {"size": 16},
        },
    )
