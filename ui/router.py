"""The pages of the app, and a guard that keeps every page behind the router (app.py).

Streamlit still has a legacy router for apps with a ``pages/`` folder: until some run calls
``st.navigation``, it serves ``pages/<name>.py`` directly at ``/<name>``, without app.py. A
shared deep link can be a fresh server's first request, so each page starts with
``require_router()``: if app.py did not route this run, it registers the app's pages (which
switches Streamlit to ``st.navigation`` for good) and reruns, now through the router.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.display import presenting
from ui.lang import tr

__all__ = ["PAGES", "PAGE_ICONS", "app_pages", "mark_routed", "page_header", "page_title", "require_router"]

# (file, icon); the first is the start page. A page's address is its file name, and its
# title the catalogue's page.<file name>.
PAGES = [
    ("pages/playground.py", ":material/grid_on:"),
    ("pages/step_by_step.py", ":material/play_circle:"),
    ("pages/under_the_hood.py", ":material/settings:"),
    ("pages/average_vs_max.py", ":material/compare_arrows:"),
    ("pages/quiz.py", ":material/quiz:"),
    ("pages/presets.py", ":material/collections_bookmark:"),
    ("pages/classic.py", ":material/school:"),
    ("pages/network.py", ":material/hub:"),
    ("pages/live_class.py", ":material/groups:"),
]


PAGE_ICONS = dict(PAGES)


def page_title(path: str) -> str:
    """A page's title in the current language: ``page_title("pages/quiz.py")``."""
    return tr(f"page.{Path(path).stem}")


def page_header(path: str, caption_key: str | None = None) -> None:
    """A page's title and its one-line caption. In presentation mode the caption is left out:
    the teacher says it, and the projector's height goes to the grids."""
    st.title(page_title(path))
    if caption_key is not None and not presenting():
        st.caption(tr(caption_key))


def app_pages() -> list[st.Page]:
    """The app's pages, in sidebar order."""
    return [
        st.Page(path, title=page_title(path), icon=icon, default=index == 0) for index, (path, icon) in enumerate(PAGES)
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
