"""The "matches torch" badge every page shows under its numbers, and the one torch check
behind it: torch's autograd on the same numbers, in float64, within one tolerance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from pooling.reference import torch_avg_pool2d
from scenario.params import PoolParams
from ui.lang import tr

__all__ = ["TORCH_TOLERANCE", "largest_difference", "torch_avg_pool", "torch_badge"]

# float64 throughout: our sums and torch's may add the same numbers in another order, which
# changes the last bits only. Anything larger is a bug.
TORCH_TOLERANCE = 1e-10


@st.cache_data(max_entries=64, show_spinner=False)
def torch_avg_pool(x: np.ndarray, grad_output: np.ndarray, params: PoolParams) -> tuple[np.ndarray, np.ndarray]:
    """torch's y and x.grad for this view. Cached: a click or a language switch reruns the
    page with the same numbers."""
    return torch_avg_pool2d(x, grad_output, **params.kwargs())


def largest_difference(ours: Sequence[np.ndarray], theirs: Sequence[np.ndarray]) -> float:
    """The largest absolute difference between matching arrays (0 for empty ones)."""
    return max(float(np.abs(a - b).max()) if np.size(a) else 0.0 for a, b in zip(ours, theirs))


def torch_badge(difference: float, details: str, also_agrees: bool = True) -> None:
    """Green when our numbers are within ``TORCH_TOLERANCE`` of torch's (and ``also_agrees``,
    another check on the same numbers); red and loud when not: that is a bug."""
    if difference <= TORCH_TOLERANCE and also_agrees:
        st.success(tr("badge.match", details=details), icon=":material/verified:")
    else:
        st.error(tr("badge.mismatch", details=details), icon=":material/report:")
