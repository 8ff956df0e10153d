"""Heatmaps of the four tensors (x, y, dL/dy, dL/dx) and of the geometry maps.

Every heatmap shares one style (``_matrix_heatmap``): matrix orientation (row 0 on top,
column indices along the top), square cells, and the value printed in each cell while the
grid is small enough for the browser to draw the labels quickly. Extras are layered on top
as separate traces: the padding ring, window outlines, highlights, and an invisible layer of
square markers that makes cells clickable (Streamlit returns no click points for heatmaps).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from i18n import text
from pooling import Window

__all__ = [
    "GRADIENT_COLORSCALE",
    "IMAGE_COLORSCALE",
    "VALUE_COLORSCALE",
    "chart_config",
    "grad_input_heatmap",
    "gradient_heatmap",
    "input_heatmap",
    "pooling_matrix_heatmap",
    "restyle",
    "value_heatmap",
]

# Colour scales as explicit [position, colour] lists: figures skip plotly's validation, which
# would otherwise expand a name (and plotly.js does not know every name plotly.py does).
VALUE_COLORSCALE = get_colorscale("Blues")
IMAGE_COLORSCALE = get_colorscale("gray")  # pictures look like pictures: dark pixels dark, bright ones bright
# Blue below zero, white at zero, red above (centred with zmid=0). The ends are mid-tones of
# ColorBrewer's RdBu, so a uniform gradient (all 0.25) is a readable red, not a dark block.
GRADIENT_COLORSCALE = [
    [0.0, "#2166ac"],
    [0.25, "#92c5de"],
    [0.5, "#f7f7f7"],
    [0.75, "#f4a582"],
    [1.0, "#d6604d"],
]
PADDING_COLOR = "#e4e4e4"
OUTLINE_COLOR = "rgba(30, 30, 30, 0.55)"
HIGHLIGHT_COLOR = "#ff8c00"  # orange: visible on both the blue and the red scales
CELL_HIGHLIGHT_COLOR = "#111111"
MAX_LABELLED_CELLS = 32  # above 32 x 32, SVG cell labels make the browser slow (FIELD-NOTES)
MAX_OUTLINED_WINDOWS = 256  # more outlines than this turn the input into a grey mesh
MIN_LABELLED_CELL_PIXELS = 16  # a cell narrower than this on screen gets no printed value
MIN_LABEL_FONT = 7  # nor does a grid whose values would not fit their cells even this small (px)
MAX_EXACT_SPAN = 32  # labelled grids (up to 32 x 32) send float64 values; larger ones, hover only, float32
MAX_CLICKABLE_SPAN = 32  # beyond 32 x 32 cells are a few pixels wide: no click layer (it would double the bytes)

Cell = tuple[int, int]


def _matrix_heatmap(
    values: np.ndarray,
    title: str,
    name: str,
    colorscale: str | list,
    zmid: float | None,
    height: int,
    extent: tuple[int, int, int, int] | None = None,
    clickable: bool = False,
    zrange: tuple[float, float] | None = None,
    cell_pixels: float | None = None,
    language: str = "en",
    extra_traces: Sequence[dict] = (),
    width: int | None = None,
    ticks: tuple[int | None, int | None] | None = None,
) -> go.Figure:
    """The shared heatmap of a 2D array ``values`` named ``name`` in hover texts.

    ``extent`` (row_min, row_max, col_min, col_max) widens the axes, e.g. for padding.
    ``zrange`` fixes the colour range (so colours keep their meaning while a replay fills in).
    ``cell_pixels`` gives the on-screen cell size when the figure is not square.
    ``clickable`` adds the invisible marker layer that reports clicked cells.
    ``extra_traces`` go on top (padding, outlines); ``ticks`` is (column dtick, row dtick).

    The figure is built in one go from plain dicts: plotly validates every later
    ``update_layout`` or ``add_trace`` again, and a ``go.Heatmap`` object once more when it
    joins a figure; a per-trace dict is validated once (together ~10x faster).
    """
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    row_min, row_max, col_min, col_max = extent or (0, rows - 1, 0, cols - 1)
    span = max(row_max - row_min, col_max - col_min) + 1
    cell_pixels = cell_pixels or _plot_pixels(height) / span
    labelled = span <= MAX_LABELLED_CELLS and cell_pixels >= MIN_LABELLED_CELL_PIXELS
    labels = _cell_labels(values, cell_pixels) if labelled else None
    # Print values only where they fit: each label is an SVG text node, and hundreds of
    # overflowing, unreadable ones slow every redraw in the browser.
    if labels is not None and _label_fit(cell_pixels, labels) < MIN_LABEL_FONT:
        labelled, labels = False, None
    traces = [
        dict(
            type="heatmap",
            z=_compact(values, span),  # x and y default to the column and row numbers
            colorscale=colorscale,
            zmid=None if zrange else zmid,
            zmin=zrange[0] if zrange else None,
            zmax=zrange[1] if zrange else None,
            showscale=False,
            xgap=1 if span <= MAX_CLICKABLE_SPAN else 0,  # gaps make plotly draw every cell in SVG: slow
            ygap=1 if span <= MAX_CLICKABLE_SPAN else 0,
            text=labels,
            texttemplate="%{text}" if labelled else None,
            textfont={"size": _label_size(cell_pixels, labels)},
            hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{z:.6g}}<extra></extra>",
            name=name,
        )
    ]
    if clickable and span <= MAX_CLICKABLE_SPAN:
        rows_grid, cols_grid = np.indices(values.shape, dtype=np.int16)
        click = text(language, "figure.click")
        traces.append(
            dict(
                type="scatter",
                x=cols_grid.ravel(),
                y=rows_grid.ravel(),
                customdata=values.ravel().astype(np.float32),  # for the hover text only
                mode="markers",
                marker={"symbol": "square", "size": max(3, int(cell_pixels)), "opacity": 0.0},
                selected={"marker": {"opacity": 0.0}},
                unselected={"marker": {"opacity": 0.0}},
                hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{customdata:.6g}}<br>{click}<extra></extra>",
                name="cells",
                showlegend=False,
            )
        )
    column_tick, row_tick = ticks or ((1, 1) if span <= 16 else (None, None))
    layout = {
        # No plotly template: st.plotly_chart draws with Streamlit's own theme, and the
        # default template would add ~7 kB to every figure, on every rerun.
        "template": {},
        "title": {"text": title, "x": 0.5, "xanchor": "center", "font": {"size": 16}},
        "height": height,
        "width": width,
        "margin": {"l": 28, "r": 8, "t": 64, "b": 8},
        "plot_bgcolor": "white",
        "showlegend": False,
        "clickmode": "event+select" if clickable else "event",
        "dragmode": False,
        "xaxis": {
            "side": "top",
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
            "range": [col_min - 0.5, col_max + 0.5],
            "dtick": column_tick,
        },
        # Matrix orientation: row 0 on top; square cells.
        "yaxis": {
            "range": [row_max + 0.5, row_min - 0.5],
            "scaleanchor": "x",
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
            "dtick": row_tick,
        },
    }
    # Not validated again on every rerun (a third of a figure's cost): the tests validate
    # every kind of figure these functions build (tests/test_figures.py).
    return go.Figure(data=[*traces, *extra_traces], layout=layout, _validate=False)


def _compact(values: np.ndarray, span: int) -> np.ndarray:
    """The values in the fewest bytes that keep them: whole numbers (counts, arange, images)
    as int16, large grids as float32 (7 significant digits, plenty for a hover text; the
    exact numbers stay in the core and the exports), everything else float64.

    >>> _compact(np.array([[1.0, 2.0]]), 2).dtype, _compact(np.array([[0.5]]), 2).dtype
    (dtype('int16'), dtype('float64'))
    """
    finite = np.isfinite(values).all()
    if finite and values.size and np.abs(values).max() < 2**15 and (values == np.round(values)).all():
        return values.astype(np.int16)
    return values.astype(np.float32) if span > MAX_EXACT_SPAN else values


def _plot_pixels(height: int) -> float:
    """About how wide the square plot area is on screen. Charts up to 400 px tall sit four to
    a row, where the column width (about 0.6 x height on a laptop) is the limit; taller ones
    sit two to a row and are limited by their height less the margins."""
    return height - 90 if height > 400 else 0.6 * height


def _label_fit(cell_pixels: float, labels: np.ndarray | None = None) -> float:
    """The font size (px) at which the longest label just fits its cell's width on screen."""
    longest = max((len(label) for label in np.ravel(labels)), default=5) if labels is not None else 5
    return cell_pixels * 0.9 / (0.6 * max(longest, 3))


def _label_size(cell_pixels: float, labels: np.ndarray | None = None) -> int:
    """Cell label font size: the longest label fits its cell's width on screen, 7 to 16 px."""
    return int(np.clip(_label_fit(cell_pixels, labels), 7, 16))


def _cell_labels(values: np.ndarray, cell_pixels: float) -> np.ndarray:
    """The text printed in each cell: 4 significant digits while cells are wide, fewer as
    they narrow, and an exponent instead of a run of zeros (4.6e-4, not 0.000463).

    >>> _cell_labels(np.array([[0.25, 1 / 9, -0.1875, 0.000463, -0.044444, 12345.6]]), 60).tolist()
    [['0.25', '0.1111', '-0.1875', '4.63e-4', '-0.0444', '12346']]
    """
    digits = 4 if cell_pixels >= 60 else 3 if cell_pixels >= 24 else 2
    # Gradients repeat a few values (1/4, 1/9, ...): format each distinct value once.
    distinct, where = np.unique(values, return_inverse=True)
    labels = np.array([_label(value, digits) for value in distinct], dtype=object)
    return labels[where.reshape(values.shape)]


def _label(value: float, digits: int) -> str:
    if np.isnan(value):  # a cell not computed yet (replays) stays blank
        return ""
    if value == 0 or not np.isfinite(value):
        return f"{value:g}".replace("-0", "0")
    size = abs(value)
    if 1e-2 <= size < 10**digits:
        # Plain decimals, one digit fewer while the text is too long (-0.04444 -> -0.0444).
        for places in range(digits, 0, -1):
            text = f"{value:.{places}g}"
            if len(text) <= digits + 3:
                break
        return text
    if 10**digits <= size < 1e6:
        return f"{value:.0f}"
    # Tiny or huge: an exponent, written compactly (4.63e-4, 1.2e7).
    text = f"{value:.{max(digits - 2, 0)}e}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def _rectangles_trace(
    rectangles: Sequence[tuple[float, float, float, float]], color: str, width: float, name: str
) -> dict:
    """One line trace drawing many rectangles (row0, row1, col0, col1 in cell units), separated by
    None: hundreds of outlines cost one trace instead of hundreds of layout shapes."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for row0, row1, col0, col1 in rectangles:
        xs += [col0, col1, col1, col0, col0, None]
        ys += [row0, row0, row1, row1, row0, None]
    return dict(
        type="scatter",
        x=xs,
        y=ys,
        mode="lines",
        line={"color": color, "width": width},
        hoverinfo="skip",
        name=name,
        showlegend=False,
    )


def _window_rectangle(window: Window) -> tuple[float, float, float, float]:
    return (window.row_start - 0.5, window.row_stop - 0.5, window.col_start - 0.5, window.col_stop - 0.5)


def _cell_rectangle(cell: Cell) -> tuple[float, float, float, float]:
    row, col = cell
    return (row - 0.5, row + 0.5, col - 0.5, col + 0.5)


def _highlights(windows: Sequence[Window], cells: Sequence[Cell]) -> list[dict]:
    """Orange outlines around the highlighted windows, black around highlighted cells. With a
    cell selected its windows are drawn thinner, so the cell stands out among them."""
    traces = []
    if windows:
        width = 2 if cells else 4
        rectangles = [_window_rectangle(w) for w in windows]
        traces.append(_rectangles_trace(rectangles, HIGHLIGHT_COLOR, width, "highlighted windows"))
    if cells:
        rectangles = [_cell_rectangle(c) for c in cells]
        traces.append(_rectangles_trace(rectangles, CELL_HIGHLIGHT_COLOR, 4, "highlighted cells"))
    return traces


def value_heatmap(
    values: np.ndarray,
    title: str,
    name: str = "x",
    height: int = 340,
    clickable: bool = False,
    highlight_cells: Sequence[Cell] = (),
    zrange: tuple[float, float] | None = None,
    colorscale: list = VALUE_COLORSCALE,
    language: str = "en",
) -> go.Figure:
    """Heatmap of an input or output tensor, on a sequential colour scale (``IMAGE_COLORSCALE``
    for pictures).

    >>> value_heatmap(np.zeros((2, 3)), "x").data[0].z.shape
    (2, 3)
    """
    return _matrix_heatmap(
        values,
        title,
        name,
        colorscale,
        None,
        height,
        clickable=clickable,
        zrange=zrange,
        language=language,
        extra_traces=_highlights((), highlight_cells),
    )


def gradient_heatmap(
    values: np.ndarray,
    title: str,
    name: str = "dL/dx",
    height: int = 340,
    clickable: bool = False,
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    zmax: float | None = None,
    language: str = "en",
) -> go.Figure:
    """Heatmap of a gradient, on a diverging colour scale centred at 0 (white = no gradient).
    ``zmax`` fixes the colour range to [-zmax, zmax].

    >>> gradient_heatmap(np.full((2, 2), 0.25), "dL/dx").data[0].zmid
    0.0
    """
    zrange = None if not zmax else (-zmax, zmax)
    return _matrix_heatmap(
        values,
        title,
        name,
        GRADIENT_COLORSCALE,
        0.0,
        height,
        clickable=clickable,
        zrange=zrange,
        language=language,
        extra_traces=_highlights(highlight_windows, highlight_cells),
    )


def grad_input_heatmap(
    grad_input: np.ndarray,
    height: int = 340,
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    title: str = "∂L/∂x = x.grad",
    zmax: float | None = None,
    language: str = "en",
) -> go.Figure:
    """dL/dx, clickable, with the highlighted windows clipped to the input (padding gets no gradient).

    >>> figure = grad_input_heatmap(np.full((4, 4), 0.25))
    >>> [trace.type for trace in figure.data]
    ['heatmap', 'scatter']
    """
    rows, cols = grad_input.shape
    clipped = [
        Window(
            w.out_row,
            w.out_col,
            max(w.row_start, 0),
            min(w.row_stop, rows),
            max(w.col_start, 0),
            min(w.col_stop, cols),
            w.input_cells,
            w.divisor,
        )
        for w in highlight_windows
    ]
    return gradient_heatmap(grad_input, title, "dL/dx", height, True, clipped, highlight_cells, zmax, language)


def _windows_overlap(windows: Sequence[Window]) -> bool:
    first = windows[0]
    row_step = next((w.row_start - first.row_start for w in windows if w.row_start != first.row_start), None)
    col_step = next((w.col_start - first.col_start for w in windows if w.col_start != first.col_start), None)
    rows_overlap = row_step is not None and row_step < first.row_stop - first.row_start
    cols_overlap = col_step is not None and col_step < first.col_stop - first.col_start
    return rows_overlap or cols_overlap


def input_heatmap(
    x: np.ndarray,
    windows: Sequence[Window],
    padding: tuple[int, int],
    height: int = 340,
    highlight_windows: Sequence[Window] = (),
    highlight_cells: Sequence[Cell] = (),
    colorscale: list = VALUE_COLORSCALE,
    language: str = "en",
) -> go.Figure:
    """The input x with its padding drawn as a grey ring of zeros and every pooling window outlined.

    >>> figure = input_heatmap(np.zeros((2, 2)), [], padding=(1, 1))
    >>> [trace.name for trace in figure.data]
    ['x', 'cells', 'padding']
    """
    rows, cols = x.shape
    pad_rows, pad_cols = padding
    # The axes reach every cell a window touches: the padding, and the ceil_mode overhang.
    row_max = max([rows - 1 + pad_rows] + [w.row_stop - 1 for w in windows])
    col_max = max([cols - 1 + pad_cols] + [w.col_stop - 1 for w in windows])
    extent = (-pad_rows, row_max, -pad_cols, col_max)
    title = text(language, "figure.input", rows=rows, cols=cols)
    if pad_rows or pad_cols:
        title += text(language, "figure.input_padding", rows=pad_rows, cols=pad_cols)
    extra_traces: list[dict] = []
    if pad_rows or pad_cols:
        # The ring: padded rows/columns hold 0 for the sum (torch pads with zeros).
        padded_rows = np.arange(-pad_rows, rows + pad_rows)
        padded_cols = np.arange(-pad_cols, cols + pad_cols)
        inside = np.outer((padded_rows >= 0) & (padded_rows < rows), (padded_cols >= 0) & (padded_cols < cols))
        ring = np.where(inside, np.nan, 0.0)
        ring_text = np.where(inside, "", "0")
        span = max(len(padded_rows), len(padded_cols))
        cell_pixels = _plot_pixels(height) / span
        extra_traces.append(
            dict(
                type="heatmap",
                z=ring,
                x=padded_cols,
                y=padded_rows,
                colorscale=[[0, PADDING_COLOR], [1, PADDING_COLOR]],
                showscale=False,
                xgap=1,
                ygap=1,
                text=ring_text,
                texttemplate="%{text}" if cell_pixels >= MIN_LABELLED_CELL_PIXELS else None,
                textfont={"size": _label_size(cell_pixels), "color": "#8a8a8a"},
                hovertemplate=text(language, "figure.padding_hover") + "<extra></extra>",
                name="padding",
            )
        )
    # Outline the windows when they tile or leave gaps; overlapping outlines would hide the numbers.
    if 0 < len(windows) <= MAX_OUTLINED_WINDOWS and not _windows_overlap(windows):
        rectangles = [_window_rectangle(w) for w in windows]
        extra_traces.append(_rectangles_trace(rectangles, OUTLINE_COLOR, 1.2, "windows"))
    extra_traces += _highlights(highlight_windows, highlight_cells)
    return _matrix_heatmap(
        x, title, "x", colorscale, None, height, extent, clickable=True, language=language, extra_traces=extra_traces
    )


def pooling_matrix_heatmap(
    matrix: np.ndarray, cell_pixels: int, highlight_row: int | None = None, language: str = "en"
) -> go.Figure:
    """The pooling matrix A (one row per output, one column per input cell), clickable by row.

    >>> figure = pooling_matrix_heatmap(np.full((1, 4), 0.25), 30, highlight_row=0)
    >>> figure.layout.width, [trace.name for trace in figure.data]
    (160, ['A', 'cells', 'row'])
    """
    rows, cols = matrix.shape
    height = rows * cell_pixels + 90
    row_outline = (highlight_row - 0.5, highlight_row + 0.5, -0.5, cols - 0.5) if highlight_row is not None else None
    return _matrix_heatmap(
        matrix,
        f"A ({rows}×{cols})",
        "A",
        VALUE_COLORSCALE,
        None,
        height,
        clickable=True,
        cell_pixels=cell_pixels,
        language=language,
        extra_traces=[_rectangles_trace([row_outline], HIGHLIGHT_COLOR, 4, "row")] if row_outline else [],
        width=cols * cell_pixels + 40,
        ticks=(1 if cols <= 32 else None, 1 if rows <= 32 else None),
    )


def chart_config(filename: str) -> dict:
    """plotly's browser config for our charts: no zoom or pan tools, just the camera button,
    which saves a PNG named ``filename`` at 3x scale (sharp on a slide).

    >>> chart_config("avgpool_x")["toImageButtonOptions"]
    {'format': 'png', 'filename': 'avgpool_x', 'scale': 3}
    """
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": [
            "zoom2d",
            "pan2d",
            "select2d",
            "lasso2d",
            "zoomIn2d",
            "zoomOut2d",
            "autoScale2d",
            "resetScale2d",
        ],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 3},
    }


# Colour-blind-safe alternatives: cividis (values) and ColorBrewer's PuOr (gradients), both
# readable with the common colour-vision deficiencies.
COLORBLIND_VALUE_COLORSCALE = get_colorscale("Cividis")
COLORBLIND_GRADIENT_COLORSCALE = [
    [0.0, "#5e3c99"],
    [0.25, "#b2abd2"],
    [0.5, "#f7f7f7"],
    [0.75, "#fdb863"],
    [1.0, "#e66101"],
]


def restyle(figure: go.Figure, colorblind: bool = False, scale: float = 1.0) -> go.Figure:
    """The same figure with the colour-blind-safe palette and/or bigger (``scale``) for a
    projector: taller, larger titles, ticks and cell labels. Returns the figure.

    >>> figure = restyle(gradient_heatmap(np.ones((2, 2)), "g"), colorblind=True, scale=1.5)
    >>> figure.data[0].colorscale[0][1], figure.layout.height
    ('#5e3c99', 510)
    """
    for trace in figure.data:
        if trace.type != "heatmap" or trace.name == "padding":
            continue
        if colorblind:
            is_gradient = bool(trace.colorscale) and trace.colorscale[0][1] == GRADIENT_COLORSCALE[0][1]
            trace.colorscale = COLORBLIND_GRADIENT_COLORSCALE if is_gradient else COLORBLIND_VALUE_COLORSCALE
        if scale != 1.0 and trace.textfont.size:
            trace.textfont.size = min(int(trace.textfont.size * scale), 26)
    if scale != 1.0:
        figure.update_layout(
            height=int(figure.layout.height * scale),
            title_font_size=int(16 * scale),
            margin_t=int(figure.layout.margin.t * scale),
        )
        figure.update_xaxes(tickfont_size=int(12 * scale))
        figure.update_yaxes(tickfont_size=int(12 * scale))
    return figure
