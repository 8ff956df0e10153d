"""Sidebar controls shared by the pages. Every widget is bound to the URL (its key is the URL
parameter name), so a link reproduces the exact view.

These functions only draw widgets and return plain values, with the values they drew by
key (``drawn``): once the sidebar is drawn, ``ui.scenario`` hands those to the URL check,
which says which URL values a widget had to ignore (``scenario/url_check.py``, from the table
of controls). Which of them a slider change reruns, and which stay as a full run drew them,
is decided in ``ui.scenario.scenario_page``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st

from scenario.inputs import (
    GENERATED_SOURCES,
    InputError,
    generated_input,
    parse_csv,
    parse_image,
    sample_image,
)
from scenario.losses import LossChoice
from scenario.network import PlaygroundSource
from scenario.params import (
    CONTROLS,
    DEFAULTS,
    TYPED_STARTS,
    URL_KEYS,
    PoolParams,
    control_high,
    params_from_settings,
    square_setting,
)
from scenario.typed_grid import LinkedGrid, TypedGrid, check_edits, decode_grid, encode_grid
from ui.display import presenting
from ui.lang import current_language, tr, translated_error, translated_select

__all__ = [
    "BIND",
    "URL_KEYS",
    "InputChoice",
    "custom_weights",
    "editor_column_widths",
    "input_controls",
    "loss_controls",
    "pool_params",
    "rare_controls",
    "read_input",
    "square_control",
    "typed_grid",
    "typed_grids_from_history",
    "typed_grids_from_link",
    "window_controls",
]

BIND = "query-params"
# Every widget below is drawn from its row of CONTROLS (scenario/params.py), the one table of
# the shared controls: default, range or options; their keys, and the display's, are URL_KEYS.
STRIDE_OPTIONS = list(CONTROLS["stride_h"].options)
DIVISOR_MAX = CONTROLS["divisor_override"].high
SEED_MAX = CONTROLS["seed"].high


# ---------------------------------------------------------------------------------------
# Pooling parameters.


def _copy_height_to_width() -> None:
    """When the square toggle is switched off, start the width controls at the height values."""
    if not st.session_state.square:
        for name in ("kernel", "stride", "padding"):
            if f"{name}_h" in st.session_state:
                st.session_state[f"{name}_w"] = st.session_state[f"{name}_h"]


def _stride_label(value: int | None) -> str:
    # Only the default (None) gets words: a bound widget writes its labels into the URL, and
    # the default is never written there.
    return tr("pool.stride_same") if value is None else str(value)


def _axis_controls(axis: str, label: str) -> tuple[int, int | None, int]:
    """Kernel, stride and padding for one axis ("h" or "w"); label "" when square."""
    suffix = tr("pool.axis_suffix", axis=label) if label else ""
    kernels = CONTROLS[f"kernel_{axis}"]
    kernel = st.slider(
        tr("pool.kernel") + suffix,
        kernels.low,
        kernels.high,
        kernels.default,
        key=f"kernel_{axis}",
        bind=BIND,
        help=tr("pool.kernel_help"),
    )
    stride = st.selectbox(
        tr("pool.stride") + suffix,
        STRIDE_OPTIONS,
        index=STRIDE_OPTIONS.index(DEFAULTS[f"stride_{axis}"]),
        key=f"stride_{axis}",
        bind=BIND,
        format_func=_stride_label,
        # Cleared, the box still says what is used: the kernel size, as in torch.
        placeholder=_stride_label(None),
        help=tr("pool.stride_help"),
    )
    most_padding = control_high(f"padding_{axis}", {f"kernel_{axis}": kernel})
    if most_padding >= 1:
        padding = st.slider(
            tr("pool.padding") + suffix,
            CONTROLS[f"padding_{axis}"].low,
            most_padding,
            DEFAULTS[f"padding_{axis}"],
            key=f"padding_{axis}",
            bind=BIND,
            help=tr("pool.padding_help"),
        )
    else:
        padding = 0
        st.caption(tr("pool.no_padding", label=tr("pool.padding") + suffix))
    return kernel, stride, padding


def square_control(link: Mapping[str, str]) -> bool:
    """The Pooling header and "Same for height and width" (``link``: the URL's parameters as
    the tab opened it, empty on later runs)."""
    st.subheader(tr("pool.header"))
    # A shared link from non-square controls carries both axes and square=false; an older or
    # hand-written link may carry differing axes without it: show them as they are.
    if "square" not in link and "square" not in st.session_state and not square_setting(link):
        st.session_state.square = False
    square = st.toggle(
        tr("pool.square"),
        DEFAULTS["square"],
        key="square",
        bind=BIND,
        on_change=_copy_height_to_width,
        help=tr("pool.square_help"),
    )
    return square


@dataclass(frozen=True)
class WindowSettings:
    """Kernel, stride and padding per axis (height, width), as the sliders give them."""

    kernel_size: tuple[int, int]
    stride: tuple[int | None, int | None]
    padding: tuple[int, int]
    count_include_pad: bool
    drawn: Mapping[str, object] = field(default_factory=dict)  # the values drawn, by key


def window_controls(square: bool) -> WindowSettings:
    """Kernel, stride and padding (one set, or one per axis), then count_include_pad, which
    only matters where there is padding (disabled without it)."""
    labels = {"h": ""} if square else {"h": tr("axis.height"), "w": tr("axis.width")}
    drawn = {}
    for axis, label in labels.items():
        drawn.update(zip((f"kernel_{axis}", f"stride_{axis}", f"padding_{axis}"), _axis_controls(axis, label)))
    axes = ("h", "h") if square else ("h", "w")  # square: the height's values count for both
    kernels, strides, paddings = (tuple(drawn[f"{name}_{a}"] for a in axes) for name in ("kernel", "stride", "padding"))
    count_include_pad = st.toggle(
        "count_include_pad",
        DEFAULTS["count_include_pad"],
        key="count_include_pad",
        bind=BIND,
        disabled=not any(paddings),
        help=tr("pool.count_include_pad_help"),
    )
    drawn["count_include_pad"] = count_include_pad
    return WindowSettings(kernels, strides, paddings, count_include_pad, drawn)


@dataclass(frozen=True)
class RareOptions:
    ceil_mode: bool
    divisor_override: int | None

    @property
    def drawn(self) -> dict[str, object]:
        """The values drawn, by key (both controls always are)."""
        return {"ceil_mode": self.ceil_mode, "divisor_override": self.divisor_override}


def rare_controls() -> RareOptions:
    """ceil_mode and divisor_override (folded into "More options" in presentation mode)."""
    more = st.expander(tr("pool.more"), icon=":material/tune:") if presenting() else st.container()
    with more:
        ceil_mode = st.toggle(
            "ceil_mode",
            DEFAULTS["ceil_mode"],
            key="ceil_mode",
            bind=BIND,
            help=tr("pool.ceil_mode_help"),
        )
        divisor_override = st.number_input(
            "divisor_override",
            min_value=CONTROLS["divisor_override"].low,
            max_value=DIVISOR_MAX,
            value=DEFAULTS["divisor_override"],
            step=1,
            key="divisor_override",
            bind=BIND,
            placeholder=tr("pool.divisor_placeholder"),
            help=tr("pool.divisor_help"),
        )
    return RareOptions(ceil_mode, None if divisor_override is None else int(divisor_override))


def pool_params(settings: WindowSettings, rare: RareOptions) -> PoolParams:
    """The torch arguments from the controls, by the one rule below the UI
    (``scenario.params.params_from_settings``, which the presets use too)."""
    # Both axes as drawn (a square sidebar drew one set, used for both): square=False.
    pairs = {"kernel": settings.kernel_size, "stride": settings.stride, "padding": settings.padding}
    axes = {f"{name}_{axis}": value for name, pair in pairs.items() for axis, value in zip("hw", pair)}
    options = {"count_include_pad": settings.count_include_pad, "ceil_mode": rare.ceil_mode}
    return params_from_settings({"square": False, **axes, **options, "divisor_override": rare.divisor_override})


# ---------------------------------------------------------------------------------------
# The input x.


@dataclass(frozen=True)
class InputChoice:
    source: str
    height: int
    width: int
    seed: int
    upload: bytes | None = None
    upload_lost: bool = False  # the uploader lists a file that this server does not have
    drawn: Mapping[str, object] = field(default_factory=dict)  # the values drawn, by key


def _seed_control() -> int:
    seed = st.number_input(
        tr("input.seed"),
        CONTROLS["seed"].low,
        SEED_MAX,
        DEFAULTS["seed"],
        step=1,
        key="seed",
        bind=BIND,
    )
    return int(seed)


def input_controls() -> InputChoice:
    """The input source and its size, seed or upload."""
    st.subheader(tr("input.header"))
    sources = CONTROLS["input"].options
    source = translated_select(
        tr("input.source"),
        sources,
        "input",
        "input.source_",
        default=DEFAULTS["input"],
        help=tr("input.source_help"),
    )
    st.caption(tr(f"input.help_{source}"))
    drawn = {"input": source}
    height, width = DEFAULTS["height"], DEFAULTS["width"]
    if source in GENERATED_SOURCES or source == "custom":
        left, right = st.columns(2)
        size = CONTROLS["height"]
        height = left.slider(tr("input.height"), size.low, size.high, height, key="height", bind=BIND)
        width = right.slider(tr("input.width"), size.low, size.high, width, key="width", bind=BIND)
        drawn.update(height=height, width=width)
    if source == "random":
        seed = drawn["seed"] = _seed_control()
    else:
        seed = int(st.session_state.get("seed", DEFAULTS["seed"]))
    upload, lost = _uploader(source) if source in UPLOADERS else (None, False)
    return InputChoice(source, height, width, seed, upload, lost, drawn)


# Each uploader's label, file types and size cap (MB; the image's is the server's, .streamlit/config.toml).
UPLOADERS = {
    "csv": ("input.csv_file", {"type": ["csv", "txt"], "max_upload_size": 1}),
    "image": ("input.image_file", {"type": ["png", "jpg", "jpeg"]}),
}


def _uploader(source: str) -> tuple[bytes | None, bool]:
    """The uploaded file's bytes, and whether the uploader lists a file this server does not
    have. Streamlit keeps an upload in the memory of the server that received it; when that
    server goes away, the browser reconnects to another one (docs/deploy.md) and its
    uploader still lists the file: the new session's uploader then returns None while its
    state holds the file's id (a file the server does not have)."""
    key = f"{source}_file"
    on_change = _csv_file_changed if source == "csv" else None
    label, options = UPLOADERS[source]
    file = st.file_uploader(tr(label), key=key, on_change=on_change, **options)
    if file is not None:
        return file.getvalue(), False
    return None, st.session_state.get(key) is not None


# A typed grid is kept by the app, not by the browser's grid: under one session key,
# ``typed_grids`` ({"x": TypedGrid, "grad": TypedGrid}), so it stays across pages and sizes,
# and in the link (``x=``, ``grad=``; scenario/typed_grid.py has the encoding). Each starts
# from its grid in ``scenario.params.TYPED_STARTS``.


def typed_grids_from_link(link: Mapping[str, str]) -> list[str]:
    """The typed grids a link carries (``x=``, ``grad=``), read once when the link opens
    (``link``: its parameters, empty on later runs), and again whenever Back or Forward
    brings a history entry (``typed_grids_from_history``). A link's x also sets the input's
    size, unless the link sets that itself. With ``input=csv``, the link's x is an uploaded
    CSV's grid (``CSV_GRID``). Returns a warning for each grid that cannot be read."""
    grids = st.session_state.setdefault("typed_grids", {})
    warnings = []
    for name, label in (("x", "x"), ("grad", "∂L/∂y")):
        if name not in link:
            continue
        if name == "x" and link.get("input") not in ("custom", "csv"):  # /?x=1: not a 1x1 grid, and said
            warnings.append(tr("url.x_without_custom"))
            continue
        try:
            texts = decode_grid(link[name], label)
        except InputError as error:
            warnings.append(tr("url.typed_grid_ignored", key=name, reason=translated_error(error)))
            continue
        if name == "x" and link.get("input") == "csv":
            st.session_state[CSV_GRID] = LinkedGrid.from_texts(texts, link[name])
            continue
        grids[name] = TypedGrid.from_texts(texts)
        if name == "x":
            for key, size in (("height", len(texts)), ("width", len(texts[0]))):
                if key not in link:
                    st.session_state[key] = size
    return warnings


def typed_grids_from_history(entry: Mapping[str, str]) -> None:
    """The typed grids of the history entry that Back or Forward brought: the app wrote it,
    so it names each grid whole (no ``x=`` is the start grid). A fresh browser grid shows them
    (a new revision): the one on screen holds edits made on top of another grid."""
    grids = st.session_state.setdefault("typed_grids", {})
    for name, label in (("x", "x"), ("grad", "∂L/∂y")):
        encoded = entry.get(name)
        try:
            texts = decode_grid(encoded, label) if encoded else None
        except InputError:
            texts = None  # not a grid the app wrote: the start grid, as without one
        if name == "x" and entry.get("input") == "csv":
            if texts is not None:
                st.session_state[CSV_GRID] = LinkedGrid.from_texts(texts, encoded)
            continue
        revision = grids.get(name, TypedGrid()).revision
        typed = TypedGrid() if texts is None else TypedGrid.from_texts(texts)
        grids[name] = replace(typed, revision=revision).restarted()


def typed_grid(name: str, label: str, rows: int, cols: int) -> np.ndarray:
    """An editable rows x cols grid of numbers, kept under ``typed_grids[name]`` and in the
    link. Every cell is text, read by ``scenario.numbers`` (the browser's grid would otherwise
    parse numbers its own way: it read "1,5" as 15). An edit that no browser sends (rows added
    or deleted, cells that do not exist) is refused with a warning and the grid starts afresh
    with what was typed before. Raises InputError naming the first cell that is empty or not
    a number."""
    start = TYPED_STARTS[name]
    grids = st.session_state.setdefault("typed_grids", {})
    grid = grids.get(name, TypedGrid())
    key = f"typed_{name}_{rows}x{cols}_{grid.revision}"
    if key not in st.session_state:
        grid = grid.rebased()  # a browser grid starting now holds no edits: give it every typed cell
    # Streamlit reads the editor's JSON safely (ui/hardening.py); check_edits judges what it says.
    cells, problem = check_edits(st.session_state.get(key, {}), rows, cols)
    if problem is None:
        grid = grid.typed(cells)
    else:
        st.warning(tr(f"error.input.{problem.key}", label=label, **problem.params), icon=":material/block:")
        grid = grid.restarted()
        key = f"typed_{name}_{rows}x{cols}_{grid.revision}"
    grids[name] = grid
    columns = [str(c) for c in range(cols)]
    texts = grid.texts(start, rows, cols)
    frame = pd.DataFrame(grid.texts(start, rows, cols, grid.shown), columns=columns)
    widths = editor_column_widths(frame.to_numpy().tolist())
    config = {column: st.column_config.TextColumn(column, width=width) for column, width in zip(columns, widths)}
    st.data_editor(frame, key=key, width="content", hide_index=False, column_config=config)
    values = grid.values(start, rows, cols, label)  # raises InputError: the link keeps the last good grid
    _link_typed_grid(name, grid.at_size(start, rows, cols), texts)
    return values


# The editor's cells: 14 px Source Sans, whose digits are about 7 px wide, inside 8 px of
# padding each side; a column no narrower than its header (an edit icon and the index).
EDITOR_CHAR_PX = 8
EDITOR_PADDING_PX = 20
EDITOR_MIN_COLUMN_PX = 52
EDITOR_MAX_COLUMN_PX = 200  # a pasted essay in a cell scrolls in its cell, not across the page


def editor_column_widths(rows: list[list[str]]) -> list[int]:
    """The editor's column widths in CSS px: one width for every column (a matrix reads in
    even columns), wide enough for the longest text (the browser's grid would otherwise
    guess per column, and "0.02343" spilled out of a narrow one).

    >>> editor_column_widths([["0", "0.02343"], ["1", "-1/3"]])
    [76, 76]
    """
    longest = max((len(text) for row in rows for text in row), default=0)
    width = min(max(EDITOR_MIN_COLUMN_PX, EDITOR_PADDING_PX + EDITOR_CHAR_PX * longest), EDITOR_MAX_COLUMN_PX)
    return [width] * (len(rows[0]) if rows else 0)


def _link_typed_grid(name: str, typed: TypedGrid, texts: list[list[str]]) -> None:
    """Write the grid into the link (nothing while it is the start grid)."""
    encoded = encode_grid(texts) if typed.cells else None
    if encoded != st.query_params.get(name):
        st.query_params.pop("from", None)  # no longer the numbers the link said where they came from
    if encoded is None:
        st.query_params.pop(name, None)
        if typed.cells:
            st.caption(tr("input.typed_too_long"))
    elif st.query_params.get(name) != encoded:
        st.query_params[name] = encoded


def picture_uploaded() -> bool:
    """Whether the input on screen is an uploaded picture (which no link can carry)."""
    return st.session_state.get("input") == "image" and st.session_state.get("image_file") is not None


def read_input(choice: InputChoice) -> np.ndarray | None:
    """The input array for a choice; None while an upload is missing (or was lost with the
    server that held it: then the page says so). Raises InputError."""
    if choice.source not in ("custom", "csv"):
        st.query_params.pop("x", None)  # a typed x or a CSV's grid is kept in the session, not in this link
        st.query_params.pop("from", None)  # nor where a typed x came from
    if choice.source in GENERATED_SOURCES or choice.source == "classic":
        return generated_input(choice.source, choice.height, choice.width, choice.seed)
    if choice.source == "custom":
        with st.expander(tr("input.type_x"), expanded=True, icon=":material/edit:"), _typed_grid_source("x"):
            return typed_grid("x", "x", choice.height, choice.width)
    if choice.source == "csv":
        return _csv_input(choice)
    if choice.upload is not None:
        return parse_image(choice.upload)
    if choice.upload_lost:  # a picture is too large for a link: only the student has it now
        st.warning(tr("input.upload_lost"), icon=":material/cloud_off:")
        return None
    st.caption(tr("input.sample_caption"))
    return sample_image()


# An uploaded CSV's grid is the tab's, like a typed grid: kept under this session key (a
# LinkedGrid) and in the link as x= when it fits (scenario/typed_grid.py), so another page,
# a shared link and a server that takes the tab over after its own went away
# (docs/deploy.md) all have it. The uploaded file itself lives only on the server that received it.
CSV_GRID = "csv_grid"


def _csv_input(choice: InputChoice) -> np.ndarray | None:
    """The CSV's grid: the uploaded file's, or the one kept from an earlier upload or a link."""
    kept = st.session_state.get(CSV_GRID)
    if choice.upload is not None:
        try:
            values = parse_csv(choice.upload)
        except InputError:
            _forget_csv_grid()  # a file that cannot be read leaves no older grid behind
            raise
        if kept is None or not np.array_equal(kept.values, values):
            st.session_state[CSV_GRID] = kept = LinkedGrid.of(values)
    elif kept is None:
        st.query_params.pop("x", None)  # a typed x is not a CSV's
        if choice.upload_lost:
            st.warning(tr("input.upload_lost"), icon=":material/cloud_off:")
        else:
            st.info(tr("input.csv_missing"), icon=":material/upload_file:")
        return None
    elif choice.upload_lost:
        st.info(tr("input.csv_restored"), icon=":material/cloud_sync:")
    else:
        st.caption(tr("input.csv_kept"))
    if kept.link is None:
        st.query_params.pop("x", None)
        st.caption(tr("input.csv_too_long"))
    elif st.query_params.get("x") != kept.link:
        st.query_params["x"] = kept.link
    return kept.values


def _csv_file_changed() -> None:
    """The CSV uploader's callback: a file removed takes its grid with it."""
    if st.session_state.get("csv_file") is None:
        _forget_csv_grid()


def _forget_csv_grid() -> None:
    st.session_state.pop(CSV_GRID, None)
    st.query_params.pop("x", None)


# ---------------------------------------------------------------------------------------
# The loss, hence ∂L/∂y.


def loss_controls(output_shape: tuple[int, int] | None, input_source: str) -> tuple[LossChoice, dict[str, object]]:
    """Loss name, with the output cell (for "cell") and the seed (for "random"); and the
    values drawn, by key."""
    losses = CONTROLS["loss"].options
    loss = translated_select(
        tr("loss.select"),
        losses,
        "loss",
        "loss.name_",
        default=DEFAULTS["loss"],
        help=tr("loss.help"),
    )
    drawn = {"loss": loss}
    seed = int(st.session_state.get("seed", DEFAULTS["seed"]))
    cell = (DEFAULTS["loss_row"], DEFAULTS["loss_col"])
    if loss == "cell" and output_shape is not None:
        for key, label, column in zip(("loss_row", "loss_col"), ("loss.row", "loss.col"), st.columns(2)):
            drawn[key] = column.number_input(
                tr(label),
                CONTROLS[key].low,
                control_high(key, {}, output_shape),
                DEFAULTS[key],
                step=1,
                key=key,
                bind=BIND,
            )
        cell = (int(drawn["loss_row"]), int(drawn["loss_col"]))
    if loss == "random" and input_source != "random":
        seed = drawn["seed"] = _seed_control()
    return LossChoice(loss, cell, seed), drawn


def custom_weights(output_shape: tuple[int, int]) -> np.ndarray:
    """The editable ∂L/∂y grid for the custom loss (starts at all ones)."""
    with st.expander(tr("loss.type_grad"), expanded=True, icon=":material/edit:"), _typed_grid_source("grad"):
        return typed_grid("grad", "∂L/∂y", *output_shape)


@contextlib.contextmanager
def _typed_grid_source(name: str) -> Iterator[None]:
    """A caption above a typed grid: where its numbers came from, when a link says (``from=``,
    as "In a network" writes it), else how to type them. Written once the grid inside has run
    (an edit drops ``from``); it is always there because it keeps the grid's hover toolbar,
    which rises above the grid, off the expander's title."""
    slot = st.empty()
    try:
        yield
    finally:
        given = st.query_params.get("from")
        if given is None:
            slot.caption(tr("input.typed_hint"))
        else:
            try:
                slot.caption(PlaygroundSource.parse(given).caption(name, current_language()))
            except ValueError:
                slot.caption(tr("network.from_bad"))
