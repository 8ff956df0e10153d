"""A framework's numbers against our exact core: agrees, or which cells differ and by how much."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Difference", "compare", "tolerance"]

# Rounding only: a float64 framework rounds like our core (~1e-16 per unit); float32 ~1e-7.
TOLERANCE = {"float64": 1e-9, "float32": 1e-5}


@dataclass(frozen=True)
class Difference:
    """One pass (y or ∂L/∂x) of a framework against the exact core. ``shape`` is the
    framework's shape when it is not the core's (then no cell is compared)."""

    cells: tuple[tuple[int, int], ...] = ()
    largest: float = 0.0
    shape: tuple[int, ...] | None = None

    @property
    def agrees(self) -> bool:
        return self.shape is None and not self.cells


def tolerance(exact: np.ndarray, dtype: str) -> float:
    """The largest difference that is rounding, for numbers of this size in this dtype."""
    finite = exact[np.isfinite(exact)]
    return TOLERANCE[dtype] * max(1.0, float(np.abs(finite).max()) if finite.size else 1.0)


def compare(theirs: np.ndarray, exact: np.ndarray, dtype: str = "float64") -> Difference:
    """Which cells of ``theirs`` differ from ``exact`` by more than rounding (inf and nan equal
    themselves).

    >>> compare(np.array([[1.0, 2.0]]), np.array([[1.0, 2.5]])).cells
    ((0, 1),)
    """
    if theirs.shape != exact.shape:
        return Difference(shape=tuple(theirs.shape))
    close = np.isclose(theirs, exact, rtol=0.0, atol=tolerance(exact, dtype), equal_nan=True)
    gaps = np.where(close, 0.0, np.abs(theirs - exact))
    cells = tuple((int(row), int(col)) for row, col in np.argwhere(~close))
    largest = float(np.nanmax(gaps, initial=0.0)) if cells else 0.0
    return Difference(cells, float("inf") if np.isnan(largest) else largest)
