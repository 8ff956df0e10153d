"""The "matches torch" badge every page shows under its numbers."""

from __future__ import annotations

import streamlit as st

__all__ = ["torch_badge"]


def torch_badge(agree: bool, details: str) -> None:
    """Green when our numbers agree with torch; red and loud when they do not (a bug)."""
    if agree:
        st.success(f"**Matches torch.** {details}", icon=":material/verified:")
    else:
        st.error(
            f"**Does NOT match torch.** {details} This is a bug in the app: please report this link.",
            icon=":material/report:",
        )
