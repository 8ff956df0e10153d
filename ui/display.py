"""How charts are shown: presentation mode (for a projector) and the colour-blind-safe palette.

``present=1`` in the URL (or the sidebar toggle) collapses the sidebar on load, draws charts
larger with larger text, folds the rarer controls into "More options" and shortens the
explanations. ``palette=colorblind`` switches to cividis and purple-orange.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from figures import restyle
from ui.lang import tr, translated_select

__all__ = ["PALETTES", "chart", "display_controls", "presenting"]

PALETTES = ("standard", "colorblind")
PRESENT_SCALE = 1.35


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
    st.toggle(tr("display.present"), key="present", on_change=_sync_present, help=tr("display.present_help"))
    translated_select(
        tr("display.palette"),
        PALETTES,
        "palette",
        "display.palette_",
        url,
        tr("url.allowed_palette"),
        help=tr("display.palette_help"),
    )


def chart(container, figure: go.Figure, **kwargs) -> None:
    """``container.plotly_chart(figure, ...)`` in the current display style."""
    colorblind = st.session_state.get("palette", st.query_params.get("palette")) == "colorblind"
    scale = PRESENT_SCALE if presenting() else 1.0
    container.plotly_chart(restyle(figure, colorblind=colorblind, scale=scale), **kwargs)
