"""Sidebar controls shared by the pages. Every widget is bound to the URL (its key is the URL
parameter name), so a link reproduces the exact view.

Streamlit reruns the whole script on every change; these functions only read widgets and
return plain values. The URL check (``ui.url.UrlCheck``) reports any URL value a widget had
to ignore.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from scenario.inputs import (
    GENERATED_SOURCES,
    INPUT_SOURCES,
    MAX_GRID,
    InputError,
    generated_input,
    parse_csv,
    parse_image,
    sample_image,
)
from scenario.losses import LOSS_LABELS, LOSSES
from scenario.params import DEFAULTS, PoolParams, widget_values
from ui.display import presenting
from ui.url import UrlCheck

__all__ = [
    "DEFAULTS",
    "URL_KEYS",
    "InputChoice",
    "input_controls",
    "loss_controls",
    "pool_controls",
    "read_input",
    "widget_values",
]

KERNEL_MAX = 16
STRIDE_OPTIONS = [None, *range(1, 17)]
DIVISOR_MAX = 256
SEED_MAX = 2**31 - 1
DEFAULT_INPUT = "arange"  # small whole numbers: every mean can be checked by hand (DEFAULTS below)
BIND = "query-params"
URL_KEYS = {
    "square",
    "kernel_h",
    "kernel_w",
    "stride_h",
    "stride_w",
    "padding_h",
    "padding_w",
    "ceil_mode",
    "count_include_pad",
    "divisor_override",
    "height",
    "width",
    "input",
    "seed",
    "loss",
    "loss_row",
    "loss_col",
    "present",
    "palette",
}
INPUT_HELP = {
    "random": "standard normal values (two decimals), from the seed below",
    "arange": "0, 1, 2, … row by row, like torch.arange(H*W).reshape(H, W)",
    "ones": "every cell 1",
    "checkerboard": "alternating 0 and 1",
    "ramp": "x[r, c] = r + c",
    "classic": "the 4×4 input of the classic example (torch.manual_seed(0); torch.randn)",
    "custom": "type the values in a grid",
    "csv": "upload a CSV of numbers (no header)",
    "image": "a picture (a sample, or upload a PNG or JPEG): grayscale 0–255, at most 128×128 cells",
}


# ---------------------------------------------------------------------------------------
# Keep the shared controls when the user moves to another page.


def restore_after_page_change() -> None:
    """A newly opened page starts its widgets from their defaults, and Streamlit drops the
    URL parameters on the way: give the shared sidebar controls back the values they had
    on the previous page (the bound widgets then put them back into the URL)."""
    if st.session_state.get("page_changed"):
        for key, value in st.session_state.get("kept_controls", {}).items():
            st.session_state[key] = value
        for key, text in st.session_state.get("kept_query", {}).items():
            st.query_params.setdefault(key, text)


def keep_for_next_page() -> None:
    """Remember the shared controls' values at the end of every run."""
    st.session_state.kept_controls = {key: st.session_state[key] for key in URL_KEYS if key in st.session_state}
    st.session_state.kept_query = {key: text for key, text in st.query_params.to_dict().items() if key in URL_KEYS}


# ---------------------------------------------------------------------------------------
# Pooling parameters.


def _copy_height_to_width() -> None:
    """When the square toggle is switched off, start the width controls at the height values."""
    if not st.session_state.square:
        for name in ("kernel", "stride", "padding"):
            if f"{name}_h" in st.session_state:
                st.session_state[f"{name}_w"] = st.session_state[f"{name}_h"]


def _stride_label(value: int | None) -> str:
    return "same as kernel" if value is None else str(value)


def _axis_controls(axis: str, label: str, url: UrlCheck) -> tuple[int, int | None, int]:
    """Kernel, stride and padding for one axis ("h" or "w"); label "" when square."""
    suffix = f" ({label})" if label else ""
    kernel = st.slider(
        f"Kernel size{suffix}",
        1,
        KERNEL_MAX,
        2,
        key=f"kernel_{axis}",
        bind=BIND,
        help="kernel_size: how many cells each window spans",
    )
    url.check(f"kernel_{axis}", kernel, f"the kernel size is a whole number from 1 to {KERNEL_MAX}")
    stride = st.selectbox(
        f"Stride{suffix}",
        STRIDE_OPTIONS,
        key=f"stride_{axis}",
        bind=BIND,
        format_func=_stride_label,
        help="stride: how far the window moves between outputs; by default the kernel size, as in torch",
    )
    url.check(
        f"stride_{axis}",
        stride,
        f"the stride is a whole number from 1 to {len(STRIDE_OPTIONS) - 1}",
        _stride_label(stride),
    )
    if kernel // 2 >= 1:
        padding = st.slider(
            f"Padding{suffix}",
            0,
            kernel // 2,
            0,
            key=f"padding_{axis}",
            bind=BIND,
            help="padding: rings of zeros around the input; torch allows at most half the kernel",
        )
        url.check(
            f"padding_{axis}",
            padding,
            f"with kernel {kernel}, padding is a whole number from 0 to {kernel // 2}",
        )
    else:
        padding = 0
        st.caption(f"Padding{suffix}: 0 (a kernel of 1 leaves no room for padding)")
        url.check(f"padding_{axis}", padding, "a kernel of 1 allows no padding")
    return kernel, stride, padding


def pool_controls(url: UrlCheck) -> PoolParams:
    """Kernel, stride, padding (square or per axis), ceil_mode, count_include_pad, divisor_override."""
    st.subheader("Pooling")
    # A shared link from non-square controls carries both axes and square=false; an older or
    # hand-written link may carry differing axes without it: show them as they are.
    if not url.was_given("square") and "square" not in st.session_state:
        pairs = [(url.raw.get(f"{name}_h"), url.raw.get(f"{name}_w")) for name in ("kernel", "stride", "padding")]
        if any(h is not None and w is not None and h != w for h, w in pairs):
            st.session_state.square = False
    square = st.toggle(
        "Same for height and width",
        True,
        key="square",
        bind=BIND,
        on_change=_copy_height_to_width,
        help="Switch off to set kernel, stride and padding separately for height and width",
    )
    url.check("square", square, "square is true or false")
    if square:
        kernel, stride, padding = _axis_controls("h", "", url)
        kernels, strides, paddings = (kernel, kernel), (stride, stride), (padding, padding)
    else:
        height_axis = _axis_controls("h", "height", url)
        width_axis = _axis_controls("w", "width", url)
        kernels, strides, paddings = zip(height_axis, width_axis)
    more = st.expander("More options", icon=":material/tune:") if presenting() else st.container()
    with more:
        ceil_mode, count_include_pad, divisor_override = _rare_controls(url, any(paddings))
    stride_pair = (
        None if strides == (None, None) else tuple(s if s is not None else k for s, k in zip(strides, kernels))
    )
    return PoolParams(
        kernel_size=tuple(kernels),
        stride=stride_pair,
        padding=tuple(paddings),
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
        divisor_override=None if divisor_override is None else int(divisor_override),
    )


def _rare_controls(url: UrlCheck, has_padding: bool) -> tuple[bool, bool, int | None]:
    """ceil_mode, count_include_pad and divisor_override (folded away in presentation mode)."""
    ceil_mode = st.toggle(
        "ceil_mode",
        False,
        key="ceil_mode",
        bind=BIND,
        help="Round the output size up: a last, partial window is added when the windows do not fit exactly",
    )
    url.check("ceil_mode", ceil_mode, "ceil_mode is true or false")
    count_include_pad = st.toggle(
        "count_include_pad",
        True,
        key="count_include_pad",
        bind=BIND,
        disabled=not has_padding,
        help="Count padding cells in each window's divisor (only matters when there is padding)",
    )
    url.check("count_include_pad", count_include_pad, "count_include_pad is true or false")
    divisor_override = st.number_input(
        "divisor_override",
        min_value=1,
        max_value=DIVISOR_MAX,
        value=None,
        step=1,
        key="divisor_override",
        bind=BIND,
        placeholder="off: divide by the window's size",
        help="Divide every window's sum by this number instead (1 gives sum pooling)",
    )
    url.check(
        "divisor_override",
        divisor_override,
        f"divisor_override is a whole number from 1 to {DIVISOR_MAX}",
        "no override" if divisor_override is None else None,
    )
    return ceil_mode, count_include_pad, divisor_override


# ---------------------------------------------------------------------------------------
# The input x.


@dataclass(frozen=True)
class InputChoice:
    source: str
    height: int
    width: int
    seed: int
    upload: bytes | None = None


def _seed_control(url: UrlCheck) -> int:
    seed = st.number_input("Random seed", 0, SEED_MAX, 0, step=1, key="seed", bind=BIND)
    url.check("seed", seed, f"the seed is a whole number from 0 to {SEED_MAX}")
    return int(seed)


def input_controls(url: UrlCheck) -> InputChoice:
    """The input source and its size, seed or upload."""
    st.subheader("Input x")
    source = st.selectbox(
        "Source",
        INPUT_SOURCES,
        index=INPUT_SOURCES.index(DEFAULT_INPUT),
        key="input",
        bind=BIND,
        help="; ".join(f"{name}: {text}" for name, text in INPUT_HELP.items()),
    )
    url.check("input", source, f"the input is one of {', '.join(INPUT_SOURCES)}")
    st.caption(INPUT_HELP[source])
    height = width = 4
    if source in GENERATED_SOURCES or source == "custom":
        left, right = st.columns(2)
        height = left.slider("Height H", 1, MAX_GRID, 4, key="height", bind=BIND)
        width = right.slider("Width W", 1, MAX_GRID, 4, key="width", bind=BIND)
        url.check("height", height, f"the height is a whole number from 1 to {MAX_GRID}")
        url.check("width", width, f"the width is a whole number from 1 to {MAX_GRID}")
    seed = _seed_control(url) if source == "random" else int(st.session_state.get("seed", 0))
    upload = None
    if source == "csv":
        file = st.file_uploader("CSV file", type=["csv", "txt"], key="csv_file")
        upload = None if file is None else file.getvalue()
    elif source == "image":
        file = st.file_uploader("Image (PNG or JPEG)", type=["png", "jpg", "jpeg"], key="image_file")
        upload = None if file is None else file.getvalue()
    return InputChoice(source, height, width, seed, upload)


def _grid_from_editor(key: str, initial: np.ndarray, label: str) -> np.ndarray:
    """An editable grid of numbers; empty or non-numeric cells raise InputError."""
    frame = pd.DataFrame(initial, columns=[str(c) for c in range(initial.shape[1])])
    edited = st.data_editor(frame, key=key, width="content", hide_index=False)
    values = edited.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row, col = bad[0]
        raise InputError(f"{label}[{row}, {col}] is empty or not a number: type a number in every cell")
    return values


def read_input(choice: InputChoice) -> np.ndarray | None:
    """The input array for a choice; None while an upload is still missing. Raises InputError."""
    if choice.source in GENERATED_SOURCES or choice.source == "classic":
        return generated_input(choice.source, choice.height, choice.width, choice.seed)
    if choice.source == "custom":
        with st.expander("Type the input x", expanded=True, icon=":material/edit:"):
            start = generated_input("arange", choice.height, choice.width)
            return _grid_from_editor(f"custom_x_{choice.height}x{choice.width}", start, "x")
    if choice.upload is None and choice.source == "image":
        st.caption("A built-in sample picture: upload a PNG or JPEG in the sidebar to pool your own.")
        return sample_image()
    if choice.upload is None:
        st.info("Upload a CSV file of numbers in the sidebar to use it as the input.", icon=":material/upload_file:")
        return None
    if choice.source == "csv":
        return parse_csv(choice.upload)
    return parse_image(choice.upload)


# ---------------------------------------------------------------------------------------
# The loss, hence dL/dy.


def loss_controls(url: UrlCheck, output_shape: tuple[int, int] | None, input_source: str) -> dict:
    """Loss name, with the output cell (for "cell") and the seed (for "random")."""
    st.subheader("Loss")
    loss = st.selectbox(
        "Loss L",
        LOSSES,
        key="loss",
        bind=BIND,
        help="; ".join(LOSS_LABELS[name] for name in LOSSES),
    )
    url.check("loss", loss, f"the loss is one of {', '.join(LOSSES)}")
    st.caption(LOSS_LABELS[loss])
    choice: dict = {"name": loss, "cell": (0, 0), "seed": int(st.session_state.get("seed", 0))}
    if loss == "cell" and output_shape is not None:
        rows, cols = output_shape
        left, right = st.columns(2)
        row = left.number_input("Output row i", 0, rows - 1, 0, step=1, key="loss_row", bind=BIND)
        col = right.number_input("Output column j", 0, cols - 1, 0, step=1, key="loss_col", bind=BIND)
        url.check("loss_row", row, f"the output row is a whole number from 0 to {rows - 1}")
        url.check("loss_col", col, f"the output column is a whole number from 0 to {cols - 1}")
        choice["cell"] = (int(row), int(col))
    if loss == "random" and input_source != "random":
        choice["seed"] = _seed_control(url)
    return choice


def custom_weights(output_shape: tuple[int, int]) -> np.ndarray:
    """The editable dL/dy grid for the custom loss (starts at all ones)."""
    with st.expander("Type the upstream gradient dL/dy", expanded=True, icon=":material/edit:"):
        rows, cols = output_shape
        return _grid_from_editor(f"custom_grad_{rows}x{cols}", np.ones(output_shape), "dL/dy")
