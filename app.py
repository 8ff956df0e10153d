"""Router: every page of the app, in the order they appear in the sidebar.

Run with ``streamlit run app.py``. Streamlit runs this file on every interaction, as the
module ``__main__``: ``main()`` sets up the page and hands over to the page the user is on.

The same file also holds the server's ``app``: ``streamlit run`` finds an ``App`` assigned
to ``app`` here (by reading this file), imports the file as the module ``app``, and serves
the App's routes beside the pages: the live class's events stream (classroom/events.py),
which tells each following tab when its class changed, its cookies, set by the server
(classroom/cookies.py), and a class's report as a page for print (classroom/report_page.py).
"""

from datetime import timedelta

import streamlit as st
from starlette.routing import Route
from streamlit.starlette import App

from classroom.cookies import COOKIE_METHODS, COOKIE_PATH, class_cookie
from classroom.events import EVENTS_PATH, class_events
from classroom.report_page import REPORT_PATH, class_report_page
from classroom.report_store import sweeping
from scenario.params import VIEW_DEFAULTS
from ui import classroom, controls, hardening
from ui.display import copy_link, present_page_style, presenting
from ui.fairness import fair_share, freeze_long_lived_objects
from ui.lang import language_control, tr
from ui.router import app_pages, mark_routed, one_entry_per_page

# The browser's setInterval takes at most 2^31 - 1 ms (24.8 days; longer fires at once).
RECONNECT_TIMER = timedelta(days=20)


@st.fragment(run_every=RECONNECT_TIMER)
def _rerun_on_reconnect() -> None:
    """Draws nothing. A fragment on a timer is what makes Streamlit's frontend rerun the whole
    page when its websocket reconnects (a restarted server, a replica lost behind nginx; see
    streamlit/streamlit#11890). Without one, the frontend just resumes, and the new server
    session, which never ran this page, silently drops the first change of any control that
    lives in a fragment: the kernel, stride, padding and loss do (ui/scenario.py). Its timer
    never fires while a tab is open for a lesson or a day: no tick to race a run."""


def main() -> None:
    """One run of a session: the page set up, the user's page drawn, the sidebar's links."""
    hardening.install()  # before any widget value is read: crafted values must not raise (ui/hardening.py)
    st.set_page_config(
        page_title=tr("app.title"),
        page_icon=":material/grid_view:",
        layout="wide",
        # Presentation mode (present=1) opens with the sidebar folded away.
        initial_sidebar_state="collapsed" if presenting() else "auto",
    )

    freeze_long_lived_objects()
    # Streamlit makes every display formula a sideways scroll region (overflow-x: auto), which
    # a rounding pixel, or a formula in the folded sidebar, turns into one that the keyboard
    # cannot reach: an accessibility failure (axe: scrollable-region-focusable). No formula
    # scrolls: a long one wraps at KaTeX's break points (after its = and +), and on a phone
    # the formulas are set a little smaller, so that the longest fits in two lines.
    st.html(
        "<style>.katex-display { overflow: visible !important; }"
        ".katex-display > .katex { white-space: normal; }"
        "@media (max-width: 699px) { .katex-display { font-size: 0.8em; } }</style>"
    )
    present_page_style()
    pages = app_pages()
    page = st.navigation(pages, position="hidden")
    # Pages share the sidebar controls; ui.controls carries their values over when the page changes.
    st.session_state.page_changed = st.session_state.get("current_page") != page.url_path
    st.session_state.current_page = page.url_path
    navigation = st.sidebar.container()  # drawn after the page runs, but shown at the top
    language_control(navigation)
    # A live class (ui/classroom.py): join the class the link names, and take a following student
    # to the teacher's setup before the page draws its sidebar; the class bar goes on top.
    # A following tab's refresh waits for a lane: a class's 200 refreshes at once must not stall
    # the other tabs of the server.
    with classroom.refresh_lane() as heard:
        classroom.before_page({target.url_path: target for target in pages}, heard)
        class_bar = st.container() if classroom.seat() else None
        mark_routed()
        fair_share(page.run)  # each tab within its share of the server's CPU (ui/fairness.py)
        classroom.after_page(class_bar)  # the class bar; a student's tab listens for the next change

    # Our own page links. Moving to another page keeps the whole view (kernel, input, loss, ...:
    # ui/session.py carries it over); the links themselves carry the display settings (language,
    # presentation mode, palette), so that a page opened in a new tab looks the same too. Not the
    # view: a slider change reruns only the page's fragment (ui/scenario.py), not these links.
    display = {
        key: value
        for key, value in st.query_params.to_dict().items()
        if key in VIEW_DEFAULTS.keys() - {"preset", "deck"}
    }
    with navigation:
        for target in pages:
            st.page_link(target, query_params=display)
        copy_link(uploaded=controls.picture_uploaded())  # the view on screen, as a link (ui/display.py)
        classroom.join_box()  # a class code typed on any page, the start page too
        st.divider()
        one_entry_per_page()  # Back returns to the page before, as it showed it (ui/router.py)
    _rerun_on_reconnect()


if __name__ == "__main__":  # a session's run
    main()
else:  # imported by `streamlit run app.py` to serve: the pages, and the class's events beside them
    app = App(
        "app.py",
        routes=[
            Route(EVENTS_PATH, class_events),
            Route(COOKIE_PATH, class_cookie, methods=COOKIE_METHODS),
            Route(REPORT_PATH, class_report_page, methods=COOKIE_METHODS),  # a class's report, for print
        ],
        lifespan=sweeping,  # expired class reports swept at start-up and every hour (classroom/report_store.py)
    )
