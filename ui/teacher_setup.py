"""A following student's sidebar: the teacher's setup as one block, not as widgets.

A student who follows the teacher cannot change the setup, so the sidebar shows it as a
few lines in the controls' own words (kernel, stride, padding, the options that differ
from the defaults, the input, the loss) with the one control the student can use, "Explore
on my own". Drawing ~20 disabled widgets was a large part of each following tab's rerun
(docs/benchmarks.md). The numbers come from the setup itself (``followed_input``), and the
address names the view as the widgets would have written it (``write_followed_url``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException

from classroom.model import Setup
from classroom.setups import setup_query
from i18n import user_text
from scenario.inputs import GENERATED_SOURCES, generated_input
from scenario.params import CONTROLS, DEFAULTS, TYPED_STARTS
from scenario.typed_grid import TypedGrid, decode_grid
from ui.lang import tr

__all__ = [
    "followed_grid",
    "followed_input",
    "setup_lines",
    "teacher_setup_block",
    "widgets_drawn",
    "write_followed_url",
]


def _option(key: str, value: object, labels: str) -> str:
    """A select's value in the words its widget shows (the default's, for a value it lacks)."""
    return tr(labels + str(value if value in CONTROLS[key].options else DEFAULTS[key]))


def _item(label: str, value: object) -> str:
    return tr("class.setup_item", label=label, value=value)


def _pooling_line(values: Mapping[str, object]) -> str:
    axes = {"h": ""} if values["square"] else {"h": tr("axis.height"), "w": tr("axis.width")}
    parts = []
    for name, label in (("kernel", "pool.kernel"), ("stride", "pool.stride"), ("padding", "pool.padding")):
        for axis, axis_label in axes.items():
            value = values[f"{name}_{axis}"]
            shown = tr("pool.stride_same") if value is None else str(int(value))
            parts.append(_item(tr(label) + (tr("pool.axis_suffix", axis=axis_label) if axis_label else ""), shown))
    for option in ("count_include_pad", "ceil_mode", "divisor_override"):  # only those set otherwise
        if values[option] != DEFAULTS[option]:
            value = values[option]
            parts.append(_item(option, str(value).lower() if isinstance(value, bool) else int(value)))
    return " · ".join(parts)


def _input_line(values: Mapping[str, object]) -> str:
    source = values["input"]
    parts = [_item(tr("input.source"), _option("input", source, "input.source_"))]
    if source in GENERATED_SOURCES or source == "custom":
        parts += [_item(tr("input.height"), int(values["height"])), _item(tr("input.width"), int(values["width"]))]
    if "random" in (source, values["loss"]):
        parts.append(_item(tr("input.seed"), int(values["seed"])))
    return " · ".join(parts)


def _loss_line(values: Mapping[str, object]) -> str:
    parts = [_option("loss", values["loss"], "loss.name_")]
    if values["loss"] == "cell":
        parts += [_item(tr("loss.row"), int(values["loss_row"])), _item(tr("loss.col"), int(values["loss_col"]))]
    return " · ".join(parts)


def setup_lines(values: Mapping[str, object]) -> list[tuple[str, str]]:
    """The setup's sections as (header, line), in the sidebar's order and words."""
    return [
        (tr("pool.header"), _pooling_line(values)),
        (tr("input.header"), _input_line(values)),
        (tr("loss.header"), _loss_line(values)),
    ]


def teacher_setup_block(values: Mapping[str, object], on_explore: Callable) -> None:
    """The teacher's setup in the sidebar, and "Explore on my own" (``on_explore``). Every
    line is the catalogue's words and numbers: nothing a browser sent is written here."""
    with st.container(key="class_teacher_setup", border=True):
        lines = [f"**{_inert(tr('class.teacher_setup'))}**"]
        lines += [f"**{_inert(header)}** · {_inert(line)}" for header, line in setup_lines(values)]
        st.markdown("  \n".join(lines))
        st.button(tr("class.explore"), key="class_explore_sidebar", on_click=on_explore, icon=":material/explore:")


def _inert(text: str) -> str:
    """Catalogue words and numbers, with any Markdown in them written out as it reads."""
    return user_text(text, limit=1000)


def followed_grid(setup: Setup, name: str, rows: int, cols: int) -> np.ndarray:
    """A typed grid of the teacher's (``x`` or ``grad``) at rows x cols: the one the setup
    carries, or the start grid. Raises InputError naming a cell that is not a number."""
    encoded = setup.typed.get(name)
    label = "x" if name == "x" else "∂L/∂y"
    typed = TypedGrid.from_texts(decode_grid(encoded, label)) if encoded else TypedGrid()
    return typed.values(TYPED_STARTS[name], rows, cols, label)


def followed_input(setup: Setup, values: Mapping[str, object]) -> np.ndarray | None:
    """The teacher's x, computed from the setup (None for an input that does not travel with
    the class: a picture, or a CSV too large for a link). Raises InputError."""
    source, shape = values["input"], (int(values["height"]), int(values["width"]))
    if source in GENERATED_SOURCES or source == "classic":
        return generated_input(source, *shape, int(values["seed"]))
    if source == "custom":
        return followed_grid(setup, "x", *shape)
    if source == "csv" and setup.typed.get("x"):
        texts = decode_grid(setup.typed["x"], "x")
        return followed_grid(setup, "x", len(texts), len(texts[0]))
    return None


# Set by a run that drew the setup's widgets (``widgets_drawn``): Streamlit binds their keys
# in the address to them until the end of the next run that does not draw them.
WIDGETS_DRAWN = "setup_widgets_drawn"


def widgets_drawn() -> None:
    """This run drew the setup's widgets, bound to the address (ui/scenario.py)."""
    st.session_state[WIDGETS_DRAWN] = True


def write_followed_url(setup: Setup) -> bool:
    """The address names the teacher's view, as the widgets write it: each value that differs
    from its default (``classroom.setups.setup_query``), the others gone. False when it cannot
    be written yet: in the run that stops drawing the widgets (after one that drew them),
    Streamlit still binds their keys to them, refuses to write them, and removes them from
    the address once the run ends; the next run writes them (``ui.classroom`` asks for it)."""
    written = not st.session_state.pop(WIDGETS_DRAWN, False)
    query = setup_query(setup)
    changed = {key: text for key, text in query.items() if st.query_params.get(key) != text}
    gone = [key for key in DEFAULTS if key not in query and key in st.query_params]
    try:
        if changed:
            st.query_params.update(changed)  # one message to the browser, however many changed
        for key in gone:
            del st.query_params[key]
    except StreamlitAPIException:  # still bound to the widget the last run drew
        written = False
    return written
