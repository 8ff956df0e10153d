"""Router: every page of the app, in the order they appear in the sidebar.

Run with ``streamlit run app.py``. Streamlit runs this file on every interaction; it sets
up the page and hands over to the page the user is on.
"""

import streamlit as st

st.set_page_config(
    page_title="Average pooling, backward",
    page_icon=":material/grid_view:",
    layout="wide",
)

pages = [
    st.Page("pages/playground.py", title="Playground", icon=":material/grid_on:", default=True),
    st.Page("pages/classic.py", title="The classic example", icon=":material/school:"),
]
st.navigation(pages).run()
