"""The pages of the app, and a guard that keeps every page behind the router (app.py).

Streamlit still has a legacy router for apps with a ``pages/`` folder: until some run calls
``st.navigation``, it serves ``pages/<name>.py`` directly at ``/<name>``, without app.py. A
shared deep link can be a fresh server's first request, so each page starts with
``require_router()``: if app.py did not route this run, it registers the app's pages (which
switches Streamlit to ``st.navigation`` for good) and reruns, now through the router.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["app_pages", "mark_routed", "require_router"]

# (file, title, icon); the first is the start page. A page's address is its file name.
PAGES = [
    ("pages/playground.py", "Playground", ":material/grid_on:"),
    ("pages/step_by_step.py", "Step by step", ":material/play_circle:"),
    ("pages/under_the_hood.py", "Under the hood", ":material/settings:"),
    ("pages/average_vs_max.py", "Average vs max", ":material/compare_arrows:"),
    ("pages/quiz.py", "Predict, then reveal", ":material/quiz:"),
    ("pages/presets.py", "Presets", ":material/collections_bookmark:"),
    ("pages/classic.py", "The classic example", ":material/school:"),
]


def app_pages() -> list[st.Page]:
    """The app's pages, in sidebar order."""
    return [
        st.Page(path, title=title, icon=icon, default=index == 0) for index, (path, title, icon) in enumerate(PAGES)
    ]


def mark_routed() -> None:
    """Called by app.py before it runs a page: this run went through the router."""
    st.session_state.routed = True


def require_router() -> None:
    """Go through app.py's router unless it routed this run.

    The legacy router also answers every rerun of ``streamlit.testing``'s AppTest, which resets
    Streamlit's routing state before each run, so the pages' tests go through here too.
    """
    if not st.session_state.pop("routed", False):
        # Registering the pages takes Streamlit off its legacy router; the rerun then goes
        # through app.py, to this same page, with the same URL parameters and widget values.
        st.navigation(app_pages(), position="hidden")
        st.rerun()
