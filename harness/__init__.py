"""Test and benchmark harness: a real Streamlit server (``server``) and Chromium helpers (``browser``)."""
