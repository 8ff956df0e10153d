"""A picture's outline: the line where its values cross a level, by marching squares.

Grad-CAM is drawn over the digit (``figures.grids.overlay_grid``): the heat fills every cell
and the digit is this thin line over it, so neither hides the other. Numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Segment", "iso_outline"]

Segment = list[float]  # [row0, col0, row1, col1] in cell units: 0 is the top (left) edge of the first cell

# A square's corners clockwise from its top left, and its edges as pairs of corners; each
# corner touches the edge before it and its own (top left: the left edge and the top).
CORNERS = ((0, 0), (0, 1), (1, 1), (1, 0))
EDGES = ((0, 1), (1, 2), (2, 3), (3, 0))  # top, right, bottom, left


def iso_outline(picture: np.ndarray, level: float) -> list[Segment]:
    """The segments where ``picture`` crosses ``level``, the values taken at the cells' centres
    and linear between them (marching squares). The picture is ringed with its lowest value,
    so that an outline closes at its edge, and each point is kept inside the picture.

    >>> iso_outline(np.array([[0.0, 0, 0], [0, 16, 0], [0, 0, 0]]), 8.0)  # one inked pixel: a diamond
    [[1.0, 1.5, 1.5, 1.0], [1.5, 2.0, 1.0, 1.5], [1.5, 1.0, 2.0, 1.5], [1.5, 2.0, 2.0, 1.5]]
    """
    picture = np.asarray(picture, dtype=np.float64)
    rows, cols = picture.shape
    ringed = np.pad(picture, 1, constant_values=picture.min() if picture.size else 0.0)
    segments = []
    for r in range(rows + 1):
        for c in range(cols + 1):
            for start, stop in _square(ringed, r, c, level):
                # Ringed index (r, c) is the centre of cell (r - 1, c - 1): at (r - 0.5, c - 0.5).
                ends = [
                    min(max(p - 0.5, 0.0), limit) for p, limit in zip((*start, *stop), (rows, cols) * 2, strict=True)
                ]
                if ends[:2] != ends[2:]:  # a piece squeezed to a point at the picture's edge
                    segments.append([round(float(end), 4) for end in ends])
    return segments


def _square(ringed: np.ndarray, r: int, c: int, level: float) -> list[tuple[tuple[float, float], ...]]:
    """The pieces of outline in the square between the centres (r, c) and (r + 1, c + 1)."""
    values = [ringed[r + dr, c + dc] for dr, dc in CORNERS]
    inked = [value >= level for value in values]
    crossed = {}
    for edge, (a, b) in enumerate(EDGES):
        if inked[a] != inked[b]:
            t = (level - values[a]) / (values[b] - values[a])  # where the line from a to b meets the level
            (ra, ca), (rb, cb) = CORNERS[a], CORNERS[b]
            crossed[edge] = (r + ra + t * (rb - ra), c + ca + t * (cb - ca))
    if len(crossed) == 2:
        return [tuple(crossed.values())]
    if len(crossed) < 4:
        return []
    # A saddle: two corners inked across a diagonal. The square's middle (its mean) decides
    # which pair joins; the pieces cut off the two corners that stay apart.
    apart = not inked[0] if np.mean(values) >= level else inked[0]
    corners = (0, 2) if apart else (1, 3)
    return [(crossed[(corner - 1) % 4], crossed[corner]) for corner in corners]
