"""Figures: plain functions that turn the core's arrays into ``plotly.graph_objects.Figure``.

Nothing here imports streamlit; pages call these and pass the result to ``st.plotly_chart``.
"""

from figures import heatmaps
from figures.heatmaps import *  # noqa: F403 - the package's names are heatmaps.__all__

__all__ = heatmaps.__all__
