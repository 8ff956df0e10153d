"""The floor for bench_browser.py: the smallest Streamlit app with one slider. Whatever it
takes to show a slider's new value is what any Streamlit round trip costs on this machine."""

import streamlit as st

st.title("One slider")
value = st.slider("value", 0, 100, 50, key="value")
st.markdown(f"value {value}")
