"""The floor for bench_live_class.py: the barest Streamlit app with one fragment on a timer.
Its fragment draws nothing, so whatever a tab that sits on it costs the server per tick is
Streamlit's own price of a ``run_every`` fragment (the interval: FLOOR_TICK, in seconds)."""

import os

import streamlit as st

st.title("One fragment on a timer")


@st.fragment(run_every=float(os.environ.get("FLOOR_TICK", "1.0")))
def tick() -> None:
    """Draws nothing."""


tick()
