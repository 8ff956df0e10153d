"""Router: every page of the app, in the order they appear in the sidebar.

Run with ``streamlit run app.py``. Streamlit runs this file on every interaction; it sets
up the page and hands over to the page the user is on.
"""

import gc

import streamlit as st

from ui.controls import URL_KEYS
from ui.display import presenting
from ui.lang import language_control, tr
from ui.router import app_pages, mark_routed

st.set_page_config(
    page_title=tr("app.title"),
    page_icon=":material/grid_view:",
    layout="wide",
    # Presentation mode (present=1) opens with the sidebar folded away.
    initial_sidebar_state="collapsed" if presenting() else "auto",
)


@st.cache_resource
def _freeze_long_lived_objects() -> None:
    """Once per server: torch and plotly bring ~200 000 objects that live as long as the
    process. A full collection by Python's garbage collector walks them all (~150 ms here,
    holding up whichever run it lands in); frozen, the collector skips them."""
    import figures.plotly_figure  # noqa: F401
    import pooling.reference  # noqa: F401 - imports torch

    gc.freeze()


_freeze_long_lived_objects()
# Display formulas get a scroll bar from Streamlit even when a rounding pixel is all that
# overflows; a scroll region that the keyboard cannot reach is an accessibility failure
# (axe: scrollable-region-focusable). On wide screens nothing needs to scroll.
st.html("<style>@media (min-width: 700px) { .katex-display { overflow: visible !important; } }</style>")
pages = app_pages()
page = st.navigation(pages, position="hidden")
# Pages share the sidebar controls; ui.controls carries their values over when the page changes.
st.session_state.page_changed = st.session_state.get("current_page") != page.url_path
st.session_state.current_page = page.url_path
navigation = st.sidebar.container()  # drawn after the page runs, but shown at the top
language_control(navigation)
mark_routed()
page.run()

# Our own page links, so that a link to another page carries the shared sidebar settings
# (kernel, stride, input, loss, ...) as they are now: the same view, another angle.
shared = {key: value for key, value in st.query_params.to_dict().items() if key in URL_KEYS}
with navigation:
    for target in pages:
        st.page_link(target, query_params=shared)
    st.divider()
