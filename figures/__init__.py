"""Figures: plain functions that describe cell grids as data (``grids.py``), drawn in the
browser by the grid component (``component/``) or as a plotly figure (``plotly_figure.py``).

Nothing here imports streamlit.
"""

from figures import grids
from figures.grids import *  # noqa: F403 - the package's names are grids.__all__

__all__ = grids.__all__
