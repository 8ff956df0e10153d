"""The "matches torch" badge every page shows under its numbers."""

from __future__ import annotations

import streamlit as st

from ui.lang import tr

__all__ = ["torch_badge"]


def torch_badge(agree: bool, details: str) -> None:
    """Green when our numbers agree with torch; red and loud when they do not (a bug)."""
    if agree:
        st.success(tr("badge.match", details=details), icon=":material/verified:")
    else:
        st.error(tr("badge.mismatch", details=details), icon=":material/report:")
