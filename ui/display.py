"""How grids are shown: the heatmap-grid component, presentation mode (for a projector) and
the colour-blind-safe palette.

``present=1`` in the URL (or the sidebar toggle) collapses the sidebar on load, draws charts
larger (filling the screen height) with larger text, folds the rarer controls into "More options" and shortens the
explanations. ``palette=colorblind`` switches to cividis and purple-orange.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from figures.grids import decode_values, read_selection, with_palette
from ui.lang import tr, translated_select

__all__ = ["PALETTES", "display_controls", "explanation", "presenting", "show_grids"]

PALETTES = ("standard", "colorblind")
COMPONENT = Path(__file__).resolve().parents[1] / "figures" / "component"


def presenting() -> bool:
    """Presentation mode: the sidebar toggle, or ``present=1`` in the URL before it is drawn."""
    if "present" in st.session_state:
        return bool(st.session_state.present)
    return st.query_params.get("present") in ("1", "true")


def _sync_present() -> None:
    """Keep ``present=1`` in the URL while presentation mode is on, so the link keeps it."""
    if st.session_state.present:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)


def display_controls(url) -> None:
    """The sidebar's Display section."""
    st.subheader(tr("display.header"))
    st.session_state.setdefault("present", presenting())
    present = st.toggle(tr("display.present"), key="present", on_change=_sync_present, help=tr("display.present_help"))
    # present=1 (or true) turns it on, 0 (or false) off; anything else is said, not ignored silently.
    if url.was_given("present") and url.raw["present"].strip().lower() not in ("1", "true", "0", "false"):
        url.check("present", present, tr("url.allowed_present"))
    translated_select(
        tr("display.palette"),
        PALETTES,
        "palette",
        "display.palette_",
        url,
        tr("url.allowed_palette"),
        help=tr("display.palette_help"),
    )


# Presentation mode: the explanation of a clicked cell is read from the back of the room.
PRESENT_CSS = """<style>
.st-key-explanation [data-testid="stMarkdownContainer"] p { font-size: 1.6rem; line-height: 1.45; }
</style>"""


def explanation(message: str, icon: str) -> None:
    """The explanation of a clicked cell: an info box, large in presentation mode."""
    with st.container(key="explanation"):
        if presenting():
            st.html(PRESENT_CSS)
        st.info(message, icon=icon)


def _palette() -> str:
    chosen = st.session_state.get("palette", st.query_params.get("palette"))
    return chosen if chosen in PALETTES else "standard"


@st.cache_resource
def _grids_component():
    """The heatmap-grid component, registered once per server (figures/component/)."""
    return st.components.v2.component(
        "avgpool_grids",
        html="",
        css=(COMPONENT / "grids.css").read_text(),
        js=(COMPONENT / "grids.js").read_text(),
    )


def show_grids(
    grids: dict[str, dict],
    *,
    key: str,
    file_prefix: str,
    columns: int = 4,
    windows: dict | None = None,
    selection: dict | None = None,
    on_select: Callable[[dict | None], None] | None = None,
) -> None:
    """Draw grid descriptions (``figures.grids``, by name) side by side with the component.

    ``windows`` (``window_axes``) lets a click light up its windows without a round trip;
    ``on_select`` gets the clicked cell ``{"kind", "row", "col"}`` (None when cleared), in a
    callback, before the rerun. PNG files are named ``<file_prefix>_<name>.png``.
    """
    palette, present = _palette(), presenting()
    data = {
        "grids": [
            {**with_palette(grid, palette), "key": name, "file": f"{file_prefix}_{name}"}
            for name, grid in grids.items()
        ],
        "columns": columns,
        "axes": windows,
        "selection": selection,
        "present": present,
        "fit_height": present,
        "text": {
            "png": tr("grid.png"),
            "save": tr("grid.save"),
            "click": tr("figure.click"),
            "padding": tr("figure.padding_hover"),
            "keys": tr("grid.keys"),
        },
    }
    callbacks = {}
    if on_select is not None:
        drawn = list(grids.values())
        callbacks["on_select_change"] = lambda: on_select(read_selection(_event(key), drawn))
    _grids_component()(key=key, data=data, **callbacks)
    _tables(grids, key)


def _event(key: str) -> object:
    """The component's last ``select`` event, or None when it cannot even be read."""
    try:
        return st.session_state[key].select
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
        return None


def _tables(grids: dict[str, dict], key: str) -> None:
    """The same numbers as tables, for a screen reader or a careful look: a folded expander,
    filled only while open (it costs nothing closed)."""
    expander = st.expander(tr("grid.tables"), key=f"{key}_tables", on_change="rerun", icon=":material/table:")
    if not expander.open:
        return
    with expander:
        for tab, (name, grid) in zip(st.tabs([grid["title"] for grid in grids.values()]), grids.items()):
            table = pd.DataFrame(decode_values(grid), columns=[str(col) for col in range(grid["cols"])])
            tab.caption(grid["description"])
            tab.dataframe(table, key=f"{key}_table_{name}")
