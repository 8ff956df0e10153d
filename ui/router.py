"""A guard for page scripts reached without the router (app.py).

Streamlit's legacy router serves ``pages/<name>.py`` at ``/<name>`` when that is the first
address a fresh server sees; app.py's own URL paths use hyphens so that they never match.
A page that finds itself run that way says where to go instead of half-working.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["require_router"]


def require_router() -> None:
    """Stop with a link to the start page unless app.py routed this run."""
    if "current_page" not in st.session_state:
        st.warning(
            "This address is not one of the app's pages (page addresses use hyphens, like "
            "`/step-by-step`). Open the [start page](/) and pick the page from the sidebar.",
            icon=":material/signpost:",
        )
        st.stop()
