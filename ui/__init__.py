"""Streamlit pieces shared by the pages: sidebar controls bound to the URL, and badges."""
