"""Figures: plain functions that turn the core's arrays into ``plotly.graph_objects.Figure``.

Nothing here imports streamlit; pages call these and pass the result to ``st.plotly_chart``.
"""

from figures.heatmaps import (
    GRADIENT_COLORSCALE,
    IMAGE_COLORSCALE,
    VALUE_COLORSCALE,
    chart_config,
    grad_input_heatmap,
    gradient_heatmap,
    input_heatmap,
    pooling_matrix_heatmap,
    restyle,
    value_heatmap,
)

__all__ = [
    "GRADIENT_COLORSCALE",
    "IMAGE_COLORSCALE",
    "VALUE_COLORSCALE",
    "chart_config",
    "grad_input_heatmap",
    "gradient_heatmap",
    "input_heatmap",
    "pooling_matrix_heatmap",
    "restyle",
    "value_heatmap",
]
